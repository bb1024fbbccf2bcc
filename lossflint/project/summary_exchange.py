"""Summaries shared by the workers of one run when there is no cache folder.

With ``--no-cache`` nothing is written to disk, so without this each worker
process would summarise every module its files import on its own: on a
library, where most files import most others, nearly every module once per
worker. The supervisor (:func:`lossflint.parallel._lint_in_pool`) holds a
:class:`SummaryExchange` instead; a worker's store asks it through its pipe
(:class:`ExchangeClient`, the same ``get``/``put`` as the disk cache) before
computing a module, and hands over what it computed. Entries are keyed by the
module and the sha256 of its bytes, exactly like the disk cache, and the
first one handed over wins (every worker then adopts it, as with the disk
cache). Nothing leaves the run's processes.

Messages on the pipe are tuples whose first item is a string (results are
tuples starting with the file's index): ``("summary?", rel, sha)`` is answered
with the entry or None; ``("summary!", rel, sha, entry)`` and ``("alive",)``
are not answered. Every one of them tells the supervisor that the worker is
making progress: the per-file timeout counts from the last module a worker
began summarising for the file (a file whose imports reach a hundred modules
is slow, not stuck), so it still catches one analysis step that never ends.
With a cache folder, :class:`Heartbeat` sends ``("alive",)`` instead.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from typing import Any

from lossflint.project.summary import ModuleSummary, summary_hash
from lossflint.project.summary_cache import CachedSummary, SummaryBackend

ASK = "summary?"
GIVE = "summary!"
ALIVE = "alive"
#: at most this many seconds between two ``alive`` messages are skipped
BEAT_INTERVAL = 0.1


class SummaryExchange:
    """The supervisor's side: summaries handed over by the workers."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], CachedSummary] = {}
        #: observable in tests
        self.asked = 0
        self.served = 0

    @staticmethod
    def is_message(message: Any) -> bool:
        return type(message) is tuple and bool(message) and message[0] in (ASK, GIVE, ALIVE)

    def handle(self, message: tuple[Any, ...]) -> tuple[bool, CachedSummary | None]:
        """(whether to reply, the reply) for one message of a worker."""
        if message[0] == ASK and len(message) == 3:
            self.asked += 1
            found = self.entries.get((message[1], message[2]))
            if found is not None:
                self.served += 1
            return True, found
        if message[0] == GIVE and len(message) == 4 and isinstance(message[3], CachedSummary):
            self.entries.setdefault((message[1], message[2]), message[3])
        return False, None


class ExchangeClient:
    """A worker's side: the disk cache's ``get``/``put``, through the pipe to
    the supervisor. A pipe that fails is a miss (the worker computes); the
    worker notices the supervisor is gone when it next sends a result."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.broken = False
        self.hits = 0
        self.misses = 0
        self.writes = 0

    def get(self, rel: str, content_sha: str) -> CachedSummary | None:
        if self.broken:
            return None
        try:
            self.conn.send((ASK, rel, content_sha))
            found = self.conn.recv()
        except (EOFError, OSError):
            self.broken = True
            return None
        if not isinstance(found, CachedSummary):
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(self, rel: str, content_sha: str, summary: ModuleSummary, deps: dict[str, str]) -> None:
        if self.broken:
            return
        entry = CachedSummary(summary, dict(deps), summary_hash(summary))
        try:
            self.conn.send((GIVE, rel, content_sha, entry))
        except (EOFError, OSError):
            self.broken = True
            return
        except Exception:  # cannot be pickled: the others compute it themselves
            return
        self.writes += 1


class Heartbeat:
    """A worker's disk cache that tells the supervisor, as it looks up each
    module (before computing it), that the worker is making progress."""

    def __init__(self, inner: SummaryBackend, conn: Connection) -> None:
        self.inner = inner
        self.conn = conn
        self._last = 0.0

    def get(self, rel: str, content_sha: str) -> CachedSummary | None:
        now = time.monotonic()
        if now - self._last >= BEAT_INTERVAL:
            self._last = now
            try:
                self.conn.send((ALIVE,))
            except (EOFError, OSError):
                pass  # the supervisor is gone: noticed at the next result
        return self.inner.get(rel, content_sha)

    def put(self, rel: str, content_sha: str, summary: ModuleSummary, deps: dict[str, str]) -> None:
        self.inner.put(rel, content_sha, summary, deps)
