"""``# noqa`` handling: line-level codes, blanket noqa, and file-level directives.

Only real comments count: strings are skipped whole when the comments are
found, so a docstring or a string that mentions ``# lossflint: noqa``
silences nothing.

- ``# noqa`` on a line: every finding on that line (or on a multi-line
  statement starting there);
- ``# noqa: LF201, LF3``: those codes; a code is also a prefix, as flake8
  reads it (``LF3`` covers ``LF301``...), the same in ``lossflint check``,
  the flake8 plugin and LF901;
- ``# lossflint: noqa`` (a comment anywhere): the whole file is skipped;
- ``# lossflint: noqa: LF201``: those codes anywhere in the file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

_CODES = r"[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*"
_NOQA = re.compile(rf"#\s*noqa(?::[\s]?(?P<codes>{_CODES}))?", re.IGNORECASE)
_FILE_NOQA = re.compile(
    rf"#\s*lossflint\s*:\s*noqa(?:\s*:\s*(?P<codes>{_CODES}))?(?![\w:])", re.IGNORECASE
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_MENTION = re.compile("noqa", re.IGNORECASE)
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass
class NoqaDirective:
    row: int
    column: int  # 1-based column of the '#'
    codes: tuple[str, ...] | None  # None = blanket noqa
    used: set[str] = field(default_factory=set)
    #: ``# lossflint: noqa: ...``: applies to every line of the file
    file_level: bool = False

    def covers(self, code: str) -> str | None:
        """The directive's code (or prefix) that covers ``code``; ``""`` for a blanket one."""
        if self.codes is None:
            return ""
        for own in self.codes:
            if code.startswith(own):
                return own
        return None


class Directives(dict[int, NoqaDirective]):
    """Line directives by 1-based row; the file-level ones with codes are
    kept at their own row too (so LF901 can point at them) and listed in
    ``file_level``."""

    file_level: list[NoqaDirective]

    def __init__(self) -> None:
        super().__init__()
        self.file_level = []


#: a string literal (any prefix, single or triple quoted) or a comment; the
#: scan skips strings whole, so a '#' inside one never starts a comment
_STRING_BODIES = (
    r"'''(?:\\.|[^\\])*?'''",  # triple-quoted: may span lines
    r'"""(?:\\.|[^\\])*?"""',
    r"'(?:\\.|[^\\'\r\n])*'",  # single-quoted: ends on its line
    r'"(?:\\.|[^\\"\r\n])*"',
)
_TOKENS = re.compile(
    rf"(?P<string>[rRbBuUfFtT]{{0,2}}(?:{'|'.join(_STRING_BODIES)}))|(?P<comment>#[^\r\n]*)",
    re.DOTALL,
)


@lru_cache(maxsize=4)
def _comments(text: str) -> tuple[tuple[int, int, str], ...]:
    """(row, 0-based column, text) of every comment of ``text``.

    A regular-expression scan of strings and comments (what the tokenizer
    would find, at a fraction of its cost in pure Python); source it cannot
    follow (an unterminated string) at worst loses a directive, and such a
    file does not parse anyway.
    """
    found: list[tuple[int, int, str]] = []
    starts = [0, *(m.end() for m in _LINE_END.finditer(text))]
    for match in _TOKENS.finditer(text):
        if match.lastgroup != "comment":
            continue
        offset = match.start()
        row = bisect.bisect_right(starts, offset)
        found.append((row, offset - starts[row - 1], match.group()))
    return tuple(found)


def _codes(text: str | None) -> tuple[str, ...] | None:
    return tuple(c.upper() for c in _CODE.findall(text)) if text else None


def _file_directives(text: str) -> list[NoqaDirective]:
    if "lossflint" not in text and "LOSSFLINT" not in text.upper():
        return []
    out = []
    for row, column, comment in _comments(text):
        match = _FILE_NOQA.match(comment)
        if match is not None:
            codes = _codes(match.group("codes"))
            out.append(NoqaDirective(row, column + 1, codes, file_level=True))
    return out


def file_is_exempt(text: str) -> bool:
    """A ``# lossflint: noqa`` comment (without codes) skips the whole file."""
    if _MENTION.search(text) is None:
        return False
    return any(d.codes is None for d in _file_directives(text))


def parse_noqa(text: str) -> Directives:
    """Map 1-based line numbers to their noqa directive."""
    result = Directives()
    if _MENTION.search(text) is None:
        return result
    for directive in _file_directives(text):
        if directive.codes is not None:
            result.file_level.append(directive)
            result[directive.row] = directive
    for row, column, comment in _comments(text):
        if row in result:
            continue
        match = _NOQA.search(comment)
        if match is None:
            continue
        result[row] = NoqaDirective(
            row=row, column=column + match.start() + 1, codes=_codes(match.group("codes"))
        )
    return result


def is_suppressed(directives: dict[int, NoqaDirective], code: str, rows: tuple[int, ...]) -> bool:
    candidates = [directives[row] for row in rows if row in directives]
    candidates += getattr(directives, "file_level", [])
    for directive in candidates:
        own = directive.covers(code)
        if own is not None:
            directive.used.add(own or code)
            return True
    return False


def unused_codes(directive: NoqaDirective, active: Iterable[str]) -> list[str]:
    """The codes of ``directive`` that suppressed nothing and could have:
    lossflint codes (or prefixes) of rules that ran."""
    if directive.codes is None:
        return []
    active = list(active)
    return [
        own
        for own in directive.codes
        if own.startswith("LF")
        and own not in directive.used
        and any(code.startswith(own) for code in active)
    ]
