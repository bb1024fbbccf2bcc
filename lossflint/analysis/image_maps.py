"""Tensors known to be ``(N, C, H, W)`` maps: a 2-D convolution's output, or
a reshape to four sizes (``s.view(s.size(0), 2, -1, s.size(3))``). A softmax
over them without ``dim`` takes dim 1, the channels (LF110's fix keeps it);
one with an axis moved to the front takes dim 0, as its author meant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.calls import literal_value
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.values import Tensor

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def image_map(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``expr`` (or the value a name is bound to once, or the last plain
    assignment that reaches it) is an ``(N, C, H, W)`` map."""
    expr = num.resolve(model, expr)
    if isinstance(expr, cst.Name):
        expr = reaching_assignment(model, expr) or expr
    if not isinstance(expr, cst.Call):
        return False
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("view", "reshape"):
        sizes = [a for a in expr.args if a.keyword is None]
        return len(sizes) == 4 == len(expr.args) and not any(a.star for a in sizes)
    # ``self.score_conv(x)``: a tensor whose kind a 2-D convolution gave
    value = model.value(expr)
    origin = value.origin if isinstance(value, Tensor) and value.site is None else None
    return isinstance(origin, cst.Call) and model.qualname(origin.func) in apis.IMAGE_MAP_LAYERS


def moved_first(model: SemanticModel, given: cst.BaseExpression) -> bool:
    """``x.transpose(axis, 0)`` (``.contiguous()`` after it, or through a
    name): an axis moved to the front for the implicit dim 0 to normalise
    (NRI's ``my_softmax``, copied into AS-GCN: audit s215)."""
    if isinstance(given, cst.Name):
        given = reaching_assignment(model, given) or given
    while (
        isinstance(given, cst.Call)
        and isinstance(given.func, cst.Attribute)
        and given.func.attr.value == "contiguous"
    ):
        given = given.func.value
    if not (
        isinstance(given, cst.Call)
        and isinstance(given.func, cst.Attribute)
        and given.func.attr.value in ("transpose", "swapaxes")
        and len(given.args) == 2
    ):
        return False
    return any(a.keyword is None and literal_value(a.value) == 0 for a in given.args)
