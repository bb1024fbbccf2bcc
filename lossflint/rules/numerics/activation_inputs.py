"""What a softmax/sigmoid call was given: fixed numbers, or values in a short
range (a probability, a product with one). Either way its output stays far
from 0, so the log of it cannot underflow (LF201, LF203)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.values import Tensor

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def of_constants(model: SemanticModel, origin: object) -> bool:
    """The softmax/sigmoid call's input is fixed by the code (``torch.tensor([[1.5, 0.8]])``)."""
    if not isinstance(origin, cst.Call):
        return False
    qualname = model.qualname(origin.func)
    if qualname is not None:
        if qualname not in apis.SOFTMAX and qualname not in apis.SIGMOID:
            return False  # nn.Softmax(dim=1): its input is the module's call, not here
        first = origin.args[0] if origin.args else None  # torch.softmax(x, 1), F.sigmoid(x)
        return first is not None and first.keyword is None and num.is_constant(model, first.value)
    func = origin.func  # x.softmax(1)
    return isinstance(func, cst.Attribute) and num.is_constant(model, func.value)


def of_bounded_input(model: SemanticModel, origin: object) -> bool:
    """The softmax/sigmoid call's input lies in a short range: a probability,
    or a product with one (``sigmoid(label * softmax(z))``, DGFraud's GAS,
    audit s172), or clipped to a narrow range (``K.softmax(K.clip(a, 1e-8,
    1.))``, an MDN's mixing weights: axelbrando's notebooks, audit s201): its
    output is far from 0, so its log cannot underflow."""
    found = _activation(model, origin)
    if found is None:
        return False
    argument, kind = found
    if kind is Kind.PROBS and _clipped_narrow(model, num.resolve(model, argument)):
        return True  # (a sigmoid's complement may still round to 0)
    for factor in _multiply_factors(num.resolve(model, argument)):
        value = model.kinds.value_of(factor)
        if isinstance(value, Tensor) and value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS):
            return True
    return False


def _activation(model: SemanticModel, origin: object) -> tuple[cst.BaseExpression, Kind] | None:
    """``x`` of ``torch.sigmoid(x)`` / ``F.softmax(x, 1)`` / ``x.sigmoid()``,
    with what the call makes (``Kind.PROBS`` or ``Kind.SIGMOID_PROBS``)."""
    if not isinstance(origin, cst.Call):
        return None
    qualname = model.qualname(origin.func)
    if qualname is not None:
        if qualname in apis.SOFTMAX:
            kind = Kind.PROBS
        elif qualname in apis.SIGMOID:
            kind = Kind.SIGMOID_PROBS
        else:
            return None
        first = origin.args[0] if origin.args else None
        return (first.value, kind) if first is not None and first.keyword is None else None
    func = origin.func
    if isinstance(func, cst.Attribute):
        made = apis.METHOD_KINDS.get(func.attr.value)
        if made in (Kind.PROBS, Kind.SIGMOID_PROBS):
            return func.value, made
    return None


def _multiply_factors(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The factors of ``a * b * c`` (``expr`` alone for anything else)."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
        return [*_multiply_factors(expr.left), *_multiply_factors(expr.right)]
    return [expr]


#: a softmax of inputs spanning at most this keeps every output above e**-50 / n
_NARROW_SPAN = 50.0


def _clipped_narrow(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``clip(x, lo, hi)`` with both bounds numbers at most ``_NARROW_SPAN`` apart."""
    bounds = num.clamp_bounds(model, expr)
    if bounds is None or bounds[0] is None or bounds[1] is None:
        return False
    low, high = num.number(model, bounds[0]), num.number(model, bounds[1])
    return low is not None and high is not None and 0 <= high - low <= _NARROW_SPAN
