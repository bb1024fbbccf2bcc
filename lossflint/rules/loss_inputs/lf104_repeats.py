"""LF104's one report per root cause: a validation pass that calls the
training's loss object on the same sigmoid is that finding again (audit R27),
unless a loop backs that loss up (under ``no_grad`` by mistake: a training
site, H11 p09)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis.gradients import Reach, gradients
from lossflint.analysis.kinds import LossCall
from lossflint.analysis.loops import LoopIndex, loops
from lossflint.analysis.values import Tensor
from lossflint.analysis.walk import nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def without_evaluation_repeats(
    model: SemanticModel, found: list[tuple[LossCall, cst.BaseExpression, Tensor]]
) -> list[tuple[LossCall, cst.BaseExpression, Tensor]]:
    """The findings less the validation passes that call the same loss object
    on the same sigmoid as a training call reported too (``loss_fn(pred,
    y_valid)`` after the batch loop): no gradient goes through them, and the
    fix of the object and the model fixes them with it."""
    facts = gradients(model)
    trained = {
        (loss.ctor, value.origin)
        for loss, _, value in found
        if loss.ctor is not None and facts.reach(loss.node) is not Reach.NO
    }
    index = loops(model)
    return [
        (loss, expr, value)
        for loss, expr, value in found
        if loss.ctor is None
        or (loss.ctor, value.origin) not in trained
        or facts.reach(loss.node) is not Reach.NO
        or _backed_up(model, index, loss.node)  # under no_grad by mistake (LF308)
    ]


def _backed_up(model: SemanticModel, index: LoopIndex, node: cst.CSTNode) -> bool:
    """The loss is assigned to a name that a ``backward()`` of its loop reads."""
    statement = model.parent(node)
    targets = statement.targets if isinstance(statement, cst.Assign) else ()
    names = {
        n.value
        for target in targets
        for n in cast("list[cst.Name]", nodes_in(target.target, cst.Name))
    }
    return bool(names) and any(
        e.kind == "backward"
        and not e.nested
        and isinstance(e.node, cst.Call)
        and isinstance(e.node.func, cst.Attribute)
        and any(
            n.value in names for n in cast("list[cst.Name]", nodes_in(e.node.func.value, cst.Name))
        )
        for lp in index.enclosing_loops(node)
        for e in lp.events
    )
