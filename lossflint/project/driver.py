"""The project side of a run, for every entry point.

A :class:`ProjectSession` holds the project's layout and its summary store
(one per process: the CLI's main process and each worker, the flake8 plugin,
the language server). Linting a file *in* the session activates a
:class:`~lossflint.project.context.ProjectContext` for it, so the analysis can
read the modules it imports; afterwards ``deps`` are the summaries it used
(transitively, module → summary hash).

Cache validity: a cached result of ``train.py`` is served only while its bytes
and those summaries are unchanged. :class:`ResultDeps` keeps, next to the
result cache, each file's content hash, its deps and the content hash of each
dependency's bytes. :meth:`ProjectRun.cached_result_holds` checks the bytes
first (one read and sha256 per dependency and run, nothing parsed or loaded:
the warm run of a project where nothing changed); only when some dependency's
bytes changed are the summaries re-checked (:meth:`ProjectSession.still_valid`:
the changed module is re-summarised, and only a changed *summary* invalidates
the result: a comment edited in ``models/net.py`` does not re-lint
``train.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lossflint.atomic import write_text_atomic
from lossflint.project.context import ProjectContext, active
from lossflint.project.layout import Layout
from lossflint.project.store import SummaryStore
from lossflint.project.summary_cache import SummaryBackend, SummaryCache

if TYPE_CHECKING:
    from lossflint.cache import ResultCache

DEPS_FORMAT = 2


class ProjectSession:
    def __init__(
        self,
        layout: Layout,
        cache: SummaryCache | None = None,
        overlays: dict[str, str] | None = None,
    ) -> None:
        self.layout = layout
        self.cache = cache
        self.store = SummaryStore(layout, cache, overlays)

    @classmethod
    def for_files(
        cls,
        files: list[Path],
        cache_folder: Path | None = None,
        overlays: dict[str, str] | None = None,
        root: Path | None = None,
    ) -> ProjectSession:
        layout = Layout(root) if root is not None else Layout.for_paths(files)
        cache = SummaryCache(cache_folder) if cache_folder is not None else None
        return cls(layout, cache, overlays)

    def spec(self) -> tuple[Path, Path | None]:
        """What a worker process needs to rebuild this session (picklable)."""
        return self.layout.root, self.cache.cache_folder if self.cache is not None else None

    @classmethod
    def from_spec(
        cls, spec: tuple[Path, Path | None], shared: SummaryBackend | None = None
    ) -> ProjectSession:
        """The session of a worker process; ``shared`` (built by the pool over
        the spec's cache folder, or the run's supervisor without one) is where
        its store keeps and looks up summaries."""
        root, folder = spec
        session = cls(Layout(root), SummaryCache(folder) if folder is not None else None)
        if shared is not None:
            session.store.cache = shared
        return session

    # --- linting a file ----------------------------------------------------------

    @contextmanager
    def linting(self, path: Path | str) -> Iterator[ProjectContext | None]:
        """Activate the project for the lint of ``path`` (nothing for a file
        outside the project: it is linted on its own)."""
        context: ProjectContext | None = ProjectContext(
            self.store, Path(os.path.abspath(path)), lint=True
        )
        if context is not None and context.rel is None:
            context = None
        with active(context):
            yield context

    def deps(self, context: ProjectContext | None) -> dict[str, str]:
        """The summaries a lint used, transitively (module → summary hash)."""
        if context is None:
            return {}
        # a module that was still being computed (an import cycle through the
        # reported file) gave nothing: the result does not depend on it
        used = {
            rel: digest for rel, digest in context.used.items() if rel != context.rel and digest
        }
        return self.store.closure(used)

    def dep_contents(self, deps: dict[str, str]) -> dict[str, str]:
        """The content token (sha256 of the bytes) of each module of ``deps``
        as this session read it; empty when one is not known."""
        return self.store.content_tokens(list(deps)) or {}

    def still_valid(self, deps: dict[str, str]) -> bool:
        return self.store.still_valid(deps)

    def set_overlay(self, path: str, text: str | None) -> None:
        self.store.set_overlay(path, text)


# --- the deps of cached results -------------------------------------------------


class ResultDeps:
    """Per linted file: its content hash, the summaries its result used and
    the content hashes of those modules' bytes (``files``).

    Kept beside the result cache (``deps-<namespace>-<root>.json`` in the same
    folder, same namespace, one file per project root: runs over different
    projects sharing a cache folder never drop each other's records): an entry of the result cache is served only while the
    summaries recorded for the same bytes still hold. Only results that used
    other modules have a record (the result cache's namespace covers the code,
    so its entries were written by a version that records them). Written
    atomically, merged with what other runs wrote meanwhile.
    """

    def __init__(self, folder: Path, namespace: str, root: Path) -> None:
        root_key = hashlib.sha256(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        self.path = folder / f"deps-{namespace}-{root_key}.json"
        self.root = str(root)
        self.entries: dict[str, dict[str, Any]] = self._read()
        self.new: dict[str, dict[str, Any]] = {}

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            with self.path.open("rb") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return {}
        if (
            type(data) is not dict
            or data.get("format") != DEPS_FORMAT
            or data.get("root") != self.root
            or type(data.get("files")) is not dict
        ):
            return {}
        return {k: v for k, v in data["files"].items() if _record_ok(k, v)}

    def get(self, file_key: str, sha: str) -> dict[str, str] | None:
        record = self.entries.get(file_key)
        if record is None or record["sha256"] != sha:
            return None
        return dict(record["deps"])

    def contents(self, file_key: str, sha: str) -> dict[str, str] | None:
        """The content hash of each dependency when the result was made (None
        when not recorded for these bytes)."""
        record = self.entries.get(file_key)
        if record is None or record["sha256"] != sha or "files" not in record:
            return None
        return dict(record["files"])

    def store(
        self,
        file_key: str,
        sha: str,
        deps: dict[str, str],
        contents: dict[str, str] | None = None,
    ) -> None:
        record: dict[str, Any] = {"sha256": sha, "deps": dict(sorted(deps.items()))}
        if contents and contents.keys() == deps.keys():
            record["files"] = dict(sorted(contents.items()))
        self.new[file_key] = record

    def save(self) -> None:
        if not self.new:
            return
        try:
            merged = self._read()
            merged.update(self.new)
            merged = {k: v for k, v in merged.items() if k in self.new or os.path.exists(k)}
            payload = json.dumps(
                {"format": DEPS_FORMAT, "root": self.root, "files": merged},
                separators=(",", ":"),
            )
            if not self.path.parent.is_dir():
                return  # the result cache makes (and marks) the folder
            write_text_atomic(self.path, payload)
        except (OSError, ValueError):
            return
        self.entries = merged
        self.new = {}


def _record_ok(key: Any, record: Any) -> bool:
    if type(key) is not str or type(record) is not dict:
        return False
    if set(record) not in ({"sha256", "deps"}, {"sha256", "deps", "files"}):
        return False
    files = record["files"] if "files" in record else record["deps"]
    return (
        type(record["sha256"]) is str
        and _str_map(record["deps"])
        and _str_map(files)
        and files.keys() == record["deps"].keys()
    )


def _str_map(value: Any) -> bool:
    return type(value) is dict and all(
        type(k) is str and type(v) is str and v for k, v in value.items()
    )


class ProjectRun:
    """The project side of ``parallel.run_files``: one session in the main
    process (checking cached results), the deps of each result, and what the
    workers need to build their own session."""

    def __init__(self, files: list[Path], cache: ResultCache | None = None) -> None:
        folder = cache.folder if cache is not None else None
        self.session = ProjectSession.for_files(files, folder)
        self.deps: ResultDeps | None = None
        if cache is not None:
            key = cache.path.stem.removeprefix("results-")
            self.deps = ResultDeps(cache.folder, key, self.session.layout.root)
        #: content token of each dependency read in this run (read once per run)
        self._tokens: dict[str, str | None] = {}

    def cached_result_holds(self, path: Path, sha: str) -> bool:
        """Whether a cached result of ``path`` (with these bytes) may be served:
        the modules it used have the bytes they had, or else their summaries
        still have the hashes recorded with it."""
        if self.deps is None:
            return False
        key = os.path.abspath(path)
        deps = self.deps.get(key, sha)
        if deps is None:
            # no record for these bytes: the result used no other module (the
            # result cache's namespace covers the code, so it was written by
            # this version, which records every result that used one)
            return True
        contents = self.deps.contents(key, sha)
        if contents is not None and all(
            self._token(rel) == token for rel, token in contents.items()
        ):
            # the same bytes everywhere and the same code: the same result
            # (no summary is loaded, nothing is parsed)
            return True
        try:
            holds = self.session.still_valid(deps)
        except RecursionError:
            return False
        if holds:
            # the same summaries from other bytes: record those bytes, so the
            # next run is warm again without loading a summary
            self.deps.store(key, sha, deps, self.session.dep_contents(deps))
        return holds

    def _token(self, rel: str) -> str | None:
        if rel not in self._tokens:
            self._tokens[rel] = self.session.store.content_token(rel)
        return self._tokens[rel]

    def record(
        self, path: Path, sha: str, deps: dict[str, str], contents: dict[str, str] | None = None
    ) -> None:
        """Keep the deps of a new result (only results that used other modules
        have a record) and the content hash of each dependency's bytes as the
        lint read them."""
        if self.deps is not None and deps:
            self.deps.store(os.path.abspath(path), sha, deps, contents)

    def save(self) -> None:
        if self.deps is not None:
            self.deps.save()
