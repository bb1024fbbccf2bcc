"""A model class that trains itself (``run_epoch(self, loader)`` calling
``self(x)``, back-propagating and stepping): in the method that does it,
``self`` is the model in train mode, so a helper it hands ``self`` to
(``evaluate_model(self, val_loader)`` in ``utils.py``) gets a model in train
mode (LF603 across files, ``train_mode.train_mode_arguments``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import SubtreeMemo, calls_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.loops import LoopIndex

#: how a method runs its own model: ``self(x)``, ``self.__call__(x)``, ``self.forward(x)``
_SELF_CALLS = frozenset({"self", "self.__call__", "self.forward"})


def self_in_train_mode(
    model: ModuleIndex, index: LoopIndex, memo: SubtreeMemo | None, call: cst.Call, callee: str
) -> bool:
    """``call`` hands ``self`` to ``callee`` from a method of a class whose
    loop in that same method calls ``self``, back-propagates and steps (the
    class trains itself there), the file never switches ``self`` to eval
    mode, and the method hands ``self`` to no other call (``super(C, self)``
    aside) that could switch it."""
    method = model.enclosing(call, cst.FunctionDef)
    if not isinstance(method, cst.FunctionDef) or not _is_method(model, method):
        return False
    params = method.params.params
    if not params or params[0].name.value != "self":
        return False
    if any(
        e.kind == "eval" and (e.receiver or "").split(".", 1)[0] == "self" for e in index.events
    ):
        return False
    calls = calls_in(method, memo)
    if not any(dotted_text(c.func) in _SELF_CALLS for c in calls):
        return False
    if not any(
        loop.has("backward") and loop.has("step") and _within(model, loop.node, method)
        for loop in index.loops
    ):
        return False
    for other in calls:
        if other is call or dotted_text(other.func) in (callee, "super"):
            continue
        if any(dotted_text(arg.value) == "self" for arg in other.args):
            return False  # handed to code that may switch its mode
    return True


def _is_method(model: ModuleIndex, func: cst.FunctionDef) -> bool:
    parent = model.parent(func)
    grand = model.parent(parent) if parent is not None else None
    return isinstance(parent, cst.IndentedBlock) and isinstance(grand, cst.ClassDef)


def _within(model: ModuleIndex, node: cst.CSTNode, method: cst.FunctionDef) -> bool:
    # a step function is not a loop of the method
    return node is not method and model.within(node, method)
