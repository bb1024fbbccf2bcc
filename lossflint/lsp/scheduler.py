"""When the language server lints what: the latest version of each document,
once, off the main loop.

Every change records the document's newest version; nothing older is ever
linted or published. A change after a quiet spell (no change to that
document for :data:`DEBOUNCE` seconds) is linted at once; a change that
follows another within that time waits until the typing pauses for
:data:`DEBOUNCE` seconds. A lint still running for an older version is
cancelled (:mod:`lossflint.lsp.worker`), and a result that arrives for a
version that is no longer the newest is dropped. One job runs at a time;
requests that wait for an answer (fix all) go before lints.

Everything here runs on the server's event loop (the worker's messages are
handed over with ``call_soon_threadsafe``), so there is no locking.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lossflint.file_limits import file_timeout
from lossflint.lsp.messages import Job, Outcome
from lossflint.lsp.worker import Mailbox, ProcessWorker, ThreadWorker, start_worker


def _debounce() -> float:
    raw = os.environ.get("LOSSFLINT_LSP_DEBOUNCE_MS", "")
    try:
        return max(float(raw), 0.0) / 1000 if raw.strip() else 0.15
    except ValueError:
        return 0.15


#: seconds of quiet after a change before a burst's last version is linted
DEBOUNCE = _debounce()
#: a job that kills the worker is retried this many times in a fresh one
#: (as ``lossflint check`` does), then given up until the document changes
MAX_CRASHES = 1
#: worker processes that may die before they are ready before a thread lints
MAX_UNREADY = 2


@dataclass
class Linted:
    """The newest result of a document."""

    version: int | None
    job: Job
    outcome: Outcome


@dataclass
class _Doc:
    version: int | None = None
    job: Job | None = None  # waiting to be linted
    ready_at: float = 0.0
    last_change: float = -1e9
    result: Linted | None = None
    waiters: list[tuple[int | None, asyncio.Future[Linted | None]]] = field(default_factory=list)
    crashes: int = 0


@dataclass
class _Running:
    seq: int
    key: str | None  # None: a one-off request
    version: int | None
    job: Job
    future: asyncio.Future[Outcome | None] | None = None


@dataclass
class Stats:
    """What the scheduler did (the ``lossflint/stats`` request)."""

    changes: int = 0
    dispatched: int = 0
    lints: int = 0
    cancelled: int = 0
    stale: int = 0
    published: int = 0
    restarts: int = 0
    #: milliseconds each finished lint took in the worker (wall, CPU)
    lint_ms: list[int] = field(default_factory=list)
    lint_cpu_ms: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


Publish = Callable[[str, Linted], None]
Notice = Callable[[str], None]


class Scheduler:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        publish: Publish,
        notice: Notice,
        worker: tuple[ProcessWorker | ThreadWorker, Mailbox] | None = None,
    ) -> None:
        self.loop = loop
        self.publish = publish
        self.notice = notice
        self.docs: dict[str, _Doc] = {}
        self.requests: list[tuple[Job, asyncio.Future[Outcome | None]]] = []
        self.running: _Running | None = None
        self.stats = Stats()
        self.ready = False
        self._seq = 0
        self._timer: asyncio.TimerHandle | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self.worker: ProcessWorker | ThreadWorker | None = None
        self._deaths_unready = 0
        self._start_worker(worker)

    # --- the worker -----------------------------------------------------------------

    def _start_worker(
        self,
        started: tuple[ProcessWorker | ThreadWorker, Mailbox] | None = None,
        thread: bool = False,
    ) -> None:
        """Start a worker (or take one started already, whose messages its
        mailbox held)."""
        self.ready = False
        generation = object()
        self._generation = generation

        def deliver(message: tuple[Any, ...]) -> None:
            self.loop.call_soon_threadsafe(self._received, generation, message)

        if started is not None:
            self.worker = started[0]
            started[1].attach(deliver)
        else:
            self.worker = start_worker(deliver, thread)

    @property
    def worker_kind(self) -> str:
        return self.worker.kind if self.worker is not None else "none"

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    def _received(self, generation: object, message: tuple[Any, ...]) -> None:
        if generation is not self._generation:
            return  # from a worker that was replaced
        kind = message[0]
        if kind == "ready":
            self.ready = True
            self._deaths_unready = 0
        elif kind == "died":
            self._died()
            return
        elif self.running is not None and message[1] == self.running.seq:
            running, self.running = self.running, None
            self._cancel_watchdog()
            if kind == "done":
                self._done(running, message[2])
            else:
                self.stats.cancelled += 1
                if running.future is not None and not running.future.done():
                    self.requests.insert(0, (running.job, running.future))
        self._pump()

    def _died(self) -> None:
        self.stats.restarts += 1
        if not self.ready:
            self._deaths_unready += 1
        running, self.running = self.running, None
        self._cancel_watchdog()
        if running is not None:
            if running.key is not None:
                doc = self.docs.get(running.key)
                if doc is not None:
                    doc.crashes += 1
                    if doc.crashes <= MAX_CRASHES and doc.job is None:
                        doc.job = running.job  # once more, in a fresh worker
                    elif doc.crashes > MAX_CRASHES:
                        self.notice(f"lossflint: linting {running.job.name} stopped the linter")
                        for _, future in doc.waiters:
                            if not future.done():
                                future.set_result(None)
                        doc.waiters = []
            elif running.future is not None and not running.future.done():
                running.future.set_result(None)
        if self._deaths_unready >= MAX_UNREADY:
            # it cannot even start (a broken environment): lint in a thread
            self.notice("lossflint: the linting process does not start; linting in a thread")
            self._start_worker(thread=True)
        else:
            self._start_worker()

    def _watch(self, running: _Running) -> None:
        limit = file_timeout()
        if limit <= 0 or not isinstance(self.worker, ProcessWorker):
            return

        def expired() -> None:
            if self.running is running and self.worker is not None:
                self.notice(f"lossflint: {running.job.name} took over {limit:g} s: stopped")
                self.worker.stop()  # its reader reports the death

        self._watchdog = self.loop.call_later(limit, expired)

    def _cancel_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    # --- what the server asks ---------------------------------------------------------

    def changed(self, key: str, version: int | None, job: Job) -> None:
        """``key`` now reads ``job.text`` at ``version``: lint it (soon)."""
        self.stats.changes += 1
        doc = self.docs.setdefault(key, _Doc())
        now = time.monotonic()
        doc.version = version
        doc.crashes = 0
        running = self.running
        if running is not None and (running.key, running.version, running.job) == (
            key,
            version,
            job,
        ):
            doc.job = None  # a save of what is being linted: that lint answers it
            return
        doc.job = job
        quiet = now - doc.last_change >= DEBOUNCE
        doc.last_change = now
        doc.ready_at = now if quiet else now + DEBOUNCE
        for waited, future in doc.waiters:
            if waited != version and not future.done():
                future.set_result(None)  # that version is gone
        doc.waiters = [(v, f) for v, f in doc.waiters if not f.done()]
        if running is not None and running.key == key and self.worker is not None:
            self.worker.cancel(running.seq)
        self._pump()

    def follow(self, key: str, version: int | None, job: Job) -> None:
        """``key`` is unchanged but reads another open document's new text
        (``job.overlays``): lint it again once the documents waiting now are
        done -- typing in ``models/net.py`` does not hold up its own lint
        for ``train.py``'s, and a burst moves both back."""
        doc = self.docs.get(key)
        if doc is None:
            return
        now = time.monotonic()
        pending = [d.ready_at for k, d in self.docs.items() if d.job is not None and k != key]
        if doc.job is None:
            doc.ready_at = max([now, *pending]) + 0.001
        doc.job = job
        running = self.running
        if running is not None and running.key == key and self.worker is not None:
            self.worker.cancel(running.seq)
        self._pump()

    def closed(self, key: str) -> None:
        doc = self.docs.pop(key, None)
        if doc is not None:
            for _, future in doc.waiters:
                if not future.done():
                    future.set_result(None)
        running = self.running
        if running is not None and running.key == key and self.worker is not None:
            self.worker.cancel(running.seq)

    def open_documents(self) -> list[str]:
        return list(self.docs)

    def is_open(self, key: str) -> bool:
        return key in self.docs

    def result_for(self, key: str, version: int | None) -> asyncio.Future[Linted | None]:
        """The result of ``version`` of ``key``: now if it is there, when its
        lint is done otherwise; None if a newer version comes first."""
        future: asyncio.Future[Linted | None] = self.loop.create_future()
        doc = self.docs.get(key)
        if doc is None:
            future.set_result(None)
        elif doc.result is not None and doc.result.version == version and doc.job is None:
            future.set_result(doc.result)
        elif doc.version != version:
            future.set_result(None)
        else:
            doc.waiters.append((version, future))
            if doc.ready_at > time.monotonic():
                doc.ready_at = time.monotonic()  # someone waits: no more debouncing
                self._pump()
        return future

    def request(self, job: Job) -> asyncio.Future[Outcome | None]:
        """Run a one-off job (fix all) before any lint."""
        future: asyncio.Future[Outcome | None] = self.loop.create_future()
        self.requests.append((job, future))
        self._pump()
        return future

    # --- dispatching --------------------------------------------------------------------

    def _pump(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.running is not None or not self.ready or self.worker is None:
            return
        while self.requests:
            job, future = self.requests.pop(0)
            if not future.done():
                self._dispatch(None, None, job, future)
                return
        now = time.monotonic()
        waiting = [(doc.ready_at, key) for key, doc in self.docs.items() if doc.job is not None]
        if not waiting:
            return
        ready_at, key = min(waiting)
        if ready_at > now:
            self._timer = self.loop.call_later(ready_at - now, self._pump)
            return
        doc = self.docs[key]
        assert doc.job is not None
        job, doc.job = doc.job, None
        self._dispatch(key, doc.version, job, None)

    def _dispatch(
        self,
        key: str | None,
        version: int | None,
        job: Job,
        future: asyncio.Future[Outcome | None] | None,
    ) -> None:
        assert self.worker is not None
        self._seq += 1
        self.running = _Running(self._seq, key, version, job, future)
        self.stats.dispatched += 1
        self.worker.submit(self._seq, job)
        self._watch(self.running)

    def _done(self, running: _Running, outcome: Outcome) -> None:
        self.stats.lints += outcome.lints
        if outcome.lints:
            self.stats.lint_ms.append(round(outcome.seconds * 1000))
            self.stats.lint_cpu_ms.append(round(outcome.cpu_seconds * 1000))
            del self.stats.lint_ms[:-1000], self.stats.lint_cpu_ms[:-1000]
        for notice in outcome.notices:
            self.notice(f"lossflint: {notice}")
        if running.key is None:
            if running.future is not None and not running.future.done():
                running.future.set_result(outcome)
            return
        doc = self.docs.get(running.key)
        if doc is None or doc.version != running.version:
            self.stats.stale += 1  # closed, or changed meanwhile
            return
        doc.crashes = 0
        doc.result = Linted(running.version, running.job, outcome)
        self.stats.published += 1
        self.publish(running.key, doc.result)
        for _, future in doc.waiters:
            if not future.done():
                future.set_result(doc.result)
        doc.waiters = []
