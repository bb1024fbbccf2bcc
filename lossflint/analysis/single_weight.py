"""Models written as one weight matrix: a class whose only trainable state is
one matrix (and a bias vector), made with ``nn.Parameter`` or Keras's
``self.add_weight``, and no layer. SGC (a logistic regression on features
propagated over a graph) is such a model: its convex problem takes the large
steps its paper uses (Adam at 0.2), like one ``nn.Linear`` (LF307)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, positional
from lossflint.analysis.names import self_attribute
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def single_weight_class(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    """``cls`` keeps exactly one weight of two or more axes (plus vectors) and
    builds no layer, no other model of the project, nothing unknown on ``self``."""
    matrices = 0
    for node in nodes_in(cls, cst.Call, memo=memo_of(model)):
        assert isinstance(node, cst.Call)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add_weight":
            axes = _keras_axes(node)
        elif model.qualname(func) in apis.FRESH_LEAVES:
            axes = torch_axes(model, node)
        else:
            if _kept_on_self(model, node) and model.code(func) != "super().__init__":
                return False  # a layer, a submodule, something unknown kept on self
            continue
        if axes is None:
            return False
        matrices += axes >= 2
    return matrices == 1


def _kept_on_self(model: ModuleIndex, call: cst.Call) -> bool:
    parent = model.parent(call)
    return isinstance(parent, cst.Assign) and any(
        self_attribute(t.target) is not None for t in parent.targets
    )


def _keras_axes(call: cst.Call) -> int | None:
    shape = argument(call, 1, "shape")
    if isinstance(shape, (cst.List, cst.Tuple)):
        return len(shape.elements)
    return None


def torch_axes(model: ModuleIndex, call: cst.Call) -> int | None:
    """``nn.Parameter(torch.Tensor(a, b))`` / ``torch.randn(a, b)`` /
    ``torch.zeros(n)``: the number of sizes given."""
    data = argument(call, 0, "data")
    if isinstance(data, cst.BinaryOperation) and isinstance(data.operator, cst.Multiply):
        # ``nn.Parameter(.01 * torch.randn(1))``: a scaled start
        numbers = (cst.Integer, cst.Float)
        if isinstance(data.left, numbers):
            data = data.right
        elif isinstance(data.right, numbers):
            data = data.left
    if not isinstance(data, cst.Call) or not (model.qualname(data.func) or "").startswith("torch."):
        return None
    sizes = positional(data)
    if len(sizes) == 1 and isinstance(sizes[0].value, (cst.Tuple, cst.List)):
        return len(sizes[0].value.elements)  # ``torch.zeros((a, b))``
    return len(sizes) or None
