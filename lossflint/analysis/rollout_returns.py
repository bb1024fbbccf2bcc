"""Returns standardised by their own spread: ``(r - r.mean()) / r.std()`` of a
tensor made from a Python list the code fills step by step (an episode's
discounted returns, a rollout's advantages, as reinforcement learning code
writes them). The list has as many items as the episode had steps: one step
gives ``std()`` NaN (Bessel's correction), equal returns give 0/0; either way
the policy loss they weight turns NaN. No gradient flows through the returns,
yet their NaN reaches every weight (LF206)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.calls import argument
from lossflint.analysis.loops import loops
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.walk import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def standardised_rollout(model: SemanticModel, division: num.Division) -> bool:
    """``division`` is ``(r - r.mean()) / r.std()`` (or ``torch.std(r)``) over
    all of ``r``, and ``r`` is a tensor made from a list built empty in the
    code and filled there (``returns.insert(0, R)``), in one update of a
    model (not a dataset read row by row before training)."""
    std = num.resolve(model, division.right)
    operand = num.reduction(model, std, apis.STD, "std")
    if not isinstance(operand, cst.Name) or not _whole(std, operand):
        return False
    numerator = num.resolve(model, division.left)
    if not (
        isinstance(numerator, cst.BinaryOperation)
        and isinstance(numerator.operator, cst.Subtract)
        and dotted_text(numerator.left) == operand.value
    ):
        return False
    made = reaching_assignment(model, operand)
    if not isinstance(made, cst.Call) or model.qualname(made.func) not in apis.LIST_TENSORS:
        return False
    items = argument(made, 0, "data")
    if items is None:
        items = argument(made, 0, "values")
    if not isinstance(items, cst.Name):
        return False
    return _filled_list(model, items) and _one_update(model, division.node)


def _whole(std: cst.BaseExpression, operand: cst.Name) -> bool:
    """``r.std()`` / ``torch.std(r)``: no axis, the spread of every item."""
    if not isinstance(std, cst.Call):
        return False
    others = [a for a in std.args if a.value is not operand]
    return not others


def _filled_list(model: SemanticModel, items: cst.Name) -> bool:
    """``items`` was bound to ``[]`` and is appended or inserted to after."""
    start = reaching_assignment(model, items)
    if not (isinstance(start, cst.List) and not start.elements):
        return False
    scope = model.enclosing(items, cst.FunctionDef) or model.module
    for call in model.method_calls("append", "insert"):
        func = call.node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == items.value
            and (model.enclosing(call.node, cst.FunctionDef) or model.module) is scope
        ):
            return True
    return False


def _one_update(model: SemanticModel, division: cst.CSTNode) -> bool:
    """``division`` is part of one update: in a training iteration or a step
    function, or in a function that trains over no loop of its own and
    computes a loss or a gradient after it (``calculate_loss(rewards)``). A
    function that standardises first and then loops over batches standardises
    a dataset."""
    index = loops(model)
    if any(loop.is_training and model.within(division, loop.node) for loop in index.loops):
        return True
    func = model.enclosing(division, cst.FunctionDef)
    if func is None or any(
        loop.is_training and model.within(loop.node, func) for loop in index.loops
    ):
        return False
    line = model.line_of(division)
    for call in calls_in(func):
        if model.line_of(call) <= line:
            continue
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
        if method in _GRADIENTS or model.qualname(call.func) in apis.LOSS_FUNCTIONS:
            return True
    return False


#: methods that take a gradient of a loss (torch, TensorFlow's tape)
_GRADIENTS = frozenset({"backward", "gradient"})
