"""Gradient events of same-file functions, seen from the loop that calls them.

A loop body that calls ``train_step(model, opt, x, y)`` or
``self.train_step(x, y)`` zeroes, back-propagates, clips and steps as if the
callee's body were written there: the loop index (``loops.py``) adds the
callee's events as events of the call, in the callee's order, so the LF3xx
order rules and "is this a training loop" see them (the same-file twin of
``project/events.py``, which does it for another module's functions).

Receivers are renamed into the caller's terms: a parameter becomes the
argument passed (``self`` the receiver of the call), any other name stays
the callee's own (``train_step:opt``). Only a callee whose gradient events
all run once on every call is inlined -- one with such an event under an
``if``, in a loop or in a nested function might not run it, and guessing
would make rules fire on correct code (a clip or a scheduler step under an
``if`` is left out, the rest inlined) -- and only one level deep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

import libcst as cst

from lossflint.analysis.calls import has_star_args, positional
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import descendants

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


class _Event(Protocol):
    """What is read of ``loops.Event`` (which imports this module)."""

    @property
    def kind(self) -> str: ...

    @property
    def node(self) -> cst.CSTNode: ...

    @property
    def receiver(self) -> str | None: ...

    @property
    def manual(self) -> bool: ...


_E = TypeVar("_E", bound=_Event)

#: the events whose order the loop rules compare (eval/train mode and optimiser
#: construction have rules of their own that follow calls)
INLINED = frozenset({"zero_grad", "backward", "unscale", "clip", "step", "sched_step", "grad_set"})

#: events a callee may skip under a condition (a configured clip, a scheduler
#: stepped every n iterations) and still be inlined without them: no rule fires
#: because one of them is missing
OPTIONAL_EVENTS = frozenset({"clip", "sched_step", "grad_set"})
#: optional events inlined even under the callee's ``if``: every rule that reads
#: a clip judges what happens when it runs (``if self.max_grad_norm: clip(...)``
#: after ``step()``, or on scaled gradients, is wrong whenever it is configured);
#: a scheduler step is kept out, its rules count how often it runs. Gradients
#: written by hand (``for p, g in zip(params, grads): p.grad = g``) only ever
#: excuse a step before ``backward()`` or a missing ``zero_grad()``
GUARDED_KEPT = frozenset({"clip", "grad_set"})
_BRANCHES = (
    cst.If,
    cst.IfExp,
    cst.BooleanOperation,
    cst.MatchCase,
    cst.Try,
    cst.TryStar,
    cst.With,
    cst.For,
    cst.While,
    cst.ListComp,
    cst.SetComp,
    cst.GeneratorExp,
    cst.DictComp,
    cst.FunctionDef,
    cst.Lambda,
)


def callee_events(
    model: ModuleIndex, events: Sequence[_E], call: cst.Call, func: cst.FunctionDef
) -> list[tuple[_E, str | None]] | None:
    """The gradient events ``func`` performs when ``call`` runs it, in order,
    each with its receiver in the caller's terms (empty when there are none,
    None when they are not sure to run)."""
    own = [e for e in events if e.kind in INLINED and _owner(model, e.node) is func]
    if not own:
        return []
    if any(a is func for a in model.ancestors(call)):
        return None  # recursion
    guarded = [e for e in own if _guarded(model, e, func)]
    if any(e.kind not in OPTIONAL_EVENTS for e in guarded):
        return None
    # ``if self.grad_clip: clip_grad_norm_(...)``: the rest still runs on every
    # call; leaving out an optional event can only silence an order rule
    own = [e for e in own if e not in guarded or e.kind in GUARDED_KEPT]
    names = _argument_names(call, func)
    return [(e, _rename(e.receiver, names, func)) for e in own]


def _owner(model: ModuleIndex, node: cst.CSTNode) -> cst.CSTNode | None:
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return ancestor
    return None


def _guarded(model: ModuleIndex, event: _Event, func: cst.FunctionDef) -> bool:
    """Whether something between ``func``'s body and the event may skip or
    repeat it (``with`` counts too: ``torch.no_grad()``, ``autocast``). A step
    written by hand (``for p in params: p -= lr * p.grad`` under ``no_grad``)
    and the clearing beside it (``p.grad.zero_()``) are one step over every
    parameter, however the loop and the ``with`` around them are written."""
    per_tensor = event.manual or (event.kind == "zero_grad" and event.receiver is None)
    for ancestor in model.ancestors(event.node):
        if ancestor is func:
            return False
        if per_tensor and isinstance(ancestor, cst.With):
            continue
        if per_tensor and isinstance(ancestor, cst.For) and _acts_on_target(event.node, ancestor):
            continue
        if isinstance(ancestor, cst.If) and tests_existence(ancestor, event.receiver):
            continue
        if isinstance(ancestor, _BRANCHES):
            return True
    return True


def tests_existence(branch: cst.If, receiver: str | None) -> bool:
    """``if self.scheduler:`` / ``if self.scheduler is not None:`` (no
    ``else``) around ``self.scheduler.step()``: whenever there is one, it
    steps (UNIT's ``update_learning_rate``, audit s160)."""
    if receiver is None or branch.orelse is not None:
        return False
    test = branch.test
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if not isinstance(target.operator, cst.IsNot) or dotted_text(target.comparator) != "None":
            return False
        test = test.left
    return dotted_text(test) == receiver


def _acts_on_target(node: cst.CSTNode, loop: cst.For) -> bool:
    """``node`` reads the loop's target name (``p.grad.zero_()`` in ``for p in ...``)."""
    if not isinstance(loop.target, cst.Name):
        return False
    name = loop.target.value
    return any(isinstance(n, cst.Name) and n.value == name for n in descendants(node))


def _argument_names(call: cst.Call, func: cst.FunctionDef) -> dict[str, str | None]:
    """Parameter name → the caller's text for the argument passed."""
    params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
    args: list[str | None] = [_dotted(a.value) for a in positional(call)]
    if params[:1] == ["self"] or params[:1] == ["cls"]:
        receiver = _dotted(call.func.value) if isinstance(call.func, cst.Attribute) else None
        args = [receiver, *args]
    names: dict[str, str | None] = dict.fromkeys(params)
    if has_star_args(call):
        args = args[:1] if params[:1] in (["self"], ["cls"]) else []  # `f(*batch, opt)`: unknown
    for param, passed in zip(params, args, strict=False):
        names[param] = passed
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            names[arg.keyword.value] = _dotted(arg.value)
    return names


def _rename(
    receiver: str | None, names: dict[str, str | None], func: cst.FunctionDef
) -> str | None:
    if receiver is None:
        return None
    head, _, rest = receiver.partition(".")
    if head in names:
        passed = names[head]
        if passed is None:
            return None  # an expression or a default: not a name the caller has
        return f"{passed}.{rest}" if rest else passed
    return f"{func.name.value}:{receiver}"


def _dotted(expr: cst.BaseExpression) -> str | None:
    return dotted_text(expr)
