"""Hand-written optimiser steps: a tensor updated in place from its own
gradient (``p.data -= lr * p.grad``, ``p.data.add_(p.grad, alpha=-lr)``,
``with torch.no_grad(): w -= lr * w.grad``).

Such an update is the ``step`` of a training loop written without
``torch.optim`` (tutorials, from-scratch courses, MPI examples): the loop rules
(LF303 missing zero_grad, LF301 clip after step, LF602's "the loader feeds
training") treat it as one.

Only PyTorch's ``.grad``: a file that imports MXNet (whose ``backward`` writes
the gradient instead of adding to it) has none. Not an update of a tensor the
loop creates again (``x = x.detach().requires_grad_()`` then ``x.data += a *
x.grad.sign()``): a fresh leaf starts without a gradient, nothing accumulates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.names import dotted_text, target_binds
from lossflint.analysis.numerics import imports_framework
from lossflint.analysis.walk import descendants

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: in-place tensor methods that move a tensor by their argument
_UPDATE_METHODS = frozenset({"sub_", "add_"})


@dataclass(frozen=True)
class ManualUpdate:
    #: the ``-=`` statement, the ``.data = ...`` assignment or the ``sub_``/``add_`` call
    node: cst.AugAssign | cst.Assign | cst.Call
    #: the tensor updated (``p``, ``self.w``)
    tensor: str


def manual_updates(model: ModuleIndex) -> list[ManualUpdate]:
    """Every in-place update of a tensor from its own ``.grad``, file order
    within each form."""
    if not imports_framework(model, ("torch",)) or imports_framework(
        model, apis.OTHER_GRAD_FRAMEWORKS
    ):
        return []
    return [u for u in _candidates(model) if not _fresh_each_pass(model, u)]


def _candidates(model: ModuleIndex) -> Iterator[ManualUpdate]:
    for aug in cast("list[cst.AugAssign]", model.nodes_of_type(cst.AugAssign)):
        if isinstance(aug.operator, (cst.SubtractAssign, cst.AddAssign)):
            tensor = _tensor_of(aug.target)
            if tensor is not None and _reads_grad_of(aug.value, tensor):
                yield ManualUpdate(aug, tensor)
    for node in cast("list[cst.Assign]", model.nodes_of_type(cst.Assign)):
        if len(node.targets) != 1:
            continue
        target = node.targets[0].target
        # `p.data = p.data - lr * p.grad` (a plain `p = ...` rebinds, in-place it is not)
        if isinstance(target, cst.Name):
            continue
        tensor = _tensor_of(target)
        if tensor is not None and _reads_grad_of(node.value, tensor):
            yield ManualUpdate(node, tensor)
    for site in model.method_calls(*_UPDATE_METHODS):
        func = site.node.func
        assert isinstance(func, cst.Attribute)
        tensor = _tensor_of(func.value)
        if tensor is not None and any(_reads_grad_of(a.value, tensor) for a in site.node.args):
            yield ManualUpdate(site.node, tensor)


def _tensor_of(target: cst.BaseExpression) -> str | None:
    """``p`` for ``p``, ``p.data``, ``p[:]``, ``p.data[:]``; None for others
    (``p.grad`` itself is no update of ``p``)."""
    if isinstance(target, cst.Subscript):
        target = target.value
    if isinstance(target, cst.Attribute) and target.attr.value == "data":
        target = target.value
    if isinstance(target, cst.Attribute) and target.attr.value == "grad":
        return None
    return dotted_text(target)


def _reads_grad_of(expr: cst.BaseExpression, tensor: str) -> bool:
    wanted = tensor + ".grad"
    return any(
        isinstance(node, cst.Attribute)
        and node.attr.value == "grad"
        and dotted_text(node) == wanted
        for node in descendants(expr)
    )


def _fresh_each_pass(model: ModuleIndex, update: ManualUpdate) -> bool:
    """The tensor is bound anew (``x = ...``, ``with ... as x``) in a loop
    around the update: each pass updates a new leaf."""
    name = update.tensor.split(".", 1)[0]
    loops = [a for a in model.ancestors(update.node) if isinstance(a, (cst.For, cst.While))]
    if not loops or "." in update.tensor:
        return False
    outer = loops[-1]
    todo: list[cst.CSTNode] = [outer.body]
    while todo:
        node = todo.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.AssignTarget) and target_binds(node.target, name):
            return True
        if isinstance(node, (cst.AnnAssign, cst.NamedExpr)) and target_binds(node.target, name):
            return True
        if isinstance(node, cst.AsName) and target_binds(node.name, name):
            return True
        todo.extend(node.children)
    return False
