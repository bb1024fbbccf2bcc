"""Output formats for CI and terminals, used by :mod:`lossflint.output`:
GitLab code quality, JUnit XML, SARIF ``fixes``, ``--statistics`` as JSON,
and colour."""

from __future__ import annotations

import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import IO, Any

from lossflint.diagnostics import Applicability, Diagnostic, Severity
from lossflint.registry import all_rules

# --- GitLab code quality -------------------------------------------------------------

_GITLAB_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def format_gitlab(diagnostics: list[Diagnostic], **_: Any) -> str:
    """GitLab's code quality report (a JSON array, ``artifacts:reports:codequality``).

    The fingerprint leaves out the line number, so a finding keeps its
    identity when lines above it move; identical findings of one file are
    told apart by their order.
    """
    seen: Counter[str] = Counter()
    out = []
    for d in diagnostics:
        key = "\0".join([d.code, d.filename, str(d.cell or ""), d.message])
        seen[key] += 1
        fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()
        where = f"cell {d.cell}: " if d.cell is not None else ""
        out.append(
            {
                "description": f"{d.code} {where}{d.message}",
                "check_name": d.code,
                "fingerprint": fingerprint,
                "severity": _GITLAB_SEVERITY[d.severity],
                "location": {
                    "path": d.filename,
                    "positions": {
                        "begin": {"line": d.location.row, "column": d.location.column},
                        "end": {"line": d.end_location.row, "column": d.end_location.column},
                    },
                },
            }
        )
    return json.dumps(out, indent=2) + "\n"


# --- JUnit XML -------------------------------------------------------------------------


def format_junit(diagnostics: list[Diagnostic], **_: Any) -> str:
    """One test suite per file, one failed test case per finding (as ruff)."""
    suites = ET.Element(
        "testsuites",
        name="lossflint",
        tests=str(max(len(diagnostics), 1)),
        failures=str(len(diagnostics)),
        errors="0",
    )
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.filename, []).append(d)
    if not by_file:
        suite = ET.SubElement(
            suites, "testsuite", name="lossflint", tests="1", disabled="0", errors="0", failures="0"
        )
        ET.SubElement(suite, "testcase", name="No errors found", classname="lossflint")
    for filename, found in by_file.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=filename,
            tests=str(len(found)),
            disabled="0",
            errors="0",
            failures=str(len(found)),
            package="org.lossflint",
        )
        for d in found:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"org.lossflint.{d.code}",
                classname=_classname(filename),
                line=str(d.location.row),
                column=str(d.location.column),
            )
            where = f"cell {d.cell}, " if d.cell is not None else ""
            failure = ET.SubElement(case, "failure", message=_xml_safe(d.message))
            failure.text = _xml_safe(
                f"{where}line {d.location.row}, col {d.location.column}, {d.message}"
            )
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _classname(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0] if filename.endswith((".py", ".pyi", ".ipynb")) else filename
    return stem.replace("/", ".")


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold control characters (a message quoting source may)."""
    return _XML_INVALID.sub("\ufffd", text)


# --- SARIF fixes -----------------------------------------------------------------------


def sarif_fix(d: Diagnostic) -> dict[str, Any] | None:
    if d.fix is None or not d.fix.edits or d.cell is not None:
        return None  # a notebook's edits are in cell coordinates, not the file's
    unsafe = d.fix.applicability is Applicability.UNSAFE
    return {
        "description": {"text": d.fix.message + (" (unsafe fix)" if unsafe else "")},
        "artifactChanges": [
            {
                "artifactLocation": {"uri": d.filename},
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": e.location.row,
                            "startColumn": e.location.column,
                            "endLine": e.end_location.row,
                            "endColumn": e.end_location.column,
                        },
                        "insertedContent": {"text": e.content},
                    }
                    for e in d.fix.edits
                ],
            }
        ],
    }


# --- --statistics ----------------------------------------------------------------------


def statistics_json(diagnostics: list[Diagnostic]) -> str:
    """``--statistics --output-format json``: one object per rule, most frequent first."""
    counts = Counter(d.code for d in diagnostics)
    fixable = {d.code for d in diagnostics if d.fix is not None and d.fix.edits}
    rules = all_rules()
    rows = [
        {
            "code": code,
            "name": rules[code].name if code in rules else "",
            "count": count,
            "fixable": code in fixable,
        }
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return json.dumps(rows, indent=2) + "\n"


# --- colour --------------------------------------------------------------------------


def wants_colour(stream: IO[str]) -> bool:
    """Colour on a terminal; ``NO_COLOR`` (any non-empty value) turns it off,
    ``FORCE_COLOR`` on even when piped. ``NO_COLOR`` wins when both are set:
    it is the user's own preference, ``FORCE_COLOR`` usually a CI default."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


BOLD, RED, CYAN, YELLOW, RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[33m", "\x1b[0m"
_HEADER = re.compile(r"^(?P<where>\S.*?:(?:cell \d+:)?\d+:\d+): (?P<code>[A-Z]+\d+) ")
_CARETS = re.compile(r"^(?P<gutter>\s*\| ?\s*)(?P<carets>\^+)$")


def colourise(text: str) -> str:
    """Colour the lines of the concise and full formats: the place bold, the
    code red, the carets under the source red, help lines cyan."""
    out = []
    for line in text.split("\n"):
        header = _HEADER.match(line)
        carets = _CARETS.match(line)
        if header:
            line = (
                f"{BOLD}{header['where']}{RESET}: {BOLD}{RED}{header['code']}{RESET} "
                + line[header.end() :]
            )
        elif carets:
            line = f"{carets['gutter']}{RED}{carets['carets']}{RESET}"
        elif line.lstrip().startswith(("= help", "fix:", "unsafe fix:")):
            line = f"{CYAN}{line}{RESET}"
        out.append(line)
    return "\n".join(out)


def colour_summary(text: str) -> str:
    out = []
    for line in text.split("\n"):
        if line.startswith("[*]"):
            line = f"{CYAN}[*]{RESET}{line[3:]}"
        elif line.startswith(("Found ", "All checks passed")):
            line = f"{BOLD}{line}{RESET}"
        out.append(line)
    return "\n".join(out)
