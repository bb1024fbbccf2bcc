"""Names bound by unpacking the call of a same-file function
(``loss, node = compute(out, y)``): which item of the function's returned
tuples each receives. Read by LF306 (is that item a loss with its graph?) and
LF601 (is that item a stacked frame?)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.loops import loops
from lossflint.analysis.walk import own_returns

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def unpackings(model: ModuleIndex, name: cst.Name) -> Iterator[tuple[cst.Call | None, int, int]]:
    """``..., name = f(...)`` in ``name``'s scope: the call (None when the
    value is not a call or the target has a starred name), ``name``'s place
    and the number of names."""
    scope = model.scope_of(name)
    for stmt in model.assignments.get(scope.node, []):
        for target in stmt.targets:
            if not isinstance(target.target, (cst.Tuple, cst.List)):
                continue
            names = [e.value for e in target.target.elements]
            at = [
                i for i, n in enumerate(names) if isinstance(n, cst.Name) and n.value == name.value
            ]
            if not at:
                continue
            starred = any(type(e) is cst.StarredElement for e in target.target.elements)
            call = stmt.value if isinstance(stmt.value, cst.Call) and not starred else None
            yield call, at[0], len(names)


def unpacked_items(model: ModuleIndex, name: cst.Name) -> list[cst.BaseExpression] | None:
    """What a name bound only by unpacking a same-file function's returns
    holds: item ``i`` of every tuple it returns (``loss, node = compute(...)``
    with ``return sloss.data * norm, sloss``), or None when some binding is
    not such an unpacking (or no return is a tuple)."""
    bindings = model.bindings(name) or []
    if not bindings or any(b.kind != "other" or b.node is not None for b in bindings):
        return None
    items: list[cst.BaseExpression] = []
    found = list(unpackings(model, name))
    if len(found) != len(bindings):
        return None
    for call, at, size in found:
        func = loops(model).resolve_function(call) if call is not None else None
        returns = [node.value for node in own_returns(func)] if func is not None else []
        if not returns:
            return None
        for value in returns:
            if _never_a_tuple(value):
                continue  # ``return loss.sum() / mask.sum()`` on another path (``reduce=True``)
            if not isinstance(value, cst.Tuple) or len(value.elements) != size:
                return None
            if any(type(e) is cst.StarredElement for e in value.elements):
                return None
            items.append(value.elements[at].value)
    return items or None


def _never_a_tuple(value: cst.BaseExpression | None) -> bool:
    """Arithmetic no tuple supports (``a / b``, ``a - b``, ``a ** 2``): that
    return is not what an unpacking caller gets."""
    return isinstance(value, cst.BinaryOperation) and not isinstance(
        value.operator, (cst.Add, cst.Multiply)
    )
