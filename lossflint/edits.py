"""Applying text edits (from fixes) to source text."""

from __future__ import annotations

from collections.abc import Iterable

from lossflint.diagnostics import Edit, Location
from lossflint.source import line_end_offsets


def line_starts(text: str) -> list[int]:
    """Offset of the start of each 1-based line (index 0 unused), with the
    lines Python (and libcst, whose positions the edits carry) counts."""
    return [0, 0, *line_end_offsets(text)]


def to_offset(starts: list[int], text: str, loc: Location) -> int:
    if loc.row >= len(starts):
        return len(text)
    return min(starts[loc.row] + loc.column - 1, len(text))


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (raises ValueError if two overlap)."""
    starts = line_starts(text)
    spans = sorted(
        (to_offset(starts, text, e.location), to_offset(starts, text, e.end_location), e.content)
        for e in edits
    )
    out: list[str] = []
    cursor = 0
    for start, end, content in spans:
        if start < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:start])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


_offsets = line_starts  # the old private name
