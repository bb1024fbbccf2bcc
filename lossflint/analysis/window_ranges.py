"""Windows of a series cut in a loop whose range stops or starts at a split
point: ``data[i:i + T]`` for ``i in range(n_train - T)`` is a window of the
rows before ``n_train``, for ``i in range(n_train - T, N - T)`` one of the rows
from it (a chronological train/test split written as two window loops)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.names import dotted_text

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def window_side(model: ModuleIndex, first: cst.Slice, node: cst.CSTNode) -> tuple[str, str] | None:
    """``("head", "n_train")`` for a window whose start runs below the split
    point, ``("tail", "n_train")`` for one whose start runs from it, else
    None. The split point must be a name (``TRAIN_NUM``, ``self.n_train``):
    a range up to ``len(data) - T`` is every window, not a part."""
    start = _leftmost(first.lower) if first.lower is not None else None
    if not isinstance(start, cst.Name):
        return None
    bounds = _range_of(model, node, start.value)
    if bounds is None:
        return None
    if len(bounds) == 1 or _zero(bounds[0]):
        point = _leftmost(bounds[-1] if len(bounds) == 1 else bounds[1])
        side = "head"
    else:
        point = _leftmost(bounds[0])
        side = "tail"
    text = dotted_text(point)
    return (side, text) if text is not None else None


def _range_of(
    model: ModuleIndex, node: cst.CSTNode, name: str
) -> tuple[cst.BaseExpression, ...] | None:
    """The arguments of ``range(...)`` that the nearest loop or comprehension
    around ``node`` binding ``name`` (alone) iterates, else None."""
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None
        loop = _binding_loop(ancestor, name)
        if loop is None:
            continue
        it = loop.iter
        if (
            not isinstance(it, cst.Call)
            or model.qualname(it.func) != apis.BUILTIN_RANGE
            or not 1 <= len(it.args) <= 3
            or any(a.keyword is not None or a.star for a in it.args)
        ):
            return None
        if len(it.args) == 3 and not _positive_step(it.args[2].value):
            return None
        return tuple(a.value for a in it.args)
    return None


def _binding_loop(node: cst.CSTNode, name: str) -> cst.For | cst.CompFor | None:
    """``node`` itself (a ``for``), or one ``for`` of a comprehension (whose
    element is not inside its ``CompFor``), binding ``name`` alone."""
    loops: list[cst.For | cst.CompFor] = []
    if isinstance(node, cst.For):
        loops.append(node)
    elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            loops.append(comp)
            comp = comp.inner_for_in
    for loop in loops:
        if isinstance(loop.target, cst.Name) and loop.target.value == name:
            return loop
    return None


def _leftmost(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``n_train - T - H + 1`` → ``n_train``: the term a sum starts from."""
    while isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.Add, cst.Subtract)
    ):
        expr = expr.left
    return expr


def _zero(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Integer) and expr.value == "0"


def _positive_step(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Integer) or (
        isinstance(expr, cst.Name) and not expr.value.startswith("-")
    )
