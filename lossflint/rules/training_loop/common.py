"""Helpers shared by several LF3xx rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.loops import Loop, LoopEvent, LoopIndex, loops
from lossflint.diagnostics import Finding, RelatedSite
from lossflint.project.events import InlinedEvent, inlined_event

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def iterations(model: SemanticModel) -> Iterator[tuple[LoopIndex, Loop]]:
    """The training iterations of the file (loops with ``backward()``)."""
    index = loops(model)
    for loop in index.loops:
        if loop.is_iteration:
            yield index, loop


def elsewhere(model: SemanticModel, loop: Loop, event: LoopEvent) -> InlinedEvent | None:
    """Where ``event`` is written when it was inlined from a function of
    another project module (``trainer.train_step(x, y)`` → engine.py:15 in
    Trainer.train_step); None for an event of this file."""
    if not isinstance(event.node, cst.Call):
        return None
    same = [e for e in loop.events if e.node is event.node and e.kind == event.kind]
    nth = next((i for i, e in enumerate(same) if e is event), 0)
    return inlined_event(event.node, event.kind, nth, model.kinds.value_of)


def related_elsewhere(what: str, site: InlinedEvent) -> RelatedSite:
    return RelatedSite(what, site.file, site.line, site.column)


def eval_elsewhere(model: SemanticModel, node: cst.CSTNode, receiver: str) -> Finding | None:
    """LF309's finding when ``node`` calls another module's function that puts
    ``receiver`` in eval mode: the message names where (evaluation.py:5)."""
    far = inlined_event(node, "eval", 0, model.kinds.value_of)
    if far is None or not isinstance(node, cst.Call):
        return None
    return Finding(
        node,
        f"`{model.code(node.func)}()` puts `{receiver}` in eval mode ({far.describe()}) "
        f"inside the epoch loop and nothing in that loop calls `{receiver}.train()`: later "
        "epochs train in eval mode (no dropout, frozen batch-norm); call "
        f"`{receiver}.train()` at the top of each epoch",
        related=(related_elsewhere("the eval() call", far),),
    )


def short(model: SemanticModel, node: cst.CSTNode) -> str:
    """``optimizer.step()`` for messages: the call text without its arguments."""
    if isinstance(node, cst.Call):
        func = model.code(node.func)
        return f"{func}()" if len(func) < 60 else "the call"
    text = model.code(node).strip()
    return text if len(text) < 60 else "the statement"
