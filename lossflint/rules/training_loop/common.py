"""Helpers shared by several LF3xx rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.eval_callers import evals_left_by_callers
from lossflint.analysis.loops import Loop, LoopEvent, LoopIndex, loops
from lossflint.diagnostics import Finding, RelatedNode, RelatedSite
from lossflint.project.events import InlinedEvent, callee_summary, inlined_event

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def iterations(
    model: SemanticModel, step_functions: bool = False
) -> Iterator[tuple[LoopIndex, Loop]]:
    """The training iterations of the file (loops with ``backward()``);
    ``step_functions``: also the functions whose body is one iteration (for
    the rules about the order inside an iteration, not about what a loop
    lacks: a step function's caller may zero the gradients)."""
    index = loops(model)
    for loop in index.loops:
        mine = own_iteration(loop)
        if mine is not None and mine.is_iteration:
            yield index, mine
    if step_functions:
        for loop in index.step_functions:
            yield index, loop


def own_iteration(loop: Loop) -> Loop | None:
    """``loop`` without the events of the calls that run a whole iteration of
    another module's function (a backward and a step: ``trainer.train_step(x,
    y)``, ``trainer.train_one_epoch(loader)``): that function is a step
    function or holds its own loop, and its own file reports what is wrong in
    it, where it is written. None when nothing is left."""
    whole = whole_iteration_calls(loop)
    if not whole:
        return loop
    events = [e for e in loop.events if not (e.event.far and id(e.node) in whole)]
    if not events:
        return None
    return Loop(loop.node, loop.parent, loop.children, events, loop.callee_kinds)


def whole_iteration_calls(loop: Loop, *, own_loop: bool = True) -> set[int]:
    """The calls (by id) of ``loop`` that run a backward and a step of another
    module's function; ``own_loop=False``: only those whose events are not in
    a loop of that function (a step function, not a ``train_one_epoch``)."""
    kinds: dict[int, set[str]] = {}
    for event in loop.events:
        if event.event.far and (own_loop or not event.event.inner):
            kinds.setdefault(id(event.node), set()).add(event.kind)
    return {call for call, seen in kinds.items() if {"backward", "step"} <= seen}


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


def written(event: LoopEvent) -> cst.CSTNode:
    """Where ``event`` is written in this file: inside the same-file function a
    loop calls (``self.train_step(x, y)`` runs its clip at line 15), or the
    event itself. A finding there is reported once, whichever loop calls it."""
    return event.event.origin or event.node


def place(
    model: SemanticModel, loop: Loop, event: LoopEvent, what: str
) -> tuple[str, RelatedNode | RelatedSite]:
    """Where ``event`` is written, for a message (``line 14``, or
    ``engine.py:12 in Trainer.fit`` for an event of another module's function
    the loop calls) and its related entry."""
    far = elsewhere(model, loop, event)
    if far is not None:
        return far.describe(), related_elsewhere(what, far)
    return f"line {model.line_of(written(event))}", RelatedNode(what, written(event))


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
        defers=_reported_at_the_eval(model, node),
    )


def _reported_at_the_eval(model: SemanticModel, call: cst.Call) -> bool:
    """The call runs a top-level function of another module that puts one of
    its parameters in eval mode itself: a lint of that module reports LF309 at
    that ``eval()`` (``evals_left_by_callers``, where the reporting convention
    puts it), so a run of both files keeps that one (audit s152)."""
    found = callee_summary(call, model.kinds.value_of)
    if found is None:
        return False
    ref, summary, _receiver, bound = found
    return (
        not bound
        and "." not in ref.name
        and any(
            e.kind == "eval" and e.file is None and e.receiver in summary.params
            for e in summary.events
        )
    )


def short(model: SemanticModel, node: cst.CSTNode) -> str:
    """``optimizer.step()`` for messages: the call text without its arguments."""
    if isinstance(node, cst.Call):
        func = model.code(node.func)
        return f"{func}()" if len(func) < 60 else "the call"
    text = model.code(node).strip()
    return text if len(text) < 60 else "the statement"


def evals_left_by_callers_findings(model: SemanticModel) -> Iterator[Finding]:
    """LF309 at an ``eval()`` of this module that another module's epoch loop
    runs and never undoes (``analysis/eval_callers.py``)."""
    for left in evals_left_by_callers(model):
        file, _, line = left.caller.rpartition(":")
        yield Finding(
            left.node,
            f"`{left.function}()` puts `{left.receiver}` in eval mode and is called inside "
            f"a training loop ({left.caller}) that does not call `.train()` after it: what "
            "that loop trains after the first evaluation trains in eval mode (no dropout, "
            "frozen batch-norm); call `.train()` on the model right after the call",
            related=(RelatedSite("the call in the epoch loop", file, int(line or 0), 0),),
        )
