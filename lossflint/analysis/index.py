"""What one walk over a module gives: parents, scopes, bindings and calls.

Built from one libcst parse and one traversal: parent links, scopes and
bindings, and an index of calls. Qualified names and positions are computed on
demand, so a file pays only for what its rules ask. The analyses built on it
(value kinds, contexts, loops, Keras facts, ...) are kept in its per-analysis
cache (``index.analysis(build)``): each is built once per file, by whoever asks
first, and this module knows none of them.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar, cast

import libcst as cst
from libcst.metadata import CodeRange

from lossflint.analysis.names import (
    Binding,
    Scope,
    canonical,
    dotted_name,
    dotted_text,
    resolve_qualname,
)
from lossflint.analysis.positions import LazyPositions
from lossflint.analysis.walk import Subtree, bound_names, children, forget_bound_names, memo_of

_A = TypeVar("_A")


@dataclass(eq=False)
class CallSite:
    node: cst.Call
    scope: Scope
    _model: ModuleIndex

    @cached_property
    def qualname(self) -> str | None:
        return self._model.qualname(self.node.func)

    @cached_property
    def method(self) -> str | None:
        """``x.log()`` → "log" when ``x`` is not a module (a tensor method call)."""
        func = self.node.func
        if isinstance(func, cst.Attribute) and self.qualname is None:
            return func.attr.value
        return None


_SCOPE_NODES = (cst.Module, cst.FunctionDef, cst.ClassDef, cst.Lambda)
_LEAVE = object()
_NOT_KEPT = object()


class _Collector:
    """One walk: parents, scopes, bindings, calls.

    A hand-rolled iterative walk over the syntactic fields only: libcst's
    visitor rebuilds every node and visits every token and whitespace node,
    which cost twice the parse; recursion would also fail on deep nesting.
    """

    def __init__(self, model: ModuleIndex) -> None:
        self.model = model
        self.scopes: list[Scope] = []

    def walk(self, root: cst.CSTNode) -> None:
        parents = self.model.parents
        on_visit = self.on_visit
        todo: list[tuple[Any, Any]] = [(root, None)]
        while todo:
            node, parent = todo.pop()
            if parent is _LEAVE:
                self.scopes.pop()
                continue
            if parent is not None:
                parents[node] = parent
            on_visit(node)
            if type(node) in _SCOPE_TYPES:
                todo.append((node, _LEAVE))
            for child in reversed(children(node, in_source_order=False)):
                todo.append((child, node))

    def on_visit(self, node: cst.CSTNode) -> None:
        # by exact type: libcst's node classes are not subclassed, and an
        # ``isinstance`` against them goes through ``ABCMeta`` (a tenth of a
        # summary's time was these checks)
        kind = type(node)
        if kind is cst.Call:
            self.model.calls.append(CallSite(node, self.scopes[-1], self.model))  # type: ignore[arg-type]
            return
        if kind in _PLAIN:
            return
        handler = _VISITS.get(kind)
        if handler is not None:
            handler(self, node)

    def _visit_import(self, node: cst.Import | cst.ImportFrom) -> None:
        self._bind_import(node)

    def _visit_assign(self, node: cst.Assign) -> None:
        self.model.assignments.setdefault(self.scopes[-1].node, []).append(node)
        for target in node.targets:
            self._bind_target(target.target, node.value, "assign")

    def _visit_ann_or_aug_assign(self, node: cst.AnnAssign | cst.AugAssign) -> None:
        if not (isinstance(node, cst.AnnAssign) and node.value is None):
            self._bind_target(node.target, node.value, "assign")

    def _visit_loop_target(self, node: cst.For | cst.CompFor) -> None:
        self._bind_target(node.target, None, "other")

    def _visit_with_item(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, None, "other")

    def _visit_except(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, None, "other")

    def _visit_yield(self, node: cst.Yield) -> None:
        self.model.generators.add(self.scopes[-1].node)

    def _visit_named(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value, "assign")

    def _visit_global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scopes[-1].globals.add(item.name.value)

    def _visit_nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.scopes[-1].nonlocals.add(item.name.value)

    def _visit_del(self, node: cst.Del) -> None:
        self._bind_target(node.target, None, "other")

    def _visit_match_name(self, node: cst.MatchAs | cst.MatchStar) -> None:
        if node.name is not None:
            self._bind_target(node.name, None, "other")

    def _visit_match_mapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self._bind_target(node.rest, None, "other")

    def _enter_scope(self, node: cst.CSTNode) -> None:
        parent = self.scopes[-1] if self.scopes else None
        if isinstance(node, cst.Module):
            scope = Scope("module", node, None)
        elif isinstance(node, cst.FunctionDef):
            assert parent is not None
            parent.bind(node.name.value, Binding("def", node))
            scope = Scope("function", node, parent)
            self._bind_params(node.params, scope)
        elif isinstance(node, cst.ClassDef):
            assert parent is not None
            parent.bind(node.name.value, Binding("class", node))
            scope = Scope("class", node, parent)
        else:
            assert isinstance(node, cst.Lambda) and parent is not None
            scope = Scope("lambda", node, parent)
            self._bind_params(node.params, scope)
        self.model.scopes[node] = scope
        self.scopes.append(scope)

    @staticmethod
    def _bind_params(params: cst.Parameters, scope: Scope) -> None:
        every: list[cst.Param] = [
            *params.posonly_params,
            *params.params,
            *params.kwonly_params,
        ]
        if isinstance(params.star_arg, cst.Param):
            every.append(params.star_arg)
        if params.star_kwarg is not None:
            every.append(params.star_kwarg)
        for param in every:
            scope.bind(param.name.value, Binding("param", param))

    def _bind_import(self, node: cst.Import | cst.ImportFrom) -> None:
        scope = self.scopes[-1]
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_text(alias.name) or ""
                if alias.asname is not None:
                    local = _asname(alias)
                    scope.bind(local, Binding("import", node, full))
                else:
                    root = full.split(".")[0]
                    scope.bind(root, Binding("import", node, root))
            return
        if isinstance(node.names, cst.ImportStar):
            return
        relative = bool(node.relative)
        module = (dotted_text(node.module) or "") if node.module is not None else ""
        for alias in node.names:
            name = dotted_text(alias.name) or ""
            local = _asname(alias) if alias.asname is not None else name
            if relative:
                scope.bind(local, Binding("other", node))
            else:
                scope.bind(local, Binding("import", node, f"{module}.{name}"))

    def _bind_target(
        self, target: cst.BaseExpression, value: cst.BaseExpression | None, kind: Any
    ) -> None:
        scope = self.scopes[-1]
        if isinstance(target, cst.Name):
            scope.bind(target.value, Binding(kind, value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, None, "other")
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None, "other")


def _asname(alias: cst.ImportAlias) -> str:
    assert alias.asname is not None
    name = alias.asname.name
    return name.value if isinstance(name, cst.Name) else dotted_text(name) or ""  # type: ignore[arg-type]


#: nodes the walk has nothing to record for (the most frequent ones)
_PLAIN = frozenset({cst.Name, cst.Attribute, cst.Arg, cst.Integer, cst.SimpleString})
_SCOPE_TYPES = frozenset(_SCOPE_NODES)
_VISITS: dict[type, Any] = {
    cst.Module: _Collector._enter_scope,
    cst.FunctionDef: _Collector._enter_scope,
    cst.ClassDef: _Collector._enter_scope,
    cst.Lambda: _Collector._enter_scope,
    cst.Import: _Collector._visit_import,
    cst.ImportFrom: _Collector._visit_import,
    cst.Assign: _Collector._visit_assign,
    cst.AnnAssign: _Collector._visit_ann_or_aug_assign,
    cst.AugAssign: _Collector._visit_ann_or_aug_assign,
    cst.For: _Collector._visit_loop_target,
    cst.CompFor: _Collector._visit_loop_target,
    cst.WithItem: _Collector._visit_with_item,
    cst.ExceptHandler: _Collector._visit_except,
    cst.Yield: _Collector._visit_yield,
    cst.NamedExpr: _Collector._visit_named,
    cst.Global: _Collector._visit_global,
    cst.Nonlocal: _Collector._visit_nonlocal,
    cst.Del: _Collector._visit_del,
    cst.MatchAs: _Collector._visit_match_name,
    cst.MatchStar: _Collector._visit_match_name,
    cst.MatchMapping: _Collector._visit_match_mapping,
}


class _StatementWalk:
    """What the walk of one top-level statement found, with the module's scope
    stood in for by a placeholder (``_Recording.module_scope``)."""

    __slots__ = (
        "parents",
        "scopes",
        "calls",
        "generators",
        "assignments",
        "module_scope",
        "types",
    )

    def __init__(self) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.scopes: dict[cst.CSTNode, Scope] = {}
        self.calls: list[CallSite] = []
        self.generators: set[cst.CSTNode] = set()
        self.assignments: dict[cst.CSTNode, list[cst.Assign]] = {}
        self.module_scope = Scope("module", _PLACEHOLDER, None)
        #: the statement and its nodes in walk order, by type once asked
        #: (``ModuleIndex.nodes_of_type``)
        self.types: Subtree | None = None


#: the module node of a statement walked on its own
_PLACEHOLDER = cst.Module(body=())


class SharedWalks:
    """The walks of top-level statements, kept across modules by node (the
    language server's worker: a new version's unchanged statements are the
    last version's node objects, so their walks are spliced in, not redone).

    A statement's walk reads nothing outside it: it records parent links,
    scopes (a top-level ``def``'s scope has the module's for parent), call
    sites, generators, assignments, and bindings made in the module's scope
    (a placeholder here). Splicing the walks of a module's statements in
    order gives what one walk of the module gives, in the same order: the
    walk is depth first, so each statement's entries are contiguous, and the
    module scope's bindings are made statement after statement.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._walks: OrderedDict[cst.CSTNode, _StatementWalk] = OrderedDict()
        #: statements walked / spliced (for tests and the benchmark)
        self.walked = 0
        self.reused = 0

    def walk_module(self, model: ModuleIndex, module: cst.Module) -> None:
        collector = _Collector(model)
        collector.on_visit(module)  # the module's scope
        scope = collector.scopes[0]
        parents = model.parents
        walks: list[tuple[cst.CSTNode, _StatementWalk]] = []
        for child in children(module, in_source_order=False):
            parents[child] = module
            walk = self._walk_of(child)
            walks.append((child, walk))
            self._splice(model, module, scope, walk)
        collector.scopes.pop()
        model._statement_walks = walks

    def _walk_of(self, node: cst.CSTNode) -> _StatementWalk:
        walks = self._walks
        found = walks.get(node)
        if found is not None:
            walks.move_to_end(node)
            self.reused += 1
            return found
        found = _StatementWalk()
        collector = _Collector(found)  # type: ignore[arg-type]
        collector.scopes.append(found.module_scope)
        # the statement's own parent link is the module's (set when spliced)
        collector.walk(node)
        walks[node] = found
        self.walked += 1
        while len(walks) > self.size:
            walks.popitem(last=False)
        return found

    @staticmethod
    def _splice(
        model: ModuleIndex, module: cst.Module, module_scope: Scope, walk: _StatementWalk
    ) -> None:
        model.parents.update(walk.parents)
        # fresh scopes (a kept walk may still serve a model of another version)
        placeholder = walk.module_scope
        renamed: dict[int, Scope] = {id(placeholder): module_scope}
        scopes = model.scopes
        for node, old in walk.scopes.items():
            assert old.parent is not None
            new = Scope(
                old.kind,
                node,
                renamed[id(old.parent)],
                {name: list(found) for name, found in old.bindings.items()},
                set(old.globals),
                set(old.nonlocals),
            )
            renamed[id(old)] = new
            scopes[node] = new
        into = module_scope.bindings
        for name, found in placeholder.bindings.items():
            into.setdefault(name, []).extend(found)
        module_scope.globals |= placeholder.globals
        module_scope.nonlocals |= placeholder.nonlocals
        model.calls.extend(CallSite(c.node, renamed[id(c.scope)], model) for c in walk.calls)
        model.generators |= {module if n is _PLACEHOLDER else n for n in walk.generators}
        assignments = model.assignments
        for node, statements in walk.assignments.items():
            key = module if node is _PLACEHOLDER else node
            assignments.setdefault(key, []).extend(statements)


_SHARED_WALKS: SharedWalks | None = None


def share_walks(size: int = 4096) -> SharedWalks:
    """Keep the walks of top-level statements across modules from now on (for
    a process that lints versions of the same text: the language server's
    worker). ``size``: as many statements as the reparser keeps chunks (a
    walk serves again only while its statement's tree can come back)."""
    global _SHARED_WALKS
    _SHARED_WALKS = SharedWalks(size)
    return _SHARED_WALKS


def stop_sharing_walks() -> None:
    global _SHARED_WALKS
    _SHARED_WALKS = None


class ModuleIndex:
    """The tree of one module and what its walk found; the base of ``SemanticModel``."""

    def __init__(
        self, module: cst.Module, path: str = "<string>", source: str | None = None
    ) -> None:
        # the binding memo holds subtrees of the modules read before: let them
        # go, unless versions of one text share their statements (the worker)
        if _SHARED_WALKS is None:
            forget_bound_names()
        self.module = module
        self.path = path
        #: the text ``module`` was parsed from, when the caller has it (positions
        #: are then cheaper: ``LazyPositions``)
        self.source = source
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.scopes: dict[cst.CSTNode, Scope] = {}
        self.calls: list[CallSite] = []
        #: functions (and lambdas) whose body yields
        self.generators: set[cst.CSTNode] = set()
        #: ``Assign`` statements by the scope node they run in
        self.assignments: dict[cst.CSTNode, list[cst.Assign]] = {}
        self._qualnames: dict[cst.CSTNode, str | None] = {}
        self._dotted: dict[cst.CSTNode, str | None] = {}
        self._scope_memo: dict[cst.CSTNode, Scope] = {}
        #: the kept walks of the top-level statements (``SharedWalks``)
        self._statement_walks: list[tuple[cst.CSTNode, _StatementWalk]] | None = None
        if _SHARED_WALKS is not None:
            _SHARED_WALKS.walk_module(self, module)
        else:
            _Collector(self).walk(module)
        self.module_scope = self.scopes[module]
        self.options: dict[str, Any] = {}
        self._analyses: dict[Callable[[ModuleIndex], Any], Any] = {}

    def analysis(self, build: Callable[[ModuleIndex], _A]) -> _A:
        """What ``build(self)`` makes (an analysis of this module), built on first
        use and kept: every rule of a file shares one ``KindAnalysis``, one
        ``ContextIndex``, ..."""
        if build not in self._analyses:
            self._analyses[build] = build(self)
        return cast(_A, self._analyses[build])

    # --- names --------------------------------------------------------------

    def qualname(self, expr: cst.BaseExpression) -> str | None:
        """Canonical qualified name of ``expr`` (``F.softmax`` →
        ``torch.nn.functional.softmax``), or None if it is not an imported API."""
        if expr in self._qualnames:
            return self._qualnames[expr]
        result = None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            scope = self.scope_of(expr)
            result = resolve_qualname(expr, scope)
            if result is None:
                result = self._reaching_import(expr, scope)
        self._qualnames[expr] = result
        return result

    def _reaching_import(self, expr: cst.Name | cst.Attribute, scope: Scope) -> str | None:
        """A name bound both to an import and to something else (a notebook's
        ``metrics = ['accuracy']`` cell, then ``from sklearn import metrics``):
        the import, for a use in the module's own code, when the last top-level
        statement before the use's that binds the name is that import."""
        root: cst.BaseExpression = expr
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name) or scope.kind != "module":
            return None
        bindings = scope.lookup(root.value)
        if not bindings or len(bindings) < 2 or all(b.kind != "import" for b in bindings):
            return None
        top = self.top_statement(root)
        order = self._top_order.get(top) if top is not None else None
        if top is None or order is None or root.value in bound_names(top):
            return None
        body = self.module.body
        line = next((s for s in reversed(body[:order]) if root.value in bound_names(s)), None)
        if not isinstance(line, cst.SimpleStatementLine):
            return None
        imported = [
            b
            for b in bindings
            if b.kind == "import" and b.node is not None and any(b.node is s for s in line.body)
        ]
        parts = dotted_name(expr)
        if len(imported) != 1 or imported[0].qualname is None or not parts:
            return None
        return canonical(".".join([imported[0].qualname, *parts[1:]]))

    def dotted(self, expr: cst.BaseExpression) -> str | None:
        """``dotted_text(expr)``, kept: the interpreters ask it of the same
        nodes on every round and loop pass."""
        found = self._dotted.get(expr, _NOT_KEPT)
        if found is _NOT_KEPT:
            found = self._dotted[expr] = dotted_text(expr)
        return found  # type: ignore[return-value]

    def bindings(self, name: cst.Name) -> list[Binding] | None:
        return self.scope_of(name).lookup(name.value)

    def defined_function(self, name: cst.BaseExpression) -> cst.FunctionDef | None:
        """The function ``name`` refers to when a ``def`` is its one binding
        (``normalize`` in ``normalize(x)``); None otherwise."""
        if not isinstance(name, cst.Name):
            return None
        bindings = self.bindings(name) or []
        if len(bindings) != 1 or bindings[0].kind != "def":
            return None
        node = bindings[0].node
        return node if isinstance(node, cst.FunctionDef) else None

    def returning_function(self, name: cst.BaseExpression) -> cst.FunctionDef | None:
        """``defined_function``, when its ``return`` statements say what a
        call gives (not a generator, whose call gives the generator)."""
        node = self.defined_function(name)
        return node if node is not None and node not in self.generators else None

    def scope_of(self, node: cst.CSTNode) -> Scope:
        """The scope in which ``node`` is evaluated."""
        memo = self._scope_memo
        found = memo.get(node)
        if found is not None:
            return found
        # every node passed on the way up is evaluated in the scope found
        # (the answer depends only on the links above it): remembered for all
        passed = [node]
        child = node
        parent = self.parents.get(node)
        found = self.module_scope
        while parent is not None:
            kind = type(parent)
            if kind is cst.FunctionDef:
                # decorators, annotations and the name live outside the body
                if child is parent.body or child is parent.params:  # type: ignore[attr-defined]
                    found = self.scopes[parent]
                    break
            elif kind is cst.ClassDef:
                if child is parent.body:  # type: ignore[attr-defined]
                    found = self.scopes[parent]
                    break
            elif kind is cst.Lambda or kind is cst.Module:
                found = self.scopes[parent]
                break
            known = memo.get(parent)
            if known is not None:
                found = known
                break
            passed.append(parent)
            child = parent
            parent = self.parents.get(parent)
        for each in passed:
            memo[each] = found
        return found

    @cached_property
    def _calls_by_qualname(self) -> dict[str, list[CallSite]]:
        index: dict[str, list[CallSite]] = defaultdict(list)
        for call in self.calls:
            if call.qualname is not None:
                index[call.qualname].append(call)
        return index

    @cached_property
    def _calls_by_method(self) -> dict[str, list[CallSite]]:
        index: dict[str, list[CallSite]] = defaultdict(list)
        for call in self.calls:
            method = call.method
            if method is not None:
                index[method].append(call)
        return index

    def calls_to(self, *qualnames: str) -> Iterator[CallSite]:
        """Calls of any of these canonical names, in source order."""
        if len(qualnames) == 1:
            yield from self._calls_by_qualname.get(qualnames[0], ())
            return
        found: list[CallSite] = []
        for name in qualnames:
            found.extend(self._calls_by_qualname.get(name, ()))
        order = self._call_rank if len(found) > 1 else {}
        yield from sorted(found, key=lambda c: order.get(id(c), 0))

    def method_calls(self, *methods: str) -> Iterator[CallSite]:
        """``<expr>.method(...)`` calls on values that are not modules."""
        found: list[CallSite] = []
        for name in methods:
            found.extend(self._calls_by_method.get(name, ()))
        if len(methods) > 1:
            order = self._call_rank
            found.sort(key=lambda c: order[id(c)])
        yield from found

    @cached_property
    def _call_rank(self) -> dict[int, int]:
        """Each call site's place in ``calls`` (by id): built once, not per
        question about several names."""
        return {id(c): i for i, c in enumerate(self.calls)}

    def nodes_of_type(self, *kinds: type) -> list[cst.CSTNode]:
        """The nodes of exactly these types (name concrete classes: libcst's
        are not subclassed) in the walk's order, the order of ``parents``:
        ``[n for n in self.parents if type(n) in kinds]``, from an index built
        once per model -- or, with shared walks, kept per top-level statement
        (a new version lists only its changed statements' nodes again)."""
        found: list[cst.CSTNode] = []
        for piece in self._type_pieces:
            found.extend(piece.of_types(kinds))
        return found

    @cached_property
    def _type_pieces(self) -> list[Subtree]:
        walks = self._statement_walks
        if walks is None:
            return [Subtree(list(self.parents))]
        pieces: list[Subtree] = []
        for statement, walk in walks:
            if walk.types is None:
                walk.types = Subtree([statement, *walk.parents])
            pieces.append(walk.types)
        return pieces

    def call_site(self, node: cst.Call) -> CallSite | None:
        return self._call_sites.get(node)

    @cached_property
    def _call_sites(self) -> dict[cst.Call, CallSite]:
        return {c.node: c for c in self.calls}

    # --- tree ---------------------------------------------------------------

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterable[cst.CSTNode]:
        parent = self.parents.get(node)
        while parent is not None:
            yield parent
            parent = self.parents.get(parent)

    def within(self, node: cst.CSTNode, outer: cst.CSTNode) -> bool:
        """``node`` is ``outer`` or lies inside it."""
        return node is outer or any(up is outer for up in self.ancestors(node))

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The statement (simple line or compound statement) holding ``node``."""
        current: cst.CSTNode = node
        while not isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            parent = self.parents.get(current)
            if parent is None:
                return current
            current = parent
        return current

    def enclosing(self, node: cst.CSTNode, *types: type) -> cst.CSTNode | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, types):
                return ancestor
        return None

    def code(self, node: cst.CSTNode) -> str:
        if type(node) is cst.Name and not node.lpar:
            return node.value  # what the code generator prints for it, without running it
        return self.module.code_for_node(node)

    # --- positions (resolved only when something is reported) ---------------

    @cached_property
    def _positions(self) -> LazyPositions:
        return LazyPositions(self.module, self.parents, self.source)

    def position(self, node: cst.CSTNode) -> CodeRange:
        return self._positions[node]

    @property
    def positions_used(self) -> bool:
        """Whether a position was asked for already (more cost little)."""
        return "_positions" in self.__dict__ and self._positions.used

    def line_of(self, node: cst.CSTNode) -> int:
        return self.position(node).start.line

    def source_key(self, node: cst.CSTNode) -> tuple[int, int]:
        """A key that sorts this module's nodes in source order, with no
        position resolved (positions print the statements they are asked
        of: an ordering that runs on every lint, reported or not, would pay
        for it on every keystroke in the editor)."""
        top = self.top_statement(node)
        if top is None:
            return (-1, 0)  # the module itself
        order = self._top_order.get(top, -1)
        if top is node:
            return (order, -1)
        return (order, memo_of(self).get(top).derived(_ranks).get(node, -1))

    def top_statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The top-level statement holding ``node`` (``node`` itself when it is
        one); None for the module or a node not in it."""
        top, parent = node, self.parents.get(node)
        while parent is not None and parent is not self.module:
            top, parent = parent, self.parents.get(parent)
        return top if parent is not None else None

    @cached_property
    def _top_order(self) -> dict[cst.CSTNode, int]:
        return {statement: i for i, statement in enumerate(self.module.body)}


def _ranks(subtree: Subtree) -> dict[cst.CSTNode, int]:
    """Where each node of a statement stands in its source order."""
    return {node: i for i, node in enumerate(subtree.nodes)}


def module_alias(model: ModuleIndex, qualname: str) -> str | None:
    """A module-level name bound only to ``import qualname`` (e.g. "F" for
    torch.nn.functional), usable in a fix; None if the file has none."""
    for name, bindings in model.module_scope.bindings.items():
        if bindings and all(b.kind == "import" and b.qualname == qualname for b in bindings):
            return name
    return None
