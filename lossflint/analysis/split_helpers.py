"""Functions that divide what they are given into train and test parts: a
project's ``split(X, y)`` helper (``return train_test_split(X, y, ...)``), or
one taking a random mask of rows and its complement (``X[msk]``, ``X[~msk]``),
or one slicing a head and the tail after it (``X[:n]``, ``X[n:]``).
Their summaries list those parameters (``FunctionSummary.splits``): a caller
in another module that hands them an array scaled whole splits it as if it
called ``train_test_split`` itself (LF601)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.walk import calls_in, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def split_parameters(
    model: ModuleIndex, func: cst.FunctionDef, params: tuple[str, ...]
) -> tuple[str, ...]:
    """The parameters ``func`` divides into parts, unchanged: passed as an
    array of a ``train_test_split`` call, or indexed by a random mask and by
    its complement."""
    from lossflint.analysis.data_flow import random_mask, slice_kind, split_head

    kept = {name for name in params if _never_rebound(model, func, name)}
    found: list[str] = []
    for call in calls_in(func):
        if model.qualname(call.func) not in apis.TRAIN_TEST_SPLIT:
            continue
        for arg in call.args:
            if arg.keyword is None and not arg.star and isinstance(arg.value, cst.Name):
                if arg.value.value in kept and arg.value.value not in found:
                    found.append(arg.value.value)
    masked: dict[str, set[bool]] = {}
    for node in nodes_in(func, cst.Subscript):
        assert isinstance(node, cst.Subscript)
        if not isinstance(node.value, cst.Name) or node.value.value not in kept:
            continue
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            continue
        mask = random_mask(model, node.slice[0].slice.value)
        if mask is not None:
            masked.setdefault(node.value.value, set()).add(mask[1])
    found += [
        name for name, sides in masked.items() if sides == {True, False} and name not in found
    ]
    # ``dataset[0:train_size], dataset[train_size:]``: a head and the tail from
    # its end (a chronological split)
    sliced: dict[str, list[tuple[str, str, cst.CSTNode]]] = {}
    for node in nodes_in(func, cst.Subscript):
        assert isinstance(node, cst.Subscript)
        if not isinstance(node.value, cst.Name) or node.value.value not in kept:
            continue
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Slice):
            continue
        kind = slice_kind(model, node.slice[0].slice)
        if kind is not None:
            sliced.setdefault(node.value.value, []).append((*kind, node))
    found += [
        name
        for name, parts in sliced.items()
        if split_head(parts) is not None and name not in found
    ]
    return tuple(name for name in params if name in found)


def _never_rebound(model: ModuleIndex, func: cst.FunctionDef, name: str) -> bool:
    scope = model.scopes.get(func)
    bindings = scope.bindings.get(name, []) if scope is not None else []
    return len(bindings) == 1 and bindings[0].kind == "param"
