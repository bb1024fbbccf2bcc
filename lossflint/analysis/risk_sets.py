"""Square masks that keep their diagonal: ``mask = torch.ones(n, n)`` then
``mask[(y.T - y) > 0] = 0`` zeroes only pairs with a strict difference, so
entry ``(i, i)`` (``y_i - y_i = 0``) stays 1 and every row and column sums to at
least 1 (a Cox model's risk set, which holds the sample itself: DeepSurv.pytorch,
audit s202)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.calls import literal_value
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def keeps_its_diagonal(model: ModuleIndex, operand: cst.BaseExpression) -> bool:
    """``operand`` is a name bound once to ``ones(n, n)`` whose every store
    in its function is ``name[<strict comparison of x with its transpose>] = 0``."""
    if not isinstance(operand, cst.Name):
        return False
    bindings = model.bindings(operand) or []
    if len(bindings) != 1 or not isinstance(bindings[0].node, cst.Call):
        return False
    made = bindings[0].node
    sizes = [a.value for a in made.args if a.keyword is None and not a.star]
    if (
        model.qualname(made.func) not in apis.ONES_FACTORIES
        or len(sizes) != 2
        or not num.same_code(model, sizes[0], sizes[1])
    ):
        return False
    scope = model.enclosing(made, cst.FunctionDef) or model.module
    stores = [
        node
        for node in nodes_in(scope, cst.Assign, memo=memo_of(model))
        if isinstance(node, cst.Assign)
        and any(
            isinstance(t.target, cst.Subscript)
            and isinstance(t.target.value, cst.Name)
            and t.target.value.value == operand.value
            for t in node.targets
        )
    ]
    return bool(stores) and all(
        _zeroes_off_diagonal(model, store, operand.value) for store in stores
    )


def _zeroes_off_diagonal(model: ModuleIndex, store: cst.Assign, name: str) -> bool:
    test = num.masked_store_test(store, name)
    if literal_value(store.value) not in (0, 0.0):
        return False
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    compare = test.comparisons[0]
    if not isinstance(compare.operator, (cst.GreaterThan, cst.LessThan)):
        return False  # strict: equal values (the diagonal) are kept
    left, right = test.left, compare.comparator
    if literal_value(right) in (0, 0.0) and isinstance(left, cst.BinaryOperation):
        if not isinstance(left.operator, cst.Subtract):
            return False
        difference = left
        left, right = difference.left, difference.right  # ``(y.T - y) > 0``
    return num.same_code(
        model, num.untransposed(model, left), num.untransposed(model, right)
    ) and not num.same_code(model, left, right)
