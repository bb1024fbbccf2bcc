"""Training loops: iterations, their ordered events, and the optimisers they step.

Public API::

    from lossflint.analysis.loops import loops

    index = loops(model)          # LoopIndex, built once per file
    index.loops                   # every for/while loop (any depth, functions, methods,
                                  # module level) that contains a training event, source order
    index.loop_of(node)           # the innermost such Loop around ``node``
    index.events                  # every Event of the file (inside loops or not)
    index.role(expr)              # "optimizer" / "scheduler" / "scaler" / None
    index.optimizer_ctors         # OptimizerCtor for every torch/Keras optimiser built here
    index.training_steps          # Lightning ``training_step`` methods (no loop: never a
                                  # loop missing zero_grad)

    loop.events                   # LoopEvent: the Event, its ``chain`` of blocks between the
                                  # loop body and the event, ``conditional`` (under if/else/
                                  # match/except/ternary/and-or) and ``nested`` (in an inner loop)
    loop.of("step", ...)          # its events of these kinds, in source order
    loop.is_training              # contains a backward()
    loop.is_iteration             # contains backward() and step() and no inner loop does
    loop.callee_kinds             # event kinds reached through same-file functions it calls
    LoopIndex.comparable(a, b)    # both run in the same block, so source order is run order
    LoopIndex.always_before(a, b) # a's block holds b's and a comes first: a ran when b runs
    index.exclusive(a, b)         # different arms of one ``if``: never both in one pass
    index.phase_test(loop, e)     # ``if phase == 'train': e`` (the name constant in a pass)
    index.first_pass_takes(loop, t)  # ``for phase in ['train', 'val']``: the first pass takes t
    index.guarded_by(e, t)        # ``e`` under an ``if`` with the same test

    index.resolve_function(call)  # the same-file function/method a call runs, if known

Event kinds: ``zero_grad`` (``x.zero_grad()``, ``p.grad = None``, ``p.grad.zero_()``,
``p.grad.fill_(0)``,
paddle's ``clear_grad()``), ``grad_freeze`` (``p.grad = None`` over the
parameters of a part of a model: ``head.last_layer.parameters()``),
``forward`` (a loss call), ``backward`` (``loss.backward()``, ``scaler.scale(loss).backward()``,
``accelerator.backward(loss)``, ``self.manual_backward(loss)``, ``torch.autograd.backward``),
``unscale`` (``scaler.unscale_(opt)``), ``clip`` (``clip_grad_norm_``/``clip_grad_value_``),
``step`` (``opt.step()``, ``opt.step(closure)``, ``scaler.step(opt)``, a hand-written
``p.data -= lr * p.grad``: ``manual``), ``sched_step``,
``eval``, ``train``, ``optim_ctor``, ``grad_set`` (``p.grad = g``: gradients overwritten).

An event inside an ``if`` is conditional (gradient accumulation: ``if (i + 1) % k == 0:
step(); zero_grad()``): rules about order only compare events that are ``comparable``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.attribute_constants import only_self_write
from lossflint.analysis.calls import argument, literal_value, positional
from lossflint.analysis.item_scope import item_functions, only_item
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loop_callees import callee_events
from lossflint.analysis.manual_updates import manual_updates
from lossflint.analysis.names import dotted_text, self_attribute
from lossflint.analysis.plain_classes import plain_class
from lossflint.analysis.reaching import may_bind, reaching_assignment
from lossflint.analysis.scheduler_classes import project_scheduler_class
from lossflint.analysis.values import ClassRef, Foreign, FunctionRef, Instance
from lossflint.project import bridge
from lossflint.project.context import current as project_context
from lossflint.project.events import inlined_events

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: receivers of ``x.backward(loss)`` that run the backward of their argument
#: how many calls deep a same-file callee's events are inlined at its call
_INLINED_DEPTH = 2
_DELEGATING_BACKWARD = re.compile(r"accelerator|engine|fabric|trainer|deepspeed|strategy|^self$")


@dataclass(frozen=True)
class OptimizerCtor:
    call: cst.Call
    framework: str  # "torch" / "keras"
    name: str  # class name: "Adam"
    family: str  # "adaptive" / "sgd" / "unbounded" / "other"


@dataclass(eq=False)
class Event:
    kind: str
    node: cst.CSTNode  # the call (or the `p.grad = None` assignment)
    #: the object acted on: the optimizer key for steps/zero_grad, the model for eval/train
    receiver: str | None = None
    #: the loss expression for backward events
    loss: cst.BaseExpression | None = None
    #: ``opt.step(closure)``; for backward: through ``scaler.scale(loss)``
    closure: bool = False
    scaled: bool = False
    #: clipping done by a trainer object (accelerate/Lightning), which unscales itself
    managed: bool = False
    order: float = 0
    #: an event of a same-file function, inlined at ``node`` (its call): where it is
    origin: cst.CSTNode | None = None
    #: inlined from a loop of the called function (another module's
    #: ``train_one_epoch``): that loop is the iteration, reported in its own file
    inner: bool = False
    #: inlined from a function of another module (``node`` is the call)
    far: bool = False
    #: inlined from two loops of that function: the call runs whole epochs
    deep: bool = False
    #: a step written by hand: ``p.data -= lr * p.grad`` (``manual_updates.py``)
    manual: bool = False


@dataclass(eq=False)
class LoopEvent:
    event: Event
    chain: tuple[cst.CSTNode, ...]
    conditional: bool
    nested: bool

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def node(self) -> cst.CSTNode:
        return self.event.node

    @property
    def order(self) -> float:
        return self.event.order

    @property
    def direct(self) -> bool:
        """Runs exactly once per pass of the loop body."""
        return not self.chain


@dataclass(eq=False)
class Loop:
    #: a ``FunctionDef`` for a step function (``LoopIndex.step_functions``)
    node: cst.For | cst.While | cst.FunctionDef
    parent: Loop | None = None
    children: list[Loop] = field(default_factory=list)
    events: list[LoopEvent] = field(default_factory=list)
    callee_kinds: set[str] = field(default_factory=set)
    _kinds_of_events: tuple[list[LoopEvent], int, frozenset[str]] | None = field(
        default=None, repr=False
    )

    def of(self, *kinds: str) -> list[LoopEvent]:
        return [e for e in self.events if e.kind in kinds]

    def has(self, kind: str, *, via_calls: bool = False) -> bool:
        return kind in self._event_kinds() or (via_calls and kind in self.callee_kinds)

    def _event_kinds(self) -> frozenset[str]:
        # rules ask ``has`` thousands of times a lint; the events only grow
        # (append, extend) or are replaced while the index is built
        events = self.events
        kept = self._kinds_of_events
        if kept is None or kept[0] is not events or kept[1] != len(events):
            kept = self._kinds_of_events = (events, len(events), frozenset(e.kind for e in events))
        return kept[2]

    @property
    def is_training(self) -> bool:
        return self.has("backward")

    @property
    def is_iteration(self) -> bool:
        if not (self.has("backward") and self.has("step")):
            return False
        return not any(c.has("backward") and c.has("step") for c in self.descendants())

    def descendants(self) -> Iterable[Loop]:
        for child in self.children:
            yield child
            yield from child.descendants()


class LoopIndex:
    def __init__(self, model: ModuleIndex) -> None:
        self.model = model
        self._resolved: dict[cst.Call, cst.FunctionDef | None] = {}
        self._roles = self._constructed_roles()
        self.events: list[Event] = self._collect_events()
        self.loops: list[Loop] = []
        self._loop_nodes: dict[cst.CSTNode, Loop] = {}
        self._build_loops()

    # --- roles ----------------------------------------------------------------

    def optimizer_info(self, call: cst.Call) -> OptimizerCtor | None:
        qualname = self.model.qualname(call.func)
        if qualname is None:
            return None
        if qualname in apis.TRANSFORMERS_OPTIMIZERS:
            framework, name, family = apis.TRANSFORMERS_OPTIMIZERS[qualname]
            return OptimizerCtor(call, framework, name, family)
        short = qualname.rsplit(".", 1)[-1]
        if qualname.startswith(apis.TORCH_OPTIMIZER_PREFIXES) and not qualname.startswith(
            apis.SCHEDULER_PREFIXES
        ):
            # torch.optim.Adam, torch.optim.adam.Adam
            if short in apis.TORCH_OPTIMIZERS and qualname.count(".") <= 3:
                return OptimizerCtor(call, "torch", short, apis.TORCH_OPTIMIZERS[short])
        if qualname.startswith(apis.KERAS_OPTIMIZER_PREFIXES) and short in apis.KERAS_OPTIMIZERS:
            return OptimizerCtor(call, "keras", short, apis.KERAS_OPTIMIZERS[short])
        return None

    @cached_property
    def optimizer_ctors(self) -> list[OptimizerCtor]:
        found = []
        for site in self.model.calls:
            if site.qualname is None:
                continue
            info = self.optimizer_info(site.node)
            if info is not None:
                found.append(info)
        return found

    def _ctor_role(self, call: cst.Call) -> str | None:
        qualname = self.model.qualname(call.func)
        if qualname is None:
            return None
        if qualname in apis.GRAD_SCALERS:
            return "scaler"
        if qualname.startswith(apis.SCHEDULER_PREFIXES) or qualname in apis.SCHEDULER_FUNCTIONS:
            return "scheduler"
        info = self.optimizer_info(call)
        if info is not None and info.framework == "torch":
            return "optimizer"
        return None

    def _constructed_roles(self) -> dict[str, set[str]]:
        roles: dict[str, set[str]] = {}
        own = self._hand_written_optimizers()
        for site in self.model.calls:
            func = site.node.func
            if (own and type(func) is cst.Name and func.value in own) or self._foreign_own(func):
                # ``optim = SGD(parameters=w)`` of a ``class SGD`` written by hand
                # (a NumPy framework, here or in another module): its step is not torch's
                role: str | None = "own"
            else:
                role = self._ctor_role(site.node) if site.qualname is not None else None
            parent = self.model.parent(site.node)
            if role is None and isinstance(parent, cst.Assign) and type(func) in _CLASS_NAMES:
                # ``sgdr = CosineAnnealingLR_with_Restart(optimizer, ...)``: a
                # project subclass of a framework scheduler, under any name
                if project_scheduler_class(self.model, func):
                    role = "scheduler"
            if role is None:
                continue
            if isinstance(parent, cst.Assign):
                for target in parent.targets:
                    key = dotted(target.target)
                    if key is None or (role == "own" and role_from_name(key) == "scheduler"):
                        continue  # a scheduler written by hand steps as a scheduler
                    roles.setdefault(key, set()).add(role)
        return roles

    def _foreign_own(self, func: cst.BaseExpression) -> bool:
        """``SGD`` imported from another project module that writes it by hand
        (``bridge.hand_written_optimizer``)."""
        if project_context() is None or type(func) not in (cst.Name, cst.Attribute):
            return False
        value = kinds_of(self.model).value_of(func)
        return isinstance(value, Foreign) and bridge.hand_written_optimizer(value.ref)

    def _hand_written_optimizers(self) -> set[str]:
        """The file's module-level classes deriving from nothing that define
        ``step``: optimisers written by hand, whose ``step`` may clear the
        gradients itself (Grokking Deep Learning's ``SGD.step(zero=True)``)."""
        found: set[str] = set()
        for stmt in self.model.module.body:
            if (
                type(stmt) is cst.ClassDef
                and type(stmt.body) is cst.IndentedBlock
                and any(
                    type(s) is cst.FunctionDef and s.name.value == "step" for s in stmt.body.body
                )
                and plain_class(self.model, stmt)
            ):
                found.add(stmt.name.value)
        return found

    def role(self, expr: cst.BaseExpression) -> str | None:
        """What ``expr`` holds: "optimizer", "scheduler", "scaler", or None."""
        if isinstance(expr, cst.Call):
            return self._ctor_role(expr)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            # ``schedulers["backbone"].step()``: an entry of a dict of them,
            # named so (Learning-Loss-for-Active-Learning, audit s178)
            index = expr.slice[0].slice
            container = dotted(expr.value)
            if (
                container is not None
                and isinstance(index, cst.Index)
                and isinstance(literal_value(index.value), (str, int))
            ):
                role = role_from_name(container)
                return role if role in ("optimizer", "scheduler") else None
            return None
        key = dotted(expr)
        if key is None:
            return None
        constructed = self._roles.get(key)
        if constructed is not None and len(constructed) == 1:
            return next(iter(constructed))
        return role_from_name(key)

    # --- events ---------------------------------------------------------------

    def _collect_events(self) -> list[Event]:
        model = self.model
        events: list[Event] = []
        inlined = self._inlined_scope()
        for order, site in enumerate(model.calls):
            call = site.node
            event = self._call_event(call, site.qualname)
            if event is not None:
                event.order = order
                events.append(event)
            elif (
                project_context() is not None
                and (inlined is None or model.enclosing(call, cst.FunctionDef) in inlined)
                # a decorator runs where the function is defined, not in it
                and type(model.enclosing(call, cst.Decorator, cst.FunctionDef)) is not cst.Decorator
            ):
                events.extend(self._inlined_events(call, order))
        # `p.grad = None`
        call_index: dict[int, int] | None = None
        for node in cast("list[cst.Assign]", model.nodes_of_type(cst.Assign)):
            if any(
                isinstance(t.target, cst.Attribute) and t.target.attr.value == "grad"
                for t in node.targets
            ):
                # `p.grad = None` clears; `p.grad = g` overwrites (no accumulation
                # either, but it is not "clearing" for the order rules)
                kind = "zero_grad" if literal_value(node.value) is None else "grad_set"
                if kind == "zero_grad" and _clears_a_part(model, node):
                    # ``for p in head.last_layer.parameters(): p.grad = None``
                    # between backward and step freezes that part (DINO)
                    kind = "grad_freeze"
                # sorts just before the first call that follows it
                if call_index is None:
                    call_index = {id(site.node): i for i, site in enumerate(model.calls)}
                first = _first_call_after(model, node, call_index) - 0.5
                events.append(Event(kind, node, None, order=first))
        for update in manual_updates(model):
            if isinstance(update.node, cst.Call):
                at = float(self._call_order[id(update.node)])
            else:
                if call_index is None:
                    call_index = {id(site.node): i for i, site in enumerate(model.calls)}
                at = _first_call_after(model, update.node, call_index) - 0.5
            events.append(Event("step", update.node, None, order=at, manual=True))
        events.sort(key=lambda e: e.order)
        return events

    def _inlined_scope(self) -> set[cst.CSTNode | None] | None:
        """For the summary of one item, the functions whose calls of other
        modules' functions can give the item's events: its own and the
        same-file functions they call, transitively (None: every call's)."""
        item = only_item(self.model)
        if item is None:
            return None
        calls: dict[cst.CSTNode | None, list[cst.Call]] = {}
        for site in self.model.calls:
            calls.setdefault(self.model.enclosing(site.node, cst.FunctionDef), []).append(site.node)
        scope: set[cst.CSTNode | None] = set(item_functions(self.model, item))
        todo = list(scope)
        while todo:
            for call in calls.get(todo.pop(), ()):
                callee = self.resolve_function(call)
                if callee is not None and callee not in scope:
                    scope.add(callee)
                    todo.append(callee)
        return scope

    def _inlined_events(self, call: cst.Call, order: int) -> list[Event]:
        """The events of a project function in another module that ``call``
        runs, as events of the call, in the callee's order
        (``lossflint/project/events.py``)."""
        found = inlined_events(call, kinds_of(self.model).value_of)
        if not found:
            return []
        step = 1 / (len(found) + 1)
        return [
            Event(
                e.kind,
                call,
                e.receiver,
                order=order + (i + 1) * step,
                inner=e.nested,
                far=True,
                deep=e.deep,
            )
            for i, e in enumerate(found)
        ]

    def _infinite(self, expr: cst.BaseExpression | None) -> bool:
        """``float("inf")``, ``math.inf``, ``torch.inf``, ``np.inf``."""
        if expr is None:
            return False
        if isinstance(expr, cst.Call):
            args = positional(expr)
            return (
                self.model.qualname(expr.func) == "builtins.float"
                and len(args) == 1
                and str(literal_value(args[0].value)).lower() in ("inf", "+inf", "infinity")
            )
        return self.model.qualname(expr) in apis.INFINITIES

    def _call_event(self, call: cst.Call, qualname: str | None) -> Event | None:
        func = call.func
        if qualname is not None:
            if qualname in apis.CLIP_FUNCTIONS:
                if self._infinite(argument(call, 1, "max_norm")):
                    return None  # `clip_grad_norm_(params, inf)` measures the norm
                return Event("clip", call)
            if qualname in apis.AUTOGRAD_BACKWARD:
                loss = argument(call, 0, "tensors")
                return Event("backward", call, loss=loss)
            if self._ctor_role(call) == "optimizer":
                return Event("optim_ctor", call)
            if call in kinds_of(self.model).loss_calls:
                return Event("forward", call)
            return None
        if call in kinds_of(self.model).loss_calls:
            return Event("forward", call)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        receiver_expr = func.value
        receiver = dotted(receiver_expr) or _entry_key(receiver_expr)
        args = positional(call)
        if method == "backward":
            return self._backward_event(call, receiver_expr, receiver)
        if method == "manual_backward":
            return Event("backward", call, receiver, loss=args[0].value if args else None)
        # paddle: clear_grad; hand-written frameworks (a CMU 11-785 MLP): zero_grads
        if method in ("zero_grad", "clear_grad", "clear_gradients", "zero_grads"):
            return Event("zero_grad", call, receiver)
        zeroes = method == "zero_" or (
            method in ("fill_", "mul_") and len(args) == 1 and literal_value(args[0].value) == 0
        )
        if zeroes and isinstance(receiver_expr, cst.Attribute):
            # p.grad.zero_() / p.grad.data.zero_() / p.grad.fill_(0)
            inner = receiver_expr
            if inner.attr.value == "data" and isinstance(inner.value, cst.Attribute):
                inner = inner.value
            if inner.attr.value == "grad":
                return Event("zero_grad", call, None)
            return None
        if method == "unscale_":
            opt = dotted(args[0].value) if args else None
            return Event("unscale", call, opt)
        if method == "unscale_gradients":
            return Event("unscale", call, None)  # accelerate's, every optimiser
        if method in apis.CLIP_METHODS:
            return Event("clip", call, receiver, managed=True)
        if method == "step":
            role = self.role(receiver_expr)
            if role == "scheduler":
                return Event("sched_step", call, receiver, closure=bool(call.args))
            if role == "optimizer":
                return Event("step", call, receiver, closure=bool(call.args))
            if role == "scaler" and args:
                return Event("step", call, dotted(args[0].value), scaled=True)
            if role == "own":
                # a hand-written optimiser's step: training, but its gradients
                # are its own business (LF303 does not ask for zero_grad)
                return Event("own_step", call, receiver)
            return None
        if method == "eval" and not call.args:
            if receiver is not None and self.role(receiver_expr) is not None:
                # as ``train()`` below: a schedule-free optimiser's mode, or a
                # model whose name reads as one (``opt_model``: minChatGPT, audit s217)
                return None
            return Event("eval", call, receiver)
        if method == "train":
            mode = argument(call, 0, "mode")
            if mode is not None and literal_value(mode) is False:
                return Event("eval", call, receiver)
            if receiver is None or self.role(receiver_expr) is not None:
                return None
            return Event("train", call, receiver)
        return None

    def _backward_event(
        self, call: cst.Call, receiver_expr: cst.BaseExpression, receiver: str | None
    ) -> Event:
        args = positional(call)
        if (
            isinstance(receiver_expr, cst.Call)
            and isinstance(receiver_expr.func, cst.Attribute)
            and receiver_expr.func.attr.value == "scale"
        ):
            inner = positional(receiver_expr)
            return Event(
                "backward",
                call,
                dotted(receiver_expr.func.value),
                loss=inner[0].value if inner else None,
                scaled=True,
            )
        if args and receiver is not None and _DELEGATING_BACKWARD.search(receiver.lower()):
            # accelerator.backward(loss): the trainer scales and runs it; an
            # ``Accelerator(mixed_precision="fp16")`` scales it with a GradScaler
            return Event(
                "backward",
                call,
                receiver,
                loss=args[0].value,
                managed=True,
                scaled=self._fp16_accelerator(receiver_expr),
            )
        return Event("backward", call, receiver, loss=receiver_expr)

    def _fp16_accelerator(self, receiver: cst.BaseExpression) -> bool:
        """``receiver`` is an ``Accelerator`` built here with
        ``mixed_precision="fp16"`` (or ``"fp16" if args.fp16 else ...``):
        its ``backward`` scales the loss."""
        value: cst.CSTNode | None = None
        if isinstance(receiver, cst.Name):
            bindings = self.model.bindings(receiver) or []
            values = [b.node for b in bindings if b.kind == "assign"]
            value = values[0] if len(values) == 1 == len(bindings) else None
        elif self_attribute(receiver) is not None:
            write = only_self_write(self.model, self_attribute(receiver) or "")
            value = write[1] if write is not None else None
        if (
            not isinstance(value, cst.Call)
            or self.model.qualname(value.func) not in apis.ACCELERATORS
        ):
            return False
        precision = argument(value, None, "mixed_precision")
        choices = (
            [precision.body, precision.orelse] if isinstance(precision, cst.IfExp) else [precision]
        )
        return any(c is not None and literal_value(c) == "fp16" for c in choices)

    # --- loops ----------------------------------------------------------------

    def _build_loops(self) -> None:
        model = self.model
        for event in self.events:
            chain_loops = []
            for ancestor in model.ancestors(event.node):
                if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                    break
                if isinstance(ancestor, (cst.For, cst.While)):
                    chain_loops.append(ancestor)
            for loop_node in chain_loops:
                loop = self._loop(loop_node)
                loop.events.append(self._loop_event(event, loop_node))
        self._inline_callees()
        # same-file functions called from a loop contribute their event kinds
        for loop in self._loop_nodes.values():
            loop.callee_kinds = self._callee_kinds(loop.node)
        self.loops = sorted(self._loop_nodes.values(), key=lambda lp: _first_order(lp))

    def _inline_callees(self) -> None:
        """A loop that calls a same-file function performs its gradient events
        at the call, in its order (``loop_callees.py``)."""
        touched: set[Loop] = set()
        for call, func in self._resolved_calls:
            loop_nodes = self.loops_around(call)
            if not loop_nodes:
                continue
            events = self._events_at(call, func)
            if not events:
                continue
            for loop_node in loop_nodes:
                loop = self._loop(loop_node)
                loop.events.extend(self._loop_event(e, loop_node) for e in events)
                touched.add(loop)
        for loop in touched:
            loop.events.sort(key=lambda e: e.order)

    def _events_at(self, call: cst.Call, func: cst.FunctionDef) -> list[Event] | None:
        """The gradient events of ``func`` as events of ``call``, in its order;
        None when they are not sure to run."""
        # only the events ``func`` itself holds can be its (callee_events keeps
        # those, in order): not every event of the file per call asked about
        found = callee_events(self.model, self._effective_events(func), call, func)
        return None if found is None else self._at_call(call, found)

    def _at_call(self, call: cst.Call, found: list[tuple[Event, str | None]]) -> list[Event]:
        """A callee's events (with their receivers in the caller's terms) as
        events of ``call``, in the callee's order, each remembering where it
        is written."""
        order = self._call_order[id(call)]
        step = 1 / (len(found) + 1)
        return [
            Event(
                e.kind,
                call,
                receiver,
                closure=e.closure,
                scaled=e.scaled,
                managed=e.managed,
                manual=e.manual,
                order=order + (i + 1) * step,
                origin=e.origin or e.node,
            )
            for i, (e, receiver) in enumerate(found)
        ]

    def _effective_events(self, func: cst.FunctionDef, depth: int = 0) -> list[Event]:
        """The events ``func`` holds, with those of the same-file functions it
        calls inlined at those calls, two calls deep (``backward_D`` calling
        ``backward_D_basic``, whose ``loss.backward()`` runs before the step
        after ``backward_D()``: GFLA, audit s199), in order."""
        own = self._events_by_owner.get(func, [])
        if depth >= _INLINED_DEPTH:
            return own
        found = self._effective.get((func, depth))
        if found is not None:
            return found
        self._effective[(func, depth)] = own  # recursion: the own events answer
        inner: list[Event] = []
        for call, callee in self._calls_by_owner.get(func, ()):
            if callee is func:
                continue
            events = callee_events(
                self.model, self._effective_events(callee, depth + 1), call, callee
            )
            if events:
                inner.extend(self._at_call(call, events))
        if not inner:
            return own
        found = sorted([*own, *inner], key=lambda e: e.order)
        self._effective[(func, depth)] = found
        return found

    @cached_property
    def _effective(self) -> dict[tuple[cst.FunctionDef, int], list[Event]]:
        return {}

    @cached_property
    def _calls_by_owner(self) -> dict[cst.CSTNode | None, list[tuple[cst.Call, cst.FunctionDef]]]:
        """The resolved same-file calls by the function nearest above them."""
        found: dict[cst.CSTNode | None, list[tuple[cst.Call, cst.FunctionDef]]] = {}
        for call, callee in self._resolved_calls:
            owner = self.model.enclosing(call, cst.FunctionDef, cst.Lambda, cst.ClassDef)
            found.setdefault(owner, []).append((call, callee))
        return found

    def events_of(self, func: cst.FunctionDef) -> list[Event]:
        """The events written in ``func`` itself (not in functions nested in it)."""
        return self._events_by_owner.get(func, [])

    @cached_property
    def _events_by_owner(self) -> dict[cst.CSTNode | None, list[Event]]:
        """The events by the function, lambda or class nearest above them."""
        found: dict[cst.CSTNode | None, list[Event]] = {}
        for event in self.events:
            owner = self.model.enclosing(event.node, cst.FunctionDef, cst.Lambda, cst.ClassDef)
            found.setdefault(owner, []).append(event)
        return found

    @cached_property
    def _call_order(self) -> dict[int, int]:
        return {id(site.node): i for i, site in enumerate(self.model.calls)}

    @cached_property
    def step_functions(self) -> list[Loop]:
        """Functions whose body is one training iteration with no loop of its
        own -- an ignite ``train_step(engine, batch)``, a Lightning
        ``training_step`` stepping by hand, a helper another module calls --
        as loops over their body (source order is run order there), with the
        events of the same-file functions they call inlined. Not the ones a
        loop of this file calls: they are inlined at the call."""
        # only a function with a backward and a step of its own, outside a loop
        # of its own, can be one: the calls of the others are not looked at
        return self._functions_as_iterations(lambda kinds: {"backward", "step"} <= kinds)

    @cached_property
    def update_functions(self) -> list[Loop]:
        """Functions that step and clip but do not back-propagate (``def
        optimizer_step(opt, model): opt.step(); clip_grad_norm_(...)``), as
        loops over their body like ``step_functions``: a helper the loops of
        other modules call after ``backward()``, whose order inside is its own
        (LF301 reports a clip after its step where it is written)."""
        return self._functions_as_iterations(
            lambda kinds: {"step", "clip"} <= kinds and "backward" not in kinds
        )

    def _functions_as_iterations(self, wanted_kinds: Callable[[set[str]], bool]) -> list[Loop]:
        """The functions whose own events' kinds ``wanted_kinds`` accepts, with
        no looping iteration of their own and not inlined by a loop of this
        file, as loops over their body."""
        owned: dict[cst.FunctionDef, list[Event]] = {}
        for event in self.events:
            if event.far:
                continue
            func, _in_loop = self._owner(event.node)
            if func is None:
                continue
            owned.setdefault(func, []).append(event)
        # a loop of the function's own that backs up and steps is the iteration
        # (a ``train_epoch``); loops holding a part of one (``for opt in
        # optimizers: opt.zero_grad()``, a backward per loss) leave the body one
        # iteration, their events nested in it as in a batch loop
        looping = {
            self.model.enclosing(loop.node, cst.FunctionDef, cst.Lambda, cst.ClassDef)
            for loop in self._loop_nodes.values()
            if loop.is_iteration
        }
        wanted = {
            func
            for func, events in owned.items()
            if wanted_kinds({e.kind for e in events}) and func not in looping
        }
        if not wanted:
            return []
        # a function whose events a loop of this file inlines is checked there;
        # one no loop can inline (its backward and step under ``if train:``)
        # is still one iteration when it runs: checked on its own
        called_in_loops = {
            func
            for call, func in self._resolved_calls
            if func in wanted
            and self.loops_around(call)
            and self._events_at(call, func) is not None
        }
        inlined: dict[cst.FunctionDef, list[Event] | None] = {}
        for call, callee in self._resolved_calls:
            func, in_loop = self._owner(call)
            if func is None or func not in wanted:
                continue
            so_far = inlined.setdefault(func, [])
            if so_far is None:
                continue
            events = self._events_at(call, callee)
            if events is None or (events and in_loop):
                inlined[func] = None  # the callee's events may not run, or run many times
            else:
                so_far.extend(events)
        found = []
        for func, events in owned.items():
            if func not in wanted or func in called_in_loops:
                continue
            extra = inlined.get(func, [])
            if extra is None:
                continue
            loop = Loop(func)
            every = sorted([*events, *extra], key=lambda e: e.order)
            loop.events = [self._loop_event(e, func) for e in every]
            found.append(loop)
        return found

    def _owner(self, node: cst.CSTNode) -> tuple[cst.FunctionDef | None, bool]:
        """The function whose body runs ``node`` (None: a lambda, a class body or
        the module), and whether a loop of that function is around it."""
        in_loop = False
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.For, cst.While)):
                in_loop = True
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return (ancestor if isinstance(ancestor, cst.FunctionDef) else None), in_loop
        return None, in_loop

    def loops_around(self, node: cst.CSTNode) -> list[cst.For | cst.While]:
        """The ``for``/``while`` statements around ``node`` in its function,
        innermost first (also those the index leaves out for holding no event)."""
        found: list[cst.For | cst.While] = []
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(ancestor, (cst.For, cst.While)):
                found.append(ancestor)
        return found

    def _loop(self, node: cst.For | cst.While) -> Loop:
        found = self._loop_nodes.get(node)
        if found is not None:
            return found
        loop = Loop(node)
        self._loop_nodes[node] = loop
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(ancestor, (cst.For, cst.While)):
                parent = self._loop(ancestor)
                loop.parent = parent
                parent.children.append(loop)
                break
        return loop

    def _loop_event(self, event: Event, loop_node: cst.CSTNode) -> LoopEvent:
        chain: list[cst.CSTNode] = []
        conditional = False
        nested = False
        child: cst.CSTNode = event.node
        for ancestor in self.model.ancestors(event.node):
            if ancestor is loop_node:
                if child is not getattr(loop_node, "body", None):
                    conditional = True  # the loop's else clause
                    chain.append(child)
                break
            if isinstance(ancestor, (cst.If, cst.IfExp, cst.BooleanOperation, cst.MatchCase)):
                if not (isinstance(ancestor, cst.If) and child is ancestor.test):
                    chain.append(child)
                    conditional = True
            elif isinstance(ancestor, (cst.ExceptHandler, cst.ExceptStarHandler)):
                chain.append(child)
                conditional = True
            elif isinstance(ancestor, cst.Try) and child is ancestor.orelse:
                chain.append(child)
                conditional = True
            elif isinstance(ancestor, (cst.For, cst.While)):
                chain.append(child)
                nested = True
            elif isinstance(ancestor, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                # runs once per element: like an inner loop
                chain.append(child)
                nested = True
            child = ancestor
        chain.reverse()
        return LoopEvent(event, tuple(chain), conditional, nested)

    def is_epoch_loop(self, loop: Loop) -> bool:
        """A loop over epochs (``for epoch in range(n)``, ``tqdm(range(n))``,
        ``while``) whose body runs the training iteration as a loop of its
        own, directly. An outer loop over stages, cycles or trials is not one."""
        return self.counts_passes(loop) and any(child.is_iteration for child in loop.children)

    def counts_passes(self, loop: Loop) -> bool:
        """``for epoch in range(n)`` (``tqdm(range(n))``, ``enumerate(range(n))``)
        or ``while``: a loop that repeats, not one over stages, data or trials."""
        node = loop.node
        if isinstance(node, cst.For):
            iterable = node.iter
            while isinstance(iterable, cst.Call) and not self._is_range(iterable) and iterable.args:
                iterable = iterable.args[0].value  # ``tqdm(range(n))``, ``enumerate(range(n))``
            return self._is_range(iterable)
        return isinstance(node, cst.While)

    def _is_range(self, expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Call) and self.model.qualname(expr.func) == "builtins.range"

    def loop_of_node(self, node: cst.CSTNode) -> Loop | None:
        """The loop a ``for``/``while`` statement is, if it is one the index keeps."""
        return self._loop_nodes.get(node)

    def loop_or_bare(self, node: cst.For | cst.While) -> Loop:
        """The loop the index keeps for ``node``, or, for a loop holding no
        event of its own (its body only calls functions: ``for epoch in
        range(n): train_one_epoch(...)``), one with the event kinds of the
        same-file functions it calls, not added to the index."""
        found = self._loop_nodes.get(node)
        if found is not None:
            return found
        return Loop(node, callee_kinds=self._callee_kinds(node))

    def loop_of(self, node: cst.CSTNode) -> Loop | None:
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(ancestor, (cst.For, cst.While)) and ancestor in self._loop_nodes:
                return self._loop_nodes[ancestor]
        return None

    def enclosing_loops(self, node: cst.CSTNode) -> list[Loop]:
        """Loops around ``node`` (innermost first) within its function."""
        found = []
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(ancestor, (cst.For, cst.While)) and ancestor in self._loop_nodes:
                found.append(self._loop_nodes[ancestor])
        return found

    def gradients_made_between(self, loop: Loop, after: float, before: float) -> bool:
        """Between the events at ``after`` and ``before`` of ``loop``, the
        gradients are made otherwise than by a ``backward()``: written into
        ``p.grad``, or by a helper named for it that the file cannot follow
        (``architect.unrolled_backward(x, y)`` of DARTS, which assigns the
        ``torch.autograd.grad`` results to ``alpha.grad``)."""
        if any(after < e.order < before for e in loop.of("grad_set")):
            return True
        for order, site in enumerate(self.model.calls):
            if not after < order < before or not isinstance(site.node.func, cst.Attribute):
                continue
            name = site.node.func.attr.value
            if (
                name != "backward"
                and name.endswith("backward")
                and self.resolve_function(site.node) is None
                and any(a is loop.node for a in self.model.ancestors(site.node))
            ):
                return True
        return False

    @staticmethod
    def comparable(a: LoopEvent, b: LoopEvent) -> bool:
        """Both run in the same block of the same pass: source order is run order."""
        return a.chain == b.chain

    def exclusive(self, a: LoopEvent, b: LoopEvent) -> bool:
        """``a`` and ``b`` sit in different arms of one ``if`` (``if amp:
        scaler.scale(loss).backward() else: loss.backward()``): never both in
        one pass."""
        for mine, theirs in zip(a.chain, b.chain, strict=False):
            if mine is theirs:
                continue
            parent = self.model.parent(mine)
            return isinstance(parent, cst.If) and parent is self.model.parent(theirs)
        return False

    @staticmethod
    def always_before(a: LoopEvent, b: LoopEvent) -> bool:
        """Whenever ``b`` runs, ``a`` has run earlier in the same pass: ``a``
        sits in a block that holds ``b``'s (``opt.step()`` then ``if sync:
        clip(...)``) and comes first in source order."""
        return a.order < b.order and b.chain[: len(a.chain)] == a.chain

    # --- passes of a phase loop -------------------------------------------------

    def phase_test(self, loop: Loop, event: LoopEvent) -> PhaseTest | None:
        """``for phase in ...: if phase == 'train': event``: the one test (a
        name equal to a string) every block between ``loop``'s body and
        ``event`` is the ``if`` body of, the name not rebound in that body
        (the loop's own target, or a name from outside); None otherwise."""
        found: PhaseTest | None = None
        for block in event.chain:
            test = _phase_test_of(self.model, block)
            if test is None or (found is not None and test != found):
                return None
            found = test
        body = getattr(loop.node, "body", None)
        if found is None or body is None or may_bind(body, found.name):
            return None
        return found

    def first_pass_takes(self, loop: Loop, test: PhaseTest) -> bool:
        """``loop`` runs over a list or tuple written out (here, or in the
        assignment just before) whose first item makes ``test`` true:
        ``for phase in ['train', 'val']`` and ``phase == 'train'``."""
        node = loop.node
        if not isinstance(node, cst.For) or not isinstance(node.target, cst.Name):
            return False
        if node.target.value != test.name:
            return False
        items: cst.BaseExpression | None = node.iter
        if isinstance(items, cst.Name):
            items = reaching_assignment(self.model, items)
        if not isinstance(items, (cst.List, cst.Tuple)) or not items.elements:
            return False
        first = items.elements[0]
        return (
            not isinstance(first, cst.StarredElement)
            and isinstance(first.value, cst.SimpleString)
            and first.value.evaluated_value == test.value
        )

    def guarded_by(self, event: LoopEvent, test: PhaseTest) -> bool:
        """``event`` sits in the body of an ``if`` with ``test`` (``if phase
        == 'train': loss.backward(); optimizer.step()``)."""
        return any(_phase_test_of(self.model, block) == test for block in event.chain)

    # --- same-file callees ----------------------------------------------------

    @cached_property
    def _function_kinds(self) -> dict[cst.FunctionDef, set[str]]:
        out: dict[cst.FunctionDef, set[str]] = {}
        for event in self.events:
            func = self.model.enclosing(event.node, cst.FunctionDef)
            if not isinstance(func, cst.FunctionDef):
                continue
            if event.kind == "train" and self._local_model(func, event.receiver):
                # ``classifier = nn.Linear(d, 7); classifier.train()`` in an
                # evaluation helper: its own probe, no caller's model (T-GCN, audit s211)
                continue
            out.setdefault(func, set()).add(event.kind)
        return out

    def _local_model(self, func: cst.FunctionDef, receiver: str | None) -> bool:
        """``receiver`` is a plain name ``func`` binds only by assigning a call
        (a model it builds itself), never a parameter."""
        if receiver is None or "." in receiver:
            return False
        scope = self.model.scopes.get(func)
        bindings = scope.bindings.get(receiver) if scope is not None else None
        return bool(bindings) and all(
            b.kind == "assign" and isinstance(b.node, cst.Call) for b in bindings or ()
        )

    def kinds_inside(self, container: cst.CSTNode) -> frozenset[str]:
        """Kinds of the events (``self.events``) under ``container``, not inside
        a function, class or lambda nested in it."""
        return self._kinds_by_container.get(container, frozenset())

    @cached_property
    def _kinds_by_container(self) -> dict[cst.CSTNode, frozenset[str]]:
        # one walk up from each event, instead of one per event and loop asked about
        found: dict[cst.CSTNode, set[str]] = {}
        for event in self.events:
            for ancestor in self.model.ancestors(event.node):
                if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                    break
                found.setdefault(ancestor, set()).add(event.kind)
        return {node: frozenset(kinds) for node, kinds in found.items()}

    def function_kinds(self, func: cst.FunctionDef, depth: int = 0) -> set[str]:
        """Event kinds inside ``func`` and the same-file functions it calls."""
        kinds = set(self._function_kinds.get(func, set()))
        if depth < 3:
            for callee in self._callees(func):
                if callee is not func:
                    kinds |= self.function_kinds(callee, depth + 1)
        return kinds

    @cached_property
    def _resolved_calls(self) -> list[tuple[cst.Call, cst.FunctionDef]]:
        found = []
        for site in self.model.calls:
            if site.qualname is None:
                func = self._resolve_function(site.node)
                if func is not None:
                    found.append((site.node, func))
        return found

    def _callees(self, container: cst.CSTNode) -> list[cst.FunctionDef]:
        """The functions the resolved calls under ``container`` run, in call order."""
        return self._callees_by_container.get(container, [])

    @cached_property
    def _callees_by_container(self) -> dict[cst.CSTNode, list[cst.FunctionDef]]:
        # one walk up from each call, instead of one per call and container asked about
        found: dict[cst.CSTNode, list[cst.FunctionDef]] = {}
        for call, func in self._resolved_calls:
            for ancestor in self.model.ancestors(call):
                found.setdefault(ancestor, []).append(func)
        return found

    def resolve_function(self, call: cst.Call) -> cst.FunctionDef | None:
        """The same-file function (or method of the enclosing class via ``self.``)
        that ``call`` runs, if known."""
        return self._resolve_function(call)

    def _resolve_function(self, call: cst.Call) -> cst.FunctionDef | None:
        # asked again for the same calls by several rules and analyses
        if call in self._resolved:
            return self._resolved[call]
        found = self._resolve_uncached(call)
        self._resolved[call] = found
        return found

    def _resolve_uncached(self, call: cst.Call) -> cst.FunctionDef | None:
        value = kinds_of(self.model).value_of(call.func)
        if isinstance(value, FunctionRef):
            return value.func
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            # self.helper(): a method of the enclosing class
            cls = self.model.enclosing(call, cst.ClassDef)
            if isinstance(cls, cst.ClassDef):
                # along the same-file bases too (``self._evaluate_model(model)``
                # inherited from KD_Lib's BaseClass)
                for klass in kinds_of(self.model).mro(cls):
                    for stmt in klass.body.body:
                        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == func.attr.value:
                            return stmt
                return _function_attribute(self.model, cls, func.attr.value)
            return None
        if isinstance(call.func, cst.Name):
            bindings = self.model.bindings(call.func)
            if bindings and all(b.kind == "def" for b in bindings):
                node = bindings[-1].node
                if isinstance(node, cst.FunctionDef):
                    return node
        if isinstance(func, cst.Attribute):
            # `model.generate(x)` on an instance of a class of this file
            owner = kinds_of(self.model).value_of(func.value)
            if isinstance(owner, Instance):
                found = kinds_of(self.model).method(owner.cls, func.attr.value)
                return found or _function_attribute(self.model, owner.cls, func.attr.value)
            if isinstance(owner, ClassRef):
                # ``Trainer.epochVal(model, loader)``: a method without ``self``
                # called on its class (gaetandi's cheXpert notebook)
                found = kinds_of(self.model).method(owner.cls, func.attr.value)
                if found is not None and _without_instance(found):
                    return found
        if isinstance(value, Instance):
            # ``loss_compute(out, y, norm)`` on an instance of a class of this
            # file runs its ``__call__``; ``model(x)`` its ``forward`` (through
            # ``nn.Module.__call__``: a forward that starts with
            # ``self.zero_grad()`` clears the gradients on every call)
            kinds = kinds_of(self.model)
            return kinds.method(value.cls, "__call__") or kinds.method(value.cls, "forward")
        return None

    def _callee_kinds(self, loop_node: cst.CSTNode) -> set[str]:
        kinds: set[str] = set()
        for func in self._callees(loop_node):
            kinds |= self.function_kinds(func)
        return kinds

    # --- Lightning --------------------------------------------------------------

    @cached_property
    def training_steps(self) -> list[cst.FunctionDef]:
        return [
            node
            for node, scope in self.model.scopes.items()
            if isinstance(node, cst.FunctionDef)
            and node.name.value == "training_step"
            and scope.parent is not None
            and scope.parent.kind == "class"
        ]


def _function_attribute(model: ModuleIndex, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    """The same-file function an instance attribute holds (``self.loss_fn =
    loss_fn``, every construction passing ``weighted_bce``)."""
    value = kinds_of(model).class_attrs(cls).get(name)
    return value.func if isinstance(value, FunctionRef) else None


def loops(model: ModuleIndex) -> LoopIndex:
    """The loop index of ``model``, built on first use and kept on the model."""
    return model.analysis(LoopIndex)


# --- helpers --------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseTest:
    """``phase == 'train'``: a name compared with a string (either side)."""

    name: str
    value: str


def _phase_test_of(model: ModuleIndex, block: cst.CSTNode) -> PhaseTest | None:
    """The test of the ``if`` whose body ``block`` is, when it is ``name ==
    'text'`` (or ``'text' == name``)."""
    parent = model.parent(block)
    if not isinstance(parent, cst.If) or parent.body is not block:
        return None
    test = parent.test
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return None
    for name, text in ((test.left, target.comparator), (target.comparator, test.left)):
        if isinstance(name, cst.Name) and isinstance(text, cst.SimpleString):
            value = text.evaluated_value
            if isinstance(value, str):
                return PhaseTest(name.value, value)
    return None


#: ``opt`` / ``self.optimizer`` → the dotted text; None otherwise (rules read it from here)
dotted = dotted_text


_OPT_TOKENS = frozenset({"opt", "optim", "optimizer", "optimiser", "optimizers", "opts"})


def _without_instance(func: cst.FunctionDef) -> bool:
    """A method its class's name calls as a plain function: a static method,
    or one whose first parameter is no ``self``/``cls``."""
    if any(dotted(d.decorator) == "classmethod" for d in func.decorators):
        return False
    if any(dotted(d.decorator) == "staticmethod" for d in func.decorators):
        return True
    first = [p.name.value for p in (*func.params.posonly_params, *func.params.params)][:1]
    return first not in (["self"], ["cls"])


def _entry_key(expr: cst.BaseExpression) -> str | None:
    """``optimizers["d"]`` → 'optimizers["d"]': an entry of a dict (or list) of
    optimisers at a literal key, one receiver as a name is."""
    if not (isinstance(expr, cst.Subscript) and len(expr.slice) == 1):
        return None
    index = expr.slice[0].slice
    container = dotted(expr.value)
    if container is None or not isinstance(index, cst.Index):
        return None
    key = literal_value(index.value)
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        return None
    return f"{container}[{key!r}]"


#: how a constructed class is spelt: ``Cls(...)``, ``module.Cls(...)``
_CLASS_NAMES = (cst.Name, cst.Attribute)


def role_from_name(key: str) -> str | None:
    """Role guessed from a name when nothing in the file constructs it."""
    last = key.rsplit(".", 1)[-1].lower()
    if "sched" in last:
        return "scheduler"
    if "scaler" in last:
        return "scaler"
    tokens = set(re.split(r"[_\d]+", last))
    if tokens & _OPT_TOKENS or "optimizer" in last or "optimiser" in last:
        return "optimizer"
    # opt_g / g_opt / optG / optimD
    if re.fullmatch(r"(opt|optim)[a-z]?|[a-z](opt|optim)", last):
        return "optimizer"
    return None


def _first_call_after(model: ModuleIndex, node: cst.CSTNode, index: dict[int, int]) -> int:
    """A sort position for a non-call event: the index (in ``model.calls``, which
    is in walk order) of the first call at or after ``node``."""
    found = _first_call_in(node, index)
    if found is not None:
        return found
    child = node
    for parent in model.ancestors(node):
        after = False
        for sibling in parent.children:
            if sibling is child:
                after = True
            elif after:
                found = _first_call_in(sibling, index)
                if found is not None:
                    return found
        child = parent
    return len(model.calls)


def _first_call_in(node: cst.CSTNode, index: dict[int, int]) -> int | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call) and id(current) in index:
            return index[id(current)]
        stack.extend(reversed(current.children))
    return None


def _first_order(loop: Loop) -> float:
    return min((e.order for e in loop.events), default=0)


# --- naming conventions the LF3xx rules read ---------------------------------------

#: attribute names of layers that are (or end) an output / gating path, where a
#: zero init is a known technique (heads, LoRA B, adaLN-zero, ControlNet zero convs,
#: FCN's score layers)
OUTPUT_LAYER_HINTS = (
    "head",
    "out",
    "final",
    "classifier",
    "logit",
    "pred",
    "proj",
    "gate",
    "zero",
    "lora",
    "adapter",
    "last",
    "cls",
    # FCN's class-score layers (score_fr, score_pool4): summed into the output
    "score",
)
NORM_HINTS = ("norm", "bn", "ln", "gn")
#: models that are kept in eval mode on purpose inside a training loop
FROZEN_MODEL_HINTS = ("teacher", "ema", "frozen", "target_net", "reference", "ref_model")


#: attributes that hold a whole model (a wrapper's ``.module``, a trainer's ``self.model``)
_WHOLE_MODEL_ATTRIBUTES = frozenset(
    {"module", "model", "models", "net", "network", "backbone_and_head"}
)


def _clears_a_part(model: ModuleIndex, assign: cst.Assign) -> bool:
    """``p.grad = None`` for the parameters of a part of a model only: the
    loop over ``p`` reads ``X.attr.parameters()`` or ``X[i].parameters()``
    (not a wrapper's ``.module`` nor a trainer's ``self.model``)."""
    target = next(t.target for t in assign.targets if isinstance(t.target, cst.Attribute))
    holder = target.value if isinstance(target, cst.Attribute) else None
    if not isinstance(holder, cst.Name):
        return False
    loop = model.enclosing(assign, cst.For, cst.FunctionDef, cst.Lambda, cst.ClassDef)
    if not isinstance(loop, cst.For):
        return False
    names = {n.value for n in _target_names(loop.target)}
    source = loop.iter
    if holder.value not in names or not isinstance(source, cst.Call):
        return False
    func = source.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in (
        "parameters",
        "named_parameters",
    ):
        return False
    owner = func.value
    if isinstance(owner, cst.Subscript):
        return True  # ``head[1].parameters()``
    return isinstance(owner, cst.Attribute) and owner.attr.value not in _WHOLE_MODEL_ATTRIBUTES


def _target_names(target: cst.BaseExpression) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _target_names(e.value)]
    return []
