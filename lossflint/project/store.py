"""The summaries of one run (or one worker process): computed on demand,
once per module, from the disk cache when it is still valid.

``SummaryStore.get(module)`` gives the summary of a project module:

1. from memory, if this process already has it;
2. from the disk cache (:mod:`lossflint.project.summary_cache`), when the
   entry for the module's current bytes exists and every summary it was
   computed from still has the hash it had then;
3. else computed: read, decode, parse (libcst), analyse and summarise, with a
   :class:`~lossflint.project.context.ProjectContext` active so that the
   module's own imports are read through *their* summaries. What it consults
   is recorded as its ``deps``.

Import cycles: a module asked for while it is being computed gives its
provisional summary (none in the first round: nothing known, so silence).
When the outermost module of a small cycle (``MAX_SETTLED_CYCLE`` modules) is
done, the modules of the cycle are recomputed against each other's summaries
until none changes, at most ``MAX_ROUNDS`` times; a module still changing
after that gets an empty summary (unknown means silence). A bigger cycle (a
library whose modules import each other) keeps its first round: cheaper, and
what was unknown there stays silent. Everything is bounded: recursion depth
(``MAX_DEPTH`` modules deep: beyond, a module is unknown), bytes read per
module (``MAX_MODULE_BYTES``).
"""

from __future__ import annotations

import ast
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lossflint.project import digests, notebooks
from lossflint.project.digests import ITEM_SEPARATOR, item_key
from lossflint.project.exports import UNKNOWN_EXPORTS, Exports, module_exports, parse_syntax
from lossflint.project.items import ItemPlan, item_plan, item_text
from lossflint.project.layout import Layout, Module
from lossflint.project.summary import CallRecord, ModuleSummary, empty_summary, summary_hash
from lossflint.project.summary_cache import CachedSummary, SummaryBackend

if TYPE_CHECKING:
    from lossflint.project.context import ProjectContext

#: rounds over an import cycle before its summaries are given up
MAX_ROUNDS = 3
#: import cycles up to this many modules are settled to a fixed point
MAX_SETTLED_CYCLE = 8
#: modules computed inside one another (imports of imports ...); deeper is
#: unknown. Facts rarely travel further (train.py → models/__init__ → net.py →
#: layers.py), and a library whose modules all import each other would
#: otherwise have every lint summarise most of the library first
MAX_DEPTH = 4
#: a module bigger than this is generated data, not code to learn facts from
MAX_MODULE_BYTES = 4 * 1024 * 1024
#: parsed modules kept for their exports and item plan
_KEPT_TREES = 4
#: the content token of a module that gave no bytes to summarise
UNREADABLE = "-"

#: ``summarize(text, module, context) -> ModuleSummary``: parse and summarise
Summarizer = Callable[[str, Module, "ProjectContext"], ModuleSummary]


@dataclass
class _Computing:
    module: Module
    #: the module's path, or ``path::item`` for an item summary
    key: str
    #: this computation read a provisional summary (a module of a cycle)
    provisional: bool = False
    cycle_members: set[str] = field(default_factory=set)


def file_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class PinnedCalls:
    """A module's call records with its parameters pinned by its callers
    (:meth:`SummaryStore.pinned_calls`), and what computing them read."""

    records: tuple[CallRecord, ...]
    #: module → digest of what was used of it (``ProjectContext.used``)
    used: dict[str, str]
    read_keys: frozenset[str]
    hash: str


class SummaryStore:
    def __init__(
        self,
        layout: Layout,
        cache: SummaryBackend | None = None,
        overlays: dict[str, str] | None = None,
        summarizer: Summarizer | None = None,
    ) -> None:
        self.layout = layout
        self.cache = cache
        #: unsaved text of open editor documents, by real path
        self.overlays: dict[str, str] = dict(overlays or {})
        self._summarizer = summarizer
        self._memo: dict[str, CachedSummary] = {}
        #: ``pinned_calls`` by module: (its text's token, the result)
        self._pinned: dict[str, tuple[str, PinnedCalls | None]] = {}
        self._provisional: dict[str, CachedSummary] = {}
        self._stack: list[_Computing] = []
        self._modules: dict[str, Module] = {}
        #: computed against a provisional summary (not stored, maybe forgotten)
        self._tentative: list[str] = []
        #: every module the last computation of a module read (those read while
        #: they were still being computed included)
        self._reads: dict[str, frozenset[str]] = {}
        #: modules computed (not served from a cache) by this store: observable in tests
        self.computed: list[str] = []
        #: per module read: the sha256 of the bytes its summary was made from
        #: (:data:`UNREADABLE` when there were none)
        self._tokens: dict[str, str] = {}
        self._exports: dict[str, Exports] = {}
        #: per module: what its item texts are made from (None: no item texts)
        self._plans: dict[str, ItemPlan | None] = {}
        self._item_texts: dict[str, str | None] = {}
        #: per module: characters of its text, and of the item texts computed so far
        self._module_size: dict[str, int] = {}
        self._item_spent: dict[str, int] = {}
        #: CPython's parse of the last modules whose exports or plan were made
        self._trees: dict[str, tuple[str, ast.Module | None]] = {}
        #: the module and item of each key computed or loaded
        self._keys: dict[str, tuple[Module, str | None]] = {}

    # --- public ---------------------------------------------------------------

    def get(self, module: Module) -> CachedSummary | None:
        """The summary of ``module`` with its hash and deps; None while it is
        being computed (an import cycle, first round) or too deep."""
        return self._get(module, module.rel, None)

    def get_item(
        self, module: Module, item: str, whole: bool = True
    ) -> tuple[CachedSummary | None, bool]:
        """The summary that answers for ``item`` (a top-level class or function
        of ``module``, or a method item ``Class.method``): the summary of its
        item text (:mod:`lossflint.project.items`) when it has one, with True;
        else the whole module's (:meth:`get`), with False (``whole=False``:
        None, with False, and nothing computed)."""
        if self._summarizer is not None:
            return (self.get(module) if whole else None), False
        text = self._item_text(module, item)
        if text is None:
            return (self.get(module) if whole else None), False
        key = item_key(module.rel, item)
        if key not in self._memo and not self._item_affordable(module, text):
            return (self.get(module) if whole else None), False
        return self._get(module, key, item), True

    def _item_affordable(self, module: Module, text: str) -> bool:
        """Whether one more item text of ``module`` costs less than its whole
        summary: not when that summary is here already, nor when the item
        texts computed so far and this one would parse more than the module
        (a module asked for many of its items: ``modeling_utils``). Either
        answers alike; only what the result records as used differs."""
        if module.rel in self._memo:
            return False
        size = len(text) - text.count("\n")
        spent = self._item_spent.get(module.rel, 0) + size
        if spent > self._module_size.get(module.rel, 0):
            return False
        self._item_spent[module.rel] = spent
        return True

    def _get(self, module: Module, key: str, item: str | None) -> CachedSummary | None:
        self._modules.setdefault(module.rel, module)
        found = self._memo.get(key)
        if found is not None:
            return found
        for index, computing in enumerate(self._stack):
            if computing.key == key:
                members = {c.key for c in self._stack[index:]}
                computing.cycle_members |= members
                self._stack[-1].provisional = True
                return self._provisional.get(key)
        if len(self._stack) >= MAX_DEPTH:
            return None  # too deep: unknown (no dependency, like any unknown)
        self._keys[key] = (module, item)
        return self._load(module, key, item)

    def exports(self, module: Module) -> Exports:
        """The names ``module`` binds, from its syntax alone (no summary of
        it or of anything it imports is computed)."""
        if self._summarizer is not None:
            # exports mirror the default summarizer's names; another one
            # (a test's stand-in) says what it likes: ask it
            return UNKNOWN_EXPORTS
        found = self._exports.get(module.rel)
        if found is None:
            self._modules.setdefault(module.rel, module)
            data = self._read(module)
            self._tokens[module.rel] = _token(data)
            text = _decode(data) if data is not None and len(data) <= MAX_MODULE_BYTES else None
            tree = self._syntax(module.rel, text) if text is not None else None
            found = self._exports[module.rel] = module_exports(text, module, self.layout, tree)
        return found

    def dep_holds(self, rel: str, digest: str) -> bool:
        """Whether what a computation recorded of ``rel`` (its summary's hash,
        its exports' hash, its items' summaries' hashes:
        :mod:`lossflint.project.digests`) holds now."""
        uses = digests.parse(digest)
        module = self.module(rel)
        if uses is None or module is None:
            return False
        if uses.exports and self.exports(module).hash != uses.exports:
            return False
        if uses.summary:
            entry = self.get(module)
            if entry is None or entry.hash != uses.summary:
                return False
        for item, recorded in uses.items.items():
            if self._item_text(module, item) is None:
                return False  # the whole module answers for it now
            entry = self._get(module, item_key(rel, item), item)
            if entry is None or entry.hash != recorded:
                return False
        if uses.pinned:
            pinned = self.pinned_calls(module)
            if pinned is None or pinned.hash != uses.pinned:
                return False
        return True

    def module(self, rel: str) -> Module | None:
        """The module of a project-relative path seen by this store."""
        found = self._modules.get(rel)
        if found is None:
            candidate = self.layout.module_for_file(self.layout.root / rel)
            if candidate is not None and candidate.rel == rel:
                found = self._modules[rel] = candidate
        return found

    def by_rel(self, rel: str) -> CachedSummary | None:
        module = self.module(rel)
        return self.get(module) if module is not None else None

    def closure(self, deps: dict[str, str]) -> dict[str, str]:
        """``deps`` with the deps of every summary in it, transitively."""
        out = dict(deps)
        todo = list(deps.items())
        while todo:
            rel, digest = todo.pop()
            for entry in self._entries_of(rel, digest):
                for dep, dep_digest in entry.deps.items():
                    if dep not in out:
                        out[dep] = dep_digest
                        todo.append((dep, dep_digest))
        return out

    def _entries_of(self, rel: str, digest: str) -> list[CachedSummary]:
        """The summaries of this run that ``digest`` says were used of ``rel``."""
        uses = digests.parse(digest)
        if uses is None:
            return []
        keys = [rel] if uses.summary else []
        keys += [item_key(rel, item) for item in uses.items]
        return [entry for key in keys if (entry := self._memo.get(key)) is not None]

    def still_valid(self, deps: dict[str, str]) -> bool:
        """Whether every summary in ``deps`` still has the hash recorded."""
        return all(self.dep_holds(rel, digest) for rel, digest in deps.items())

    def content_tokens(self, rels: list[str]) -> dict[str, str] | None:
        """The content token each of ``rels`` had when this store read it, or
        None if one of them was not read here."""
        tokens: dict[str, str] = {}
        for rel in rels:
            token = self._tokens.get(rel)
            if token is None:
                return None
            tokens[rel] = token
        return tokens

    def content_token(self, rel: str) -> str | None:
        """What :meth:`content_tokens` would record for ``rel`` now (one read
        and sha256; no parse); None when ``rel`` is not a project module."""
        module = self.module(rel)
        if module is None:
            return None
        return _token(self._read(module))

    def set_overlay(self, path: str, text: str | None) -> None:
        """Unsaved editor text for ``path`` (None: back to the file on disk);
        summaries that may depend on it are forgotten."""
        real = os.path.realpath(path)
        if text is None:
            self.overlays.pop(real, None)
        else:
            self.overlays[real] = text
        self._memo.clear()
        self._pinned.clear()
        self._exports.clear()
        self._plans.clear()
        self._item_texts.clear()
        self._module_size.clear()
        self._item_spent.clear()

    # --- loading and computing -------------------------------------------------

    def _read(self, module: Module) -> bytes | None:
        overlay = self.overlays.get(str(module.path))
        if overlay is not None:
            return overlay.encode("utf-8", "surrogatepass")
        if not self.layout.contains(module.path):
            return None
        try:
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(module.path, flags)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MODULE_BYTES:
                return None
            with os.fdopen(fd, "rb") as handle:
                fd = -1
                return handle.read(MAX_MODULE_BYTES + 1)
        except OSError:
            return None
        finally:
            if fd >= 0:
                os.close(fd)

    def _item_text(self, module: Module, item: str) -> str | None:
        """The item text of ``item`` (:func:`~lossflint.project.items.item_text`),
        None when the whole module answers for it."""
        key = item_key(module.rel, item)
        if key in self._item_texts:
            return self._item_texts[key]
        if module.rel not in self._plans:
            data = self._read(module)
            text = _decode(data) if data is not None and len(data) <= MAX_MODULE_BYTES else None
            self._plans[module.rel] = (
                item_plan(text, self._syntax(module.rel, text)) if text is not None else None
            )
        plan = self._plans[module.rel]
        if plan is not None and module.rel not in self._module_size:
            self._module_size[module.rel] = sum(len(line.rstrip("\r\n")) for line in plan.lines)
        found = self._item_texts[key] = item_text(plan, item) if plan is not None else None
        return found

    def _syntax(self, rel: str, text: str) -> ast.Module | None:
        """CPython's parse of a module's text, shared by its exports and its
        item plan (the last few modules' only: they are asked one after the other)."""
        found = self._trees.get(rel)
        if found is not None and found[0] == text:
            return found[1]
        tree = parse_syntax(text)
        self._trees[rel] = (text, tree)
        while len(self._trees) > _KEPT_TREES:
            self._trees.pop(next(iter(self._trees)))
        return tree

    def _load(self, module: Module, key: str, item: str | None) -> CachedSummary | None:
        data = self._read(module)
        self._tokens[module.rel] = _token(data)
        if data is None or len(data) > MAX_MODULE_BYTES:
            entry = CachedSummary(empty_summary(module.rel, parsed=False), {}, "")
            entry = CachedSummary(entry.summary, {}, summary_hash(entry.summary))
            self._memo[key] = entry
            return entry
        sha = file_sha(data)
        if self.cache is not None:
            cached = self.cache.get(module.rel, _cache_sha(sha, item))
            if cached is not None and self._deps_hold(module, key, cached):
                self._memo[key] = cached
                return cached
        return self._compute(module, key, item, data, sha)

    def _deps_hold(self, module: Module, key: str, cached: CachedSummary) -> bool:
        # while its deps are checked, a cycle back to this module sees the candidate
        self._provisional[key] = cached
        self._stack.append(_Computing(module, key))
        tentative_before = len(self._tentative)
        try:
            holds = all(self.dep_holds(rel, digest) for rel, digest in cached.deps.items())
        finally:
            self._stack.pop()
            self._provisional.pop(key, None)
        if not holds:
            # computed against the candidate that turned out stale: forget them
            for stale in self._tentative[tentative_before:]:
                self._memo.pop(stale, None)
            del self._tentative[tentative_before:]
        return holds

    def _compute(
        self, module: Module, key: str, item: str | None, data: bytes, sha: str
    ) -> CachedSummary:
        computing = _Computing(module, key)
        self._stack.append(computing)
        try:
            entry = self._summarise(module, key, item, data)
        finally:
            self._stack.pop()
        self._memo[key] = entry
        self.computed.append(key)
        if computing.provisional and self._stack:
            self._stack[-1].provisional = True
        members = computing.cycle_members
        if members and key in members and not any(c.key in members for c in self._stack):
            # the outermost module of a cycle: settle a small cycle; a big one
            # (a library's modules importing each other) keeps its first round,
            # where what was still being computed read as unknown
            if len(members) <= MAX_SETTLED_CYCLE:
                self._settle(members)
            entry = self._memo[key]
            for member in sorted(members):
                self._store(member)
        elif not computing.provisional:
            self._store(key, sha)
            entry = self._adopt(key, item, sha, entry)
        else:
            self._tentative.append(key)
            if self._stack:
                self._stack[-1].cycle_members |= members
        return entry

    def _adopt(self, key: str, item: str | None, sha: str, entry: CachedSummary) -> CachedSummary:
        """The entry on disk when another process stored a different summary
        of the same bytes first: every process of a run then uses the same."""
        if self.cache is None:
            return entry
        module, _ = self._keys[key]
        stored = self.cache.get(module.rel, _cache_sha(sha, item))
        if stored is None or stored.hash == entry.hash:
            return entry
        if all(self._holds_in_memo(rel, digest) for rel, digest in stored.deps.items()):
            self._memo[key] = stored
            return stored
        return entry

    def _holds_in_memo(self, rel: str, digest: str) -> bool:
        """Whether this process's summaries (not recomputed) match ``digest``."""
        uses = digests.parse(digest)
        if uses is None:
            return False
        if uses.exports:
            module = self.module(rel)
            if module is None or self.exports(module).hash != uses.exports:
                return False
        if uses.summary and ((dep := self._memo.get(rel)) is None or dep.hash != uses.summary):
            return False
        return all(
            (dep := self._memo.get(item_key(rel, item))) is not None and dep.hash == digest
            for item, digest in uses.items.items()
        )

    def pinned_calls(self, module: Module) -> PinnedCalls | None:
        """The calls ``module`` makes of other project modules, analysed as a
        lint analyses it: its functions' and classes' parameters pinned by
        its callers in other files (``engine.py``'s ``silog_loss(pred, ...)``,
        ``pred`` from the ``self.model`` that ``train.py`` constructs the
        trainer with). Not a summary (a summary is what the module says on its
        own): computed on demand, kept in memory only (never in the cache) while
        the module's text and what it read hold; what it read comes with it.
        None for a notebook or a module that cannot be read."""
        if self._summarizer is not None or notebooks.is_notebook(module.rel):
            return None
        data = self._read(module)
        text = _decode(data) if data is not None and len(data) <= MAX_MODULE_BYTES else None
        if text is None:
            return None
        # asked again for each interpreter of a lint and each module the
        # caller's callee defines (open-instruct's grpo_fast.py, analysed
        # dozens of times per file: audit s190): kept while its text and
        # everything it read hold
        token = _token(data)
        kept = self._pinned.get(module.rel)
        if (
            kept is not None
            and kept[0] == token
            and (kept[1] is None or all(self.dep_holds(r, d) for r, d in kept[1].used.items()))
        ):
            return kept[1]
        found = self._pinned_now(module, text)
        self._pinned[module.rel] = (token, found)
        return found

    def _pinned_now(self, module: Module, text: str) -> PinnedCalls | None:
        from lossflint.project.context import ProjectContext, active
        from lossflint.project.summarize import pinned_call_records

        context = ProjectContext(self, module.path)
        with active(context):
            try:
                records = pinned_call_records(text, module, context)
            except RecursionError:
                return None
        if records is None:
            return None
        used = {rel: digest for rel, digest in context.used.items() if rel != module.rel and digest}
        calls_only = ModuleSummary(file=module.rel, parsed=True, calls=records)
        return PinnedCalls(records, used, context.used_keys(), summary_hash(calls_only))

    def _summarise(self, module: Module, key: str, item: str | None, data: bytes) -> CachedSummary:
        from lossflint.project.context import ProjectContext, active

        context = ProjectContext(self, module.path, item)
        summary = empty_summary(module.rel, parsed=False)
        line_map: notebooks.LineMap | None = None
        if item is None and notebooks.is_notebook(module.rel):
            # a caller of the project's modules, read as the program it runs
            found = notebooks.program(data, module.rel)
            text, line_map = found if found is not None else (None, None)
        else:
            text = _decode(data) if item is None else self._item_text(module, item)
        if text is not None:
            summarizer = self._summarizer or _default_summarizer()
            with active(context):
                try:
                    summary = summarizer(text, module, context)
                except RecursionError:
                    summary = empty_summary(module.rel)
            if line_map is not None:
                summary = notebooks.relocate(summary, line_map)
        # a module read while it was still being computed (an import cycle) gave
        # nothing: what this summary knows does not depend on it
        used = {rel: digest for rel, digest in context.used.items() if rel != module.rel and digest}
        self._reads[key] = frozenset(context.used_keys()) - {key}
        return CachedSummary(summary, used, summary_hash(summary))

    def _settle(self, members: set[str]) -> None:
        """Compute the modules of an import cycle again until their summaries
        stop changing. A member is computed again only when a member it read
        changed since (or was still being computed when it read it): a
        summary is a function of the module's text and of what it read, so
        the others would come out the same (recomputing every member every
        round was a quarter of a cold run on transformers)."""
        for _ in range(MAX_ROUNDS - 1):
            changed = False
            for key in sorted(members):
                found = self._keys.get(key)
                if found is None or not self._stale_in(key, members):
                    continue
                module, item = found
                data = self._read(module)
                if data is None:
                    continue
                before = self._memo[key].hash if key in self._memo else None
                self._stack.append(_Computing(module, key))
                try:
                    self._memo[key] = self._summarise(module, key, item, data)
                finally:
                    self._stack.pop()
                changed = changed or self._memo[key].hash != before
            if not changed:
                return
        if not any(self._stale_in(key, members) for key in members):
            return
        for key in members:  # still moving: nothing is sure
            found = self._keys.get(key)
            summary = empty_summary(found[0].rel if found is not None else key)
            self._memo[key] = CachedSummary(summary, {}, summary_hash(summary))

    def _stale_in(self, key: str, members: set[str]) -> bool:
        """Whether ``key``'s summary read a member of ``members`` that has
        another summary now, or none yet."""
        entry = self._memo.get(key)
        if entry is None:
            return True
        for read in self._reads.get(key, ()):
            if read not in members:
                continue
            rel, _, item = read.partition(ITEM_SEPARATOR)
            uses = digests.parse(entry.deps.get(rel, ""))
            if uses is None:
                return True  # read while it was still being computed
            recorded = uses.items.get(item, "") if item else uses.summary
            if not recorded and not item and uses.exports:
                continue  # exports come from the bytes alone: they never move
            now = self._memo.get(read)
            if now is None or recorded != now.hash:
                return True
        return False

    def _store(self, key: str, sha: str | None = None) -> None:
        if self.cache is None:
            return
        entry = self._memo.get(key)
        found = self._keys.get(key)
        if entry is None or found is None:
            return
        module, item = found
        if sha is None:
            data = self._read(module)
            if data is None:
                return
            sha = file_sha(data)
        if all(digest for digest in entry.deps.values()):
            self.cache.put(module.rel, _cache_sha(sha, item), entry.summary, entry.deps)


def _cache_sha(sha: str, item: str | None) -> str:
    """An item summary is cached under its module's bytes and its name."""
    return sha if item is None else f"{sha}{ITEM_SEPARATOR}{item}"


def _token(data: bytes | None) -> str:
    """The sha256 of a module's bytes, or :data:`UNREADABLE` (unreadable, not
    a regular file, too big, outside the project: all contribute no facts)."""
    if data is None or len(data) > MAX_MODULE_BYTES:
        return UNREADABLE
    return file_sha(data)


def _decode(data: bytes) -> str | None:
    from lossflint.source import DecodeError, decode_source

    try:
        return decode_source(data).text
    except (DecodeError, ValueError):
        return None


def _default_summarizer() -> Summarizer:
    from lossflint.project.summarize import summarize_text

    return summarize_text
