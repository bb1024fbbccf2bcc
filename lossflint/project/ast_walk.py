"""Walking CPython's ``ast`` quickly: the project's syntax-only facts
(exports, items, in-place changes) walk every module a lint imports, and
``ast.walk`` (a deque fed by ``iter_child_nodes``, itself a generator over
``iter_fields``) was a third of their time. Here each node type's child
fields are listed once, ``ctx`` singletons are not visited, and the order is
depth-first (every caller collects into sets)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

#: per node type, the fields that can hold nodes (``ctx`` is a shared
#: ``Load``/``Store`` singleton, read as an attribute, never visited)
_FIELDS: dict[type, tuple[str, ...]] = {}
_SKIPPED = frozenset({"ctx", "type_comment", "kind"})


def _fields_of(kind: type) -> tuple[str, ...]:
    found = _FIELDS[kind] = tuple(
        f
        for f in kind._fields  # type: ignore[attr-defined]
        if f not in _SKIPPED
    )
    return found


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and every node under it (no ``ctx`` nodes), depth first."""
    todo: list[object] = [node]
    pop, extend, append = todo.pop, todo.extend, todo.append
    fields_of = _FIELDS.get
    while todo:
        current = pop()
        kind = type(current)
        fields = fields_of(kind)
        if fields is None:
            if not isinstance(current, ast.AST):
                continue  # a constant's value, a name in ``global a, b``, None
            fields = _fields_of(kind)
        yield current  # type: ignore[misc]
        for name in fields:
            value = getattr(current, name, None)
            if type(value) is list:
                extend(value)
            elif value is not None:
                append(value)


def add_children(node: ast.AST, todo: list[ast.AST]) -> None:
    """Append ``node``'s child nodes (no ``ctx``) to ``todo``."""
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _fields_of(type(node))
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            todo.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            todo.append(value)


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.C`` as a string; a subscripted base (``Generic[T]``,
    ``Base[int]``) by what it subscripts; None for anything else."""
    if isinstance(node, ast.Subscript):
        node = node.value
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
