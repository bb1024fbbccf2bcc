"""Replies written past pygls: JSON-RPC errors for frames pygls must not see,
and the early ``initialize`` reply (:mod:`lossflint.server`). A leaf module:
the server's framing and the pygls application (:mod:`lossflint.lsp.app`)
both hold one."""

from __future__ import annotations

import json
import threading
from typing import IO, Any


class ErrorReplies:
    """Writes JSON-RPC error responses (and the early ``initialize`` reply)
    to the client's stream, one whole frame per write (pygls writes its own
    messages to the same stream)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def send(self, msg_id: Any, code: int, message: str) -> None:
        if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
            msg_id = None  # unknown: the spec says null
        self.write({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    def write(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        with self.lock:
            try:
                self.stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                self.stream.flush()
            except (OSError, ValueError):
                pass  # the client is gone; pygls notices on its own
