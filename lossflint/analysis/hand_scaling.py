"""A loss scaled by hand before ``backward()``: what a GradScaler does, written
out (guided-diffusion's and fairseq's fp16 trainers). LF312 asks it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def scaled_by_hand(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 2) -> bool:
    """``(loss * 2 ** lg_loss_scale).backward()``, ``loss * self.loss_scale``
    (guided-diffusion's and fairseq's own loss scaling, audit s148): the
    gradients are scaled as a GradScaler would, by hand."""
    if isinstance(expr, cst.Name) and depth > 0:
        value = reaching_assignment(model, expr)
        return value is not None and scaled_by_hand(model, value, depth - 1)
    if not (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply)):
        return False
    for factor in (expr.left, expr.right):
        if (
            isinstance(factor, cst.BinaryOperation)
            and isinstance(factor.operator, cst.Power)
            and literal_value(factor.left) == 2
        ):
            return True
        text = dotted_text(factor) if isinstance(factor, (cst.Name, cst.Attribute)) else None
        if text is not None and "scale" in text.rsplit(".", 1)[-1].lower():
            return True
    return False
