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

from lossflint.analysis.interpreter.syntax import param_names
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import may_bind
from lossflint.analysis.walk import descendants
from lossflint.project.callers import attribute_set_in_loop_elsewhere

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: a name part that may count or mark passes: not a setting
_COUNTER = re.compile(
    r"epoch|step|iter|idx|index|batch|count|num|first|warm|start|cur|glob|done|"
    r"^(i|j|k|n|e|ep|it|t)$"
)


#: methods that set an object up once: what they write is a setting
_SETUP_METHODS = frozenset({"__init__", "__post_init__", "setup", "build"})


def is_switch(model: ModuleIndex, test: cst.BaseExpression, scope: cst.CSTNode) -> bool:
    """``test`` reads one setting, alone, negated, compared with a string
    literal, or with ``None``: a name nothing in ``scope`` (the loop, the
    function) binds and, for a function, none of its parameters (a caller may
    pass ``decay=epoch >= 5``); or an attribute chain (``args.use_sched``,
    ``self.args.enable_lr_schedule``) that the file writes only where objects
    are set up (``__init__``) and no other project file writes in a loop: one
    written elsewhere may be switched on between passes (``if epoch == 5:
    self.decay = True``, ``trainer.decay = epoch >= 5`` in ``train.py``)."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        # ``if args.dynamic_lr and args.optimizer != "Adam":``: settings both
        return is_switch(model, test.left, scope) and is_switch(model, test.right, scope)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    test = _unwrapped(test)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        other = test.comparisons[0]
        literal = isinstance(other.comparator, cst.SimpleString) or (
            isinstance(other.comparator, cst.Name) and other.comparator.value == "None"
        )
        if not literal or not isinstance(
            other.operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)
        ):
            return False
        test = _unwrapped(test.left)
    keyed = _keyed_setting(test)
    if keyed is not None:
        # ``parser["lr_decay"]``: a key of a settings dict nothing rewrites
        base, key = keyed
        if _COUNTER.search(key.lower()):
            return False
        return is_switch(model, base, scope) and not _key_written(model, key)
    text = dotted_text(test)
    if text is None or text in ("True", "False", "None"):
        return False
    parts = text.split(".")
    if any(_COUNTER.search(part.lower()) for part in parts[1:] or parts):
        return False
    if isinstance(test, cst.Name):
        if isinstance(scope, cst.FunctionDef) and text in param_names(scope.params):
            return False
        return not may_bind(scope, text)
    last = parts[-1]
    for node in model.nodes_of_type(cst.AssignTarget, cst.AugAssign, cst.AnnAssign):
        func = model.enclosing(node, cst.FunctionDef)
        if isinstance(func, cst.FunctionDef) and func.name.value in _SETUP_METHODS:
            continue
        # ``lr_scheduler = StepLR(...)`` binds a name: no attribute changes
        if _writes(node, last, attributes_only=True):  # type: ignore[arg-type]
            return False
    if next(model.calls_to("builtins.setattr"), None) is not None:
        return False
    # ``trainer.decay = epoch >= 5`` in another module's epoch loop
    return not attribute_set_in_loop_elsewhere(last)


def _unwrapped(test: cst.BaseExpression) -> cst.BaseExpression:
    """``bool(x)`` / ``int(x)`` read as ``x``."""
    if (
        isinstance(test, cst.Call)
        and isinstance(test.func, cst.Name)
        and test.func.value in ("bool", "int")
        and len(test.args) == 1
        and test.args[0].keyword is None
        and not test.args[0].star
    ):
        return test.args[0].value
    return test


def _keyed_setting(test: cst.BaseExpression) -> tuple[cst.BaseExpression, str] | None:
    """``cfg["key"]``: the settings object and the key."""
    if not isinstance(test, cst.Subscript) or len(test.slice) != 1:
        return None
    index = test.slice[0].slice
    if not isinstance(index, cst.Index) or not isinstance(index.value, cst.SimpleString):
        return None
    if dotted_text(test.value) is None:
        return None
    key = index.value.evaluated_value
    return (test.value, key) if isinstance(key, str) else None


def _key_written(model: ModuleIndex, key: str) -> bool:
    """Some item assignment of the file may write the key ``key`` (any
    subscript target whose key is that string, or is not a literal)."""
    for node in model.nodes_of_type(cst.AssignTarget, cst.AugAssign, cst.AnnAssign):
        for inner in (node.target, *descendants(node.target)):  # type: ignore[attr-defined]
            if not isinstance(inner, cst.Subscript):
                continue
            index = inner.slice[0].slice if len(inner.slice) == 1 else None
            if not (isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)):
                return True
            if index.value.evaluated_value == key:
                return True
    return False


def writes_setting(root: cst.CSTNode, flag: str) -> bool:
    """Whether ``root`` (or something under it) writes ``flag``: an assignment
    to a target ending in its last part (``self.is_test``, ``agent.is_test``),
    or a ``setattr``."""
    last = flag.rsplit(".", 1)[-1]
    for node in (root, *descendants(root)):
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            if _writes(node, last):
                return True
        if isinstance(node, cst.Call) and dotted_text(node.func) == "setattr":
            return True
    return False


def _writes(
    node: cst.AssignTarget | cst.AugAssign | cst.AnnAssign, last: str, attributes_only: bool = False
) -> bool:
    """The assignment's target (or a part of a tuple target) ends in ``last``
    (an attribute's, with ``attributes_only``)."""
    for inner in (node.target, *descendants(node.target)):
        if attributes_only and isinstance(inner, cst.Name):
            continue  # a bare name, or a part of an attribute looked at whole
        if isinstance(inner, (cst.Name, cst.Attribute)):
            written = dotted_text(inner)
            if written is not None and written.rsplit(".", 1)[-1] == last:
                return True
    return False


def switched_blocks(model: ModuleIndex, chain: tuple[cst.CSTNode, ...], scope: cst.CSTNode) -> bool:
    """Every block of ``chain`` (the blocks between a loop's body and an event)
    is the body of an ``if`` (or ``elif``) whose test is a switch: fixed for
    the run, the arm is taken on every pass or on none (an ``else`` or an
    ``elif`` beside it changes neither: PC-DARTS's ``if args.lr_scheduler ==
    'cosine': scheduler.step()`` with an ``elif`` and an ``else``, audit s179)."""
    if not chain:
        return False
    for block in chain:
        test = model.parent(block)
        if not isinstance(test, cst.If) or block is not test.body:
            return False
        if not is_switch(model, test.test, scope):
            return False
    return True
