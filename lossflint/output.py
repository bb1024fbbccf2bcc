"""Formatters: concise, full, json, sarif, github, gitlab, junit, and --statistics
(the CI-specific ones and SARIF fixes live in :mod:`lossflint.formats`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from lossflint.diagnostics import Diagnostic, Severity
from lossflint.formats import format_gitlab, format_junit, sarif_fix
from lossflint.registry import all_rules
from lossflint.urls import REPOSITORY, rule_url
from lossflint.version import __version__

FORMATS = ("concise", "full", "json", "sarif", "github", "gitlab", "junit")


def _where(d: Diagnostic) -> str:
    if d.cell is not None:
        return f"{d.filename}:cell {d.cell}:{d.location.row}:{d.location.column}"
    return f"{d.filename}:{d.location.row}:{d.location.column}"


def format_concise(diagnostics: list[Diagnostic], **_: Any) -> str:
    return "".join(f"{_where(d)}: {d.code} {d.message}\n" for d in diagnostics)


def format_full(
    diagnostics: list[Diagnostic],
    source_lines: Callable[[Diagnostic], list[str] | None] | None = None,
    **_: Any,
) -> str:
    out: list[str] = []
    for d in diagnostics:
        out.append(f"{_where(d)}: {d.code} [{d.severity.value}] {d.message}")
        lines = source_lines(d) if source_lines else None
        if lines and 0 < d.location.row <= len(lines):
            line = lines[d.location.row - 1].rstrip("\r\n")
            gutter = str(d.location.row)
            out.append(f"{' ' * len(gutter)} |")
            out.append(f"{gutter} | {line}")
            start = d.location.column - 1
            if d.end_location.row == d.location.row:
                width = max(d.end_location.column - d.location.column, 1)
            else:
                width = max(len(line) - start, 1)
            out.append(f"{' ' * len(gutter)} | {' ' * start}{'^' * width}")
        for rel in d.related:
            where = f"{rel.filename}:" if rel.filename else "line "
            out.append(f"  = note: {rel.message} ({where}{rel.location.row})")
        if d.fix is not None:
            tag = "fix" if d.fix.applicability.value == "safe" else "unsafe fix"
            out.append(f"  = help ({tag}): {d.fix.message}")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def to_json_obj(d: Diagnostic) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "severity": d.severity.value,
        "filename": d.filename,
        "location": d.location.to_json(),
        "end_location": d.end_location.to_json(),
        "fix": d.fix.to_json() if d.fix else None,
        "url": d.url,
        "related": [
            {
                "message": r.message,
                "filename": r.filename or d.filename,
                "location": r.location.to_json(),
                "end_location": r.end_location.to_json(),
            }
            for r in d.related
        ],
    }
    if d.cell is not None:
        obj["cell"] = d.cell
    if d.assumed:
        obj["assumed"] = dict(d.assumed)
    return obj


def format_json(diagnostics: list[Diagnostic], **_: Any) -> str:
    return json.dumps([to_json_obj(d) for d in diagnostics], indent=2) + "\n"


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _sarif_region(d: Diagnostic) -> dict[str, int]:
    return {
        "startLine": d.location.row,
        "startColumn": d.location.column,
        "endLine": d.end_location.row,
        "endColumn": d.end_location.column,
    }


def format_sarif(diagnostics: list[Diagnostic], **_: Any) -> str:
    rules = all_rules()
    codes = list(rules)
    driver_rules = [
        {
            "id": code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": " ".join(rule.what.split())},
            "help": {"text": " ".join(rule.why.split()), "markdown": rule.docs_markdown()},
            "helpUri": rule_url(code),
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
            "properties": {"fix": rule.fix_kind},
        }
        for code, rule in rules.items()
    ]
    results = []
    for d in diagnostics:
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code) if d.code in codes else 0,
            "level": _SARIF_LEVEL[d.severity],
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.filename},
                        "region": _sarif_region(d),
                    }
                }
            ],
        }
        if d.related:
            result["relatedLocations"] = [
                {
                    "id": i,
                    "message": {"text": r.message},
                    "physicalLocation": {
                        "artifactLocation": {"uri": r.filename or d.filename},
                        "region": {
                            "startLine": r.location.row,
                            "startColumn": r.location.column,
                            "endLine": r.end_location.row,
                            "endColumn": r.end_location.column,
                        },
                    },
                }
                for i, r in enumerate(d.related)
            ]
        fix = sarif_fix(d)
        if fix is not None:
            result["fixes"] = [fix]
        properties: dict[str, Any] = {}
        if d.cell is not None:
            properties["cell"] = d.cell
        if d.assumed:
            properties["assumed"] = dict(d.assumed)
        if properties:
            result["properties"] = properties
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lossflint",
                        "version": __version__,
                        "informationUri": REPOSITORY,
                        "rules": driver_rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GH_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def format_github(diagnostics: list[Diagnostic], **_: Any) -> str:
    out = []
    for d in diagnostics:
        props = [
            f"file={_gh_escape_property(d.filename)}",
            f"line={d.location.row}",
            f"col={d.location.column}",
            f"endLine={d.end_location.row}",
            f"endColumn={d.end_location.column}",
            f"title={d.code}",
        ]
        where = f"cell {d.cell}: " if d.cell is not None else ""
        out.append(
            f"::{_GH_LEVEL[d.severity]} {','.join(props)}::"
            f"{_gh_escape_data(where + d.code + ' ' + d.message)}\n"
        )
    return "".join(out)


FORMATTERS: dict[str, Callable[..., str]] = {
    "concise": format_concise,
    "full": format_full,
    "json": format_json,
    "sarif": format_sarif,
    "github": format_github,
    "gitlab": format_gitlab,
    "junit": format_junit,
}


def format_statistics(diagnostics: list[Diagnostic]) -> str:
    counts = Counter(d.code for d in diagnostics)
    fixable = Counter(d.code for d in diagnostics if d.fix is not None)
    rules = all_rules()
    lines = []
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        name = rules[code].name if code in rules else ""
        mark = "[*]" if fixable[code] else "   "
        lines.append(f"{count:>5}  {code}  {mark} {name}")
    return "\n".join(lines) + ("\n" if lines else "")
