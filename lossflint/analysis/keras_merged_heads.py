"""Branches of a Keras head merged into one output.

A mixture density network's head builds the means, scales and mixing weights
of its components as three ``Dense`` branches and concatenates them
(``concatenate([mus, sigmas, alphas])``, or Keras 0.x's ``graph.add_output(
inputs=[...], merge_mode="concat")``); a custom loss takes them apart. The
mixing weights are a softmax over the components, and with one component
that ``Dense(1, softmax)`` is 1.0 on purpose (axelbrando's MDN notebooks,
audit s201): not a classifier's output (LF403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import keyword, literal_value
from lossflint.analysis.reaching import value_reads

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def merged_branch(model: ModuleIndex, dense: cst.Call) -> bool:
    """The layer ``dense`` builds is one branch of a concatenated output:
    applied and bound (``alphas = Dense(...)(h)``) to a name one read of
    which is an item of the list a concatenation joins,
    or added to a Keras 0.x ``Graph`` under a name a concatenating
    ``add_output`` lists."""
    if _graph_node_merged(model, dense):
        return True
    applied = model.parent(dense)
    if not (isinstance(applied, cst.Call) and applied.func is dense):
        return False
    for use in value_reads(model, applied) or ():
        element = model.parent(use)
        listed = model.parent(element) if isinstance(element, cst.Element) else None
        argument_node = model.parent(listed) if listed is not None else None
        call = model.parent(argument_node) if isinstance(argument_node, cst.Arg) else None
        if isinstance(listed, (cst.List, cst.Tuple)) and isinstance(call, cst.Call):
            # ``concatenate([...])``, ``Concatenate(axis=1)([...])``
            func = call.func.func if isinstance(call.func, cst.Call) else call.func
            if model.qualname(func) in apis.BRANCH_CONCATENATIONS:
                return True
    return False


def _graph_node_merged(model: ModuleIndex, dense: cst.Call) -> bool:
    """``graph.add_node(Dense(m, activation="softmax"), name="FC_alphas",
    ...)`` whose name an ``add_output(inputs=[...], merge_mode="concat")`` of
    the file lists."""
    argument_node = model.parent(dense)
    call = model.parent(argument_node) if isinstance(argument_node, cst.Arg) else None
    if not (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == apis.GRAPH_ADD_NODE
    ):
        return False
    named = keyword(call, "name")
    name = literal_value(named.value) if named is not None else None
    if not isinstance(name, str):
        return False
    for site in model.method_calls(apis.GRAPH_ADD_OUTPUT):
        inputs = keyword(site.node, "inputs")
        mode = keyword(site.node, "merge_mode")
        if (
            mode is not None
            and literal_value(mode.value) == apis.GRAPH_CONCAT_MODE
            and inputs is not None
            and isinstance(inputs.value, (cst.List, cst.Tuple))
            and any(literal_value(e.value) == name for e in inputs.value.elements)
        ):
            return True
    return False
