"""Applying fixes: ``lossflint check --fix`` / ``--unsafe-fixes`` / ``--diff``.

Fixes arrive as text edits on diagnostics. One pass applies the largest set of
non-overlapping fixes (in source order; identical edits, such as the same
import added by two fixes, count once), checks that the result still parses,
and re-lints; passes repeat until nothing applicable is left or
:data:`MAX_PASSES` is reached. A fix whose result does not parse is dropped,
reported in ``failed`` and never written. Because every pass re-lints, running
the fixer on its own output changes nothing.

Files are written by :mod:`lossflint.safe_write` (atomic replace, only if
the file is unchanged since it was read, owner/group/permissions and hard
links kept, read-only files and symlinks out of the project left alone),
keeping the encoding (and a UTF-8 BOM) and the line endings: the text is
decoded without newline translation and every inserted line uses the file's
own newline.
"""

from __future__ import annotations

import ast
import difflib
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from lossflint.config import Settings
from lossflint.diagnostics import Applicability, Diagnostic, Edit
from lossflint.edits import apply_edits, line_starts, to_offset
from lossflint.linter import InternalError, RuleSet, lint_text, parse
from lossflint.notebook import (
    NotebookError,
    build_program,
    dump_notebook,
    is_python_notebook,
    lint_notebook,
    load_notebook,
    map_failed,
    set_cell_source,
    split_program,
)
from lossflint.output import FORMATTERS, format_statistics
from lossflint.runner import display_name, lint_bytes, lint_file, read_regular_file
from lossflint.safe_write import NotWritten, leads_outside, remove_stale_temps, write_fixed
from lossflint.source import DecodeError, decode_source

#: fix passes per file (each re-lints); real files need 1-3
MAX_PASSES = 10


@dataclass
class FixOutcome:
    """The fixed text, how many fixes were applied, what remains, and the
    fixes that were dropped (their result did not parse)."""

    text: str
    applied: int
    remaining: list[Diagnostic]
    failed: list[str]
    errors: list[InternalError] = field(default_factory=list)


def is_applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    if fix is None or not fix.edits:
        return False
    return fix.applicability is Applicability.SAFE or unsafe


def fix_text(
    text: str, filename: str, ruleset: RuleSet, ignored: list[str], unsafe: bool
) -> FixOutcome:
    """Apply every applicable fix to ``text`` (Python source) and re-lint."""
    applied = 0
    failed: list[str] = []
    rejected: set[tuple[object, ...]] = set()
    current = text
    result = lint_text(current, filename, ruleset, ignored)
    for _ in range(MAX_PASSES):
        candidates = [
            d
            for d in result.diagnostics
            if is_applicable(d, unsafe) and _identity(current, d) not in rejected
        ]
        if not candidates:
            break
        chosen = _non_overlapping(current, candidates)
        new_text, kept, broken = _apply_checked(current, chosen)
        for diag in broken:
            rejected.add(_identity(current, diag))
            failed.append(
                f"{filename}:{diag.location.row}:{diag.location.column}: {diag.code} fix "
                f"({diag.fix.message if diag.fix else ''}) dropped: the result does not parse"
            )
        if not kept:
            continue
        applied += len(kept)
        current = new_text
        result = lint_text(current, filename, ruleset, ignored)
    return FixOutcome(current, applied, result.diagnostics, failed, result.errors)


def _identity(text: str, diag: Diagnostic) -> tuple[object, ...]:
    """What a fix does, independent of where earlier fixes moved it."""
    assert diag.fix is not None
    starts = line_starts(text)
    parts = tuple(
        (
            e.content,
            text[to_offset(starts, text, e.location) : to_offset(starts, text, e.end_location)],
        )
        for e in diag.fix.edits
    )
    return (diag.code, parts)


def _spans(text: str, starts: list[int], edits: Iterable[Edit]) -> list[tuple[int, int, str]]:
    return [
        (to_offset(starts, text, e.location), to_offset(starts, text, e.end_location), e.content)
        for e in edits
    ]


def _conflict(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    if a == b:
        return False  # the same edit (an import two fixes need): applied once
    (s1, e1, _), (s2, e2, _) = a, b
    if s1 == e1 and s2 == e2:
        return s1 == s2  # two different insertions at one point: order unclear
    if s1 == e1:
        return s2 < s1 < e2
    if s2 == e2:
        return s1 < s2 < e1
    return s1 < e2 and s2 < e1


def _non_overlapping(text: str, candidates: list[Diagnostic]) -> list[Diagnostic]:
    starts = line_starts(text)
    taken: list[tuple[int, int, str]] = []
    chosen: list[Diagnostic] = []
    for diag in sorted(candidates, key=Diagnostic.sort_key):
        assert diag.fix is not None
        spans = _spans(text, starts, diag.fix.edits)
        if any(_conflict(s, t) for s in spans for t in taken):
            continue  # the next pass sees it again, re-linted
        taken.extend(spans)
        chosen.append(diag)
    return chosen


def _apply(text: str, diagnostics: list[Diagnostic]) -> str:
    edits: list[Edit] = []
    seen: set[tuple[object, ...]] = set()
    for diag in diagnostics:
        assert diag.fix is not None
        for edit in diag.fix.edits:
            key = (edit.location, edit.end_location, edit.content)
            if key not in seen:
                seen.add(key)
                edits.append(edit)
    return apply_edits(text, edits)


def parses(text: str, cpython: bool = True) -> bool:
    """libcst (and, with ``cpython``, this interpreter's parser) accepts ``text``."""
    # the linter's parse: it refuses input deep enough to crash the native parser
    if not isinstance(parse(text, "<fix>"), cst.Module):
        return False
    return not cpython or _compiles(text)


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<fixed>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except Exception:
        return False
    return True


def _apply_checked(
    text: str, chosen: list[Diagnostic]
) -> tuple[str, list[Diagnostic], list[Diagnostic]]:
    """(new text, fixes applied, fixes that break the parse on their own).

    CPython's parser is asked too when it accepts the text before the fixes:
    a file written for a newer Python (PEP 701 f-strings on 3.11) is checked
    with libcst only, which reads every version."""
    cpython = _compiles(text)
    new_text = _apply(text, chosen)
    if parses(new_text, cpython):
        return new_text, chosen, []
    good: list[Diagnostic] = []
    broken: list[Diagnostic] = []
    for diag in chosen:
        (good if parses(_apply(text, [diag]), cpython) else broken).append(diag)
    if good:
        together = _apply(text, good)
        if parses(together, cpython):
            return together, good, broken
        # the fixes interact: apply one per pass (the first, known to parse)
        return _apply(text, good[:1]), good[:1], broken
    return text, [], broken


# --- files ---------------------------------------------------------------------------


@dataclass
class FileFix:
    filename: str
    applied: int = 0
    remaining: list[Diagnostic] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    diff: str = ""
    #: the fixed bytes (None: unchanged, or not writable)
    fixed: bytes | None = None


@dataclass
class FixReport:
    files: list[FileFix] = field(default_factory=list)

    @property
    def applied(self) -> int:
        return sum(f.applied for f in self.files)

    @property
    def remaining(self) -> list[Diagnostic]:
        found = [d for f in self.files for d in f.remaining]
        found.sort(key=Diagnostic.sort_key)
        return found

    @property
    def failed(self) -> list[str]:
        return [m for f in self.files for m in f.failed]

    @property
    def errors(self) -> list[InternalError]:
        return [e for f in self.files for e in f.errors]

    @property
    def diff(self) -> str:
        return "".join(f.diff for f in self.files)


def fix_bytes(
    data: bytes, filename: str, ruleset: RuleSet, ignored: list[str], unsafe: bool
) -> FileFix:
    """Fix one file's bytes; ``fixed`` holds the new bytes when they differ."""
    if filename.endswith(".ipynb"):
        return _fix_notebook(data, filename, ruleset, ignored, unsafe)
    out = FileFix(filename)
    try:
        source = decode_source(data)
    except DecodeError:
        linted = lint_bytes(data, filename, ruleset, ignored)
        out.remaining, out.errors = linted.diagnostics, linted.errors
        return out
    outcome = fix_text(source.text, filename, ruleset, ignored, unsafe)
    out.applied, out.remaining = outcome.applied, outcome.remaining
    out.failed, out.errors = outcome.failed, outcome.errors
    if outcome.text != source.text:
        try:
            out.fixed = outcome.text.encode(source.encoding)
        except UnicodeEncodeError:
            out.failed.append(
                f"{filename}: fixes not written: the result cannot be encoded as {source.encoding}"
            )
            _unfixed(out, data, ruleset, ignored)
            return out
        out.diff = unified_diff(source.text, outcome.text, filename)
    return out


def _unfixed(out: FileFix, data: bytes, ruleset: RuleSet, ignored: list[str]) -> None:
    """The fixes were not written: report the file as it is."""
    linted = lint_bytes(data, out.filename, ruleset, ignored)
    out.applied, out.fixed, out.diff = 0, None, ""
    out.remaining, out.errors = linted.diagnostics, linted.errors


def _fix_notebook(
    data: bytes, filename: str, ruleset: RuleSet, ignored: list[str], unsafe: bool
) -> FileFix:
    out = FileFix(filename)
    result = fix_notebook(data, filename, ruleset, ignored, unsafe)
    out.applied = result.applied
    out.remaining = list(result.remaining)
    out.failed = list(result.failed)
    out.errors = list(result.errors)
    if result.data != data:
        out.fixed = result.data
        out.diff = unified_diff(
            data.decode("utf-8", "replace"), result.data.decode("utf-8", "replace"), filename
        )
    return out


@dataclass
class NotebookFix:
    """What :func:`fix_notebook` did; ``data`` is the new file content."""

    data: bytes
    applied: int
    remaining: list[Diagnostic]
    failed: list[str]
    errors: list[InternalError] = field(default_factory=list)


def fix_notebook(
    data: bytes, filename: str, ruleset: RuleSet, ignored: list[str], unsafe: bool
) -> NotebookFix:
    """Apply fixes to the code cells of a notebook (for ``check --fix``).

    The fixer works on the concatenated program; the result is split back
    into cells, and only the ``source`` of cells that changed is replaced.
    """

    def unchanged(failed: list[str]) -> NotebookFix:
        linted = lint_notebook(data, filename, ruleset, ignored)
        return NotebookFix(data, 0, linted.diagnostics, failed, linted.errors)

    try:
        nb = load_notebook(data)
    except NotebookError:
        return unchanged([])
    program, _ = build_program(nb, filename, False)
    if not program.text or not is_python_notebook(nb):
        return unchanged([])
    outcome = fix_text(program.text, filename, ruleset, ignored, unsafe)
    failed = [map_failed(program, filename, m) for m in outcome.failed]
    if outcome.text == program.text:
        return unchanged(failed)
    sources = split_program(program, outcome.text)
    if sources is None:
        return unchanged([*failed, f"{filename}: fixes not written: cell boundaries changed"])
    for cell, text in zip(program.cells, sources, strict=True):
        if text != cell.text:
            set_cell_source(nb["cells"][cell.index], text)
    raw = data.decode("utf-8")
    new = dump_notebook(nb, raw)
    if new is None:
        return unchanged(
            [
                *failed,
                f"{filename}: fixes not written: the notebook's JSON layout "
                "could not be reproduced",
            ]
        )
    new_data = new.encode("utf-8")
    linted = lint_notebook(new_data, filename, ruleset, ignored)
    return NotebookFix(new_data, outcome.applied, linted.diagnostics, failed, linted.errors)


def unified_diff(before: str, after: str, filename: str) -> str:
    lines = difflib.unified_diff(
        _diff_lines(before),
        _diff_lines(after),
        fromfile=f"a/{filename}",
        tofile=f"b/{filename}",
    )
    out: list[str] = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def _diff_lines(text: str) -> list[str]:
    """Lines as ``patch`` reads them: ended by LF only (a form feed or a CR
    inside a line is content, not a line end)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _remove_leftovers(files: list[Path], root: Path) -> None:
    """Temporary files of killed runs next to the files about to be fixed."""
    folders: dict[Path, set[str]] = {}
    for path in files:
        if leads_outside(path, root):
            continue  # never touch folders a symlink leads to outside the project
        target = Path(os.path.realpath(path))
        folders.setdefault(target.parent, set()).add(target.name)
    for folder, names in folders.items():
        remove_stale_temps(folder, names)


def fix_files(files: list[Path], settings: Settings, unsafe: bool, write: bool) -> FixReport:
    """Fix ``files`` (writing them when ``write``), as ``check --fix`` does."""
    ruleset = RuleSet(settings.enabled_codes(), settings.options)
    report = FixReport()
    if write:
        _remove_leftovers(files, settings.root)
    for path in files:
        filename = display_name(path)
        try:
            data = read_regular_file(path)
        except OSError:
            linted = lint_file(path, ruleset, settings)  # reports "cannot read"
            report.files.append(FileFix(filename, remaining=linted.diagnostics))
            continue
        ignored = settings.ignored_for(path)
        result = fix_bytes(data, filename, ruleset, ignored, unsafe)
        if write and result.fixed is not None:
            try:
                write_fixed(path, result.fixed, data, settings.root)
            except NotWritten as exc:
                result.failed.append(f"{filename}: fixes not written: {exc}")
                _unfixed(result, data, ruleset, ignored)
            except OSError as exc:
                result.failed.append(f"{filename}: fixes not written: {exc.strerror or exc}")
                _unfixed(result, data, ruleset, ignored)
        report.files.append(result)
    return report


def summary(report: FixReport, files: int, diff: bool) -> str:
    applied = report.applied
    remaining = len(report.remaining)

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if diff:
        if not applied:
            return f"No fixes to apply ({remaining} remaining)."
        return f"Would fix {plural(applied, 'problem')} ({remaining} remaining)."
    if not applied and not remaining:
        return f"All checks passed ({plural(files, 'file')})."
    return (
        f"Found {plural(applied + remaining, 'problem')} ({applied} fixed, {remaining} remaining)."
    )


def fix_command(
    files: list[Path],
    settings: Settings,
    *,
    stdin: tuple[str, bytes, Path] | None,
    unsafe: bool,
    diff: bool,
    output_format: str,
    statistics: bool,
    quiet: bool,
    exit_zero: bool,
    source_lines: Callable[[Diagnostic], list[str] | None] | None = None,
) -> int:
    """``lossflint check --fix`` / ``--diff``: fix, print, return the exit code.

    ``--fix``: files are rewritten, the remaining findings are printed as a
    normal run prints them, and the exit code reflects them. ``--diff``: a
    unified diff goes to stdout, nothing is written, exit 1 if there is a
    diff. A piped buffer (``--stdin-filename``) is fixed to stdout.
    """
    import click

    report = fix_files(files, settings, unsafe=unsafe, write=not diff)
    fixed_stdin: str | None = None
    if stdin is not None:
        name, data, path = stdin
        ruleset = RuleSet(settings.enabled_codes(), settings.options)
        piped = fix_bytes(data, name, ruleset, settings.ignored_for(path), unsafe)
        report.files.append(piped)
        fixed_stdin = (piped.fixed or data).decode("utf-8", "replace")
    for message in report.failed:
        click.echo(f"lossflint: warning: {message}", err=True)
    for error in report.errors:
        click.echo(f"lossflint: error: {error}", err=True)
    count = len(report.files)
    if diff:
        click.echo(report.diff, nl=False)
        if not quiet:
            click.echo(summary(report, count, diff=True), err=True)
        if report.errors:
            return 2
        return 1 if report.diff else 0
    remaining = report.remaining
    if fixed_stdin is not None:
        # the fixed source is the output; findings go to stderr
        click.echo(fixed_stdin, nl=False)
        text = FORMATTERS["concise"](remaining, source_lines=None)
        click.echo(text, nl=False, err=True)
    elif statistics:
        click.echo(format_statistics(remaining), nl=False)
    else:
        click.echo(FORMATTERS[output_format](remaining, source_lines=source_lines), nl=False)
    if not quiet and output_format in ("concise", "full") and not statistics:
        click.echo(summary(report, count, diff=False), err=True)
    if report.errors:
        return 2
    return 1 if remaining and not exit_zero else 0
