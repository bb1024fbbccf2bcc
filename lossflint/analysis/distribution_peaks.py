"""The largest probability of a softmax distribution: ``prob, ptr =
torch.max(probs, 1)`` over the axis the softmax normalised is at least ``1/n``
(greedy decoding's ``prob.log()``: pytorch-drl4vrp, audit s222), so its log
cannot underflow to ``-inf``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.reaching import reaching_assignment, unpacked_value
from lossflint.analysis.values import Tensor

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

#: reductions giving the largest entries along an axis
_PEAKS = frozenset({"max", "amax", "topk"})


def softmax_peak(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``expr`` (or the name it is bound to) is the maximum of softmax output
    along the axis that softmax normalised: ``torch.max(p, 1)[0]``,
    ``p.max(dim=1).values``, ``prob`` of ``prob, idx = torch.max(p, 1)``,
    ``torch.amax(p, 1)``."""
    values = _values_call(model, expr)
    if values is None:
        return False
    name, call = values
    func = call.func
    method = isinstance(func, cst.Attribute) and model.qualname(func) is None
    source = (
        func.value if isinstance(func, cst.Attribute) and method else argument(call, 0, "input")
    )
    position = 0 if method else 1
    dim = argument(call, position + (1 if name == "topk" else 0), "dim")
    if source is None or dim is None or literal_value(dim) is None:
        return False
    value = model.value(source)
    if not (isinstance(value, Tensor) and value.kind is Kind.PROBS):
        return False
    origin = value.origin
    normalised = argument(origin, 1, "dim") if isinstance(origin, cst.Call) else None
    return normalised is not None and literal_value(normalised) == literal_value(dim)


def _values_call(model: SemanticModel, expr: cst.BaseExpression) -> tuple[str, cst.Call] | None:
    """The peak reduction whose values ``expr`` is, with its name."""
    first = False
    if isinstance(expr, cst.Name):
        bound = reaching_assignment(model, expr)
        if bound is None:
            unpacked = unpacked_value(model, expr)
            first = unpacked is not None and _first_of(model, unpacked, expr)
            bound = unpacked if first else None
        if bound is None:
            return None
        expr = bound
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if not (isinstance(index, cst.Index) and literal_value(index.value) == 0):
            return None
        expr, first = expr.value, True
    elif isinstance(expr, cst.Attribute) and expr.attr.value == "values":
        expr, first = expr.value, True
    if not isinstance(expr, cst.Call):
        return None
    name = _reduction(model, expr)
    if name is None or (name != "amax" and not first):
        return None  # ``torch.max(p, 1)`` is a (values, indices) pair
    return name, expr


def _first_of(model: SemanticModel, unpacked: cst.BaseExpression, name: cst.Name) -> bool:
    """``name`` is the first target of ``a, b = <unpacked>`` (the values)."""
    statement = model.parent(unpacked)
    if not isinstance(statement, cst.Assign):
        return False
    target = statement.targets[0].target
    return (
        isinstance(target, (cst.Tuple, cst.List))
        and bool(target.elements)
        and isinstance(target.elements[0].value, cst.Name)
        and target.elements[0].value.value == name.value
    )


def _reduction(model: SemanticModel, call: cst.Call) -> str | None:
    """``max`` / ``amax`` / ``topk`` of torch, as a function or a method."""
    func = call.func
    if isinstance(func, cst.Attribute) and model.qualname(func) is None:
        return func.attr.value if func.attr.value in _PEAKS else None
    qualname = model.qualname(func) or ""
    short = qualname.rsplit(".", 1)[-1]
    return short if qualname.startswith(apis.TORCH_PREFIX) and short in _PEAKS else None
