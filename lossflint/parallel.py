"""Linting many files: result cache, process pool, progress.

``run_files`` is what :func:`lossflint.runner.run` delegates to:

1. With the cache on, every file is read and hashed in this process; files
   whose hash matches a cached entry take their diagnostics from the cache.
2. The remaining files are linted: in this process when there are few of
   them (starting workers costs more than it saves) or ``jobs == 1``,
   otherwise by a pool of ``jobs`` processes. Each worker builds its
   ``RuleSet`` and pre-filter once (pool initializer) and receives files in
   chunks, so per-file overhead is a function call.
3. Results are merged and sorted (deterministic output whatever the order
   the workers finish in); new results are written to the cache, except for
   files that hit an internal error (those are retried next run).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import IO, TYPE_CHECKING

from lossflint.cache import ResultCache, digest
from lossflint.config import Settings
from lossflint.diagnostics import Diagnostic
from lossflint.linter import InternalError, LintResult, RuleSet
from lossflint.prefilter import Prefilter

if TYPE_CHECKING:
    from lossflint.runner import RunResult

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

    def __init__(self, settings: Settings, use_prefilter: bool = True) -> None:
        self.settings = settings
        self.ruleset = RuleSet(settings.enabled_codes(), settings.options)
        self.prefilter = Prefilter(self.ruleset) if use_prefilter else None
        self.linted = 0

    def lint(self, path: Path) -> tuple[str | None, LintResult]:
        """The file's content hash (None if unreadable) and its results."""
        from lossflint.runner import display_name, lint_bytes, lint_file

        try:
            data = path.read_bytes()
        except OSError:
            return None, lint_file(path, self.ruleset, self.settings)
        filename = display_name(path)
        try:
            result = lint_bytes(
                data,
                filename,
                self.ruleset,
                self.settings.ignored_for(path),
                prefilter=self.prefilter,
            )
        except Exception as exc:  # a bug outside the rules: report, go on
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            result = LintResult(
                errors=[
                    InternalError("lossflint", filename, f"{type(exc).__name__}: {exc} ({where})")
                ]
            )
        self.linted += 1
        return digest(data), result


_WORKER: Worker | None = None


def _init_worker(settings: Settings, use_prefilter: bool) -> None:
    global _WORKER
    _WORKER = Worker(settings, use_prefilter)


def _lint_chunk(chunk: list[tuple[int, Path]]) -> list[tuple[int, str | None, LintResult]]:
    assert _WORKER is not None
    out = []
    for index, path in chunk:
        sha, result = _WORKER.lint(path)
        out.append((index, sha, result))
    return out


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


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork: workers inherit the imported package and pay no start-up import
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _lint_in_pool(
    todo: list[tuple[int, Path]],
    settings: Settings,
    jobs: int,
    use_prefilter: bool,
    on_done: Callable[[int, str | None, LintResult], None],
) -> None:
    chunks = _chunks(todo, jobs)
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)),
        mp_context=_pool_context(),
        initializer=_init_worker,
        initargs=(settings, use_prefilter),
    ) as pool:
        futures: dict[Future[list[tuple[int, str | None, LintResult]]], list[tuple[int, Path]]]
        futures = {pool.submit(_lint_chunk, chunk): chunk for chunk in chunks}
        for future in as_completed(futures):
            try:
                results = future.result()
            except BrokenProcessPool as exc:
                # a worker died (killed, out of memory, a crash in native code)
                results = [
                    (i, None, _crashed(path, f"worker process died: {exc}"))
                    for i, path in futures[future]
                ]
            except Exception as exc:
                results = [
                    (i, None, _crashed(path, f"{type(exc).__name__}: {exc}"))
                    for i, path in futures[future]
                ]
            for index, sha, result in results:
                on_done(index, sha, result)


def _crashed(path: Path, message: str) -> LintResult:
    from lossflint.runner import display_name

    return LintResult(errors=[InternalError("lossflint", display_name(path), message)])


def run_files(
    files: Sequence[Path],
    settings: Settings,
    jobs: int | None = None,
    cache: ResultCache | None = None,
    progress: bool | None = None,
    use_prefilter: bool = True,
) -> RunResult:
    from lossflint.runner import RunResult, display_name

    jobs = default_jobs() if jobs is None or jobs < 1 else jobs
    out = RunResult(files=len(files))
    show = progress_wanted(len(files)) if progress is None else progress
    bar = Progress(len(files)) if show else None

    todo: list[tuple[int, Path]] = []
    for index, path in enumerate(files):
        cached: list[Diagnostic] | None = None
        if cache is not None:
            try:
                data = path.read_bytes()
            except OSError:
                data = None
            if data is not None:
                cached = cache.get(path, digest(data), display_name(path))
        if cached is None:
            todo.append((index, path))
        else:
            out.diagnostics.extend(cached)
            if bar is not None:
                bar.advance()

    def on_done(index: int, sha: str | None, result: LintResult) -> None:
        out.diagnostics.extend(result.diagnostics)
        out.errors.extend(result.errors)
        if cache is not None and sha is not None and not result.errors:
            cache.store(files[index], sha, result.diagnostics)
        if bar is not None:
            bar.advance()

    try:
        if jobs == 1 or len(todo) < MIN_FILES_FOR_POOL:
            worker = Worker(settings, use_prefilter)
            for index, path in todo:
                sha, result = worker.lint(path)
                on_done(index, sha, result)
        else:
            _lint_in_pool(todo, settings, jobs, use_prefilter, on_done)
    finally:
        if bar is not None:
            bar.close()
    if cache is not None:
        cache.save()
    out.diagnostics.sort(key=Diagnostic.sort_key)
    out.errors.sort(key=lambda e: (e.filename, e.code, e.message))
    return out
