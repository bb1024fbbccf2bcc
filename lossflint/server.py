"""``lossflint server``: a Language Server (LSP over stdio, built on pygls).

It lints the editor's buffer (not the file on disk) when a Python document is
opened, changed or saved, publishes the findings as diagnostics, and offers
each finding's fix as a quick-fix code action ("unsafe" fixes are offered
too, marked as such and never preferred). Settings come from the
``[tool.lossflint]`` of the nearest ``pyproject.toml`` above the document,
re-read on every lint so edits to the config apply without a restart; a
broken config is shown as one diagnostic on the first line.

Positions: lossflint counts columns in characters; LSP clients count in the
negotiated position encoding (UTF-16 by default), which pygls' position
codec converts to.

Notebook documents are not handled by the server (lint them with
``lossflint check`` or pre-commit). A document over ``max-file-size`` is not
linted (a log message says so).

Nothing a client sends stops the server: frames are checked before pygls
sees them (:class:`FrameReader`), and a request whose parameters cannot be
read (a position past 2^31 - 1) is answered with an error rather than
dropped (:class:`_Protocol`).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path
from typing import IO, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import TextDocument

from lossflint import __version__
from lossflint.config import ConfigError, resolve_settings
from lossflint.diagnostics import Applicability, Diagnostic, Location, Severity
from lossflint.file_limits import is_limited, skip_notice
from lossflint.linter import RuleSet, lint_text

SOURCE = "lossflint"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


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
            protocol_cls=_Protocol,
        )

    def lint(self, doc: TextDocument) -> tuple[list[Diagnostic], str | None]:
        """Findings for the buffer of ``doc``, or a configuration error."""
        path = Path(doc.path)
        try:
            settings = resolve_settings([str(path)], None, False)
        except ConfigError as exc:
            return [], str(exc)
        limit = settings.max_file_size
        if is_limited(path) and limit > 0:
            size = len(doc.source.encode("utf-8", "surrogatepass"))
            if size > limit:
                notice = skip_notice(path.name, size, limit)
                self.window_log_message(
                    types.LogMessageParams(types.MessageType.Warning, f"lossflint: {notice}")
                )
                return [], None
        ruleset = RuleSet(settings.enabled_codes(), settings.options)
        result = lint_text(doc.source, str(path), ruleset, settings.ignored_for(path))
        for error in result.errors:
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"lossflint: {error}")
            )
        return result.diagnostics, None


def _range(doc: TextDocument, start: Location, end: Location) -> types.Range:
    codec = doc.position_codec
    lines = doc.lines
    return types.Range(
        start=codec.position_to_client_units(
            lines, types.Position(line=start.row - 1, character=start.column - 1)
        ),
        end=codec.position_to_client_units(
            lines, types.Position(line=end.row - 1, character=end.column - 1)
        ),
    )


def to_lsp(doc: TextDocument, d: Diagnostic) -> types.Diagnostic:
    return types.Diagnostic(
        range=_range(doc, d.location, d.end_location),
        message=d.message,
        severity=_SEVERITY[d.severity],
        code=d.code,
        code_description=types.CodeDescription(href=d.url),
        source=SOURCE,
        related_information=[
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=doc.uri, range=_range(doc, r.location, r.end_location)),
                message=r.message,
            )
            for r in d.related
        ]
        or None,
    )


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def code_actions(doc: TextDocument, diagnostics: list[Diagnostic], where: types.Range):
    """Quick fixes of the findings whose range touches ``where``."""
    actions: list[types.CodeAction] = []
    for d in diagnostics:
        if d.fix is None or not d.fix.edits:
            continue
        lsp_diag = to_lsp(doc, d)
        if not _overlaps(lsp_diag.range, where):
            continue
        safe = d.fix.applicability is Applicability.SAFE
        title = f"{d.code}: {d.fix.message}" + ("" if safe else " (unsafe fix)")
        edits = [
            types.TextEdit(range=_range(doc, e.location, e.end_location), new_text=e.content)
            for e in d.fix.edits
        ]
        actions.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[lsp_diag],
                is_preferred=safe,
                edit=types.WorkspaceEdit(changes={doc.uri: edits}),
            )
        )
    return actions


def create_server() -> LossflintServer:
    server = LossflintServer()

    def publish(ls: LossflintServer, uri: str) -> None:
        doc = ls.workspace.get_text_document(uri)
        if doc.uri.endswith(".ipynb"):
            return
        diagnostics, config_error = ls.lint(doc)
        items = [to_lsp(doc, d) for d in diagnostics]
        if config_error is not None:
            items = [
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=f"lossflint configuration error: {config_error}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            ]
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=doc.version)
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LossflintServer, params: types.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LossflintServer, params: types.DidChangeTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LossflintServer, params: types.DidSaveTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LossflintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(
        ls: LossflintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        doc = ls.workspace.get_text_document(params.text_document.uri)
        if doc.uri.endswith(".ipynb"):
            return None
        diagnostics, _ = ls.lint(doc)
        return code_actions(doc, diagnostics, params.range) or None

    return server


def start() -> None:
    server = create_server()
    stdout = sys.stdout.buffer
    replies = ErrorReplies(stdout)
    if isinstance(server.protocol, _Protocol):
        server.protocol.replies = replies
    server.start_io(stdin=FrameReader(sys.stdin.buffer, replies), stdout=stdout)  # type: ignore[arg-type]
