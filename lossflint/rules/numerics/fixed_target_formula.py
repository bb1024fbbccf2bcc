"""The binary cross-entropy of a GAN written out with its targets fixed:
``-(log(D(x) + eps) + log(1 - D(G(z)) + eps))`` for the discriminator and
``-log(D(G(z)) + eps)`` for the generator (pix2pix-tensorflow, audit s160).
No label weighs the logs (the targets are 1 and 0), so the ``y * log(p)``
shape LF203 reads elsewhere is absent; it counts only when every
probability is known sigmoid output, every log a framework's, and the logs
are guarded (unguarded, each is LF201's, whose fix is the stable rewrite)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import numerics as num
from lossflint.analysis.log_calls import LogCall
from lossflint.analysis.walk import nodes_in
from lossflint.rules.numerics.common import (
    Formula,
    climb_formula,
    cross_entropy_formula,
    guarded_source,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def fixed_target_formula(
    model: SemanticModel, log: LogCall, logs: dict[cst.Call, LogCall]
) -> Formula | None:
    """The fixed-target BCE ``log`` is a term of (its top negated), or None."""
    members = [log]
    core: cst.BaseExpression = log.node
    parent = model.parent(log.node)
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Add):
        other = parent.right if parent.left is log.node else parent.left
        if not isinstance(other, cst.Call) or other not in logs:
            return None  # ``log(p) + c``: not the two terms of one cross-entropy
        left, right = parent.left, parent.right
        assert isinstance(left, cst.Call) and isinstance(right, cst.Call)
        members = [logs[left], logs[right]]
        core = parent
    elif not (
        isinstance(parent, cst.Arg)
        or (isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Minus))
    ):
        return None  # ``w * log(p)``, ``log(p) / 2``: other shapes, read elsewhere
    if any(m.base for m in members):
        return None  # ``log2``/``log10``: no built-in loss replaces them
    node, negated, _ = climb_formula(model, core)
    if _weighted_by_the_probability(model, log, node):
        return None  # a focal weight ``p ** gamma`` (mmdet's FocalLossCost): another formula
    if not negated:
        return None
    if len(members) == 2 and sum(_complemented(model, m) for m in members) != 1:
        return None  # ``log(p) + log(q)``: a joint likelihood, not a BCE's two terms
    found = guarded_source(model, tuple(members))
    if found is None or found[0] != "sigmoid":
        return None  # unguarded, each log is LF201's (its fix is the stable rewrite)
    return Formula(node, tuple(members), True, guard=found[1], source="sigmoid")


def _complemented(model: SemanticModel, log: LogCall) -> bool:
    """``log(1 - q + eps)``: a log of a complement, its guard stripped."""
    found = num.guard_operand(model, log.argument)
    return num.one_minus(found[0] if found is not None else log.argument) is not None


def hand_written_formula(
    model: SemanticModel, log: LogCall, logs: dict[cst.Call, LogCall]
) -> Formula | None:
    """The hand-written cross-entropy ``log`` is part of, in either shape
    (LF203's; LF201 and LF202 leave its logs to it)."""
    return cross_entropy_formula(model, log, logs) or fixed_target_formula(model, log, logs)


def _weighted_by_the_probability(model: SemanticModel, log: LogCall, top: cst.CSTNode) -> bool:
    """A product between ``log`` and ``top`` whose other factor reads a name
    the log's argument reads (``-(1 - p + eps).log() * p.pow(gamma)``: a focal
    term, not a BCE's); a mask (``* is_target``) reads none."""
    read = {cast(cst.Name, n).value for n in nodes_in(log.argument, cst.Name)}
    child: cst.CSTNode = log.node
    for up in model.ancestors(log.node):
        if isinstance(up, cst.BinaryOperation) and isinstance(up.operator, cst.Multiply):
            other = up.right if up.left is child else up.left
            if any(cast(cst.Name, n).value in read for n in nodes_in(other, cst.Name)):
                return True
        if up is top:
            return False
        child = up
    return False
