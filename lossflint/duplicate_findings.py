"""One finding per bug across the files of a run.

A finding in one file may name, as its related place, a finding of the same
rule that another file of the run reports: the caller's LF309 at
``evaluate(model, val_loader)`` in ``train.py`` names the ``model.eval()`` in
``evaluation.py``, which a lint of ``evaluation.py`` reports itself (where the
reporting convention puts LF309). Each file's findings stay its own (a lint of
``train.py`` alone still reports the call, and the cache keeps per-file
results); the run drops the finding that defers to another it holds
(``Finding.defers``, set by the rule that knows the other lint reports it)."""

from __future__ import annotations

import os

from lossflint.diagnostics import Diagnostic


def _place(filename: str, row: int) -> tuple[str, int]:
    return (os.path.normcase(os.path.abspath(filename)), row)


def without_pointers_to_reported(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` less each one that defers to its first related place,
    in another file, where the run reports a finding of the same code."""
    if len(diagnostics) < 2:
        return diagnostics
    reported = {(d.code, *_place(d.filename, d.location.row)) for d in diagnostics}
    return [d for d in diagnostics if not (d.defers and _points_at(d, reported))]


def _points_at(d: Diagnostic, reported: set[tuple[str, str, int]]) -> bool:
    first = d.related[0] if d.related else None
    return (
        first is not None
        and first.filename is not None
        and (d.code, *_place(first.filename, first.location.row)) in reported
    )
