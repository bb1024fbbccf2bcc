"""Module summaries on disk, addressed by content.

One small JSON file per summary under the cache folder of the run (the folder
:func:`lossflint.cache.cache_folder` names)::

    <cache>/summaries/<namespace>/<key[:2]>/<key>.json

``namespace`` is a hash of the summary format, the lossflint version and the
code of the analysis (``lossflint/analysis`` and ``lossflint/project``, not
the rules: changing a rule does not invalidate summaries). ``key`` is a hash
of the module's path in the project and the sha256 of its bytes. An entry also
records the summaries it was computed from (``deps``: module → summary hash);
it is valid only while each of those still has that hash, which the store
checks (:class:`lossflint.project.store.SummaryStore`).

Because entries are content-addressed and never edited, several processes
(the workers of one run, or sharded CI jobs sharing the folder through a CI
cache) can write the same entry at the same time: each write is a temporary
file hard-linked into place, and the first writer wins (a module inside a
big import cycle can be summarised with more or fewer facts depending on
where the cycle was entered; every process then adopts the entry on disk). Nothing is
pickled: loading an entry runs no code, and an entry that is not exactly what
this module writes is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lossflint.code_digest import source_digest
from lossflint.project import digests
from lossflint.project.summary import (
    SUMMARY_FORMAT,
    BadSummary,
    ModuleSummary,
    summary_from_json,
    summary_hash,
    summary_to_json,
)
from lossflint.version import __version__

#: an entry bigger than this is not a summary (they are a few kB)
MAX_ENTRY_BYTES = 4 * 1024 * 1024


def _analysis_fingerprint() -> str:
    """The summary format, the version, and the bytes of every module
    summaries are computed by (the same on every machine with the same
    lossflint: sharded CI jobs share entries)."""
    parts = [str(SUMMARY_FORMAT), __version__, source_digest("analysis", "project")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def entry_key(rel: str, content_sha: str) -> str:
    return hashlib.sha256(f"{rel}\0{content_sha}".encode()).hexdigest()


@dataclass(frozen=True)
class CachedSummary:
    summary: ModuleSummary
    #: summary hashes of the modules it was computed from (relative paths)
    deps: dict[str, str]
    hash: str


class SummaryBackend(Protocol):
    """Where a store keeps the summaries it computed and looks for them first:
    :class:`SummaryCache` (a folder), or the run's supervisor when there is no
    folder (:class:`lossflint.project.summary_exchange.ExchangeClient`)."""

    def get(self, rel: str, content_sha: str) -> CachedSummary | None: ...

    def put(
        self, rel: str, content_sha: str, summary: ModuleSummary, deps: dict[str, str]
    ) -> None: ...


class SummaryCache:
    """Read and write summary entries of one namespace under ``folder``
    (the run's cache folder)."""

    def __init__(self, folder: Path, namespace: str | None = None) -> None:
        self.cache_folder = folder
        self._namespace = namespace
        self.hits = 0
        self.misses = 0
        self.writes = 0

    @property
    def namespace(self) -> str:
        # on first use: a warm run that loads no summary never stats the code
        if self._namespace is None:
            self._namespace = _analysis_fingerprint()
        return self._namespace

    @property
    def folder(self) -> Path:
        return self.cache_folder / "summaries" / self.namespace

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, rel: str, content_sha: str) -> CachedSummary | None:
        key = entry_key(rel, content_sha)
        data = _read_json(self._path(key))
        try:
            found = _entry_from_json(data, rel, content_sha)
        except (BadSummary, KeyError, TypeError, ValueError):
            found = None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, rel: str, content_sha: str, summary: ModuleSummary, deps: dict[str, str]) -> None:
        """Write an entry; never raises for I/O problems (a summary that cannot
        be stored is recomputed next time)."""
        payload = json.dumps(
            {
                "format": SUMMARY_FORMAT,
                "file": rel,
                "sha256": content_sha,
                "deps": dict(sorted(deps.items())),
                "summary": summary_to_json(summary),
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        target = self._path(entry_key(rel, content_sha))
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(payload)
                # the first writer wins: workers that computed the same module
                # at the same time then all read that one (same facts everywhere)
                try:
                    os.link(tmp, target)
                except FileExistsError:
                    pass
                except OSError:  # no hard links here: last writer wins instead
                    os.replace(tmp, target)
                    tmp = ""
                if tmp:
                    os.unlink(tmp)
            except BaseException:
                try:
                    if tmp:
                        os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, ValueError):
            return
        self.writes += 1

    _prepared = False

    def _prepare(self) -> None:
        """Create the cache folder the way the result cache does (marked with
        ``.gitignore`` and ``CACHEDIR.TAG`` when lossflint makes it)."""
        if self._prepared:
            return
        self._prepared = True
        if self.cache_folder.is_dir():
            return
        from lossflint.cache import ResultCache

        results = ResultCache(self.cache_folder, "summaries")
        if results._make_folder():  # noqa: SLF001 -- same folder logic as the result cache
            results._mark_folder()  # noqa: SLF001


def _read_json(path: Path) -> Any:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            raw = handle.read(MAX_ENTRY_BYTES + 1)
        return json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)


def _entry_from_json(data: Any, rel: str, content_sha: str) -> CachedSummary | None:
    if type(data) is not dict or set(data) != {"format", "file", "sha256", "deps", "summary"}:
        return None
    if data["format"] != SUMMARY_FORMAT or data["file"] != rel or data["sha256"] != content_sha:
        return None
    deps = data["deps"]
    if type(deps) is not dict or not all(
        type(k) is str and type(v) is str and _digest_ok(v) for k, v in deps.items()
    ):
        return None
    summary = summary_from_json(data["summary"])
    if summary.file != rel:
        return None
    return CachedSummary(summary, dict(deps), summary_hash(summary))


def _digest_ok(digest: str) -> bool:
    """One of the forms of :mod:`lossflint.project.digests`."""
    return digests.parse(digest) is not None
