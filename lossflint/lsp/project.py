"""The project as the language server's worker sees it: the files on disk,
overlaid with the unsaved text of the documents open in the editor.

Each job gets a fresh :class:`~lossflint.project.driver.ProjectSession`
(layout and summary store) for its file's project root, so a file saved,
added or deleted since the last job counts at once; what stays between jobs
is :class:`MemorySummaries`, summaries by module and content, so an unchanged
imported module is not summarised again. Nothing is written to disk (an
editor never leaves a cache folder behind).

A result kept by the worker's result cache remembers the summaries it used
(``deps``); it is served again only while they still hold -- editing
``models/net.py`` in the editor, unsaved, changes what ``train.py`` shows.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

from lossflint.project.driver import ProjectSession
from lossflint.project.layout import Layout, find_root
from lossflint.project.summary import ModuleSummary, summary_hash
from lossflint.project.summary_cache import CachedSummary


class MemorySummaries:
    """Summaries by (module, content hash), the most recent :attr:`size`
    (the summary store's cache interface, in memory)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], CachedSummary] = OrderedDict()

    def get(self, rel: str, content_sha: str) -> CachedSummary | None:
        found = self._items.get((rel, content_sha))
        if found is not None:
            self._items.move_to_end((rel, content_sha))
        return found

    def put(self, rel: str, content_sha: str, summary: ModuleSummary, deps: dict[str, str]) -> None:
        # the newest wins: the store checks an entry's deps before using it, and
        # the editor's newest text is what the next job most likely reads again
        self._items[(rel, content_sha)] = CachedSummary(summary, dict(deps), summary_hash(summary))
        self._items.move_to_end((rel, content_sha))
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class EditorProjects:
    """One summary memory per project root; a session per job."""

    def __init__(self) -> None:
        self._memories: dict[Path, MemorySummaries] = {}

    def session(self, path: str, overlays: dict[str, str]) -> ProjectSession:
        """The project of ``path`` as the editor shows it: ``overlays`` maps
        open documents' paths to their unsaved text."""
        root = find_root([Path(path)])
        memory = self._memories.get(root)
        if memory is None:
            memory = self._memories[root] = MemorySummaries()
        # the store's cache interface is structural: a memory serves as well
        session = ProjectSession(Layout(root), memory)  # type: ignore[arg-type]
        for file, text in overlays.items():
            if os.path.isabs(file):
                session.set_overlay(file, text)
        return session
