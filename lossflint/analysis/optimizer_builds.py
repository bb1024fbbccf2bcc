"""Optimisers a training loop builds on every pass (LF311): a constructor in
the loop's body, a same-file factory called there whose one statement
returns one (``optimizer = make_optimizer(model, lr)``), or a same-file
function that builds one and runs one epoch with it, called by an epoch loop
(``for epoch in range(n): train_model(model, loader)``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis.calls import argument, has_star_args
from lossflint.analysis.interpreter.syntax import (
    arguments_by_param,
    filled_positionally,
    param_names,
)
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import Loop, LoopEvent, loops
from lossflint.analysis.mode_free_models import is_torch_module
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import FunctionRef, Instance, Layer, Sequential
from lossflint.analysis.walk import bound_names, calls_in, memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.loops import LoopIndex


def optimizers_built_per_pass(
    model: ModuleIndex, loop: Loop
) -> Iterator[tuple[cst.Call, cst.Call, cst.BaseExpression | None]]:
    """The optimisers ``loop`` builds on every pass: (the call in the loop, the
    constructor, what it is given as parameters in the loop's terms). A
    same-file factory whose one statement returns a constructor
    (``optimizer = make_optimizer(model, lr)``) counts, its parameters read at
    the call."""
    index = loops(model)
    for event in loop.of("optim_ctor"):
        if (
            event.direct
            or _periodic_chain(model, event.chain, loop.node)
            or built_in_a_fixed_arm(model, loop, event)
        ):
            call = event.node
            assert isinstance(call, cst.Call)
            yield call, call, argument(call, 0, "params")
    for call in calls_in(loop.node.body, memo_of(model)):
        if not _unconditional_in(model, call, loop.node):
            continue
        func = index.resolve_function(call)
        ctor = _returned_constructor(model, func) if func is not None else None
        if ctor is None:
            continue
        params = _params_at_call(call, func, argument(ctor, 0, "params"))  # type: ignore[arg-type]
        if params is not None:
            yield call, ctor, params


def _params_at_call(
    call: cst.Call, func: cst.FunctionDef, params: cst.BaseExpression | None
) -> cst.BaseExpression | None:
    """What a factory builds its optimiser over, in the caller's terms: each
    of the factory's parameters named in ``params`` replaced by the argument
    passed for it (``model`` for ``make_optimizer(model, lr)``); None when an
    argument cannot be matched to its parameter."""
    if params is None or has_star_args(call):
        return None
    names = param_names(func.params)
    bound = arguments_by_param(call, filled_positionally(func, call)) or {}
    passed = {name: arg.value for name, arg in bound.items()}
    elements = []
    for name in sorted({n.value for n in nodes_in(params, cst.Name)}):  # type: ignore[attr-defined]
        if name in names and name not in passed:
            return None  # a default: not the caller's
        elements.append(cst.Element(passed.get(name, cst.Name(name))))
    return cst.Tuple(elements)


def _periodic_chain(model: ModuleIndex, chain: tuple[cst.CSTNode, ...], loop: cst.CSTNode) -> bool:
    """Every statement between the loop and the constructor is an ``if`` on
    the loop's counter modulo a period (``if epoch % decay_every == 0:``, a
    step decay done by rebuilding Adam every few epochs): built again and
    again, not once at a milestone. A flag no pass changes may guard it too
    (``if config.decay:``)."""
    if not chain or not isinstance(loop, cst.For):
        return False
    counters = {n.value for n in nodes_in(loop.target, cst.Name) if isinstance(n, cst.Name)}
    counters |= _stepped_counters(loop)
    periodic = False
    changed: set[str] | None = None
    for node in chain:
        # the chain holds the branch's block: its ``if`` is the parent
        branch = model.parent(node) if isinstance(node, cst.IndentedBlock) else node
        if not isinstance(branch, cst.If) or branch.body is not node:
            return False
        if _tests_period(branch.test, counters):
            periodic = True
            continue
        # ``if config.decay:`` around the period: when decay is on, every period
        changed = _changed_in(model, loop) if changed is None else changed
        if not _fixed_test(branch.test, changed):
            return False
    return periodic


def built_in_a_fixed_arm(model: ModuleIndex, loop: Loop, event: LoopEvent) -> bool:
    """A batch loop builds the optimiser in the arm of an ``if`` whose test no
    pass changes (``elif training_mode == 'source':``), and steps it in that
    same arm or on every batch: whenever the arm runs, it trains with a new
    optimiser every batch (pytorch_DANN, audit s155). A test of what the loop binds (``if
    optimizer is None:``) or a call (``if random.random() < p:``) may change."""
    if not loop.is_iteration or not event.chain:
        return False
    if not any(step.chain in (event.chain, ()) for step in loop.of("step")):
        # stepped in that arm, or on every batch (``if epoch == 50: optimizer
        # = Adam(...)`` above the step: every batch of epoch 50, audit s215)
        return False
    node = loop.node
    if not isinstance(node, (cst.For, cst.While)):
        return False
    changed = _changed_in(model, node)
    for arm in event.chain:
        branch = model.parent(arm)
        if not isinstance(branch, cst.If) or arm is branch.test:
            return False
        if not _fixed_test(branch.test, changed):
            return False
    return True


def _changed_in(model: ModuleIndex, loop: cst.For | cst.While) -> set[str]:
    """The names and dotted attributes ``loop`` binds or assigns."""
    body = loop.body
    changed = set(bound_names(body))
    if isinstance(loop, cst.For):
        # ``for i, x in enumerate(loader)``: every name of the target
        changed |= {cast("cst.Name", n).value for n in nodes_in(loop.target, cst.Name)}
    changed |= {
        text
        for target in nodes_in(body, cst.AssignTarget, cst.AugAssign, memo=memo_of(model))
        if (text := dotted_text(target.target)) is not None  # type: ignore[attr-defined]
    }
    return changed


def _fixed_test(test: cst.BaseExpression, changed: set[str]) -> bool:
    """``test`` reads nothing in ``changed`` and calls nothing: the same on
    every pass (``if config.decay:``)."""
    if nodes_in(test, cst.Call, cst.Await, cst.NamedExpr, cst.Subscript):
        return False
    read = {cast("cst.Name", n).value for n in nodes_in(test, cst.Name)}
    read |= {
        text
        for a in nodes_in(test, cst.Attribute)
        if (text := dotted_text(cast("cst.Attribute", a))) is not None
    }
    return not read & changed


def in_a_fixed_arm(model: ModuleIndex, loop: Loop, call: cst.Call) -> bool:
    """``call`` is built on every pass of an arm no pass changes."""
    return any(
        e.node is call and built_in_a_fixed_arm(model, loop, e) for e in loop.of("optim_ctor")
    )


def _stepped_counters(loop: cst.For) -> set[str]:
    """Names the loop's body counts up on every pass (``step += 1`` as one of
    its statements): a step counter, periodic like the loop's own."""
    found: set[str] = set()
    body = loop.body.body if isinstance(loop.body, cst.IndentedBlock) else ()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if (
                isinstance(small, cst.AugAssign)
                and isinstance(small.operator, cst.AddAssign)
                and isinstance(small.target, cst.Name)
                and isinstance(small.value, cst.Integer)
            ):
                found.add(small.target.value)
    return found


def _tests_period(test: cst.BaseExpression, counters: set[str]) -> bool:
    for comparison in nodes_in(test, cst.Comparison):
        assert isinstance(comparison, cst.Comparison)
        left = comparison.left
        if (
            isinstance(left, cst.BinaryOperation)
            and isinstance(left.operator, cst.Modulo)
            and any(
                isinstance(n, cst.Name) and n.value in counters
                for n in nodes_in(left.left, cst.Name)
            )
            and len(comparison.comparisons) == 1
            and isinstance(comparison.comparisons[0].operator, cst.Equal)
        ):
            return True
    return False


def _unconditional_in(model: ModuleIndex, call: cst.Call, loop: cst.CSTNode) -> bool:
    """``x = f(...)`` as a statement of ``loop``'s body, under no branch."""
    return isinstance(model.parent(call), cst.Assign) and _every_pass(model, call, loop)


def _every_pass(model: ModuleIndex, call: cst.Call, loop: cst.CSTNode) -> bool:
    """``call`` runs on every pass of ``loop``: a statement of its body (or of
    a ``with`` in it), under no branch, loop or handler."""
    for ancestor in model.ancestors(call):
        if ancestor is loop:
            return True
        if not isinstance(
            ancestor,
            (
                cst.Assign,
                cst.Expr,
                cst.SimpleStatementLine,
                cst.IndentedBlock,
                cst.With,
                cst.Arg,
                cst.Call,
            ),
        ):
            return False
    return False


def _returned_constructor(model: ModuleIndex, func: cst.FunctionDef) -> cst.Call | None:
    """The optimiser constructor a function's only statement returns."""
    body = func.body.body if isinstance(func.body, cst.IndentedBlock) else ()
    statements = [
        s
        for s in body
        if not (
            isinstance(s, cst.SimpleStatementLine)
            and isinstance(s.body[0], cst.Expr)
            and isinstance(s.body[0].value, cst.SimpleString)
        )
    ]
    if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine):
        return None
    (statement,) = statements[0].body
    value = statement.value if isinstance(statement, cst.Return) else None
    if isinstance(value, cst.Call) and loops(model).optimizer_info(value) is not None:
        return value
    return None


def stepped_by_callee(index: LoopIndex, loop: Loop, built: cst.Call, target: str | None) -> bool:
    """``self.opt``, built at ``built`` in ``loop``, is stepped by a same-file
    method that a later statement of the loop's body calls on every pass
    (``self.all_batches(self.train_dl)``, which runs ``self.one_batch`` per
    batch), in one loop of that method or of one it calls (three calls deep).
    Stepped inside two loops (``self.finetune_model(epochs)``: an epoch loop
    over a batch loop), the callee runs whole epochs: ``loop`` counts rounds
    of them (KD_Lib's iterative pruning), and a fresh optimiser per round is
    a choice. A plain name (or the constructor itself, given inline) handed
    to a same-file function called so is followed to the parameter it fills
    (``train_model(model, data, loss_fn, optimizer)``)."""
    if target is None or not target.startswith("self."):
        return _stepped_through_argument(index, loop, built, target)
    model = index.model
    cls = model.enclosing(built, cst.ClassDef)
    memo = memo_of(model)
    for call in calls_in(loop.node.body, memo):
        if call is built or model.line_of(call) < model.line_of(built):
            continue
        if not _every_pass(model, call, loop.node):
            continue
        func = index.resolve_function(call)
        if func is not None and model.enclosing(func, cst.ClassDef) is cls:
            if _loops_to_step(index, func, target, looped=0, depth=0) == 1:
                return True
    return False


def _stepped_through_argument(
    index: LoopIndex, loop: Loop, built: cst.Call, target: str | None
) -> bool:
    """The optimiser built at ``built`` (bound to ``target``, or None: an
    argument itself) is an argument of a same-file function called on every
    pass of ``loop``, which steps the parameter it fills inside one loop."""
    model = index.model
    memo = memo_of(model)
    arg = model.parent(built)
    holder = model.parent(arg) if arg is not None else None  # ``train(..., opt=Adam(...))``
    for call in calls_in(loop.node.body, memo):
        if call is built:
            continue
        if target is None and call is not holder:
            continue
        if target is not None and model.line_of(call) < model.line_of(built):
            continue
        if not _every_pass(model, call, loop.node):
            continue
        func = index.resolve_function(call)
        if func is None or isinstance(call.func, cst.Attribute):
            continue
        bound = arguments_by_param(call, filled_positionally(func, call)) or {}
        for param, arg in bound.items():
            value = arg.value
            if value is built or (
                target is not None and isinstance(value, cst.Name) and value.value == target
            ):
                if _loops_to_step(index, func, param, looped=0, depth=0) == 1:
                    return True
    return False


def _loops_to_step(
    index: LoopIndex, func: cst.FunctionDef, target: str, looped: int, depth: int
) -> int | None:
    """The fewest loops around a ``target.step()`` that ``func`` makes (or a
    function it calls), ``looped`` of them around the call of ``func``; None
    when it makes none inside a loop."""
    model = index.model
    memo = memo_of(model)
    found: list[int] = []
    for event in index.events:
        if event.kind != "step" or event.receiver != target:
            continue
        if model.enclosing(event.node, cst.FunctionDef) is func:
            around = looped + len(index.loops_around(event.node))
            if around:
                found.append(around)
    if depth < 3:
        for call in calls_in(func, memo):
            callee = index.resolve_function(call)
            if callee is None or callee is func:
                continue
            inner = _loops_to_step(
                index, callee, target, looped + len(index.loops_around(call)), depth + 1
            )
            if inner is not None:
                found.append(inner)
    return min(found) if found else None


#: comparisons whose truth, for a counter compared with a fixed bound, changes
#: at one pass at most (``epoch >= freeze_epochs``; not ``epoch % 2 == 0``)
_MILESTONE_TESTS = (
    cst.LessThan,
    cst.LessThanEqual,
    cst.GreaterThan,
    cst.GreaterThanEqual,
    cst.Equal,
    cst.NotEqual,
)

#: same-file helpers followed when a counter is handed on
_MILESTONE_DEPTH = 2


def changes_only_at_milestones(model: ModuleIndex, params: cst.CSTNode, counters: set[str]) -> bool:
    """``params`` reads the epoch counter(s) ``counters`` at most once, as one side
    of a comparison with a bound that does not read them (``frontend if epoch
    >= k else head``), directly or in a same-file function (or a method of
    the same class) it is handed to (``param_groups(model, epoch)`` appending
    a group ``if epoch >= args.freeze_epochs``): what it gives is the same on
    every pass but one milestone. An optimiser built over it on every pass is
    then reset on passes where nothing changed, not rebuilt for a new set of
    parameters. Silent for a counter read otherwise (gradual unfreezing,
    ``model.layers[-(epoch + 1):]``), or compared more than once (``stage ==
    0`` ... ``stage == 1``: a new set on every pass), or a loop over stages,
    cycles, folds or runs by its name."""
    if any(_PER_RUN.search(name.lower()) for name in counters):
        return False
    tests = _milestone_tests(model, params, counters, 0)
    return tests is not None and tests <= 1  # 0: handed to a helper that ignores it


def _milestone_tests(
    model: ModuleIndex, node: cst.CSTNode, counters: set[str], depth: int
) -> int | None:
    """How many comparisons with a fixed bound read ``counters`` under
    ``node`` (through the same-file functions they are handed to); None when
    one is read otherwise."""
    reads = [
        n
        for n in nodes_in(node, cst.Name)
        if cast("cst.Name", n).value in counters and _is_read(model, n)
    ]
    index = loops(model)
    count = 0
    for name in reads:
        parent = model.parent(name)
        if isinstance(parent, cst.ComparisonTarget):
            parent = model.parent(parent)
        if isinstance(parent, cst.Comparison):
            if not _fixed_comparison(parent, name, counters):  # type: ignore[arg-type]
                return None
            count += 1
            continue
        if not isinstance(parent, cst.Arg):
            return None
        call = model.parent(parent)
        if not isinstance(call, cst.Call) or depth >= _MILESTONE_DEPTH or has_star_args(call):
            return None
        func = index.resolve_function(call)
        handed = _parameter_for(call, func, parent) if func is not None else None
        if func is None or handed is None:
            return None
        inner = _milestone_tests(model, func.body, {handed}, depth + 1)
        if inner is None:
            return None
        count += inner
    return count


def _is_read(model: ModuleIndex, name: cst.CSTNode) -> bool:
    """A ``Name`` that reads a variable: not an attribute's name
    (``args.epoch``), a keyword (``f(epoch=...)``) or a parameter."""
    parent = model.parent(name)
    if isinstance(parent, cst.Attribute) and parent.attr is name:
        return False
    if isinstance(parent, cst.Arg) and parent.keyword is name:
        return False
    return not isinstance(parent, cst.Param)


def _fixed_comparison(test: cst.Comparison, name: cst.Name, counters: set[str]) -> bool:
    """``name <op> bound`` (or ``bound <op> name``): one ordering or equality
    operator, the bound reading no counter."""
    if len(test.comparisons) != 1:
        return False
    (target,) = test.comparisons
    if not isinstance(target.operator, _MILESTONE_TESTS):
        return False
    sides = (test.left, target.comparator)
    if name not in sides:
        return False
    other = sides[1] if sides[0] is name else sides[0]
    return not any(cast("cst.Name", n).value in counters for n in nodes_in(other, cst.Name))


def _parameter_for(call: cst.Call, func: cst.FunctionDef, arg: cst.Arg) -> str | None:
    """The parameter of ``func`` that ``arg`` of ``call`` binds."""
    bound = arguments_by_param(call, filled_positionally(func, call)) or {}
    names = param_names(func.params)
    return next((name for name, a in bound.items() if a is arg and name in names), None)


@dataclass(frozen=True)
class EpochCallBuild:
    """An optimiser a function builds on every call, before the one batch
    loop that steps it, and a call of that function on every pass of an epoch
    loop: one optimiser per epoch."""

    #: the constructor, in the called function
    ctor: cst.Call
    #: the call in the epoch loop
    call: cst.Call
    #: the epoch loop around the call
    loop: cst.For | cst.While
    #: what the optimiser is built over, in the caller's terms
    params: cst.BaseExpression


#: a loop target saying each pass is a run of its own (a new optimiser per
#: fold, trial or seed is right)
_PER_RUN = re.compile(
    r"fold|trial|run|seed|repeat|experiment|split|config|cfg|stage|cycle|task|context|domain"
)


def optimizers_built_per_epoch_call(model: ModuleIndex) -> Iterator[EpochCallBuild]:
    """Optimisers built by a same-file function (``train_model(model, it,
    epoch)``) that an epoch loop (``for epoch in range(n)``, ``while``) calls
    on every pass: the function builds it unconditionally (not ``if opt is
    None``), over no model of its own making, then steps it in a batch loop
    that is its only loop level (a function running every epoch itself is
    called once per fold or trial); not when the loop hands it a model it
    builds or picks on that pass (a run of its own)."""
    index = loops(model)
    built = _built_per_call(model, index)
    if not built:
        return
    for site in model.calls:
        call = site.node
        if site.qualname is not None:
            continue
        func = index.resolve_function(call)
        if func is None or func not in built:
            continue
        loop = _epoch_loop_around(model, index, call)
        if loop is None or _hands_a_picked_item(model, call, loop):
            continue
        for ctor in built[func]:
            params = _params_at_call(call, func, argument(ctor, 0, "params"))
            if params is None or _fresh_or_picked(model, params, loop):
                continue
            if reads_renewed(model, params, loop.body):
                continue  # a model built on every pass: a restart per run
            yield EpochCallBuild(ctor, call, loop, params)


def _built_per_call(model: ModuleIndex, index: LoopIndex) -> dict[cst.FunctionDef, list[cst.Call]]:
    """The optimisers each function builds on every call and steps in its one
    batch loop (``_built_for_one_epoch``)."""
    built: dict[cst.FunctionDef, list[cst.Call]] = {}
    for event in index.events:
        if event.kind != "optim_ctor" or event.origin is not None or event.far:
            continue
        ctor = event.node
        func = model.enclosing(ctor, cst.FunctionDef, cst.Lambda, cst.ClassDef)
        if isinstance(ctor, cst.Call) and isinstance(func, cst.FunctionDef):
            if _built_for_one_epoch(model, index, func, ctor):
                built.setdefault(func, []).append(ctor)
    return built


def optimizers_built_per_caller_epoch(
    model: ModuleIndex,
) -> Iterator[tuple[cst.Call, cst.FunctionDef, str]]:
    """Optimisers a top-level function here builds on every call (as for
    ``optimizers_built_per_epoch_call``) when another project module calls the
    function on every pass of an epoch loop (``CallRecord.epoch_pass_at``):
    the constructor, the function, and where that loop's call is."""
    index = loops(model)
    kinds = kinds_of(model)
    for func, ctors in _built_per_call(model, index).items():
        if model.parent(func) is not model.module:
            continue
        at = next(
            (
                r.epoch_pass_at
                for r in kinds.calls_from_other_files(func)
                if r.epoch_pass_at and not r.opaque
            ),
            "",
        )
        if at:
            for ctor in ctors:
                yield ctor, func, at


def runs_every_epoch_pass(model: ModuleIndex, call: cst.Call) -> bool:
    """``call`` runs on every pass of an epoch loop (``for epoch in
    range(n): train_vae(epoch, vae, loader)``), handed nothing built, picked
    or renewed on that pass: a function of another module building its own
    optimiser there builds one per epoch (the callee's LF311)."""
    holder = model.enclosing(call, cst.For, cst.While, cst.FunctionDef, cst.ClassDef)
    if not isinstance(holder, (cst.For, cst.While)):
        return False  # (cheap: most calls are in no loop)
    loop = _epoch_loop_around(model, loops(model), call)
    if loop is None or has_star_args(call) or _hands_a_picked_item(model, call, loop):
        return False
    counters = (
        {cast("cst.Name", n).value for n in nodes_in(loop.target, cst.Name)}
        if isinstance(loop, cst.For)
        else set()
    )
    return not any(
        not (isinstance(arg.value, cst.Name) and arg.value.value in counters)  # the epoch number
        and (
            _fresh_or_picked(model, cst.Tuple([cst.Element(arg.value)]), loop)
            or reads_renewed(model, arg.value, loop.body)
        )
        for arg in call.args
    )


def _hands_a_picked_item(model: ModuleIndex, call: cst.Call, loop: cst.For | cst.While) -> bool:
    """``train(model, train_datasets[context_id])``: the call is handed the
    item of a collection the loop's counter picks, a data set of its own on
    every pass (a task of continual learning, GMvandeVen's tutorial), whose
    run builds its own optimiser."""
    if not isinstance(loop, cst.For):
        return False
    counters = {cast("cst.Name", n).value for n in nodes_in(loop.target, cst.Name)}
    for arg in call.args:
        value = arg.value
        if isinstance(value, cst.Subscript) and any(
            cast("cst.Name", n).value in counters
            for element in value.slice
            for n in nodes_in(element, cst.Name)
        ):
            return True
    return False


def _built_for_one_epoch(
    model: ModuleIndex, index: LoopIndex, func: cst.FunctionDef, ctor: cst.Call
) -> bool:
    """``optim = Adam(...)`` as a statement of ``func``'s body (under no
    branch), over parameters of no model ``func`` assigns, stepped after it in
    a training iteration of ``func`` that no other loop of ``func`` holds."""
    parent = model.parent(ctor)
    if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
        return False
    target = dotted_text(parent.targets[0].target)
    if target is None or not _every_pass(model, ctor, func):
        return False
    params = argument(ctor, 0, "params")
    if params is None or reads_renewed(model, params, func.body, owners=True):
        return False  # a model built in the function: a restart per call
    line = model.line_of(ctor)
    for loop in index.loops:
        if (
            loop.parent is None
            and loop.is_iteration
            and model.enclosing(loop.node, cst.FunctionDef, cst.Lambda, cst.ClassDef) is func
            and any(s.event.receiver == target for s in loop.of("step"))
            and model.line_of(loop.node) > line
        ):
            return True
    return False


def reads_renewed(
    model: ModuleIndex,
    params: cst.BaseExpression,
    body: cst.CSTNode,
    *,
    owners: bool = False,
    counters: frozenset[str] = frozenset(),
) -> bool:
    """``params`` reads a name or a dotted attribute that ``body`` assigns (a
    model built there, ``model = Net()``, ``self.model = Net()``: a restart,
    not a reset); ``owners``: also the owner of an assigned attribute
    (``model.head = nn.Linear(...)``). An assignment made only at a milestone
    of the epoch counters ``counters`` (``if epoch == unfreeze_at: p.requires_grad
    = True``) renews nothing on the other passes."""
    assigned = {
        text
        for target in nodes_in(body, cst.AssignTarget, memo=memo_of(model))
        if (text := dotted_text(target.target)) is not None  # type: ignore[attr-defined]
        and not (counters and _at_a_milestone(model, target, body, counters))
    }
    assigned |= _restarted(model, body, counters, depth=2)
    assigned |= _submodules_replaced(model, body, counters, depth=1)
    if owners:
        assigned |= {t.split(".")[0] for t in assigned if not t.startswith("self.")}
    read = {n.value for n in nodes_in(params, cst.Name)}  # type: ignore[attr-defined]
    read.discard("self")
    read |= {
        text
        for attribute in nodes_in(params, cst.Attribute)
        if (text := dotted_text(attribute)) is not None  # type: ignore[arg-type]
    }
    return bool(read & assigned)


#: methods that start a model afresh
_RESTARTS = frozenset({"reset_parameters", "load_state_dict"})


def _restarted(
    model: ModuleIndex, body: cst.CSTNode, counters: frozenset[str], *, depth: int
) -> set[str]:
    """What ``body`` starts afresh: ``model.reset_parameters()``,
    ``model.load_state_dict(init)``, ``model.apply(init_weights)`` (ogb's one
    run per pass of ``for run in range(runs)``), also inside a method of the
    same class it calls (``self.uniform_init_weight()``, whose ``self.ranker``
    is the caller's), ``depth`` calls deep."""
    restarted: set[str] = set()
    for node in nodes_in(body, cst.Call, memo=memo_of(model)):
        call = cast("cst.Call", node)
        if counters and _at_a_milestone(model, call, body, counters):
            continue
        func = call.func
        if not isinstance(func, cst.Attribute):
            continue
        if func.attr.value in _RESTARTS or (
            func.attr.value == "apply" and _initialises(model, call)
        ):
            owner = dotted_text(func.value)
            if owner is not None:
                restarted.add(owner)
                restarted |= _walked(model, call, owner)
        elif depth > 0 and isinstance(func.value, cst.Name) and func.value.value == "self":
            method = loops(model).resolve_function(call)
            if method is not None:
                inner = _restarted(model, method.body, frozenset(), depth=depth - 1)
                restarted |= {o for o in inner if o.startswith("self.")}
    return restarted


def _submodules_replaced(
    model: ModuleIndex, body: cst.CSTNode, counters: frozenset[str], *, depth: int
) -> set[str]:
    """The owners of a submodule ``body`` replaces by a new module
    (``model.head = nn.Linear(16, num_clusters)``: new parameters, so an
    optimiser built after it over the owner's parameters is built for them,
    as for a model built afresh), also in a same-file function it calls with
    the owner as an argument (``run_clustering(model, x)``), ``depth`` calls
    deep. Transfer-Learning-Library's cluster-based re-identification, audit
    s155."""
    kinds = kinds_of(model)
    memo = memo_of(model)
    found: set[str] = set()
    for node in nodes_in(body, cst.Assign, memo=memo):
        assign = cast("cst.Assign", node)
        if counters and _at_a_milestone(model, assign, body, counters):
            continue
        if not _new_module(model, kinds.value_of(assign.value)):
            continue
        for target in assign.targets:
            if isinstance(target.target, cst.Attribute):
                owner = dotted_text(target.target.value)
                if owner is not None:
                    found |= _walked(model, assign, owner) or {owner}
    if depth <= 0:
        return found
    index = loops(model)
    for node in nodes_in(body, cst.Call, memo=memo):
        call = cast("cst.Call", node)
        func = index.resolve_function(call)
        if func is None or (counters and _at_a_milestone(model, call, body, counters)):
            continue
        inner = _submodules_replaced(model, func.body, frozenset(), depth=depth - 1)
        if not inner:
            continue
        is_method = isinstance(call.func, cst.Attribute) and dotted_text(call.func.value) == "self"
        found |= {o for o in inner if is_method and o.startswith("self.")}
        for arg in call.args:
            param = _parameter_for(call, func, arg)
            given = dotted_text(arg.value)
            if param is None or given is None:
                continue
            # ``model_1.module.head = ...`` of the parameter ``model_1``
            found |= {given + o[len(param) :] for o in inner if o.split(".")[0] == param}
    return found


def _new_module(model: ModuleIndex, value: object) -> bool:
    """A layer, a ``Sequential`` or an instance of a torch module class."""
    if isinstance(value, (Layer, Sequential)):
        return True
    return isinstance(value, Instance) and is_torch_module(model, value.cls)


def _initialises(model: ModuleIndex, call: cst.Call) -> bool:
    """``model.apply(init_weights)``: the function applied initialises weights
    (a same-file function calling ``nn.init`` or ``reset_parameters``; one
    from elsewhere by its name), a restart of the same model in place."""
    fn = argument(call, 0, "fn")
    if fn is None:
        return False
    value = kinds_of(model).value_of(fn)
    if isinstance(value, FunctionRef):
        for inner in calls_in(value.func):
            name = model.qualname(inner.func) or ""
            attr = inner.func.attr.value if isinstance(inner.func, cst.Attribute) else ""
            if name.startswith("torch.nn.init.") or attr == "reset_parameters":
                return True
        return False
    text = (dotted_text(fn) or "").rsplit(".", 1)[-1].lower()
    return "init" in text or "reset" in text


def _walked(model: ModuleIndex, node: cst.CSTNode, owner: str) -> set[str]:
    """What a loop around ``node`` walks when ``owner`` is its target or
    rooted in it: ``model`` of ``for m in model.modules(): m.reset_parameters()``
    (or of ``for m in model:``), each of ``for m in (model_1, model_2): m.head =
    ...`` with the rest of the owner's path; nothing when no loop binds it."""
    root = owner.split(".")[0]
    rest = owner[len(root) :]
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return set()
        if isinstance(ancestor, cst.For) and dotted_text(ancestor.target) == root:
            walked = ancestor.iter
            if isinstance(walked, (cst.Tuple, cst.List)):
                return {t + rest for e in walked.elements if (t := dotted_text(e.value))}
            if rest:
                return set()
            if (
                isinstance(walked, cst.Call)
                and isinstance(walked.func, cst.Attribute)
                and walked.func.attr.value in ("modules", "children")
            ):
                walked = walked.func.value
            text = dotted_text(walked)
            return {text} if text is not None else set()
    return set()


def _at_a_milestone(
    model: ModuleIndex, node: cst.CSTNode, body: cst.CSTNode, counters: frozenset[str]
) -> bool:
    """``node`` runs under an ``if`` of ``body`` that tests the epoch counter
    against a fixed bound (``if epoch == args.unfreeze_at:``)."""
    for ancestor in model.ancestors(node):
        if ancestor is body:
            return False
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if isinstance(ancestor, cst.If) and changes_only_at_milestones(
            model, ancestor.test, set(counters)
        ):
            return _milestone_tests(model, ancestor.test, set(counters), 0) == 1
    return False


def _fresh_or_picked(
    model: ModuleIndex, params: cst.BaseExpression, loop: cst.For | cst.While
) -> bool:
    """What the epoch loop hands the function is new or different on each
    pass: a model built in the call (``train_one_epoch(Net(), it)``,
    ``deepcopy(model)``) or picked by the loop's target (``nets[epoch]``)."""
    items = params.elements if isinstance(params, cst.Tuple) else ()
    for item in items:
        value = item.value
        if isinstance(value, cst.Call) and (
            isinstance(value.func, cst.Name) or model.qualname(value.func) is not None
        ):
            return True
    if isinstance(loop, cst.For):
        targets = {n.value for n in nodes_in(loop.target, cst.Name)}  # type: ignore[attr-defined]
        return any(n.value in targets for n in nodes_in(params, cst.Name))  # type: ignore[attr-defined]
    return False


def _epoch_loop_around(
    model: ModuleIndex, index: LoopIndex, call: cst.Call
) -> cst.For | cst.While | None:
    """The innermost loop around ``call`` in its function, when it repeats
    (``range``, ``while``: not a loop over data, folds or trials) and runs
    ``call`` on every pass."""
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, (cst.For, cst.While)):
            loop = index.loop_of_node(ancestor) or Loop(ancestor)
            if not index.counts_passes(loop) or not _every_pass(model, call, ancestor):
                return None
            targets = nodes_in(ancestor.target, cst.Name) if isinstance(ancestor, cst.For) else []
            if any(_PER_RUN.search(cast("cst.Name", n).value.lower()) for n in targets):
                return None
            return ancestor
    return None
