"""The messages between the language server and its linting worker: plain
data that crosses a process boundary, and cheap to import (the server
answers ``initialize`` before the linter is loaded).

A :class:`Job` is a buffer's text, the path its configuration is found
from, and what to compute: ``lint`` (findings of a Python buffer),
``notebook`` (findings of a notebook's cells as one program, the text being
the notebook as JSON) or ``fix_all`` (the buffer with every safe fix
applied). An :class:`Outcome` is the answer (:mod:`lossflint.lsp.jobs`
computes it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lossflint.diagnostics import Diagnostic

LINT, NOTEBOOK, FIX_ALL = "lint", "notebook", "fix_all"


@dataclass(frozen=True)
class Job:
    kind: str
    text: str
    #: file the configuration is found from (None: not a file)
    path: str | None
    #: the name findings are reported under
    name: str
    #: workspace folder: configuration of documents that are not files
    root: str | None = None
    #: unsaved text of the other open documents that are files (path, text):
    #: the project the buffer imports is read as the editor shows it
    overlays: tuple[tuple[str, str], ...] = ()


@dataclass
class Outcome:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    config_error: str | None = None
    #: messages for the client's log (internal errors, a skipped file)
    notices: list[str] = field(default_factory=list)
    #: rows of the buffer masked because they do not parse (1-based)
    masked_rows: tuple[int, ...] = ()
    #: ``fix_all``: the fixed text (None: nothing to fix)
    fixed_text: str | None = None
    #: how many lints ran for it (0: answered from the cache)
    lints: int = 0
    #: seconds the worker took (wall)
    seconds: float = 0.0
    #: CPU seconds of the worker process meanwhile (what a loaded machine
    #: does not inflate: benchmarks/lsp_bench.py compares versions by it)
    cpu_seconds: float = 0.0
    #: summaries of other project modules the result used (module -> hash):
    #: the worker serves it again only while they hold
    deps: dict[str, str] = field(default_factory=dict)


def notebook_json(cells: list[tuple[str, str, str | None]], metadata: object) -> str:
    """A notebook's JSON from its cells: (cell type, text, language id)."""
    out = []
    for cell_type, source, language in cells:
        cell: dict[str, object] = {"cell_type": cell_type, "source": source, "metadata": {}}
        if language is not None and cell_type == "code":
            cell["metadata"] = {"vscode": {"languageId": language}}
        out.append(cell)
    return json.dumps({"cells": out, "metadata": metadata if isinstance(metadata, dict) else {}})
