"""Code that runs only in training mode: under ``if self.training:``, in the
``else`` of ``if not self.training:``, in ``x if self.training else y``, or
after ``if not self.training: return ...`` (LF316: a dropout there is off in
eval mode anyway)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.reaching import reaches_parameter, reaching_assignment

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def _is_self_training(expr: cst.BaseExpression) -> bool:
    return (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == "self"
        and expr.attr.value == "training"
    )


def _implies_training(test: cst.BaseExpression, holds: bool) -> bool:
    """``test`` being ``holds`` (true or false) means ``self.training`` is true."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _implies_training(test.expression, not holds)
    if holds and _is_self_training(test):
        return True
    if isinstance(test, cst.BooleanOperation):
        # `a and b` true: both are; `a or b` false: both are
        if isinstance(test.operator, cst.And) == holds:
            return _implies_training(test.left, holds) or _implies_training(test.right, holds)
    return False


def _exits(block: cst.BaseSuite) -> bool:
    """The block ends by leaving the function (``return``/``raise``)."""
    body = block.body
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)
    return isinstance(last, (cst.Return, cst.Raise))  # `if c: return x` on one line


def training_only(model: ModuleIndex, call: cst.Call, func: cst.FunctionDef) -> bool:
    """``call`` only runs in training mode: under ``if self.training [and ...]:``,
    in the ``else`` of ``if not self.training:``, in ``x if self.training else y``,
    or after ``if not self.training: return ...`` in an enclosing block."""
    child: cst.CSTNode = call
    for ancestor in model.ancestors(call):
        if ancestor is func:
            return False
        if isinstance(ancestor, cst.If):
            if child is ancestor.body and _implies_training(ancestor.test, True):
                return True
            if child is ancestor.orelse and _implies_training(ancestor.test, False):
                return True
        elif isinstance(ancestor, cst.IfExp):
            if child is ancestor.body and _implies_training(ancestor.test, True):
                return True
            if child is ancestor.orelse and _implies_training(ancestor.test, False):
                return True
        elif isinstance(ancestor, (cst.IndentedBlock, cst.Module)):
            for statement in ancestor.body:
                if statement is child:
                    break
                if (
                    isinstance(statement, cst.If)
                    and statement.orelse is None
                    and _exits(statement.body)
                    and _implies_training(statement.test, False)
                ):
                    return True
        child = ancestor
    return False


def rate_set_by_caller(
    model: ModuleIndex, rate: cst.BaseExpression | None, func: cst.FunctionDef
) -> bool:
    """The dropout rate is a parameter of ``forward`` with no default that
    the use still reads (``def forward(self, x, d, L)``, called with ``0.0``
    to evaluate): every caller chooses it, so evaluation may switch it off
    (the spectral GNN notebook of dataflowr)."""
    if func.name.value != "forward" or not isinstance(rate, cst.Name):
        return False
    if not reaches_parameter(model, rate):
        return False
    params = (*func.params.posonly_params, *func.params.params, *func.params.kwonly_params)
    return any(p.name.value == rate.value and p.default is None for p in params)


def rate_off_in_eval(model: ModuleIndex, rate: cst.BaseExpression | None) -> bool:
    """The dropout rate is 0 outside training: ``p if self.training else 0.0``
    (HazyResearch/safari's attention), also through a name bound to it just
    above the call (``p = self.dropout_p if self.training else 0.0``)."""
    if isinstance(rate, cst.Name):
        rate = reaching_assignment(model, rate)
    if not isinstance(rate, cst.IfExp):
        return False
    if _implies_training(rate.test, True):
        off = rate.orelse
    elif _implies_training(rate.test, False):
        off = rate.body
    else:
        return False
    return literal_value(off) in (0, 0.0)
