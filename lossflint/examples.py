"""Rule examples written as code, with the expected findings marked in comments.

A rule's ``VALID`` examples are plain (dedented) source. An ``INVALID`` example
and a rule's documentation ``example`` mark each line a finding must point at
with a trailing comment::

    acc = (probs == y).float().mean()  # error: LF501 at `probs == y`
    loss = crit(out, y)  # error: LF101

``# error: LFxxx`` checks the line; ``at `text``` also pins the column: the
finding must start at the first occurrence of ``text`` on that line (without
it, the column is not checked). The markers are ordinary comments, so the
example is still the program the rule reads, and the fixed source of a
fixable example keeps them.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

_MARKER = re.compile(r"#\s*error:\s*(?P<code>LF\d{3})(?:\s+at\s+`(?P<at>[^`]+)`)?")


def dedent(source: str) -> str:
    """Source as written in a rule module: dedented, without the first newline."""
    text = textwrap.dedent(source)
    if text.startswith("\n"):
        text = text[1:]
    return text


@dataclass(frozen=True)
class Expected:
    code: str
    line: int
    #: 1-based column, or ``None`` when the marker does not pin it
    column: int | None


def expected_findings(source: str) -> list[Expected]:
    """The findings the ``# error:`` markers of ``source`` ask for, in order."""
    found: list[Expected] = []
    for number, line in enumerate(source.split("\n"), start=1):
        for match in _MARKER.finditer(line):
            column = None
            at = match.group("at")
            if at is not None:
                index = line.find(at)
                if index < 0 or index >= match.start():
                    raise ValueError(f"line {number}: `{at}` is not on the line before the marker")
                column = index + 1
            found.append(Expected(match.group("code"), number, column))
    return found


@dataclass(frozen=True)
class Invalid:
    """An example on which the rule must fire exactly where its markers say.

    ``fixed`` is the expected source after applying the finding's fix, when the
    rule offers one (dedented like ``source``).
    """

    source: str
    fixed: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", dedent(self.source))
        if self.fixed is not None:
            object.__setattr__(self, "fixed", dedent(self.fixed))
