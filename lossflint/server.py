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

import importlib.util
import json
import re
import sys
from typing import IO, Any

from lossflint.lsp.replies import ErrorReplies
from lossflint.version import __version__

if importlib.util.find_spec("pygls") is None:  # the CLI says what to install
    raise ImportError("lossflint server needs pygls")

#: JSON-RPC error codes
PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602
#: a frame announcing a bigger body is refused unread (a 1 MB source file is
#: a 1-2 MB message; ``max-file-size`` is 1 MiB by default)
MAX_BODY = 64 * 1024 * 1024
#: longest header line read at once; anything longer is not a header
MAX_HEADER_LINE = 64 * 1024


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
        self._unread: bytes | None = None

    def first_message(self) -> dict[str, Any] | None:
        """The first message, read before pygls is there; pygls reads it
        again (it is put back)."""
        body = self._next_body()
        if body is None:
            return None
        self._unread = body
        message = json.loads(body)
        return message if isinstance(message, dict) else None

    # --- what pygls calls --------------------------------------------------

    def readline(self) -> bytes:
        if not self._lines:
            body, self._unread = self._unread, None
            if body is None:
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


# --- initialize, answered before pygls is loaded -------------------------------------

#: position encodings pygls converts to, in the order a client's are tried
_ENCODINGS = ("utf-8", "utf-16", "utf-32")
CODE_ACTION_KINDS = ["quickfix", "source.fixAll.lossflint"]


def capabilities(client: Any) -> dict[str, Any]:
    """What pygls would answer to ``initialize`` for this server and these
    client capabilities (tests/test_server.py compares the two)."""
    client = client if isinstance(client, dict) else {}
    general = client.get("general")
    wanted = general.get("positionEncodings") if isinstance(general, dict) else None
    encoding = "utf-16"
    if isinstance(wanted, list):
        encoding = next((e for e in wanted if e in _ENCODINGS), encoding)
    out: dict[str, Any] = {
        "positionEncoding": encoding,
        "textDocumentSync": {"openClose": True, "change": 2, "save": True},
    }
    if client.get("notebookDocument") is not None:
        out["notebookDocumentSync"] = {
            "notebookSelector": [{"cells": [{"language": "python"}]}],
            "save": True,
        }
    out["codeActionProvider"] = {"codeActionKinds": CODE_ACTION_KINDS}
    out["executeCommandProvider"] = {"commands": []}
    out["workspace"] = {
        "workspaceFolders": {"supported": True, "changeNotifications": True},
        "fileOperations": {},
    }
    return out


def early_reply(message: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reply to ``message`` if it is a well-formed ``initialize`` request."""
    if message is None or message.get("method") != "initialize":
        return None
    msg_id, params = message.get("id"), message.get("params")
    if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
        return None
    if not isinstance(params, dict):
        return None  # pygls answers it with its error
    return {
        "jsonrpc": "2.0",
        "id": msg_id,
        "result": {
            "capabilities": capabilities(params.get("capabilities")),
            "serverInfo": {"name": "lossflint", "version": __version__},
        },
    }


class WithoutReply:
    """The client's stream for pygls, minus pygls' own reply to the
    ``initialize`` that was answered already."""

    def __init__(self, stream: IO[bytes], msg_id: Any) -> None:
        self.stream = stream
        self.msg_id = msg_id

    def write(self, data: bytes) -> int:
        if self.msg_id is not None:
            _, _, body = data.partition(b"\r\n\r\n")
            try:
                message = json.loads(body)
            except ValueError:
                message = None
            if isinstance(message, dict) and message.get("id") == self.msg_id:
                if "method" not in message:
                    self.msg_id = None
                    return len(data)
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


def start() -> None:
    """Answer ``initialize`` at once, start the linting worker, then load
    pygls and hand it the session (the ``initialize`` included: it sets up
    its workspace from it; its reply is dropped)."""
    stdout = sys.stdout.buffer
    replies = ErrorReplies(stdout)
    reader = FrameReader(sys.stdin.buffer, replies)
    try:
        first = reader.first_message()
    except ValueError:  # checked by the reader already
        first = None
    reply = early_reply(first)
    writer: IO[bytes] | WithoutReply = stdout
    worker = None
    if reply is not None:
        replies.write(reply)
        writer = WithoutReply(stdout, reply["id"])
        from lossflint.lsp.worker import Mailbox, start_worker

        mailbox = Mailbox()
        worker = (start_worker(mailbox), mailbox)

    from lossflint.lsp.app import create_server

    server = create_server(replies, worker, reply["id"] if reply is not None else None)
    try:
        server.start_io(stdin=reader, stdout=writer)  # type: ignore[arg-type]
    finally:
        server.stop_linting()
