"""Helpers shared by several LF3xx rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.loops import Loop, LoopEvent, LoopIndex, loops
from lossflint.diagnostics import Finding, RelatedNode, RelatedSite
from lossflint.project.events import InlinedEvent, inlined_event

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def iterations(model: SemanticModel) -> Iterator[tuple[LoopIndex, Loop]]:
    """The training iterations of the file (loops with ``backward()``)."""
    index = loops(model)
    for loop in index.loops:
        if loop.is_iteration and not _callee_iterates(loop):
            yield index, loop


def _callee_iterates(loop: Loop) -> bool:
    """Every backward and step of ``loop`` runs in a loop of a function of
    another module it calls (``trainer.train_one_epoch(loader)`` in an epoch
    loop): that loop is the iteration, and its own file reports it."""
    events = loop.of("backward", "step")
    return bool(events) and all(e.event.inner for e in events)


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


def place(
    model: SemanticModel, loop: Loop, event: LoopEvent, what: str
) -> tuple[str, RelatedNode | RelatedSite]:
    """Where ``event`` is written, for a message (``line 14``, or
    ``engine.py:12 in Trainer.fit`` for an event of another module's function
    the loop calls) and its related entry."""
    far = elsewhere(model, loop, event)
    if far is not None:
        return far.describe(), related_elsewhere(what, far)
    return f"line {model.line_of(event.node)}", RelatedNode(what, event.node)


def run_by(model: SemanticModel, loop: Loop, event: LoopEvent) -> str:
    """`` (engine.py:11 in Trainer.fit, run by `trainer.fit()` at line 14)`` for
    an event of another module's function; "" for one of this file."""
    far = elsewhere(model, loop, event)
    if far is None:
        return ""
    return f" ({far.describe()}, run by `{short(model, event.node)}` at line {model.line_of(event.node)})"


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
