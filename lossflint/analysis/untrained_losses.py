"""Loss calls used for their values, never trained on.

``F.nll_loss(softmax, labels, reduction="none")`` is ``-softmax[i, labels[i]]``
per sample: Hadisalman/smoothing-adversarial's zeroth-order attack uses it to
pick each sample's probability, scales the noise by it and adds that to the
perturbation by hand (audit s153). Nothing back-propagates through it, so
whether the input is log-probabilities is no loss-input question. Such a call
is one that keeps per-sample values (``reduction="none"``), in a function that
back-propagates nothing, whose result leaves only through other arithmetic (a
name it is bound to is not what the function returns: a loss helper returning
``(nll * w).mean()`` is a loss)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import literal_value
from lossflint.analysis.loops import loops
from lossflint.analysis.names import bound_by
from lossflint.analysis.walk import names_in, own_returns

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def per_sample_values_only(
    model: ModuleIndex, call: cst.Call, reduction: cst.BaseExpression | None
) -> bool:
    """``call`` (a loss call, its ``reduction`` given there or to the loss
    object's constructor) keeps per-sample values that nothing trains on."""
    if reduction is None or literal_value(reduction) != "none":
        return False
    func = model.enclosing(call, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef):
        return False
    # the loop index's backward events (``loss.backward()``, an AMP scaler's,
    # ``accelerator.backward``), and ``torch.autograd.grad``
    if any(e.kind == "backward" and model.within(e.node, func) for e in loops(model).events):
        return False
    if any(model.within(site.node, func) for site in model.calls_to(*apis.AUTOGRAD_GRAD)):
        return False
    statement = model.statement_of(call)
    bound: set[str] = set()
    for small in getattr(statement, "body", ()):
        if isinstance(small, cst.Assign):
            for assigned in small.targets:
                bound |= bound_by(assigned.target)
    if not bound:
        return False  # returned, passed on or kept in place: may be trained on
    return not any(
        names_in(ret.value, name) for ret in own_returns(func) if ret.value for name in bound
    )
