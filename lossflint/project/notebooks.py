"""A notebook read as a module, for what it calls of the project.

``features.py`` scales a frame and returns it; the notebook that imports it
splits what it got (``train_test_split`` in cell 5). The notebook is nobody's
import, but it is a caller: its code cells, concatenated and with IPython
syntax masked exactly as the notebook linter runs them, are summarised like a
module, so its ``CallRecord``\\ s say what it does with the results
(``callers.external_calls``). Positions in the summary are program rows; the
places a callee's message names (``split_at``, ``trained_at``) are turned into
the cell and the line within it.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from typing import Any

from lossflint.project.summary import CallRecord, ModuleSummary, Origin

SUFFIX = ".ipynb"

#: program row → (cell number, row in the cell); index 0 unused
LineMap = list[tuple[int, int] | None]


def is_notebook(rel: str) -> bool:
    return rel.endswith(SUFFIX)


def program(data: bytes, rel: str) -> tuple[str, LineMap] | None:
    """The notebook's code cells as one program, and where each row came
    from; None for what is no Python notebook (another kernel, bad JSON)."""
    # the notebook linter imports the linter, which imports the project
    # package: imported when a notebook is read, not at import time
    from lossflint.notebook import NotebookError, build_program, is_python_notebook, load_notebook

    try:
        nb = load_notebook(data)
    except NotebookError:
        return None
    if not is_python_notebook(nb):
        return None
    found, _ = build_program(nb, rel, report_syntax=False)
    return found.text, found.line_map


def relocate(summary: ModuleSummary, line_map: LineMap) -> ModuleSummary:
    """``summary`` with the places it names in the notebook given as its
    cell and the line within it, as lossflint names notebook positions:
    ``nn.Softmax at churn.ipynb:cell 5:1``, ``train_test_split`` at
    ``churn.ipynb:cell 4:1`` (program rows mean nothing to a reader)."""
    found = _relocated(summary, summary.file, line_map, 0)
    return found if isinstance(found, ModuleSummary) else summary


#: summaries are shallow trees of values; deeper is left as it is
_MAX_DEPTH = 40


def _relocated(value: Any, rel: str, line_map: LineMap, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, Origin):
        if value.file != rel:
            return value
        entry = _cell_of(value.line, line_map)
        if entry is None:
            return value
        return replace(value, file=f"{rel}:cell {entry[0]}", line=entry[1])
    if isinstance(value, CallRecord):
        value = replace(
            value,
            split_at=_place(value.split_at, line_map),
            trained_at=_place(value.trained_at, line_map),
            compiled_at=_place(value.compiled_at, line_map),
            scaled_labels_at=_place(value.scaled_labels_at, line_map),
            autocast=_place(value.autocast, line_map),
        )
    if isinstance(value, tuple):
        items = tuple(_relocated(item, rel, line_map, depth + 1) for item in value)
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        changed = {k: _relocated(v, rel, line_map, depth + 1) for k, v in value.items()}
        return changed if any(changed[k] is not value[k] for k in value) else value
    if is_dataclass(value) and not isinstance(value, type):
        updates = {}
        for item in fields(value):
            old = getattr(value, item.name)
            new = _relocated(old, rel, line_map, depth + 1)
            if new is not old:
                updates[item.name] = new
        return replace(value, **updates) if updates else value
    return value


def _cell_of(row: int, line_map: LineMap) -> tuple[int, int] | None:
    return line_map[row] if 0 < row < len(line_map) else None


_PLACE = re.compile(r"^(?P<file>.*):(?P<row>\d+)$")


def _place(where: str, line_map: LineMap) -> str:
    found = _PLACE.match(where)
    entry = _cell_of(int(found["row"]), line_map) if found is not None else None
    if found is None or entry is None:
        return where
    return f"{found['file']}:cell {entry[0]}:{entry[1]}"
