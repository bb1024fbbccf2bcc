"""The factor and the argument of a ``-y * log(p)`` term, read for what
they say of it: a number or a weight rather than labels, a scale rather than
a probability (LF203's ``cross_entropy_formula``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import numerics as num
from lossflint.analysis.names import last_name

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def plain_number(expr: cst.BaseExpression) -> bool:
    """A numeric literal, signed or not (``-1``, ``0.5``)."""
    if isinstance(expr, cst.UnaryOperation):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float))


#: names of a scale, whose log is a likelihood's normaliser, not a probability's
SCALE_TOKENS = frozenset({"sigma", "std", "stddev", "scale", "var", "variance"})


def named_scale(expr: cst.BaseExpression) -> bool:
    """``sigma``, ``self.noise_std``, ``log_var``'s ``var``: a scale by its name."""
    name = last_name(expr)
    return name is not None and bool(SCALE_TOKENS & set(name.lower().split("_")))


def numeric_factor(
    model: SemanticModel, factor: cst.BaseExpression, passed_to: num.PassedTo
) -> bool:
    """A number (``2``, ``k = 3``), or a parameter every caller passes a number
    for; not a tensor filled later (C51's ``target_pmfs = zeros_like(p)``
    then ``index_add_``)."""
    if num.number(model, factor) is not None:
        return True
    if not isinstance(factor, cst.Name):
        return False
    passed = passed_to(factor)
    return (
        passed is not None
        and bool(passed)
        and all(num.number(model, v) is not None for v in passed)
    )


def without_sign(factor: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(factor, cst.UnaryOperation) and isinstance(factor.operator, cst.Minus):
        return factor.expression
    return factor


def named_weights(factor: cst.BaseExpression) -> bool:
    """``w``, ``weights``, ``self.sample_weight``: weights, not labels."""
    if isinstance(factor, cst.UnaryOperation):
        factor = factor.expression
    name = last_name(factor)
    return name is not None and (name == "w" or "weight" in name.lower())
