"""``# noqa`` handling: line-level codes, blanket noqa, and file-level opt-out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lossflint.source import source_lines

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_FILE_NOQA = re.compile(r"#\s*lossflint\s*:\s*noqa\b(?!\s*:)", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass
class NoqaDirective:
    row: int
    column: int  # 1-based column of the '#'
    codes: tuple[str, ...] | None  # None = blanket noqa
    used: set[str] = field(default_factory=set)


def file_is_exempt(text: str) -> bool:
    """``# lossflint: noqa`` anywhere in the file skips it."""
    if "lossflint" not in text:
        return False
    return _FILE_NOQA.search(text) is not None


def parse_noqa(text: str) -> dict[int, NoqaDirective]:
    """Map 1-based line numbers to their noqa directive.

    A regex over lines is enough: a ``# noqa`` inside a string literal is rare
    and would only suppress, never add, a finding.
    """
    result: dict[int, NoqaDirective] = {}
    if "noqa" not in text and "NOQA" not in text:
        return result
    for index, line in enumerate(source_lines(text), start=1):
        if "#" not in line:
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes_text = match.group("codes")
        codes = tuple(c.upper() for c in _CODE.findall(codes_text)) if codes_text else None
        result[index] = NoqaDirective(row=index, column=match.start() + 1, codes=codes)
    return result


def is_suppressed(directives: dict[int, NoqaDirective], code: str, rows: tuple[int, ...]) -> bool:
    for row in rows:
        directive = directives.get(row)
        if directive is None:
            continue
        if directive.codes is None or code in directive.codes:
            directive.used.add(code)
            return True
    return False
