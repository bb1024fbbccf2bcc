"""Whether a dict of classes or functions is a closed registry.

``MODELS = {"mlp": MLP, "cnn": CNN}`` then ``MODELS[cfg.model](n)`` builds
one of the listed classes: the interpreter follows every one of them
(``values.Registry``). A registry something adds to (``MODELS[name] = cls``
in a ``register`` decorator, ``MODELS.update(...)``) may hold classes no
one can see here, so it stays unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.names import dotted_text
from lossflint.project.callers import changed_elsewhere
from lossflint.project.mutations import IN_PLACE_MUTATORS

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def added_to(model: ModuleIndex, expr: cst.Dict) -> bool:
    """Whether the dict display ``expr``, bound to a name, is changed anywhere
    in the module (or is bound to something other than plain names)."""
    parent = model.parent(expr)
    if isinstance(parent, cst.Assign):
        targets = [t.target for t in parent.targets]
    elif isinstance(parent, cst.AnnAssign):
        targets = [parent.target]
    else:
        return False  # used where it is written: nothing can add to it
    names = {dotted_text(t) for t in targets}
    if None in names:
        return True
    line = model.parent(parent)
    if line is not None and model.parent(line) is model.module:
        # a module-level registry: another module may import it and add to it
        if any(changed_elsewhere(name) for name in names if name is not None):
            return True
    for node in model.nodes_of_type(cst.Subscript):
        assert isinstance(node, cst.Subscript)
        if dotted_text(node.value) in names:
            holder = model.parent(node)
            if isinstance(holder, (cst.AssignTarget, cst.AugAssign, cst.Del)):
                return True
    for node in model.nodes_of_type(cst.AugAssign):
        assert isinstance(node, cst.AugAssign)
        if dotted_text(node.target) in names:
            return True
    for site in model.calls:
        func = site.node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in IN_PLACE_MUTATORS
            and dotted_text(func.value) in names
        ):
            return True
    return False


def only_called(model: ModuleIndex, expr: cst.Dict) -> bool:
    """Whether the dict display ``expr`` is a closed registry bound to one
    name whose every use calls an entry (``LOSSES[name](out, y)``) or asks
    for its keys: a function listed there is called only where it is seen."""
    parent = model.parent(expr)
    if not (
        isinstance(parent, cst.Assign)
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Name)
    ) or added_to(model, expr):
        return False
    target = parent.targets[0].target
    for node in model.nodes_of_type(cst.Name):
        assert isinstance(node, cst.Name)
        if node.value != target.value or node is target:
            continue
        holder = model.parent(node)
        if isinstance(holder, cst.Subscript) and holder.value is node:
            call = model.parent(holder)
            if isinstance(call, cst.Call) and call.func is holder:
                continue
        if (
            isinstance(holder, cst.Attribute)
            and holder.value is node
            and holder.attr.value == "keys"
        ):
            continue
        if isinstance(holder, cst.ComparisonTarget) and holder.comparator is node:
            continue  # ``name in LOSSES``
        return False
    return True
