"""What every part of the interpreter shares: the frame, the environment and
its joins, the state of a run, and the hooks a domain overrides."""

from __future__ import annotations

import builtins
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import libcst as cst

from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.names import free_names
from lossflint.analysis.values import DictValue, Foreign, Instance, Instances, TupleValue
from lossflint.project import bridge
from lossflint.project.context import current as project_context
from lossflint.project.summary import (
    SClass,
    SFunction,
    SInstance,
    SInstances,
    SModule,
    SValue,
)

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.values import FunctionRef

V = TypeVar("V")
_MISSING = object()
#: ``Base.NONE`` of a domain that does not keep ``None`` apart
NO_NONE = object()
#: what a name bound nowhere in a file most often is: no star import asked
_BUILTIN_NAMES = frozenset(vars(builtins))
#: a name or dotted attribute path (``self.fc``) → its abstract value
Env = dict[str, Any]


@dataclass
class Frame:
    """The function (or module body) being run."""

    label: str  # "Net.forward", "<module>"
    func: cst.FunctionDef | None = None
    cls: cst.ClassDef | None = None
    returns: list[Any] = field(default_factory=list)
    local_names: frozenset[str] | dict[str, Any] = frozenset()
    #: environments at ``return`` (kept when nested functions capture them)
    exits: list[Env] | None = None
    #: parameters holding a call's literals (a run for one call site:
    #: ``specialise.py``), which decide the branches testing them
    constants: Mapping[str, object] = field(default_factory=dict)


class Base(Generic[V]):
    """The state of a run and the domain's hooks (defaults: everything unknown)."""

    #: calling an instance of a same-file class runs the first of these methods
    CALL_METHODS: tuple[str, ...] = ("__call__",)
    #: ``x[i] = v`` makes ``x`` unknown (True) or leaves it (False)
    SUBSCRIPT_STORE_FORGETS = False
    #: the domain's value of the ``None`` literal, when it keeps one apart
    #: (``NO_NONE``: ``None`` is what ``literal`` says, joined like any value).
    #: A path binding it adds nothing a join must reconcile: ``out = None``
    #: before the branch that sets it, where ``out`` is used as a tensor or a
    #: loader, is the other path's value (the ``None`` path would have raised)
    NONE: Any = NO_NONE

    def __init__(self, model: ModuleIndex, unknown: V) -> None:
        self.model = model
        self.unknown: V = unknown
        self.values: dict[cst.CSTNode, V] = {}
        #: facts and values are recorded only in the canonical run of a body
        self.recording = True
        #: the statement being run (evidence for domain facts)
        self.stmt: cst.CSTNode = model.module
        self.frame = Frame("<module>")
        #: dotted names looked up in the project (None: not the project's)
        self._project_names: dict[str, SValue | None] = {}

    # --- domain hooks ------------------------------------------------------------

    def join(self, a: V, b: V) -> V:
        """Two paths' values where they meet: the domain's ``join_values``,
        with the ``None`` of a domain that keeps it apart absorbed."""
        if a is b:
            # every domain's join is idempotent; most joined values are one
            # object kept by both paths, and the domains' type tests are costly
            return a
        none = self.NONE
        if none is not NO_NONE:
            if a is none:
                return b
            if b is none:
                return a
        return self.join_values(a, b)

    def join_values(self, a: V, b: V) -> V:
        if a is b or a == b:
            return a
        return self.unknown

    def begin_round(self) -> None:
        """Forget the facts of the previous round."""

    def worth_another_round(self) -> bool:
        """False when another round cannot find more (nothing of the domain seen)."""
        return True

    def literal(self, expr: cst.BaseExpression) -> V:
        """A number, string, ``True``/``False``/``None``."""
        return self.unknown

    def module_attribute(self, qualname: str, expr: cst.Attribute) -> V:
        """An attribute that names an imported API (``keras.datasets.mnist``)."""
        return self.unknown

    def attribute(self, expr: cst.Attribute, base: V) -> V:
        return self.unknown

    def subscript(self, expr: cst.Subscript, base: V) -> V:
        return self.unknown

    def binary(self, op: str, left: V, right: V, node: cst.CSTNode) -> V:
        """``left <op> right``; ``node`` is the BinaryOperation or AugAssign."""
        return self.unknown

    def unary(self, expr: cst.UnaryOperation, operand: V) -> V:
        return self.unknown

    def list_display(self, expr: cst.List, items: list[V]) -> V:
        """``[a, *b]`` (``items`` holds each element's value, a starred
        element's the value it unpacks)."""
        return self.unknown

    def comprehension_item(self, iterable: V) -> V:
        """What the target of a comprehension's one ``for`` holds, given what
        it iterates (``img`` of ``[resize(img) for img in x_train]``)."""
        return self.unknown

    def comprehension(self, expr: cst.BaseExpression, element: V) -> V:
        """``[f(x) for x in xs]`` (also a set or generator comprehension):
        ``element`` is what one item gives."""
        return self.unknown

    def dict_comprehension(self, expr: cst.DictComp, value: V) -> V:
        """``{k: f(k) for k in keys}``: ``value`` is what one item's value gives."""
        return self.unknown

    def dict_display(self, expr: cst.Dict, items: list[tuple[str, V]]) -> V:
        """``{"k": v, ...}`` with string keys only."""
        return self.unknown

    def api_call(self, call: cst.Call, qualname: str, args: list[V], env: Env) -> V:
        """A call of an imported API (canonical ``qualname``)."""
        return self.unknown

    def method_call(
        self, call: cst.Call, func: cst.Attribute, receiver: V, args: list[V], env: Env
    ) -> V:
        """``receiver.name(...)`` where the receiver is not a same-file instance."""
        return self.unknown

    def instance_method(
        self, call: cst.Call, func: cst.Attribute, receiver: Instance, args: list[V], env: Env
    ) -> V:
        """A method an instance has but this file does not define (inherited
        from a framework base class)."""
        return self.unknown

    def call_value(self, call: cst.Call, callee: V, args: list[V], env: Env) -> V:
        """Calling a domain value (a layer, a loss object, a model)."""
        return self.unknown

    def type_test_truth(self, test: cst.BaseExpression, env: Env) -> bool | None:
        """What ``if type(x) == nn.L1Loss:`` / ``isinstance(x, C)`` gives for
        the value the domain holds for ``x``; None when it cannot tell."""
        return None

    def foreign_call_value(self, call: cst.Call, callee: Foreign, args: list[V]) -> V | None:
        """Calling another module's class or function when the domain knows
        better than its summary from the arguments; None: the summary says."""
        return None

    def from_summary(self, value: SValue, at: cst.CSTNode | None = None) -> V:
        """A value another project module's summary gives (an import, what
        one of its functions returns): classes, functions, instances and
        modules stay ``Foreign``; a domain turns its own leaves (a tensor of a
        kind) into its values; anything else is unknown."""
        if isinstance(value, (SClass, SInstance, SFunction, SModule)):
            return Foreign(value)  # type: ignore[return-value]
        if isinstance(value, SInstances) and all(isinstance(m, SInstance) for m in value.members):
            # one of several classes: calling it joins what each returns
            members = frozenset(Foreign(m) for m in value.members)
            return Instances(frozenset(), members)  # type: ignore[return-value]
        return self.unknown

    # --- other project modules, read through their summaries ---------------------

    def project_import(self, node: cst.Import | cst.ImportFrom, local: str) -> V:
        """What an import of a project module binds to ``local``."""
        if project_context() is None:
            return self.unknown
        found = bridge.value_of_import(node, local)
        return self.from_summary(found) if found is not None else self.unknown

    def project_star_name(self, ident: str) -> V:
        """A name the file binds nowhere, bound by ``from <project module> import *``."""
        if project_context() is None or ident in _BUILTIN_NAMES:
            return self.unknown
        free = free_names(self.model.module_scope)
        if not free.star_nodes:
            return self.unknown
        found = bridge.value_of_star(free.unread_stars(ident), ident)
        return self.from_summary(found) if found is not None else self.unknown

    def project_qualname(self, qualname: str) -> V | None:
        """``models.net.Net`` when it names something of a project module;
        None when it is not the project's (a framework API)."""
        if project_context() is None or qualname.split(".", 1)[0] in bridge.FRAMEWORK_ROOTS:
            return None
        if qualname in self._project_names:
            found = self._project_names[qualname]
        else:
            found = self._project_names[qualname] = bridge.value_of_qualname(qualname)
        return self.from_summary(found) if found is not None else None

    def call_foreign(self, call: cst.Call, callee: Foreign) -> V:
        def key_of(name: str, position: int) -> object:
            given = argument(call, position, name)
            return literal_value(given) if given is not None else None

        picked = bridge.keyed_call(callee.ref, key_of)
        if picked is not None:
            # ``get_model("convnet")``: the registry entry that key picks
            return self.from_summary(picked, call)
        entries = bridge.registry_entries(callee.ref, key_of)
        if entries:
            # ``build_model(args.arch)``: one of the entries (any other key
            # raises), so what every entry agrees on
            joined = self.from_summary(entries[0], call)
            for entry in entries[1:]:
                joined = self.join(joined, self.from_summary(entry, call))
            return joined
        found = bridge.call(callee.ref)
        return self.from_summary(found, call) if found is not None else self.unknown

    def foreign_attribute(self, base: Foreign, name: str) -> V:
        found = bridge.attribute(base.ref, name)
        return self.from_summary(found) if found is not None else self.unknown

    def foreign_method_call(
        self, call: cst.Call, receiver: Foreign, name: str, args: list[V], env: Env
    ) -> V:
        found = bridge.attribute(receiver.ref, name)
        if found is not None and not isinstance(found, (SClass, SInstance, SFunction, SModule)):
            # an attribute the domain calls itself (``trainer.criterion(out, y)``:
            # a loss object built in the other module)
            return self.call_value(call, self.from_summary(found, call), args, env)
        if found is not None:
            result = bridge.call(found)
            return self.from_summary(result, call) if result is not None else self.unknown
        if isinstance(receiver.ref, SInstance) and name in bridge.SELF_RETURNING:
            return receiver  # type: ignore[return-value]
        return self.unknown

    def construct(self, call: cst.Call, cls: cst.ClassDef, args: list[V]) -> V:
        """What calling a same-file class makes."""
        return Instance(cls)  # type: ignore[return-value]

    # --- environments -----------------------------------------------------------

    def _assign(self, target: cst.BaseExpression, value: V, env: Env) -> None:
        if type(target) is cst.Name:
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items: tuple[Any, ...] | None = None
            if (
                isinstance(value, TupleValue)
                and len(value.items) == len(elements)
                and not any(type(e) is cst.StarredElement for e in elements)
            ):
                items = value.items
            each = self.unpacked_item(value) if items is None else self.unknown
            for index, element in enumerate(elements):
                inner = element.value
                if type(element) is cst.StarredElement:
                    self._assign(inner, self.unknown, env)
                else:
                    self._assign(inner, items[index] if items else each, env)
        elif type(target) is cst.Attribute:
            key = self.model.dotted(target)
            if key is not None:
                # invalidate deeper keys (self.a.b) when self.a changes
                deeper = key + "."
                for k in [k for k in env if k.startswith(deeper)]:
                    del env[k]
                env[key] = value
        elif type(target) is cst.StarredElement:
            self._assign(target.value, self.unknown, env)
        elif type(target) is cst.Subscript and isinstance(
            env.get(self.model.dotted(target.value) or ""), DictValue
        ):
            # ``out["probs"] = p``: that key now holds ``value``
            key = self.model.dotted(target.value) or ""
            where = target.slice[0].slice if len(target.slice) == 1 else None
            name = literal_value(where.value) if isinstance(where, cst.Index) else None
            held = env[key]
            env[key] = held.with_item(name, value) if isinstance(name, str) else self.unknown
        elif type(target) is cst.Subscript:
            self.store_item(target, value, env)

    def unpacked_item(self, value: V) -> V:
        """What each name of ``a, b = value`` holds when ``value`` is no tuple
        the domain built (a domain may say: rows of one tensor)."""
        return self.unknown

    def store_item(self, target: cst.Subscript, value: V, env: Env) -> None:
        """``x[...] = value`` (a domain may say what ``x`` holds then)."""
        if self.SUBSCRIPT_STORE_FORGETS:
            # ``y[mask] = ...`` changes what ``y`` holds
            key = self.model.dotted(target.value)
            if key is not None and key in env:
                env[key] = self.unknown

    def _join_envs(self, envs: Sequence[Env | None], branches: bool = False) -> Env | None:
        """The environment after paths that meet. ``branches``: the arms of an
        ``if``/``match``/``try`` (not a loop's passes, whose first entry lacks
        what the body binds: keeping those values costs more passes than the
        loops' facts gain)."""
        live = [e for e in envs if e is not None]
        if not live:
            return None
        if len(live) == 1:
            return live[0]
        first = live[0]
        if all(len(e) == len(first) for e in live):
            # most joins are of environments holding the same values (a branch
            # or a loop's second pass that changed nothing): no join to make
            same = True
            for other in live[1:]:
                for key, value in first.items():
                    if other.get(key, _MISSING) is not value:
                        same = False
                        break
                if not same:
                    break
            if same:
                return dict(first)
        keys = set(live[0])
        for other in live[1:]:
            keys |= set(other)
        unknown = self.unknown
        join = self.join
        bottom = branches and self._unbound_is_bottom
        # a function's own local is bound by no star import or exec either
        locals_here = self._true_locals() if branches and not bottom else ()
        out: Env = {}
        for key in keys:
            # an attribute (``self.prior_d``) is bound by no star import or exec
            if (
                bottom or (branches and ("." in key or key in locals_here))
            ) and key not in _BUILTIN_NAMES:
                # a path that never bound the name raises NameError at a use:
                # where a use runs, the name holds what the other paths bound
                present = [v for e in live if (v := e.get(key, _MISSING)) is not _MISSING]
                value = present[0]
                for other_value in present[1:]:
                    value = join(value, other_value)
            else:
                value = live[0].get(key, unknown)
                for e in live[1:]:
                    value = join(value, e.get(key, unknown))
            out[key] = value
        return out

    def _true_locals(self) -> Container[str]:
        """The names the running function binds (a path that never bound one
        raises ``UnboundLocalError`` at a use, whatever the module imports)."""
        func = self.frame.func
        scope = self.model.scopes.get(func) if func is not None else None
        if scope is None or scope.nonlocals:
            return ()
        return scope.bindings

    @cached_property
    def _unbound_is_bottom(self) -> bool:
        """Every binding of a name is one the interpreter sees: no star import,
        no ``exec``/``eval``/``globals()``/``locals()``/``vars()`` that could bind
        names out of sight. Then a name missing from one path's environment is
        unbound there, not unknown."""
        model = self.model
        for node in model.nodes_of_type(cst.ImportFrom):
            if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
                return False
        hidden = ("exec", "eval", "globals", "locals", "vars", "__import__")
        return next(model.calls_to(*(f"builtins.{h}" for h in hidden)), None) is None

    def _join_all(self, values: Sequence[V]) -> V:
        if not values:
            return self.unknown
        result = values[0]
        for other in values[1:]:
            result = self.join(result, other)
        return result

    # --- provided by the other parts of the engine ---------------------------------

    def records_made(self) -> object:
        """What the domain has recorded so far, as a marker that changes with
        every new record (a domain whose hooks read their own records: a
        loop pass that recorded something is not skipped)."""
        return None

    def _second_pass_repeats(self, before: Env, after: Env) -> bool:
        """Whether a loop body's second pass, run from ``after`` (the first
        pass's entry ``before`` joined with its end), would do what the first
        did (then it is skipped)."""
        return False

    def eval(self, expr: cst.BaseExpression, env: Env) -> V:
        raise NotImplementedError

    def _free(self, ident: str) -> V:
        raise NotImplementedError

    def _annotated(self, annotation: cst.Annotation | None) -> V:
        raise NotImplementedError

    def _escapes(self, value: FunctionRef, expr: cst.BaseExpression, env: Env) -> None:
        raise NotImplementedError

    def callback_arguments(self, expr: cst.BaseExpression, func: cst.FunctionDef) -> Env | None:
        """The arguments a framework passes the function ``expr`` hands it
        (``Trainer(compute_metrics=f)``), by parameter, when the domain knows
        them; None: its callers are out of sight."""
        return None

    def _capture(self, func: cst.FunctionDef, env: Env) -> None:
        raise NotImplementedError

    def class_attrs(self, cls: cst.ClassDef) -> Env:
        raise NotImplementedError

    def method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        raise NotImplementedError

    def mro(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        raise NotImplementedError

    def _call(self, call: cst.Call, callee: Any, args: list[V], env: Env) -> V:
        raise NotImplementedError

    def _instance_method_call(
        self, call: cst.Call, func: cst.Attribute, receiver: Instance, args: list[V], env: Env
    ) -> V:
        raise NotImplementedError
