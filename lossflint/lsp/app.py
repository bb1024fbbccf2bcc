"""The language server proper (pygls): documents, publishing, code actions.

Imported by :func:`lossflint.server.start` after ``initialize`` was
answered (pygls and lsprotocol take about half a second to import).
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import TextDocument

from lossflint.lsp.actions import (
    FIX_ALL_KIND,
    KINDS,
    SOURCE,
    disable_actions,
    fix_all_action,
    quick_fixes,
    to_lsp,
    touching,
    wanted,
)
from lossflint.lsp.documents import is_python, notebook_job, place_of, root_of
from lossflint.lsp.messages import FIX_ALL, LINT, Job
from lossflint.lsp.scheduler import Linted, Scheduler
from lossflint.version import __version__

if TYPE_CHECKING:
    from lossflint.diagnostics import Related
    from lossflint.lsp.replies import ErrorReplies
    from lossflint.lsp.worker import Mailbox, ProcessWorker, ThreadWorker


class _Protocol(LanguageServerProtocol):
    """pygls, except that a request it cannot read is answered (pygls only
    logs it, and the client waits forever); and an ``initialize`` answered
    already (:func:`lossflint.server.start`) whose client capabilities
    pygls cannot read is taken with none, rather than answered twice."""

    replies: ErrorReplies | None = None
    #: the id of the ``initialize`` request answered before pygls was loaded
    answered_initialize: Any = None

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if (
                data.get("method") == types.INITIALIZE
                and self.answered_initialize is not None
                and data.get("id") == self.answered_initialize
            ):
                params = data.get("params")
                root = params.get("rootUri") if isinstance(params, dict) else None
                fallback: dict[str, Any] = {
                    "processId": None,
                    "rootUri": root if isinstance(root, str) else None,
                    "capabilities": {},
                }
                return super().structure_message({**data, "params": fallback})
            if self.replies is None or "id" not in data or "method" not in data:
                raise
            self.replies.send(data["id"], exc.code, f"{exc.message}: {_first_cause(exc)}")
            return _ANSWERED

    def handle_message(self, message: Any) -> None:
        if message is not _ANSWERED:
            super().handle_message(message)


_ANSWERED = object()


def _first_cause(exc: BaseException) -> str:
    """The innermost reason (cattrs wraps it in exception groups)."""
    while True:
        inner = getattr(exc, "exceptions", None)
        if inner:
            exc = inner[0]
        elif exc.__cause__ is not None:
            exc = exc.__cause__
        else:
            return str(exc)


class LossflintServer(LanguageServer):
    def __init__(self, worker: tuple[ProcessWorker | ThreadWorker, Mailbox] | None = None) -> None:
        super().__init__(
            SOURCE,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        cells=[types.NotebookCellLanguage(language="python")]
                    )
                ],
                save=True,
            ),
            protocol_cls=_Protocol,
        )
        self.root: str | None = None
        self._early_worker = worker
        self._scheduler: Scheduler | None = None
        #: cells each notebook's findings were last published to
        self.published_cells: dict[str, set[str]] = {}

    @property
    def scheduler(self) -> Scheduler:
        """Started after ``initialize`` was answered (it starts the worker)."""
        if self._scheduler is None:
            self._scheduler = Scheduler(
                asyncio.get_running_loop(), self.publish, self.notice, self._early_worker
            )
        return self._scheduler

    def start_linting(self) -> None:
        """Start the worker (it loads the linter meanwhile)."""
        _ = self.scheduler

    def stop_linting(self) -> None:
        if self._scheduler is not None:
            self._scheduler.stop()
        elif self._early_worker is not None:
            self._early_worker[0].stop()

    def notice(self, message: str) -> None:
        kind = types.MessageType.Warning if "skipped" in message else types.MessageType.Error
        self.window_log_message(types.LogMessageParams(kind, message))

    # --- documents --------------------------------------------------------------------

    def text_changed(self, uri: str, others: bool = False) -> None:
        """Lint ``uri`` (soon); ``others``: its text is new, so the open
        documents that may import it are linted again after it."""
        if self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return  # a cell: its notebook is linted
        doc = self.workspace.get_text_document(uri)
        if not is_python(doc):
            return
        self.scheduler.changed(uri, doc.version, self._text_job(uri, doc))
        if others and place_of(uri).path is not None:
            self.others_changed(uri)

    def others_changed(self, changed: str) -> None:
        """The open documents other than ``changed`` read its new text (or the
        file again, once it is closed)."""
        for key in self.scheduler.open_documents():
            if key == changed:
                continue
            notebook = self.workspace.get_notebook_document(notebook_uri=key)
            if notebook is not None:
                job = notebook_job(self.workspace, notebook, self.root, self._overlays(key))
                self.scheduler.follow(key, notebook.version, job)
            else:
                doc = self.workspace.get_text_document(key)
                self.scheduler.follow(key, doc.version, self._text_job(key, doc))

    def _text_job(self, uri: str, doc: TextDocument) -> Job:
        place = place_of(uri)
        return Job(LINT, doc.source, place.path, place.name, self.root, self._overlays(uri))

    def _overlays(self, uri: str) -> tuple[tuple[str, str], ...]:
        """The unsaved text of the open Python files other than ``uri``
        (notebook cells are not modules: nothing imports them)."""
        if place_of(uri).path is None:
            return ()  # a buffer that is no file has no project
        out = []
        for key, doc in self.workspace.text_documents.items():
            if key == uri or self.workspace.get_notebook_document(cell_uri=key) is not None:
                continue
            path = place_of(key).path
            if path is not None and is_python(doc):
                out.append((path, doc.source))
        return tuple(sorted(out))

    def saved(self, uri: str) -> None:
        """A saved configuration file applies to every open document."""
        if re.split(r"[\\/]", place_of(uri).name)[-1] in CONFIG_FILES:
            for key in self.scheduler.open_documents():
                if self.workspace.get_notebook_document(notebook_uri=key) is not None:
                    self.notebook_changed(key)
                else:
                    self.text_changed(key)
        else:
            self.text_changed(uri)

    def notebook_changed(self, uri: str) -> None:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            return
        job = notebook_job(self.workspace, notebook, self.root, self._overlays(uri))
        self.scheduler.changed(uri, notebook.version, job)

    def publish(self, key: str, linted: Linted) -> None:
        if linted.job.kind == LINT:
            self._publish_text(key, linted)
        else:
            self._publish_notebook(key, linted)

    def _publish_text(self, uri: str, linted: Linted) -> None:
        doc = self.workspace.get_text_document(uri)
        outcome = linted.outcome
        if outcome.config_error is not None:
            items = [_config_diagnostic(outcome.config_error)]
        else:
            items = [to_lsp(doc, d, self._other_file) for d in outcome.diagnostics]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=linted.version)
        )

    def _publish_notebook(self, uri: str, linted: Linted) -> None:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            return
        cells = [c.document for c in notebook.cells]
        code = [c.document for c in notebook.cells if c.kind == types.NotebookCellKind.Code]
        by_cell: dict[str, list[types.Diagnostic]] = {cell: [] for cell in code}
        outcome = linted.outcome
        if outcome.config_error is not None and code:
            by_cell[code[0]].append(_config_diagnostic(outcome.config_error))

        def other_cell(r: Related) -> tuple[str, TextDocument] | None:
            if r.filename is not None:
                return self._other_file(r)
            # notebook.map_diagnostic names the cell of a related location
            # outside the finding's own
            named = _IN_CELL.search(r.message)
            if named is None or not 0 < int(named.group(1)) <= len(cells):
                return None
            uri = cells[int(named.group(1)) - 1]
            return uri, self.workspace.get_text_document(uri)

        for d in [] if outcome.config_error else outcome.diagnostics:
            cell = cells[d.cell - 1] if d.cell is not None and 0 < d.cell <= len(cells) else None
            cell = cell or (code[0] if code else None)
            if cell is None:
                continue
            doc = self.workspace.get_text_document(cell)
            by_cell.setdefault(cell, []).append(to_lsp(doc, d, other_cell))
        for gone in self.published_cells.get(uri, set()) - set(by_cell):
            by_cell[gone] = []
        self.published_cells[uri] = {c for c, items in by_cell.items() if items}
        for cell, items in by_cell.items():
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=cell, diagnostics=items)
            )

    def _other_file(self, r: Related) -> tuple[str, TextDocument] | None:
        """The document of a related place in another project module (the
        worker names it relative to the working folder, which it shares with
        the server): the open buffer, or the file as pygls reads it."""
        if r.filename is None:
            return None
        uri = Path(os.path.abspath(r.filename)).as_uri()
        doc = self.workspace.get_text_document(uri)
        try:
            _ = doc.source
        except (OSError, ValueError):  # gone since the lint: its columns as they were
            width = max(r.location.column, r.end_location.column)
            doc = TextDocument(uri, source=(" " * width + "\n") * r.end_location.row)
        return uri, doc

    def clear(self, uris: list[str]) -> None:
        for uri in uris:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )

    # --- code actions -----------------------------------------------------------------

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        only = [str(getattr(k, "value", k)) for k in params.context.only or []] or None
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        doc = self.workspace.get_text_document(uri)
        version: int | None
        if notebook is not None:
            key, version = notebook.uri, notebook.version
        elif is_python(doc):
            key, version = uri, doc.version
        else:
            return None
        if not self.scheduler.is_open(key):
            return None  # never opened: nothing of it is known
        actions: list[types.CodeAction] = []
        if wanted(types.CodeActionKind.QuickFix.value, only):
            linted = await self.scheduler.result_for(key, version)
            if linted is not None and linted.outcome.config_error is None:
                diagnostics = linted.outcome.diagnostics
                if notebook is not None:
                    number = 1 + [c.document for c in notebook.cells].index(uri)
                    diagnostics = [d for d in diagnostics if d.cell == number]
                found = touching(doc, diagnostics, params.range)
                actions += quick_fixes(doc, found, uri)
                actions += disable_actions(doc, doc.source, found, uri)
        if notebook is None and only and wanted(FIX_ALL_KIND, only):
            action = await self.fix_all(uri, doc.version, doc.source)
            if action is not None:
                actions.append(action)
        return actions or None

    async def fix_all(self, uri: str, version: int | None, text: str) -> types.CodeAction | None:
        place = place_of(uri)
        outcome = await self.scheduler.request(
            Job(FIX_ALL, text, place.path, place.name, self.root)
        )
        doc = self.workspace.get_text_document(uri)
        if outcome is None or doc.version != version:
            return None  # the worker died, or the buffer changed meanwhile
        return fix_all_action(doc, text, outcome.fixed_text, uri)


#: files a saved configuration can be in (lossflint.config reads these)
CONFIG_FILES = frozenset({"pyproject.toml", "lossflint.toml", ".lossflint.toml"})
_IN_CELL = re.compile(r" in cell (\d+)$")


def _config_diagnostic(error: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        message=f"lossflint configuration error: {error}",
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def create_server(
    replies: ErrorReplies | None = None,
    worker: tuple[ProcessWorker | ThreadWorker, Mailbox] | None = None,
    answered_initialize: Any = None,
) -> LossflintServer:
    """The server; ``replies`` answers requests pygls cannot read, ``worker``
    is a linting worker started already (its messages held in the mailbox),
    ``answered_initialize`` the id of an ``initialize`` answered already."""
    server = LossflintServer(worker)
    if isinstance(server.protocol, _Protocol):
        server.protocol.replies = replies
        server.protocol.answered_initialize = answered_initialize

    @server.feature(types.INITIALIZE)
    def initialize(ls: LossflintServer, params: types.InitializeParams) -> None:
        ls.root = root_of(params)

    @server.feature(types.INITIALIZED)
    def initialized(ls: LossflintServer, params: types.InitializedParams) -> None:
        ls.start_linting()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: LossflintServer, params: None) -> None:
        ls.stop_linting()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LossflintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.text_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LossflintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.text_changed(params.text_document.uri, others=True)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LossflintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.saved(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LossflintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.scheduler.closed(uri)
        ls.clear([uri])
        if place_of(uri).path is not None:
            ls.others_changed(uri)  # they read the file on disk again

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: LossflintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.notebook_changed(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: LossflintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.notebook_changed(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: LossflintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.notebook_changed(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: LossflintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        ls.scheduler.closed(uri)
        cells = ls.published_cells.pop(uri, set())
        ls.clear(sorted(cells | {c.uri for c in params.cell_text_documents}))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=KINDS),
    )
    async def code_action(
        ls: LossflintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        return await ls.code_actions(params)

    @server.feature(STATS)
    def stats(ls: LossflintServer, params: Any) -> dict[str, Any]:
        """What the scheduler did (lints run, cancelled, dropped): for tests and benchmarks."""
        return {**ls.scheduler.stats.to_json(), "worker": ls.scheduler.worker_kind}

    return server


#: the custom request answering :class:`~lossflint.lsp.scheduler.Stats`
STATS = "lossflint/stats"
