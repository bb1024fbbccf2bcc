"""A lint cancelled while it starts its parse thread does not hang the
language server's worker.

The worker cancels a superseded job by raising an exception in its thread
(``PyThreadState_SetAsyncExc``, :mod:`lossflint.lsp.worker`). CPython
(3.11) gives a thread being started the *starting* thread's id until the
new thread runs, and the exception goes to every thread with that id: the
parse thread of :func:`lossflint.parse_guard.call_with_big_stack` could
die before it began, and ``Thread.start()`` then waited for it forever (the
benchmark's burst of typing stalled the worker, found by
benchmarks/lsp_bench.py)."""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections.abc import Callable

from lossflint import parse_guard


class Cancelled(BaseException):
    pass


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )


def _within(seconds: float, body: Callable[[], None]) -> None:
    """``body()`` in a thread of its own, failed if it is not done in time
    (a parse thread that hangs holds the parse lock: this one must not wait
    for it unboundedly)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "it hangs"
    if failure:
        raise failure[0]


def test_raising_under_the_lock_kills_no_parse_thread() -> None:
    """A thread parses again and again while another raises into it every
    half millisecond, under the lock: no parse thread dies, nothing hangs."""
    rounds = 3000
    results = {"parsed": 0, "cancelled": 0}
    died: list[object] = []

    def parse_again_and_again() -> None:
        for _ in range(rounds):
            try:
                assert parse_guard.call_with_big_stack(len, "x = 1\n") == 6
                results["parsed"] += 1
            except Cancelled:
                results["cancelled"] += 1

    def cancel_meanwhile() -> None:
        worker = threading.Thread(target=parse_again_and_again, daemon=True)
        worker.start()
        assert worker.ident is not None
        while worker.is_alive():
            with parse_guard.no_thread_starting():
                _raise_in(worker.ident, Cancelled)
            time.sleep(0.0005)

    hook = sys.unraisablehook
    sys.unraisablehook = died.append
    try:
        _within(60, cancel_meanwhile)
    finally:
        sys.unraisablehook = hook
    assert died == []
    assert results["parsed"] + results["cancelled"] == rounds
    assert results["cancelled"] > 0


def test_the_worker_survives_cancels_while_it_parses() -> None:
    """The worker's own loop: every job cancelled at some point of its run,
    parse threads being started meanwhile; every job answers."""
    from lossflint.lsp.messages import LINT, Job
    from lossflint.lsp.worker import JobLoop

    answers: dict[int, str] = {}
    jobs = 400

    def submit_and_cancel() -> None:
        loop = JobLoop(lambda message: answers.__setitem__(message[1], message[0]))
        loop.warm_up()
        runner = threading.Thread(target=loop.run_forever, daemon=True)
        runner.start()
        for seq in range(1, jobs + 1):
            text = f"import torch\nx = torch.log(torch.softmax(y, {seq}))\n"
            loop.jobs.put((seq, Job(LINT, text, None, "t.py")))
            time.sleep((seq % 7) * 0.0007)
            loop.cancel(seq)
        loop.jobs.put(None)
        runner.join()

    _within(90, submit_and_cancel)
    assert sorted(answers) == list(range(1, jobs + 1))
