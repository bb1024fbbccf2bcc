"""Train/eval mode facts (LF309): which models a file trains or freezes, whether
a loop switches back to train mode, ``.eval()`` reached through the same-file
functions a loop calls, and the epoch loops that leave a trained model in eval
mode (:func:`evals_left_on`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis.calls import argument, calls_passing, has_star_args, literal_value
from lossflint.analysis.contexts import ContextIndex, contexts
from lossflint.analysis.loops import FROZEN_MODEL_HINTS, Event, Loop, LoopIndex, loops
from lossflint.analysis.mode_flags import switched_off
from lossflint.analysis.names import dotted_text, module_receiver
from lossflint.analysis.reaching import iterated_parts, may_bind, reaching_assignment
from lossflint.analysis.trains_itself import self_in_train_mode
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
        elif isinstance(func.value, cst.Subscript) and dotted_text(func.value.value) is not None:
            # `model.heads[-1].train()`: the submodule it trains, the rest frozen
            # in eval mode on purpose (FACIL's head warm-up, audit s178)
            return True
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


def _global_in_both(model: SemanticModel, func: cst.FunctionDef, call: cst.Call, name: str) -> bool:
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


def _trained_around(model: ModuleIndex, index: LoopIndex, loop: Loop, receiver: str) -> bool:
    """The function running ``loop`` puts ``receiver`` in train mode itself
    (``self.teacher_model.train()`` before fine-tuning the teacher): named
    like a frozen model, it is the one trained here (KD_Lib's BERT2LSTM)."""
    func = model.enclosing(loop.node, cst.FunctionDef)
    return func is not None and any(
        event.kind == "train"
        and event.receiver == receiver
        and model.enclosing(event.node, cst.FunctionDef) is func
        for event in index.events
    )


def _drawn_from_untrained(
    model: ModuleIndex,
    loop: Loop,
    receiver: str,
    index: LoopIndex,
    trained: set[str],
    memo: SubtreeMemo | None,
) -> bool:
    """``for model in self.uploaded_models: model.eval(); logits += model(z)``
    (or ``user.model.eval()`` for ``user`` in ``users``) in a loop that trains a generator (PFLlib's FedGen server): the receiver
    is drawn from a collection no optimiser of the file takes parameters from
    and nothing puts in train mode; called with gradients on only to pass
    them to what is trained."""
    if not index.optimizer_ctors:
        return False
    ctors = " ".join(model.code(ctor.call) for ctor in index.optimizer_ctors)
    drawn = False
    # ``for user in self.users: user.model.eval()`` (FedGen's server): the
    # receiver hangs off what the loop draws
    root = receiver.split(".", 1)[0]
    for node in nodes_in(loop.node.body, cst.For, memo=memo):
        drawn_from = _iterated_for(model, node, root)  # type: ignore[arg-type]
        if drawn_from is None:
            continue
        source = dotted_text(drawn_from)
        if source is None:
            return False
        last = source.rsplit(".", 1)[-1]
        if source in trained or re.search(rf"(?<![\w]){re.escape(last)}(?!\w)", ctors):
            return False
        drawn = True
    return drawn


def _iterated_for(model: ModuleIndex, loop: cst.For, name: str) -> cst.BaseExpression | None:
    """What ``for <name> in X`` draws ``name`` from: ``X``; also ``for w,
    model in zip(weights, models)`` (``models``) and ``for i, model in
    enumerate(models)``; None when the loop does not bind ``name`` so."""
    target = loop.target
    if isinstance(target, cst.Name):
        return loop.iter if target.value == name else None
    if not isinstance(target, cst.Tuple):
        return None
    names = [e.value.value if isinstance(e.value, cst.Name) else None for e in target.elements]
    parts = iterated_parts(model, loop.iter)
    if name not in names or parts is None or len(parts) != len(names):
        return None
    return parts[names.index(name)]


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
    #: the loop is the training iteration itself (the batch loop), not an
    #: epoch loop around it: the batches after the evaluation train in eval mode
    per_batch: bool = False


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
        if receiver in frozen:
            return False
        if any(h in receiver.lower() for h in FROZEN_MODEL_HINTS) and not _trained_around(
            model, index, loop, receiver
        ):
            return False  # a teacher / EMA / target network stays in eval mode
        if _built_anew_in(model, loop, receiver):
            return False  # ``for seed in seeds: net = Net()``: each pass a fresh model
        if receiver in trained:
            return True
        return called_with_grad(ctx, loop, receiver, memo) and not _drawn_from_untrained(
            model, loop, receiver, index, trained, memo
        )

    for loop in index.loops:
        if not loop.is_training or not any(lp.is_iteration for lp in (loop, *loop.descendants())):
            continue
        if restores_train_mode(loop, memo):
            continue
        keys = _entry_step_keys(loop)
        if keys:

            def named_by_entry(receiver: str | None, loop: Loop, keys: list[str] = keys) -> bool:
                # ``optimizer["discriminator"].step()`` trains the part named so:
                # ``model.generator.eval()`` there only samples (moses' ORGAN)
                if receiver is None or "." not in receiver:
                    return eligible(receiver, loop)
                part = receiver.rsplit(".", 1)[-1].lower()
                return eligible(receiver, loop) and any(part in key.lower() for key in keys)

            yield from _left_on(model, index, loop, named_by_entry, reported)
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
    # an `.eval()` after the loop's last training step (`if i == len(loader) - 1:`,
    # or followed by `break`) leaves no step of this loop in eval mode: the
    # enclosing loop, checked on its own, says whether the next pass resets it
    eval_throughout = _evaluated_before_training(model, loop, trains)
    direct = [
        e
        for e in loop.of("eval")
        if eligible(e.event.receiver, loop)
        and e.event.receiver not in eval_throughout
        and not after_last_step(model, index, loop, e.node)
        and not _same_in_both_modes(model, e.node, None, e.event.receiver)
        and not switched_off(model, index, loop.node, e.node)
    ]
    if direct:
        event = direct[0]
        if id(event.node) in reported:
            return
        reported.add(id(event.node))
        assert event.event.receiver is not None
        yield EvalLeftOn(
            event.node, event.event.receiver, trains=trains, per_batch=loop.is_iteration
        )
        return
    # `validate(model)` / `self.evaluate()` calling `.eval()` on the trained model
    for call, eval_event, receiver, written in evals_through_calls(model, index, loop):
        if id(eval_event.node) in reported or after_last_step(model, index, loop, call):
            continue
        if receiver in eval_throughout:
            continue
        # ``self.img_enc`` of the class whose method ran the ``.eval()``:
        # trained where that class wrote it (its optimiser, ``train_start``)
        inside = written.startswith("self.") and eligible(written, loop)
        if not (eligible(receiver, loop) or inside):
            continue
        if _same_in_both_modes(model, eval_event.node, call, receiver):
            continue  # another loop may hand the same helper a model that changes
        if switched_off(model, index, loop.node, eval_event.node):
            continue  # ``if self.is_test:`` with ``self.is_test = False`` before the loop
        reported.add(id(eval_event.node))
        yield EvalLeftOn(eval_event.node, receiver, call, trains, per_batch=loop.is_iteration)
        return


def _evaluated_before_training(
    model: SemanticModel, loop: Loop, trains: cst.Call | None
) -> set[str]:
    """The models an unconditional ``.eval()`` of the loop's own body puts in
    eval mode right before the pass trains (``t_model.eval()`` heading the
    epoch, then the batch loop): every step, the first epoch's too, runs in
    eval mode, by design (a head trained over a frozen batch-norm backbone):
    no later epoch differs from the first. Not when the model is evaluated in
    between (``model.eval(); validate(model)``, a ``no_grad`` block): the
    statements between are simple ones that do not name it."""
    body = loop.node.body
    if not isinstance(body, cst.IndentedBlock):
        return set()
    position = {id(stmt): at for at, stmt in enumerate(body.body)}

    def top(node: cst.CSTNode) -> int | None:
        at: cst.CSTNode | None = node
        while at is not None and id(at) not in position:
            at = model.parent(at)
        return position[id(at)] if at is not None else None

    training = [trains] if trains is not None else [e.node for e in loop.of("backward", "step")]
    starts = [i for i in (top(node) for node in training) if i is not None]
    if not starts:
        return set()
    first = min(starts)
    out: set[str] = set()
    for e in loop.of("eval"):
        receiver = e.event.receiver
        at = top(e.node)
        if receiver is None or e.conditional or e.nested or at is None or at >= first:
            continue
        root = receiver.split(".", 1)[0]
        between = body.body[at + 1 : first]
        # heading the very loop that steps, the model's calls before the
        # backward are that step's forward pass (DeepSDF's per-iteration
        # ``decoder.eval()`` while optimising a latent code)
        if all(
            (
                isinstance(stmt, cst.SimpleStatementLine)
                or (isinstance(stmt, cst.If) and _only_simple_branches(model, stmt))
            )
            and (loop.is_iteration or not names_in(stmt, root))
            for stmt in between
        ):
            out.add(receiver)
    return out


def _only_simple_branches(model: SemanticModel, stmt: cst.If) -> bool:
    """An ``if`` of simple statements only (``if args.progress: loader =
    tqdm(loader)`` choosing what the epoch reads): no loop, ``with`` (a
    ``no_grad`` evaluation) or nested definition in it."""
    return not nodes_in(
        stmt, cst.For, cst.While, cst.With, cst.FunctionDef, cst.ClassDef, memo=memo_of(model)
    )


def _same_in_both_modes(
    model: SemanticModel, eval_call: cst.CSTNode, through: cst.Call | None, receiver: str | None
) -> bool:
    """The model put in eval mode has no dropout, batch norm or anything else
    that eval mode changes (known to its last layer): leaving it so is
    harmless. Put there by a call in the loop (``test_step(model=m1)``), the
    model is what that call hands over: the helper's parameter joins every
    model the file evaluates with it."""
    from lossflint.analysis.mode_free_models import surely_mode_free

    # ``validate(generator, critic, loader)`` of another module puts its
    # parameters in eval mode: the model is the argument the receiver names
    for handed_to in (through, eval_call):
        if isinstance(handed_to, cst.Call) and receiver is not None:
            for arg in handed_to.args:
                if dotted_text(arg.value) == receiver:
                    return surely_mode_free(model, model.kinds.value_of(arg.value))
    if not isinstance(eval_call, cst.Call) or not isinstance(eval_call.func, cst.Attribute):
        return False
    return surely_mode_free(model, model.kinds.value_of(eval_call.func.value))


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


def _built_anew_in(model: SemanticModel, loop: Loop, receiver: str) -> bool:
    """The loop body binds the model to a new object: a call that is not a
    method of the model itself (``net = Net()``, ``net = build(cfg)``; not
    ``net = net.to(device)``), in train mode on every pass (a loop over seeds
    or folds training a fresh network each time, audit s194)."""
    root = receiver.split(".")[0]
    for target in nodes_in(loop.node.body, cst.AssignTarget, memo=memo_of(model)):
        target = cast("cst.AssignTarget", target)
        if dotted_text(target.target) != receiver:
            continue
        statement = model.parent(target)
        value = statement.value if isinstance(statement, cst.Assign) else None
        if not isinstance(value, cst.Call):
            continue
        func = dotted_text(value.func) or ""
        if func and func.split(".")[0] != root:
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
    if callee is None:
        return ()
    switched = {(e.receiver or "").split(".", 1)[0] for e in index.events if e.kind == "eval"}
    found: list[str] = []
    position = 0
    for arg in call.args:
        place = arg.keyword.value if arg.keyword is not None else str(position)
        if arg.keyword is None:
            position += 1
        key = dotted_text(arg.value)
        if key == "self":
            if self_in_train_mode(model, index, memo, call, callee):
                found.append(place)
        elif (
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


# --- an ``.eval()`` after the last training step of its loop --------------------

#: kinds whose running after an ``.eval()`` means a step of the loop ran in eval mode
_TRAINING_KINDS = ("backward", "step")
#: calls whose result has as many items as their first argument (a loop over it
#: makes as many passes): ``list(enumerate(loader))``, ``tqdm(steps)``
_SAME_LENGTH = frozenset({"builtins.list", "builtins.tuple", "builtins.enumerate"})
#: how many ``name = value`` / wrapper steps the items of a loop are followed through
_MAX_ALIASES = 6


def after_last_step(model: SemanticModel, index: LoopIndex, loop: Loop, node: cst.CSTNode) -> bool:
    """``node`` (an ``.eval()``, or the call reaching one) in ``loop``'s own
    body (no inner loop around it) runs only after the loop's last training
    step: under a last-pass test of the loop's own counter (``if i ==
    len(loader) - 1:`` in ``for i, b in enumerate(loader)``, ``i + 1 ==
    n`` in ``for i in range(n)``) with no training step after it in the pass,
    or followed by an unconditional ``break``/``return`` with no training step
    in between. No step of ``loop`` then runs in eval mode; whether the next
    pass of an enclosing loop does is that loop's question (the Heaton
    notebooks: ``model.train()`` at the top of the epoch loop, ``model.eval()``
    on the last batch)."""
    if not isinstance(loop.node, (cst.For, cst.While)):
        return False
    child: cst.CSTNode = node
    for ancestor in model.ancestors(node):
        if ancestor is loop.node:
            if child is not loop.node.body:
                return False  # the loop's header or else clause
            break
        if isinstance(
            ancestor,
            (cst.For, cst.While, cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.CompFor),
        ):
            return False  # an inner loop or function: not once per pass of `loop`
        child = ancestor
    else:
        return False
    return _leaves_loop_after(model, index, loop, node) or _on_last_pass(model, index, loop, node)


def _later_siblings(
    model: SemanticModel, loop: Loop, node: cst.CSTNode
) -> Iterator[tuple[cst.CSTNode, cst.CSTNode]]:
    """What runs after ``node`` in the same pass of ``loop`` (conservatively:
    an ``else`` arm after its ``if`` body too), level by level up to the loop
    body, each with the block (or statement) holding it."""
    child = node
    for ancestor in model.ancestors(node):
        if ancestor is loop.node:
            return
        after = False
        for sibling in ancestor.children:
            if sibling is child:
                after = True
            elif after:
                yield sibling, ancestor
        child = ancestor


def _trains_in(
    model: SemanticModel, index: LoopIndex, loop: Loop, roots: list[cst.CSTNode]
) -> bool:
    """A training step of ``loop`` (or a call of a same-file function
    running one) sits under one of ``roots``."""
    if not roots:
        return False
    marked = {id(r) for r in roots}
    for event in loop.of(*_TRAINING_KINDS):
        if id(event.node) in marked or any(id(a) in marked for a in model.ancestors(event.node)):
            return True
    memo = memo_of(model)
    for root in roots:
        for call in calls_in(root, memo):
            func = index.resolve_function(call)
            if func is not None and set(_TRAINING_KINDS) & index.function_kinds(func):
                return True
    return False


def _leaves_loop_after(
    model: SemanticModel, index: LoopIndex, loop: Loop, node: cst.CSTNode
) -> bool:
    """An unconditional ``break``/``return`` follows ``node`` (at its level or
    one of the blocks around it, up to the loop body) with no training step
    in between: nothing of the loop runs after it."""
    passed: list[cst.CSTNode] = []
    for sibling, _holder in _later_siblings(model, loop, node):
        if _is_exit(sibling):
            return not _trains_in(model, index, loop, passed)
        passed.append(sibling)
    return False


def _is_exit(node: cst.CSTNode) -> bool:
    """``break`` / ``return`` as a statement (or a line of them)."""
    if isinstance(node, (cst.Break, cst.Return)):
        return True
    return isinstance(node, cst.SimpleStatementLine) and any(
        isinstance(s, (cst.Break, cst.Return)) for s in node.body
    )


def _on_last_pass(model: SemanticModel, index: LoopIndex, loop: Loop, node: cst.CSTNode) -> bool:
    """``node`` sits in the body of an ``if`` testing the last pass of
    ``loop`` on its own counter, and nothing after that ``if`` in the pass
    trains."""
    if not isinstance(loop.node, cst.For):
        return False
    counted = pass_counter(model, loop.node)
    if counted is None:
        return False
    counter, lengths, bounds = counted
    child = node
    for ancestor in model.ancestors(node):
        if ancestor is loop.node:
            return False
        if (
            isinstance(ancestor, cst.If)
            and child is ancestor.body
            and _is_last_pass_test(model, ancestor.test, counter, lengths, bounds)
        ):
            rest = [ancestor, *(s for s, _ in _later_siblings(model, loop, ancestor))]
            # a step under the `if` itself before the eval ran in train mode; one
            # after it would not: count the whole `if` (rare, and firing is the old answer)
            return not _trains_in(model, index, loop, rest)
        child = ancestor
    return False


def pass_counter(model: SemanticModel, node: cst.For) -> tuple[str, set[str], set[str]] | None:
    """The name counting the passes of ``node`` from 0, the texts of what has
    as many items as the loop makes passes (``len()`` of them is the pass
    count) and the texts of the bound itself: ``for i, b in
    enumerate(loader)`` → ("i", {"loader", ...}, {}); ``for i in range(n)``
    (``range(0, n)``) → ("i", {}, {"n"}); ``for i in range(len(xs))`` →
    ("i", {"xs"}, {"len(xs)"}). None when the loop counts nothing or rebinds
    a name read."""
    target = node.target
    lengths: set[str] = set()
    bounds: set[str] = set()
    if isinstance(target, cst.Name):
        items = _unwrap_progress(node.iter)
        if not (
            isinstance(items, cst.Call)
            and model.qualname(items.func) == "builtins.range"
            and len(items.args) in (1, 2)
            and all(a.keyword is None and a.star == "" for a in items.args)
            and (len(items.args) == 1 or literal_value(items.args[0].value) == 0)
        ):
            return None
        bound = items.args[-1].value
        bounds.add(_text(model, bound))
        measured = _measured(model, bound)
        if measured is not None:
            lengths = _same_length(model, measured)[0]
        counter = target.value
    elif isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
        first = target.elements[0].value
        if not isinstance(first, cst.Name):
            return None
        lengths, enumerated = _same_length(model, node.iter)
        if enumerated != 1:
            return None  # `i` counts the passes only through one enumerate()
        counter = first.value
    else:
        return None
    names = {counter} | {t.split(".")[0].split("(")[0] for t in lengths | bounds}
    if any(may_bind(node.body, name) for name in names):
        return None  # the counter or the collection changes inside the loop
    return counter, lengths, bounds


def _unwrap_progress(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``tqdm(x, ...)`` (a progress bar: the same items) → ``x``."""
    while (
        isinstance(expr, cst.Call)
        and (dotted_text(expr.func) or "").rsplit(".", 1)[-1] in ("tqdm", "track")
        and expr.args
        and expr.args[0].keyword is None
        and expr.args[0].star == ""
    ):
        expr = expr.args[0].value
    return expr


def _same_length(model: SemanticModel, expr: cst.BaseExpression) -> tuple[set[str], int]:
    """The texts of ``expr`` and of what it has as many items as: through
    ``name = value``, ``list()``/``tuple()``, progress bars and ``enumerate()``
    (without a start), with how many ``enumerate()`` calls were passed."""
    texts: set[str] = set()
    enumerated = 0
    current: cst.BaseExpression | None = expr
    for _ in range(_MAX_ALIASES):
        if current is None:
            break
        texts.add(_text(model, current))
        if isinstance(current, cst.Name):
            current = reaching_assignment(model, current) or _with_bound(model, current)
            continue
        unwrapped = _unwrap_progress(current)
        if unwrapped is not current:
            current = unwrapped
            continue
        if not isinstance(current, cst.Call) or len(current.args) != 1:
            break
        arg = current.args[0]
        if arg.keyword is not None or arg.star != "":
            break
        qualname = model.qualname(current.func)
        if qualname not in _SAME_LENGTH:
            break
        enumerated += qualname == "builtins.enumerate"
        current = arg.value
    return texts, enumerated


def _with_bound(model: SemanticModel, name: cst.Name) -> cst.BaseExpression | None:
    """``tqdm(loader)`` of ``with tqdm(loader) as t:`` around ``name`` (``t``),
    when that is the name's one binding."""
    bindings = model.bindings(name) or []
    if len(bindings) != 1 or bindings[0].kind != "other":
        return None
    for ancestor in model.ancestors(name):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.With):
            for item in ancestor.items:
                bound = item.asname.name if item.asname is not None else None
                if isinstance(bound, cst.Name) and bound.value == name.value:
                    return item.item
    return None


def _measured(model: SemanticModel, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``x`` of ``len(x)``, also through a name bound to it (``n_batches =
    len(loader)``)."""
    if isinstance(expr, cst.Name):
        value = reaching_assignment(model, expr)
        if value is None:
            return None
        expr = value
    if (
        isinstance(expr, cst.Call)
        and model.qualname(expr.func) == "builtins.len"
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and expr.args[0].star == ""
    ):
        return expr.args[0].value
    return None


def _is_last_pass_test(
    model: SemanticModel,
    test: cst.BaseExpression,
    counter: str,
    lengths: set[str],
    bounds: set[str],
) -> bool:
    """``i == N - 1`` / ``i + 1 == N`` (either side, parenthesised or not)
    where ``N`` is the pass count: a bound of ``bounds``, or ``len()`` of
    something with as many items as the loop (directly or through a name)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    for this, that in ((test.left, target.comparator), (target.comparator, test.left)):
        bound: cst.BaseExpression | None = None
        if _is_name(this, counter) and _plus_minus_one(that, cst.Subtract) is not None:
            bound = _plus_minus_one(that, cst.Subtract)
        elif (
            isinstance(this, cst.BinaryOperation)
            and isinstance(this.operator, cst.Add)
            and any(
                _is_name(a, counter) and _is_one(b)
                for a, b in ((this.left, this.right), (this.right, this.left))
            )
        ):
            bound = that
        if bound is None:
            continue
        if _text(model, bound) in bounds:
            return True
        measured = _measured(model, bound)
        if measured is not None and _same_length(model, measured)[0] & lengths:
            return True
    return False


def _plus_minus_one(expr: cst.BaseExpression, op: type) -> cst.BaseExpression | None:
    """``N`` of ``N - 1``."""
    if (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, op)
        and _is_one(expr.right)
    ):
        return expr.left
    return None


def _is_one(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Integer) and expr.value == "1"


def _is_name(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


def _text(model: SemanticModel, expr: cst.BaseExpression) -> str:
    """The code of ``expr`` without its own parentheses."""
    if getattr(expr, "lpar", None):
        expr = expr.with_changes(lpar=(), rpar=())
    return model.code(expr)


def _entry_step_keys(loop: Loop) -> list[str]:
    """The receivers of the loop's optimiser steps when every one is an entry
    of a dict of optimisers (``optimizer["discriminator"]``); empty otherwise."""
    steps = [e.event for lp in (loop, *loop.descendants()) for e in lp.events if e.kind == "step"]
    keys = [e.receiver for e in steps if e.receiver is not None and "[" in e.receiver]
    return keys if steps and len(keys) == len(steps) else []
