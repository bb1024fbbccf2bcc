"""Running totals and lists (``total += x``, ``xs.append(x)``): what they collect
and whether the collected value is back-propagated afterwards (LF306)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import literal_items
from lossflint.analysis.contexts import contexts
from lossflint.analysis.gradients import gradients
from lossflint.analysis.interpreter.syntax import statements_of
from lossflint.analysis.kinds import ForeignLoss
from lossflint.analysis.loops import LoopIndex, loops
from lossflint.analysis.names import dotted_text, literal_item
from lossflint.analysis.reaching import (
    binding_loop,
    iterated_parts,
    reaching_assignment,
    unpacked_value,
)
from lossflint.analysis.unpacked_returns import unpacked_items, unpackings
from lossflint.analysis.values import (
    AnyLoss,
    Foreign,
    Instance,
    Layer,
    LossObject,
    Sequential,
    Tensor,
)
from lossflint.analysis.walk import (
    Subtree,
    calls_in,
    children,
    descendants,
    memo_of,
    nodes_in,
    own_returns,
)
from lossflint.project import bridge
from lossflint.project.events import callee_events, callee_summary

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.model import SemanticModel


@dataclass(frozen=True)
class Accumulation:
    """``accumulator += value`` or ``accumulator.append(value)``."""

    node: cst.AugAssign | cst.Assign | cst.Call
    accumulator: str
    value: cst.BaseExpression
    #: the method of the object that adds ``value`` in (``meter.update``)
    method: str | None = None
    #: the list as written when it is an item of ``accumulator``
    #: (``self.history["loss"]``: what holds it is ``self.history``)
    shown: str | None = None
    #: ``losses[i] = loss``: a store at the loop's counter, or into a tensor
    #: allocated for it (``torch.zeros(n)``, whose every slice write joins
    #: the graph of what it stores)
    indexed: bool = False


def accumulations(model: SemanticModel) -> list[Accumulation]:
    """Every ``+=`` and one-argument ``.append`` on a dotted name (``xs +=
    [x]`` is an append of ``x``): the ``+=`` in file order first, then the
    appends."""
    found: list[Accumulation] = []
    for node in cast("list[cst.AugAssign]", model.nodes_of_type(cst.AugAssign)):
        if type(node.operator) is cst.AddAssign:
            accumulator = dotted_text(node.target)
            if accumulator is not None:
                value = node.value
                if (
                    type(value) in (cst.List, cst.Tuple)
                    and len(value.elements) == 1  # type: ignore[attr-defined]
                    and type(value.elements[0]) is cst.Element  # type: ignore[attr-defined]
                ):
                    # ``losses += [loss]``: an append of ``loss``
                    value = value.elements[0].value  # type: ignore[attr-defined]
                found.append(Accumulation(node, accumulator, value))
    for assign in cast("list[cst.Assign]", model.nodes_of_type(cst.Assign)):
        # ``total_loss = total_loss + loss``: the ``+=`` written out
        if len(assign.targets) != 1 or type(assign.value) is not cst.BinaryOperation:
            continue
        accumulator = dotted_text(assign.targets[0].target)
        added = assign.value
        if (
            accumulator is not None
            and type(added.operator) is cst.Add
            and dotted_text(added.left) == accumulator
        ):
            found.append(Accumulation(assign, accumulator, added.right))
    for site in model.method_calls("append"):
        call = site.node
        if (
            len(call.args) == 1
            and call.args[0].keyword is None
            and not call.args[0].star
            and isinstance(call.func, cst.Attribute)
        ):
            target = call.func.value
            accumulator = dotted_text(target)
            if accumulator is not None:
                found.append(Accumulation(call, accumulator, call.args[0].value))
            elif (item := literal_item(target)) is not None:
                # ``self.history["loss"].append(loss)``: a list kept in a dict
                shown = model.code(target)
                found.append(Accumulation(call, item[0], call.args[0].value, shown=shown))
    found.extend(_indexed_stores(model))
    found.extend(_through_methods(model))
    return found


def _indexed_stores(model: SemanticModel) -> Iterator[Accumulation]:
    """``losses[batch_index] = loss`` inside a loop: at the counter of a loop
    around it (each iteration a new slot), or into a name bound to a tensor
    factory's output (the buffer keeps the graph of every slice written)."""
    for assign in cast("list[cst.Assign]", model.nodes_of_type(cst.Assign)):
        if len(assign.targets) != 1:
            continue
        target = assign.targets[0].target
        if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
            continue
        accumulator = dotted_text(target.value)
        index = target.slice[0].slice
        if accumulator is None or not isinstance(index, cst.Index):
            continue
        if _loop_counter(model, assign, index.value) or _tensor_buffer(model, target.value):
            yield Accumulation(assign, accumulator, assign.value, indexed=True)


def _loop_counter(model: SemanticModel, node: cst.CSTNode, index: cst.BaseExpression) -> bool:
    """``index`` counts the passes of a ``for`` around ``node``: the counter
    of ``enumerate(...)`` or the target of ``range(...)`` (each pass a new
    slot; a dict's keys, ``logs[name]`` over ``heads.items()``, are the same
    slots every pass)."""
    if not isinstance(index, cst.Name):
        return False
    for loop in loops(model).enclosing_loops(node):
        if not isinstance(loop.node, cst.For):
            continue
        source, target = loop.node.iter, loop.node.target
        if isinstance(source, cst.Call) and isinstance(source.func, cst.Name):
            if source.func.value == "range" and dotted_text(target) == index.value:
                return True
            parts = iterated_parts(model, source)
            if (
                source.func.value == "enumerate"
                and parts is not None
                and isinstance(target, (cst.Tuple, cst.List))
                and target.elements
                and dotted_text(target.elements[0].value) == index.value
            ):
                return True
    return False


def _tensor_buffer(model: SemanticModel, holder: cst.BaseExpression) -> bool:
    """``holder`` is a name bound only to a torch factory's output."""
    if not isinstance(holder, cst.Name):
        return False
    values = [b.node for b in model.bindings(holder) or []]
    return bool(values) and all(
        isinstance(v, cst.Call) and model.qualname(v.func) in apis.TORCH_BUFFER_FACTORIES
        for v in values
    )


def _through_methods(model: SemanticModel) -> Iterator[Accumulation]:
    """``meter.update(loss, n)`` where the method (of a same-file class) adds
    its parameter into the object (``self.sum += val * n``,
    ``self.values.append(val)``): an accumulation of ``loss`` into
    ``meter.sum``."""
    index = loops(model)
    kept: dict[cst.FunctionDef, dict[str, str]] = {}
    for site in model.calls:
        call = site.node
        if site.qualname is not None or not isinstance(call.func, cst.Attribute):
            continue
        owner = dotted_text(call.func.value)
        if owner is None or owner == "self" or any(a.star for a in call.args):
            continue
        func = index.resolve_function(call)
        if func is None:
            yield from _through_foreign_method(model, call, owner)
            continue
        cls = model.enclosing(func, cst.ClassDef)
        if not isinstance(cls, cst.ClassDef):
            continue
        if func not in kept:
            kept[func] = _accumulated_parameters(func, cls)
        if not kept[func]:
            continue
        params = [p.name.value for p in func.params.params][1:]
        for position, arg in enumerate(call.args):
            name = (
                arg.keyword.value
                if arg.keyword is not None
                else (params[position] if position < len(params) else None)
            )
            attr = kept[func].get(name or "")
            if attr is not None:
                yield Accumulation(call, f"{owner}.{attr}", arg.value, call.func.attr.value)


def _through_foreign_method(
    model: SemanticModel, call: cst.Call, owner: str
) -> Iterator[Accumulation]:
    """``meter.update(loss, n)`` on an instance of another project module's
    class whose summary says ``update`` adds its first parameter in."""
    assert isinstance(call.func, cst.Attribute)
    receiver = model.kinds.value_of(call.func.value)
    if not isinstance(receiver, Foreign):
        return
    accumulates = bridge.accumulations(receiver.ref)
    method = call.func.attr.value
    for name, position, attr in accumulates:
        if name != method:
            continue
        positional = [a for a in call.args if a.keyword is None]
        if position < len(positional):
            yield Accumulation(call, f"{owner}.{attr}", positional[position].value, method)


def _backpropagated_attributes(cls: cst.ClassDef) -> frozenset[str]:
    """``self.<attr>`` the class calls ``.backward()`` on or returns as is."""
    found: set[str] = set()
    for node in descendants(cls.body):
        held: cst.BaseExpression | None = None
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "backward"
        ):
            held = node.func.value
        elif isinstance(node, cst.Return):
            held = node.value
        if (
            isinstance(held, cst.Attribute)
            and isinstance(held.value, cst.Name)
            and held.value.value == "self"
        ):
            found.add(held.attr.value)
    return frozenset(found)


def class_accumulations(cls: cst.ClassDef) -> tuple[tuple[str, int, str], ...]:
    """(method, parameter position after ``self``, attribute) for each method of
    ``cls`` that adds a parameter into ``self`` (for the module's summary)."""
    found: list[tuple[str, int, str]] = []
    for stmt in cls.body.body:
        if not isinstance(stmt, cst.FunctionDef) or stmt.name.value.startswith("__"):
            continue
        params = [p.name.value for p in stmt.params.params][1:]
        for name, attr in _accumulated_parameters(stmt, cls).items():
            found.append((stmt.name.value, params.index(name), attr))
    return tuple(found)


def _accumulated_parameters(func: cst.FunctionDef, cls: cst.ClassDef) -> dict[str, str]:
    """Parameter → the ``self`` attribute the method adds it into; not an
    attribute the class back-propagates or hands back itself (a gradient
    accumulator: ``add(loss)`` sums, ``backward()`` runs ``self.total.backward()``)."""
    params = [p.name.value for p in func.params.params]
    if params[:1] != ["self"]:
        return {}
    # one walk: what the method adds into ``self``, and the names it rebinds
    # (``v = v.data.sum()`` before ``self.sum += v``: the name no longer holds
    # what the caller passed, clovaai's Averager)
    rebound: set[str] = set()
    added: list[tuple[cst.Attribute, cst.CSTNode]] = []
    for node in descendants(func.body):
        if isinstance(node, cst.Assign):
            rebound.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))
            continue
        target: cst.BaseExpression | None = None
        value: cst.CSTNode | None = None
        if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
            target, value = node.target, node.value
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "append"
            and len(node.args) == 1
        ):
            target, value = node.func.value, node.args[0].value
        if isinstance(target, cst.Attribute) and dotted_text(target.value) == "self":
            assert value is not None
            added.append((target, value))
    if not added:
        return {}
    kept_for_backward = _backpropagated_attributes(cls)
    found: dict[str, str] = {}
    for target, value in added:
        if target.attr.value in kept_for_backward:
            continue
        for name in params[1:]:
            if name in found or name in rebound:
                continue
            uses = [n for n in descendants(value) if isinstance(n, cst.Name) and n.value == name]
            if uses and not all(_detaching_use(value, use) for use in uses):
                found[name] = target.attr.value
    return found


def _detaching_use(root: cst.CSTNode, name: cst.Name) -> bool:
    """``name`` is read as ``name.data``, ``name.item()``, ``name.detach()``
    (a value without a graph) inside ``root``."""
    for node in descendants(root):
        if isinstance(node, cst.Attribute) and node.value is name:
            return node.attr.value == "data" or node.attr.value in apis.DETACHING_METHODS
    return False


@dataclass(frozen=True)
class GraphLeak:
    """An accumulation in a training loop that keeps the autograd graph of every
    iteration alive."""

    accumulation: Accumulation
    #: the value is a loss by its kind; otherwise it is a name ``.backward()`` is
    #: called on in the same pass of the loop
    by_kind: bool
    #: in an evaluation loop that never turns gradients off (``eval_accumulation``)
    evaluating: bool = False


def graph_leaks(model: SemanticModel) -> Iterator[GraphLeak]:
    """The accumulations inside a training loop (one with ``backward()``), outside
    ``no_grad()``, of a value with a graph into an accumulator that is never
    back-propagated itself."""
    index = loops(model)
    ctx = contexts(model)
    training_loops = {lp.node for lp in index.loops if lp.is_training}
    step_functions: set[cst.CSTNode] = {lp.node for lp in index.step_functions}
    if not training_loops and not step_functions and not model.nodes_of_type(cst.For, cst.While):
        return  # no loop can train, not even through a call (``_training_calls``)
    trained: dict[cst.CSTNode, list[cst.Call]] = {}  # _training_calls by loop
    for acc in accumulations(model):
        node, value = acc.node, acc.value
        in_step = False
        if not any(lp.node in training_loops for lp in index.enclosing_loops(node)):
            # a step function's body runs once per iteration: what it appends
            # to a list that outlives the call (self.losses, a closure's list)
            # grows with every iteration
            in_step = _outlives_step_function(model, index, acc, step_functions)
            if not in_step and not _from_training_call(model, index, node, value, trained):
                continue
        if ctx.in_no_grad(node):
            continue
        by_kind = attached_loss(model, value)
        if not by_kind and not (
            _backpropagated_in(model, index, node, value)
            if in_step
            else backpropagated_value(model, index, node, value)
        ):
            continue
        if isinstance(value, cst.Name):
            # `val_loss = crit(...)` computed under no_grad, accumulated outside
            # it; not when another binding (`[out, loss], _ = net(x, y)` in the
            # training loop) is out of it (CNCMN, audit s194)
            bindings = model.bindings(value) or []
            if bindings and all(
                b.kind == "assign" and b.node is not None and ctx.in_no_grad(b.node)
                for b in bindings
            ):
                continue
        if graphless(model, value, 3):
            continue  # `te_loss = crit(te_pred, y)` of predictions made under no_grad
        if backpropagated(model, index, node, acc.accumulator):
            continue
        if acc.method is None and _reset_each_window(model, node, acc.accumulator):
            continue
        if acc.method is None and _afresh_each_pass(model, node, acc.accumulator, index):
            continue
        if acc.indexed and _slots_rebuilt_in_a_loop(model, index, node, acc.accumulator):
            continue
        if acc.method is None and _summed_within_a_step(model, index, node, acc.accumulator):
            continue
        yield GraphLeak(acc, by_kind)


def _summed_within_a_step(
    model: SemanticModel, index: LoopIndex, node: cst.CSTNode, accumulator: str
) -> bool:
    """``style_score = 0; for sl in style_losses: style_score += sl.backward()``
    in an optimisation loop: the inner loop steps no optimiser, and the loop
    around it sets the total afresh (``total = 0``) in its own body before
    it, where it steps: the sum spans one step's terms (a style transfer's
    per-layer losses), not every iteration."""
    around = index.enclosing_loops(node)
    if len(around) < 2 or around[0].has("step"):
        return False
    inner, outer = around[0].node, around[1]
    # the step that follows the sum in the same pass, not one of a batch loop
    # before it (a validation loop after the training loop sums its losses
    # over the whole validation set)
    end = _end_order(model, index, inner)
    if not any(not e.nested and (end is None or e.order > end) for e in outer.of("step")):
        return False
    block = model.parent(inner)
    body = getattr(block, "body", None)
    if not isinstance(body, (list, tuple)) or inner not in body:
        return False
    return any(
        isinstance(small, cst.Assign) and _sets_afresh(small, accumulator)
        for stmt in body[: body.index(inner)]
        if isinstance(stmt, cst.SimpleStatementLine)
        for small in stmt.body
    )


def _end_order(model: SemanticModel, index: LoopIndex, loop: cst.CSTNode) -> float | None:
    """The order of the last event inside ``loop`` (None: none)."""
    found = next((lp for lp in index.loops if lp.node is loop), None)
    orders = [e.order for e in found.events] if found is not None else []
    return max(orders) if orders else None


def _sets_afresh(assign: cst.Assign, accumulator: str) -> bool:
    """``total = 0`` (or ``a, total = ...``): binds ``accumulator`` to a value
    that does not read it (not ``total = total + loss``)."""
    bound = False
    for target in assign.targets:
        names = (
            [e.value for e in target.target.elements]
            if isinstance(target.target, (cst.Tuple, cst.List))
            else [target.target]
        )
        bound = bound or any(dotted_text(n) == accumulator for n in names)
    return bound and not any(
        isinstance(n, (cst.Name, cst.Attribute)) and dotted_text(n) == accumulator
        for n in descendants(assign.value)
    )


def _innermost_loop(model: SemanticModel, node: cst.CSTNode) -> cst.For | cst.While | None:
    """The loop ``node`` is directly in (not across a function or class)."""
    for a in model.ancestors(node):
        if isinstance(a, (cst.For, cst.While)):
            return a
        if isinstance(a, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
    return None


def _afresh_each_pass(
    model: SemanticModel, node: cst.CSTNode, accumulator: str, index: LoopIndex | None = None
) -> bool:
    """A loop around ``node`` starts its body with ``losses = []`` (a
    statement of the body itself, before the one holding ``node``): the list
    holds one pass's values, nothing outlives the pass (PPLM's ``loss_list``).
    The innermost loop; or, for a loop inside a training iteration, any loop
    up to that iteration's (``loss_vals = []`` in the batch loop, appended in
    a loop over the criteria inside it: TransMorph, audit s220), never one
    outside it (an epoch's list of batches, a validation loop's total)."""
    around = [a for a in model.ancestors(node) if isinstance(a, (cst.For, cst.While))]
    if not around:
        return False
    upto = 1
    if index is not None:
        for depth, loop in enumerate(around[1:], start=2):
            found = index.loop_of_node(loop)
            if found is not None and found.is_iteration:
                upto = depth  # the innermost loop lies inside this training iteration
                break
    return any(_set_afresh_before(model, loop, node, accumulator) for loop in around[:upto])


def _set_afresh_before(
    model: SemanticModel, loop: cst.For | cst.While, node: cst.CSTNode, accumulator: str
) -> bool:
    for stmt in statements_of(loop):
        if any(a is stmt for a in model.ancestors(node)) or stmt is node:
            return False  # reached the statement holding the accumulation
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and _sets_afresh(small, accumulator):
                    return True
    return False


def _slots_rebuilt_in_a_loop(
    model: SemanticModel, index: LoopIndex, node: cst.CSTNode, accumulator: str
) -> bool:
    """``losses = torch.zeros(accumulation_steps)`` in a loop around ``losses[i]
    = loss``: slots for one update's micro-batches, dropped with the next
    (lm-human-preference-details' reward training), not a history."""
    for loop in index.enclosing_loops(node):
        for assign in nodes_in(loop.node, cst.Assign):
            if _sets_afresh(cast(cst.Assign, assign), accumulator):
                return True
    return False


def _reset_each_window(model: SemanticModel, node: cst.CSTNode, accumulator: str) -> bool:
    """``total += loss`` of a loop whose body also rebinds ``total`` where the
    gradients are applied (``if accelerator.sync_gradients: ...; total = 0``,
    or an ``if`` holding the optimiser step or the clipping): the sum spans a
    gradient-accumulation window of a few iterations. A reset where the total
    is only printed (``if step % 100 == 99: print(...); total = 0``) still
    keeps a hundred graphs: not this."""
    loop = _innermost_loop(model, node)
    if loop is None:
        return False
    return any(
        _sets_afresh(assign, accumulator) and _applies_gradients(model, assign, loop)
        for assign in nodes_in(loop.body, cst.Assign)
        if isinstance(assign, cst.Assign)
    )


#: what an ``if`` applying accumulated gradients tests or runs
_APPLYING = frozenset({"sync_gradients", "step", "clip_grad_norm_", "clip_grad_value_"})


def _applies_gradients(model: SemanticModel, node: cst.CSTNode, loop: cst.CSTNode) -> bool:
    """An ``if`` around ``node`` (inside ``loop``) that tests
    ``accelerator.sync_gradients`` or runs an optimiser step or a clipping."""
    for ancestor in model.ancestors(node):
        if ancestor is loop:
            return False
        if not isinstance(ancestor, cst.If):
            continue
        for part in (*descendants(ancestor.test), *descendants(ancestor.body)):
            if isinstance(part, cst.Attribute) and part.attr.value in _APPLYING:
                return True
    return False


def _from_training_call(
    model: SemanticModel,
    index: LoopIndex,
    node: cst.CSTNode,
    value: cst.BaseExpression,
    trained: dict[cst.CSTNode, list[cst.Call]],
) -> bool:
    """``value`` is what a training call of the loop around ``node`` returns
    (``logs["loss_g"]`` with ``logs = trainer.train_step(x, y)``, or the call
    itself): that call back-propagates on every pass
    (:func:`_training_calls`). Another call's loss (a ``val_step`` of another
    module, which may run under ``no_grad``) is not judged."""
    while type(value) is cst.Subscript:
        value = value.value  # type: ignore[attr-defined]
    made: list[cst.CSTNode | None] = [value]
    if isinstance(value, cst.Name):
        bindings = model.bindings(value) or []
        made = [b.node if b.kind == "assign" else None for b in bindings]
    if not made or not all(isinstance(m, cst.Call) for m in made):
        return False
    training = _training_calls(model, index, node, trained)
    return all(any(m is call for call in training) for m in made)


def _training_calls(
    model: SemanticModel,
    index: LoopIndex,
    node: cst.CSTNode,
    trained: dict[cst.CSTNode, list[cst.Call]],
) -> list[cst.Call]:
    """The calls the innermost loop around ``node`` (in its function) makes,
    as statements of its body (on every pass), of a function that
    back-propagates on every call outside a loop of its own: a training step
    whose events are not all sure, so not inlined (``logs =
    trainer.train_step(x, y)`` whose discriminator update is under a
    condition, its generator update not), of another module by its summary,
    or of this file."""
    loop = next(
        (
            a
            for a in model.ancestors(node)
            if isinstance(a, (cst.For, cst.While, cst.FunctionDef, cst.Lambda, cst.ClassDef))
        ),
        None,
    )
    if not isinstance(loop, (cst.For, cst.While)) or not isinstance(loop.body, cst.IndentedBlock):
        return []
    if loop in trained:
        return trained[loop]
    statements = set(loop.body.body)
    found: list[cst.Call] = []
    trained[loop] = found
    stepping = model.analysis(_backward_on_every_call)
    for call in calls_in(loop.body, memo_of(model)):
        if model.statement_of(call) not in statements:
            continue  # under an ``if`` or a loop of the body: not on every pass
        func = index.resolve_function(call)
        if func is None:
            far = callee_events(call, model.kinds.value_of) or []
            if any(e.kind == "backward" and not e.conditional and not e.nested for e in far):
                found.append(call)
            continue
        if func in stepping:
            found.append(call)
    return found


def _backward_on_every_call(model: ModuleIndex) -> set[cst.CSTNode]:
    """The file's functions that run a ``backward()`` of their own on every
    call (no branch, loop or handler around it)."""
    found: set[cst.CSTNode] = set()
    for event in loops(model).events:
        if event.kind != "backward" or event.origin is not None:
            continue
        func = model.enclosing(event.node, cst.FunctionDef)
        if isinstance(func, cst.FunctionDef) and _every_call(model, event.node, func):
            found.add(func)
    return found


def _every_call(model: ModuleIndex, node: cst.CSTNode, func: cst.FunctionDef) -> bool:
    """``node`` runs whenever ``func`` does: no branch, loop, handler or
    conditional expression of ``func`` around it."""
    for ancestor in model.ancestors(node):
        if ancestor is func:
            return True
        if isinstance(
            ancestor,
            (cst.If, cst.IfExp, cst.For, cst.While, cst.Try, cst.Match, cst.BooleanOperation),
        ):
            return False
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
    return False


def _outlives_step_function(
    model: SemanticModel, index: LoopIndex, acc: Accumulation, steps: set[cst.CSTNode]
) -> bool:
    """``acc`` is in the body of a step function (no loop between) and appends
    to a list bound outside it (``self.losses``, a list of the enclosing
    function, a module-level list)."""
    if not isinstance(acc.node, cst.Call) or index.enclosing_loops(acc.node):
        return False
    func = model.enclosing(acc.node, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or func not in steps:
        return False
    if _emptied_in(func, acc.accumulator):
        return False
    root = acc.accumulator.split(".")[0]
    if root == "self":
        return "." in acc.accumulator
    scope = model.scope_of(acc.node)
    return root not in scope.bindings and scope.lookup(root) is not None


def _emptied_in(func: cst.FunctionDef, accumulator: str) -> bool:
    """``func`` empties the list each call (``self.parts = []``,
    ``history.clear()``): it holds one iteration's graph, not every one."""
    for node in descendants(func.body):
        if isinstance(node, cst.AssignTarget) and dotted_text(node.target) == accumulator:
            return True
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "clear"
            and dotted_text(node.func.value) == accumulator
        ):
            return True
    return False


def _backpropagated_in(
    model: SemanticModel, index: LoopIndex, node: cst.CSTNode, value: cst.BaseExpression
) -> bool:
    """``value`` is a name that ``.backward()`` is called on in the same function."""
    if not isinstance(value, cst.Name) or sometimes_detached(model, value):
        return False
    scope = model.scope_of(node)
    return any(
        e.kind == "backward"
        and not e.managed
        and isinstance(e.loss, cst.Name)
        and e.loss.value == value.value
        and model.scope_of(e.node) is scope
        for e in index.events
    )


#: tensor methods that keep their receiver's graph, or its lack of one
_GRAPH_KEEPING_METHODS = frozenset(
    {"cpu", "cuda", "to", "clone", "float", "double", "half", "sum", "mean", "squeeze", "view"}
)


def attached_loss(model: SemanticModel, value: cst.BaseExpression, depth: int = 3) -> bool:
    """``value`` is a loss still attached to its autograd graph."""
    if type(value) is cst.BinaryOperation:
        # `loss.detach() * x.size(0)`: attached only through an attached operand
        return attached_loss(model, value.left, depth) or attached_loss(model, value.right, depth)
    if type(value) is cst.UnaryOperation:
        return attached_loss(model, value.expression, depth)
    if type(value) in (cst.Tuple, cst.List) and depth > 0:
        # ``losses.append((q_loss.mean(), err.mean()))``: each item is kept
        return any(
            attached_loss(model, e.value, depth - 1)
            for e in value.elements  # type: ignore[attr-defined]
            if not isinstance(e, cst.StarredElement)
        )
    if detached(model, value):
        return False
    if isinstance(value, cst.Call) and any(
        attached_loss(model, operand, depth) for operand in _graph_keeping_operands(model, value)
    ):
        return True  # `torch.abs(loss)`, `loss.detach().mul(loss)`
    if isinstance(value, cst.Call) and _makes_backpropagated_loss(model, value):
        return True  # ``tre_after += tre(warped, fixed)`` of the ``loss = tre(...)`` it trains on
    if isinstance(value, cst.Name):
        reaching = reaching_assignment(model, value) if depth > 0 else None
        if reaching is not None:
            # the one assignment every path to this use passes last (``cost``
            # rebound to a float after the batch loop does not reach it)
            return attached_loss(model, reaching, depth - 1)
        if sometimes_detached(model, value):
            return False
        items = unpacked_items(model, value) if depth > 0 else None
        if items is not None:
            # ``total, node = compute(out, y)`` with ``return sloss.data * norm,
            # sloss``: attached only if the item it takes is (the kind of a
            # tuple's item says loss for ``sloss.data`` too)
            return any(attached_loss(model, item, depth - 1) for item in items)
        bound = [b.node for b in model.bindings(value) or []]
        if depth > 0 and bound and all(type(n) in _ARITHMETIC for n in bound):
            # `m = loss.detach() * lam`: the name holds what its arithmetic
            # holds, as the same expression written inline would
            return any(
                attached_loss(model, n, depth - 1)  # type: ignore[arg-type]
                for n in bound
            )
    found = model.value(value)
    return isinstance(found, Tensor) and found.kind is apis.Kind.LOSS


def _makes_backpropagated_loss(model: SemanticModel, call: cst.Call) -> bool:
    """``call`` calls a function of the file that, in the same function, also
    computes the loss a ``backward()`` there runs on (``loss = tre(...)``;
    ``loss.backward()``): a metric written as the training loss keeps its
    graph as the loss does. Not under ``no_grad``."""
    func = call.func
    if not isinstance(func, cst.Name) or (
        model.defined_function(func) is None and not _imported_name(model, func)
    ):
        return False
    if contexts(model).in_no_grad(call):
        return False
    scope = model.enclosing(call, cst.FunctionDef)
    for event in loops(model).events:
        loss = event.loss
        if event.kind != "backward" or event.origin is not None or not isinstance(loss, cst.Name):
            continue
        if model.enclosing(event.node, cst.FunctionDef) is not scope:
            continue
        made = reaching_assignment(model, loss)
        if (
            isinstance(made, cst.Call)
            and isinstance(made.func, cst.Name)
            and made.func.value == func.value
        ):
            return True
    return False


def _imported_name(model: SemanticModel, name: cst.Name) -> bool:
    """``L2_loss`` of ``from utils import L2_loss`` (Symplectic-ODENet, audit
    s226): a function of another module, bound by that import alone."""
    bindings = model.bindings(name) or []
    return len(bindings) == 1 and bindings[0].kind == "import"


def sometimes_detached(model: SemanticModel, name: cst.Name) -> bool:
    """Some binding of ``name`` holds no graph (``loss = loss.detach()`` after
    the backward): which binding reaches a use is unknown, so is its graph."""
    return any(
        b.kind == "assign"
        and isinstance(b.node, cst.BaseExpression)
        and not isinstance(b.node, cst.BaseNumber)  # ``errG = 0``: a start, not a detach
        and detached(model, b.node)
        for b in model.bindings(name) or []
    )


def detached(model: SemanticModel, value: cst.BaseExpression, depth: int = 3) -> bool:
    """``value`` holds no autograd graph: ``.item()``/``.detach()``/``.data`` (and
    subscripts, copies and reductions of those), ``float(...)``, or a name every
    binding of which is such a value (``loss_val = loss.data``)."""
    while isinstance(value, cst.Subscript):
        value = value.value
    if isinstance(value, cst.UnaryOperation):
        return detached(model, value.expression, depth)
    if isinstance(value, cst.BinaryOperation):
        # `loss.detach() + torch.abs(bal)`: no graph when no operand has one
        return _without_graph(model, value.left, depth) and _without_graph(
            model, value.right, depth
        )
    if isinstance(value, cst.Attribute):
        return value.attr.value == "data"
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in apis.DETACHING_METHODS:
                return True
            if method in _GRAPH_KEEPING_METHODS:
                return detached(model, func.value, depth)
            if method in _ELEMENTWISE_METHODS:
                return detached(model, func.value, depth) and all(
                    _without_graph(model, a.value, depth) for a in value.args
                )
        qualname = model.qualname(func)
        if qualname in apis.TO_PYTHON_NUMBER:
            return True
        if _framework_function(qualname, value):
            # `torch.abs(bal)` of a detached `bal`: computed from values
            # without a graph, it has none
            return bool(value.args) and all(
                _without_graph(model, a.value, depth) for a in value.args
            )
        return depth > 0 and _returns_detached(model, value, depth - 1)
    if isinstance(value, cst.Name) and depth > 0:
        bindings = model.bindings(value) or []
        unpacked = [b for b in bindings if b.kind == "other" and b.node is None]
        if unpacked and not _unpacks_detached(model, value, len(unpacked), depth - 1):
            return False
        # ``errG = 0`` before the loop, rebound to the step's detached loss:
        # a number to start from holds no graph
        return (
            bool(bindings)
            and all(
                (
                    b.kind == "assign"
                    and isinstance(b.node, cst.BaseExpression)
                    and (
                        isinstance(b.node, cst.BaseNumber)
                        or detached(model, b.node, depth - 1)
                        or _computed_without_grad(model, b.node)
                    )
                )
                or b in unpacked
                for b in bindings
            )
            and not all(isinstance(b.node, cst.BaseNumber) for b in bindings)
        )
    return False


#: expressions a name can be bound to whose graph is their operands'
_ARITHMETIC = (cst.BinaryOperation, cst.UnaryOperation, cst.Tuple, cst.List)

#: tensor methods computing elementwise from their receiver and arguments
_ELEMENTWISE_METHODS = frozenset(
    {"abs", "add", "sub", "mul", "div", "pow", "sqrt", "exp", "log", "neg", "clamp", "reshape"}
)


#: framework functions whose result keeps the graph of their arguments
_GRAPH_KEEPING_FUNCTIONS = (
    apis.NON_NEGATIVE_FUNCS
    | apis.SQRT
    | apis.POW
    | apis.SQUARE
    | apis.EXP
    | apis.LOG
    | apis.SUM
    | apis.MEAN
    | apis.CLAMP
    | apis.NORM
)


def _graph_keeping_operands(model: SemanticModel, call: cst.Call) -> list[cst.BaseExpression]:
    """What ``call`` passes its graph on from: the arguments of ``torch.abs(x)``,
    the receiver of ``x.sum()``, receiver and arguments of ``x.mul(y)``."""
    func = call.func
    args = [a.value for a in call.args]
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        if method in _GRAPH_KEEPING_METHODS:
            return [func.value]
        if method in _ELEMENTWISE_METHODS:
            return [func.value, *args]
    qualname = model.qualname(func)
    if qualname in _GRAPH_KEEPING_FUNCTIONS and _framework_function(qualname, call):
        return args
    return []


def _framework_function(qualname: str | None, call: cst.Call) -> bool:
    """``call`` is a framework function computing from its arguments alone
    (``torch.abs(x)``): not a class (``nn.Parameter``), nor a tensor asked to
    want a gradient (``torch.tensor(v, requires_grad=True)``)."""
    if qualname is None or not qualname.startswith(apis.TORCH_PREFIX):
        return False
    if qualname in apis.TRAINABLE_VARIABLES or qualname.rsplit(".", 1)[-1][:1].isupper():
        return False
    return not any(a.keyword is not None and a.keyword.value == "requires_grad" for a in call.args)


def graphless(model: SemanticModel, expr: cst.BaseExpression, depth: int) -> bool:
    """A loss (times numbers) whose every input carries no gradient: the
    predictions made under ``no_grad`` just above, then the loss computed
    outside the block (Hierarchical-attention-networks' ``te_loss *
    num_sample``). A torch loss object holds no parameters of its own."""
    facts = gradients(model)
    if isinstance(expr, cst.Name) and depth > 0:
        reached = reaching_assignment(model, expr)
        return reached is not None and graphless(model, reached, depth - 1)
    if isinstance(expr, cst.BinaryOperation):
        return graphless(model, expr.left, depth) and graphless(model, expr.right, depth)
    found = model.value(expr)
    if isinstance(found, Tensor) and found.kind is apis.Kind.LOSS:
        return (
            isinstance(expr, cst.Call)
            and (
                isinstance(model.value(expr.func), (LossObject, AnyLoss, ForeignLoss))
                or model.qualname(expr.func) in apis.LOSS_FUNCTIONS
            )
            and bool(expr.args)
            and not any(a.star for a in expr.args)
            and all(
                # the targets may be the batch's labels; the prediction is not
                facts.no_gradient_value(a.value) or (i > 0 and _batch_item(model, a.value))
                for i, a in enumerate(expr.args)
            )
        )
    return _without_graph(model, expr, depth)


def _batch_item(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """A name the loop over the batches binds (``for te_x, te_y in
    test_loader``; ``te_y = te_y.cuda()`` keeps it), or unpacks from the batch
    it binds (``for idx, te_batch in enumerate(gen): te_x, te_y = te_batch``:
    uvipen/QuickDraw, audit s209): data, which holds no graph."""
    if not isinstance(expr, cst.Name):
        return False
    if binding_loop(model, expr, rebound=True) is not None:
        return True
    batch = _unpacked_from(model, expr)
    return batch is not None and binding_loop(model, batch, rebound=True) is not None


def _unpacked_from(model: SemanticModel, name: cst.Name) -> cst.Name | None:
    """``batch`` of the one ``a, b = batch`` binding ``name`` in its function
    (also moved afterwards: ``te_y = te_y.cuda()``)."""
    func = model.enclosing(name, cst.FunctionDef)
    batch = unpacked_value(model, name)
    if func is None or not isinstance(batch, cst.Name):
        return None
    for node in model.assignments.get(func, []):
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value == name.value:
                value = node.value
                if not (
                    isinstance(value, cst.Call)
                    and isinstance(value.func, cst.Attribute)
                    and isinstance(value.func.value, cst.Name)
                    and value.func.value.value == name.value
                ):
                    return None  # bound to something else too
    return batch


def _without_graph(model: SemanticModel, operand: cst.BaseExpression, depth: int) -> bool:
    """An operand holds no graph: detached (above), a number, or a value the
    gradient facts say carries none (``x.size(0)``, a constant, a
    hyper-parameter). A loss needs the evidence above (`.detach()`,
    ``.item()``, computed under ``no_grad``): a graph-carrying operand keeps
    the graph of the whole expression."""
    if detached(model, operand, depth):
        return True
    if type(operand) in (cst.Integer, cst.Float):
        return True
    found = model.value(operand)
    if isinstance(found, Tensor) and found.kind is apis.Kind.LOSS:
        return False
    return gradients(model).no_gradient_value(operand)


def _computed_without_grad(model: SemanticModel, value: cst.BaseExpression) -> bool:
    """``with torch.no_grad(): val = crit(model(x), y)``: computed there, not a
    name or attribute read there (``w = self.weight`` is the parameter)."""
    return type(value) not in (cst.Name, cst.Attribute) and contexts(model).in_no_grad(value)


def _unpacks_detached(model: SemanticModel, name: cst.Name, count: int, depth: int) -> bool:
    """``name``'s ``count`` bindings by unpacking are all ``..., name = f(...)``
    made with gradients off (``with torch.no_grad(): batch_loss, coord =
    criterion(out, y)``) or with ``f`` a same-file function whose every
    return is a tuple holding a value without a graph there (``return output,
    loss.data[0]``)."""
    found = 0
    ctx = contexts(model)
    for call, at, size in unpackings(model, name):
        found += 1
        if call is not None and ctx.in_no_grad(call):
            continue
        if call is None or not _returns_detached(model, call, depth, index=at, size=size):
            return False
    return found == count


def _returns_detached(
    model: SemanticModel,
    call: cst.Call,
    depth: int,
    index: int | None = None,
    size: int = 0,
) -> bool:
    """``call`` runs a same-file function every ``return`` of which gives a
    value without a graph (a train step ending in ``return loss.detach()``);
    with ``index``, every return is a tuple of ``size`` items whose item
    ``index`` has none (``return output, loss.data[0]``)."""
    func = loops(model).resolve_function(call)
    if func is None:
        # another project module's function: its summary says whether what it
        # returns (all of it, so any item too) was computed with gradients off
        # (a ``@torch.no_grad()`` ``val_step`` returning a dict of its losses)
        found = callee_summary(call, model.kinds.value_of)
        return found is not None and found[1].no_grad
    values = [node.value for node in own_returns(func)]
    if not values:
        return False
    if index is None and all(_without_grad_return(model, func, r) for r in own_returns(func)):
        return True  # computed with gradients off (``@torch.no_grad()``): no graph
    for value in values:
        if index is not None:
            if not isinstance(value, cst.Tuple) or len(value.elements) != size:
                return False
            if any(type(e) is cst.StarredElement for e in value.elements):
                return False
            value = value.elements[index].value
        if value is None or not detached(model, value, depth):  # type: ignore[arg-type]
            return False
    return True


def returns_without_grad(model: SemanticModel, func: cst.FunctionDef) -> bool:
    """Every ``return`` of ``func`` gives a value computed with gradients off
    (for its summary: a caller in another module reads it): the function runs
    so (``@torch.no_grad()``), or the value is built inside a ``no_grad``
    block and hands on no name bound outside one (``return {"loss": loss}``
    of a ``loss`` computed before the block keeps its graph), or every value
    returned has none (``return x.view(-1).data.tolist()[0]``, ``return
    loss.item()``)."""
    returns = own_returns(func)
    if not returns:
        return False
    if all(node.value is not None and _plainly_detached(model, node.value) for node in returns):
        return True
    if _reads_gradients(model, func):
        # ``grads[i] = self._grad2vec()`` of ``p.grad.data`` copies (LibMTL):
        # only there is the gradient analysis asked (asking it of every return
        # of every summarised function costs minutes on big modules)
        free = gradients(model).no_gradient_value
        if all(node.value is not None and free(node.value) for node in returns):
            return True
    ctx = contexts(model)
    for node in returns:
        value = node.value
        region = ctx.grad_region(node)
        if region is None or value is None:
            return False
        if region is not func and not _built_without_grad(model, value):
            return False
    return True


def _reads_gradients(model: SemanticModel, func: cst.FunctionDef) -> bool:
    """``func`` reads gradients or calls what does by name: an attribute
    such as ``p.grad``, ``self._grad2vec``, ``torch.autograd.grad``."""
    return any(
        isinstance(node, cst.Attribute)
        and "grad" in node.attr.value
        and node.attr.value not in _GRAD_SWITCHES
        for node in nodes_in(func, cst.Attribute, memo=memo_of(model))
    )


#: attributes that name gradients without reading them
_GRAD_SWITCHES = frozenset(
    {"zero_grad", "requires_grad", "requires_grad_", "no_grad", "enable_grad", "set_grad_enabled"}
)


def _plainly_detached(model: SemanticModel, value: cst.BaseExpression) -> bool:
    """``loss.item()``, ``x.view(-1).data.tolist()[0]``, ``float(loss)``,
    ``loss.detach()``, ``x.data``: no graph, read off the expression alone (a
    summary asks it of every ``return``: no name or call is followed)."""
    while isinstance(value, cst.Subscript):
        value = value.value
    if isinstance(value, cst.Attribute):
        return value.attr.value == "data"
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Attribute) and func.attr.value in apis.DETACHING_METHODS:
        return True
    return model.qualname(func) in apis.TO_PYTHON_NUMBER


def _built_without_grad(model: SemanticModel, value: cst.BaseExpression) -> bool:
    """``value`` (inside a ``no_grad`` block) holds only what was computed
    with gradients off: anything an operation makes there is new and has no
    graph; a name (or an attribute or item of one) hands on what it was
    bound to, which must be bound inside such a block too."""
    ctx = contexts(model)
    if isinstance(value, (cst.Tuple, cst.List, cst.Set)):
        return all(_built_without_grad(model, e.value) for e in value.elements)
    if isinstance(value, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _built_without_grad(model, e.value)
            for e in value.elements
        )
    if isinstance(value, (cst.Attribute, cst.Subscript)):
        return _built_without_grad(model, value.value)
    if isinstance(value, cst.Name):
        if value.value in ("None", "True", "False"):
            return True
        bindings = model.bindings(value)
        # a parameter, a global or an unpacking: what it holds is not known here
        return bool(bindings) and all(
            b.kind == "assign" and b.node is not None and ctx.in_no_grad(b.node)
            for b in bindings or []
        )
    if isinstance(value, cst.IfExp):
        return _built_without_grad(model, value.body) and _built_without_grad(model, value.orelse)
    # made by an operation in the block (a comprehension hands on items as they are)
    return isinstance(value, _MADE_HERE)


#: expressions whose value an operation inside the block makes afresh
_MADE_HERE = (
    cst.Call,
    cst.BinaryOperation,
    cst.UnaryOperation,
    cst.Comparison,
    cst.BaseNumber,
    cst.BaseString,
)


def _without_grad_return(model: SemanticModel, func: cst.FunctionDef, node: cst.Return) -> bool:
    """What ``node`` returns was computed with gradients off: the whole
    function runs so (``@torch.no_grad()``), or the value is computed inside
    a ``no_grad`` block (not a name bound before it)."""
    region = contexts(model).grad_region(node)
    if region is None or node.value is None:
        return False
    return region is func or _computed_without_grad(model, node.value)


def backpropagated_value(
    model: SemanticModel, index: LoopIndex, node: cst.CSTNode, value: cst.BaseExpression
) -> bool:
    """``value`` is a name that ``.backward()`` is called on in the same pass of the
    innermost loop around ``node``: it has a graph, whatever computed it (a loss
    function handed in as a parameter, say)."""
    enclosing = index.enclosing_loops(node)
    if not enclosing:
        return False
    if type(value) is cst.BinaryOperation:
        # ``loss * batch_size``: the product keeps the loss's graph
        return backpropagated_value(model, index, node, value.left) or backpropagated_value(
            model, index, node, value.right
        )
    if type(value) is cst.UnaryOperation:
        return backpropagated_value(model, index, node, value.expression)
    if isinstance(value, cst.Call):
        return returns_backpropagated(model, index, value)
    item = literal_item(value)
    if item is not None and isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name):
        # ``metrics = trainer.train_on_batch(x, y)`` returning ``{"loss": loss}``
        held = model.bindings(value.value) or []
        return bool(held) and all(
            b.kind == "assign"
            and isinstance(b.node, cst.Call)
            and returns_backpropagated(model, index, b.node, item[1])
            for b in held
        )
    if not isinstance(value, cst.Name):
        return False
    bindings = model.bindings(value)
    if bindings and all(
        b.kind == "assign"
        and isinstance(b.node, cst.Call)
        and returns_backpropagated(model, index, b.node)
        for b in bindings
    ):
        return True  # `loss = train_step(...)`, which returns what it back-propagated
    if not bindings or sometimes_detached(model, value):
        return False  # `loss = loss.item()` somewhere: which one is accumulated is unknown
    for loss in _autograd_losses(index, node):
        if isinstance(loss, cst.Subscript) and isinstance(loss.value, cst.Name):
            # ``output["loss"].backward()``, then ``outputs.append(output)``:
            # the dict keeps the graph -- unless that item is replaced by a
            # number first (``out[0] = out[0].data[0]``: DSB2017's metrics)
            if _item_detached_before(model, loss, node):
                continue
            loss = loss.value
        if (
            isinstance(loss, cst.Name)
            and loss.value == value.value
            and model.scope_of(loss) is model.scope_of(value)
        ):
            return True
    return term_of_backpropagated(model, index, node, value) is not None


def _autograd_losses(index: LoopIndex, node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """What the ``backward()`` calls of the innermost loop around ``node``
    run autograd on, in the loop's own pass (not a nested loop's)."""
    enclosing = index.enclosing_loops(node)
    for event in enclosing[0].of("backward") if enclosing else ():
        if event.event.managed and not _runs_autograd(event.event.receiver):
            continue
        if not event.nested and event.event.loss is not None:
            yield event.event.loss


def _item_detached_before(model: SemanticModel, item: cst.Subscript, node: cst.CSTNode) -> bool:
    """``item`` (``out[0]``, back-propagated) is overwritten with a value
    without a graph by a statement of the block holding ``node``, before it."""
    key = literal_item(item)
    if key is None:
        return False
    statement = model.enclosing(node, cst.SimpleStatementLine)
    block = model.parent(statement) if statement is not None else None
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return False
    for stmt in block.body:
        if stmt is statement:
            return False
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and literal_item(small.targets[0].target) == key
                and detached(model, small.value)
            ):
                return True
    return False


def term_of_backpropagated(
    model: SemanticModel, index: LoopIndex, node: cst.CSTNode, value: cst.Name
) -> cst.Name | None:
    """The loss back-propagated in the innermost loop around ``node`` whose
    arithmetic ``value`` is a term of (``loss = align_loss_val + unif_loss_val``)."""
    for loss in _autograd_losses(index, node):
        if (
            isinstance(loss, cst.Name)
            and model.scope_of(loss) is model.scope_of(value)
            and _loss_term(model, loss, value)
        ):
            return loss
    return None


def _loss_term(model: SemanticModel, loss: cst.Name, value: cst.Name) -> bool:
    """``value`` is a term of the arithmetic that makes the back-propagated
    ``loss`` (``loss = align_loss_val + unif_loss_val``), computed by a call
    (a loss helper), never detached: it holds a part of the same graph
    (SsnL/align_uniform's per-term meters, audit s147)."""
    made = reaching_assignment(model, loss)
    terms = _arithmetic_names(made) if made is not None and type(made) in _ARITHMETIC else set()
    if value.value not in terms and value.value not in _added_in_place(model, loss):
        return False
    bound = model.bindings(value) or []
    made_by = [
        # ``lld, preds, H = model(x, v)``: the call unpacked (Multimodal-Infomax, audit s216)
        b.node if isinstance(b.node, cst.BaseExpression) else unpacked_value(model, value)
        for b in bound
    ]
    return bool(bound) and all(
        (b.kind == "assign" or b.node is None)
        and node is not None
        and _names_a_loss(value, node)
        and _computed_by_a_call(model, node)
        and not detached(model, node)
        and not gradients(model).no_gradient_value(node)
        for b, node in zip(bound, made_by, strict=True)
    )


def _added_in_place(model: SemanticModel, loss: cst.Name) -> set[str]:
    """The names ``loss += term`` adds in the function that back-propagates
    ``loss`` (also under an ``if``: ``if epoch > 1: loss_G += loss_contrastive_G``,
    Transfer-Learning-Library's SPGAN, audit s155)."""
    func = model.enclosing(loss, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef):
        return set()
    found: set[str] = set()
    for node in nodes_in(func.body, cst.AugAssign, memo=memo_of(model)):
        aug = cast("cst.AugAssign", node)
        if (
            isinstance(aug.target, cst.Name)
            and aug.target.value == loss.value
            and isinstance(aug.operator, (cst.AddAssign, cst.SubtractAssign))
            and model.enclosing(aug, cst.FunctionDef) is func
        ):
            found |= _arithmetic_names(aug.value)
    return found


def _names_a_loss(name: cst.Name, value: cst.BaseExpression) -> bool:
    """The term says it is a loss: its name (``align_loss_val``) or a function
    computing it (``uniform_loss(x)``); a weight of the loss (``beta``,
    ``lam = get_lambda(cfg)``) kept for a plot is not."""
    if _LOSS_TERM_NAMES.search(name.value.lower()):
        return True
    return any(
        _LOSS_TERM_FUNCTIONS.search((dotted_text(call.func) or "").rsplit(".", 1)[-1].lower())
        for call in nodes_in(value, cst.Call)
        if isinstance(call, cst.Call)
    )


#: names of the terms of a loss: ``recon_loss``, ``kld``, ``nll``, ``lld`` (a
#: log-likelihood, Multimodal-Infomax: audit s216), ``elbo``
_LOSS_TERM_NAMES = re.compile(r"loss|^kld?(_|$)|^nll|^lld|elbo|likelihood")
#: functions computing one: ``focal_loss(...)``, ``F.cross_entropy(...)``
_LOSS_TERM_FUNCTIONS = re.compile(r"loss|entropy|likelihood|divergence|^kl")


def _arithmetic_names(expr: cst.BaseExpression) -> set[str]:
    if type(expr) is cst.BinaryOperation:
        return _arithmetic_names(expr.left) | _arithmetic_names(expr.right)
    if type(expr) is cst.UnaryOperation:
        return _arithmetic_names(expr.expression)
    return {expr.value} if isinstance(expr, cst.Name) else set()


def _computed_by_a_call(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """A call of something that may carry a graph (an argument or receiver
    that may: ``align_loss(x, y)`` of the model's outputs, ``model.aux_loss()``),
    or arithmetic over at least one; not a number nor a weight
    (``w = warmup_weight(epoch)`` in ``loss = ce + w * kl``)."""
    if isinstance(expr, cst.Call):
        free = gradients(model).no_gradient_value
        if isinstance(model.value(expr.func), (Instance, Sequential, Layer)) and not free(expr):
            return True  # ``lld, preds = model(x)``: the module's parameters are in it
        given = [a.value for a in expr.args if not a.star]
        if isinstance(expr.func, cst.Attribute):
            given.append(expr.func.value)
        return any(not free(e) for e in given)
    if type(expr) is cst.BinaryOperation:
        return _computed_by_a_call(model, expr.left) or _computed_by_a_call(model, expr.right)
    if type(expr) is cst.UnaryOperation:
        return _computed_by_a_call(model, expr.expression)
    return False


def backpropagated_operand(
    model: SemanticModel, index: LoopIndex, node: cst.CSTNode, value: cst.BaseExpression
) -> cst.Name | None:
    """The name in ``value`` (``loss`` of ``loss * n``) that ``.backward()``
    is called on in the innermost loop around ``node``."""
    while type(value) is cst.UnaryOperation:
        value = value.expression
    if type(value) is cst.BinaryOperation:
        return backpropagated_operand(model, index, node, value.left) or backpropagated_operand(
            model, index, node, value.right
        )
    if isinstance(value, cst.Name) and backpropagated_value(model, index, node, value):
        return value
    return None


#: trainer objects whose ``backward(loss)`` is autograd's on that very loss
#: (``accelerator.backward(loss)``, DeepSpeed's ``engine.backward(loss)``)
_AUTOGRAD_DELEGATES = re.compile(r"accelerator|fabric|deepspeed|model_engine")


def _runs_autograd(receiver: str | None) -> bool:
    return receiver is not None and _AUTOGRAD_DELEGATES.search(receiver.lower()) is not None


def backpropagated_item(
    model: SemanticModel, node: cst.CSTNode, value: cst.BaseExpression
) -> cst.Subscript | None:
    """``output["loss"].backward()`` in the pass of the loop around ``node``
    that accumulates ``output``: the item that holds the graph."""
    enclosing = loops(model).enclosing_loops(node)
    if not enclosing or not isinstance(value, cst.Name):
        return None
    for event in enclosing[0].of("backward"):
        loss = event.event.loss
        if (
            isinstance(loss, cst.Subscript)
            and isinstance(loss.value, cst.Name)
            and loss.value.value == value.value
        ):
            return loss
    return None


def returns_backpropagated(
    model: SemanticModel, index: LoopIndex, call: cst.Call, key: str | int | None = None
) -> bool:
    """``call`` runs a same-file function that returns the one name it calls
    ``.backward()`` on (a ``train_step`` returning its loss): the result has a
    graph. With ``key``, the item of the dict every return writes out
    (``return {"loss": loss}``, read as ``metrics["loss"]``)."""
    func = index.resolve_function(call)
    if func is None:
        return False
    returned: set[str] = set()
    for node in own_returns(func):
        value = node.value if key is None else _dict_item(model, node.value, key)
        if not isinstance(value, cst.Name):
            return False
        returned.add(value.value)
    if len(returned) != 1:
        return False
    (name,) = returned
    for event in index.events:
        loss = event.loss
        if (
            event.kind == "backward"
            and not event.managed
            and isinstance(loss, cst.Name)
            and loss.value == name
            and model.enclosing(event.node, cst.FunctionDef) is func
        ):
            bindings = model.bindings(loss) or []
            return not any(
                b.kind == "assign"
                and isinstance(b.node, cst.BaseExpression)
                and detached(model, b.node)
                for b in bindings
            )
    return False


def _dict_item(
    model: SemanticModel, value: cst.BaseExpression | None, key: str | int
) -> cst.BaseExpression | None:
    """``value`` of ``key`` in a dict written out (``{"loss": loss}``,
    ``dict(loss=loss)``)."""
    if isinstance(value, cst.Call) and model.qualname(value.func) != apis.BUILTIN_DICT:
        return None
    if not isinstance(value, (cst.Dict, cst.Call)):
        return None
    return next((v for k, v in literal_items(value) if k == key), None)


def helper_call(model: SemanticModel, value: cst.BaseExpression) -> cst.Call | None:
    """The call of a same-file function whose back-propagated loss ``value`` is
    (``value`` itself, or what every binding of the name holds; or the item of
    the dict it returns: ``metrics["loss"]``)."""
    index = loops(model)
    key: str | int | None = None
    item = literal_item(value)
    if item is not None and isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name):
        key, value = item[1], value.value
    calls = [value] if isinstance(value, cst.Call) else []
    if isinstance(value, cst.Name):
        calls = [b.node for b in model.bindings(value) or [] if isinstance(b.node, cst.Call)]
    for call in calls:
        if returns_backpropagated(model, index, call, key):
            return call
    return None


def backpropagated(
    model: SemanticModel, index: LoopIndex, node: cst.CSTNode, accumulator: str
) -> bool:
    """A ``backward()`` in the scope of ``node`` runs on the accumulator (or on a
    name bound from it: ``loss = sum(losses); loss.backward()``)."""
    scope = model.scope_of(node)
    root = accumulator.split(".")[0]
    for event in index.events:
        if event.kind != "backward" or event.loss is None:
            continue
        if model.scope_of(event.node) is not scope:
            continue
        if _mentions(event.loss, accumulator, root):
            return True
        if isinstance(event.loss, cst.Name):
            for binding in model.bindings(event.loss) or []:
                if isinstance(binding.node, cst.BaseExpression) and _mentions(
                    binding.node, accumulator, root
                ):
                    return True
    return False


def used_as_tensor(model: SemanticModel, node: cst.CSTNode, accumulator: str) -> bool:
    """``acc.item()`` / ``acc.cpu()`` / ``torch.zeros`` init: the accumulator is a tensor."""
    scope = model.scope_of(node)
    memo = memo_of(model)
    # a module's statements one by one: their indexes outlive the module's
    # version in the language server (``walk.share_subtrees``)
    parts = children(scope.node) if type(scope.node) is cst.Module else [scope.node]
    for part in parts:
        for other in memo.get(part).derived(_attributes_by_receiver).get(accumulator, ()):
            if model.scope_of(other) is scope and other is not node:
                return True
    return False


def _attributes_by_receiver(under: Subtree) -> dict[str, list[cst.Attribute]]:
    """The ``x.attr`` nodes of a subtree by the dotted text of ``x``."""
    found: dict[str, list[cst.Attribute]] = {}
    for node in under.of_type(cst.Attribute):
        text = dotted_text(node.value)  # type: ignore[attr-defined]
        if text is not None:
            found.setdefault(text, []).append(node)  # type: ignore[arg-type]
    return found


def _mentions(expr: cst.CSTNode, key: str, root: str) -> bool:
    whole = "." not in key
    for node in descendants(expr):
        kind = type(node)
        if kind is cst.Name and whole and node.value == root:  # type: ignore[attr-defined]
            return True
        if kind is cst.Attribute and dotted_text(node) == key:  # type: ignore[arg-type]
            return True
    return False
