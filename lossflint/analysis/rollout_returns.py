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
from lossflint.analysis.reaching import reaching_assignment, reaching_line
from lossflint.analysis.walk import calls_in, own_returns

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
    made, helper = _made(model, operand)
    if not isinstance(made, cst.Call) or model.qualname(made.func) not in apis.LIST_TENSORS:
        return False
    items = argument(made, 0, "data")
    if items is None:
        items = argument(made, 0, "values")
    items = _unreversed(model, items)
    if not isinstance(items, cst.Name):
        return False
    return _filled_list(model, items) and _one_update(model, division.node, helper)


def _made(model: SemanticModel, operand: cst.Name) -> tuple[cst.BaseExpression | None, bool]:
    """The value ``operand`` was made from, past device moves (``adv =
    adv.to(device)``) and the unpacking of a same-file helper's returns
    (``adv, ref = calc_adv_ref(...)`` giving ``torch.FloatTensor(adv_list),
    ...`` in every ``return``); and whether a helper made it."""
    name = operand
    for _ in range(4):
        made = reaching_assignment(model, name)
        if (
            isinstance(made, cst.Call)
            and isinstance(made.func, cst.Attribute)
            and made.func.attr.value in apis.DEVICE_MOVES
            and isinstance(made.func.value, cst.Name)
        ):
            name = made.func.value
            continue
        if made is not None:
            return made, False
        return _helper_item(model, name), True
    return None, False


def _helper_item(model: SemanticModel, name: cst.Name) -> cst.BaseExpression | None:
    """For ``a, b = helper(...)`` binding ``name`` last, the item of that
    position every ``return`` of the same-file ``helper`` gives; None when
    they do not agree or it is not that shape."""
    line = reaching_line(model, name)
    if line is None or len(line.body) != 1 or not isinstance(line.body[0], cst.Assign):
        return None
    assign = line.body[0]
    if len(assign.targets) != 1 or not isinstance(assign.value, cst.Call):
        return None
    target = assign.targets[0].target
    if not isinstance(target, cst.Tuple):
        return None
    names = [e.value for e in target.elements]
    positions = [
        i for i, n in enumerate(names) if isinstance(n, cst.Name) and n.value == name.value
    ]
    func = model.returning_function(assign.value.func)
    if len(positions) != 1 or func is None:
        return None
    items: list[cst.BaseExpression] = []
    for ret in own_returns(func):
        if not isinstance(ret.value, cst.Tuple) or len(ret.value.elements) != len(names):
            return None
        items.append(ret.value.elements[positions[0]].value)
    return items[0] if len(items) == 1 else None


def _unreversed(
    model: SemanticModel, items: cst.BaseExpression | None
) -> cst.BaseExpression | None:
    """The list ``items`` reverses, if it does (``adv[::-1]``,
    ``list(reversed(adv))``, also through a name bound to that): GAE helpers
    fill their list backwards."""
    for _ in range(3):
        if isinstance(items, cst.Name):
            bound = reaching_assignment(model, items)
            if bound is None or not _reverses(bound):
                return items
            items = bound
        if isinstance(items, cst.Subscript) and dotted_text(items) is None:
            if model.code(items).replace(" ", "").endswith("[::-1]"):
                items = items.value
                continue
        if (
            isinstance(items, cst.Call)
            and isinstance(items.func, cst.Name)
            and items.func.value in ("list", "reversed")
            and len(items.args) == 1
        ):
            items = items.args[0].value
            continue
        return items
    return items


def _reverses(value: cst.BaseExpression) -> bool:
    return (isinstance(value, cst.Subscript) and len(value.slice) == 1) or (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value in ("list", "reversed")
    )


def _whole(std: cst.BaseExpression, operand: cst.Name) -> bool:
    """``r.std()`` / ``torch.std(r)``: no axis, the spread of every item."""
    if not isinstance(std, cst.Call):
        return False
    others = [a for a in std.args if a.value is not operand]
    return not others


def _filled_list(model: SemanticModel, items: cst.Name) -> bool:
    """``items`` was bound to ``[]`` and is appended or inserted to after."""
    start = reaching_assignment(model, items) or _unpacked(model, items)
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


def _unpacked(model: SemanticModel, name: cst.Name) -> cst.BaseExpression | None:
    """``a, b = [], []`` binding ``name`` last: its item."""
    line = reaching_line(model, name)
    if line is None or len(line.body) != 1 or not isinstance(line.body[0], cst.Assign):
        return None
    assign = line.body[0]
    target, value = assign.targets[0].target, assign.value
    if not (
        len(assign.targets) == 1
        and isinstance(target, cst.Tuple)
        and isinstance(value, cst.Tuple)
        and len(target.elements) == len(value.elements)
    ):
        return None
    for bound, item in zip(target.elements, value.elements, strict=True):
        if isinstance(bound.value, cst.Name) and bound.value.value == name.value:
            return item.value
    return None


def _one_update(model: SemanticModel, division: cst.CSTNode, helper: bool = False) -> bool:
    """``division`` is part of one update: in a training iteration or a step
    function, or in a function that trains over no loop of its own and
    computes a loss or a gradient after it (``calculate_loss(rewards)``), or
    standardises what a helper filled step by step (GAE's ``calc_adv_ref``,
    called per trajectory). A function that standardises first and then loops
    over batches standardises a dataset."""
    index = loops(model)
    if any(loop.is_training and model.within(division, loop.node) for loop in index.loops):
        return True
    func = model.enclosing(division, cst.FunctionDef)
    if func is None or any(
        loop.is_training and model.within(loop.node, func) for loop in index.loops
    ):
        return False
    if helper:
        return True
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
