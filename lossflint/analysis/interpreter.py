"""The abstract interpreter: one engine, several domains.

Runs the statements of a module in program order with an environment of
abstract values (``Env``: a name or dotted attribute path → value). What the
values *are* and how calls, attributes and operators evaluate is the domain's
business (a subclass: ``KindAnalysis`` for tensor kinds, ``KerasFacts`` for
Keras models); everything about control flow and the program's structure is
here, once:

- ``if``/``match`` arms run separately and join (equal values survive,
  anything else becomes the domain's unknown); loops run twice and join with
  the entry state; a block that always returns/raises/breaks does not flow on;
- every function (and method) runs once per round; a same-file call returns
  the join of the callee's ``return`` values (a generator's call is unknown);
- parameters are unknown unless every same-file call site agrees on them
  (defaults count where a call relies on them); a function that escapes (is
  used as a value: callback, decorator argument, stored) or is called with
  ``*args`` has callers we cannot see and stays unpinned;
- calling a same-file class makes an ``Instance``; ``self.<attr>`` is what
  ``__init__`` leaves, joined with other methods' assignments; calling an
  instance runs the domain's call methods (``forward``/``__call__``);
- module-level names seen from functions take their value at the end of the
  module body, except names some function rebinds with ``global``; a direct
  call of a function that rebinds a name with ``global``/``nonlocal`` makes
  that name unknown in the caller afterwards;
- closures: a nested function sees the enclosing function's locals as they
  are where it can run: at its direct calls, where it escapes (passed on,
  returned, decorated) and at the enclosing function's exits (joined); names a
  nested function rebinds with ``nonlocal`` are unknown there;
- the last three facts depend on the whole file, so rounds repeat (at most
  ``MAX_ROUNDS``) until module globals, parameters and closures are stable.

The value of every expression evaluated while recording is kept (joined
across evaluations) in ``values``: what a rule asks for "what does this hold
here?".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import libcst as cst

from lossflint.analysis.calls import has_star_args, literal_value
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import ClassRef, FunctionRef, Instance, TupleValue

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.names import Scope

V = TypeVar("V")
Env = dict[str, Any]

MAX_ROUNDS = 3
MAX_DEPTH = 40  # nested on-demand function runs
_ABSENT = object()


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


class Interpreter(Generic[V]):
    """The engine. A domain subclasses it and overrides the hooks at the end."""

    #: calling an instance of a same-file class runs the first of these methods
    CALL_METHODS: tuple[str, ...] = ("__call__",)
    #: ``x[i] = v`` makes ``x`` unknown (True) or leaves it (False)
    SUBSCRIPT_STORE_FORGETS = False

    def __init__(self, model: ModuleIndex, unknown: V) -> None:
        self.model = model
        self.unknown: V = unknown
        self.values: dict[cst.CSTNode, V] = {}
        #: facts and values are recorded only in the canonical run of a body
        self.recording = True
        #: the statement being run (evidence for domain facts)
        self.stmt: cst.CSTNode = model.module
        self.frame = Frame("<module>")
        # across rounds
        self._globals: Env = {}
        self._pins: dict[cst.FunctionDef, Env] = {}
        self._captures: dict[cst.FunctionDef, Env] = {}
        #: module names read (and what they gave) while the module body runs
        self._early_reads: dict[str, Any] | None = None
        self._unpinnable: set[cst.FunctionDef] = set()
        # within a round
        self._returns: dict[cst.FunctionDef, V] = {}
        self._in_progress: set[cst.FunctionDef] = set()
        self._depth = 0
        self._class_attrs: dict[cst.ClassDef, Env] = {}
        self._next_pins: dict[cst.FunctionDef, Env] = {}
        self._next_captures: dict[cst.FunctionDef, Env] = {}
        # structure of the file
        self._functions = [n for n in model.scopes if isinstance(n, cst.FunctionDef)]
        self._nested: dict[cst.FunctionDef, list[cst.FunctionDef]] = {}
        self._global_writes: dict[cst.FunctionDef, frozenset[str]] = {}
        #: names a function rebinds with ``nonlocal``, and the function owning each
        self._nonlocal_writes: dict[cst.FunctionDef, dict[str, cst.FunctionDef]] = {}
        self._written_from_functions: set[str] = set()
        self._nonlocal_targets: dict[cst.FunctionDef, set[str]] = {}
        self._scan_structure()

    # --- public -------------------------------------------------------------

    def run(self) -> None:
        """Rounds until module globals, parameters and closures are stable."""
        module = self.model.module
        for round_ in range(MAX_ROUNDS):
            if round_ and not self.worth_another_round():
                break
            self.values = {}
            self._returns = {}
            self._class_attrs = {}
            self._next_pins = {}
            self._next_captures = {}
            self.begin_round()
            self.recording = True
            self.frame = Frame("<module>")
            self.stmt = module
            self._early_reads = {}
            env: Env = {}
            try:
                end = self._exec_block(module.body, env)
            except RecursionError:
                end = env
            early = self._early_reads or {}
            self._early_reads = None
            end = end if end is not None else env
            new_globals = {k: v for k, v in end.items() if k not in self._written_from_functions}
            # functions run during the module body saw the previous round's names
            stale = any(self._static_ref(n, new_globals) != v for n, v in early.items())
            # the functions not run yet see this round's
            self._globals = new_globals
            for func in self._functions:
                self._function_returns(func)
            new_pins = self._settle(self._next_pins, self._unpinnable)
            new_captures = self._settle(self._next_captures, set())
            stable = not stale and new_pins == self._pins and new_captures == self._captures
            self._pins, self._captures = new_pins, new_captures
            if stable:
                break

    def eval(self, expr: cst.BaseExpression, env: Env) -> V:
        """The value of ``expr`` in ``env`` (recorded while recording)."""
        value = self._eval_inner(expr, env)
        if self.recording:
            values = self.values
            previous = values.get(expr, _ABSENT)
            values[expr] = value if previous is _ABSENT else self.join(previous, value)  # type: ignore[arg-type]
        return value

    def eval_quietly(self, expr: cst.BaseExpression, env: Env) -> V:
        """``eval`` without recording anything (values, facts, call sites)."""
        saved, self.recording = self.recording, False
        try:
            return self.eval(expr, env)
        finally:
            self.recording = saved

    def evaluate_alone(self, expr: cst.BaseExpression, label: str = "?") -> V:
        """What ``expr`` says on its own (not reached by the interpreter:
        lambda, default, dead code): module-level names only, nothing recorded."""
        saved_frame, saved_stmt = self.frame, self.stmt
        self.frame = Frame(label)
        try:
            return self.eval_quietly(expr, {})
        except RecursionError:
            return self.unknown
        finally:
            self.frame, self.stmt = saved_frame, saved_stmt

    def name_value(self, name: cst.Name, env: Env) -> V:
        """``name`` in ``env``, else as a free name of the running function."""
        ident = name.value
        if ident in env:
            return env[ident]  # type: ignore[no-any-return]
        return self._free(ident)

    def run_body(
        self, func: cst.FunctionDef, env: Env, cls: cst.ClassDef | None = None
    ) -> tuple[Env | None, V]:
        """Run ``func``'s body from ``env`` without recording: its end
        environment (None if it always leaves) and the join of its returns."""
        frame = self._frame_for(func, cls)
        saved_frame, saved_stmt, saved_rec = self.frame, self.stmt, self.recording
        self.frame, self.recording = frame, False
        try:
            end = self._exec_block(_body(func), env)
        except RecursionError:
            end = None
            frame.returns.append(self.unknown)
        finally:
            self.frame, self.stmt, self.recording = saved_frame, saved_stmt, saved_rec
        return end, self._join_all(frame.returns)

    def class_of_method(self, func: cst.FunctionDef) -> cst.ClassDef | None:
        parent = self.model.parent(func)
        if isinstance(parent, cst.IndentedBlock):
            grand = self.model.parent(parent)
            if isinstance(grand, cst.ClassDef):
                return grand
        return None

    def method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        """``name`` defined on ``cls`` or a same-file base class."""
        for klass in self.mro(cls):
            for stmt in _body(klass):
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
                    return stmt
        return None

    def mro(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        order: list[cst.ClassDef] = []
        todo = [cls]
        while todo:
            current = todo.pop(0)
            if current in order:
                continue
            order.append(current)
            for base in current.bases:
                ref = (
                    self._static_ref(base.value.value) if isinstance(base.value, cst.Name) else None
                )
                if isinstance(ref, ClassRef):
                    todo.append(ref.cls)
        return order

    # --- domain hooks -----------------------------------------------------------

    def join(self, a: V, b: V) -> V:
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

    def api_call(self, call: cst.Call, qualname: str, args: list[V], env: Env) -> V:
        """A call of an imported API (canonical ``qualname``)."""
        return self.unknown

    def method_call(
        self, call: cst.Call, func: cst.Attribute, receiver: V, args: list[V], env: Env
    ) -> V:
        """``receiver.name(...)`` where the receiver is not a same-file instance."""
        return self.unknown

    def instance_method(self, call: cst.Call, name: str, receiver: Instance) -> V:
        """A method an instance has but this file does not define (inherited
        from a framework base class)."""
        return self.unknown

    def call_value(self, call: cst.Call, callee: V, args: list[V], env: Env) -> V:
        """Calling a domain value (a layer, a loss object, a model)."""
        return self.unknown

    def construct(self, call: cst.Call, cls: cst.ClassDef, args: list[V]) -> V:
        """What calling a same-file class makes."""
        return Instance(cls)  # type: ignore[return-value]

    # --- structure of the file ----------------------------------------------------

    def _scan_structure(self) -> None:
        scopes = self.model.scopes
        for node, scope in scopes.items():
            if not isinstance(node, cst.FunctionDef):
                continue
            if scope.globals:
                self._global_writes[node] = frozenset(scope.globals)
                self._written_from_functions |= scope.globals
            parent = scope.parent
            if parent is not None and parent.kind == "function":
                self._nested.setdefault(parent.node, []).append(node)  # type: ignore[arg-type]
            for name in scope.nonlocals:
                owner = _binding_function(scope.parent, name)
                if owner is not None:
                    self._nonlocal_targets.setdefault(owner, set()).add(name)
                    self._nonlocal_writes.setdefault(node, {})[name] = owner

    def _frame_for(self, func: cst.FunctionDef, cls: cst.ClassDef | None) -> Frame:
        label = f"{cls.name.value}.{func.name.value}" if cls else func.name.value
        return Frame(label, func, cls, [], self.model.scopes[func].bindings)

    # --- rounds ----------------------------------------------------------------------

    def _settle(
        self, collected: dict[cst.FunctionDef, Env], excluded: set[cst.FunctionDef]
    ) -> dict[cst.FunctionDef, Env]:
        settled: dict[cst.FunctionDef, Env] = {}
        unknown = self.unknown
        for func, names in collected.items():
            if func in excluded:
                continue
            known = {k: v for k, v in names.items() if v is not unknown}
            if known:
                settled[func] = known
        return settled

    # --- functions ---------------------------------------------------------------

    def _function_returns(self, func: cst.FunctionDef) -> V:
        """The join of ``func``'s returns; its body runs (recording) once per round."""
        if func in self._returns:
            return self._returns[func]
        if func in self._in_progress or self._depth > MAX_DEPTH:
            return self.unknown
        self._in_progress.add(func)
        self._depth += 1
        saved_frame, saved_stmt, saved_rec = self.frame, self.stmt, self.recording
        try:
            cls = self.class_of_method(func)
            frame = self._frame_for(func, cls)
            if func in self._nested:
                frame.exits = []
            env = self._entry_env(func, cls)
            self.frame, self.recording = frame, True
            try:
                end = self._exec_block(_body(func), env)
            except RecursionError:
                end = None
                frame.returns.append(self.unknown)
            if frame.exits is not None:
                for exit_env in [*frame.exits, *([end] if end is not None else [])]:
                    for nested in self._nested[func]:
                        self._capture(nested, exit_env)
            result = (
                self.unknown if func in self.model.generators else self._join_all(frame.returns)
            )
            self._returns[func] = result
            return result
        finally:
            self.frame, self.stmt, self.recording = saved_frame, saved_stmt, saved_rec
            self._in_progress.discard(func)
            self._depth -= 1

    def _entry_env(self, func: cst.FunctionDef, cls: cst.ClassDef | None) -> Env:
        env: Env = {}
        pins = self._pins.get(func, {})
        for index, name in enumerate(_param_names(func.params)):
            if index == 0 and cls is not None and not _is_static(func):
                env[name] = ClassRef(cls) if _is_classmethod(func) else Instance(cls)
            else:
                env[name] = pins.get(name, self.unknown)
        return env

    def _join_all(self, values: Sequence[V]) -> V:
        if not values:
            return self.unknown
        result = values[0]
        for other in values[1:]:
            result = self.join(result, other)
        return result

    def _call_function(
        self,
        call: cst.Call,
        func: cst.FunctionDef,
        bound: cst.ClassDef | None,
        args: list[V],
        env: Env,
    ) -> V:
        if self.recording:
            self._record_call_site(call, func, bound, args)
            if func in self._nested.get(self.frame.func, ()):  # type: ignore[arg-type]
                self._capture(func, env)
        result = self._function_returns(func)
        # what the callee rebinds through global/nonlocal is no longer known here
        caller = self.frame.func
        for name in self._global_writes.get(func, ()):
            if caller is None or name in self._global_writes.get(caller, ()):
                env.pop(name, None)
        for name, owner in self._nonlocal_writes.get(func, {}).items():
            if owner is caller:
                env.pop(name, None)
        return result

    def _record_call_site(
        self, call: cst.Call, func: cst.FunctionDef, bound: cst.ClassDef | None, args: list[V]
    ) -> None:
        if has_star_args(call):
            self._unpinnable.add(func)
            return
        params = func.params
        skip = 1 if bound is not None and not _is_static(func) else 0
        in_order = [p.name.value for p in (*params.posonly_params, *params.params)][skip:]
        every = in_order + [p.name.value for p in params.kwonly_params]
        seen: Env = {}
        index = 0
        for arg, value in zip(call.args, args, strict=False):
            if arg.keyword is None:
                if index < len(in_order):
                    seen[in_order[index]] = value
                index += 1
            else:
                seen[arg.keyword.value] = value
        pins = self._next_pins.setdefault(func, {})
        defaults = _param_defaults(params)
        for name in every:
            if name in seen:
                value = seen[name]
            elif name in defaults:
                # the call relies on the default: ``def train(model=Net())``
                value = self.evaluate_alone(defaults[name], "<default>")
            else:
                value = self.unknown
            pins[name] = self.join(pins[name], value) if name in pins else value

    def _escapes(self, value: FunctionRef, expr: cst.BaseExpression, env: Env) -> None:
        """``value`` is used other than called: its callers are out of sight."""
        parent = self.model.parent(expr)
        if isinstance(parent, cst.Call) and parent.func is expr:
            return
        if (
            isinstance(parent, cst.Assign)
            and parent.value is expr
            and all(isinstance(t.target, cst.Name) for t in parent.targets)
        ):
            return  # an alias: calls through it are seen as calls of the function
        self._unpinnable.add(value.func)
        if value.func in self._nested.get(self.frame.func, ()):  # type: ignore[arg-type]
            self._capture(value.func, env)

    def _capture(self, func: cst.FunctionDef, env: Env) -> None:
        """Where ``func`` may run, its enclosing function's locals are ``env``."""
        into = self._next_captures.get(func)
        hidden = self._nonlocal_targets.get(self.frame.func, ())  # type: ignore[arg-type]
        if into is None:
            self._next_captures[func] = {k: v for k, v in env.items() if k not in hidden}
            return
        for key, value in env.items():
            if key in hidden:
                continue
            # a name not bound yet at one point is no evidence against another
            into[key] = self.join(into[key], value) if key in into else value

    # --- classes -------------------------------------------------------------------

    def class_attrs(self, cls: cst.ClassDef) -> Env:
        """``self.<attr>`` values: as ``__init__`` leaves them, joined with any
        other method's assignments (evaluated on their own)."""
        if cls in self._class_attrs:
            return self._class_attrs[cls]
        self._class_attrs[cls] = {}
        attrs: Env = {}
        # base classes first: a subclass's own assignments override them
        for klass in reversed(self.mro(cls)):
            own: Env = {}
            for stmt in _body(klass):
                if isinstance(stmt, cst.FunctionDef):
                    found = self._attrs_set_by(klass, stmt, stmt.name.value == "__init__")
                    for key, value in found.items():
                        own[key] = self.join(own[key], value) if key in own else value
            attrs.update(own)
        self._class_attrs[cls] = attrs
        return attrs

    def _attrs_set_by(self, cls: cst.ClassDef, func: cst.FunctionDef, flow: bool) -> Env:
        self_name = _param_names(func.params)[:1]
        if not self_name:
            return {}
        prefix = self_name[0] + "."
        if flow:
            pins = self._pins.get(func, {})
            env: Env = {name: pins.get(name, self.unknown) for name in _param_names(func.params)}
            env[self_name[0]] = Instance(cls)
            end, _ = self.run_body(func, env, cls)
            return {
                k[len(prefix) :]: v
                for k, v in (end or {}).items()
                if k.startswith(prefix) and "." not in k[len(prefix) :]
            }
        out: Env = {}
        saved = self.frame
        self.frame = self._frame_for(func, cls)
        try:
            for node in self.model.assignments.get(func, ()):
                for target in node.targets:
                    t = target.target
                    if (
                        isinstance(t, cst.Attribute)
                        and isinstance(t.value, cst.Name)
                        and t.value.value == self_name[0]
                    ):
                        value = self.eval_quietly(node.value, {})
                        name = t.attr.value
                        out[name] = self.join(out[name], value) if name in out else value
        finally:
            self.frame = saved
        return out

    # --- statements ------------------------------------------------------------------

    def _exec_block(self, body: Sequence[cst.CSTNode], env: Env) -> Env | None:
        """Run statements; None when the block always leaves (return/raise/...)."""
        for stmt in body:
            result = self._exec_stmt(stmt, env)
            if result is None:
                return None
            env = result
        return env

    def _exec_stmt(self, stmt: cst.CSTNode, env: Env) -> Env | None:
        self.stmt = stmt
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if not self._exec_small(small, env):
                    return None
            return env
        if isinstance(stmt, cst.If):
            self.eval(stmt.test, env)
            then = self._exec_block(_body(stmt), dict(env))
            if stmt.orelse is None:
                other: Env | None = dict(env)
            elif isinstance(stmt.orelse, cst.If):
                other = self._exec_stmt(stmt.orelse, dict(env))
            else:
                other = self._exec_block(_body(stmt.orelse), dict(env))
            return self._join_envs([then, other])
        if isinstance(stmt, (cst.For, cst.While)):
            return self._exec_loop(stmt, env)
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                self.eval(item.item, env)
                if item.asname is not None:
                    self._assign(item.asname.name, self.unknown, env)
            return self._exec_block(_body(stmt), env)
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            return self._exec_try(stmt, env)
        if isinstance(stmt, cst.Match):
            self.eval(stmt.subject, env)
            # no arm may match, unless one is irrefutable (``case _:`` / ``case x:``)
            exhaustive = any(_irrefutable(case) for case in stmt.cases)
            arms: list[Env | None] = [] if exhaustive else [dict(env)]
            for case in stmt.cases:
                case_env = dict(env)
                for name in _match_names(case.pattern):
                    case_env[name] = self.unknown
                arms.append(self._exec_block(_body(case), case_env))
            return self._join_envs(arms)
        if isinstance(stmt, cst.FunctionDef):
            ref = FunctionRef(stmt)
            env[stmt.name.value] = ref
            if stmt.decorators and self.recording and self.frame.func is not None:
                # a decorator may keep it to call later (``@trainer.on(...)``)
                self._capture(stmt, env)
            return env
        if isinstance(stmt, cst.ClassDef):
            env[stmt.name.value] = ClassRef(stmt)
            return env
        return env

    def _exec_try(self, stmt: cst.Try | cst.TryStar, env: Env) -> Env | None:
        before = dict(env)
        after_body = self._exec_block(_body(stmt), env)
        if stmt.orelse is not None and after_body is not None:
            after_body = self._exec_block(_body(stmt.orelse), after_body)
        outs: list[Env | None] = [after_body]
        for handler in stmt.handlers:
            start = self._join_envs([before, after_body]) or dict(before)
            if handler.name is not None:
                self._assign(handler.name.name, self.unknown, start)
            outs.append(self._exec_block(_body(handler), start))
        merged = self._join_envs(outs)
        if stmt.finalbody is not None:
            base = merged if merged is not None else dict(before)
            fin = self._exec_block(_body(stmt.finalbody), base)
            return fin if merged is not None else None
        return merged

    def _exec_loop(self, stmt: cst.For | cst.While, env: Env) -> Env | None:
        if isinstance(stmt, cst.For):
            self.eval(stmt.iter, env)
        else:
            self.eval(stmt.test, env)
        current = dict(env)
        exits: list[Env | None] = [dict(env)]
        for _ in range(2):
            body_env = dict(current)
            if isinstance(stmt, cst.For):
                self._assign(stmt.target, self.unknown, body_env)
            out = self._exec_block(_body(stmt), body_env)
            # a body that always leaves (break/return) still reached here
            if out is None:
                out = body_env
            current = self._join_envs([current, out]) or current
            exits.append(dict(current))
        if stmt.orelse is not None:
            current = self._exec_block(_body(stmt.orelse), current) or current
        return self._join_envs([*exits, current])

    def _exec_small(self, small: cst.BaseSmallStatement, env: Env) -> bool:
        """Run one small statement; False when it leaves the block."""
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, env)
            for target in small.targets:
                self._assign(target.target, value, env)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, env)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._assign(small.target, self.eval(small.value, env), env)
        elif isinstance(small, cst.AugAssign):
            right = self.eval(small.value, env)
            left = self.eval(small.target, env)
            op = type(small.operator).__name__[: -len("Assign")]
            self._assign(small.target, self.binary(op, left, right, small), env)
        elif isinstance(small, cst.Return):
            value = self.eval(small.value, env) if small.value is not None else self.unknown
            self.frame.returns.append(value)
            if self.frame.exits is not None:
                self.frame.exits.append(dict(env))
            return False
        elif isinstance(small, cst.Raise):
            if small.exc is not None:
                self.eval(small.exc, env)
            return False
        elif isinstance(small, (cst.Break, cst.Continue)):
            return False
        elif isinstance(small, cst.Del):
            self._assign(small.target, self.unknown, env)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            names = small.names if not isinstance(small.names, cst.ImportStar) else []
            for alias in names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    env.pop(alias.asname.name.value, None)
                elif isinstance(alias.name, cst.Name):
                    env.pop(alias.name.value, None)
        return True

    def _assign(self, target: cst.BaseExpression, value: V, env: Env) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items: tuple[Any, ...] | None = None
            if (
                isinstance(value, TupleValue)
                and len(value.items) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in elements)
            ):
                items = value.items
            for index, element in enumerate(elements):
                inner = element.value
                if isinstance(element, cst.StarredElement):
                    self._assign(inner, self.unknown, env)
                else:
                    self._assign(inner, items[index] if items else self.unknown, env)
        elif isinstance(target, cst.Attribute):
            key = dotted_text(target)
            if key is not None:
                # invalidate deeper keys (self.a.b) when self.a changes
                deeper = key + "."
                for k in [k for k in env if k.startswith(deeper)]:
                    del env[k]
                env[key] = value
        elif isinstance(target, cst.StarredElement):
            self._assign(target.value, self.unknown, env)
        elif isinstance(target, cst.Subscript) and self.SUBSCRIPT_STORE_FORGETS:
            # ``y[mask] = ...`` changes what ``y`` holds
            key = dotted_text(target.value)
            if key is not None and key in env:
                env[key] = self.unknown

    def _join_envs(self, envs: Sequence[Env | None]) -> Env | None:
        live = [e for e in envs if e is not None]
        if not live:
            return None
        if len(live) == 1:
            return live[0]
        keys = set(live[0])
        for other in live[1:]:
            keys |= set(other)
        unknown = self.unknown
        join = self.join
        out: Env = {}
        for key in keys:
            value = live[0].get(key, unknown)
            for e in live[1:]:
                value = join(value, e.get(key, unknown))
            out[key] = value
        return out

    # --- expressions -------------------------------------------------------------------

    def _eval_inner(self, expr: cst.BaseExpression, env: Env) -> V:
        kind = type(expr)
        if kind is cst.Name:
            return self._eval_name(expr, env)  # type: ignore[arg-type]
        if kind is cst.Attribute:
            return self._eval_attribute(expr, env)  # type: ignore[arg-type]
        if kind is cst.Call:
            return self._eval_call(expr, env)  # type: ignore[arg-type]
        handler = _HANDLERS.get(kind)
        if handler is not None:
            return handler(self, expr, env)  # type: ignore[no-any-return]
        return self.unknown

    def _eval_name(self, expr: cst.Name, env: Env) -> V:
        ident = expr.value
        if ident in env:
            value = env[ident]
        elif ident in ("True", "False", "None"):
            return self.literal(expr)
        else:
            value = self._free(ident)
        if isinstance(value, FunctionRef) and self.recording:
            self._escapes(value, expr, env)
        return value  # type: ignore[no-any-return]

    def _free(self, ident: str) -> V:
        """A name the running function does not hold in its environment."""
        func = self.frame.func
        if func is not None:
            if ident in self.frame.local_names:
                return self.unknown  # a local not (yet) known here
            inner: cst.FunctionDef | None = func
            scope: Scope | None = self.model.scopes[func].parent
            while scope is not None and scope.parent is not None:
                if scope.kind == "function":
                    if ident in scope.bindings:
                        # a local of an enclosing function: as it is where ``inner`` runs
                        captured = self._captures.get(inner) if inner is not None else None
                        return captured.get(ident, self.unknown) if captured else self.unknown
                    inner = scope.node  # type: ignore[assignment]
                else:
                    if scope.kind != "class" and ident in scope.bindings:
                        return self.unknown
                    inner = None  # a class body or lambda between: nothing captured
                scope = scope.parent
        return self._static_ref(ident)

    def _static_ref(self, ident: str, names: Env | None = None) -> Any:
        """A module-level name: its value at the end of the module body (in
        ``names``, default the last one seen), or the same-file class/function
        it is bound to."""
        found = self._module_name(ident, self._globals if names is None else names)
        if names is None and self._early_reads is not None:
            self._early_reads[ident] = found
        return found

    def _module_name(self, ident: str, names: Env) -> Any:
        if ident in names:
            return names[ident]
        bindings = self.model.module_scope.bindings.get(ident)
        if bindings and len(bindings) == 1:
            only = bindings[0]
            if only.kind == "class" and isinstance(only.node, cst.ClassDef):
                return ClassRef(only.node)
            if only.kind == "def" and isinstance(only.node, cst.FunctionDef):
                return FunctionRef(only.node)
        return self.unknown

    def _eval_attribute(self, expr: cst.Attribute, env: Env) -> V:
        key = dotted_text(expr)
        if key is not None and key in env:
            return env[key]  # type: ignore[no-any-return]
        qualname = self.model.qualname(expr)
        if qualname is not None:
            return self.module_attribute(qualname, expr)
        base = self.eval(expr.value, env)
        if isinstance(base, Instance):
            attr = expr.attr.value
            attrs = self.class_attrs(base.cls)
            if attr in attrs:
                return attrs[attr]  # type: ignore[no-any-return]
            method = self.method(base.cls, attr)
            if method is not None:
                ref = FunctionRef(method, base.cls)
                if self.recording:
                    self._escapes(ref, expr, env)
                return ref  # type: ignore[return-value]
            return self.unknown
        if isinstance(base, TupleValue) and len(base.items) == 2:
            # ``torch.max(x, 1).indices``
            if expr.attr.value == "indices":
                return base.items[1]  # type: ignore[return-value]
            if expr.attr.value == "values":
                return base.items[0]  # type: ignore[return-value]
        return self.attribute(expr, base)

    def _eval_call(self, call: cst.Call, env: Env) -> V:
        func = call.func
        qualname = None
        if isinstance(func, cst.Name):
            if func.value not in env:
                qualname = self.model.qualname(func)
        elif isinstance(func, cst.Attribute):
            key = dotted_text(func)
            if key is None or key not in env:
                qualname = self.model.qualname(func)
        if qualname is not None:
            args = [self.eval(a.value, env) for a in call.args]
            return self.api_call(call, qualname, args, env)
        if isinstance(func, cst.Attribute):
            receiver = self.eval(func.value, env)
            args = [self.eval(a.value, env) for a in call.args]
            key = dotted_text(func)
            if key is not None and key in env:
                return self._call(call, env[key], args, env)
            if isinstance(receiver, Instance):
                return self._instance_method_call(call, func.attr.value, receiver, args, env)
            return self.method_call(call, func, receiver, args, env)
        callee = self.eval(func, env)
        args = [self.eval(a.value, env) for a in call.args]
        return self._call(call, callee, args, env)

    def _instance_method_call(
        self, call: cst.Call, name: str, receiver: Instance, args: list[V], env: Env
    ) -> V:
        attrs = self.class_attrs(receiver.cls)
        if name in attrs:
            return self._call(call, attrs[name], args, env)
        method = self.method(receiver.cls, name)
        if method is not None:
            return self._call_function(call, method, receiver.cls, args, env)
        return self.instance_method(call, name, receiver)

    def _call(self, call: cst.Call, callee: Any, args: list[V], env: Env) -> V:
        if isinstance(callee, FunctionRef):
            return self._call_function(call, callee.func, callee.bound, args, env)
        if isinstance(callee, ClassRef):
            init = self.method(callee.cls, "__init__")
            if init is not None and self.recording:
                # constructor arguments pin __init__'s parameters (self.model = model)
                self._record_call_site(call, init, callee.cls, args)
            return self.construct(call, callee.cls, args)
        if isinstance(callee, Instance):
            for name in self.CALL_METHODS:
                method = self.method(callee.cls, name)
                if method is not None:
                    return self._call_function(call, method, callee.cls, args, env)
            return self.unknown
        return self.call_value(call, callee, args, env)

    def _eval_subscript(self, expr: cst.Subscript, env: Env) -> V:
        base = self.eval(expr.value, env)
        for element in expr.slice:
            if isinstance(element.slice, cst.Index):
                self.eval(element.slice.value, env)
        if isinstance(base, TupleValue):
            if len(expr.slice) == 1:
                index = expr.slice[0].slice
                if isinstance(index, cst.Index):
                    position = literal_value(index.value)
                    if isinstance(position, int) and not isinstance(position, bool):
                        if -len(base.items) <= position < len(base.items):
                            return base.items[position]  # type: ignore[return-value]
            return self.unknown
        return self.subscript(expr, base)

    def _eval_binary(self, expr: cst.BinaryOperation, env: Env) -> V:
        left = self.eval(expr.left, env)
        right = self.eval(expr.right, env)
        return self.binary(type(expr.operator).__name__, left, right, expr)

    def _eval_unary(self, expr: cst.UnaryOperation, env: Env) -> V:
        return self.unary(expr, self.eval(expr.expression, env))

    def _eval_if_exp(self, expr: cst.IfExp, env: Env) -> V:
        self.eval(expr.test, env)
        return self.join(self.eval(expr.body, env), self.eval(expr.orelse, env))

    def _eval_tuple(self, expr: cst.Tuple, env: Env) -> V:
        items = []
        starred = False
        for element in expr.elements:
            value = self.eval(element.value, env)
            if isinstance(element, cst.StarredElement):
                starred = True
            items.append(value)
        if starred:
            return self.unknown
        return TupleValue(tuple(items))  # type: ignore[arg-type, return-value]

    def _eval_named(self, expr: cst.NamedExpr, env: Env) -> V:
        value = self.eval(expr.value, env)
        self._assign(expr.target, value, env)
        return value

    def _eval_await(self, expr: cst.Await, env: Env) -> V:
        return self.eval(expr.expression, env)

    def _eval_comprehension(self, expr: Any, env: Env) -> V:
        inner_env = dict(env)
        comp: cst.CompFor | None = expr.for_in
        while comp is not None:
            self.eval(comp.iter, inner_env)
            self._assign(comp.target, self.unknown, inner_env)
            for cond in comp.ifs:
                self.eval(cond.test, inner_env)
            comp = comp.inner_for_in
        if isinstance(expr, cst.DictComp):
            self.eval(expr.key, inner_env)
            self.eval(expr.value, inner_env)
        else:
            self.eval(expr.elt, inner_env)
        return self.unknown

    def _eval_elements(self, expr: cst.List | cst.Set, env: Env) -> V:
        for element in expr.elements:
            self.eval(element.value, env)
        return self.unknown

    def _eval_dict(self, expr: cst.Dict, env: Env) -> V:
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                self.eval(element.key, env)
            self.eval(element.value, env)
        return self.unknown

    def _eval_comparison(self, expr: cst.Comparison, env: Env) -> V:
        self.eval(expr.left, env)
        for target in expr.comparisons:
            self.eval(target.comparator, env)
        return self.unknown

    def _eval_boolean(self, expr: cst.BooleanOperation, env: Env) -> V:
        self.eval(expr.left, env)
        self.eval(expr.right, env)
        return self.unknown

    def _eval_yield(self, expr: cst.Yield, env: Env) -> V:
        if isinstance(expr.value, cst.BaseExpression):
            self.eval(expr.value, env)
        return self.unknown

    def _eval_fstring(self, expr: cst.FormattedString, env: Env) -> V:
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringExpression):
                self.eval(part.expression, env)
        return self.unknown

    def _eval_literal(self, expr: cst.BaseExpression, env: Env) -> V:
        return self.literal(expr)


_HANDLERS: dict[type, Any] = {
    cst.Subscript: Interpreter._eval_subscript,
    cst.BinaryOperation: Interpreter._eval_binary,
    cst.UnaryOperation: Interpreter._eval_unary,
    cst.IfExp: Interpreter._eval_if_exp,
    cst.Tuple: Interpreter._eval_tuple,
    cst.NamedExpr: Interpreter._eval_named,
    cst.Await: Interpreter._eval_await,
    cst.ListComp: Interpreter._eval_comprehension,
    cst.SetComp: Interpreter._eval_comprehension,
    cst.GeneratorExp: Interpreter._eval_comprehension,
    cst.DictComp: Interpreter._eval_comprehension,
    cst.List: Interpreter._eval_elements,
    cst.Set: Interpreter._eval_elements,
    cst.Dict: Interpreter._eval_dict,
    cst.Comparison: Interpreter._eval_comparison,
    cst.BooleanOperation: Interpreter._eval_boolean,
    cst.Yield: Interpreter._eval_yield,
    cst.FormattedString: Interpreter._eval_fstring,
    cst.Integer: Interpreter._eval_literal,
    cst.Float: Interpreter._eval_literal,
    cst.SimpleString: Interpreter._eval_literal,
}


# --- helpers ------------------------------------------------------------------------


def _body(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    if isinstance(body, (list, tuple)):
        return body
    return []


def _binding_function(scope: Scope | None, name: str) -> cst.FunctionDef | None:
    """The enclosing function that owns ``name`` (a ``nonlocal`` target)."""
    while scope is not None and scope.parent is not None:
        if scope.kind == "function" and name in scope.bindings:
            return scope.node  # type: ignore[return-value]
        scope = scope.parent
    return None


def _param_names(params: cst.Parameters) -> list[str]:
    return [p.name.value for p in (*params.posonly_params, *params.params)] + [
        p.name.value for p in params.kwonly_params
    ]


def _param_defaults(params: cst.Parameters) -> dict[str, cst.BaseExpression]:
    return {
        p.name.value: p.default
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        if p.default is not None
    }


def _decorators(func: cst.FunctionDef) -> set[str]:
    names = set()
    for dec in func.decorators:
        target = dec.decorator
        if isinstance(target, cst.Call):
            target = target.func
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, cst.Attribute):
            names.add(target.attr.value)
    return names


def _is_static(func: cst.FunctionDef) -> bool:
    return "staticmethod" in _decorators(func)


def _is_classmethod(func: cst.FunctionDef) -> bool:
    return "classmethod" in _decorators(func)


def _irrefutable(case: cst.MatchCase) -> bool:
    pattern = case.pattern
    return case.guard is None and isinstance(pattern, cst.MatchAs) and pattern.pattern is None


def _match_names(pattern: cst.MatchPattern) -> list[str]:
    names: list[str] = []

    class _Names(cst.CSTVisitor):
        def visit_MatchAs(self, node: cst.MatchAs) -> None:
            if node.name is not None:
                names.append(node.name.value)

        def visit_MatchStar(self, node: cst.MatchStar) -> None:
            if node.name is not None:
                names.append(node.name.value)

    pattern.visit(_Names())
    return names
