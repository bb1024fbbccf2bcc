"""Positive, unnormalised rates: softplus output (``nn.Sequential(...,
nn.Softplus())``, ``F.softplus(z)``), also padded to one length. A point
process's intensities weighed by the one-hot event type (SAHP, audit s218)
are a likelihood of rates, not a cross-entropy over probabilities (LF203)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.values import UNKNOWN, Sequential

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def rates(model: SemanticModel, arguments: list[cst.BaseExpression]) -> bool:
    """Every log of the formula reads softplus output (``nn.Sequential(...,
    nn.Softplus())``, ``F.softplus(z)``): positive rates -- a point process's
    intensities weighed by the one-hot event type (SAHP, audit s218) -- not
    probabilities, and no cross-entropy computes that likelihood."""
    return bool(arguments) and all(_rate(model, a) for a in arguments)


def _rate(model: SemanticModel, expr: cst.BaseExpression, depth: int = 0) -> bool:
    made = reaching_assignment(model, expr) if isinstance(expr, cst.Name) else None
    made = made if made is not None else num.resolve(model, expr)
    if not isinstance(made, cst.Call):
        return False
    if model.qualname(made.func) in apis.VALUE_KEEPING and made.args and depth < 2:
        # ``pad_sequence(intensities, padding_value=1.0)``: the same rates, padded
        return _rate(model, made.args[0].value, depth + 1)
    if model.qualname(made.func) in apis.RATE_FUNCS:
        return True
    built = model.value(made.func)
    func = made.func
    if built is UNKNOWN and isinstance(func, cst.Attribute) and dotted_text(func.value) == "self":
        cls = model.enclosing(made, cst.ClassDef)  # ``self.intensity_layer(h)`` in a method
        if isinstance(cls, cst.ClassDef):
            built = model.kinds.class_attrs(cls).get(func.attr.value, UNKNOWN)
    origin = built.origin if isinstance(built, Sequential) else None
    if isinstance(origin, cst.Call) and origin.args and not origin.args[-1].star:
        last = origin.args[-1].value  # ``nn.Sequential(nn.Linear(d, k), nn.Softplus())``
        return isinstance(last, cst.Call) and model.qualname(last.func) in apis.RATE_LAYERS
    return isinstance(made.func, cst.Call) and model.qualname(made.func.func) in apis.RATE_LAYERS
