"""Which module-level names code changes in place, read from CPython's ``ast``.

``NAME["k"] = ...``, ``NAME.update(...)``, ``del NAME[k]`` change a module's
container when ``NAME`` is the module's: a name bound inside the function (or
comprehension, or class body) doing it is that scope's own and changes
nothing of the module's. Telling the two apart matters to what a module's
syntax is trusted with: a constant changed in place is no constant, and an
item (``project/items.py``) keeps every function that may add to a registry
it reads; a local ``tokens.append(t)`` read as the module's ``tokens`` kept a
4,000-line class in the item of a 60-line one.

Unsure means changed: a binding this walk does not see only makes a name
count as changed (the cautious answer for both uses)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Final

from lossflint.project.ast_walk import add_children

IN_PLACE_MUTATORS: Final = frozenset(
    {
        "update",
        "setdefault",
        "pop",
        "popitem",
        "clear",
        "__setitem__",
        "__delitem__",
        "append",
        "extend",
        "insert",
        "remove",
        "sort",
        "reverse",
    }
)

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


_SCOPES = (*_FUNCTIONS, ast.ClassDef, *_COMPREHENSIONS)


def changed_in_place(tree: ast.AST) -> set[str]:
    """Module-level names whose container ``tree`` (a module, or one of its
    top-level statements) changes in place."""
    changed: set[str] = set()
    parts = tree.body if isinstance(tree, ast.Module) else [tree]
    _scope(list(parts), None, frozenset(), changed)
    return changed


def _scope(
    parts: list[ast.AST], kind: ast.AST | None, outer: frozenset[str], changed: set[str]
) -> None:
    """One scope's own code (``kind``: its node, None for the module), each
    node visited once: its bindings, declarations and in-place changes are
    gathered first, then judged, then the scopes nested in it."""
    own: set[str] = set(_parameters(kind)) if kind is not None else set()
    declared: dict[str, type] = {}
    roots: list[str] = []
    nested: list[ast.AST] = []
    todo = parts
    while todo:
        node = todo.pop()
        if isinstance(node, _SCOPES):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(node.name)
            todo.extend(_evaluated_outside(node))
            nested.append(node)
            continue
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                own.add(node.id)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            own.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            own.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            own.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            own.add(node.rest)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(dict.fromkeys(node.names, type(node)))
        else:
            root = _changed_root(node)
            if root is not None:
                roots.append(root)
        add_children(node, todo)
    shadowed: frozenset[str]
    inner: frozenset[str]
    if kind is None:
        shadowed = inner = frozenset()  # the module's own names are the module's
    elif isinstance(kind, ast.ClassDef):
        # a class body's names are its own; its methods do not see them
        shadowed, inner = outer | (own - declared.keys()), outer
    else:
        # ``global x``: the module's even where an enclosing function binds x;
        # ``nonlocal x``: the enclosing function's, already shadowed
        globals_ = {name for name, how in declared.items() if how is ast.Global}
        shadowed = inner = (outer | (own - declared.keys())) - globals_
    changed.update(root for root in roots if root not in shadowed)
    for scope in nested:
        _scope(_body(scope), scope, inner, changed)


def _parameters(scope: ast.AST) -> Iterator[str]:
    if isinstance(scope, _FUNCTIONS):
        args = scope.args
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None:
                yield arg.arg


def _changed_root(node: ast.AST) -> str | None:
    root: ast.AST | None = None
    if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
        root = node.value
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in IN_PLACE_MUTATORS:
            root = node.func.value
    while isinstance(root, ast.Subscript):
        root = root.value
    return root.id if isinstance(root, ast.Name) else None


def _evaluated_outside(scope: ast.AST) -> Iterator[ast.AST]:
    """The parts of a nested scope's node the enclosing scope evaluates."""
    if isinstance(scope, _FUNCTIONS):
        if not isinstance(scope, ast.Lambda):
            yield from scope.decorator_list
        yield from scope.args.defaults
        yield from (d for d in scope.args.kw_defaults if d is not None)
    elif isinstance(scope, ast.ClassDef):
        yield from scope.decorator_list
        yield from scope.bases
        yield from (k.value for k in scope.keywords)
    else:
        yield scope.generators[0].iter  # type: ignore[attr-defined]


def _body(scope: ast.AST) -> list[ast.AST]:
    if isinstance(scope, ast.Lambda):
        return [scope.body]
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return list(scope.body)
    comp: ast.ListComp = scope  # type: ignore[assignment]
    first, *rest = comp.generators
    parts: list[ast.AST] = [first.target, *first.ifs]
    for generator in rest:
        parts.extend([generator.target, generator.iter, *generator.ifs])
    if isinstance(scope, ast.DictComp):
        parts.extend([scope.key, scope.value])
    else:
        parts.append(comp.elt)
    return parts
