"""The factor and the argument of a ``-y * log(p)`` term, read for what
they say of it: a number or a weight rather than labels, a scale rather than
a probability (LF203's ``cross_entropy_formula``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.gradients import gradients
from lossflint.analysis.names import last_name
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.values import Tensor

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


def cannot_underflow(model: SemanticModel, arguments: list[cst.BaseExpression]) -> bool:
    """Every log of the formula reads literal probabilities (the formula
    illustrated, also through the parameters of a function only ever called
    with such), or every one a batch's mean prediction (a prior-matching
    term): no underflow, and no loss on logits to suggest."""
    passed_to = gradients(model).passed_to
    if all(num.is_constant(model, a, 6, passed_to) for a in arguments):
        return True
    if all(_ones_removed(model, a) for a in arguments):
        return True
    return all(_batch_average(model, a) for a in arguments)


def _ones_removed(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``1 - p`` where ``p = torch.where(p != 1, p, 0)`` took out every
    exact 1 (ReChorus's attention rank loss, audit s143): below 1 in float32
    is at most ``1 - 2**-24``, so the complement never reaches 0."""
    complement = num.one_minus(num.resolve(model, expr))
    if complement is None or not isinstance(complement, cst.Name):
        return False
    made = reaching_assignment(model, complement)
    if not isinstance(made, cst.Call) or model.qualname(made.func) not in apis.WHERE:
        return False
    args = [a.value for a in made.args if a.keyword is None]
    if len(args) != 3 or not isinstance(args[0], cst.Comparison):
        return False
    test = args[0]
    if len(test.comparisons) != 1:
        return False
    compare = test.comparisons[0]
    kept, other = args[1], args[2]
    return (
        isinstance(compare.operator, (cst.NotEqual, cst.LessThan))
        and literal_value(compare.comparator) in (1, 1.0)
        and model.code(test.left) == model.code(kept)
        and (literal_value(other) == 0 or _zeros(model, other))
    )


def _zeros(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.ZEROS


def _batch_average(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``torch.mean(softmax(z, 1), dim=0)``: probabilities averaged over an
    axis (the batch's marginal, a prior-matching term's): no loss on logits
    computes its log, and the average of many rows does not underflow."""
    resolved = num.resolve(model, expr)
    operand = num.reduction(model, resolved, apis.MEAN, "mean")
    if operand is None or not isinstance(resolved, cst.Call):
        return False
    info = num.call_info(model, resolved)
    position = 0 if info is not None and info.receiver is not None else 1
    if argument(resolved, position, "dim", "axis") is None:
        return False  # a mean over everything: one number
    value = model.value(num.resolve(model, operand))
    return isinstance(value, Tensor) and value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS)


def a_width(model: SemanticModel, argument: cst.BaseExpression) -> bool:
    """``high - low``: a difference of two values of no known kind, the first
    not a literal (not the complement ``1 - p``): a width, no probability
    (normalizing-flows' uniform base density, audit s174)."""
    resolved = num.resolve(model, argument)
    if not (
        isinstance(resolved, cst.BinaryOperation) and isinstance(resolved.operator, cst.Subtract)
    ):
        return False
    if literal_value(resolved.left) is not NotImplemented:
        return False  # ``1 - p``: a literal minus a value, the complement
    return not _kind_of(model, resolved.left) and not _kind_of(model, resolved.right)


def _kind_of(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``expr`` holds a known kind of tensor (probabilities, logits, ...)."""
    value = model.kinds.value_of(expr)
    return isinstance(value, Tensor)
