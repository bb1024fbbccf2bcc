"""``lossflint check --add-noqa``: silence today's findings with ``# noqa: LFxxx``.

Each finding gets its code on the line the noqa logic reads for it: the
reported line, or, when a comment cannot go there (the line ends inside a
multi-line string, or continues with a backslash), the first line of its
statement. Codes already in a ``# noqa: ...`` on that line are kept and the
new ones merged in; a bare ``# noqa`` is left alone. Running it twice adds
nothing the second time (the findings are suppressed by then). Files are
written by :func:`lossflint.safe_write.write_fixed` (atomic, only if
unchanged since read); notebooks are not edited.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from lossflint.check_run import Plan
from lossflint.diagnostics import Diagnostic
from lossflint.linter import RuleSet, lint_text
from lossflint.noqa import parse_noqa
from lossflint.runner import display_name, read_regular_file
from lossflint.safe_write import NotWritten, write_fixed
from lossflint.source import DecodeError, decode_source, source_lines

#: codes a noqa cannot meaningfully take
_SKIPPED = ("LF900", "LF901")
_LINE_NOQA = re.compile(r"#\s*noqa(?::[\s]?[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)?", re.IGNORECASE)


def rows_without_room(text: str) -> set[int]:
    """Rows whose end a comment cannot be appended to: inside a string that
    spans lines, or continued by a backslash."""
    blocked: set[int] = set()
    starts: list[int] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.start[0] < token.end[0]:
                blocked.update(range(token.start[0], token.end[0]))
            elif token.type == getattr(tokenize, "FSTRING_START", -1):
                starts.append(token.start[0])
            elif token.type == getattr(tokenize, "FSTRING_END", -1) and starts:
                blocked.update(range(starts.pop(), token.end[0]))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return set(range(1, len(source_lines(text)) + 1))  # unreadable: touch nothing
    for row, line in enumerate(source_lines(text), start=1):
        if line.rstrip(" \t").endswith("\\"):
            blocked.add(row)
    return blocked


def add_noqa_text(text: str, diagnostics: list[Diagnostic]) -> tuple[str, int, list[Diagnostic]]:
    """(new text, directives added or extended, findings no line could take)."""
    blocked = rows_without_room(text)
    wanted: dict[int, set[str]] = {}
    homeless: list[Diagnostic] = []
    for d in diagnostics:
        if d.code in _SKIPPED or d.cell is not None:
            continue
        rows = [d.location.row]
        if d.statement_row is not None and d.statement_row != d.location.row:
            rows.append(d.statement_row)
        row = next((r for r in rows if r not in blocked), None)
        if row is None:
            homeless.append(d)
            continue
        wanted.setdefault(row, set()).add(d.code)
    if not wanted:
        return text, 0, homeless
    directives = parse_noqa(text)
    lines = source_lines(text, keepends=True)
    changed = 0
    for row, codes in sorted(wanted.items()):
        if row > len(lines):
            continue
        line = lines[row - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        directive = directives.get(row)
        if directive is not None and not directive.file_level:
            if directive.codes is None:
                continue  # a bare noqa already covers everything
            merged = sorted(set(directive.codes) | codes)
            match = _LINE_NOQA.match(body, directive.column - 1)
            if match is None:
                continue
            body = f"{body[: match.start()]}# noqa: {', '.join(merged)}{body[match.end() :]}"
        else:
            code_list = ", ".join(sorted(codes))
            body = body.rstrip(" \t") + f"  # noqa: {code_list}"
        lines[row - 1] = body + ending
        changed += 1
    return "".join(lines), changed, homeless


def add_noqa_to_plan(plan: Plan) -> tuple[int, list[str]]:
    """Add the directives to every file of ``plan``: (count, problems to report)."""
    added = 0
    problems: list[str] = []
    for settings, files in plan.groups:
        ruleset = RuleSet(settings.enabled_codes(), settings.options)
        for path in files:
            count, problem = _add_to_file(path, ruleset, settings.ignored_for(path), settings.root)
            added += count
            problems += problem
    return added, problems


def _add_to_file(
    path: Path, ruleset: RuleSet, ignored: list[str], root: Path
) -> tuple[int, list[str]]:
    name = display_name(path)
    if path.suffix == ".ipynb":
        return 0, []
    try:
        data = read_regular_file(path)
        source = decode_source(data)
    except (OSError, DecodeError):
        return 0, []  # reported as LF900 by a normal run
    result = lint_text(source.text, name, ruleset, ignored)
    text, count, homeless = add_noqa_text(source.text, result.diagnostics)
    problems = [
        f"{name}:{d.location.row}:{d.location.column}: no line can take a noqa for {d.code}"
        for d in homeless
    ]
    if not count:
        return 0, problems
    try:
        write_fixed(path, text.encode(source.encoding), data, root)
    except (NotWritten, OSError, UnicodeEncodeError) as exc:
        return 0, [*problems, f"{name}: not written: {exc}"]
    return count, problems
