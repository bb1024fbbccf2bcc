"""Configuration switches: ``if args.use_scheduler:``, ``if self.cfg.sched ==
"step":``. A test that reads only settings fixed for the whole run is taken the
same way on every pass of a loop (and every call of a function), so what it
guards runs on every pass whenever it is switched on: a scheduler step under
it is as early as one without it. A test that may count passes (``if epoch:``,
``if self.warmup_done:``, ``if i > 0:``) is no switch."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import may_bind
from lossflint.analysis.walk import descendants

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: a name part that may count or mark passes: not a setting
_COUNTER = re.compile(
    r"epoch|step|iter|idx|index|batch|count|num|first|warm|start|cur|glob|done|"
    r"^(i|j|k|n|e|ep|it|t)$"
)


def is_switch(test: cst.BaseExpression, scope: cst.CSTNode) -> bool:
    """``test`` reads one setting (an attribute chain ``args.use_sched``, or a
    name), alone, negated, compared with a string literal, or with ``None``,
    that nothing in ``scope`` (the loop, the function) binds."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        other = test.comparisons[0]
        literal = isinstance(other.comparator, cst.SimpleString) or (
            isinstance(other.comparator, cst.Name) and other.comparator.value == "None"
        )
        if not literal or not isinstance(
            other.operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)
        ):
            return False
        test = test.left
    text = dotted_text(test)
    if text is None or text in ("True", "False", "None"):
        return False
    parts = text.split(".")
    if any(_COUNTER.search(part.lower()) for part in parts[1:] or parts):
        return False
    if isinstance(test, cst.Name):
        return not may_bind(scope, test.value)
    return not _assigns_attribute(scope, parts[-1])


def _assigns_attribute(scope: cst.CSTNode, attr: str) -> bool:
    """Whether ``scope`` writes ``<x>.attr`` (an assignment's target)."""
    for node in descendants(scope):
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            for inner in (node.target, *descendants(node.target)):
                if isinstance(inner, cst.Attribute) and inner.attr.value == attr:
                    return True
    return False


def switched_blocks(model: ModuleIndex, chain: tuple[cst.CSTNode, ...], scope: cst.CSTNode) -> bool:
    """Every block of ``chain`` (the blocks between a loop's body and an event)
    is the body of an ``if`` without ``else`` whose test is a switch."""
    if not chain:
        return False
    for block in chain:
        test = model.parent(block)
        if not isinstance(test, cst.If) or block is not test.body or test.orelse is not None:
            return False
        if not is_switch(test.test, scope):
            return False
    return True
