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
from collections.abc import Iterator, Sequence
from typing import Final

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


def changed_in_place(tree: ast.AST) -> set[str]:
    """Module-level names whose container ``tree`` (a module, or one of its
    top-level statements) changes in place."""
    changed: set[str] = set()
    parts = tree.body if isinstance(tree, ast.Module) else [tree]
    for part in parts:
        _scan(part, frozenset(), frozenset(), changed)
    return changed


def _scan(
    node: ast.AST, shadowed: frozenset[str], enclosing: frozenset[str], changed: set[str]
) -> None:
    """``node`` and what it holds in a scope where ``shadowed`` names are not
    the module's; scopes nested in it start from ``enclosing`` (a class
    body's names are not its methods')."""
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, (*_FUNCTIONS, ast.ClassDef, *_COMPREHENSIONS)):
            for outer in _evaluated_outside(current):
                _scan(outer, shadowed, enclosing, changed)
            inner = _inner_shadowed(current, enclosing)
            nested = enclosing if isinstance(current, ast.ClassDef) else inner
            for part in _body(current):
                _scan(part, inner, nested, changed)
            continue
        root = _changed_root(current)
        if root is not None and root not in shadowed:
            changed.add(root)
        todo.extend(ast.iter_child_nodes(current))


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


def _inner_shadowed(scope: ast.AST, shadowed: frozenset[str]) -> frozenset[str]:
    """What is not the module's inside ``scope``: the enclosing functions'
    names and the scope's own bindings, less its ``global`` declarations."""
    if isinstance(scope, ast.ClassDef):
        # a class body's names are its own; its methods do not see them
        own, declared = _bindings(scope.body)
        return shadowed | (own - declared.keys())
    if isinstance(scope, _FUNCTIONS):
        args = scope.args
        params = {
            a.arg
            for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
            if a is not None
        }
        own, declared = _bindings(_body(scope))
        # ``global x``: the module's even where an enclosing function binds x;
        # ``nonlocal x``: the enclosing function's, already shadowed
        globals_ = {name for name, kind in declared.items() if kind is ast.Global}
        return (shadowed | params | (own - declared.keys())) - globals_
    own, _ = _bindings([g.target for g in scope.generators])  # type: ignore[attr-defined]
    return shadowed | own


def _bindings(parts: Sequence[ast.AST]) -> tuple[set[str], dict[str, type]]:
    """Names the statements ``parts`` bind in their own scope, and the names
    they declare ``global``/``nonlocal`` (never the scope's own), with which."""
    bound: set[str] = set()
    declared: dict[str, type] = {}
    todo = list(parts)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            continue  # its body is another scope
        if isinstance(node, (ast.Lambda, *_COMPREHENSIONS)):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(dict.fromkeys(node.names, type(node)))
        todo.extend(ast.iter_child_nodes(node))
    return bound, declared
