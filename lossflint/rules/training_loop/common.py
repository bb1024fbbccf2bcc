"""Helpers shared by several LF3xx rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.loops import Loop, LoopIndex, loops

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def iterations(model: SemanticModel) -> Iterator[tuple[LoopIndex, Loop]]:
    """The training iterations of the file (loops with ``backward()``)."""
    index = loops(model)
    for loop in index.loops:
        if loop.is_iteration:
            yield index, loop


def short(model: SemanticModel, node: cst.CSTNode) -> str:
    """``optimizer.step()`` for messages: the call text without its arguments."""
    if isinstance(node, cst.Call):
        func = model.code(node.func)
        return f"{func}()" if len(func) < 60 else "the call"
    text = model.code(node).strip()
    return text if len(text) < 60 else "the statement"
