"""A buffer that does not parse because a line is being typed: mask that line.

While the user types ``print(total, ep`` the file does not parse, and a
linter that needs a syntax tree has nothing to say but LF900. Here the
broken lines are replaced, one for one, by a line that parses (``pass`` at
the line's indentation, or ``if True:`` when an indented block follows it),
so the rest of the file is linted as if the line were not there. CPython's
parser finds the line (its messages name the line a statement starts on, e.g.
``'(' was never closed``) and checks each candidate quickly; up to
:data:`MAX_MASKED` lines are masked, and a buffer that still does not parse
is given up on (LF900 alone).

Findings are then what the file says without those lines: a finding that the
broken line was about to fix stays until it parses, and one that needs the
broken line (a ``zero_grad()`` being retyped) can show meanwhile.
"""

from __future__ import annotations

import ast
import re
import warnings

#: lines masked at most (several broken places: give up)
MAX_MASKED = 3
_BLOCK_NAMED = re.compile(r"on line (\d+)")
_DEF = re.compile(r"[ \t]*(async[ \t]+)?def\b")


def syntax_error(text: str) -> SyntaxError | None:
    """CPython's complaint about ``text``, None when it parses."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<buffer>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError) as exc:
        # NUL bytes, nesting: no line to mask
        return SyntaxError(str(exc))
    return None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _next_code_line(lines: list[str], row: int) -> str | None:
    for line in lines[row + 1 :]:
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return None


def _previous_code_line(lines: list[str], row: int) -> str | None:
    for line in reversed(lines[:row]):
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return None


def _mask_line(lines: list[str], row: int, unexpected_indent: bool) -> str:
    """The line that replaces ``lines[row]`` (0-based)."""
    line = lines[row]
    ending = "\r" if line.endswith("\r") else ""
    indent = _indent(line)
    if unexpected_indent:
        # the indentation itself is wrong: take the previous statement's
        previous = _previous_code_line(lines, row)
        indent = _indent(previous) if previous is not None else ""
        if previous is not None and previous.rstrip().endswith(":"):
            indent += "    "
    following = _next_code_line(lines, row)
    opens_block = following is not None and len(_indent(following)) > len(indent)
    if not opens_block:
        return f"{indent}pass{ending}"
    if _DEF.match(line):
        return f"{indent}def _lossflint_masked():{ending}"
    return f"{indent}if True:{ending}"


def mask_broken_lines(text: str) -> tuple[str, list[int]] | None:
    """(``text`` with its broken lines masked, their 1-based rows), or None
    when no such version parses. Rows are those of ``text``: one line for one."""
    original = text.split("\n")
    lines = list(original)
    masked: list[int] = []
    candidate = text
    while True:
        error = syntax_error(candidate)
        if error is None:
            return _unmask_needless(original, lines, masked)
        if len(masked) >= MAX_MASKED or error.lineno is None:
            return None
        row = error.lineno
        named = _BLOCK_NAMED.search(error.msg or "")
        if named is not None and "expected an indented block" in (error.msg or ""):
            row = int(named.group(1))  # a header with no body: the header goes
        if row in masked:
            # reported a line late (``x = (`` then ``y = 1``: CPython
            # complains about the second): the line above goes too
            row = next(
                (r for r in range(row - 1, 0, -1) if r not in masked and lines[r - 1].strip()), 0
            )
        if not 1 <= row <= len(lines):
            return None
        unexpected = "indent" in (error.msg or "")
        lines[row - 1] = _mask_line(lines, row - 1, unexpected)
        masked.append(row)
        candidate = "\n".join(lines)


def _unmask_needless(
    original: list[str], lines: list[str], masked: list[int]
) -> tuple[str, list[int]]:
    """Put back the masked lines the text parses with (a line masked
    because CPython named it, when the line that broke it was above)."""
    for row in list(masked)[:-1] if len(masked) > 1 else []:
        trial = list(lines)
        trial[row - 1] = original[row - 1]
        if syntax_error("\n".join(trial)) is None:
            lines = trial
            masked.remove(row)
    return "\n".join(lines), sorted(masked)
