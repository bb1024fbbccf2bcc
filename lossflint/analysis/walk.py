"""Small walks over a libcst subtree.

libcst's own visitor rebuilds every node it passes and visits every token and
whitespace node: a walk of a function body that way costs about as much as
parsing it. These walks read the syntactic fields of the node dataclasses
directly (tokens and whitespace skipped) and never recurse (deep nesting is
fine). :func:`descendants` yields nodes in source order, as libcst's visitor
does (tests/test_walk.py compares them).

A question asked of a subtree more than once (the calls in a loop's body, the
lambdas in it, the attributes read in a function) goes through a
:class:`Subtree`: the node's descendants listed once, and by type on demand.
They are kept per model (:func:`memo_of`: ``model.analysis``), or, in a
process that lints versions of one text (the language server's worker,
:func:`share_subtrees`), across models by node: libcst's nodes are immutable
and the reparse keeps an unchanged statement the same node objects, so what
lies under an unchanged function is listed once per editing session, not once
per keystroke and question (tests/test_walk_subtrees.py compares every answer
with a fresh walk).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import libcst as cst

from lossflint.analysis.names import bound_by

_T = TypeVar("_T")

#: fields that hold only tokens and whitespace: never walked
TOKEN_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "leading_lines",
        "lines_after_decorators",
        "trailing_whitespace",
        "header",
        "footer",
        "newline",
        "equal",
        "colon",
        "dot",
        "operator",
        "star",
        "default_indent",
        "default_newline",
        "encoding",
        "asynchronous",
        "indent",
        "relative",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "arrow",
    }
)

#: node types whose dataclass fields are not in source order
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Arg: ("keyword", "value"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
    cst.Slice: ("lower", "first_colon", "upper", "second_colon", "step"),
    cst.Parameters: (
        "posonly_params",
        "posonly_ind",
        "params",
        "star_arg",
        "kwonly_params",
        "star_kwarg",
    ),
}

_FIELDS: dict[type, tuple[str, ...]] = {}
_ORDERED: dict[type, tuple[str, ...]] = {}
_NODE_TYPES: dict[type, bool] = {}


def child_fields(node_type: type) -> tuple[str, ...]:
    """The fields of ``node_type`` that hold syntax (dataclass order)."""
    found = _FIELDS.get(node_type)
    if found is None:
        found = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in TOKEN_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS[node_type] = found
    return found


def _source_fields(node_type: type) -> tuple[str, ...]:
    found = _ORDERED.get(node_type)
    if found is None:
        fields = child_fields(node_type)
        order = _SOURCE_ORDER.get(node_type)
        if order is not None:
            fields = tuple(f for f in order if f in fields) + tuple(
                f for f in fields if f not in order
            )
        found = _ORDERED[node_type] = fields
    return found


def is_node(kind: type) -> bool:
    """``issubclass(kind, CSTNode)``, cached: libcst's node classes use ABCMeta,
    whose instance checks are a measurable share of a walk."""
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return found


def children(node: cst.CSTNode, in_source_order: bool = True) -> list[cst.CSTNode]:
    """The syntax nodes right under ``node`` (tokens and whitespace left out);
    in dataclass field order when not ``in_source_order`` (cheaper; the index
    walk does not care)."""
    out: list[cst.CSTNode] = []
    fields = _source_fields(type(node)) if in_source_order else child_fields(type(node))
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend(v for v in value if is_node(type(v)))
        elif is_node(kind):
            out.append(value)
    return out


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every syntax node under it, in source order."""
    todo: list[cst.CSTNode] = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(reversed(children(current)))


def calls_in(node: cst.CSTNode, memo: SubtreeMemo | None = None) -> list[cst.Call]:
    """Every call under ``node`` (``node`` included), in source order; through
    ``memo`` (or the shared memo, :func:`share_subtrees`) when there is one."""
    return cast("list[cst.Call]", nodes_in(node, cst.Call, memo=memo))


def names_in(node: cst.CSTNode, ident: str, memo: SubtreeMemo | None = None) -> list[cst.Name]:
    """Every ``Name`` spelled ``ident`` under ``node`` (a binding, a use, an
    attribute's name alike), in source order."""
    return [
        n for n in cast("list[cst.Name]", nodes_in(node, cst.Name, memo=memo)) if n.value == ident
    ]


def nodes_in(node: cst.CSTNode, *kinds: type, memo: SubtreeMemo | None = None) -> list[cst.CSTNode]:
    """The nodes under ``node`` (``node`` included) of exactly these types
    (libcst's node classes are not subclassed: name concrete classes), in
    source order: ``[n for n in descendants(node) if type(n) in kinds]``."""
    if memo is None:
        memo = _SHARED
    if memo is None:
        return [n for n in descendants(node) if type(n) in kinds]
    found: list[cst.CSTNode] = [node] if type(node) in kinds else []
    found.extend(memo.get(node).of_types(kinds))
    return found


class Subtree:
    """What lies under a node: its strict descendants in source order (the
    node itself is left out: :func:`nodes_in` adds it when it matches), by
    exact type when asked, and what was derived from them (:meth:`derived`).
    Also a by-type index of any list of nodes (``ModuleIndex.nodes_of_type``
    keeps one per top-level statement, in the walk's order)."""

    __slots__ = ("nodes", "_positions", "_derived")

    def __init__(self, nodes: list[cst.CSTNode]) -> None:
        self.nodes = nodes
        self._positions: dict[type, list[int]] | None = None
        self._derived: dict[Callable[[Subtree], Any], Any] | None = None

    def positions_of(self, kind: type) -> Sequence[int]:
        """Where the nodes of exactly type ``kind`` are in :attr:`nodes`."""
        positions = self._positions
        if positions is None:
            # filled aside and set whole: the worker may cancel a lint by an
            # exception at any point, and a kept half index would answer the
            # next versions wrongly
            positions = {}
            for i, node in enumerate(self.nodes):
                kind_of = type(node)
                at = positions.get(kind_of)
                if at is None:
                    positions[kind_of] = [i]
                else:
                    at.append(i)
            self._positions = positions
        return positions.get(kind, ())

    def of_type(self, kind: type) -> list[cst.CSTNode]:
        nodes = self.nodes
        return [nodes[i] for i in self.positions_of(kind)]

    def of_types(self, kinds: Sequence[type]) -> list[cst.CSTNode]:
        """The nodes of exactly one of ``kinds``, in :attr:`nodes`' order."""
        if len(kinds) == 1:
            return self.of_type(kinds[0])
        wanted = sorted(i for kind in kinds for i in self.positions_of(kind))
        nodes = self.nodes
        return [nodes[i] for i in wanted]

    def derived(self, build: Callable[[Subtree], _T]) -> _T:
        """``build(self)``, built once: ``build`` must read nothing but the
        subtree (no model, no settings), as the answer may serve another
        model holding the same node."""
        derived = self._derived
        if derived is None:
            derived = self._derived = {}
        if build not in derived:
            derived[build] = build(self)
        return cast(_T, derived[build])


class SubtreeMemo:
    """:class:`Subtree` by node. Unbounded for one model's lint (it goes with
    the model); the shared one keeps the ``size`` most recently asked, and
    at most ``held`` listed nodes."""

    def __init__(self, size: int | None = None, held: int = 1_000_000) -> None:
        self.size = size
        #: the bounded memo's budget of listed nodes, all subtrees together (a
        #: module's subtree lists every node of its version)
        self.max_held = held
        self.held = 0
        self._items: OrderedDict[cst.CSTNode, Subtree] = OrderedDict()
        #: subtrees listed by a walk / found kept (for tests and the benchmark)
        self.walked = 0
        self.reused = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, node: cst.CSTNode) -> Subtree:
        items = self._items
        found = items.get(node)
        if found is not None:
            self.reused += 1
            if self.size is not None:
                items.move_to_end(node)
            return found
        if type(node) is cst.Module:
            # a new version's module holds the last one's unchanged
            # statements: their subtrees are kept, and spliced below
            for statement in children(node):
                self.get(statement)
        found = Subtree(self._walk(node))
        self.walked += 1
        items[node] = found
        if self.size is not None:
            self.held += len(found.nodes)
            while len(items) > 1 and (len(items) > self.size or self.held > self.max_held):
                self.held -= len(items.popitem(last=False)[1].nodes)
        return found

    def _walk(self, root: cst.CSTNode) -> list[cst.CSTNode]:
        """``list(descendants(root))[1:]``, with the kept subtrees spliced in."""
        items = self._items
        out: list[cst.CSTNode] = []
        todo = list(reversed(children(root)))
        while todo:
            current = todo.pop()
            out.append(current)
            kept = items.get(current)
            if kept is not None:
                out.extend(kept.nodes)
            else:
                todo.extend(reversed(children(current)))
        return out


def _model_memo(model: Any) -> SubtreeMemo:
    return SubtreeMemo()


def memo_of(model: Any) -> SubtreeMemo:
    """The memo for questions about ``model``'s nodes (a ``ModuleIndex``; not
    imported here: index imports this module): the shared one when there is
    one, else the model's own (``model.analysis``)."""
    if _SHARED is not None:
        return _SHARED
    return model.analysis(_model_memo)


_SHARED: SubtreeMemo | None = None


def share_subtrees(size: int = 8192, held: int = 1_000_000) -> SubtreeMemo:
    """Keep subtrees across models from now on, by node (for a process that
    lints versions of the same text: the language server's worker)."""
    global _SHARED
    _SHARED = SubtreeMemo(size, held)
    return _SHARED


def stop_sharing_subtrees() -> None:
    global _SHARED
    _SHARED = None


_NESTING = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def own_returns(func: cst.FunctionDef) -> list[cst.Return]:
    """The ``return`` statements of ``func`` itself (not of the functions,
    lambdas and classes nested in it), in source order; listed once per
    function node while subtrees are shared (:func:`share_subtrees`)."""
    memo = _SHARED
    if memo is not None:
        return list(memo.get(func).derived(_own_returns_listed))
    return _walk_own_returns(func)


def _own_returns_listed(subtree: Subtree) -> tuple[cst.Return, ...]:
    """``own_returns`` from the function's listed descendants: a nested
    scope's descendants follow it in the list, as many as its own subtree
    lists (the shared memo's, built from the same immutable nodes)."""
    memo = _SHARED
    nodes = subtree.nodes
    found: list[cst.Return] = []
    i, end = 0, len(nodes)
    while i < end:
        node = nodes[i]
        kind = type(node)
        i += 1
        if kind is cst.Return:
            found.append(node)  # type: ignore[arg-type]
        elif kind in _NESTING:
            # (sharing stopped meanwhile: the nested scope's walk counts them)
            i += len(memo.get(node).nodes) if memo is not None else len(list(descendants(node))) - 1
    return tuple(found)


def _walk_own_returns(func: cst.FunctionDef) -> list[cst.Return]:
    found: list[cst.Return] = []
    todo: list[cst.CSTNode] = [func.body]
    while todo:
        current = todo.pop()
        kind = type(current)
        if kind is cst.Return:
            found.append(current)  # type: ignore[arg-type]
            continue
        if kind in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            continue
        todo.extend(reversed(children(current)))
    return found


#: ``bound_names``' memo, by node identity (``forget_bound_names`` empties it)
_BOUND: dict[cst.CSTNode, frozenset[str]] = {}
#: statement-like nodes: each holds its own entry of ``_BOUND``, so a
#: statement's names are its own targets and its inner statements' names
_STATEMENT_LIKE = (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.IndentedBlock)
#: past this many entries the memo starts again (it keeps its nodes alive)
_BOUND_LIMIT = 200_000


def bound_names(node: cst.CSTNode) -> frozenset[str]:
    """Every name ``node`` may bind. ``_walk_back`` asks each statement
    before a use, and the loops around it, about many names: each
    statement's names are computed once, from its inner statements' (a
    walk per statement, not per statement per block around it); nodes hash
    by identity, and the language server's worker keeps the entries of
    the statements a new version shares with the last one."""
    found = _BOUND.get(node)
    if found is not None:
        return found
    if len(_BOUND) > _BOUND_LIMIT:
        _BOUND.clear()
    # inner statements first (post order, no recursion: nesting may be deep)
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        if current in _BOUND:
            continue
        if ready:
            _BOUND[current] = _own_bound_names(current)
            continue
        stack.append((current, True))
        stack.extend((inner, False) for inner in _inner_statements(current))
    return _BOUND[node]


def _inner_statements(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The statement-like nodes under ``node`` with no other one between."""
    found: list[cst.CSTNode] = []
    todo = children(node, in_source_order=False)
    while todo:
        current = todo.pop()
        if isinstance(current, _STATEMENT_LIKE):
            found.append(current)
        else:
            todo.extend(children(current, in_source_order=False))
    return found


def _own_bound_names(node: cst.CSTNode) -> frozenset[str]:
    """``node``'s names: its own targets and its inner statements' names
    (already in the memo)."""
    found: set[str] = set()
    todo = [node]
    while todo:
        inner = todo.pop()
        if inner is not node and isinstance(inner, _STATEMENT_LIKE):
            found |= _BOUND[inner]
            continue
        found |= names_bound_here(inner)
        if not isinstance(inner, (cst.Global, cst.Nonlocal)):
            todo.extend(children(inner, in_source_order=False))
    return frozenset(found)


def names_bound_here(node: cst.CSTNode) -> frozenset[str]:
    """The names ``node`` itself binds, nothing under it: an assignment's,
    ``for``'s, ``with ... as``'s or ``:=``'s target, an import without
    ``as``, a ``del``, a ``def``/``class`` name, ``global``/``nonlocal``."""
    target: cst.CSTNode | None = None
    if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.NamedExpr)):
        target = node.target
    elif isinstance(node, (cst.For, cst.CompFor)):
        target = node.target
    elif isinstance(node, cst.AsName):
        target = node.name
    elif isinstance(node, cst.ImportAlias) and node.asname is None:
        # ``from sklearn import metrics`` binds ``metrics``; ``import a.b`` binds ``a``
        bound: cst.BaseExpression = node.name
        while isinstance(bound, cst.Attribute):
            bound = bound.value
        target = bound
    elif isinstance(node, cst.Del):
        target = node.target
    elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        target = node.name
    elif isinstance(node, (cst.Global, cst.Nonlocal)):
        return frozenset(n.name.value for n in node.names)
    return frozenset(bound_by(target)) if target is not None else frozenset()


def forget_bound_names() -> None:
    """Drop the memo (a new module is read: the old trees need not stay)."""
    _BOUND.clear()


#: expressions that bind names of their own (a lambda's parameters, a
#: comprehension's targets, a walrus): what is inside is not plain data flow
NAME_BINDING_EXPRESSIONS = (
    cst.Lambda,
    cst.NamedExpr,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)
