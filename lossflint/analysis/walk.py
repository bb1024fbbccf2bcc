"""Small walks over a libcst subtree.

libcst's own visitor rebuilds every node it passes and visits every token and
whitespace node: a walk of a function body that way costs about as much as
parsing it. These walks read the syntactic fields of the node dataclasses
directly (tokens and whitespace skipped) and never recurse (deep nesting is
fine). :func:`descendants` yields nodes in source order, as libcst's visitor
does (tests/test_walk.py compares them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

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


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call under ``node`` (``node`` included), in source order."""
    return [n for n in descendants(node) if type(n) is cst.Call]


def own_returns(func: cst.FunctionDef) -> list[cst.Return]:
    """The ``return`` statements of ``func`` itself (not of the functions,
    lambdas and classes nested in it), in source order."""
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
