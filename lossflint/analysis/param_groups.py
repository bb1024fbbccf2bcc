"""Parameter groups an optimiser is built over (``[{"params": ..., "lr": ...}]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def group_tensors(
    model: ModuleIndex, params: cst.BaseExpression, body: cst.CSTNode
) -> cst.BaseExpression:
    """What parameter groups hand the optimiser as tensors:
    ``[{"params": a, "lr": lr}, {"params": b}]`` → ``(a, b)``, also through a
    name ``body`` binds once to such a list. A rate decayed in the loop
    (``lr``) renews no tensor: the groups are the same weights (NIMA and
    hyperIQA rebuild SGD / Adam with the decayed rates, audit s197). Anything
    else is returned as it is."""
    groups = params
    text = dotted_text(params)
    if text is not None:
        bound = [
            target
            for target in nodes_in(body, cst.AssignTarget, memo=memo_of(model))
            if dotted_text(target.target) == text  # type: ignore[attr-defined]
        ]
        statement = model.parent(bound[0]) if len(bound) == 1 else None
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            groups = statement.value
    if not isinstance(groups, (cst.List, cst.Tuple)) or not groups.elements:
        return params
    tensors: list[cst.Element] = []
    for element in groups.elements:
        group = element.value
        if not isinstance(element, cst.Element) or not isinstance(group, cst.Dict):
            return params
        found = [
            item.value
            for item in group.elements
            if isinstance(item, cst.DictElement) and literal_value(item.key) == "params"
        ]
        if len(found) != 1 or any(not isinstance(i, cst.DictElement) for i in group.elements):
            return params
        tensors.append(cst.Element(found[0]))
    return cst.Tuple(tensors)
