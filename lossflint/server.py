"""``lossflint server``: a Language Server (LSP over stdio, built on pygls).

It lints the editor's buffers (not the files on disk) -- Python documents
and notebook documents (LSP 3.17 ``notebookDocument/*``, linted as one
program across their cells like ``lossflint check`` does, findings published
per cell) -- and publishes the findings as diagnostics. Code actions: each
finding's fix (``quickfix``; "unsafe" fixes offered too, marked as such and
never preferred), "Disable LFxxx for this line" (``quickfix``) and
``source.fixAll.lossflint`` (every safe fix, one edit); ``context.only`` is
honoured (:mod:`lossflint.lsp.actions`). Settings come from the nearest
configuration above the document, re-read on every lint so edits to the
config apply without a restart; a broken config is shown as one diagnostic
on the first line.

Speed (:mod:`lossflint.lsp.scheduler`): linting happens in a worker process,
never on the main loop; only a document's newest version is linted, a
burst of changes is linted once after it, a lint made stale by a newer
change is cancelled, results are reused by content, and code actions are
answered from the result of the current version. A line being typed does
not wipe the file's findings: the broken lines are masked and the rest is
linted (:mod:`lossflint.lsp.half_typed`). ``initialize`` is answered before
the linter is loaded: the worker starts (and warms up) after it.

Positions: lossflint counts columns in characters; LSP clients count in the
negotiated position encoding (UTF-16 by default), which pygls' position
codec converts to. A document over ``max-file-size`` is not linted (a log
message says so). URIs other than ``file:`` are linted as buffers
(:mod:`lossflint.lsp.documents`).

Nothing a client sends stops the server: frames are checked before pygls
sees them (:class:`FrameReader`), and a request whose parameters cannot be
read (a position past 2^31 - 1) is answered with an error rather than
dropped (:class:`_Protocol`).
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import TextDocument

from lossflint import __version__
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

if TYPE_CHECKING:
    from lossflint.diagnostics import Related

#: JSON-RPC error codes
PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602
#: a frame announcing a bigger body is refused unread (a 1 MB source file is
#: a 1-2 MB message; ``max-file-size`` is 1 MiB by default)
MAX_BODY = 64 * 1024 * 1024
#: longest header line read at once; anything longer is not a header
MAX_HEADER_LINE = 64 * 1024


class ErrorReplies:
    """Writes JSON-RPC error responses to the client's stream, one whole
    frame per write (pygls writes its own messages to the same stream)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def send(self, msg_id: Any, code: int, message: str) -> None:
        if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
            msg_id = None  # unknown: the spec says null
        body = json.dumps(
            {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
        ).encode()
        with self.lock:
            try:
                self.stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                self.stream.flush()
            except (OSError, ValueError):
                pass  # the client is gone; pygls notices on its own


class _Protocol(LanguageServerProtocol):
    """pygls, except that a request it cannot read is answered (pygls only
    logs it, and the client waits forever)."""

    replies: ErrorReplies | None = None

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
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


_HEADER = re.compile(rb"([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*?)[ \t]*\r?\n")
#: a Content-Length header at the end of a line: the next frame, glued to
#: the body of a broken one (bodies end without a newline)
_LENGTH_AT_END = re.compile(rb"Content-Length[ \t]*:[ \t]*(\d+)[ \t]*\r?\n\Z", re.IGNORECASE)


class FrameReader:
    """The client's byte stream, as pygls reads it (``readline``/``read``),
    with only well-formed frames in it.

    pygls trusts the header: without ``Content-Length`` it takes the next
    message's header for a body and stops answering; with a huge one it
    allocates that much (MemoryError: the server exits) or waits forever.
    Here a frame without a usable ``Content-Length``, over
    :data:`MAX_BODY`, or whose body is not a JSON object is answered with
    an error (id null: it is unknown) and skipped; reading resumes at the
    next ``Content-Length`` header.
    """

    def __init__(self, raw: IO[bytes], replies: ErrorReplies) -> None:
        self.raw = raw
        self.replies = replies
        self._lines: list[bytes] = []
        self._body = b""
        self._skipping = False  # inside the rest of a broken frame
        self._reported = False  # the broken frame was answered already

    # --- what pygls calls --------------------------------------------------

    def readline(self) -> bytes:
        if not self._lines:
            body = self._next_body()
            if body is None:
                return b""  # end of input: pygls stops
            self._body = body
            self._lines = [b"Content-Length: %d\r\n" % len(body), b"\r\n"]
        return self._lines.pop(0)

    def read(self, size: int) -> bytes:
        body, self._body = self._body, b""
        return body

    # --- framing ------------------------------------------------------------

    def _refuse(self, code: int, message: str) -> None:
        if not self._reported:
            self.replies.send(None, code, message)
        self._reported = True

    def _next_body(self) -> bytes | None:
        while True:
            length = self._next_length()
            if length is None:
                return None
            if length == -1:
                self._refuse(
                    INVALID_REQUEST, "a message without a valid Content-Length was skipped"
                )
                self._skipping = True
                continue
            if length > MAX_BODY:
                self._refuse(
                    INVALID_REQUEST,
                    f"a message of {length} bytes (over {MAX_BODY}) was skipped",
                )
                self._skipping = True
                continue
            body = self.raw.read(length)
            if len(body) < length:
                return None
            self._skipping = self._reported = False
            try:
                message = json.loads(body)
            except (ValueError, RecursionError) as exc:
                self.replies.send(None, PARSE_ERROR, f"message is not JSON: {exc}")
                continue
            if not isinstance(message, dict):
                self.replies.send(None, INVALID_REQUEST, "message is not a JSON object")
                continue
            return body

    def _next_length(self) -> int | None:
        """The Content-Length of the next header block (-1 when it has none
        or a bad one), None at the end of input."""
        length: int | None = None
        seen = False  # a header line of this block
        tail = b""  # end of the previous chunk of an over-long line
        while True:
            line = self.raw.readline(MAX_HEADER_LINE)
            if not line:
                return None
            header = None if self._skipping else _HEADER.fullmatch(line)
            if header is not None:
                seen = True
                if header.group(1).lower() == b"content-length":
                    value = header.group(2)
                    length = int(value) if value.isdigit() else -1
                continue
            if line in (b"\r\n", b"\n") and not self._skipping:
                if seen:
                    return -1 if length is None else length
                continue  # a stray blank line between frames
            # not a header: the rest of a broken frame, or junk
            glued = _LENGTH_AT_END.search(tail + line)
            if glued is not None:
                if not self._skipping:
                    self._refuse(INVALID_REQUEST, "bytes outside any message were skipped")
                self._skipping = self._reported = False
                seen, length = True, int(glued.group(1))
                tail = b""
                continue
            if not self._skipping:
                self._refuse(INVALID_REQUEST, "bytes outside any message were skipped")
                self._skipping = True
            tail = line[-64:] if not line.endswith(b"\n") else b""


class LossflintServer(LanguageServer):
    def __init__(self) -> None:
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
        self._scheduler: Scheduler | None = None
        #: cells each notebook's findings were last published to
        self.published_cells: dict[str, set[str]] = {}

    @property
    def scheduler(self) -> Scheduler:
        """Started after ``initialize`` was answered (it starts the worker)."""
        if self._scheduler is None:
            self._scheduler = Scheduler(asyncio.get_running_loop(), self.publish, self.notice)
        return self._scheduler

    def start_linting(self) -> None:
        """Start the worker (it loads the linter meanwhile)."""
        _ = self.scheduler

    def notice(self, message: str) -> None:
        kind = types.MessageType.Warning if "skipped" in message else types.MessageType.Error
        self.window_log_message(types.LogMessageParams(kind, message))

    # --- documents --------------------------------------------------------------------

    def text_changed(self, uri: str) -> None:
        if self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return  # a cell: its notebook is linted
        doc = self.workspace.get_text_document(uri)
        if not is_python(doc):
            return
        place = place_of(uri)
        self.scheduler.changed(
            uri, doc.version, Job(LINT, doc.source, place.path, place.name, self.root)
        )

    def notebook_changed(self, uri: str) -> None:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            return
        self.scheduler.changed(
            uri, notebook.version, notebook_job(self.workspace, notebook, self.root)
        )

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
            items = [to_lsp(doc, d) for d in outcome.diagnostics]
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


_IN_CELL = re.compile(r" in cell (\d+)$")


def _config_diagnostic(error: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        message=f"lossflint configuration error: {error}",
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def create_server() -> LossflintServer:
    server = LossflintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: LossflintServer, params: types.InitializeParams) -> None:
        ls.root = root_of(params)

    @server.feature(types.INITIALIZED)
    def initialized(ls: LossflintServer, params: types.InitializedParams) -> None:
        ls.start_linting()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: LossflintServer, params: None) -> None:
        if ls._scheduler is not None:
            ls._scheduler.stop()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LossflintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.text_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LossflintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.text_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LossflintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.text_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LossflintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.scheduler.closed(params.text_document.uri)
        ls.clear([params.text_document.uri])

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


def start() -> None:
    server = create_server()
    stdout = sys.stdout.buffer
    replies = ErrorReplies(stdout)
    if isinstance(server.protocol, _Protocol):
        server.protocol.replies = replies
    try:
        server.start_io(stdin=FrameReader(sys.stdin.buffer, replies), stdout=stdout)  # type: ignore[arg-type]
    finally:
        if server._scheduler is not None:
            server._scheduler.stop()
