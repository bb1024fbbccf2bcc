"""Training-loop events of functions in other project modules, as the caller
sees them.

A loop in ``train.py`` that calls ``trainer.train_step(x, y)`` or
``evaluate(model, loader)`` performs the events the callee's summary lists,
in that order, at that call: the loop index (``analysis/loops.py``) adds them
as events of the call, so the LF3xx rules order them as if the callee were
inlined. Receivers are renamed into the caller's terms: a parameter becomes
the argument passed (``evaluate(model, ...)``: the callee's ``net.eval()`` is
``model``'s), ``self.x`` in a method becomes ``<receiver>.x``
(``trainer.optimizer``), and a local of the callee gets a name of its own.

Only callees whose events all run on every call are inlined: an event under
an ``if`` in the callee (gradient accumulation) might not run, and guessing
would make rules fire on code that is right. A clip or a scheduler step under
an ``if`` (``if cfg.clip: clip_grad_norm_(...)``) is left out and the rest
inlined: no rule fires because one is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from lossflint.analysis.calls import has_star_args, positional
from lossflint.analysis.loop_callees import GUARDED_KEPT, INLINED, OPTIONAL_EVENTS
from lossflint.analysis.names import dotted_text, self_attribute
from lossflint.project import bridge
from lossflint.project.context import current
from lossflint.project.summary import EventSummary, FunctionSummary, SClass, SFunction, SInstance


@dataclass(frozen=True)
class InlinedEvent:
    kind: str
    receiver: str | None
    #: where the event is in the other module, for messages
    file: str
    line: int
    column: int = 0
    #: the function the call runs (``Trainer.train_step``): the event is in
    #: it, or in a function it calls
    where: str = ""
    #: the event runs in a loop of the callee (``train_one_epoch``'s batch loop)
    nested: bool = False
    #: under an ``if`` of the callee (listed by ``callee_events`` only)
    conditional: bool = False
    #: inside two loops of the callee: the call runs whole epochs (``fit``)
    deep: bool = False

    def describe(self) -> str:
        """``engine.py:15 in Trainer.train_step``"""
        return (
            f"{self.file}:{self.line} in {self.where}" if self.where else f"{self.file}:{self.line}"
        )


def callee_summary(
    call: cst.Call, value_of: object
) -> tuple[SFunction, FunctionSummary, str | None, bool] | None:
    """The project function a call runs (its summary), the receiver of the
    call when it is a method call on an instance (``trainer``), and whether
    it is one."""
    context = current()
    if context is None:
        return None
    func = call.func
    evaluate = value_of  # the kind analysis' ``value_of``
    ref = None
    receiver: str | None = None
    #: called on an instance: its ``self`` is not among the call's arguments
    bound = False
    if isinstance(func, cst.Attribute):
        own = evaluate(func.value)  # type: ignore[operator]
        base = getattr(own, "ref", None)
        if base is None and self_attribute(func) is not None:
            # ``self.standard_loss(x, y)`` inherited from another module's base class
            inherited = _inherited_method(getattr(own, "cls", None), func.attr.value, evaluate)
            if inherited is None:
                return None
            return (*inherited, "self", True)
        if base is not None:
            ref = bridge.attribute(base, func.attr.value, context)
            # ``Trainer.step(trainer)``: self is the first argument, no receiver
            receiver = None if isinstance(base, SClass) else dotted_text(func.value)
            bound = not isinstance(base, SClass)
    else:
        ref = getattr(evaluate(func), "ref", None)  # type: ignore[operator]
        if ref is not None:
            ref = context.resolve(ref)
        if isinstance(ref, SInstance):
            # ``model(x, y)`` of another module's class runs its ``forward``
            # (or ``__call__``/``call``): a forward that clears the gradients
            instance, ref = ref, None
            for method in bridge.CALL_METHODS:
                found = bridge.attribute(instance, method, context)
                if isinstance(found, SFunction):
                    ref, receiver, bound = found, dotted_text(func), True
                    break
    if not isinstance(ref, SFunction):
        return None
    summary = context.function_summary(ref)
    if summary is None:
        return None
    return ref, summary, receiver, bound


def _inherited_method(
    cls: object, method: str, value_of: object
) -> tuple[SFunction, FunctionSummary] | None:
    """``method`` of a same-file class that neither it nor its same-file bases
    define, from another project module's base class."""
    context = current()
    if context is None or not isinstance(cls, cst.ClassDef):
        return None
    todo, seen = [cls], set()
    while todo:
        klass = todo.pop(0)
        if id(klass) in seen:
            continue
        seen.add(id(klass))
        if any(
            isinstance(s, cst.FunctionDef) and s.name.value == method
            for s in getattr(klass.body, "body", ())
        ):
            return None  # a same-file method (the loop index follows it)
        for base in klass.bases:
            value = value_of(base.value)  # type: ignore[operator]
            ref = getattr(value, "ref", None)
            if isinstance(ref, SClass):
                found = context.method_of(ref, method)
                if found is not None:
                    return found
            elif isinstance(getattr(value, "cls", None), cst.ClassDef):
                todo.append(value.cls)  # type: ignore[union-attr]
    return None


#: the events whose presence a caller's rules count on: a conditional one
#: makes the callee's events unsure
_ORDERED = INLINED | {"eval", "train", "optim_ctor"}


def inlined_events(call: cst.Call, value_of: object) -> list[InlinedEvent] | None:
    """The events a call of a project function performs, in order, in the
    caller's terms; None when the call runs none that are sure."""
    found = callee_summary(call, value_of)
    if found is None:
        return None
    ref, summary, receiver, bound = found
    # a scheduler step under an ``if`` is left out and a clip kept (as for
    # same-file callees, ``loop_callees.py``); any other conditional event: not sure
    events = tuple(
        e
        for e in summary.events
        if not (e.conditional and e.kind in OPTIONAL_EVENTS - GUARDED_KEPT)
    )
    # a loss computed under an ``if`` (a "forward" event) orders nothing
    unsure = any(e.conditional and e.kind in _ORDERED - GUARDED_KEPT for e in events)
    # ``evaluate(*pair, model)``: which parameter each argument is, is unknown
    if not events or unsure or has_star_args(call):
        return None
    return _in_callers_terms(call, ref, summary, receiver, bound, events)


def callee_events(call: cst.Call, value_of: object) -> list[InlinedEvent] | None:
    """Every event a call of a project function of another module may
    perform, conditional ones included (flagged), in the caller's terms; None
    when the callee is unknown or its arguments cannot be matched."""
    found = callee_summary(call, value_of)
    if found is None or has_star_args(call):
        return None
    ref, summary, receiver, bound = found
    return _in_callers_terms(call, ref, summary, receiver, bound, summary.events)


def _in_callers_terms(
    call: cst.Call,
    ref: SFunction,
    summary: FunctionSummary,
    receiver: str | None,
    bound: bool,
    events: tuple[EventSummary, ...],
) -> list[InlinedEvent]:
    params = list(summary.params)
    is_method = "." in ref.name and params[:1] == ["self"]
    args = [dotted_text(a.value) for a in positional(call)]
    if is_method and bound:
        args = [receiver, *args]
    return [
        InlinedEvent(
            e.kind,
            _rename(e, params, args, receiver, ref),
            e.file or ref.file,
            e.line,
            e.column,
            ref.name,
            e.nested,
            e.conditional,
            e.deep,
        )
        for e in events
    ]


def inlined_event(call: cst.CSTNode, kind: str, nth: int, value_of: object) -> InlinedEvent | None:
    """The ``nth`` event of ``kind`` that ``call`` (a call of a project
    function of another module) runs, with its place there; None for anything
    else (an event written in this file)."""
    if not isinstance(call, cst.Call):
        return None
    found = [e for e in inlined_events(call, value_of) or () if e.kind == kind]
    return found[nth] if 0 <= nth < len(found) else None


def _rename(
    event: EventSummary,
    params: list[str],
    args: list[str | None],
    receiver: str | None,
    ref: SFunction,
) -> str | None:
    text = event.receiver
    if text is None:
        return None
    head, _, rest = text.partition(".")
    if head in params:
        if event.param is not None and event.param < 0:
            # a parameter the callee rebinds first (``model = deepcopy(model)``)
            # is not the caller's argument: its events stay the callee's own
            return f"{ref.file}:{ref.name}:{text}"
        index = params.index(head)
        if index < len(args) and args[index] is not None:
            return f"{args[index]}.{rest}" if rest else args[index]
        return None
    return f"{ref.file}:{ref.name}:{text}"
