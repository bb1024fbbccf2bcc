"""Lint one file: read and decode it, dispatch to the linter (notebooks to
:mod:`lossflint.notebook`). Many files: :func:`lossflint.parallel.run`."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from lossflint.config import Settings
from lossflint.diagnostics import Diagnostic
from lossflint.linter import InternalError, LintResult, RuleSet, lint_text, syntax_diagnostic
from lossflint.notebook import lint_notebook
from lossflint.prefilter import Prefilter
from lossflint.source import DecodeError, decode_source


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    files: int = 0


def display_name(path: Path) -> str:
    return path.as_posix()


class NotRegularFile(OSError):
    """A FIFO, a device, a socket: reading it could block forever or never end."""


def read_regular_file(path: Path) -> bytes:
    """The bytes of ``path``, which must be a regular file (symlinks followed).

    Checked before opening (a device is never opened) and again on the open
    descriptor (the path may have been replaced meanwhile); the open is
    non-blocking so that a FIFO swapped in cannot hang the run.
    """
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
        return handle.read()


def lint_file(path: Path, ruleset: RuleSet, settings: Settings) -> LintResult:
    filename = display_name(path)
    ignored = settings.ignored_for(path)
    try:
        data = read_regular_file(path)
    except OSError as exc:
        result = LintResult()
        if ruleset.report_syntax:
            reason = exc.strerror or type(exc).__name__
            result.diagnostics.append(
                syntax_diagnostic(filename, f"cannot read file: {reason}", 1, 1)
            )
        return result
    return lint_bytes(data, filename, ruleset, ignored)


def lint_bytes(
    data: bytes,
    filename: str,
    ruleset: RuleSet,
    ignored: list[str],
    prefilter: Prefilter | None = None,
) -> LintResult:
    if filename.endswith(".ipynb"):
        return lint_notebook(data, filename, ruleset, ignored)
    try:
        source = decode_source(data)
    except DecodeError as exc:
        result = LintResult()
        if ruleset.report_syntax and not any("LF900".startswith(i) for i in ignored):
            result.diagnostics.append(syntax_diagnostic(filename, str(exc), exc.row, exc.column))
        return result
    if prefilter is not None and prefilter.skips(source.text, filename):
        return LintResult()  # nothing can fire and it compiles: no parse needed
    return lint_text(source.text, filename, ruleset, ignored)
