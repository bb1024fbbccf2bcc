"""Target transforms that keep class indices.

EMNIST letters are labelled 1..26; ``datasets.EMNIST(...,
target_transform=shift_label)`` with ``def shift_label(y): return y - 1``
gives class indices 0..25 still. A data set's labels stay class indices
(LF108/LF109 follow them) when its ``target_transform`` only adds or
subtracts an integer: a lambda, a function of this file or of another
project module (``FunctionSummary.shifts_param``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.interpreter.syntax import param_names
from lossflint.analysis.walk import own_returns
from lossflint.project import bridge

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def keeps_class_indices(model: ModuleIndex, transform: cst.BaseExpression) -> bool:
    """``transform`` (a ``target_transform``) gives back the label it gets
    plus or minus an integer."""
    if isinstance(transform, cst.Lambda):
        params = param_names(transform.params)
        return len(params) == 1 and _shifted(transform.body, params[0])
    func = model.defined_function(transform)
    if func is not None:
        return shifts_its_parameter(model, func)
    qualname = (
        model.qualname(transform) if isinstance(transform, (cst.Name, cst.Attribute)) else None
    )
    if qualname is None:
        return False
    summary = bridge.function_summary_of(bridge.value_of_qualname(qualname))
    return summary is not None and summary.shifts_param


def shifts_its_parameter(model: ModuleIndex, func: cst.FunctionDef) -> bool:
    """``func`` takes one parameter and every ``return`` gives it back plus or
    minus an integer literal (``return y - 1``), never rebinding it."""
    params = param_names(func.params)
    if len(params) != 1 or isinstance(func.params.star_arg, cst.Param):
        return False
    returns = own_returns(func)
    if not returns or any(r.value is None for r in returns):
        return False
    if not all(_shifted(r.value, params[0]) for r in returns if r.value is not None):
        return False
    first = returns[0].value
    assert first is not None
    name = first.left if isinstance(first, cst.BinaryOperation) else first
    bindings = model.bindings(name) if isinstance(name, cst.Name) else None
    return bindings is not None and len(bindings) == 1 and bindings[0].kind == "param"


def _shifted(expr: cst.BaseExpression, param: str) -> bool:
    """``param - 1`` / ``param + 2`` / ``param`` itself."""
    if isinstance(expr, cst.Name):
        return expr.value == param
    if not isinstance(expr, cst.BinaryOperation):
        return False
    if not isinstance(expr.operator, (cst.Add, cst.Subtract)):
        return False
    shift = literal_value(expr.right)
    return (
        isinstance(expr.left, cst.Name)
        and expr.left.value == param
        and isinstance(shift, int)
        and not isinstance(shift, bool)
    )
