"""Evaluations switched off while a loop trains.

``select_action`` puts the network in eval mode under ``if self.is_test:``;
``train()`` sets ``self.is_test = False`` before its loop and nothing the loop
runs sets it again, so the ``.eval()`` never runs while it trains (the DQN
agents of rainbow-is-all-you-need, audit R44). Only a plain flag (a name or
an attribute chain) set to the literal ``False`` before the loop counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.names import dotted_text
from lossflint.analysis.switches import writes_setting
from lossflint.analysis.walk import descendants

if TYPE_CHECKING:
    from lossflint.analysis.loops import LoopIndex
    from lossflint.analysis.model import SemanticModel


def switched_off(
    model: SemanticModel, index: LoopIndex, loop_node: cst.CSTNode, node: cst.CSTNode
) -> bool:
    """``node`` runs only under ``if <flag>:`` (in its own function), the
    loop's function sets ``<flag> = False`` before the loop, and neither the
    loop nor a same-file function it calls sets the flag."""
    flag = _guarding_flag(model, node)
    if flag is None or not _cleared_before(model, loop_node, flag):
        return False
    if writes_setting(loop_node, flag):
        return False
    for call in (n for n in descendants(loop_node) if isinstance(n, cst.Call)):
        func = index.resolve_function(call)
        if func is not None and writes_setting(func, flag):
            return False
    return True


def _guarding_flag(model: SemanticModel, node: cst.CSTNode) -> str | None:
    child = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.If) and child is ancestor.body:
            return dotted_text(ancestor.test)
        child = ancestor
    return None


def _cleared_before(model: SemanticModel, loop_node: cst.CSTNode, flag: str) -> bool:
    """A statement before the loop, in a block around it within its function,
    is ``<flag> = False``."""
    at: cst.CSTNode = loop_node
    for ancestor in model.ancestors(loop_node):
        body = getattr(ancestor, "body", None)
        if isinstance(body, (list, tuple)) and at in body:
            for stmt in body[: body.index(at)]:
                if _assigns_false(stmt, flag):
                    return True
        if isinstance(ancestor, (cst.FunctionDef, cst.Module)):
            return False
        at = ancestor
    return False


def _assigns_false(stmt: cst.CSTNode, flag: str) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    return any(
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and dotted_text(small.targets[0].target) == flag
        and literal_value(small.value) is False
        for small in stmt.body
    )
