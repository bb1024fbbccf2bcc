"""LF104 on a clamped sigmoid: ``p = torch.clamp(torch.sigmoid(z), 1e-7, 1.0)``
then ``F.binary_cross_entropy(p, y)`` is still BCE on sigmoid output (audit
s29, argus-freesound's noisy-label loss). The clamp keeps ``log(p)`` finite
and zeroes the gradient wherever the sigmoid saturates past its bounds; the
loss on the logits needs neither."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.kinds import LossCall
from lossflint.analysis.values import Tensor
from lossflint.rules.loss_inputs.common import losses

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def clamped_sigmoid_inputs(
    model: SemanticModel,
) -> Iterator[tuple[LossCall, cst.BaseExpression, Tensor]]:
    """BCE calls whose input is sigmoid output under a clamp/clip (the loss,
    the input as written, the sigmoid's value)."""
    for loss in losses(model, apis.BCE):
        expr = loss.input_expr
        if expr is None or model.kinds.kind(expr) is Kind.SIGMOID_PROBS:
            continue
        guarded = num.guard_operand(model, expr)
        if guarded is None or guarded[1] != "clamp":
            continue
        value = model.value(guarded[0])
        if isinstance(value, Tensor) and value.kind is Kind.SIGMOID_PROBS:
            yield loss, expr, value
