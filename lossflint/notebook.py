"""Jupyter notebooks: lint the code cells as one program, report per cell.

A notebook is linted as the program Jupyter runs when the cells are executed
top to bottom: the code cells are concatenated (so a model defined in cell 2
and trained in cell 5 is one dataflow), each diagnostic is mapped back to its
cell and the line within that cell, and ``Diagnostic.cell`` is set.

Cell numbers are 1-based and count **every** cell of the notebook (markdown
and raw cells included), i.e. the position of the cell as the notebook shows
it from the top: "cell 3" is the third cell, whatever its type.

IPython syntax that is not Python is masked before parsing, one line for one
line so positions stay: line magics (``%time x``), shell escapes (``!ls``),
their assignment forms (``files = !ls``), help lines (``obj?``, ``??obj``),
and package/shell commands written without ``!`` (``pip install x``, which
IPython's automagic runs as ``%pip``; ``conda install``, ``apt-get ...``, which
notebooks copied from Colab often hold). A cell magic whose body is Python run
in the kernel (``%%time``, ``%%timeit``, ``%%capture``, ``%%prun``, ...) has its
first line masked and its body linted; any other cell magic (``%%bash``,
``%%writefile``, ``%%html``, ``%%script``, an unknown one) makes the whole cell
non-Python: it is left out of the program. A ``%%writefile x.py`` cell writes
a script the notebook then runs (``!python x.py``, a Kaggle multi-GPU run, a
cloud training job): its body is linted as a program of its own, reported in
that cell (without fixes; unparseable bodies, ``-a`` appends and other file
types are skipped). A code cell that still cannot be parsed gets LF900
and is left out of the program; the other cells are linted. A notebook whose kernel is
another language (R, Julia, ...) and cells that VS Code tags with another
language are not linted.

Fixing (:func:`lossflint.fixer.fix_notebook`, with the helpers here): the
program keeps a marker comment between cells and every masked line is
replaced by a unique ``pass`` line, so after the fixer rewrote the program
text it is split back into cells and the masked lines restored exactly.
Only cells whose text changed are written back, and the JSON is
re-serialised in the notebook's own style (indent, ``ensure_ascii``, final
newline); a notebook whose formatting that would not reproduce is not
rewritten. Nothing is written when nothing changed, so a notebook without
fixes stays byte-identical.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from lossflint.diagnostics import Diagnostic, Edit, Fix, Location, Related
from lossflint.ipython_lines import (
    CELL_MARKER,
    COMMENT_LINE,
    MASK_RE,
    TIMED_RE,
    mask_ipython,
    prints_called_at_error,
)
from lossflint.linter import (
    LintResult,
    RuleSet,
    lint_text,
    parse,
    syntax_diagnostic,
)
from lossflint.source import source_lines

# ``%%writefile train.py`` (not ``-a``: an appended piece is no whole script)
_WRITEFILE = re.compile(r"^[ \t]*%%writefile[ \t]+(?P<path>[^\s-]\S*\.py)[ \t]*\r?$")
_MAX_UNMASK_TRIES = 20
# ``% (i, x)``: the modulo operator continuing an expression (no magic's name
# follows the ``%``)
_OPERATOR_LINE = re.compile(r"^[ \t]*%(?!%)[ \t(\[{'\"]")
#: "line 12", "lines 25, 32": program lines a message names
_LINE_NO = re.compile(r"\blines? (\d+(?:, \d+)*)\b")


class NotebookError(Exception):
    """The file is not a notebook lossflint can read."""

    def __init__(self, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


@dataclass
class CodeCell:
    number: int  # 1-based among all cells
    index: int  # 0-based index into nb["cells"]
    text: str  # original source
    masked: str  # source with IPython syntax masked
    masked_lines: list[str] = field(default_factory=list)  # originals, by mask id
    #: IPython's leading_indent: a cell whose first line is indented runs with
    #: that indentation taken off every line that has it
    indent: str = ""
    dedented_rows: frozenset[int] = frozenset()  # 1-based rows that lost ``indent``


@dataclass
class Program:
    """The code cells concatenated, with a map from program line to cell line."""

    text: str
    # program row (1-based) -> (cell number, row within the cell); 0-index unused
    line_map: list[tuple[int, int] | None]
    cells: list[CodeCell]
    masks: dict[int, str]  # mask id -> original line (without newline)

    def cell(self, number: int) -> CodeCell | None:
        return next((c for c in self.cells if c.number == number), None)


def load_notebook(data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"cannot read notebook: not UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        # a zero-byte placeholder (d2l's chapters, a file an editor created):
        # Jupyter and VS Code open it as an empty notebook, with no code to check
        return {"cells": []}
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"cannot read notebook: invalid JSON: {exc.msg}", exc.lineno, exc.colno
        ) from exc
    except RecursionError as exc:
        raise NotebookError("cannot read notebook: JSON nested too deeply") from exc
    except ValueError as exc:
        # Python refuses to convert integers longer than its digit limit
        raise NotebookError(
            f"cannot read notebook: a JSON number longer than {_max_digits()} digits"
        ) from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError("cannot read notebook: no 'cells' list at the top level")
    return nb


def _max_digits() -> int:
    get = getattr(sys, "get_int_max_str_digits", None)
    return get() if get is not None else 4300


def cell_source(cell: Any) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


#: kernels of other languages, as their ``kernelspec`` names them when it
#: gives no ``language`` (Colab's Swift notebooks: ``{"name": "swift"}``);
#: a Python kernel's name is anything its owner chose ("tf2", "myenv")
_OTHER_KERNELS = re.compile(
    r"^(swift|ir|r|julia|scala|spylon-kernel|bash|sh|javascript|typescript|deno|"
    r"xcpp|c\+\+|java|kotlin|go|gophernotes|rust|evcxr|haskell|ruby|sas|matlab|"
    r"octave|sql|wolfram|maxima|fsharp|csharp|\.net)(\b|[-_ ]|\d|$)"
)


def _language(metadata: Any) -> str | None:
    """The kernel language a notebook's metadata names, lower-cased."""
    if not isinstance(metadata, dict):
        return None
    for key, field_name in (("kernelspec", "language"), ("language_info", "name")):
        table = metadata.get(key)
        if isinstance(table, dict) and isinstance(table.get(field_name), str):
            return str(table[field_name]).lower()
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict):
        for field_name in ("name", "display_name"):
            name = spec.get(field_name)
            if isinstance(name, str) and _OTHER_KERNELS.match(name.strip().lower()):
                return name.strip().lower()
    return None


def is_python_notebook(nb: dict[str, Any]) -> bool:
    """An R, Julia or Scala notebook is not ours to lint (no metadata: assume Python)."""
    language = _language(nb.get("metadata"))
    return language is None or language in ("python", "python3", "ipython", "ipython3")


def code_cells(nb: dict[str, Any]) -> list[tuple[int, int, str]]:
    """(cell number, index, source) of every Python code cell."""
    out = []
    for index, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        # VS Code/polyglot notebooks tag cells of another language
        meta = cell.get("metadata")
        vscode = meta.get("vscode") if isinstance(meta, dict) else None
        language = vscode.get("languageId") if isinstance(vscode, dict) else None
        if isinstance(language, str) and language.lower() != "python":
            continue
        out.append((index + 1, index, cell_source(cell)))
    return out


def _ipython_dedent(text: str) -> tuple[str, str, frozenset[int]] | None:
    """IPython's ``leading_indent``: when a cell's first non-blank line is
    indented, that indentation is removed from every line that starts with
    it (" Image(filename='x.png')" runs). None when nothing is indented."""
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    if not indent:
        return None
    rows = frozenset(row for row, line in enumerate(lines, start=1) if line.startswith(indent))
    out = [line[len(indent) :] if row in rows else line for row, line in enumerate(lines, 1)]
    return "\n".join(out), indent, rows


def _parse_masked(
    masked: str, filename: str, masks: dict[int, str]
) -> tuple[str, cst.Module | Diagnostic]:
    """Parse a masked cell. A line that only looked like a magic (``% x``
    continuing a bracketed expression) makes the masked cell fail to parse:
    then put the masked lines back one at a time until one version parses."""
    parsed = parse(masked, filename)
    if not isinstance(parsed, Diagnostic):
        return masked, parsed
    lines = masked.split("\n")
    masked_rows = [row for row, line in enumerate(lines) if MASK_RE.match(line.rstrip("\r"))]
    for row in masked_rows[:_MAX_UNMASK_TRIES]:
        body = lines[row].rstrip("\r")
        mask_id = int(MASK_RE.match(body).group(1))  # type: ignore[union-attr]
        if mask_id not in masks:
            continue
        candidate = lines.copy()
        candidate[row] = masks[mask_id] + lines[row][len(body) :]
        text = "\n".join(candidate)
        retry = parse(text, filename)
        if not isinstance(retry, Diagnostic):
            del masks[mask_id]
            return text, retry
    # several ``% (a, b)`` continuation lines in one cell (black puts the
    # operator first): put back every masked line that is an operator, not a
    # magic name, at once
    operators = []
    candidate = lines.copy()
    for row in masked_rows:
        body = lines[row].rstrip("\r")
        mask_id = int(MASK_RE.match(body).group(1))  # type: ignore[union-attr]
        original = masks.get(mask_id)
        if original is not None and _OPERATOR_LINE.match(original):
            operators.append(mask_id)
            candidate[row] = original + lines[row][len(body) :]
    if len(operators) > 1:
        text = "\n".join(candidate)
        retry = parse(text, filename)
        if not isinstance(retry, Diagnostic):
            for mask_id in operators:
                del masks[mask_id]
            return text, retry
    return masked, parsed


def _with_print_calls(
    masked: str, filename: str, error: Diagnostic, masks: dict[int, str]
) -> tuple[str, cst.Module] | None:
    """A cell whose syntax error is a Python 2 print statement, with its print
    lines written as calls (``call_prints``) when that parses."""
    kept = dict(masks)
    rewritten = prints_called_at_error(masked, error.location.row, masks)
    reparsed = parse(rewritten, filename) if rewritten is not None else None
    if rewritten is None or not isinstance(reparsed, cst.Module):
        masks.clear()
        masks.update(kept)  # the masks of a cell left out are not needed
        return None
    return rewritten, reparsed


def build_program(
    nb: dict[str, Any], filename: str, report_syntax: bool
) -> tuple[Program, list[Diagnostic]]:
    """Concatenate the parseable code cells; LF900 for the others."""
    masks: dict[int, str] = {}
    cells: list[CodeCell] = []
    errors: list[Diagnostic] = []
    parts: list[str] = []
    line_map: list[tuple[int, int] | None] = [None]
    for number, index, text in code_cells(nb):
        masked = mask_ipython(text, masks)
        if masked is None or not masked.strip():
            continue
        masked, parsed = _parse_masked(masked, filename, masks)
        indent, dedented_rows = "", frozenset[int]()
        if isinstance(parsed, Diagnostic):
            retry = _ipython_dedent(masked)
            if retry is not None:
                candidate, indent, dedented_rows = retry
                reparsed = parse(candidate, filename)
                if not isinstance(reparsed, Diagnostic):
                    masked, parsed = candidate, reparsed
        if isinstance(parsed, Diagnostic):
            # a Python 2 cell (``print x``): reported, and read as ``print(x)``
            recovered = _with_print_calls(masked, filename, parsed, masks)
            if report_syntax:
                hint = "; the rest of the cell is checked" if recovered is not None else ""
                errors.append(replace(parsed, cell=number, message=parsed.message + hint))
            if recovered is None:
                continue
            masked, parsed = recovered
        cells.append(
            CodeCell(number, index, text, masked, indent=indent, dedented_rows=dedented_rows)
        )
        if parts:
            parts.append(CELL_MARKER + "\n")
            line_map.append(None)
        body = masked if masked.endswith("\n") else masked + "\n"
        parts.append(body)
        for row in range(1, len(source_lines(body)) + 1):
            line_map.append((number, row))
    return Program("".join(parts), line_map, cells, masks), errors


def _map_loc(program: Program, loc: Location) -> tuple[int | None, Location]:
    if 0 < loc.row < len(program.line_map):
        entry = program.line_map[loc.row]
        if entry is not None:
            cell = program.cell(entry[0])
            column = loc.column
            if cell is not None and entry[1] in cell.dedented_rows:
                column += len(cell.indent)
            return entry[0], Location(entry[1], column)
    # on a marker line or past the end: the start of the next cell's line
    for row in range(min(loc.row, len(program.line_map) - 1), 0, -1):
        entry = program.line_map[row]
        if entry is not None:
            return entry[0], Location(entry[1] + 1, 1)
    return None, loc


def _map_message(program: Program, message: str) -> str:
    """Messages like 'softmax at line 12' name a program line: say which cell."""

    def place(row: int) -> str | None:
        if 0 < row < len(program.line_map) and program.line_map[row] is not None:
            cell, line = program.line_map[row]  # type: ignore[misc]
            return f"cell {cell}, line {line}"
        return None

    def sub(match: re.Match[str]) -> str:
        places = [place(int(row)) for row in match.group(1).split(", ")]
        if any(p is None for p in places):
            return match.group(0)
        return "; ".join(places)  # type: ignore[arg-type]

    return _LINE_NO.sub(sub, message)


def map_diagnostic(program: Program, diag: Diagnostic) -> Diagnostic:
    cell, start = _map_loc(program, diag.location)
    _, end = _map_loc(program, diag.end_location)
    related = []
    for rel in diag.related:
        rel_cell, rel_start = _map_loc(program, rel.location)
        _, rel_end = _map_loc(program, rel.end_location)
        message = _map_message(program, rel.message)
        if rel_cell != cell and rel_cell is not None:
            message += f" in cell {rel_cell}"
        related.append(Related(message, rel_start, rel_end))
    fix = diag.fix
    if fix is not None:
        # edits are kept only when all of them fall into the diagnostic's cell;
        # cross-cell fixes are applied by fix_notebook on the whole program
        edits: list[Edit] = []
        for edit in fix.edits:
            edit_cell, edit_start = _map_loc(program, edit.location)
            _, edit_end = _map_loc(program, edit.end_location)
            if edit_cell != cell:
                edits = []
                break
            edits.append(Edit(edit.content, edit_start, edit_end))
        fix = Fix(fix.applicability, fix.message, tuple(edits)) if edits else None
    statement_row = None
    if diag.statement_row is not None:
        statement_row = _map_loc(program, Location(diag.statement_row, 1))[1].row
    return replace(
        diag,
        message=_map_message(program, diag.message),
        location=start,
        end_location=end,
        related=tuple(related),
        fix=fix,
        statement_row=statement_row,
        cell=cell,
    )


def script_programs(nb: dict[str, Any]) -> list[Program]:
    """The ``%%writefile x.py`` cells, each a program of its own: the magic's
    line (and the comments above it) blanked, rows kept."""
    programs: list[Program] = []
    for number, index, text in code_cells(nb):
        lines = text.split("\n")
        row = next(
            (i for i, line in enumerate(lines) if line.strip() and not COMMENT_LINE.match(line)),
            None,
        )
        if row is None or _WRITEFILE.match(lines[row]) is None:
            continue
        body = "\n".join(["" for _ in lines[: row + 1]] + lines[row + 1 :])
        if not body.strip():
            continue
        body = body if body.endswith("\n") else body + "\n"
        line_map: list[tuple[int, int] | None] = [None]
        line_map.extend((number, r) for r in range(1, len(source_lines(body)) + 1))
        programs.append(Program(body, line_map, [CodeCell(number, index, text, body)], {}))
    return programs


def _lint_scripts(
    nb: dict[str, Any], filename: str, ruleset: RuleSet, ignored: list[str], result: LintResult
) -> None:
    for script in script_programs(nb):
        if isinstance(parse(script.text, filename), Diagnostic):
            continue  # a template or a fragment: not ours to report
        inner = lint_text(script.text, filename, ruleset, ignored)
        result.errors.extend(inner.errors)
        # the fixer rewrites the notebook's program, which this cell is not part of
        result.diagnostics.extend(
            replace(map_diagnostic(script, d), fix=None) for d in inner.diagnostics
        )


def lint_notebook(data: bytes, filename: str, ruleset: RuleSet, ignored: list[str]) -> LintResult:
    report_syntax = ruleset.report_syntax and not any("LF900".startswith(i) for i in ignored)
    result = LintResult()
    try:
        nb = load_notebook(data)
    except NotebookError as exc:
        if report_syntax:
            result.diagnostics.append(syntax_diagnostic(filename, str(exc), exc.row, exc.column))
        return result
    if not is_python_notebook(nb):
        return result
    program, errors = build_program(nb, filename, report_syntax)
    result.diagnostics.extend(errors)
    if program.text:
        inner = lint_text(program.text, filename, ruleset, ignored)
        result.errors.extend(inner.errors)
        result.diagnostics.extend(map_diagnostic(program, d) for d in inner.diagnostics)
    _lint_scripts(nb, filename, ruleset, ignored, result)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


def cell_lines(data: bytes, cell: int) -> list[str] | None:
    """The lines of cell ``cell`` (1-based among all cells), for ``--output-format full``."""
    try:
        nb = load_notebook(data)
    except NotebookError:
        return None
    cells = nb["cells"]
    if not 0 < cell <= len(cells):
        return None
    return source_lines(cell_source(cells[cell - 1]))


# --- writing fixes back --------------------------------------------------


def split_program(program: Program, fixed: str) -> list[str] | None:
    """The fixed program split back into the cells' original text (masked
    lines restored), or None when the cell boundaries did not survive."""
    chunks: list[list[str]] = [[]]
    for line in source_lines(fixed, keepends=True):
        if line.rstrip("\r\n") == CELL_MARKER:
            chunks.append([])
        else:
            chunks[-1].append(line)
    if len(chunks) != len(program.cells):
        return None
    out = []
    for cell, chunk in zip(program.cells, chunks, strict=True):
        lines = []
        for line in chunk:
            body = line.rstrip("\r\n")
            match = MASK_RE.match(body) or TIMED_RE.search(body)
            if match is not None and int(match.group(1)) in program.masks:
                line = program.masks[int(match.group(1))] + line[len(body) :]
            lines.append(line)
        if cell.dedented_rows:
            if len(lines) != len(source_lines(cell.masked, keepends=True)):
                return None  # rows moved: the indentation cannot be put back safely
            lines = [
                cell.indent + line if row in cell.dedented_rows else line
                for row, line in enumerate(lines, start=1)
            ]
        text = "".join(lines)
        # build_program added a final newline to cells without one
        if not cell.text.endswith("\n") and text.endswith("\n"):
            text = text[:-1]
        out.append(text)
    return out


def _detect_style(raw: str) -> dict[str, Any]:
    match = re.search(r"\n([ \t]+)\"", raw)
    indent: int | str | None = None
    if match:
        ws = match.group(1)
        indent = len(ws) if set(ws) == {" "} else ws
    ensure_ascii = not any(ord(c) > 127 for c in raw)
    return {"indent": indent, "ensure_ascii": ensure_ascii}


def dump_notebook(nb: dict[str, Any], raw: str) -> str | None:
    """``nb`` serialised in the style of ``raw``; None if that style does not
    reproduce ``raw`` from its own content (then we would reformat the file)."""
    style = _detect_style(raw)
    body = raw[1:] if raw.startswith("\ufeff") else raw
    prefix = raw[: len(raw) - len(body)]
    crlf = "\r\n" in body
    if crlf:
        # JSON strings cannot hold a raw newline: every one is layout
        body = body.replace("\r\n", "\n")
    trailing = body[len(body.rstrip()) :]
    original = json.loads(body)
    candidates = [style]
    if style["ensure_ascii"]:
        candidates.append({**style, "ensure_ascii": False})
    for candidate in candidates:
        if json.dumps(original, **candidate) + trailing == body:
            text = json.dumps(nb, **candidate) + trailing
            return prefix + (text.replace("\n", "\r\n") if crlf else text)
    return None


def set_cell_source(cell: dict[str, Any], text: str) -> None:
    if isinstance(cell.get("source"), list):
        # JSON layout, not Python lines: split as nbformat does
        cell["source"] = text.splitlines(keepends=True)
    else:
        cell["source"] = text


def map_failed(program: Program, filename: str, message: str) -> str:
    """A fixer message about the program (``nb.ipynb:12:5: ...``) pointed at the
    cell and the line within it."""
    prefix = re.match(rf"{re.escape(filename)}:(\d+):(\d+):", message)
    if prefix is None:
        return message
    cell, loc = _map_loc(program, Location(int(prefix.group(1)), int(prefix.group(2))))
    where = f"cell {cell}:" if cell is not None else ""
    return f"{filename}:{where}{loc.row}:{loc.column}:" + message[prefix.end() :]
