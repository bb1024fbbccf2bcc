"""What the server makes of a document's URI, and of a notebook's cells.

A ``file:`` URI (percent-encoding decoded) is a file: its configuration is
the nearest one above it, and per-file ignores match its path. Any other
URI -- ``untitled:Untitled-1``, a remote scheme, something unparseable --
is linted as a buffer named after the URI's last segment, with the
configuration of the workspace folder (defaults without one); it is never
looked up on disk.

Which documents are Python: a ``python`` language id, or (for clients that
send another id or none) a name ending in ``.py``, ``.pyi`` or ``.pyw``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument, Workspace

from lossflint.lsp.messages import NOTEBOOK, Job, notebook_json

_PYTHON_IDS = {"python", "python3", "py"}
_PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")


@dataclass(frozen=True)
class Place:
    #: the file (None: not a file)
    path: str | None
    #: the name findings are reported under
    name: str


def place_of(uri: str) -> Place:
    try:
        path = to_fs_path(uri) if uri.startswith("file:") else None
    except Exception:  # whatever a malformed URI makes pygls raise
        path = None
    if path and "\x00" not in path:
        return Place(path, path)
    try:
        parts = urlsplit(uri)
        tail = unquote(parts.path or parts.netloc or uri).replace("\x00", "")
    except ValueError:
        tail = uri
    name = tail.rstrip("/").rsplit("/", 1)[-1] or "untitled"
    return Place(None, name)


def is_python(doc: TextDocument) -> bool:
    if doc.language_id is not None and doc.language_id.lower() in _PYTHON_IDS:
        return True
    return place_of(doc.uri).name.endswith(_PYTHON_SUFFIXES)


def root_of(params: types.InitializeParams) -> str | None:
    """The workspace folder documents that are not files take their
    configuration from (the first folder)."""
    uris = [f.uri for f in params.workspace_folders or []]
    if params.root_uri:
        uris.append(params.root_uri)
    for uri in uris:
        place = place_of(uri)
        if place.path is not None and os.path.isdir(place.path):
            return place.path
    if params.root_path and os.path.isdir(params.root_path):
        return params.root_path
    return None


def notebook_job(
    workspace: Workspace,
    notebook: types.NotebookDocument,
    root: str | None,
    overlays: tuple[tuple[str, str], ...] = (),
) -> Job:
    """The notebook as the CLI reads it: every cell, in order (markdown cells
    count for the cell numbers), from the editor's buffers."""
    cells: list[tuple[str, str, str | None]] = []
    for cell in notebook.cells:
        doc = workspace.text_documents.get(unquote(cell.document))
        text = doc.source if doc is not None else ""
        if cell.kind == types.NotebookCellKind.Code:
            language = doc.language_id if doc is not None else None
            cells.append(("code", text, language))
        else:
            cells.append(("markdown", text, None))
    place = place_of(notebook.uri)
    text = notebook_json(cells, notebook.metadata)
    return Job(NOTEBOOK, text, place.path, place.name, root, overlays)
