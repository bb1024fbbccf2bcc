"""Where the language server lints: a worker process (or thread) that runs
one :class:`~lossflint.lsp.jobs.Job` at a time and can be told to drop it.

Why a process: libcst's parser holds the GIL while it parses (about 120 ms
at a time on a 1,000-line file), so a linting thread would stall the
server's main loop -- the loop that reads the client's keystrokes and
answers its requests -- for as long; a process also lints on another core
and takes a crash of the native parser with it, not the server. The
thread backend (``LOSSFLINT_LSP_WORKER=thread``) stays for platforms that
cannot start one, and for comparison (``benchmarks/lsp_bench.py``).

Cancelling: a superseded job is stopped where it is, by raising
:class:`Superseded` in the thread that runs it (``PyThreadState_SetAsyncExc``;
it takes effect at the next Python bytecode, i.e. after a native parse
returns). It derives from ``BaseException`` so the linter's per-rule
``except Exception`` does not swallow it. The worker warms up (imports,
rule registry) before the first job, so no module is ever half-imported by
a cancellation.

The process speaks length-prefixed pickles on its stdin/stdout (its own
``print`` output goes to stderr): ``("job", seq, Job)`` and
``("cancel", seq)`` in; ``("ready",)``, ``("done", seq, Outcome)`` and
``("cancelled", seq)`` out.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from lossflint.lsp.messages import FIX_ALL, LINT, NOTEBOOK, Job, Outcome, notebook_json
from lossflint.parse_guard import no_thread_starting

_LENGTH = struct.Struct(">I")


class Superseded(BaseException):
    """The job being run is not wanted any more."""


def write_frame(stream: IO[bytes], message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> tuple[Any, ...] | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        return None
    message = pickle.loads(data)  # from our own worker or server only
    return message if isinstance(message, tuple) else None


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Raise ``exc`` in thread ``thread_id`` at its next bytecode (None: take
    back one that was not raised yet)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )


class JobLoop:
    """Runs jobs from :attr:`jobs` in the calling thread, one at a time;
    :meth:`cancel` (from any thread) stops the one running if it is ``seq``."""

    def __init__(self, send: Callable[[tuple[Any, ...]], None]) -> None:
        self.send = send
        from lossflint.lsp.jobs import Runner  # the linter: loaded here, not in the server

        self.jobs: queue.Queue[tuple[int, Job] | None] = queue.Queue()
        self.runner = Runner()
        self._lock = threading.Lock()
        self._running: int | None = None
        self._thread: int | None = None
        self._cancelled: set[int] = set()

    def warm_up(self) -> None:
        """Import and build everything a job needs before any can be cancelled."""
        source = "import torch\nx = torch.log(torch.softmax(y, 1))\n"
        notebook = notebook_json([("code", source, None)], {})
        for kind, text, name in (
            (LINT, source + "if x\n", "w.py"),  # and the half-typed line
            (FIX_ALL, source, "w.py"),
            (NOTEBOOK, notebook, "w.ipynb"),
        ):
            self.runner.run(Job(kind, text, None, name))
        self.runner.cache.clear()

    def cancel(self, seq: int) -> None:
        with self._lock:
            self._cancelled.add(seq)
            if self._running == seq and self._thread is not None:
                # not while the job starts a parse thread: that thread has
                # the job's thread id until it runs, and would die of it
                with no_thread_starting():
                    _raise_in(self._thread, Superseded)

    def _finish(self) -> None:
        with self._lock:
            if self._running is not None and self._thread is not None:
                _raise_in(self._thread, None)  # a cancel that came too late
            self._running = None

    def run_forever(self) -> None:
        self._thread = threading.get_ident()
        while True:
            item = self.jobs.get()
            if item is None:
                return
            seq, job = item
            try:
                with self._lock:
                    if seq in self._cancelled:
                        self._cancelled.discard(seq)
                        raise Superseded
                    self._running = seq
                try:
                    started, cpu = time.perf_counter(), time.process_time()
                    outcome = self.runner.run(job)
                    outcome.seconds = time.perf_counter() - started
                    outcome.cpu_seconds = time.process_time() - cpu
                finally:
                    self._finish()
                self.send(("done", seq, outcome))
            except Superseded:
                self._finish()
                self._cancelled.discard(seq)
                self.send(("cancelled", seq))
            except Exception as exc:  # a bug of ours: the job fails, the loop goes on
                from lossflint.linter import describe_exception

                self.send(
                    ("done", seq, Outcome(notices=[f"internal error: {describe_exception(exc)}"]))
                )


def worker_main() -> None:
    """``python -m lossflint.lsp.worker``: the worker process."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray output is not a frame
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            write_frame(out, message)

    loop = JobLoop(send)
    loop.warm_up()
    send(("ready",))

    def read() -> None:
        while True:
            message = read_frame(sys.stdin.buffer)
            if message is None:
                # the server is gone (killed, or closed us): nobody wants the
                # job running, and a job that never ends would keep this
                # process -- and the editor's pipes it holds -- alive forever
                os._exit(0)
            if message[0] == "job":
                loop.jobs.put((message[1], message[2]))
            elif message[0] == "cancel":
                loop.cancel(message[1])

    threading.Thread(target=read, daemon=True).start()
    loop.run_forever()
    os._exit(0)  # the reader thread may still wait on stdin


# --- the server's side ----------------------------------------------------------------

Deliver = Callable[[tuple[Any, ...]], None]


class Mailbox:
    """Delivery for a worker started before the server's event loop runs:
    messages are held until :meth:`attach` names where they go."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: list[tuple[Any, ...]] = []
        self._to: Deliver | None = None

    def __call__(self, message: tuple[Any, ...]) -> None:
        with self._lock:
            if self._to is None:
                self._held.append(message)
                return
            self._to(message)

    def attach(self, to: Deliver) -> None:
        with self._lock:
            held, self._held, self._to = self._held, [], to
            for message in held:
                to(message)


class ProcessWorker:
    """The worker process seen from the server: ``submit``, ``cancel``, and
    every message back (``ready``/``done``/``cancelled``/``died``) handed to
    ``deliver`` from a reader thread."""

    kind = "process"

    def __init__(self, deliver: Deliver) -> None:
        self.deliver = deliver
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lossflint.lsp.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            try:
                message = read_frame(self.proc.stdout)
            except Exception:
                message = None
            if message is None:
                self.proc.wait()
                self.deliver(("died", self.proc.returncode))
                return
            self.deliver(message)

    def _send(self, message: tuple[Any, ...]) -> None:
        assert self.proc.stdin is not None
        with self._lock:
            try:
                write_frame(self.proc.stdin, message)
            except (OSError, ValueError):
                pass  # it died: the reader reports it

    def submit(self, seq: int, job: Job) -> None:
        self._send(("job", seq, job))

    def cancel(self, seq: int) -> None:
        self._send(("cancel", seq))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class ThreadWorker:
    """The same, in a thread of the server process."""

    kind = "thread"

    def __init__(self, deliver: Deliver) -> None:
        self.deliver = deliver
        self.loop = JobLoop(deliver)

        def run() -> None:
            self.loop.warm_up()
            deliver(("ready",))
            self.loop.run_forever()

        threading.Thread(target=run, name="lossflint-lint", daemon=True).start()

    def submit(self, seq: int, job: Job) -> None:
        self.loop.jobs.put((seq, job))

    def cancel(self, seq: int) -> None:
        self.loop.cancel(seq)

    def stop(self) -> None:
        self.loop.jobs.put(None)


def start_worker(deliver: Deliver, thread: bool = False) -> ProcessWorker | ThreadWorker:
    if thread or os.environ.get("LOSSFLINT_LSP_WORKER", "process") == "thread":
        return ThreadWorker(deliver)
    try:
        return ProcessWorker(deliver)
    except OSError:
        return ThreadWorker(deliver)


if __name__ == "__main__":
    worker_main()
