"""The loss-input rules' fix builders (libcst rewrites)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.kinds import activation_operand
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import Applicability, FixSpec, NodeEdit
from lossflint.rules.cst_edits import with_keyword

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def drop_activation_fix(
    model: SemanticModel, expr: cst.BaseExpression, value: Tensor, message: str
) -> FixSpec | None:
    """Replace an inline activation call by its operand (unsafe)."""
    if value.origin is not expr or not isinstance(expr, cst.Call):
        return None
    operand = activation_operand(model, expr)
    if operand is None:
        return None
    return FixSpec(
        Applicability.UNSAFE,
        message,
        (
            NodeEdit(
                expr,
                operand.with_changes(lpar=[], rpar=[])
                if isinstance(operand, cst.Name)
                else operand,
            ),
        ),
    )


def rename_call(call: cst.Call, old: str, new: str) -> cst.Call | None:
    """``x.old(...)`` as ``x.new(...)``; None when the call is not an ``.old`` attribute call."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == old:
        return call.with_changes(func=func.with_changes(attr=cst.Name(new)))
    return None


def set_keyword(
    call: cst.Call, name: str, value: cst.BaseExpression, drop: tuple[str, ...] = ()
) -> cst.Call:
    """``call`` with ``name=value`` set (replaced or appended), dropping ``drop`` keywords."""
    args = [a for a in call.args if not (a.keyword is not None and a.keyword.value in drop)]
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[index] = arg.with_changes(value=value)
            break
    else:
        return with_keyword(call.with_changes(args=_strip_trailing_comma(args)), name, value)
    return call.with_changes(args=_strip_trailing_comma(args))


def _strip_trailing_comma(args: list[cst.Arg]) -> list[cst.Arg]:
    if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args
