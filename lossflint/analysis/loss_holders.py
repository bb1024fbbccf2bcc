"""Classes that hold a framework loss and apply it in their methods.

DFace's ``LossFn`` keeps ``self.loss_cls = nn.BCELoss()`` and its
``cls_loss(gt_label, pred_label)`` applies it; ``train.py`` calls
``lossfn.cls_loss(y, net(x))`` with the sigmoid output of a network of the
same module (audit s200). What the methods get is what other files pass them,
so the kind analysis pins their parameters from those calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.interpreter.syntax import statements_of
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def loss_holder_classes(model: ModuleIndex) -> dict[str, cst.ClassDef]:
    """Top-level classes bound once whose ``__init__`` builds a framework
    loss object."""
    bindings = model.module_scope.bindings
    found: dict[str, cst.ClassDef] = {}
    for stmt in model.module.body:
        if not isinstance(stmt, cst.ClassDef) or len(bindings.get(stmt.name.value, ())) != 1:
            continue
        init = next(
            (
                node
                for node in statements_of(stmt)
                if isinstance(node, cst.FunctionDef) and node.name.value == "__init__"
            ),
            None,
        )
        if init is not None and any(
            isinstance(call, cst.Call) and model.qualname(call.func) in apis.LOSS_CLASSES
            for call in nodes_in(init.body, cst.Call, memo=memo_of(model))
        ):
            found[stmt.name.value] = stmt
    return found
