"""An optimiser step a loop reaches through a function (of this file or
another module) that runs a batch loop of its own (``for epoch in ...: scheduler.step();
train_epoch(loader, model, optimizer)``): its events are not inlined at the
call (they may run any number of times), yet the call steps the optimiser
after what comes before it in the loop body (LF310)."""

from __future__ import annotations

import libcst as cst

from lossflint.analysis.calls import argument
from lossflint.analysis.index import ModuleIndex
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import Event, Loop, LoopEvent, LoopIndex
from lossflint.analysis.names import dotted_text
from lossflint.analysis.switches import is_switch
from lossflint.analysis.walk import calls_in, names_in
from lossflint.project.events import callee_events


def stepping_call_after(index: LoopIndex, loop: Loop, event: LoopEvent) -> cst.Call | None:
    """A call, in a statement of ``loop``'s own body after the one holding
    ``event``, of a same-file function that steps an optimiser and steps no
    scheduler itself. The call may sit in a branch (``if algo == BASELINE:
    baseline_loop(...)``): whichever pass first steps the optimiser, the
    scheduler stepped before it on that pass and every earlier one."""
    body = getattr(loop.node, "body", None)
    statements: list[cst.CSTNode] = list(body.body) if isinstance(body, cst.IndentedBlock) else []
    holding: cst.CSTNode | None = index.model.statement_of(event.node)
    # a step under a switch (``if args.sched == "step":``): the ``if`` is the
    # loop's statement
    while holding is not None and holding not in statements:
        holding = index.model.parent(holding)
        if holding is loop.node:
            return None
    if holding is None:
        return None
    wrapped = _wrapped_optimizer(index.model, event.event.receiver, event.node)
    lines = [
        line for stmt in statements[statements.index(holding) + 1 :] for line in _lines_of(stmt)
    ]
    for line in lines:
        for call in calls_in(line):
            func = index.resolve_function(call)
            if func is None:
                # a function of another module: the events its summary lists
                # (``trainer.train_one_epoch(...)``); an ``if`` around other
                # events of it (``if self.peer: self.peer.train()``) does not
                # make its unconditional step less sure
                far = callee_events(call, kinds_of(index.model).value_of) or []
                if (
                    any(e.kind == "step" and not e.conditional for e in far)
                    and not any(
                        e.kind == "sched_step"
                        and _may_be(call, e.receiver, event.event.receiver, index.model)
                        for e in far
                    )
                    and _hands(call, wrapped, index.model)
                ):
                    return call
                continue
            kinds = index.function_kinds(func)
            if "step" in kinds and "sched_step" not in kinds and _reaches(call, func, wrapped):
                return call
    return None


def _lines_of(stmt: cst.CSTNode) -> list[cst.CSTNode]:
    """The simple statements of ``stmt``, through the branches of an ``if``
    and the bodies of ``with``/``try`` (not of a nested loop: its passes are
    no longer this loop's)."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return [stmt]
    blocks: list[cst.CSTNode] = []
    if isinstance(stmt, (cst.If, cst.Else)):
        blocks.append(stmt.body)
        if isinstance(stmt, cst.If) and stmt.orelse is not None:
            blocks.append(stmt.orelse)
    elif isinstance(stmt, (cst.With, cst.Try, cst.Finally)):
        blocks.append(stmt.body)
    lines: list[cst.CSTNode] = []
    for block in blocks:
        if isinstance(block, (cst.If, cst.Else)):
            lines.extend(_lines_of(block))
        elif isinstance(block, cst.IndentedBlock):
            for inner in block.body:
                lines.extend(_lines_of(inner))
        elif isinstance(block, cst.SimpleStatementSuite):
            lines.append(block)  # ``if fast: train(...)`` on one line
    return lines


def _may_be(call: cst.Call, stepped: str | None, scheduler: str | None, model: ModuleIndex) -> bool:
    """The scheduler a callee steps (``trainer.warmup_scheduler``, in the
    caller's terms) may be ``scheduler``: unless it is an attribute of a
    holder built here without ``scheduler`` among its arguments."""
    if stepped is None or scheduler is None or "." not in stepped:
        return True
    root = stepped.split(".")[0]
    if root == scheduler.split(".")[0]:
        return True
    holder = call.func.value if isinstance(call.func, cst.Attribute) else None
    if not isinstance(holder, cst.Name) or holder.value != root:
        return True
    return _built_with(model, holder, scheduler.split(".")[0]) is not False


def _wrapped_optimizer(model: ModuleIndex, receiver: str | None, at: cst.CSTNode) -> str | None:
    """The optimiser a scheduler built in ``at``'s function wraps (``sched =
    StepLR(opt_d, ...)`` → "opt_d"), when it is a plain name."""
    if receiver is None:
        return None
    scope = model.enclosing(at, cst.FunctionDef)
    for site in model.calls:
        parent = model.parent(site.node)
        if (
            isinstance(parent, cst.Assign)
            and any(dotted_text(t.target) == receiver for t in parent.targets)
            and model.enclosing(site.node, cst.FunctionDef) is scope
        ):
            wrapped = argument(site.node, 0, "optimizer")
            return dotted_text(wrapped) if wrapped is not None else None
    return None


def _reaches(call: cst.Call, func: cst.FunctionDef, wrapped: str | None) -> bool:
    """The call hands the function the scheduler's optimiser (or the function
    reads it from an enclosing scope); unknown optimiser: assumed."""
    if wrapped is None:
        return True
    return _hands(call, wrapped) or bool(names_in(func, wrapped.split(".")[0]))


def _hands(call: cst.Call, wrapped: str | None, model: ModuleIndex | None = None) -> bool:
    """The call is given the scheduler's optimiser (or a holder of it:
    ``trainer``, named in the call or built from it, ``trainer =
    Trainer(model, optimizer)``); unknown optimiser: assumed."""
    if wrapped is None:
        return True
    root = wrapped.split(".")[0]
    if any(names_in(arg.value, root) for arg in call.args):
        return True
    if not isinstance(call.func, cst.Attribute):
        return False
    if names_in(call.func.value, root):
        return True
    holder = call.func.value
    if model is None or not isinstance(holder, cst.Name):
        return False
    return _built_with(model, holder, root) is True


def _built_with(model: ModuleIndex, holder: cst.Name, root: str) -> bool | None:
    """Whether the one construction ``holder`` is bound to (``trainer =
    Trainer(model, optimizer)``) is given ``root`` among its arguments; None
    when ``holder`` is not bound once to a call."""
    bindings = model.bindings(holder) or []
    if len(bindings) != 1 or not isinstance(bindings[0].node, cst.Call):
        return None
    return any(names_in(arg.value, root) for arg in bindings[0].node.args)


def scheduler_before_own_loop(index: LoopIndex) -> list[tuple[Event, cst.Call, Loop]]:
    """``def run_epoch(self): self.scheduler.step(); for batch in loader: ...
    self.optimizer.step()``: a function that steps a scheduler in its own
    body (not in a loop of it, not under an ``if``) before a loop of its own
    that trains and steps the optimiser the scheduler wraps (or an unknown
    one). Each call of the function, one per epoch, advances the schedule
    before the epoch's first optimiser step. (scheduler event, its call, the
    training loop)."""
    model = index.model
    found: list[tuple[Event, cst.Call, Loop]] = []
    for event in index.events:
        if event.kind != "sched_step" or event.origin is not None or event.closure:
            continue
        call = event.node
        func = model.enclosing(call, cst.FunctionDef)
        if not isinstance(func, cst.FunctionDef) or not isinstance(call, cst.Call):
            continue
        if any(func in model.ancestors(lp.node) for lp in index.enclosing_loops(call)):
            continue  # in a loop of the function: the loop rules read it
        body: list[cst.CSTNode] = (
            list(func.body.body) if isinstance(func.body, cst.IndentedBlock) else []
        )
        holding = model.statement_of(call)
        switch = _switch_around(model, holding, func)
        if switch is not None:
            holding = switch  # ``if self.enable_lr_schedule:``: on every call once on
        if holding not in body:
            continue  # under an ``if``/``with``: not on every call
        wrapped = _wrapped_optimizer(model, event.receiver, call)
        for stmt in body[body.index(holding) + 1 :]:
            loop = index.loop_of_node(stmt) if isinstance(stmt, (cst.For, cst.While)) else None
            if loop is None or not loop.is_training:
                continue
            steps = [
                s
                for s in loop.of("step")
                if not s.event.far and (wrapped is None or s.event.receiver == wrapped)
            ]
            if steps:
                found.append((event, call, loop))
                break
    return found


def _switch_around(
    model: ModuleIndex, stmt: cst.CSTNode | None, func: cst.FunctionDef
) -> cst.If | None:
    """The ``if <setting>:`` (no ``else``) whose body holds ``stmt`` directly."""
    block = model.parent(stmt) if stmt is not None else None
    test = model.parent(block) if block is not None else None
    if (
        isinstance(test, cst.If)
        and block is test.body
        and test.orelse is None
        and is_switch(model, test.test, func)
    ):
        return test
    return None
