"""Batches matched to other data by their position: a loop over a loader
that slices a second array with its batch counter (``labels[bs * i:bs * (i +
1)]`` of ``for i, (x, _) in enumerate(loader)``, or of ``n += 1`` per pass),
as GAN tutorials pair a sorted image folder with a pickled label array. The
loader must keep its order there: shuffling it would give every image
another's label (LF602)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.names import bound_by
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def slices_by_batch_counter(model: ModuleIndex, loop: cst.For) -> bool:
    """``loop``'s body slices an array that is not the batch with a counter
    of the loop's passes."""
    counters = _counters(model, loop)
    if not counters:
        return False
    batch = bound_by(loop.target)
    for node in nodes_in(loop.body, cst.Subscript, memo=memo_of(model)):
        assert isinstance(node, cst.Subscript)
        root = node.value
        while isinstance(root, (cst.Attribute, cst.Subscript, cst.Call)):
            root = root.value if not isinstance(root, cst.Call) else root.func
        if not isinstance(root, cst.Name) or root.value in batch:
            continue
        for element in node.slice:
            if _batch_window(model, element.slice, counters):
                return True
    return False


def _batch_window(model: ModuleIndex, bound: cst.BaseSlice, counters: set[str]) -> bool:
    """``bs * i:bs * (i + 1)``: both ends count batches (a product with the
    counter), not a window of recent values (``losses[i - 100:i]``)."""
    if not isinstance(bound, cst.Slice) or bound.lower is None or bound.upper is None:
        return False
    for part in (bound.lower, bound.upper):
        names = {n.value for n in nodes_in(part, cst.Name, memo=memo_of(model))}  # type: ignore[attr-defined]
        if not counters & names:
            return False
    products = nodes_in(bound.lower, cst.BinaryOperation, memo=memo_of(model))
    products += nodes_in(bound.upper, cst.BinaryOperation, memo=memo_of(model))
    return any(isinstance(p.operator, cst.Multiply) for p in products)  # type: ignore[attr-defined]


def _counters(model: ModuleIndex, loop: cst.For) -> set[str]:
    """``i`` of ``for i, batch in enumerate(loader)``; ``n`` of ``n += 1`` in
    the body."""
    found: set[str] = set()
    it = loop.iter
    if (
        isinstance(it, cst.Call)
        and isinstance(it.func, cst.Name)
        and it.func.value == "enumerate"
        and isinstance(loop.target, cst.Tuple)
        and loop.target.elements
        and isinstance(loop.target.elements[0].value, cst.Name)
    ):
        found.add(loop.target.elements[0].value.value)
    for node in nodes_in(loop.body, cst.AugAssign, memo=memo_of(model)):
        assert isinstance(node, cst.AugAssign)
        if (
            isinstance(node.operator, cst.AddAssign)
            and isinstance(node.target, cst.Name)
            and isinstance(node.value, cst.Integer)
            and node.value.value == "1"
        ):
            found.add(node.target.value)
    return found
