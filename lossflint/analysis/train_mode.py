"""Train/eval mode facts (LF309): which models a file trains or freezes, whether
a loop switches back to train mode, ``.eval()`` reached through the same-file
functions a loop calls, and the epoch loops that leave a trained model in eval
mode (:func:`evals_left_on`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis.calls import argument, calls_passing, has_star_args, literal_value
from lossflint.analysis.contexts import ContextIndex, contexts
from lossflint.analysis.loops import FROZEN_MODEL_HINTS, Event, Loop, LoopIndex, loops
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import SubtreeMemo, calls_in, memo_of, names_in, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.model import SemanticModel


def trained_models(index: LoopIndex, memo: SubtreeMemo | None = None) -> set[str]:
    """Models that are trained in the file: their parameters go to an optimiser,
    or they are put in train mode."""
    keys: set[str] = set()
    for ctor in index.optimizer_ctors:
        for node in calls_in(ctor.call, memo):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in (
                "parameters",
                "named_parameters",
            ):
                key = dotted_text(func.value)
                if key is not None:
                    keys.add(key)
    for event in index.events:
        if event.kind == "train" and event.receiver is not None:
            keys.add(event.receiver)
    return keys


def frozen_models(model: SemanticModel) -> set[str]:
    """Receivers of ``requires_grad_(False)``."""
    return {
        key
        for site in model.method_calls("requires_grad_")
        if literal_value(argument(site.node, 0, "requires_grad")) is False
        and isinstance(site.node.func, cst.Attribute)
        and (key := dotted_text(site.node.func.value)) is not None
    }


#: ``nn.Module`` methods that return the module itself
_MODULE_RETURNING = frozenset(
    {"to", "cuda", "cpu", "float", "half", "double", "bfloat16", "train", "eval", "requires_grad_"}
)


def module_receiver(expr: cst.BaseExpression) -> str | None:
    """The dotted name of the module ``expr`` is, through methods that return
    the module itself: ``model.to(device)`` is ``model``."""
    while (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in _MODULE_RETURNING
    ):
        expr = expr.func.value
    return dotted_text(expr)


def restores_train_mode(loop: Loop, memo: SubtreeMemo | None = None) -> bool:
    """Something in the loop (or a same-file function it calls) calls ``.train()``."""
    if loop.has("train", via_calls=True) or any(e.kind == "train" for e in loop.events):
        return True
    body = loop.node.body
    if any(_lambda_trains(n, memo) for n in nodes_in(body, cst.Lambda, memo=memo)):  # type: ignore[arg-type]
        return True
    for call in calls_in(body, memo):
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "train":
            continue
        if call.args:
            # `model.train(flag)` with a non-literal flag is recorded as neither mode
            if literal_value(call.args[0].value) is not False:
                return True
        elif isinstance(func.value, cst.Call) and module_receiver(func.value) is not None:
            return True  # `model.to(device).train()`
    return False


def _lambda_trains(node: cst.Lambda, memo: SubtreeMemo | None = None) -> bool:
    """``lambda m: m.train()`` (handed to ``model.apply``): each submodule is
    put in train mode."""
    params = {p.name.value for p in node.params.params}
    return any(
        isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "train"
        and not call.args
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value in params
        for call in calls_in(node.body, memo)
    )


def evals_through_calls(
    model: SemanticModel, index: LoopIndex, loop: Loop
) -> Iterator[tuple[cst.Call, Event, str, str]]:
    """``.eval()`` in a same-file function called from the loop body (or in
    one that function calls, ``_MAX_DEPTH`` deep), with the receiver as the
    loop sees it and as the function holding the ``.eval()`` wrote it:
    ``def validate(net): net.eval()`` called as ``validate(model)`` gives
    "model"; ``self.model.eval()`` in a method called as ``self.evaluate()``
    stays "self.model"; ``self.img_enc.eval()`` in ``val_start`` reached by
    ``validate(model)`` → ``model.val_start()`` gives "model.img_enc"."""
    for call in calls_in(loop.node.body, memo_of(model)):
        func = index.resolve_function(call)
        if func is None:
            continue
        for event, receiver in _evals_reached(model, index, func, 0, frozenset()):
            mapped = _as_caller_sees(model, call, func, receiver)
            if mapped is not None:
                assert event.receiver is not None
                yield call, event, mapped, event.receiver


#: how many same-file calls deep an ``.eval()`` is looked for
_MAX_DEPTH = 3


def _evals_reached(
    model: SemanticModel,
    index: LoopIndex,
    func: cst.FunctionDef,
    depth: int,
    seen: frozenset[cst.FunctionDef],
) -> list[tuple[Event, str]]:
    """The ``.eval()`` events ``func`` runs, itself or through the same-file
    functions it calls, each with its receiver in ``func``'s terms."""
    found = [(e, e.receiver) for e in model.analysis(_evals_by_function).get(func, ())]
    if depth + 1 >= _MAX_DEPTH:
        return [(e, r) for e, r in found if r is not None]
    for call in calls_in(func.body, memo_of(model)):
        callee = index.resolve_function(call)
        if callee is None or callee is func or callee in seen:
            continue
        for event, receiver in _evals_reached(model, index, callee, depth + 1, seen | {func}):
            mapped = _as_caller_sees(model, call, callee, receiver)
            if mapped is not None:
                found.append((event, mapped))
    return [(e, r) for e, r in found if r is not None]


def _as_caller_sees(
    model: SemanticModel, call: cst.Call, func: cst.FunctionDef, receiver: str
) -> str | None:
    """``receiver`` (as ``func`` names it) in the terms of the code making
    ``call``: a parameter (or an attribute of one) becomes the argument, ``self``
    the object the method is called on, a module-level name (``def test():
    model.eval()``) stays itself where the caller does not bind it; None when
    the call does not say."""
    params = [p.name.value for p in func.params.params]
    is_method = isinstance(call.func, cst.Attribute) and dotted_text(call.func.value) == "self"
    # `model.generate(x)` running `self.eval()`: the model itself
    owner = dotted_text(call.func.value) if isinstance(call.func, cst.Attribute) else None
    if params[:1] == ["self"] and (is_method or owner is not None):
        params = params[1:]
        head, _, rest = receiver.partition(".")
        if head == "self":
            if is_method:
                return receiver
            return owner + ("." + rest if rest else "") if owner is not None else None
    head, _, rest = receiver.partition(".")
    if head in params and not has_star_args(call):
        argument_expr = argument(call, params.index(head), head)
        mapped = dotted_text(argument_expr) if argument_expr is not None else None
        if mapped is not None:
            return mapped + ("." + rest if rest else "")
        return None
    if head != "self" and _global_in_both(model, func, call, head):
        return receiver
    return None


def _global_in_both(
    model: SemanticModel, func: cst.FunctionDef, call: cst.Call, name: str
) -> bool:
    """``name`` means the same binding in ``func`` and in the code making
    ``call``: a module-level name, or a local of a function enclosing both
    (``model`` of ``main()`` read by its nested ``_train_epoch`` and
    ``_eval_epoch``), that neither binds itself."""
    caller = model.enclosing(call, cst.FunctionDef)
    scopes = [model.scopes.get(n) if n is not None else model.module_scope for n in (func, caller)]
    if any(scope is None for scope in scopes):
        return False
    found = [scope.lookup(name) for scope in scopes if scope is not None]
    first = found[0]
    return first is not None and all(f is first for f in found)


def _evals_by_function(model: ModuleIndex) -> dict[cst.CSTNode | None, list[Event]]:
    """The ``.eval()`` events with a receiver (``loops(model).events``, in
    order) by the function they are in: asked per call of every loop body."""
    found: dict[cst.CSTNode | None, list[Event]] = {}
    for event in loops(model).events:
        if event.kind != "eval" or event.receiver is None:
            continue
        func = model.enclosing(event.node, cst.FunctionDef)
        found.setdefault(func, []).append(event)
    return found


def called_with_grad(
    ctx: ContextIndex, loop: Loop, receiver: str, memo: SubtreeMemo | None = None
) -> bool:
    """The loop body calls ``receiver(...)`` outside ``no_grad``."""
    for call in calls_in(loop.node.body, memo):
        if dotted_text(call.func) == receiver and not ctx.in_no_grad(call):
            return True
    return False


@dataclass(frozen=True)
class EvalLeftOn:
    """A trained model put in eval mode inside an epoch loop that never puts it
    back in train mode."""

    #: the ``.eval()`` call
    node: cst.CSTNode
    #: the model, as the epoch loop names it
    receiver: str
    #: the call in the epoch loop that reaches the ``.eval()`` (``None``: the
    #: ``.eval()`` is in the loop itself)
    through: cst.Call | None = None
    #: the call of the same-file function running the loop's training
    #: iteration (``train_one_epoch(model, ...)``; None: the loop holds it)
    trains: cst.Call | None = None


def evals_left_on(model: SemanticModel) -> Iterator[EvalLeftOn]:
    """Per epoch loop (a training loop holding the training iteration, or a
    loop counting passes whose body calls a same-file function running the
    iteration: ``for epoch in range(n): train_one_epoch(model, ...)``) that
    calls no ``.train()``: its first ``.eval()`` of a trained model (one whose
    parameters go to an optimiser, put in train mode elsewhere, or called with
    gradients on in the loop; not a frozen teacher), else the first one reached
    through a same-file function it calls. Each ``.eval()`` once."""
    index = loops(model)
    ctx = contexts(model)
    memo = memo_of(model)
    trained = trained_models(index, memo)
    frozen = frozen_models(model)
    reported: set[int] = set()

    def eligible(receiver: str | None, loop: Loop) -> bool:
        if receiver is None:
            return False
        if receiver in frozen or any(h in receiver.lower() for h in FROZEN_MODEL_HINTS):
            return False  # a teacher / EMA / target network stays in eval mode
        return receiver in trained or called_with_grad(ctx, loop, receiver, memo)

    for loop in index.loops:
        if not loop.is_training or not any(lp.is_iteration for lp in (loop, *loop.descendants())):
            continue
        if restores_train_mode(loop, memo):
            continue
        yield from _left_on(model, index, loop, eligible, reported)
    for loop, calls in _epochs_through_calls(model, index):
        if restores_train_mode(loop, memo):
            continue

        def trained_here(
            receiver: str | None,
            loop: Loop = loop,
            calls: list[tuple[cst.Call, cst.FunctionDef]] = calls,
        ) -> bool:
            # the model the called function trains, and the same on every pass
            return (
                eligible(receiver, loop)
                and receiver is not None
                and not _renewed_in(model, loop, receiver)
                and any(_trains(model, index, call, func, receiver) for call, func in calls)
            )

        yield from _left_on(model, index, loop, trained_here, reported, calls[0][0])


def _left_on(
    model: SemanticModel,
    index: LoopIndex,
    loop: Loop,
    eligible: Callable[[str | None, Loop], bool],
    reported: set[int],
    trains: cst.Call | None = None,
) -> Iterator[EvalLeftOn]:
    """The first ``.eval()`` of ``loop`` (or of a same-file function it
    calls) on a model ``eligible`` accepts, not reported yet; ``trains``: the
    call running the loop's training iteration, when it is not in the loop."""
    direct = [e for e in loop.of("eval") if eligible(e.event.receiver, loop)]
    if direct:
        event = direct[0]
        if id(event.node) in reported:
            return
        reported.add(id(event.node))
        assert event.event.receiver is not None
        yield EvalLeftOn(event.node, event.event.receiver, trains=trains)
        return
    # `validate(model)` / `self.evaluate()` calling `.eval()` on the trained model
    for call, eval_event, receiver, written in evals_through_calls(model, index, loop):
        if id(eval_event.node) in reported:
            continue
        # ``self.img_enc`` of the class whose method ran the ``.eval()``:
        # trained where that class wrote it (its optimiser, ``train_start``)
        inside = written.startswith("self.") and eligible(written, loop)
        if not (eligible(receiver, loop) or inside):
            continue
        reported.add(id(eval_event.node))
        yield EvalLeftOn(eval_event.node, receiver, call, trains)
        return


def _epochs_through_calls(
    model: SemanticModel, index: LoopIndex
) -> list[tuple[Loop, list[tuple[cst.Call, cst.FunctionDef]]]]:
    """Loops counting passes (``for epoch in range(n)``, ``while``) that are
    no training loop themselves, whose body calls a same-file function
    running one epoch: a training iteration at the top loop level of that
    function (``train_one_epoch(model, loader, ...)``; one that loops over
    epochs itself is a whole run, called per fold or trial), with those calls."""
    epoch_functions = model.analysis(_one_epoch_functions)
    if not epoch_functions:
        return []
    found: dict[cst.CSTNode, list[tuple[cst.Call, cst.FunctionDef]]] = {}
    for site in model.calls:
        call = site.node
        func = index.resolve_function(call) if site.qualname is None else None
        if func is None or func not in epoch_functions:
            continue
        around = next(
            (
                a
                for a in model.ancestors(call)
                if isinstance(a, (cst.For, cst.While, cst.FunctionDef, cst.Lambda, cst.ClassDef))
            ),
            None,
        )
        if isinstance(around, (cst.For, cst.While)):
            found.setdefault(around, []).append((call, func))
    result = []
    for node, calls in found.items():
        assert isinstance(node, (cst.For, cst.While))
        loop = index.loop_or_bare(node)
        if loop.is_training or not index.counts_passes(loop):
            continue  # a training loop itself: read as one above
        result.append((loop, calls))
    return result


def _one_epoch_functions(model: ModuleIndex) -> dict[cst.FunctionDef, Loop]:
    """Same-file functions whose one loop level holds a training iteration
    (no ``for``/``while`` of theirs around it), with that iteration (built
    once per file: asked per epoch loop and per call)."""
    found: dict[cst.FunctionDef, Loop] = {}
    for loop in loops(model).loops:
        if not loop.is_iteration:
            continue
        func = None
        for ancestor in model.ancestors(loop.node):
            if isinstance(ancestor, (cst.For, cst.While, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(ancestor, cst.FunctionDef):
                func = ancestor
                break
        if func is not None:
            found.setdefault(func, loop)
    return found


def _trains(
    model: SemanticModel, index: LoopIndex, call: cst.Call, func: cst.FunctionDef, receiver: str
) -> bool:
    """The training iteration ``func`` runs for ``call`` reads ``receiver``
    (as ``func`` names it: the parameter it is handed to, ``self.x`` of a
    method of the same object, a name both share): the epoch loop's model is
    the one trained there."""
    iteration = model.analysis(_one_epoch_functions).get(func)
    if iteration is None:
        return False
    inside = _as_callee_sees(model, call, func, receiver)
    if inside is None:
        return False
    head = inside.split(".")[0]
    for name in names_in(iteration.node, head, memo_of(model)):
        parent = model.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            continue
        whole = _dotted_from(model, name) or ""
        if "." not in inside or whole == inside or whole.startswith(inside + "."):
            return True
    return False


def _dotted_from(model: SemanticModel, name: cst.Name) -> str | None:
    """The whole dotted name ``name`` starts (``self.model`` of ``self.model(x)``)."""
    node: cst.CSTNode = name
    while isinstance(parent := model.parent(node), cst.Attribute) and parent.value is node:
        node = parent
    return dotted_text(node)  # type: ignore[arg-type]


def _as_callee_sees(
    model: SemanticModel, call: cst.Call, func: cst.FunctionDef, receiver: str
) -> str | None:
    """``receiver`` (as the caller names it) in ``func``'s terms: the
    parameter an argument ``receiver`` (or a prefix of it) binds, itself for
    ``self.x`` handed on by ``self.method()`` or for a name both share."""
    if has_star_args(call):
        return None
    params = [p.name.value for p in func.params.params]
    is_method = isinstance(call.func, cst.Attribute) and dotted_text(call.func.value) == "self"
    if params[:1] == ["self"] and isinstance(call.func, cst.Attribute):
        params = params[1:]
        if is_method and receiver.startswith("self."):
            return receiver
    for position, name in enumerate(params):
        passed = argument(call, position, name)
        text = dotted_text(passed) if passed is not None else None
        if text is None:
            continue
        if text == receiver:
            return name
        if receiver.startswith(text + "."):
            return name + receiver[len(text) :]
    head = receiver.split(".")[0]
    if head != "self" and _global_in_both(model, func, call, head):
        return receiver
    return None


def _renewed_in(model: SemanticModel, loop: Loop, receiver: str) -> bool:
    """The loop body binds the model (or what holds it) anew: a fresh model,
    in train mode, on every pass."""
    heads = {receiver, receiver.split(".")[0]}
    for target in nodes_in(loop.node.body, cst.AssignTarget, memo=memo_of(model)):
        text = dotted_text(cast("cst.AssignTarget", target).target)
        if text is not None and text in heads:
            return True
    return False


def train_mode_arguments(model: ModuleIndex, call: cst.Call) -> tuple[str, ...]:
    """The arguments of ``call`` (``"0"``, ``"1"``, ... by position, keywords
    by name) holding a model this file trains and never puts in eval mode:
    the callee surely gets it in train mode (an ``evaluate(model, loader)``
    of another module that calls no ``eval()`` then evaluates in train mode,
    LF603). Handed to any other call than one of the same callee, or of a
    function whose mode changes the file's events show (a same-file one with
    no ``eval()`` at all, another project module's), it is not sure."""
    if has_star_args(call):
        return ()
    index = loops(model)
    memo = memo_of(model)
    trained = trained_models(index, memo)
    callee = dotted_text(call.func)
    if not trained or callee is None:
        return ()
    switched = {
        (e.receiver or "").split(".", 1)[0] for e in index.events if e.kind == "eval"
    }
    found: list[str] = []
    position = 0
    for arg in call.args:
        place = arg.keyword.value if arg.keyword is not None else str(position)
        if arg.keyword is None:
            position += 1
        key = dotted_text(arg.value)
        if (
            key is not None
            and key in trained
            and key.split(".", 1)[0] not in switched
            and _handed_only_to(model, index, key, callee)
        ):
            found.append(place)
    return tuple(found)


def _handed_only_to(model: ModuleIndex, index: LoopIndex, key: str, callee: str) -> bool:
    from lossflint.project.constants import imported_project_callable

    for call in calls_passing(model, key):
        if call is None:
            return False
        if dotted_text(call.func) == callee:
            continue
        func = index.resolve_function(call)
        if func is not None:
            if "eval" in index.function_kinds(func):
                return False
            continue
        if not imported_project_callable(model, call.func):
            return False
    return True
