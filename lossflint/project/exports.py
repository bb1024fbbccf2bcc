"""What a module's top-level names are, read from its syntax alone.

Most imports of a project module name a class, a function, a submodule or a
re-export (``from .modeling import LlamaModel``); what they bind is decided
by the target's syntax, not by its analysis. Asking the target's full summary
for that (a libcst parse and an interpretation of the whole module, and of
the modules *it* uses) made a lint of one file summarise most of a library.
:func:`module_exports` answers those names from CPython's ``ast`` instead, at
a fraction of the cost; the full summary is computed only when something of
the module is needed beyond its names (what a function returns, a class's
``forward``, a module-level object).

The answers are exactly the ones the summary's ``names`` would give
(``summarize.Summarizer._module_names``): a name bound once, by a top-level
``class``/``def`` or by an import, is a class, function, submodule or
re-export of this module; any name bound otherwise, or more than once, or
possibly through ``global`` or ``from x import *``, is left to the summary
(:data:`FULL`).
"""

from __future__ import annotations

import ast
import hashlib
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from lossflint.project.ast_walk import add_children, dotted_name, walk
from lossflint.project.config_namespaces import namespace_constants
from lossflint.project.layout import Layout, Module
from lossflint.project.literals import Literal, literal_of
from lossflint.project.mutations import changed_in_place
from lossflint.project.summary import S_UNKNOWN, SAlias, SClass, SFunction, SModule, SValue


class _Full:
    def __repr__(self) -> str:
        return "FULL"


#: only the module's full summary knows what the name is
FULL: Final = _Full()


@dataclass(frozen=True)
class ImportSpec:
    """One import statement as plain data: ``import a.b as c`` is
    ``ImportSpec(False, "", 0, (("a.b", "c"),))``; ``from ..m import x`` is
    ``ImportSpec(True, "m", 2, (("x", None),))``."""

    is_from: bool
    module: str
    level: int
    aliases: tuple[tuple[str, str | None], ...]


def import_value(layout: Layout, importer: Module, spec: ImportSpec, local: str) -> SValue:
    """What ``spec`` binds to ``local`` in ``importer``, as a summary value:
    a project module (``SModule``), a re-export (``SAlias``), or unknown (a
    framework, the standard library, a module outside the project)."""
    if not spec.is_from:
        for full, asname in spec.aliases:
            bound = asname if asname is not None else full.split(".")[0]
            if bound != local:
                continue
            dotted = full if asname is not None else full.split(".")[0]
            module = layout.resolve(dotted, importer.path)
            return SModule(module.rel) if module is not None else S_UNKNOWN
        return S_UNKNOWN
    if spec.level:
        target = layout.resolve_relative_any(importer.path, spec.level, spec.module)
    else:
        target = layout.resolve_any(spec.module, importer.path)
    if target is None:
        return S_UNKNOWN
    for name, asname in spec.aliases:
        bound = asname if asname is not None else name
        if bound != local:
            continue
        sub = layout.submodule(target, name)
        if isinstance(target, Module) and target.rel != importer.rel:
            return SModule(sub.rel) if isinstance(sub, Module) else SAlias(target.rel, name)
        return SModule(sub.rel) if isinstance(sub, Module) else S_UNKNOWN
    return S_UNKNOWN


def _outside_name(layout: Layout, importer: Module, spec: ImportSpec, local: str) -> str | None:
    """The dotted name an absolute import of a module outside the project
    binds to ``local`` (``import torch.nn as nn`` → ``torch.nn``, ``from torch
    import nn`` → ``torch.nn``); None for a relative import or a project module."""
    if spec.level:
        return None
    for full, asname in spec.aliases:
        if spec.is_from:
            if (asname or full) != local:
                continue
            dotted = f"{spec.module}.{full}"
        else:
            if (asname or full.split(".")[0]) != local:
                continue
            dotted = full if asname is not None else full.split(".")[0]
        root = dotted.split(".")[0]
        if layout.resolve_any(root, importer.path) is not None:
            return None  # a project package of that name shadows it
        return dotted
    return None


@dataclass(frozen=True)
class ClassShape:
    """What a class may answer as an attribute, from its syntax: every name
    its body defines or assigns (methods, class attributes, ``self.x = ...``
    anywhere in it; more is safe), and its bases as dotted names (None: a
    base that is not a plain dotted name, whose members nobody can list)."""

    names: frozenset[str]
    bases: tuple[str | None, ...]
    #: the methods its body defines directly (``def fit(self, ...)``) whose
    #: name nothing sets as an attribute (``self.fit = ...``, ``fit = x``)
    methods: frozenset[str] = frozenset()
    #: literals the class body binds once (``lr = 0.3``, ``lr: float =
    #: field(default=0.3)``) that no code of the class sets on an object
    fields: tuple[tuple[str, Literal], ...] = ()
    #: a dataclass's fields in order (its annotated names); None otherwise
    dataclass_fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Exports:
    """The names :func:`module_exports` could answer, and the others."""

    #: names whose value is known from syntax (``S_UNKNOWN``: bound, but to
    #: nothing of the project, so not among the summary's names)
    values: dict[str, SValue]
    #: names only the full summary can answer (when ``everything_full``: all)
    full: frozenset[str]
    #: ``from x import *`` may bind any other name
    star: bool
    #: the module did not parse (or could not be read): ask the summary
    everything_full: bool
    #: content hash of the answers (what a result that used them depends on)
    hash: str
    #: names bound once, to a literal the module never changes (``LR = 0.1``,
    #: ``TRAIN = {"lr": 0.2}``)
    constants: dict[str, Literal] = field(default_factory=dict)
    #: top-level classes bound once: what they may have as attributes
    classes: Mapping[str, ClassShape] = field(default_factory=dict)
    #: the ``from x import *`` statements (what ``star`` may bind comes from them)
    star_imports: tuple[ImportSpec, ...] = ()
    #: names bound once by an absolute import of something outside the project
    #: → what they name (``import torch.nn as nn`` → ``torch.nn``): what a
    #: ``from module import *`` hands on of the frameworks
    imported: dict[str, str] = field(default_factory=dict)

    def lookup(self, name: str) -> SValue | None | _Full:
        """The summary value of ``name``; None when the module does not bind
        it; :data:`FULL` when only the full summary can say."""
        if self.everything_full:
            return FULL
        if name in self.values:
            value = self.values[name]
            return None if value == S_UNKNOWN else value
        constant = self.constants.get(name)
        if constant is not None and not self.star and not isinstance(constant.value, tuple):
            # a string, a number, a dict of them: nothing a summary has a value
            # for (``Summarizer.value``); a tuple is one, of unknowns
            return None
        if name in self.full or self.star:
            return FULL
        return None


UNKNOWN_EXPORTS = Exports({}, frozenset(), False, True, "")


def parse_syntax(text: str) -> ast.Module | None:
    """CPython's parse of a module; None when it does not parse."""
    try:
        with warnings.catch_warnings():
            # "invalid escape sequence" and the like: not the place to say it
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def module_exports(
    text: str | None, module: Module, layout: Layout, tree: ast.Module | None = None
) -> Exports:
    """``tree``: CPython's parse of ``text`` when the caller has it."""
    if text is None:
        return UNKNOWN_EXPORTS
    if tree is None:
        tree = parse_syntax(text)
    if tree is None:
        return UNKNOWN_EXPORTS
    sites: dict[str, list[ast.AST]] = {}
    stars: list[ImportSpec] = []
    star = _collect(tree, sites, stars)
    if "global" in text:
        for node in walk(tree):
            if isinstance(node, ast.Global):
                for name in node.names:
                    # whatever a function may rebind is never "bound once"
                    sites.setdefault(name, []).extend((node, node))
    top = {id(stmt) for stmt in tree.body}
    values: dict[str, SValue] = {}
    imported: dict[str, str] = {}
    full: set[str] = set()
    for name, where in sites.items():
        if len(where) != 1:
            full.add(name)
            continue
        node = where[0]
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            spec = _spec(node)
            values[name] = import_value(layout, module, spec, name)
            if values[name] == S_UNKNOWN:
                outside = _outside_name(layout, module, spec, name)
                if outside is not None:
                    imported[name] = outside
        elif isinstance(node, ast.ClassDef) and id(node) in top:
            values[name] = SClass(module.rel, name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and id(node) in top:
            values[name] = SFunction(module.rel, name)
        else:
            full.add(name)
    constants = _constants(tree, sites, text)
    constants.update(namespace_constants(tree, sites, imported))
    classes = ClassShapes(
        text,
        {
            stmt.name: statement_span(stmt)
            for stmt in tree.body
            if isinstance(stmt, ast.ClassDef) and isinstance(values.get(stmt.name), SClass)
        },
    )
    digest = hashlib.sha256(
        repr(
            (
                sorted((k, repr(v)) for k, v in values.items()),
                sorted(full),
                star,
                sorted((k, repr(v)) for k, v in constants.items()),
                classes.texts(),
                stars,
                sorted(imported.items()),
            )
        ).encode()
    ).hexdigest()
    return Exports(
        values, frozenset(full), star, False, digest, constants, classes, tuple(stars), imported
    )


def statement_span(stmt: ast.stmt) -> tuple[int, int]:
    """A statement's first line (its first decorator's) and last line."""
    first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
    return first, stmt.end_lineno or stmt.lineno


class ClassShapes(Mapping[str, ClassShape]):
    """The shapes of a module's top-level classes, each read from its own
    lines when first asked: reading every class's body for what it sets on
    objects cost a tenth of a cold run, and most classes are never asked."""

    def __init__(self, text: str, spans: dict[str, tuple[int, int]]) -> None:
        self._lines = text.splitlines(keepends=True) if spans else []
        self._spans = spans
        self._shapes: dict[str, ClassShape | None] = {}

    def __getitem__(self, name: str) -> ClassShape:
        if name not in self._spans:
            raise KeyError(name)
        if name not in self._shapes:
            self._shapes[name] = self._read(name)
        found = self._shapes[name]
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def texts(self) -> list[tuple[str, str]]:
        """Each class's lines: its shape is a function of them (for the
        exports' hash, which must not need the shapes)."""
        return sorted((name, self._text(name)) for name in self._spans)

    def _text(self, name: str) -> str:
        first, last = self._spans[name]
        return "".join(self._lines[first - 1 : last])

    def _read(self, name: str) -> ClassShape | None:
        first, _ = self._spans[name]
        # the same line numbers as in the module (literals carry theirs)
        tree = parse_syntax("\n" * (first - 1) + self._text(name))
        for stmt in tree.body if tree is not None else ():
            if isinstance(stmt, ast.ClassDef) and stmt.name == name:
                return class_shape(stmt)
        return None


def class_shape(cls: ast.ClassDef) -> ClassShape:
    names: set[str] = set()
    #: what is bound otherwise than by a ``def``/``class`` statement
    assigned: set[str] = set()
    # the class body's own bindings (a method's locals are not attributes)
    todo: list[ast.AST] = list(cls.body)
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            names.add(node.name)  # type: ignore[attr-defined]
            continue
        if kind is ast.Name and not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
            assigned.add(node.id)  # type: ignore[attr-defined]
        elif kind is ast.alias:
            assigned.add((node.asname or node.name).split(".")[0])  # type: ignore[attr-defined]
        add_children(node, todo)
    # what any code of it may set on an object (``self.head = ...``,
    # ``setattr(self, "head", ...)``)
    on_objects: set[str] = set()
    for node in walk(cls):
        if type(node) is ast.Attribute and not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
            on_objects.add(node.attr)  # type: ignore[attr-defined]
        elif type(node) is ast.Call and len(node.args) >= 2:  # type: ignore[attr-defined]
            key = node.args[1]  # type: ignore[attr-defined]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                on_objects.add(key.value)
    fields = _class_fields(cls, on_objects)
    assigned |= on_objects
    names |= assigned
    # a method defined once, directly in the body, that nothing else binds
    # (not a property with a setter, a redefinition, ``fit = wrap(fit)``)
    direct = [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    nested = [s for s in cls.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    counts: dict[str, int] = {}
    for stmt in direct:
        counts[stmt.name] = counts.get(stmt.name, 0) + 1
    # ``def`` statements under an ``if`` of the body, nested classes
    elsewhere = {
        node.name
        for other in nested
        for node in walk(other)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    methods = {
        stmt.name
        for stmt in direct
        if counts[stmt.name] == 1 and stmt.name not in assigned and stmt.name not in elsewhere
    }
    return ClassShape(
        frozenset(names),
        tuple(dotted_name(base) for base in cls.bases),
        frozenset(methods),
        fields,
        _dataclass_order(cls),
    )


def _class_fields(cls: ast.ClassDef, on_objects: set[str]) -> tuple[tuple[str, Literal], ...]:
    """Literal class attributes bound once, directly in the body, and never
    set on an object by the class's code."""
    bound: dict[str, list[ast.expr | None]] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                bound.setdefault(target.id, []).append(stmt.value)
                continue
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            bound.setdefault(stmt.target.id, []).append(_field_default(stmt.value))
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.setdefault(stmt.name, []).extend([None, None])
            continue  # a method's locals are no attributes of the class
        for node in walk(stmt):
            if type(node) is ast.Name and not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                bound.setdefault(node.id, []).extend([None, None])  # type: ignore[attr-defined]
    found: list[tuple[str, Literal]] = []
    for name, values in bound.items():
        value = values[0] if len(values) == 1 else None
        literal = literal_of(value) if value is not None else None
        if literal is not None and name not in on_objects:
            found.append((name, literal))
    return tuple(sorted(found, key=lambda item: item[0]))


def _field_default(value: ast.expr | None) -> ast.expr | None:
    """``field(default=0.3)`` → ``0.3``; a bare annotation binds nothing."""
    if isinstance(value, ast.Call) and dotted_name(value.func) in ("field", "dataclasses.field"):
        return next((kw.value for kw in value.keywords if kw.arg == "default"), None)
    return value


def _dataclass_order(cls: ast.ClassDef) -> tuple[str, ...] | None:
    for decorator in cls.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if dotted_name(target) in ("dataclass", "dataclasses.dataclass"):
            return tuple(
                stmt.target.id
                for stmt in cls.body
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
            )
    return None


#: methods that change a dict or list in place
def _constants(
    tree: ast.Module, sites: dict[str, list[ast.AST]], text: str | None = None
) -> dict[str, Literal]:
    """Top-level ``NAME = <literal>`` bound once and never changed in place by
    this module (``NAME["k"] = ...``, ``NAME.update(...)``, ``del NAME[k]``)."""
    found: dict[str, Literal] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if not isinstance(target, ast.Name) or len(sites.get(target.id, ())) != 1:
            continue
        literal = literal_of(value)
        if literal is not None:
            found[target.id] = literal
    if not found:
        return found
    if text is not None and all(_once(text, name) for name in found):
        # a name written once in the whole text (its binding) is changed nowhere
        return found
    for name in changed_in_place(tree):
        found.pop(name, None)
    return found


def _once(text: str, name: str) -> bool:
    first = text.find(name)
    return first >= 0 and text.find(name, first + len(name)) < 0


def _spec(node: ast.Import | ast.ImportFrom) -> ImportSpec:
    aliases = tuple((alias.name, alias.asname) for alias in node.names)
    if isinstance(node, ast.Import):
        return ImportSpec(False, "", 0, aliases)
    return ImportSpec(True, node.module or "", node.level or 0, aliases)


def statement_bindings(stmt: ast.stmt) -> set[str]:
    """The names one top-level statement may bind in the module's scope (as
    :func:`_collect` counts them: more is safe)."""
    sites: dict[str, list[ast.AST]] = {}
    _collect(ast.Module(body=[stmt], type_ignores=[]), sites, [])
    return set(sites)


def _collect(tree: ast.Module, sites: dict[str, list[ast.AST]], stars: list[ImportSpec]) -> bool:
    """Every place a name may be bound in the module's scope (more than the
    semantic model counts is safe: such a name is then left to the summary);
    whether there is a star import (each one added to ``stars``)."""
    star = False
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            sites.setdefault(node.name, []).append(node)  # type: ignore[attr-defined]
            # decorators, defaults, bases and annotations run in the module's scope
            todo.extend(node.decorator_list)  # type: ignore[attr-defined]
            if kind is ast.ClassDef:
                todo.extend(node.bases)  # type: ignore[attr-defined]
                todo.extend(node.keywords)  # type: ignore[attr-defined]
            else:
                todo.append(node.args)  # type: ignore[attr-defined]
                if node.returns is not None:  # type: ignore[attr-defined]
                    todo.append(node.returns)  # type: ignore[attr-defined]
            continue
        if kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                local = alias.asname or alias.name.split(".")[0]
                sites.setdefault(local, []).append(node)
            continue
        if kind is ast.ImportFrom:
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.name == "*":
                    star = True
                    stars.append(_spec(node))  # type: ignore[arg-type]
                else:
                    sites.setdefault(alias.asname or alias.name, []).append(node)
            continue
        if kind is ast.Name:
            if not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                sites.setdefault(node.id, []).append(node)  # type: ignore[attr-defined]
            continue
        if kind is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
            sites.setdefault(node.name, []).append(node)  # type: ignore[attr-defined]
        elif kind in _MATCH_NAMES and getattr(node, "name", None):
            sites.setdefault(node.name, []).append(node)  # type: ignore[attr-defined]
        elif kind is _MATCH_MAPPING and getattr(node, "rest", None):
            sites.setdefault(node.rest, []).append(node)  # type: ignore[attr-defined]
        add_children(node, todo)
    return star


_MATCH_NAMES = tuple(
    t for t in (getattr(ast, "MatchAs", None), getattr(ast, "MatchStar", None)) if t
)
_MATCH_MAPPING = getattr(ast, "MatchMapping", None)
