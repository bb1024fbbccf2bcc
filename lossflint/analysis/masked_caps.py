"""Caps written as a masked store: ``temp[temp > 20] = 20`` between the
assignment of ``temp`` and its use bounds every value of it (Transformer Hawkes
Process's ``softplus``, audit s218), as ``temp.clamp(max=20)`` would."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.numerics import masked_store_test
from lossflint.analysis.reaching import reaching_line

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def capped_in_place(model: ModuleIndex, use: cst.Name, largest: float) -> bool:
    """A store ``use[use > a] = b`` (or ``>=``) with numbers ``a, b <= largest``
    runs after the line binding ``use`` and before the statement reading it,
    in the same block (no branch skips it)."""
    bound = reaching_line(model, use)
    block = model.parent(bound) if bound is not None else None
    if bound is None or not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return False
    reading: cst.CSTNode | None = use
    while reading is not None and model.parent(reading) is not block:
        reading = model.parent(reading)
    body = list(block.body)
    if reading is None or reading not in body:
        return False
    start, end = body.index(bound), body.index(reading)  # type: ignore[arg-type]
    return any(_cap_store(stmt, use.value, largest) for stmt in body[start + 1 : end])


def _cap_store(stmt: cst.CSTNode, name: str, largest: float) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    assign = stmt.body[0]
    if not isinstance(assign, cst.Assign):
        return False
    test = masked_store_test(assign, name)
    if not (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == name
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, (cst.GreaterThan, cst.GreaterThanEqual))
    ):
        return False
    numbers = [literal_value(test.comparisons[0].comparator), literal_value(assign.value)]
    return all(
        isinstance(n, (int, float)) and not isinstance(n, bool) and n <= largest for n in numbers
    )
