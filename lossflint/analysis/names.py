"""Scopes, bindings and canonical qualified names: the one place names are resolved.

Our own single pass replaces libcst's ScopeProvider/QualifiedNameProvider,
which cost several times the parse on real repositories. The model is simple
on purpose and errs towards "unknown": a name resolves to a framework API only
when every binding of it in the scope that owns it is an import of that API.

A name bound nowhere in the file (:class:`FreeNames`) is what the last star
import of a known framework module that exports it binds (``from keras.layers
import *``); failing that, a built-in; failing that, for code pasted without
imports, what the conventions say (``Dense`` is ``keras.layers.Dense``) when the
file's evidence agrees on the framework. A star import of a module the
catalogue does not know may bind anything: after it, unbound names stay
unknown. ``docs/snippets.md`` states the rule.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import exports

BindingKind = Literal["import", "def", "class", "assign", "param", "other"]

_BUILTINS = frozenset(dir(builtins))

_CANONICAL: dict[str, str] = {}
_CANONICAL_LIMIT = 100_000


def canonical(qualname: str) -> str:
    """``tensorflow.keras.layers.Convolution2D`` → ``keras.layers.Conv2D``."""
    found = _CANONICAL.get(qualname)
    if found is None:
        found = _keras_legacy(_prefixed(qualname))
        if len(_CANONICAL) >= _CANONICAL_LIMIT:
            _CANONICAL.clear()
        _CANONICAL[qualname] = found
    return found


def _prefixed(qualname: str) -> str:
    dotted = qualname + "."
    for prefix, repl in apis.CANONICAL_PREFIXES:
        if dotted.startswith(prefix):
            return (repl + dotted[len(prefix) :])[:-1]
    if qualname in apis.KERAS_ALIASES:
        return "keras"
    return qualname


def _keras_legacy(qualname: str) -> str:
    """Keras 1/2 submodules and class names in their modern spelling."""
    if not qualname.startswith("keras."):
        return qualname
    dotted = qualname + "."
    for prefix, repl in apis.KERAS_LEGACY_PREFIXES:
        if dotted.startswith(prefix):
            qualname = (repl + dotted[len(prefix) :])[:-1]
            break
    return apis.KERAS_LEGACY_NAMES.get(qualname, qualname)


@dataclass(frozen=True)
class Binding:
    kind: BindingKind
    node: cst.CSTNode | None = None
    qualname: str | None = None  # set for imports


@dataclass(eq=False)
class Scope:
    kind: Literal["module", "function", "class", "lambda"]
    node: cst.CSTNode
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    #: module scope only: what the names bound nowhere mean (built on first use)
    free: FreeNames | None = field(default=None, repr=False)

    def bind(self, name: str, binding: Binding) -> None:
        target: Scope = self
        if name in self.globals:
            target = self.module()
        self_list = target.bindings.setdefault(name, [])
        self_list.append(binding)

    def module(self) -> Scope:
        scope: Scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> list[Binding] | None:
        """The bindings visible for ``name`` from this scope (None: unbound)."""
        scope: Scope | None = self
        if name in self.globals:
            scope = self.module()
        first = True
        while scope is not None:
            # A class body is not visible from the functions nested in it.
            if scope.kind == "class" and not first:
                scope = scope.parent
                continue
            found = scope.bindings.get(name)
            if found is not None:
                return found
            first = False
            scope = scope.parent
        return None


def _is_none_assignment(binding: Binding) -> bool:
    return (
        binding.kind == "assign"
        and isinstance(binding.node, cst.Name)
        and (binding.node.value == "None")
    )


def qualname_of_bindings(bindings: list[Binding]) -> str | None:
    """The imported qualified name if every binding is that same import.

    ``x = None`` fallbacks (``try: import torch / except ImportError: torch =
    None``) are ignored: calling through ``None`` could not have run.
    """
    names = {
        b.qualname if b.kind == "import" else None for b in bindings if not _is_none_assignment(b)
    }
    if len(names) == 1:
        (only,) = names
        return only
    return None


def dotted_name(node: cst.BaseExpression) -> list[str] | None:
    """``a.b.c`` → ["a", "b", "c"]; None for anything that is not a plain chain."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        parts.reverse()
        return parts
    return None


def last_name(func: cst.BaseExpression) -> str | None:
    """``f`` of ``f(...)`` or ``a.b.f(...)``: the name a call is made by."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def target_binds(target: cst.CSTNode, name: str) -> bool:
    """Whether the assignment target ``target`` binds ``name`` (``name``,
    ``a, name``, ``[*name]``)."""
    if isinstance(target, cst.Name):
        return target.value == name
    return name in bound_by(target)


def bound_by(target: cst.CSTNode) -> set[str]:
    """The names the assignment target ``target`` binds (``a, [*b]``: a and
    b; an attribute or an item binds none)."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        found: set[str] = set()
        for element in target.elements:
            found |= bound_by(element.value)
        return found
    if isinstance(target, cst.StarredElement):
        return bound_by(target.value)
    return set()


def literal_item(node: cst.BaseExpression) -> tuple[str, str | int] | None:
    """``df["age"]`` / ``self.history["loss"]`` → (the dotted base, the
    literal key); None for any other subscript or expression."""
    if not isinstance(node, cst.Subscript) or len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    base = dotted_text(node.value)
    if base is None or not isinstance(index, cst.Index):
        return None
    if isinstance(index.value, cst.SimpleString):
        key: str | int = index.value.evaluated_value  # type: ignore[assignment]
    elif isinstance(index.value, cst.Integer):
        key = int(index.value.value, 0)
    else:
        return None
    return (base, key) if isinstance(key, (str, int)) else None


def name_words(name: str) -> list[str]:
    """An identifier's words, lower-cased: ``build_targets`` → build, targets;
    ``BoxCoder`` → box, coder; ``ATSSAssigner`` → atss, assigner."""
    spaced = _WORD_BREAK.sub("_", name).lower()
    return [word for word in spaced.split("_") if word]


#: where a word starts inside an identifier: after a lower-case letter or
#: digit (``boxCoder``), or at the last capital of an acronym (``ATSSAssigner``)
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def self_attribute(expr: cst.BaseExpression) -> str | None:
    """``self.hidden`` → ``"hidden"`` (one attribute of ``self``, no deeper)."""
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == "self"
    ):
        return expr.attr.value
    return None


def dotted_text(node: cst.BaseExpression) -> str | None:
    """``model`` / ``self.net`` → "self.net"; None for anything but a plain chain."""
    parts = dotted_name(node)
    return ".".join(parts) if parts else None


def resolve_qualname(node: cst.BaseExpression, scope: Scope) -> str | None:
    parts = dotted_name(node)
    if not parts:
        return None
    bindings = scope.lookup(parts[0])
    if bindings is None:
        root = free_names(scope).meaning(parts[0])
        if root is None:
            return None
        if root.startswith("builtins."):
            return ".".join([root, *parts[1:]])
    else:
        root = _imported_root(bindings, parts[0]) or _module_alias(parts[0], bindings, scope)
        if root is None:
            return None
    return canonical(".".join([root, *parts[1:]]))


def _imported_root(bindings: list[Binding], local: str) -> str | None:
    """What the import binding ``local`` names: a framework's name as such,
    another's through a project module that re-exports one."""
    root = qualname_of_bindings(bindings)
    if root is not None and root.split(".", 1)[0] not in exports.IMPORT_EVIDENCE:
        return _project_reexport(bindings, local) or root
    return root


def _project_reexport(bindings: list[Binding], local: str) -> str | None:
    """``from pkg.compat import keras`` of a project module that imports
    ``keras`` itself (``from tensorflow import keras``): the framework name it
    hands on, under the project analysis (tfmot, audit s171)."""
    if len(bindings) != 1 or bindings[0].kind != "import":
        return None
    node = bindings[0].node
    if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
        return None
    for alias in node.names:
        bound = alias.asname.name if alias.asname is not None else alias.name
        if (
            isinstance(bound, cst.Name)
            and bound.value == local
            and isinstance(alias.name, cst.Name)
        ):
            found = _project_star_target(node)
            if found is None:
                return None
            context, dotted, level = found
            outside: str | None = context.reexported_outside_name(dotted, level, alias.name.value)
            return outside
    return None


def _module_alias(name: str, bindings: list[Binding], scope: Scope) -> str | None:
    """``keras = tf.keras``: a name bound once, at module level, to an
    attribute chain of an imported module, is that chain (TF2 tutorials)."""
    kept = [b for b in bindings if not _is_none_assignment(b)]
    if len(kept) != 1 or kept[0].kind != "assign" or not isinstance(kept[0].node, cst.Attribute):
        return None
    module = scope.module()
    if all(b is not kept[0] for b in module.bindings.get(name, ())):
        return None  # bound in a function or class: not the module's alias
    chain = dotted_name(kept[0].node)
    if not chain or chain[0] == name or module.bindings.get(chain[0]) is None:
        return None
    root = _imported_root(module.bindings[chain[0]], chain[0])
    return ".".join([root, *chain[1:]]) if root is not None else None


def free_names(scope: Scope) -> FreeNames:
    """The unbound-name reading of the module ``scope`` belongs to."""
    module = scope.module()
    if module.free is None:
        assert isinstance(module.node, cst.Module)
        module.free = FreeNames(module.node)
    return module.free


# --- names bound nowhere ------------------------------------------------------------------

#: the comment notebook.py leaves on a masked IPython line (``%run x.py`` may bind anything)
_MASKED_LINE = "# lossflint-masked-line-"


class FreeNames:
    """What the names a module binds nowhere mean: star imports, built-ins, conventions."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        #: each ``from m import *``, in source order
        self.star_nodes: tuple[cst.ImportFrom, ...] = tuple(_star_imports(module))
        #: canonical module of each, in the same order (None: not a module the
        #: catalogue knows)
        self.stars: tuple[str | None, ...] = tuple(_star_module(n) for n in self.star_nodes)
        self._survey: _Survey | None = None
        #: names resolved by convention so far → what they were taken for
        self.assumed: dict[str, str] = {}

    def meaning(self, name: str) -> str | None:
        """Qualified name of the unbound ``name`` (not canonical), or None."""
        closed = True  # every star import that may bind it is read
        for node, module in zip(reversed(self.star_nodes), reversed(self.stars), strict=True):
            if module is None:
                star = _project_star_meaning(node, name)
                if star is None:
                    closed = False
                    break  # not the project's: it may bind anything
                binds, qualname = star
                if binds:
                    return qualname
                continue
            reexported = exports.REEXPORTS.get(module)
            if reexported is not None:
                if name in reexported:
                    return reexported[name]
                break  # it may bind anything else
            exported = exports.star_exports(module)
            if exported is not None and name in exported:
                return f"{module}.{name}"
        if name in _BUILTINS:
            return "builtins." + name
        meanings = exports.CONVENTIONS.get(name)
        if meanings is None or not closed or self._open_star(project_read=True):
            return None
        found = self._convention(name, meanings)
        if found is not None:
            self.assumed[name] = found
        return found

    def unread_stars(self, name: str) -> list[cst.ImportFrom]:
        """The star imports the catalogue cannot read that may bind ``name``,
        last first: those after the last one of a catalogue module that may
        bind it (a project module's, for the project analysis to ask)."""
        found: list[cst.ImportFrom] = []
        for node, module in zip(reversed(self.star_nodes), reversed(self.stars), strict=True):
            if module is None:
                found.append(node)
                continue
            exported = exports.star_exports(module)
            if module in exports.REEXPORTS or exported is None or name in exported:
                break  # a framework's name, or maybe one
        return found

    def _open_star(self, project_read: bool = False) -> bool:
        """A star import that may bind names the catalogue cannot list
        (``project_read``: the project's own were read and bind nothing)."""
        return any(
            (star is None and not (project_read and _project_star(node)))
            or star in exports.REEXPORTS
            for node, star in zip(self.star_nodes, self.stars, strict=True)
        )

    def _convention(self, name: str, meanings: dict[str, str]) -> str | None:
        survey = self.survey()
        if survey.blocked or name in survey.bound:
            # bound somewhere else in the file (another function's import): not
            # a snippet's name, whatever it is here
            return None
        if exports.ANY in meanings:
            return meanings[exports.ANY]
        evidence = survey.evidence
        allowed = [fw for fw in meanings if not evidence or fw in evidence]
        if len(allowed) == 1:
            return meanings[allowed[0]]
        return None

    def survey(self) -> _Survey:
        if self._survey is None:
            self._survey = _Survey(self.module, self.stars)
        return self._survey


def _project_star_meaning(node: cst.ImportFrom, name: str) -> tuple[bool, str | None] | None:
    """``from models import *`` of a project module, under the project
    analysis: whether it binds ``name``, and the framework name it hands on
    (``models/__init__.py``'s ``import torch.nn as nn``); None when it is no
    project module or no project is analysed."""
    found = _project_star_target(node)
    return found[0].star_outside_name(found[1], found[2], name) if found is not None else None


def _project_star(node: cst.ImportFrom) -> bool:
    """``from models import *`` names a module of the analysed project."""
    found = _project_star_target(node)
    return found is not None and found[0].import_module(found[1], found[2]) is not None


def _project_star_target(node: cst.ImportFrom) -> tuple[Any, str, int] | None:
    """The project being analysed, and the module and level the ``from``
    import names (a star import, or a re-exported framework name); None when
    no project is analysed."""
    from lossflint.project.context import current  # the project layer sits above this one

    context = current()
    if context is None:
        return None
    module = dotted_text(node.module) if node.module is not None else ""
    return context, module or "", len(node.relative)


def _star_imports(module: cst.Module) -> Iterator[cst.ImportFrom]:
    """Each ``from m import *``, in source order. Python
    allows them only at module level (also under ``if``/``try``/``with``/loops),
    so function and class bodies are not searched."""
    todo: list[cst.CSTNode] = list(reversed(module.body))
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind is cst.SimpleStatementLine or kind is cst.SimpleStatementSuite:
            for small in node.body:  # type: ignore[attr-defined]
                if type(small) is cst.ImportFrom and type(small.names) is cst.ImportStar:
                    yield small  # type: ignore[misc]
        elif kind in _BLOCKS:
            nested: list[cst.CSTNode] = []
            for name in _BLOCKS[kind]:
                value = getattr(node, name)
                if isinstance(value, cst.CSTNode):
                    nested.append(value)
                elif value is not None:
                    nested.extend(value)
            todo.extend(reversed(nested))


#: where statements nest at module level: node type → fields holding them
_BLOCKS: dict[type, tuple[str, ...]] = {
    cst.IndentedBlock: ("body",),
    cst.If: ("body", "orelse"),
    cst.Else: ("body",),
    cst.Try: ("body", "handlers", "orelse", "finalbody"),
    cst.TryStar: ("body", "handlers", "orelse", "finalbody"),
    cst.ExceptHandler: ("body",),
    cst.ExceptStarHandler: ("body",),
    cst.Finally: ("body",),
    cst.With: ("body",),
    cst.For: ("body", "orelse"),
    cst.While: ("body", "orelse"),
    cst.Match: ("cases",),
    cst.MatchCase: ("body",),
}


def _star_module(node: cst.ImportFrom) -> str | None:
    if node.relative or node.module is None:
        return None  # a module of the project: it may bind anything
    module = _prefixed(dotted_text(node.module) or "")
    known = module in exports.REEXPORTS or exports.star_exports(module) is not None
    return module if known else None


@dataclass
class _Survey:
    """One walk over a module for the convention rule: its framework evidence, and
    whether it can bind names we cannot see."""

    module: cst.Module
    stars: tuple[str | None, ...]
    blocked: bool = False
    evidence: frozenset[str] = frozenset()
    #: every name bound anywhere in the module (any scope)
    bound: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        imported: set[str] = set()
        for star in self.stars:
            if star is not None:
                imported.add(_framework_of_module(star))
        used: set[str] = set()
        bound: set[str] = set()
        attributes: set[str] = set()
        for node, role in _names(self.module):
            if role == "used":
                used.add(node.value)
            elif role == "attribute":
                attributes.add(node.value)
            elif role == "bound":
                bound.add(node.value)
            elif role == "import":
                imported.add(_framework_of_module(node.value))
            else:
                self.blocked = True  # a masked IPython line
        if used & exports.NAME_INJECTORS:
            self.blocked = True
        self.bound = frozenset(bound)
        imported.discard("")
        if imported:
            self.evidence = frozenset(imported)
            return
        snippet: set[str] = set()
        for name in used - bound:
            meanings = exports.CONVENTIONS.get(name)
            if meanings is not None and len(meanings) == 1 and exports.ANY not in meanings:
                snippet.update(meanings)
        if attributes & exports.TORCH_METHODS:
            snippet.add(exports.TORCH)
        if exports.KERAS_COMPILE in attributes and attributes & exports.KERAS_METHODS:
            snippet.add(exports.KERAS)
        self.evidence = frozenset(snippet)


def _framework_of_module(module: str) -> str:
    return exports.IMPORT_EVIDENCE.get(module.split(".", 1)[0], "")


# Fields that hold only tokens and whitespace: never walked.
_SKIPPED_FIELDS = frozenset(
    {"lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header"}
    | {"footer", "newline", "equal", "colon", "dot", "operator", "star", "default_indent"}
    | {"default_newline", "encoding", "asynchronous", "indent", "relative", "lbracket"}
    | {"rbracket", "lbrace", "rbrace", "arrow", "trailing_whitespace"}
)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = tuple(
            f.name
            for f in dataclasses.fields(kind)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
    return found


_Role = Literal["used", "bound", "attribute", "import", "masked"]


def _names(root: cst.CSTNode) -> Iterator[tuple[Any, _Role]]:
    """Every identifier of ``root`` with its role: a name read (``used``), a name
    bound (assignment/loop/``as`` targets, parameters, ``def``/``class`` names),
    an attribute name, an imported module (a ``_Text``; the names an import
    binds are ``bound`` ``_Text``s), or a masked IPython line (the statement)."""
    todo: list[tuple[Any, bool]] = [(root, False)]
    while todo:
        node, binds = todo.pop()
        if isinstance(node, cst.Name):
            yield node, "bound" if binds else "used"
            continue
        if isinstance(node, cst.Attribute):
            yield node.attr, "attribute"
            todo.append((node.value, False))
            continue
        if isinstance(node, cst.Arg):
            todo.append((node.value, False))  # not the keyword's name
            continue
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            yield from _import_roles(node)
            continue
        if isinstance(node, cst.SimpleStatementLine):
            comment = node.trailing_whitespace.comment
            if comment is not None and comment.value.startswith(_MASKED_LINE):
                yield node, "masked"
        # a binding flag goes on through unpacking targets (``a, (b, *c) = ...``)
        passes = binds and isinstance(node, _UNPACKING)
        targets = _BINDING_FIELDS.get(type(node), ())
        for name in _fields(type(node)):
            value = getattr(node, name)
            child_binds = passes or name in targets
            if isinstance(value, cst.CSTNode):
                todo.append((value, child_binds))
            elif isinstance(value, (tuple, list)):
                todo.extend((v, child_binds) for v in value if isinstance(v, cst.CSTNode))


_UNPACKING = (cst.Tuple, cst.List, cst.StarredElement, cst.Element)
#: fields that bind the names they hold
_BINDING_FIELDS: dict[type, tuple[str, ...]] = {
    cst.AssignTarget: ("target",),
    cst.AnnAssign: ("target",),
    cst.AugAssign: ("target",),
    cst.For: ("target",),
    cst.CompFor: ("target",),
    cst.NamedExpr: ("target",),
    cst.FunctionDef: ("name",),
    cst.ClassDef: ("name",),
    cst.Param: ("name",),
    cst.AsName: ("name",),
    cst.NameItem: ("name",),
    cst.MatchAs: ("name",),
    cst.MatchStar: ("name",),
}


@dataclass(frozen=True)
class _Text:
    """A module or local name of an import statement, as ``_names`` yields it."""

    value: str


def _import_roles(node: cst.Import | cst.ImportFrom) -> Iterator[tuple[Any, _Role]]:
    """The imported module(s) and the local names the import binds."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_text(alias.name) or ""
            yield _Text(full), "import"
            local = _local_name(alias) or full.split(".", 1)[0]
            yield _Text(local), "bound"
        return
    if node.module is not None and not node.relative:
        yield _Text(dotted_text(node.module) or ""), "import"
    if not isinstance(node.names, cst.ImportStar):
        for alias in node.names:
            yield _Text(_local_name(alias) or dotted_text(alias.name) or ""), "bound"


def _local_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


# --- what a finding assumed ---------------------------------------------------------------

#: how many expressions ``assumptions`` follows back from a finding's statements
_ASSUMPTION_BUDGET = 200


def assumptions(
    scope: Scope,
    nodes: Iterable[cst.CSTNode],
    bindings: Callable[[cst.Name], list[Binding] | None],
    qualname: Callable[[cst.BaseExpression], str | None],
) -> dict[str, str]:
    """The names read by convention that a finding rests on → what they were
    taken for: those in ``nodes`` (the statements reported and those its notes
    point at) and in the values assigned to the names these use, followed back
    (``model.add(Dense(1))`` rests on ``model = Sequential()`` too)."""
    free = scope.module().free
    if free is None or not free.assumed:
        return {}
    found: dict[str, str] = {}
    todo = list(nodes)
    seen: set[int] = set()
    budget = _ASSUMPTION_BUDGET
    while todo and budget:
        budget -= 1
        for node, role in _names(todo.pop()):
            if role != "used":
                continue
            bound = bindings(node)
            if bound is None:
                meaning = free.assumed.get(node.value)
                if meaning is not None and qualname(node) is not None:
                    found[node.value] = meaning
                continue
            for binding in bound:
                value = binding.node
                if binding.kind == "assign" and value is not None and id(value) not in seen:
                    seen.add(id(value))
                    todo.append(value)
    return dict(sorted(found.items()))


def module_receiver(expr: cst.BaseExpression) -> str | None:
    """The dotted name of the module ``expr`` is, through methods that return
    the module itself: ``model.to(device)`` is ``model``."""
    while (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in apis.MODULE_RETURNING_METHODS
    ):
        expr = expr.func.value
    return dotted_text(expr)
