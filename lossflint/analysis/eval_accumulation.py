"""Losses summed in an evaluation loop that never turns gradients off: a
function that switches its model to eval mode (or is named for evaluation)
and adds ``criterion(model(x), y)`` into a running total over its batches,
with no ``no_grad()`` around (GPT2-Chinese's ``eval.py``, audit s128). No
``backward()`` frees the graphs there: the total holds every batch's
activations until the loop ends, memory grows until OOM (LF306)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.accumulation import (
    GraphLeak,
    accumulations,
    attached_loss,
    backpropagated,
    graph_leaks,
    graphless,
)
from lossflint.analysis.contexts import contexts
from lossflint.analysis.gradients import gradients
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import loops
from lossflint.analysis.names import name_words
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.values import FunctionRef

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def all_graph_leaks(model: SemanticModel) -> Iterator[GraphLeak]:
    """``graph_leaks`` of training code, then those of evaluation loops, each
    accumulation once."""
    seen: set[int] = set()
    for leak in chain(graph_leaks(model), evaluation_graph_leaks(model)):
        if id(leak.accumulation.node) not in seen:
            seen.add(id(leak.accumulation.node))
            yield leak


def evaluation_graph_leaks(model: SemanticModel) -> Iterator[GraphLeak]:
    """Accumulations of an attached loss in a loop no training loop holds,
    in an evaluation function, where gradients flow, into a total nothing
    back-propagates."""
    if _gradients_switched_off(model):
        return
    index = loops(model)
    ctx = contexts(model)
    for acc in accumulations(model):
        node, value = acc.node, acc.value
        around = index.enclosing_loops(node)
        if not around or any(lp.is_training or lp.has("step") for lp in around):
            continue  # no loop, or one that trains (``graph_leaks``' business)
        func = model.enclosing(node, cst.FunctionDef)
        if not isinstance(func, cst.FunctionDef) or not _evaluates(model, func):
            continue
        if ctx.in_no_grad(node) or not _run_with_gradients(model, func, depth=2):
            continue
        if not attached_loss(model, value) or graphless(model, value, 3):
            continue
        if not _of_a_model_output(model, value, around[0].node):
            continue
        if backpropagated(model, index, node, acc.accumulator):
            continue
        yield GraphLeak(acc, True, evaluating=True)


def _run_with_gradients(model: SemanticModel, func: cst.FunctionDef, depth: int) -> bool:
    """Every caller of ``func`` is known (this file's, by name; other project
    files' records) and none runs it under ``no_grad``, nor is a function
    every call of which does (``depth`` callers up). An evaluation helper
    nobody calls in sight may be wrapped in ``no_grad`` by its caller:
    unknown."""
    sites = gradients(model).call_sites(func)
    records = kinds_of(model).calls_from_other_files(func)
    if sites is None or any(r.opaque or r.no_grad for r in records):
        return False
    if not sites and not records:
        return False
    ctx = contexts(model)
    for call in sites:
        if ctx.in_no_grad(call):
            return False
        caller = model.enclosing(call, cst.FunctionDef)
        if isinstance(caller, cst.FunctionDef) and caller is not func:
            if depth <= 0 or not _run_with_gradients(model, caller, depth - 1):
                return False
    return True


def _evaluates(model: SemanticModel, func: cst.FunctionDef) -> bool:
    """``func`` puts a model in eval mode (``.eval()``, ``.train(False)``), or
    is named for evaluation (``evaluate``, ``validate``, ``test_epoch``), and
    differentiates nothing (no backward, no optimiser or scheduler step)."""
    kinds = {e.kind for e in loops(model).events if model.within(e.node, func)}
    named = bool(_EVALUATION_WORDS & set(name_words(func.name.value)))
    return (named or "eval" in kinds) and not kinds & _TRAINING_EVENTS


#: events of a function that trains
_TRAINING_EVENTS = frozenset({"backward", "step", "own_step", "sched_step"})


#: words naming an evaluation function
_EVALUATION_WORDS = frozenset(
    {"eval", "evaluate", "evaluation", "valid", "validate", "validation", "val", "test"}
)


def _of_a_model_output(model: SemanticModel, value: cst.BaseExpression, loop: cst.CSTNode) -> bool:
    """The loss is computed in ``loop`` from what a call of a model made
    there returns (``criterion(model(x), y)``; ``out = net(x)`` first): a
    callable of the project or one handed in, not a framework function."""
    loss = value
    for _ in range(3):
        if isinstance(loss, cst.Name):
            loss = reaching_assignment(model, loss) or loss
    if not isinstance(loss, cst.Call) or not model.within(loss, loop):
        return False
    for arg in loss.args[:2]:
        made: cst.BaseExpression | None = arg.value
        if isinstance(made, cst.Name):
            made = reaching_assignment(model, made)
        if (
            isinstance(made, cst.Call)
            and model.within(made, loop)
            and model.qualname(made.func) is None
            and not _tensor_method(made)
            # ``model(x, individual.param)`` of a same-file function: weights
            # handed in, maybe without gradients (a genetic algorithm's)
            and not isinstance(kinds_of(model).value_of(made.func), FunctionRef)
        ):
            return True
    return False


def _tensor_method(call: cst.Call) -> bool:
    """``x.view(...)``, ``y.long()``: a method of a tensor, not a model."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in _TENSOR_METHODS


_TENSOR_METHODS = apis.KEEP_METHODS | apis.PASS_METHODS | {"to", "long", "float", "int", "view"}


def _gradients_switched_off(model: SemanticModel) -> bool:
    """The file turns gradients off by a call rather than a block
    (``torch.set_grad_enabled(False)``, ``model.requires_grad_(False)``,
    ``p.requires_grad = False``): which code runs with them is unknown."""
    for site in model.calls:
        if site.qualname in apis.SET_GRAD_ENABLED:
            return True
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_":
            return True
    for node in model.nodes_of_type(cst.AssignTarget):
        target = cast("cst.AssignTarget", node).target
        if isinstance(target, cst.Attribute) and target.attr.value == "requires_grad":
            return True
    return False
