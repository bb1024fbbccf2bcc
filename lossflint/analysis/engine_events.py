"""Handlers an ignite engine runs before its first iteration.

``@trainer.on(Events.EPOCH_STARTED)`` (or ``Events.STARTED``, or
``trainer.add_event_handler(Events.EPOCH_STARTED, handler)``) runs the handler
at the start of each epoch, before the engine's process function runs for the
epoch's first batch. A scheduler stepped there is stepped before the
optimiser of that epoch (LF310), the ignite form of a scheduler stepped at the
top of an epoch loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.loops import Event, loops
from lossflint.analysis.walk import own_returns

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: statements between a handler's ``def`` and its scheduler step that make the
#: step conditional
_CONDITIONAL = (cst.If, cst.For, cst.While, cst.Try, cst.Match, cst.FunctionDef, cst.Lambda)


@dataclass(frozen=True)
class EarlyStep:
    """A scheduler step a handler makes before the engine's first iteration."""

    sched: Event
    handler: cst.FunctionDef
    event: str  # ``EPOCH_STARTED`` / ``STARTED``
    #: the optimiser step of the engine's process function (None: ignite's
    #: own supervised trainer, which steps every iteration)
    step: Event | None


def early_scheduler_steps(model: ModuleIndex) -> list[EarlyStep]:
    """Each unconditional ``scheduler.step()`` of a handler registered on an
    early event of an engine whose process function steps an optimiser."""
    if not any(model.calls_to(*apis.IGNITE_ENGINES, *apis.IGNITE_SUPERVISED_TRAINERS)):
        return []
    index = loops(model)
    found: list[EarlyStep] = []
    for handler, engine, event in _registrations(model):
        process = _process_of(model, engine)
        if process is None:
            continue
        step: Event | None = None
        if process != SUPERVISED:
            steps = [e for e in index.events_of(process) if e.kind == "step" and not e.far]
            if not steps:
                continue
            step = steps[0]
        for sched in index.events:
            if (
                sched.kind == "sched_step"
                and not sched.closure
                and _unconditional_in(model, sched.node, handler)
            ):
                found.append(EarlyStep(sched, handler, event, step))
    return found


#: the process function of ignite's ``create_supervised_trainer`` (it steps
#: the optimiser every iteration)
SUPERVISED: Literal["supervised"] = "supervised"
Process = cst.FunctionDef | Literal["supervised"]


def _registrations(model: ModuleIndex) -> list[tuple[cst.FunctionDef, cst.Name, str]]:
    """(handler, the engine's name, the event) of ``@engine.on(Events.X)``
    decorators and ``engine.add_event_handler(Events.X, handler)`` calls."""
    found: list[tuple[cst.FunctionDef, cst.Name, str]] = []
    for func in model.nodes_of_type(cst.FunctionDef):
        assert isinstance(func, cst.FunctionDef)
        for decorator in func.decorators:
            call = decorator.decorator
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "on"
                and isinstance(call.func.value, cst.Name)
                and len(call.args) == 1
            ):
                event = _early_event(model, call.args[0])
                if event is not None:
                    found.append((func, call.func.value, event))
    for site in model.method_calls("add_event_handler"):
        call = site.node
        func = call.func
        if len(call.args) != 2 or not isinstance(func, cst.Attribute):
            continue
        if not isinstance(func.value, cst.Name) or call.args[1].keyword is not None:
            continue
        event = _early_event(model, call.args[0])
        handler = model.defined_function(call.args[1].value)
        if event is not None and handler is not None:
            found.append((handler, func.value, event))
    return found


def _early_event(model: ModuleIndex, arg: cst.Arg) -> str | None:
    """``Events.EPOCH_STARTED`` as it is: every epoch, before its first batch
    (``Events.EPOCH_STARTED(every=2)`` first fires after an epoch has run)."""
    if arg.keyword is not None or arg.star:
        return None
    qualname = model.qualname(arg.value) if isinstance(arg.value, cst.Attribute) else None
    if qualname is None or qualname not in apis.IGNITE_EARLY_EVENTS:
        return None
    return qualname.rsplit(".", 1)[1]


def _process_of(model: ModuleIndex, engine: cst.Name) -> Process | None:
    """The process function of the engine ``engine`` names: bound once to
    ``Engine(update)``, to ignite's supervised trainer, or to a call of a
    same-file factory whose every return is ``Engine(update)``."""
    bindings = model.bindings(engine) or []
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    value = bindings[0].node
    if not isinstance(value, cst.Call):
        return None
    direct = _engine_process(model, value)
    if direct is not None:
        return direct
    factory = model.defined_function(value.func)
    if factory is None:
        return None
    processes: set[Process] = set()
    for node in own_returns(factory):
        if not isinstance(node.value, cst.Call):
            return None
        process = _engine_process(model, node.value)
        if process is None:
            return None
        processes.add(process)
    return processes.pop() if len(processes) == 1 else None


def _engine_process(model: ModuleIndex, call: cst.Call) -> Process | None:
    qualname = model.qualname(call.func)
    if qualname in apis.IGNITE_SUPERVISED_TRAINERS:
        return SUPERVISED
    if qualname not in apis.IGNITE_ENGINES or not call.args or call.args[0].keyword:
        return None
    return model.defined_function(call.args[0].value)


def _unconditional_in(model: ModuleIndex, node: cst.CSTNode, handler: cst.FunctionDef) -> bool:
    """``node`` runs every time ``handler`` does."""
    for ancestor in model.ancestors(node):
        if ancestor is handler:
            return True
        if isinstance(ancestor, _CONDITIONAL):
            return False
    return False
