"""Value-kind dataflow: what each expression holds where it is evaluated.

An abstract interpreter over statements. Each function (and the module body)
is run once per round with an environment of abstract values; branches are
run separately and joined, loops twice. The value of every evaluated
expression is recorded (joined across evaluations), so rules can ask "what
does this argument hold here?". Same-file calls return the callee's joined
return value; parameters are UNKNOWN unless every same-file call site agrees
on them; module-level names seen from functions take their value at the end
of the module body. Rounds repeat (bounded) while those facts change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, has_star_args, literal_value, positional
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import (
    UNKNOWN,
    ClassRef,
    FunctionRef,
    Instance,
    Layer,
    LossObject,
    Sequential,
    Tensor,
    TupleValue,
    Value,
    join,
)

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

Env = dict[str, Value]
MAX_ROUNDS = 3
MAX_DEPTH = 40  # nested on-demand function analyses


@dataclass(eq=False)
class LossCall:
    """A call of a loss: functional (``F.cross_entropy(x, y)``) or through a
    loss object (``crit(x, y)``), with its values at that point."""

    node: cst.Call
    functional: str
    input_expr: cst.BaseExpression | None
    target_expr: cst.BaseExpression | None
    #: the constructor call for loss objects (its keywords apply too)
    ctor: cst.Call | None = None
    keywords: dict[str, cst.BaseExpression] = field(default_factory=dict)
    where: str = ""


@dataclass
class _Frame:
    name: str
    cls: cst.ClassDef | None
    func: cst.FunctionDef | None
    returns: list[Value] = field(default_factory=list)
    local_names: frozenset[str] = frozenset()


class KindAnalysis:
    def __init__(self, model: ModuleIndex) -> None:
        self.model = model
        self.values: dict[cst.CSTNode, Value] = {}
        self.loss_calls: dict[cst.Call, LossCall] = {}
        self._returns: dict[cst.FunctionDef, Value] = {}
        self._in_progress: set[cst.FunctionDef] = set()
        self._globals: Env = {}
        self._pins: dict[cst.FunctionDef, dict[str, Value]] = {}
        self._next_pins: dict[cst.FunctionDef, dict[str, Value]] = {}
        self._unpinnable: set[cst.FunctionDef] = set()
        self._class_attrs: dict[cst.ClassDef, dict[str, Value]] = {}
        self._functions = [n for n in model.scopes if isinstance(n, cst.FunctionDef)]
        self._classes = {n for n in model.scopes if isinstance(n, cst.ClassDef)}
        self._global_writes = self._names_written_by_functions()
        self._depth = 0
        self._run()

    # --- public -----------------------------------------------------------

    def value_of(self, expr: cst.BaseExpression) -> Value:
        found = self.values.get(expr)
        if found is not None:
            return found
        # not reached by the interpreter (lambda, default, dead code): only
        # what the expression says on its own
        frame = _Frame("?", None, None)
        try:
            return self._eval(expr, {}, frame, record=False)
        except RecursionError:
            return UNKNOWN

    def kind(self, expr: cst.BaseExpression) -> Kind:
        value = self.value_of(expr)
        return value.kind if isinstance(value, Tensor) else Kind.UNKNOWN

    def describe(self, value: Value) -> str:
        """Evidence for a message: "softmax at line 41 (Net.forward)"."""
        origin = getattr(value, "origin", None)
        if origin is None:
            return ""
        try:
            line = self.model.line_of(origin)
        except KeyError:
            return ""
        what = _origin_label(self.model, origin)
        where = getattr(value, "where", "")
        suffix = f" in {where}" if where and where not in ("<module>", "?") else ""
        return f"{what} at line {line}{suffix}"

    # --- rounds -------------------------------------------------------------

    def _run(self) -> None:
        module = self.model.module
        for _ in range(MAX_ROUNDS):
            self.values = {}
            self.loss_calls = {}
            self._returns = {}
            self._class_attrs = {}
            self._next_pins = {}
            frame = _Frame("<module>", None, None)
            env: Env = {}
            try:
                end = self._exec_block(module.body, env, frame)
            except RecursionError:
                end = env
            new_globals = {k: v for k, v in (end or env).items() if k not in self._global_writes}
            for func in self._functions:
                self._function_returns(func)
            new_pins = self._settle_pins()
            if new_globals == self._globals and new_pins == self._pins:
                break
            self._globals = new_globals
            self._pins = new_pins

    def _settle_pins(self) -> dict[cst.FunctionDef, dict[str, Value]]:
        pins: dict[cst.FunctionDef, dict[str, Value]] = {}
        for func, params in self._next_pins.items():
            if func in self._unpinnable:
                continue
            known = {k: v for k, v in params.items() if v is not UNKNOWN}
            if known:
                pins[func] = known
        return pins

    def _names_written_by_functions(self) -> set[str]:
        written: set[str] = set()
        for scope in self.model.scopes.values():
            if scope.kind != "module":
                written |= scope.globals
        return written

    # --- functions ----------------------------------------------------------

    def _function_returns(self, func: cst.FunctionDef) -> Value:
        if func in self._returns:
            return self._returns[func]
        if func in self._in_progress or self._depth > MAX_DEPTH:
            return UNKNOWN
        self._in_progress.add(func)
        self._depth += 1
        try:
            cls = self._class_of_method(func)
            scope = self.model.scopes[func]
            frame = _Frame(self._func_label(func, cls), cls, func, [], frozenset(scope.bindings))
            env: Env = {}
            pins = self._pins.get(func, {})
            params = _param_names(func.params)
            for index, name in enumerate(params):
                if index == 0 and cls is not None and not _is_static(func):
                    env[name] = Instance(cls) if not _is_classmethod(func) else ClassRef(cls)
                else:
                    env[name] = pins.get(name, UNKNOWN)
            try:
                self._exec_block(_body(func), env, frame)
            except RecursionError:
                frame.returns.append(UNKNOWN)
            if func in self.model.generators:
                result: Value = UNKNOWN
            elif frame.returns:
                result = frame.returns[0]
                for other in frame.returns[1:]:
                    result = join(result, other)
            else:
                result = UNKNOWN
            self._returns[func] = result
            return result
        finally:
            self._in_progress.discard(func)
            self._depth -= 1

    def _class_of_method(self, func: cst.FunctionDef) -> cst.ClassDef | None:
        parent = self.model.parent(func)
        if isinstance(parent, cst.IndentedBlock):
            grand = self.model.parent(parent)
            if isinstance(grand, cst.ClassDef):
                return grand
        return None

    def _func_label(self, func: cst.FunctionDef, cls: cst.ClassDef | None) -> str:
        return f"{cls.name.value}.{func.name.value}" if cls else func.name.value

    # --- classes --------------------------------------------------------------

    def _mro(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        order: list[cst.ClassDef] = []
        todo = [cls]
        while todo:
            current = todo.pop(0)
            if current in order:
                continue
            order.append(current)
            for base in current.bases:
                ref = self._static_ref(base.value)
                if isinstance(ref, ClassRef):
                    todo.append(ref.cls)
        return order

    def _method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        for klass in self._mro(cls):
            for stmt in klass.body.body if isinstance(klass.body, cst.IndentedBlock) else ():
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
                    return stmt
        return None

    def _attrs(self, cls: cst.ClassDef) -> dict[str, Value]:
        """``self.<attr>`` values: as ``__init__`` leaves them, joined with any
        other method's assignments (evaluated on their own)."""
        if cls in self._class_attrs:
            return self._class_attrs[cls]
        self._class_attrs[cls] = {}
        attrs: dict[str, Value] = {}
        # base classes first: a subclass's own assignments override them
        for klass in reversed(self._mro(cls)):
            own: dict[str, Value] = {}
            body = klass.body.body if isinstance(klass.body, cst.IndentedBlock) else ()
            for stmt in body:
                if isinstance(stmt, cst.FunctionDef):
                    found = self._attrs_set_by(klass, stmt, stmt.name.value == "__init__")
                    for key, value in found.items():
                        own[key] = join(own[key], value) if key in own else value
            attrs.update(own)
        self._class_attrs[cls] = attrs
        return attrs

    def _attrs_set_by(
        self, cls: cst.ClassDef, func: cst.FunctionDef, flow: bool
    ) -> dict[str, Value]:
        self_name = _param_names(func.params)[:1]
        if not self_name:
            return {}
        prefix = self_name[0] + "."
        if flow:
            frame = _Frame(self._func_label(func, cls), cls, func)
            pins = self._pins.get(func, {})
            env: Env = {name: pins.get(name, UNKNOWN) for name in _param_names(func.params)}
            env[self_name[0]] = Instance(cls)
            try:
                end = self._exec_block(_body(func), env, frame, record=False)
            except RecursionError:
                end = None
            return {
                k[len(prefix) :]: v
                for k, v in (end or {}).items()
                if k.startswith(prefix) and "." not in k[len(prefix) :]
            }
        out: dict[str, Value] = {}
        for node in self.model.assignments.get(func, ()):
            for target in node.targets:
                t = target.target
                if (
                    isinstance(t, cst.Attribute)
                    and isinstance(t.value, cst.Name)
                    and t.value.value == self_name[0]
                ):
                    frame = _Frame(self._func_label(func, cls), cls, func)
                    value = self._eval(node.value, {}, frame, record=False)
                    name = t.attr.value
                    out[name] = join(out[name], value) if name in out else value
        return out

    # --- statements -----------------------------------------------------------

    def _exec_block(
        self, body: Sequence[cst.CSTNode], env: Env, frame: _Frame, record: bool = True
    ) -> Env | None:
        """Run statements; None when the block always leaves (return/raise/...)."""
        for stmt in body:
            result = self._exec_stmt(stmt, env, frame, record)
            if result is None:
                return None
            env = result
        return env

    def _exec_stmt(self, stmt: cst.CSTNode, env: Env, frame: _Frame, record: bool) -> Env | None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if not self._exec_small(small, env, frame, record):
                    return None
            return env
        if isinstance(stmt, cst.If):
            self._eval(stmt.test, env, frame, record)
            then = self._exec_block(_body(stmt), dict(env), frame, record)
            if stmt.orelse is None:
                other: Env | None = dict(env)
            elif isinstance(stmt.orelse, cst.If):
                other = self._exec_stmt(stmt.orelse, dict(env), frame, record)
            else:
                other = self._exec_block(_body(stmt.orelse), dict(env), frame, record)
            return _join_envs([then, other])
        if isinstance(stmt, (cst.For, cst.While)):
            return self._exec_loop(stmt, env, frame, record)
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                self._eval(item.item, env, frame, record)
                if item.asname is not None:
                    self._assign(item.asname.name, UNKNOWN, env)
            return self._exec_block(_body(stmt), env, frame, record)
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            before = dict(env)
            after_body = self._exec_block(_body(stmt), env, frame, record)
            outs: list[Env | None] = []
            if stmt.orelse is not None and after_body is not None:
                after_body = self._exec_block(_body(stmt.orelse), after_body, frame, record)
            outs.append(after_body)
            for handler in stmt.handlers:
                start = _join_envs([before, after_body]) or dict(before)
                if handler.name is not None:
                    self._assign(handler.name.name, UNKNOWN, start)
                outs.append(self._exec_block(_body(handler), start, frame, record))
            merged = _join_envs(outs)
            if stmt.finalbody is not None:
                base = merged if merged is not None else dict(before)
                fin = self._exec_block(_body(stmt.finalbody), base, frame, record)
                return fin if merged is not None else None
            return merged
        if isinstance(stmt, cst.Match):
            self._eval(stmt.subject, env, frame, record)
            # no arm may match, unless one is irrefutable (``case _:`` / ``case x:``)
            exhaustive = any(_irrefutable(case) for case in stmt.cases)
            arms: list[Env | None] = [] if exhaustive else [dict(env)]
            for case in stmt.cases:
                case_env = dict(env)
                for name in _match_names(case.pattern):
                    case_env[name] = UNKNOWN
                arms.append(self._exec_block(_body(case), case_env, frame, record))
            return _join_envs(arms)
        if isinstance(stmt, cst.FunctionDef):
            env[stmt.name.value] = FunctionRef(stmt)
            return env
        if isinstance(stmt, cst.ClassDef):
            env[stmt.name.value] = ClassRef(stmt)
            return env
        return env

    def _exec_loop(
        self, stmt: cst.For | cst.While, env: Env, frame: _Frame, record: bool
    ) -> Env | None:
        if isinstance(stmt, cst.For):
            self._eval(stmt.iter, env, frame, record)
        else:
            self._eval(stmt.test, env, frame, record)
        current = dict(env)
        exits: list[Env | None] = [dict(env)]
        for _ in range(2):
            body_env = dict(current)
            if isinstance(stmt, cst.For):
                self._assign(stmt.target, UNKNOWN, body_env)
            out = self._exec_block(_body(stmt), body_env, frame, record)
            # a body that always leaves (break/return) still reached here
            if out is None:
                out = body_env
            current = _join_envs([current, out]) or current
            exits.append(dict(current))
        if stmt.orelse is not None:
            current = self._exec_block(_body(stmt.orelse), current, frame, record) or current
        return _join_envs([*exits, current])

    def _exec_small(
        self, small: cst.BaseSmallStatement, env: Env, frame: _Frame, record: bool
    ) -> bool:
        if isinstance(small, cst.Assign):
            value = self._eval(small.value, env, frame, record)
            for target in small.targets:
                self._assign(target.target, value, env)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._assign(small.target, self._eval(small.value, env, frame, record), env)
        elif isinstance(small, cst.AugAssign):
            right = self._eval(small.value, env, frame, record)
            left = self._eval(small.target, env, frame, record)
            self._assign(small.target, _arith(left, right), env)
        elif isinstance(small, cst.Expr):
            self._eval(small.value, env, frame, record)
        elif isinstance(small, cst.Return):
            value = (
                self._eval(small.value, env, frame, record) if small.value is not None else UNKNOWN
            )
            frame.returns.append(value)
            return False
        elif isinstance(small, cst.Raise):
            if small.exc is not None:
                self._eval(small.exc, env, frame, record)
            return False
        elif isinstance(small, (cst.Break, cst.Continue)):
            return False
        elif isinstance(small, cst.Del):
            self._assign(small.target, UNKNOWN, env)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            names = small.names if not isinstance(small.names, cst.ImportStar) else []
            for alias in names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    env.pop(alias.asname.name.value, None)
                elif isinstance(alias.name, cst.Name):
                    env.pop(alias.name.value, None)
        return True

    def _assign(self, target: cst.BaseExpression, value: Value, env: Env) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items: tuple[Value, ...] | None = None
            if (
                isinstance(value, TupleValue)
                and len(value.items) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in elements)
            ):
                items = value.items
            for index, element in enumerate(elements):
                inner = element.value
                if isinstance(element, cst.StarredElement):
                    self._assign(inner, UNKNOWN, env)
                else:
                    self._assign(inner, items[index] if items else UNKNOWN, env)
        elif isinstance(target, cst.Attribute):
            key = dotted_text(target)
            if key is not None:
                # invalidate deeper keys (self.a.b) when self.a changes
                for k in [k for k in env if k.startswith(key + ".")]:
                    del env[k]
                env[key] = value
        elif isinstance(target, cst.StarredElement):
            self._assign(target.value, UNKNOWN, env)

    # --- expressions ------------------------------------------------------------

    def _eval(
        self, expr: cst.BaseExpression, env: Env, frame: _Frame, record: bool = True
    ) -> Value:
        value = self._eval_inner(expr, env, frame, record)
        if record:
            previous = self.values.get(expr)
            self.values[expr] = value if previous is None else join(previous, value)
        return value

    def _eval_inner(self, expr: cst.BaseExpression, env: Env, frame: _Frame, record: bool) -> Value:
        if isinstance(expr, cst.Name):
            return self._lookup(expr, env, frame)
        if isinstance(expr, cst.Attribute):
            return self._eval_attribute(expr, env, frame, record)
        if isinstance(expr, cst.Call):
            return self._eval_call(expr, env, frame, record)
        if isinstance(expr, cst.Subscript):
            base = self._eval(expr.value, env, frame, record)
            for element in expr.slice:
                if isinstance(element.slice, cst.Index):
                    self._eval(element.slice.value, env, frame, record)
            if isinstance(base, TupleValue) and len(expr.slice) == 1:
                index = expr.slice[0].slice
                if isinstance(index, cst.Index):
                    position = literal_value(index.value)
                    if isinstance(position, int) and not isinstance(position, bool):
                        if -len(base.items) <= position < len(base.items):
                            return base.items[position]
                return UNKNOWN
            if isinstance(base, Tensor):
                return base
            return UNKNOWN
        if isinstance(expr, cst.BinaryOperation):
            left = self._eval(expr.left, env, frame, record)
            right = self._eval(expr.right, env, frame, record)
            if isinstance(expr.operator, cst.Power):
                exponent = literal_value(expr.right)
                if (
                    isinstance(exponent, int)
                    and not isinstance(exponent, bool)
                    and exponent % 2 == 0
                    and exponent > 0
                ):
                    return Tensor(Kind.NON_NEGATIVE, origin=expr, where=frame.name)
            return _arith(left, right)
        if isinstance(expr, cst.UnaryOperation):
            inner = self._eval(expr.expression, env, frame, record)
            return inner if _is_loss(inner) else UNKNOWN
        if isinstance(expr, cst.IfExp):
            self._eval(expr.test, env, frame, record)
            return join(
                self._eval(expr.body, env, frame, record),
                self._eval(expr.orelse, env, frame, record),
            )
        if isinstance(expr, cst.Tuple):
            items = []
            for tuple_el in expr.elements:
                value = self._eval(tuple_el.value, env, frame, record)
                items.append(UNKNOWN if isinstance(tuple_el, cst.StarredElement) else value)
            if any(isinstance(e, cst.StarredElement) for e in expr.elements):
                return UNKNOWN
            return TupleValue(tuple(items))
        if isinstance(expr, cst.NamedExpr):
            value = self._eval(expr.value, env, frame, record)
            self._assign(expr.target, value, env)
            return value
        if isinstance(expr, cst.Await):
            return self._eval(expr.expression, env, frame, record)
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            inner_env = dict(env)
            comp: cst.CompFor | None = expr.for_in
            while comp is not None:
                self._eval(comp.iter, inner_env, frame, record)
                self._assign(comp.target, UNKNOWN, inner_env)
                for cond in comp.ifs:
                    self._eval(cond.test, inner_env, frame, record)
                comp = comp.inner_for_in
            if isinstance(expr, cst.DictComp):
                self._eval(expr.key, inner_env, frame, record)
                self._eval(expr.value, inner_env, frame, record)
            else:
                self._eval(expr.elt, inner_env, frame, record)
            return UNKNOWN
        if isinstance(expr, (cst.List, cst.Set)):
            for list_el in expr.elements:
                self._eval(list_el.value, env, frame, record)
            return UNKNOWN
        if isinstance(expr, cst.Dict):
            for dict_el in expr.elements:
                if isinstance(dict_el, cst.DictElement):
                    self._eval(dict_el.key, env, frame, record)
                self._eval(dict_el.value, env, frame, record)
            return UNKNOWN
        if isinstance(expr, cst.Comparison):
            self._eval(expr.left, env, frame, record)
            for target in expr.comparisons:
                self._eval(target.comparator, env, frame, record)
            return UNKNOWN
        if isinstance(expr, cst.BooleanOperation):
            self._eval(expr.left, env, frame, record)
            self._eval(expr.right, env, frame, record)
            return UNKNOWN
        if isinstance(expr, cst.Yield):
            if isinstance(expr.value, cst.BaseExpression):
                self._eval(expr.value, env, frame, record)
            return UNKNOWN
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    self._eval(part.expression, env, frame, record)
            return UNKNOWN
        return UNKNOWN

    def _lookup(self, name: cst.Name, env: Env, frame: _Frame) -> Value:
        ident = name.value
        if ident in env:
            return env[ident]
        if frame.func is not None:
            if ident in frame.local_names:
                return UNKNOWN  # a local not (yet) known here
            # a free variable of a nested function: only module-level names count
            scope = self.model.scopes[frame.func].parent
            while scope is not None and scope.parent is not None:
                if scope.kind != "class" and ident in scope.bindings:
                    return UNKNOWN
                scope = scope.parent
        return self._static_ref(name)

    def _static_ref(self, expr: cst.BaseExpression) -> Value:
        """Value of a module-level name: its value at the end of the module,
        or the same-file class/function it is bound to."""
        if not isinstance(expr, cst.Name):
            return UNKNOWN
        ident = expr.value
        if ident in self._globals:
            return self._globals[ident]
        bindings = self.model.module_scope.bindings.get(ident)
        if bindings and len(bindings) == 1:
            only = bindings[0]
            if only.kind == "class" and isinstance(only.node, cst.ClassDef):
                return ClassRef(only.node)
            if only.kind == "def" and isinstance(only.node, cst.FunctionDef):
                return FunctionRef(only.node)
        return UNKNOWN

    def _eval_attribute(self, expr: cst.Attribute, env: Env, frame: _Frame, record: bool) -> Value:
        key = dotted_text(expr)
        if key is not None and key in env:
            return env[key]
        if self.model.qualname(expr) is not None:
            return UNKNOWN
        base = self._eval(expr.value, env, frame, record)
        attr = expr.attr.value
        if isinstance(base, Instance):
            attrs = self._attrs(base.cls)
            if attr in attrs:
                return attrs[attr]
            method = self._method(base.cls, attr)
            if method is not None:
                return FunctionRef(method, base.cls)
            return UNKNOWN
        if isinstance(base, Tensor) and attr in ("data", "T", "mT"):
            return base
        if isinstance(base, TupleValue) and attr == "indices" and len(base.items) == 2:
            return base.items[1]
        if isinstance(base, TupleValue) and attr == "values" and len(base.items) == 2:
            return base.items[0]
        return UNKNOWN

    # --- calls ----------------------------------------------------------------

    def _eval_call(self, call: cst.Call, env: Env, frame: _Frame, record: bool) -> Value:
        qualname = self.model.qualname(call.func)
        if qualname is not None and not (
            isinstance(call.func, cst.Name) and call.func.value in env
        ):
            args = [self._eval(a.value, env, frame, record) for a in call.args]
            return self._api_call(call, qualname, args, frame, record)
        func = call.func
        if isinstance(func, cst.Attribute):
            receiver = self._eval(func.value, env, frame, record)
            args = [self._eval(a.value, env, frame, record) for a in call.args]
            key = dotted_text(func)
            if key is not None and key in env:
                return self._call_value(call, env[key], args, frame, record)
            return self._method_call(call, func, receiver, args, env, frame, record)
        callee = self._eval(func, env, frame, record)
        args = [self._eval(a.value, env, frame, record) for a in call.args]
        return self._call_value(call, callee, args, frame, record)

    def _api_call(
        self, call: cst.Call, qualname: str, args: list[Value], frame: _Frame, record: bool
    ) -> Value:
        def made(kind: Kind) -> Tensor:
            return Tensor(kind, origin=call, where=frame.name)

        if qualname in apis.SOFTMAX:
            return made(Kind.PROBS)
        if qualname in apis.LOG_SOFTMAX:
            return made(Kind.LOG_PROBS)
        if qualname in apis.SIGMOID:
            return made(Kind.SIGMOID_PROBS)
        if qualname in apis.ARGMAX or qualname in apis.RANDINT:
            return made(Kind.CLASS_INDICES)
        if qualname in apis.ONE_HOT:
            return made(Kind.ONE_HOT)
        if qualname in apis.NON_NEGATIVE_FUNCS:
            return made(Kind.NON_NEGATIVE)
        if qualname in apis.MAX_MIN:
            # torch.max(x, 1) -> (values, indices); torch.max(a, b) is elementwise
            second = argument(call, 1, "dim")
            if second is not None and isinstance(literal_value(second), int):
                return TupleValue((UNKNOWN, made(Kind.CLASS_INDICES)))
            return UNKNOWN
        if qualname == apis.FUNCTIONAL_LINEAR:
            return made(Kind.LOGITS)
        if qualname in apis.LAYER_KINDS:
            return Layer(apis.LAYER_KINDS[qualname], qualname, origin=call, where=frame.name)
        if qualname in apis.SEQUENTIAL:
            return self._sequential(call, args, frame)
        if qualname in apis.LOSS_CLASSES:
            return LossObject(apis.LOSS_CLASSES[qualname], call)
        if qualname in apis.LOSS_FUNCTIONS:
            if record:
                self._record_loss(call, qualname, None, frame)
            return made(Kind.LOSS)
        if qualname in apis.TF_SOFTMAX_CE or qualname in apis.TF_SIGMOID_CE:
            if record:
                self._record_tf_loss(call, qualname, frame)
            return made(Kind.LOSS)
        return UNKNOWN

    def _sequential(self, call: cst.Call, args: list[Value], frame: _Frame) -> Value:
        if has_star_args(call):
            return UNKNOWN
        layers: list[Value] = list(args)
        if len(call.args) == 1 and isinstance(call.args[0].value, cst.Call):
            inner = call.args[0].value
            if self.model.qualname(inner.func) in ("collections.OrderedDict", "builtins.dict"):
                layers = self._ordered_dict_layers(inner, frame)
        return Sequential(tuple(layers), origin=call)

    def _ordered_dict_layers(self, call: cst.Call, frame: _Frame) -> list[Value]:
        if len(call.args) != 1 or not isinstance(call.args[0].value, (cst.List, cst.Tuple)):
            return [UNKNOWN]
        layers: list[Value] = []
        for element in call.args[0].value.elements:
            pair = element.value
            if isinstance(pair, cst.Tuple) and len(pair.elements) == 2:
                layers.append(self._eval(pair.elements[1].value, {}, frame, record=False))
            else:
                return [UNKNOWN]
        return layers

    def _method_call(
        self,
        call: cst.Call,
        func: cst.Attribute,
        receiver: Value,
        args: list[Value],
        env: Env,
        frame: _Frame,
        record: bool,
    ) -> Value:
        name = func.attr.value
        if isinstance(receiver, Instance):
            attrs = self._attrs(receiver.cls)
            if name in attrs:
                return self._call_value(call, attrs[name], args, frame, record)
            method = self._method(receiver.cls, name)
            if method is not None:
                return self._call_function(call, method, receiver.cls, args, frame, record)
            if name in (
                "to",
                "cuda",
                "cpu",
                "train",
                "eval",
                "float",
                "half",
                "double",
                "requires_grad_",
            ):
                return receiver
            return UNKNOWN
        if isinstance(receiver, (Layer, Sequential, LossObject)):
            if name in ("to", "cuda", "cpu", "train", "eval", "float", "half", "double"):
                return receiver
            if isinstance(receiver, Sequential) and name in ("add_module", "append"):
                layer = args[-1] if args else UNKNOWN
                key = dotted_text(func.value)
                if key is not None:
                    env[key] = Sequential((*receiver.layers, layer), receiver.origin)
                return UNKNOWN
            if name == "forward":
                return self._call_value(call, receiver, args, frame, record)
            return UNKNOWN
        if isinstance(receiver, (ClassRef, FunctionRef, TupleValue)):
            return UNKNOWN
        if isinstance(receiver, Tensor):
            if name in apis.KIND_PRESERVING_METHODS:
                if name in apis.FLOAT_CASTS or (
                    name in ("to", "type") and _casts_to_float(call, self.model)
                ):
                    return Tensor(receiver.kind, True, receiver.origin, receiver.where)
                return receiver
            if name in ("max", "min") and (positional(call) or argument(call, None, "dim")):
                return TupleValue(
                    (UNKNOWN, Tensor(Kind.CLASS_INDICES, origin=call, where=frame.name))
                )
            if _is_loss(receiver) and name in ("mean", "sum"):
                return receiver
        if name in ("max", "min") and receiver is UNKNOWN and _is_dim_reduction(call):
            # only torch's max(dim) returns (values, indices)
            if self._receiver_is_framework_object(func.value, env):
                return TupleValue(
                    (UNKNOWN, Tensor(Kind.CLASS_INDICES, origin=call, where=frame.name))
                )
        if name in apis.METHOD_KINDS and len(positional(call)) <= apis.METHOD_MAX_POSITIONAL.get(
            name, 0
        ):
            if self._receiver_is_framework_object(func.value, env):
                return Tensor(apis.METHOD_KINDS[name], origin=call, where=frame.name)
        return UNKNOWN

    def _receiver_is_framework_object(self, expr: cst.BaseExpression, env: Env) -> bool:
        """A plain receiver (not ``self``, not a module, not a same-file object):
        ``x.softmax(1)`` on it is the tensor method."""
        if self.model.qualname(expr) is not None:
            return False
        head: cst.BaseExpression = expr
        while isinstance(head, (cst.Attribute, cst.Subscript)):
            head = head.value
        if isinstance(head, cst.Name) and head.value in ("self", "cls"):
            return isinstance(expr, cst.Subscript) or (
                isinstance(expr, cst.Attribute) and dotted_text(expr) in env
            )
        return True

    def _call_value(
        self, call: cst.Call, callee: Value, args: list[Value], frame: _Frame, record: bool
    ) -> Value:
        if isinstance(callee, Layer):
            if callee.output is not None:
                return Tensor(callee.output, origin=callee.origin, where=callee.where)
            return args[0] if args and isinstance(args[0], Tensor) else UNKNOWN
        if isinstance(callee, Sequential):
            value: Value = args[0] if args else UNKNOWN
            for layer in callee.layers:
                value = self._apply_layer(call, layer, value, frame)
            return value
        if isinstance(callee, LossObject):
            if record:
                self._record_loss(call, callee.functional, callee.ctor, frame)
            return Tensor(Kind.LOSS, origin=call, where=frame.name)
        if isinstance(callee, ClassRef):
            init = self._method(callee.cls, "__init__")
            if init is not None and record:
                # constructor arguments pin __init__'s parameters (self.model = model)
                self._record_call_site(call, init, callee.cls, args)
            return Instance(callee.cls)
        if isinstance(callee, FunctionRef):
            return self._call_function(call, callee.func, callee.bound, args, frame, record)
        if isinstance(callee, Instance):
            method = self._method(callee.cls, "forward") or self._method(callee.cls, "__call__")
            if method is not None:
                return self._call_function(call, method, callee.cls, args, frame, record)
        return UNKNOWN

    def _apply_layer(self, call: cst.Call, layer: Value, value: Value, frame: _Frame) -> Value:
        if isinstance(layer, Layer):
            if layer.output is not None:
                return Tensor(layer.output, origin=layer.origin, where=layer.where)
            return value
        if isinstance(layer, (Sequential, Instance)):
            return self._call_value(call, layer, [value], frame, record=False)
        return UNKNOWN

    def _call_function(
        self,
        call: cst.Call,
        func: cst.FunctionDef,
        bound: cst.ClassDef | None,
        args: list[Value],
        frame: _Frame,
        record: bool,
    ) -> Value:
        if record:
            self._record_call_site(call, func, bound, args)
        return self._function_returns(func)

    def _record_call_site(
        self, call: cst.Call, func: cst.FunctionDef, bound: cst.ClassDef | None, args: list[Value]
    ) -> None:
        if has_star_args(call):
            self._unpinnable.add(func)
            return
        params = func.params
        skip = 1 if bound is not None and not _is_static(func) else 0
        in_order = [p.name.value for p in (*params.posonly_params, *params.params)][skip:]
        positional_names = in_order + [p.name.value for p in params.kwonly_params]
        seen: dict[str, Value] = {}
        index = 0
        for arg, value in zip(call.args, args, strict=False):
            if arg.keyword is None:
                if index < len(in_order):
                    seen[in_order[index]] = value
                index += 1
            else:
                seen[arg.keyword.value] = value
        pins = self._next_pins.setdefault(func, {})
        defaults = _param_defaults(func.params)
        for name in positional_names:
            if name in seen:
                value = seen[name]
            elif name in defaults:
                # the call relies on the default: ``def train(model=Net())``
                frame = _Frame("<default>", None, None)
                value = self._eval(defaults[name], {}, frame, record=False)
            else:
                value = UNKNOWN
            pins[name] = join(pins[name], value) if name in pins else value

    # --- losses -------------------------------------------------------------------

    def _record_loss(
        self, call: cst.Call, functional: str, ctor: cst.Call | None, frame: _Frame
    ) -> None:
        keywords: dict[str, cst.BaseExpression] = {}
        if ctor is not None:
            for arg in ctor.args:
                if arg.keyword is not None:
                    keywords[arg.keyword.value] = arg.value
        for arg in call.args:
            if arg.keyword is not None:
                keywords[arg.keyword.value] = arg.value
        self.loss_calls[call] = LossCall(
            node=call,
            functional=functional,
            input_expr=argument(call, 0, "input"),
            target_expr=argument(call, 1, "target"),
            ctor=ctor,
            keywords=keywords,
            where=frame.name,
        )

    def _record_tf_loss(self, call: cst.Call, qualname: str, frame: _Frame) -> None:
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        self.loss_calls[call] = LossCall(
            node=call,
            functional=qualname,
            input_expr=keywords.get("logits"),
            target_expr=keywords.get("labels"),
            keywords=keywords,
            where=frame.name,
        )


# --- helpers ------------------------------------------------------------------


def _body(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    if isinstance(body, (list, tuple)):
        return body
    return []


def _join_envs(envs: Sequence[Env | None]) -> Env | None:
    live = [e for e in envs if e is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]
    keys = set(live[0])
    for other in live[1:]:
        keys |= set(other)
    out: Env = {}
    for key in keys:
        value: Value | None = None
        for e in live:
            v = e.get(key, UNKNOWN)
            value = v if value is None else join(value, v)
        out[key] = value if value is not None else UNKNOWN
    return out


def _is_loss(value: Value) -> bool:
    return isinstance(value, Tensor) and value.kind is Kind.LOSS


def _arith(left: Value, right: Value) -> Value:
    # any arithmetic on a loss is still a loss attached to the graph
    if _is_loss(left):
        return left
    if _is_loss(right):
        return right
    return UNKNOWN


def _param_names(params: cst.Parameters) -> list[str]:
    return [p.name.value for p in (*params.posonly_params, *params.params)] + [
        p.name.value for p in params.kwonly_params
    ]


def _is_dim_reduction(call: cst.Call) -> bool:
    """``x.max(1)`` / ``x.max(dim=1)``: a literal integer dim, nothing else."""
    args = positional(call)
    if len(call.args) != 1:
        return False
    if args:
        value = literal_value(args[0].value)
    else:
        dim = argument(call, None, "dim")
        value = literal_value(dim)
    return isinstance(value, int) and not isinstance(value, bool)


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


def _casts_to_float(call: cst.Call, model: ModuleIndex) -> bool:
    for arg in call.args:
        expr = arg.value
        qualname = model.qualname(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if qualname in apis.FLOAT_DTYPES:
            return True
        if (
            arg.keyword is not None
            and arg.keyword.value == "dtype"
            and qualname
            and "float" in qualname
        ):
            return True
    return False


def _origin_label(model: ModuleIndex, origin: cst.CSTNode) -> str:
    """``nn.Softmax``, ``torch.softmax``, ``logits.softmax``: the callee as written."""
    if isinstance(origin, cst.Call):
        text = " ".join(model.code(origin.func).split())
        return text if len(text) <= 30 else "..." + text[-27:]
    return "an expression"


def activation_operand(model: ModuleIndex, call: cst.Call) -> cst.BaseExpression | None:
    """The tensor an activation call is applied to: ``F.softmax(x, 1)`` → x,
    ``x.softmax(1)`` → x; None when ``call`` is not a framework activation."""
    qualname = model.qualname(call.func)
    if qualname is not None:
        if qualname in apis.SOFTMAX or qualname in apis.SIGMOID or qualname in apis.LOG_SOFTMAX:
            return argument(call, 0, "input", "x", "logits")
        return None
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("softmax", "sigmoid", "log_softmax"):
        site = model.call_site(call)
        if site is not None and site.method is not None:
            value = kinds_of(model).value_of(call)
            if isinstance(value, Tensor) and value.origin is call:
                return func.value
    return None


def activation_dim(model: ModuleIndex, call: cst.Call) -> object:
    """The literal ``dim`` of a softmax call (NotImplemented if not literal/absent)."""
    if model.qualname(call.func) is not None:
        return literal_value(argument(call, 1, "dim", "axis"))
    return literal_value(argument(call, 0, "dim"))


def kinds_of(model: ModuleIndex) -> KindAnalysis:
    """The value-kind analysis of ``model``, run on first use and kept on the model."""
    return model.analysis(KindAnalysis)
