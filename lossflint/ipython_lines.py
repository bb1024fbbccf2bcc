"""IPython-only lines (magics, shell commands, help queries) and how they
are masked so the rest of a cell, or of a script exported from a notebook,
parses as Python: each replaced one for one by a ``pass`` line carrying an
id, the original kept under that id."""

from __future__ import annotations

import keyword
import re

# Between two cells of the program; a comment, so it never changes a parse.
CELL_MARKER = "# --- lossflint: cell boundary ---"
_MASK = "pass  # lossflint-masked-line-{}"
# a line that binds no Python name (``%matplotlib inline``, ``!pip install x``):
# the snippet reading of the program's free names stands (names.FreeNames)
_MASK_INERT = "pass  # lossflint-inert-line-{}"
MASK_RE = re.compile(r"^[ \t]*pass  # lossflint-(?:masked|inert)-line-(\d+)$")
# magics that may bind names in the kernel (``%run x.py``, ``%store -r``,
# ``%%capture out``, ``%load``); any ``x = !cmd`` / ``x = %magic`` binds ``x``
_BINDING_MAGICS = frozenset(
    {
        "run",
        "load",
        "store",
        "capture",
        "reset",
        "sx",
        "system",
        "macro",
        "recall",
        "rerun",
        "pylab",
    }
    | {"aimport", "autoreload", "env", "alias", "bookmark", "load_ext", "R", "Rpull", "pull"}
)
_MAGIC_NAME = re.compile(r"^[ \t]*%{1,2}(?P<name>\w+)")
# ``%time train(model, loader)``: the line magic runs its statement in the
# kernel; it is linted as ``if 1: train(model, loader)`` (the same columns),
# marked so that the original line comes back when fixes are written
_TIMED = re.compile(r"^(?P<indent>[ \t]*)(?P<magic>%(?:time|timeit|prun)[ \t]+)(?P<code>[^-\s].*)$")
_TIMED_MARK = "  # lossflint-timed-line-{}"
TIMED_RE = re.compile(r"  # lossflint-timed-line-(\d+)$")

_LINE_MAGIC = re.compile(r"^[ \t]*[%!]")
_ASSIGN_MAGIC = re.compile(r"^[ \t]*[A-Za-z_][\w.,\t ]*=[ \t]*[%!]")
# ``x?``, ``??x`` and IPython's wildcard search ``torch.*Tensor?``
_HELP = re.compile(r"^[ \t]*(\?{1,2}[ \t]*[\w.*]+|[\w.*]+[ \t]*\?{1,2})[ \t]*$")
# ``pip install x`` without ``!``: IPython's automagic runs ``pip``/``conda``/
# ``mamba`` as ``%pip``/...; ``apt-get``/``pip3`` lines are pasted from Colab;
# ``ls``/``cat``/``mkdir``/... are IPython's default shell aliases. The
# second word is an argument (a name, a path, an option), never an operator, so
# a Python line such as ``pip = 3`` or ``pip - q`` is not taken.
_SHELL_COMMAND = re.compile(
    r"^[ \t]*(?:(?:pip3?|conda|mamba|apt|cd|ls|ll|cat|mkdir|rmdir|mv|cp|rm|less|more|man)"
    # a quoted argument (``cd 'Colab Notebooks'``): a name then a string is no Python
    r"[ \t]+(?P<arg>-{1,2}[A-Za-z]|[A-Za-z_./~][\w.]*|'[^'\n]*'|\"[^\"\n]*\")"
    r"|apt-get[ \t]+\S)"
)
# Cell magics that run their body as Python in the kernel: the body is linted.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun"})
_CELL_MAGIC = re.compile(r"^[ \t]*%%(?P<name>\w*)")
COMMENT_LINE = re.compile(r"^[ \t]*#")


def mask_ipython(text: str, masks: dict[int, str]) -> str | None:
    """``text`` with IPython-only lines replaced by ``pass`` lines (same
    indentation, one for one), or None for a cell whose body is not Python (a
    cell magic other than those of :data:`PYTHON_CELL_MAGICS`). Original lines
    are stored in ``masks`` under the id written into the replacement."""
    lines = text.split("\n")
    # Colab runs a cell magic under comment lines (``# Download\n%%bash``)
    at = next(
        (i for i, line in enumerate(lines) if line.strip() and not COMMENT_LINE.match(line)), -1
    )
    first = lines[at] if at >= 0 else ""
    magic = _CELL_MAGIC.match(first)
    if magic is not None and magic.group("name") not in PYTHON_CELL_MAGICS:
        return None
    out: list[str] = []
    continuing = False
    indent = ""
    for row, line in enumerate(lines):
        body = line.rstrip("\r")
        if not continuing:
            timed = _timed_statement(body)
            if timed is not None:
                mask_id = len(masks)
                masks[mask_id] = body
                out.append(timed + _TIMED_MARK.format(mask_id) + line[len(body) :])
                continue
            if not is_ipython_line(line):
                out.append(line)
                continue
            indent = body[: len(body) - len(body.lstrip(" \t"))]
            if row == at and _CELL_MAGIC.match(body):
                # IPython takes a cell magic's line off before running the
                # body, whatever indentation the line had (" %%time"); further
                # down, ``%%time`` is a line magic in its block (TF-Agents'
                # ``try:\n  %%time\nexcept: pass``)
                indent = ""
        # a magic continued with a backslash goes on on the next line, which
        # gets the magic's indentation
        continuing = body.endswith("\\")
        cr = line[len(body) :]
        mask_id = len(masks)
        masks[mask_id] = body
        mask = _MASK_INERT if _binds_nothing(body) and not continuing else _MASK
        out.append(indent + mask.format(mask_id) + cr)
    return "\n".join(out)


#: Python 2's print statement on a line of its own or after a compound statement's
#: colon (``if verbose: print "saved"``, ``print [k for k in missing]``; no
#: ``>>file``). Only read where a file does not parse: ``print [x]`` is
#: Python 3 syntax too, but no statement anyone writes
PRINT_STATEMENT = re.compile(
    r"^([ \t]*(?:(?:if|elif|while|for|with|except)\b[^#\n]*?:|else:|try:|finally:)?[ \t]*)"
    r"print(?:[ \t]+(?![(=.>#])([^\n]*?))?[ \t]*$"
)


def call_prints(text: str, masks: dict[int, str]) -> str | None:
    """``text`` with each Python 2 ``print x`` line written ``print(x)`` (a
    statement continued over the next lines inside brackets closed on its
    last line), each line changed kept in ``masks`` under the id written after
    it (as for a timed magic: a fix puts the lines back as they were); None
    when there is none."""
    lines = text.split("\n")
    out: list[str] = []
    changed = False
    row = 0
    while row < len(lines):
        line = lines[row]
        body = line.rstrip("\r")
        match = PRINT_STATEMENT.match(body)
        row += 1
        if match is None or match.group(2) is None and body.strip() != "print":
            out.append(line)
            continue
        said = _before_comment(match.group(2) or "")
        if said is None or (not said and match.group(2)):
            out.append(line)  # a string left open: not read as a statement
            continue
        last = row - 1
        depth = _open_brackets(said)
        # ``print 'no names: %s' \`` continued by a backslash (ACoL, audit s227):
        # inside the call's parentheses the lines join without it
        continued = said.endswith("\\")
        if continued:
            said = said[:-1].rstrip()
        while (
            (depth > 0 or continued)
            and last + 1 < len(lines)
            and last - (row - 1) < _MAX_PRINT_LINES
        ):
            last += 1
            following = lines[last].rstrip("\r")
            if "#" in following:
                break
            depth += _open_brackets(following)
            continued = following.endswith("\\")
        if depth != 0 or continued:
            out.append(line)  # not closed where it can be read: left as it is
            continue
        mask_id = len(masks)
        masks[mask_id] = body
        if last == row - 1:
            out.append(
                f"{match.group(1)}print({said})" + _TIMED_MARK.format(mask_id) + line[len(body) :]
            )
        else:
            out.append(
                f"{match.group(1)}print({said}" + _TIMED_MARK.format(mask_id) + line[len(body) :]
            )
            out.extend(lines[row:last])
            end = lines[last]
            end_body = end.rstrip("\r")
            end_id = len(masks)
            masks[end_id] = end_body
            out.append(end_body + ")" + _TIMED_MARK.format(end_id) + end[len(end_body) :])
            row = last + 1
        changed = True
    return "\n".join(out) if changed else None


def prints_called_at_error(text: str, row: int, masks: dict[int, str]) -> str | None:
    """``call_prints(text, masks)`` when the syntax error at ``row`` is a
    Python 2 print statement; None otherwise (``masks`` then unchanged)."""
    lines = text.split("\n")
    if not 0 < row <= len(lines) or not PRINT_STATEMENT.match(lines[row - 1].rstrip("\r")):
        return None
    kept = dict(masks)
    rewritten = call_prints(text, masks)
    if rewritten is None:
        masks.clear()
        masks.update(kept)
    return rewritten


def _code_outside_strings(code: str) -> tuple[list[tuple[int, str]], int | None, bool]:
    """The characters of ``code`` outside its string literals, with their
    indexes, up to a comment; the comment's index (None: no comment); whether
    a string is left open."""
    chars: list[tuple[int, str]] = []
    quote = ""
    i = 0
    while i < len(code):
        char = code[i]
        if quote:
            if char == "\\":
                i += 1
            elif code.startswith(quote, i):
                i += len(quote) - 1
                quote = ""
        elif char in "'\"":
            quote = char * 3 if code.startswith(char * 3, i) else char
            i += len(quote) - 1
        elif char == "#":
            return chars, i, False
        else:
            chars.append((i, char))
        i += 1
    return chars, None, bool(quote)


def _before_comment(code: str) -> str | None:
    """``code`` up to a comment (``'X shape:', x.shape  # (n, 48, 48)``;
    a ``#`` in a string is no comment); None when a string is left open."""
    _, comment, open_string = _code_outside_strings(code)
    if comment is not None:
        return code[:comment].rstrip()
    return None if open_string else code.rstrip()


#: how many lines a print statement's brackets may span
_MAX_PRINT_LINES = 8


def _open_brackets(code: str) -> int:
    """Brackets opened minus closed in ``code``, outside its string literals
    (``print "n=" + str(n) + ") took"``: WaqasSultani's anomaly detector,
    audit s236) and comments; a string left open ends the count."""
    chars, _, _ = _code_outside_strings(code)
    return sum(1 for _, c in chars if c in "([{") - sum(1 for _, c in chars if c in ")]}")


def _timed_statement(body: str) -> str | None:
    """``%time x = f()`` as ``if 1: x = f()`` (``%timeit``/``%prun`` alike,
    padded to the magic's width), when the statement is one line of Python."""
    match = _TIMED.match(body)
    if match is None or body.endswith("\\") or len(match.group("magic")) < len("if 1: "):
        return None
    code = match.group("code")
    pad = " " * (len(match.group("magic")) - len("if 1:"))
    try:
        # compiled as rewritten: a one-line compound statement
        # (``%time for x in xs: f(x)``) compiles alone but not after ``if 1:``
        compile(f"if 1:{pad}{code}", "<magic>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    return f"{match.group('indent')}if 1:{pad}{code}"


def _binds_nothing(line: str) -> bool:
    """An IPython line that cannot bind a Python name: a shell command or
    help query, or a line magic not known to bind (not an ``x = !cmd``)."""
    if _ASSIGN_MAGIC.match(line):
        return False
    magic = _MAGIC_NAME.match(line)
    return magic is None or magic.group("name") not in _BINDING_MAGICS


def is_ipython_line(line: str) -> bool:
    if _LINE_MAGIC.match(line) or _ASSIGN_MAGIC.match(line) or _HELP.match(line):
        return True
    command = _SHELL_COMMAND.match(line)
    # ``pip in names`` / ``cd if x else y`` are Python
    return command is not None and not keyword.iskeyword(command.group("arg") or "")
