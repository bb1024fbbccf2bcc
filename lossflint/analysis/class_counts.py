"""Numbers of classes: ``logits.size(1)``, ``y.shape[-1]``, a name bound to
one, a parameter every caller fills with one. ``F.kl_div(...)`` with its
default mean over batch x classes, multiplied by the number of classes, is
the batch mean (packnet's LwF distillation, LF107)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import numerics as num
from lossflint.analysis.calls import literal_value
from lossflint.analysis.gradients import gradients

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def scaled_by_class_count(model: SemanticModel, node: cst.BaseExpression) -> bool:
    """``node`` is a factor of a product that also has a number of classes
    as a factor (``kl * y.size(1)``, ``kl * scale``)."""
    current: cst.CSTNode = node
    parent = model.parent(current)
    while isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Multiply):
        other = parent.right if parent.left is current else parent.left
        if class_count(model, other):
            return True
        current, parent = parent, model.parent(parent)
    return False


def class_count(model: SemanticModel, expr: cst.BaseExpression, depth: int = 2) -> bool:
    """``expr`` is the size of the last or second axis of a tensor."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        if expr.func.attr.value == "size" and len(expr.args) == 1:
            return literal_value(expr.args[0].value) in (1, -1)
        return False
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        shape = expr.value
        return (
            isinstance(index, cst.Index)
            and literal_value(index.value) in (1, -1)
            and (
                (isinstance(shape, cst.Attribute) and shape.attr.value == "shape")
                or (
                    isinstance(shape, cst.Call)
                    and isinstance(shape.func, cst.Attribute)
                    and shape.func.attr.value == "size"
                    and not shape.args
                )
            )
        )
    if isinstance(expr, cst.Name) and depth > 0:
        bound = num.resolve(model, expr)
        if bound is not expr:
            return class_count(model, bound, depth - 1)
        passed = gradients(model).passed_to(expr)
        return bool(passed) and all(class_count(model, p, depth - 1) for p in passed or ())
    return False
