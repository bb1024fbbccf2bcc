"""Module-level constants as plain data, read from CPython's ``ast``."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

#: literals nest no deeper than this (a config of configs)
_MAX_LITERAL_DEPTH = 6


@dataclass(frozen=True)
class Literal:
    """A module-level constant as plain data, with where its value is written:
    a number, string, bool or None; a dict (``str``/``int`` keys) or a tuple of
    literals (a list literal too)."""

    value: Any
    line: int
    column: int
    #: a settings object read by attribute (``cfg.TRAIN.LR``): ``value`` is a
    #: dict of the attributes known (see ``config_namespaces``)
    namespace: bool = False


def literal_of(node: ast.AST, depth: int = 0) -> Literal | None:
    """``node`` as plain data, when it is a literal (see :class:`Literal`)."""
    if depth > _MAX_LITERAL_DEPTH:
        return None
    at = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (int, float, str)) or node.value is None:
            return Literal(node.value, *at)
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = literal_of(node.operand, depth)
        if (
            inner is None
            or isinstance(inner.value, bool)
            or not isinstance(inner.value, (int, float))
        ):
            return None
        return Literal(-inner.value if isinstance(node.op, ast.USub) else inner.value, *at)
    if isinstance(node, ast.Dict):
        items: dict[Any, Literal] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if not isinstance(key, ast.Constant) or not isinstance(key.value, (str, int)):
                return None  # ``**other`` or a computed key: not all of it is known
            item = literal_of(value, depth + 1)
            if item is None:
                return None
            items[key.value] = item
        return Literal(items, *at)
    if isinstance(node, (ast.List, ast.Tuple)):
        elements = [literal_of(element, depth + 1) for element in node.elts]
        if any(element is None for element in elements):
            return None
        return Literal(tuple(elements), *at)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "dict"
        and not node.args
        and all(k.arg is not None for k in node.keywords)
    ):
        # ``optimizer = dict(type="Adam", lr=0.125)`` (mmcv-style configs)
        keywords: dict[Any, Literal] = {}
        for kw in node.keywords:
            item = literal_of(kw.value, depth + 1)
            if item is None:
                return None
            keywords[kw.arg] = item
        return Literal(keywords, *at)
    return None
