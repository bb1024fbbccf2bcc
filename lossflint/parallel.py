"""Linting many files: result cache, process pool, progress.

:func:`run` (the CLI's and the API's entry) opens the result cache and calls
``run_files``:

1. With the cache on, every file is read and hashed in this process; files
   whose hash matches a cached entry take their diagnostics from the cache.
2. The remaining files are linted: in this process when there are few of
   them (starting workers costs more than it saves) or ``jobs == 1``,
   otherwise by ``jobs`` worker processes. Each worker builds its
   ``RuleSet`` and pre-filter once and receives files in chunks, so
   per-file overhead is a function call.
3. Results are merged and sorted (deterministic output whatever the order
   the workers finish in); new results are written to the cache, except for
   files that hit an internal error (those are retried next run).

One file never costs the others their results. A worker sends each file's
result as soon as it has it, so the supervisor (:func:`_lint_in_pool`)
always knows which file a worker is on:

- a worker that dies (a crash in native code, its memory limit) costs only
  that file: it is tried once more alone in a fresh process (the death may
  have come from outside), and if that dies too the file gets an
  internal-error line; the rest of the worker's chunk goes to another one;
- a file that takes longer than ``file_timeout`` seconds
  (:func:`lossflint.file_limits.file_timeout`) gets an internal-error line
  and its worker is replaced; the time counts from the last module the
  worker began summarising for the file (project analysis: a file whose
  imports reach a hundred modules is slow, not stuck);
- each worker may grow its address space by at most
  :data:`lossflint.file_limits.WORKER_MEMORY` (``RLIMIT_AS``);
- workers ignore Ctrl-C: the supervisor stops them all at once and the run
  ends with ``KeyboardInterrupt`` (exit 130).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO

from lossflint import node_speed
from lossflint.cache import ResultCache, digest
from lossflint.config import Settings
from lossflint.diagnostics import Diagnostic
from lossflint.file_limits import WORKER_MEMORY, file_timeout
from lossflint.linter import InternalError, LintResult, RuleSet, describe_exception
from lossflint.prefilter import Prefilter
from lossflint.project.driver import ProjectRun, ProjectSession
from lossflint.project.layout import marker_root
from lossflint.project.summary_cache import SummaryBackend, SummaryCache
from lossflint.project.summary_exchange import ASK, ExchangeClient, Heartbeat, SummaryExchange
from lossflint.runner import RunResult, display_name, lint_bytes, lint_file, read_regular_file

#: below this many files to lint, a pool costs more than it saves (a fork
#: plus a pickled result per file, against ~10-50 ms of linting per file)
MIN_FILES_FOR_POOL = 20
#: a progress line is shown for runs over this many files
PROGRESS_MIN_FILES = 300


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


# --- one file ----------------------------------------------------------------


class Worker:
    """What linting needs besides the file: built once per process."""

    def __init__(
        self,
        settings: Settings,
        use_prefilter: bool = True,
        project: ProjectSession | None = None,
    ) -> None:
        self.settings = settings
        self.ruleset = RuleSet(settings.enabled_codes(), settings.options)
        self.prefilter = Prefilter(self.ruleset) if use_prefilter else None
        #: the project the files belong to: what they import is read through it
        self.project = project
        self.linted = 0

    def lint(self, path: Path) -> tuple[str | None, LintResult, dict[str, str]]:
        """The file's content hash (None if unreadable), its results, and the
        content hash of each module whose summary the results used."""
        contents: dict[str, str] = {}
        try:
            data = read_regular_file(path)
        except OSError:
            return None, lint_file(path, self.ruleset, self.settings), contents
        filename = display_name(path)
        ignored = self.settings.ignored_for(path)
        try:
            if self.project is None:
                result = lint_bytes(data, filename, self.ruleset, ignored, self.prefilter)
            else:
                with self.project.linting(path) as context:
                    result = lint_bytes(data, filename, self.ruleset, ignored, self.prefilter)
                result.deps = self.project.deps(context)
                contents = self.project.dep_contents(result.deps)
        except Exception as exc:  # a bug outside the rules: report, go on
            error = InternalError("lossflint", filename, describe_exception(exc))
            result = LintResult(errors=[error])
        self.linted += 1
        return digest(data), result, contents


Chunk = list[tuple[int, Path]]


def _worker_main(
    conn: Connection,
    settings: Settings,
    use_prefilter: bool,
    project: tuple[Path, Path | None] | None = None,
) -> None:
    """A worker process: lint the chunks it is sent, one result per file;
    ``project`` rebuilds the run's project session (its own summary store)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor handles Ctrl-C
    _unblock_sigint()
    _limit_memory(WORKER_MEMORY)
    # a process of ours: libcst's nodes may hash and type-check in C here
    node_speed.enable()
    try:
        session = None
        if project is not None:
            # no cache folder: the summaries are shared through the supervisor
            folder = project[1]
            backend: SummaryBackend = (
                ExchangeClient(conn) if folder is None else Heartbeat(SummaryCache(folder), conn)
            )
            session = ProjectSession.from_spec(project, backend)
        worker = Worker(settings, use_prefilter, session)
        while True:
            chunk: Chunk | None = conn.recv()
            if chunk is None:
                return
            for index, path in chunk:
                sha, result, contents = worker.lint(path)
                try:
                    conn.send((index, sha, result, contents))
                except OSError:
                    raise
                except Exception as exc:  # cannot be pickled: nothing was sent
                    message = f"result cannot be sent: {type(exc).__name__}: {exc}"
                    conn.send((index, None, _crashed(path, message), {}))
    except (EOFError, OSError):
        return  # the supervisor is gone


def _limit_memory(extra: int) -> None:
    """Cap the address space at what is in use now plus ``extra`` bytes;
    past it allocations fail (MemoryError, or the process dies) instead of
    the machine swapping."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = in_use + extra
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError):
        pass  # not Linux, or not allowed: no cap


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Ctrl-C held back while a worker starts: it is delivered to this
    process afterwards, and the worker has ignored it by then (no
    KeyboardInterrupt traceback from a half-started worker)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _unblock_sigint() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# --- progress ------------------------------------------------------------------


def progress_wanted(total: int, stream: IO[str] | None = None) -> bool:
    """Only on an interactive terminal, never in CI or piped output."""
    stream = stream or sys.stderr
    if total < PROGRESS_MIN_FILES:
        return False
    if os.environ.get("CI") or os.environ.get("LOSSFLINT_NO_PROGRESS"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``lossflint: 1234/5966 files`` on one line of stderr, at most 10 updates/s."""

    def __init__(self, total: int, stream: IO[str] | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self._last = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last >= 0.1 or self.done >= self.total:
            self._last = now
            self.stream.write(f"\rlossflint: {self.done}/{self.total} files")
            self.stream.flush()

    def close(self) -> None:
        # erase the line so the findings and summary start clean
        self.stream.write("\r\033[K")
        self.stream.flush()


# --- many files -----------------------------------------------------------------


def _chunks(items: list[tuple[int, Path]], jobs: int) -> list[list[tuple[int, Path]]]:
    """About 8 chunks per worker (load balance against big files) of at most
    64 files (progress granularity)."""
    size = max(1, min(64, -(-len(items) // (jobs * 8))))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _pool_context() -> multiprocessing.context.DefaultContext | multiprocessing.context.ForkContext:
    # fork: workers inherit the imported package and pay no start-up import
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


@dataclass
class _Slot:
    """A worker process and the files sent to it that it has not answered."""

    process: BaseProcess
    conn: Connection
    pending: deque[tuple[int, Path]] = field(default_factory=deque)
    #: when the file in progress (``pending[0]``) was started
    since: float = 0.0

    def give(self, chunk: Chunk) -> None:
        self.conn.send(chunk)
        self.pending.extend(chunk)
        self.since = time.monotonic()

    def stop(self, kill: bool) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _lint_in_pool(
    todo: list[tuple[int, Path]],
    settings: Settings,
    jobs: int,
    use_prefilter: bool,
    on_done: Callable[[int, str | None, LintResult, dict[str, str]], None],
    timeout: float | None = None,
    project: tuple[Path, Path | None] | None = None,
) -> None:
    context = _pool_context()
    queue: deque[Chunk] = deque(_chunks(todo, jobs))
    exchange = SummaryExchange() if project is not None and project[1] is None else None
    slots: list[_Slot] = []
    retried: set[int] = set()  # files already given a second worker after a death

    def start(chunk: Chunk) -> None:
        parent, child = context.Pipe()
        process = context.Process(
            target=_worker_main, args=(child, settings, use_prefilter, project), daemon=True
        )
        with _sigint_blocked():
            process.start()
            slot = _Slot(process, parent)
            slots.append(slot)  # from here on, stopped whatever happens
        child.close()
        slot.give(chunk)

    def collect(slot: _Slot) -> None:
        """Take every result the worker has sent (it may have died since)."""
        while slot.pending:
            try:
                if not slot.conn.poll():
                    return
                message = slot.conn.recv()
                if SummaryExchange.is_message(message):
                    # a module summarised for the file: progress, not a hang
                    slot.since = time.monotonic()
                    if exchange is not None:
                        reply, entry = exchange.handle(message)
                        if reply:
                            slot.conn.send(entry)
                    elif message[0] == ASK:
                        slot.conn.send(None)
                    continue
                index, sha, result, contents = message
            except (EOFError, OSError):
                return
            while slot.pending and slot.pending[0][0] != index:
                slot.pending.popleft()  # cannot happen: results come in order
            slot.pending.popleft()
            on_done(index, sha, result, contents)
            slot.since = time.monotonic()

    try:
        while queue and len(slots) < jobs:
            start(queue.popleft())
        while slots:
            deadline = None
            if timeout:
                deadline = max(0.0, min(s.since for s in slots) + timeout - time.monotonic())
            wait([*(s.conn for s in slots), *(s.process.sentinel for s in slots)], deadline)
            for slot in list(slots):
                collect(slot)
                if not slot.pending:
                    if queue:
                        slot.give(queue.popleft())
                    else:
                        slots.remove(slot)
                        slot.stop(kill=False)
                    continue
                late = bool(timeout) and time.monotonic() - slot.since > (timeout or 0)
                if not late and slot.process.is_alive():
                    continue
                # the file in progress killed its worker, or took too long
                slots.remove(slot)
                slot.stop(kill=True)
                index, path = slot.pending.popleft()
                if slot.pending:
                    queue.appendleft(list(slot.pending))
                if late:
                    message = f"analysis timed out after {timeout:g} s; the run went on without it"
                    on_done(index, None, _crashed(path, message), {})
                elif index not in retried:
                    retried.add(index)
                    queue.appendleft([(index, path)])
                else:
                    code = slot.process.exitcode
                    message = f"the analysis crashed ({_death(code)}); the run went on without it"
                    on_done(index, None, _crashed(path, message), {})
                if queue:
                    start(queue.popleft())
    finally:
        for slot in slots:  # Ctrl-C or a bug here: nothing is left running
            slot.stop(kill=True)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"worker process killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            pass
    return f"worker process exited with code {exitcode}"


def _crashed(path: Path, message: str) -> LintResult:
    return LintResult(errors=[InternalError("lossflint", display_name(path), message)])


def project_groups(files: Sequence[Path]) -> list[list[Path]]:
    """``files`` by project root (``layout.find_root`` of each: the nearest
    folder above it with a root marker), in order of first appearance; the
    files with no marker above them make one group, as before (their root is
    the folder they share)."""
    groups: dict[Path | None, list[Path]] = {}
    by_folder: dict[str, Path | None] = {}
    for path in files:
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in by_folder:
            by_folder[folder] = marker_root(Path(folder))
        groups.setdefault(by_folder[folder], []).append(path)
    return list(groups.values())


def run_files(
    files: Sequence[Path],
    settings: Settings,
    jobs: int | None = None,
    cache: ResultCache | None = None,
    progress: bool | None = None,
    use_prefilter: bool = True,
    timeout: float | None = None,
    project: bool = True,
) -> RunResult:
    """``timeout``: seconds per file in worker processes (default:
    :func:`lossflint.file_limits.file_timeout`; 0: none). With ``project``,
    the project modules the files import are read for facts, and a cached
    result is served only while the summaries it used hold
    (docs/project-analysis.md)."""
    jobs = default_jobs() if jobs is None or jobs < 1 else jobs
    groups = project_groups(files) if project else [list(files)]
    if len(groups) > 1:
        # several projects (a monorepo of them, a folder of examples): each is
        # read through its own root, or the imports of all but one resolve to nothing
        out = RunResult(files=len(files))
        for group in groups:
            part = run_files(group, settings, jobs, cache, progress, use_prefilter, timeout)
            out.diagnostics += part.diagnostics
            out.errors += part.errors
        out.diagnostics.sort(key=Diagnostic.sort_key)
        out.errors.sort(key=lambda e: (e.filename, e.code, e.message))
        return out
    run_project = ProjectRun(list(files), cache) if project and files else None
    out = RunResult(files=len(files))
    show = progress_wanted(len(files)) if progress is None else progress
    bar = Progress(len(files)) if show else None

    todo: list[tuple[int, Path]] = []
    for index, path in enumerate(files):
        cached: list[Diagnostic] | None = None
        if cache is not None:
            try:
                data = read_regular_file(path)
            except OSError:
                data = None
            if data is not None:
                content_sha = digest(data)
                cached = cache.get(path, content_sha, display_name(path))
                if cached is not None and run_project is not None:
                    if not run_project.cached_result_holds(path, content_sha):
                        cached = None
        if cached is None:
            todo.append((index, path))
        else:
            out.diagnostics.extend(cached)
            if bar is not None:
                bar.advance()

    def on_done(index: int, sha: str | None, result: LintResult, contents: dict[str, str]) -> None:
        out.diagnostics.extend(result.diagnostics)
        out.errors.extend(result.errors)
        if cache is not None and sha is not None and not result.errors:
            if run_project is not None:
                run_project.record(files[index], sha, result.deps, contents)
            cache.store(files[index], sha, result.diagnostics)
        if bar is not None:
            bar.advance()

    try:
        if not todo:
            pass  # everything from the cache: no rule set, no worker
        elif jobs == 1 or len(todo) < MIN_FILES_FOR_POOL:
            session = run_project.session if run_project is not None else None
            worker = Worker(settings, use_prefilter, session)
            for index, path in todo:
                sha, result, contents = worker.lint(path)
                on_done(index, sha, result, contents)
        else:
            limit = file_timeout() if timeout is None else timeout
            spec = run_project.session.spec() if run_project is not None else None
            _lint_in_pool(
                todo, settings, jobs, use_prefilter, on_done, limit if limit > 0 else None, spec
            )
    finally:
        if bar is not None:
            bar.close()
    if cache is not None:
        cache.save()
        if run_project is not None:
            run_project.save()
    out.diagnostics.sort(key=Diagnostic.sort_key)
    out.errors.sort(key=lambda e: (e.filename, e.code, e.message))
    return out


def run(
    files: list[Path],
    settings: Settings,
    jobs: int | None = 1,
    use_cache: bool = False,
    cache_dir: str | None = None,
    progress: bool | None = False,
) -> RunResult:
    """Lint ``files`` with the result cache when ``use_cache`` (``jobs=None``
    means one worker per core)."""
    cache = ResultCache.for_settings(settings, cache_dir) if use_cache else None
    return run_files(files, settings, jobs=jobs, cache=cache, progress=progress)
