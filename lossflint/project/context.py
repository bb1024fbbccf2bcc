"""What the analysis of one file may ask about the rest of the project.

The driver (CLI run, flake8 plugin, language server) makes a
:class:`ProjectContext` for the file it lints and activates it around the
lint (:func:`active`); the interpreter asks :func:`current` and, when an
imported name is not a framework API, reads it through the summaries:

    ctx = current()
    if ctx is not None:
        value = ctx.import_name("models.net", 0, "Net")   # SClass("models/net.py", "Net")
        cls = ctx.class_summary(value)                    # its forward's return, ...

Every summary consulted is recorded in ``used`` (module → summary hash): a
cached result of the file is valid only while those hashes hold.
Outside any project (``lint_source`` on a string, a file outside the root),
there is no context and nothing crosses a file boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Protocol

from lossflint.project import digests
from lossflint.project.exports import FULL, ClassShape, Exports, ImportSpec, Literal
from lossflint.project.layout import Layout, Module
from lossflint.project.summary import (
    CallRecord,
    ClassSummary,
    FunctionSummary,
    ModuleSummary,
    SAlias,
    SClass,
    SFunction,
    SInstance,
    SModule,
    SValue,
)


class SummaryEntry(Protocol):
    """A module's summary and its hash (``summary_cache.CachedSummary``)."""

    @property
    def summary(self) -> ModuleSummary: ...

    @property
    def hash(self) -> str: ...


class SummarySource(Protocol):
    """Where summaries come from (``store.SummaryStore``); named here so that
    the analysis, which reads this module, never imports the store (which
    runs the analysis)."""

    layout: Layout

    def get(self, module: Module) -> SummaryEntry | None: ...

    def get_item(
        self, module: Module, item: str, whole: bool = True
    ) -> tuple[SummaryEntry | None, bool]: ...

    def by_rel(self, rel: str) -> SummaryEntry | None: ...

    def exports(self, module: Module) -> Exports: ...

    def module(self, rel: str) -> Module | None: ...


#: ``ModuleIndex.options`` key set on the analysis of a module for its summary
#: (not a reported lint): its parameters are not pinned by other files' calls
FOR_SUMMARY = "lossflint.for_summary"
#: ``ModuleIndex.options`` key set beside :data:`FOR_SUMMARY` on the analysis
#: of a caller whose call records a lint reads one hop further
#: (``SummaryStore.pinned_calls``): its parameters are pinned by its own
#: callers after all (``engine.py``'s ``self.model`` from ``train.py``)
PIN_EXTERNAL = "lossflint.pin_external"
#: callers a lint reads that way, at most (each costs an analysis of the caller)
MAX_PINNED_CALLERS = 4
#: ``ModuleIndex.options`` key: the summary is of one item (``Net``,
#: ``Net.forward``, ``build``): only that item's functions run for their own
#: sake, the others when the item calls them (what a summary answers for an
#: item is its entry alone: a registry factory's item keeps twenty classes
#: whose methods nobody asked about)
ONLY_ITEM = "lossflint.only_item"
#: re-exports followed before giving up (``a`` re-exports ``b`` re-exports ...)
MAX_ALIAS_HOPS = 20
#: star imports of star imports followed before answering "may bind"
MAX_STAR_DEPTH = 3

_CURRENT: ContextVar[ProjectContext | None] = ContextVar("lossflint_project", default=None)


def current() -> ProjectContext | None:
    """The project of the file being analysed, if any."""
    return _CURRENT.get()


@contextmanager
def active(context: ProjectContext | None) -> Iterator[ProjectContext | None]:
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


class ProjectContext:
    def __init__(
        self, store: SummarySource, importer: Path, item: str | None = None, *, lint: bool = False
    ) -> None:
        self.store = store
        #: the context of a reported lint (not of a summary's computation)
        self.lint = lint
        #: callers' pinned call records read so far (None: not to be had)
        self._pinned: dict[str, tuple[CallRecord, ...] | None] = {}
        self.layout = store.layout
        self.importer = importer
        #: the item of ``importer`` whose summary is being computed (None: the
        #: whole module's, or a lint): the summary answers for it alone
        self.item = item
        me = self.layout.module_for_file(importer)
        #: this file's place in the project (None for an editor buffer outside it)
        self.rel = me.rel if me is not None else None
        #: summaries consulted: module → summary hash ("" when it had none yet)
        self.used: dict[str, str] = {}
        #: modules whose literal constants were read (their exports must hold too)
        self._constants_of: set[str] = set()
        #: the store keys read: a module's path (its summary) or an item's key
        self._read_keys: set[str] = set()

    # --- modules ---------------------------------------------------------------

    def summary(self, rel: str) -> ModuleSummary | None:
        """The summary of a project module by its relative path."""
        entry = self.store.by_rel(rel)
        self._use_summary(rel, entry)
        if entry is None or not entry.summary.parsed:
            return None
        return entry.summary

    def pinned_calls(self, caller: Module) -> tuple[CallRecord, ...] | None:
        """``caller``'s calls with its parameters pinned by its own callers
        (``SummaryStore.pinned_calls``), for a lint only and for a few callers
        (each is an analysis of the caller); what computing them read becomes
        this lint's deps, and the records' hash with them."""
        if caller.rel in self._pinned:
            return self._pinned[caller.rel]
        compute = getattr(self.store, "pinned_calls", None)
        if (
            not self.lint
            or compute is None
            or caller.rel == self.rel
            or len(self._pinned) >= MAX_PINNED_CALLERS
        ):
            return None
        self._pinned[caller.rel] = None  # a call asked while computing: none
        found = compute(caller)
        if found is None:
            return None
        for rel, digest in found.used.items():
            if rel != self.rel:
                self._merge_use(rel, digest)
        self._read_keys |= found.read_keys - {self.rel or ""}
        uses = self._uses(caller.rel)
        uses.pinned = found.hash
        self.used[caller.rel] = uses.render()
        self._pinned[caller.rel] = found.records
        return found.records

    def _merge_use(self, rel: str, digest: str) -> None:
        theirs = digests.parse(digest)
        if theirs is None:
            return
        mine = self._uses(rel)
        mine.summary = mine.summary or theirs.summary
        mine.exports = mine.exports or theirs.exports
        for item, value in theirs.items.items():
            mine.items.setdefault(item, value)
        self.used[rel] = mine.render()

    def used_keys(self) -> frozenset[str]:
        """What was read, as the store's keys (modules' paths, items' keys)."""
        return frozenset(self._read_keys)

    def _uses(self, rel: str) -> digests.Uses:
        return digests.parse(self.used.get(rel, "")) or digests.Uses()

    def _use_summary(self, rel: str, entry: SummaryEntry | None) -> None:
        self._read_keys.add(rel)
        uses = self._uses(rel)
        # the whole summary covers the names: the exports matter only for constants
        uses.summary = entry.hash if entry is not None else ""
        uses.exports = ""
        if rel in self._constants_of:
            module = self.store.module(rel)
            if module is not None:
                uses.exports = self.store.exports(module).hash
        self.used[rel] = uses.render()

    def _use_item(self, rel: str, item: str, entry: SummaryEntry | None) -> None:
        self._read_keys.add(digests.item_key(rel, item))
        uses = self._uses(rel)
        if entry is not None:
            uses.items[item] = entry.hash
        self.used[rel] = uses.render()

    def _summary_of(self, module: Module) -> ModuleSummary | None:
        entry = self.store.get(module)
        self._use_summary(module.rel, entry)
        if entry is None or not entry.summary.parsed:
            return None
        return entry.summary

    def _exported(self, rel: str, name: str) -> SValue | None | object:
        """What module ``rel`` binds to ``name`` when its syntax says
        (:mod:`~lossflint.project.exports`); :data:`FULL` when only its summary can."""
        module = self.store.module(rel)
        if module is None:
            return FULL
        exports = self.store.exports(module)
        found = exports.lookup(name)
        if found is FULL and exports.star and self._star_constant(module, exports, name):
            found = None  # a literal constant no star import can rebind
        if found is not FULL:
            self._use_exports(rel, exports)
        return found

    def _star_constant(self, module: Module, exports: Exports, name: str) -> bool:
        """``name`` is one of the module's literal constants (which a summary
        has no value for) and none of its ``from x import *`` can bind it:
        ``__version__ = "4.46.3"`` of a package ``__init__`` that also star
        imports its dummy objects needs no summary of that ``__init__``."""
        constant = exports.constants.get(name)
        if constant is None or isinstance(constant.value, tuple) or exports.everything_full:
            return False
        return not self._stars_may_bind(module, exports, name, 0)

    def _stars_may_bind(self, module: Module, exports: Exports, name: str, depth: int) -> bool:
        """Whether one of ``module``'s star imports may bind ``name`` (one
        of a module outside the project binds nothing known, as the summary's
        ``star_names`` answers)."""
        for spec in exports.star_imports:
            target = self._star_target(module, spec)
            if target is not None and not isinstance(target, Module):
                return True  # a package folder without a module: unsure
            if isinstance(target, Module) and self._star_may_bind(target, name, depth):
                return True
        return False

    def _star_target(self, module: Module, spec: ImportSpec) -> Module | Path | None:
        """What ``from <spec> import *`` in ``module`` names: a project module,
        a package folder, or None (outside the project)."""
        if spec.level:
            return self.layout.resolve_relative_any(module.path, spec.level, spec.module)
        return self.layout.resolve_any(spec.module, module.path)

    def _star_may_bind(self, module: Module, name: str, depth: int) -> bool:
        """Whether ``from <module> import *`` may bind ``name`` (what a
        summary's ``star`` gives: ``__all__``, else the public names)."""
        exports = self.store.exports(module)
        self._use_exports(module.rel, exports)
        listed = exports.constants.get("__all__")
        if exports.everything_full or depth > MAX_STAR_DEPTH:
            return True
        if listed is None and "__all__" in exports.full:
            return True  # an ``__all__`` built otherwise than by one literal
        if listed is not None:
            if not isinstance(listed.value, tuple):
                return True
            return any(item.value == name for item in listed.value)
        if name.startswith("_"):
            return False
        if name in exports.values or name in exports.full or name in exports.constants:
            return True
        return self._stars_may_bind(module, exports, name, depth + 1)

    def class_field(
        self, ref: SValue, name: str
    ) -> tuple[Literal | None, str, tuple[str, ...] | None] | None:
        """The literal the body of the project class ``ref`` (with no bases)
        binds to ``name`` (None when it binds none that way), the class's
        module, and a dataclass's fields in order; None when the class's
        syntax cannot say (bases, a module whose exports do not list it)."""
        shapes = self._class_shapes(ref)
        if shapes is None or len(shapes) != 1 or shapes[0][1].bases:
            return None
        (rel, _), shape = shapes[0]
        literal = dict(shape.fields).get(name)
        if literal is None and name in shape.names:
            return None  # bound otherwise than by one literal
        return literal, rel, shape.dataclass_fields

    def literal_fields(self, ref: SValue) -> tuple[str, ...]:
        """The names the body of the project class ``ref`` (with no bases)
        binds once to a literal (``lr = 0.3``, ``lr: float = 0.3``) that no
        code of the class sets on an object; empty when its syntax cannot say."""
        shapes = self._class_shapes(ref)
        if shapes is None or len(shapes) != 1 or shapes[0][1].bases:
            return ()
        return tuple(name for name, _ in shapes[0][1].fields)

    def may_have_member(self, ref: SValue, name: str) -> bool:
        """Whether the project class ``ref`` names (or an instance is of) may
        have an attribute ``name``, itself or through a project base, by the
        classes' syntax (:class:`~lossflint.project.exports.ClassShape`).
        False only when every class along the bases is known and none binds
        it: ``model.state_dict()`` on a subclass of a 4,000-line library
        class then costs no summary of it. Reads exports only."""
        shapes = self._class_shapes(ref)
        return shapes is None or any(name in shape.names for _, shape in shapes)

    def method_owner(self, ref: SValue, name: str) -> tuple[str, str] | None:
        """The class (module, name) whose ``def name`` an attribute ``name`` of
        the project class ``ref`` (or of an instance of it) runs, by the
        classes' syntax alone: the first class along the project bases (in
        the order :meth:`method_summary` looks) that defines it as a plain
        method, when no class along them binds the name otherwise (an
        attribute set anywhere in them would be read first). None when the
        syntax cannot tell: then the summaries answer."""
        shapes = self._class_shapes(ref)
        if shapes is None:
            return None
        binding = [(key, shape) for key, shape in shapes if name in shape.names]
        if not binding or any(name not in shape.methods for _, shape in binding):
            return None  # set as an attribute, or defined some other way
        return binding[0][0]

    def _class_shapes(self, ref: SValue) -> list[tuple[tuple[str, str], ClassShape]] | None:
        """The syntax of the project class ``ref`` and of every project class
        along its bases, breadth first (as :meth:`method_summary` looks);
        None when one cannot be listed (not a project class, a base nobody
        can name, a module whose exports do not say)."""
        ref = self.resolve(ref)
        if not isinstance(ref, (SClass, SInstance)):
            return None
        todo: list[tuple[str, str]] = [(ref.file, ref.name)]
        seen: set[tuple[str, str]] = set()
        found: list[tuple[tuple[str, str], ClassShape]] = []
        while todo:
            key = todo.pop(0)
            if key in seen:
                continue
            if len(seen) >= MAX_ALIAS_HOPS:
                return None
            seen.add(key)
            module = self.store.module(key[0])
            if module is None:
                return None
            exports = self.store.exports(module)
            shape = exports.classes.get(key[1])
            if shape is None or exports.everything_full:
                return None
            self._use_exports(key[0], exports)
            found.append((key, shape))
            for base in shape.bases:
                base_key = self._base_class(key[0], exports, base)
                if base_key is True:
                    return None
                if base_key is not None:
                    todo.append(base_key)  # type: ignore[arg-type]
        return found

    def _binds(self, ref: SClass | SInstance, name: str) -> bool:
        """Whether the class's own body may bind ``name`` (its syntax)."""
        module = self.store.module(ref.file)
        if module is None:
            return False
        exports = self.store.exports(module)
        shape = exports.classes.get(ref.name)
        return shape is not None and name in shape.names

    def _base_class(
        self, rel: str, exports: Exports, base: str | None
    ) -> tuple[str, str] | bool | None:
        """The project class a base of a class of ``rel`` names, None when it
        is none (a framework or builtin class), True when unknown."""
        if base is None:
            return True
        parts = base.split(".")
        root = exports.lookup(parts[0])
        if root is None:
            return None
        if root is FULL or not isinstance(root, SValue):
            return True
        if isinstance(root, SModule) and len(parts) == 2:
            root, parts = SAlias(root.file, parts[1]), parts[1:]
        if len(parts) != 1:
            return True
        target = self.resolve(root)
        if isinstance(target, SClass):
            return (target.file, target.name)
        return True

    def _use_exports(self, rel: str, exports: Exports) -> None:
        uses = self._uses(rel)
        if not uses.summary and not uses.exports:
            uses.exports = exports.hash
            self.used[rel] = uses.render()

    def _target(self, dotted: str, level: int) -> Module | Path | None:
        if level:
            return self.layout.resolve_relative_any(self.importer, level, dotted)
        return self.layout.resolve_any(dotted, self.importer)

    def import_module(self, dotted: str, level: int = 0) -> SModule | None:
        """``import dotted`` / ``from <dots>dotted import ...``: the module, when
        it is a project file."""
        target = self._target(dotted, level)
        if isinstance(target, Module) and target.rel != self.rel:
            return SModule(target.rel)
        return None

    def import_name(self, dotted: str, level: int, name: str) -> SValue | None:
        """What ``from <dots>dotted import name`` binds, when the project knows."""
        target = self._target(dotted, level)
        if target is None:
            return None
        if isinstance(target, Module):
            if target.rel == self.rel:
                return None
            found = self.module_attr(SModule(target.rel), name)
            if found is not None:
                return found
        sub = self.layout.submodule(target, name)
        if isinstance(sub, Module) and sub.rel != self.rel:
            return SModule(sub.rel)
        return None

    def imported_constant(self, dotted: str, level: int, name: str) -> tuple[Literal, str] | None:
        """The literal ``from <dots>dotted import name`` binds, with the module
        that writes it, when that module assigns it once and never changes it
        (re-exports followed; from the modules' syntax, no summary)."""
        target = self._target(dotted, level)
        if not isinstance(target, Module) or target.rel == self.rel:
            return None
        return self.module_constant(target.rel, name)

    def module_constant(self, rel: str, name: str) -> tuple[Literal, str] | None:
        """``module.name`` when it is a literal constant of that module."""
        for _ in range(MAX_ALIAS_HOPS):
            module = self.store.module(rel)
            if module is None:
                return None
            exports = self.store.exports(module)
            self._constants_of.add(rel)
            uses = self._uses(rel)
            uses.exports = exports.hash
            self.used[rel] = uses.render()
            found = exports.constants.get(name)
            if found is not None:
                return found, rel
            alias = exports.values.get(name)
            if not isinstance(alias, SAlias) or exports.everything_full:
                return None
            rel, name = alias.file, alias.name
        return None

    def star_names(self, dotted: str, level: int) -> dict[str, SValue]:
        """What ``from <dots>dotted import *`` binds (project modules only)."""
        target = self._target(dotted, level)
        if not isinstance(target, Module) or target.rel == self.rel:
            return {}
        summary = self._summary_of(target)
        if summary is None:
            return {}
        out: dict[str, SValue] = {}
        for name in summary.star:
            value = summary.names.get(name)
            if value is not None:
                out[name] = self.resolve(value)
        return out

    def star_name(self, dotted: str, level: int, name: str) -> tuple[bool, SValue | None] | None:
        """Whether ``from <dots>dotted import *`` of a project module binds
        ``name`` (its ``__all__``, else its public names), and to what (None:
        bound, to nothing known); None when it is no project module."""
        target = self._target(dotted, level)
        if not isinstance(target, Module) or target.rel == self.rel:
            return None
        if not self._star_may_bind(target, name, 0):
            return False, None
        # what it binds is what ``from <dots>dotted import name`` would
        return True, self.import_name(dotted, level, name)

    def reexported_outside_name(self, dotted: str, level: int, name: str) -> str | None:
        """The framework name ``from <dots>dotted import name`` hands on when
        that project module imports it itself (``from tensorflow import
        keras`` in tfmot's ``compat.py``, audit s171), or through its star
        imports; None otherwise."""
        target = self._target(dotted, level)
        if not isinstance(target, Module) or target.rel == self.rel:
            return None
        return self._star_imported(target, name, 0)

    def star_outside_name(
        self, dotted: str, level: int, name: str
    ) -> tuple[bool, str | None] | None:
        """Whether ``from <dots>dotted import *`` of a project module binds
        ``name``, and the framework name it hands on when the module imports
        it (``import torch.nn as nn`` in ``models/__init__.py``: ``nn`` is
        ``torch.nn`` after ``from models import *``); None when it is no
        project module."""
        target = self._target(dotted, level)
        if not isinstance(target, Module) or target.rel == self.rel:
            return None
        if not self._star_may_bind(target, name, 0):
            return False, None
        return True, self._star_imported(target, name, 0)

    def _star_imported(self, module: Module, name: str, depth: int) -> str | None:
        """The framework name ``module`` binds to ``name``: its own import, or
        one a star import of another project module hands on (``utils/__init__``
        doing ``from .quant_modules import *``, which imports ``F``)."""
        exports = self.store.exports(module)
        found = exports.imported.get(name)
        if found is not None or name in exports.values or name in exports.full:
            return found
        if depth >= MAX_STAR_DEPTH:
            return None
        for spec in reversed(exports.star_imports):
            target = self._star_target(module, spec)
            if not isinstance(target, Module):
                return None  # outside the project, or unsure: it may bind it
            if self._star_may_bind(target, name, depth + 1):
                return self._star_imported(target, name, depth + 1)
        return None

    def module_attr(self, module: SModule, name: str) -> SValue | None:
        """``module.name``: a name the module binds, or one of its submodules."""
        exported = self._exported(module.file, name)
        if exported is FULL:
            summary = self.item_summary(module.file, name)
            exported = summary.names.get(name) if summary is not None else None
        if isinstance(exported, SValue):
            return self.resolve(exported)
        found = self.store.module(module.file)
        if found is not None and found.is_package:
            sub = self.layout.submodule(found, name)
            if isinstance(sub, Module):
                return SModule(sub.rel)
        return None

    # --- values ------------------------------------------------------------------

    def resolve(self, value: SValue) -> SValue:
        """``value`` with re-exports followed to the module that defines it."""
        seen = 0
        while isinstance(value, SAlias) and seen < MAX_ALIAS_HOPS:
            seen += 1
            target = self._exported(value.file, value.name)
            if target is FULL:
                summary = self.item_summary(value.file, value.name)
                target = summary.names.get(value.name) if summary is not None else None
            if not isinstance(target, SValue):
                module = self.store.module(value.file)
                sub = self.layout.submodule(module, value.name) if module is not None else None
                return SModule(sub.rel) if isinstance(sub, Module) else value
            value = target
        return value

    def item_summary(self, rel: str, item: str) -> ModuleSummary | None:
        """A summary that answers for ``item``, a top-level class or function
        of ``rel``: its item summary (:mod:`lossflint.project.items`) or the
        module's."""
        module = self.store.module(rel)
        if module is None:
            return None
        entry, of_item = self.store.get_item(module, item)
        if of_item:
            self._use_item(rel, item, entry)
        else:
            self._use_summary(rel, entry)
        if entry is None or not entry.summary.parsed:
            return None
        return entry.summary

    def function_summary(self, ref: SFunction) -> FunctionSummary | None:
        if ref.name.count(".") == 1:
            # a method: its own item (the class with what the method needs of
            # it), when its module has one; else the class's
            found = self._method_item(ref.file, ref.name)
            if found is not None:
                return found.functions.get(ref.name)
        summary = self.item_summary(ref.file, ref.name.split(".", 1)[0])
        return summary.functions.get(ref.name) if summary is not None else None

    def _method_item(self, rel: str, item: str) -> ModuleSummary | None:
        """The summary of the method item ``Class.method`` of ``rel``
        (:func:`~lossflint.project.items.item_text`); None when there is none
        (a small module, a method the class does not define, an item that
        would keep most of the module): then the class answers."""
        module = self.store.module(rel)
        if module is None:
            return None
        entry, of_item = self.store.get_item(module, item, whole=False)
        if not of_item:
            return None
        self._use_item(rel, item, entry)
        if entry is None or not entry.summary.parsed:
            return None
        return entry.summary

    def class_summary(self, ref: SClass | SInstance) -> ClassSummary | None:
        summary = self.item_summary(ref.file, ref.name)
        return summary.classes.get(ref.name) if summary is not None else None

    def method_summary(self, ref: SClass | SInstance, method: str) -> FunctionSummary | None:
        """``method`` of a project class, looked up along its project bases."""
        found = self.method_of(ref, method)
        return found[1] if found is not None else None

    def method_of(
        self, ref: SClass | SInstance, method: str
    ) -> tuple[SFunction, FunctionSummary] | None:
        """``method`` of a project class, looked up along its project bases:
        the function (in the class that defines it) and its summary."""
        if not self.may_have_member(ref, method):
            return None
        todo: list[SValue] = [ref]
        seen: set[tuple[str, str]] = set()
        while todo and len(seen) < MAX_ALIAS_HOPS:
            current = self.resolve(todo.pop(0))
            if not isinstance(current, (SClass, SInstance)):
                continue
            key = (current.file, current.name)
            if key in seen:
                continue
            seen.add(key)
            if self._binds(current, method):
                # defined in this class's body: its method item, when it has one
                name = f"{current.name}.{method}"
                found = self._method_item(current.file, name)
                if found is not None:
                    summary = found.functions.get(name)
                    return (SFunction(current.file, name), summary) if summary else None
            cls = self.class_summary(current)
            if cls is None:
                continue
            if method in cls.methods:
                ref_found = SFunction(current.file, f"{cls.name}.{method}")
                summary = self.function_summary(ref_found)
                return (ref_found, summary) if summary is not None else None
            todo.extend(cls.bases)
        return None
