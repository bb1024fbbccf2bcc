"""The libcst rewrites behind the LF3xx fixes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, positional
from lossflint.diagnostics import Applicability, FixSpec, NodeEdit

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def method_call(expr: cst.BaseExpression, method: str) -> cst.Call:
    """``expr.method()``, parenthesising ``expr`` when it is not a primary."""
    if not isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or expr.lpar:
        if not expr.lpar:
            expr = expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(func=cst.Attribute(value=expr, attr=cst.Name(method)))


def bce_with_logits_fix(model: SemanticModel, call: cst.Call) -> FixSpec | None:
    """``F.binary_cross_entropy(torch.sigmoid(z), y)`` written inline →
    ``F.binary_cross_entropy_with_logits(z, y)``; ``None`` for any other form."""
    func = call.func
    if model.qualname(func) != apis.BCE or not isinstance(func, cst.Attribute):
        return None
    first = argument(call, 0, "input")
    if not isinstance(first, cst.Call) or len(positional(call)) < 1:
        return None
    inner = first.func
    logits: cst.BaseExpression | None = None
    if model.qualname(inner) in apis.SIGMOID and len(first.args) == 1:
        logits = first.args[0].value
    elif (
        isinstance(inner, cst.Attribute)
        and inner.attr.value == "sigmoid"
        and model.qualname(inner) is None
        and not first.args
    ):
        logits = inner.value
    if logits is None:
        return None
    args = list(call.args)
    index = next(i for i, a in enumerate(args) if a.value is first)
    args[index] = args[index].with_changes(value=logits)
    new = call.with_changes(
        func=func.with_changes(attr=cst.Name("binary_cross_entropy_with_logits")), args=args
    )
    return FixSpec(
        Applicability.UNSAFE,
        "use binary_cross_entropy_with_logits on the logits",
        (NodeEdit(call, new),),
    )
