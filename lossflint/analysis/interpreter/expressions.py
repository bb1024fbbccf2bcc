"""How each expression is evaluated: names (environment, closures, module
names), attributes of instances, calls dispatched to the domain or to
same-file functions, and the structural expressions (tuples, subscripts of
tuples, conditionals, comprehensions) every domain shares."""

from __future__ import annotations

from typing import Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import literal_value, super_method
from lossflint.analysis.interpreter.base import NO_NONE, Base, Env, V
from lossflint.analysis.interpreter.specialise import test_truth
from lossflint.analysis.interpreter.syntax import is_static, own_init
from lossflint.analysis.values import (
    ClassRef,
    DictValue,
    Foreign,
    FunctionRef,
    Instance,
    Instances,
    OneOf,
    Registry,
    Thunk,
    TupleValue,
)
from lossflint.analysis.walk import NAME_BINDING_EXPRESSIONS, nodes_in
from lossflint.project import bridge
from lossflint.project.summary import SClass, SInstance

_ABSENT = object()


class Expressions(Base[V]):
    """Expression evaluation; the value of each evaluated expression is recorded."""

    #: whether ``eval`` may run ``_eval_inner``'s dispatch itself (the class
    #: does not override ``_eval_inner``)
    _INLINED = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._INLINED = cls._eval_inner is Expressions._eval_inner

    def eval(self, expr: cst.BaseExpression, env: Env) -> V:
        """The value of ``expr`` in ``env`` (recorded while recording)."""
        kind = type(expr)
        if not self._INLINED:
            value = self._eval_inner(expr, env)
        # ``_eval_inner``'s dispatch, inlined (the hottest call of a lint) for
        # the domains that do not override it
        elif kind is cst.Name:
            value = self._eval_name(expr, env)  # type: ignore[arg-type]
        elif kind is cst.Attribute:
            value = self._eval_attribute(expr, env)  # type: ignore[arg-type]
        elif kind is cst.Call:
            value = self._eval_call(expr, env)  # type: ignore[arg-type]
        else:
            handler = _HANDLERS.get(kind)
            value = handler(self, expr, env) if handler is not None else self.unknown
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
            if ident == "None" and self.NONE is not NO_NONE:
                return self.NONE  # type: ignore[no-any-return]
            return self.literal(expr)
        else:
            value = self._free(ident)
        if isinstance(value, FunctionRef) and self.recording:
            self._escapes(value, expr, env)
        return value  # type: ignore[no-any-return]

    def _plain_module(self, cls: cst.ClassDef) -> bool:
        """``cls`` derives from ``nn.Module`` and, along the file's classes,
        from nothing else outside the file (a framework wrapper's subclass
        may keep a ``module`` of its own)."""
        found = False
        for klass in self.mro(cls):
            for base in klass.bases:
                qualname = self.model.qualname(base.value)
                if qualname in apis.TORCH_MODULE_BASES:
                    found = True
                elif qualname is not None:
                    return False
        return found

    def _eval_attribute(self, expr: cst.Attribute, env: Env) -> V:
        key = self.model.dotted(expr)
        if key is not None and key in env:
            return env[key]  # type: ignore[no-any-return]
        qualname = self.model.qualname(expr)
        if qualname is not None:
            foreign = self.project_qualname(qualname)
            if foreign is not None:
                return foreign
            return self.module_attribute(qualname, expr)
        base = self.eval(expr.value, env)
        if isinstance(base, Foreign):
            if _unwrapped(expr, base):
                return base  # type: ignore[return-value]
            return self.foreign_attribute(base, expr.attr.value)
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
            if _unwrapped(expr, base) and self._plain_module(base.cls):
                return base  # type: ignore[return-value]
            # an attribute a framework base class sets (``self.train_dataset``
            # of a Hugging Face ``Trainer`` subclass): the domain's to say
            return self.attribute(expr, base)
        if isinstance(base, Instances) and not base.foreign:
            # ``model.loss`` of a model picked among classes that each set it
            attr = expr.attr.value
            held = [
                self.class_attrs(cls).get(attr)
                for cls in sorted(base.classes, key=lambda c: c.name.value)
            ]
            if all(value is not None for value in held):
                return self._join_all(held)  # type: ignore[arg-type]
        if isinstance(base, ClassRef):
            # ``f = Builder.head``: a static method read through its class
            method = self.method(base.cls, expr.attr.value)
            if method is not None and is_static(method):
                return FunctionRef(method)  # type: ignore[return-value]
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
        if type(func) is cst.Name:
            if func.value not in env:
                qualname = self.model.qualname(func)
        elif type(func) is cst.Attribute:
            key = self.model.dotted(func)
            if key is None or key not in env:
                qualname = self.model.qualname(func)
        if qualname is not None:
            args = [self.eval(a.value, env) for a in call.args]
            foreign = self.project_qualname(qualname)
            if foreign is not None:
                return self._call(call, foreign, args, env)
            if qualname == apis.BUILTIN_GETATTR:
                found = _named_attribute(self, call, args)
                if found is not None:
                    return found
            return self.api_call(call, qualname, args, env)
        if type(func) is cst.Attribute:
            base_init = self._base_init(call)
            if base_init is not None:
                # ``super().__init__(network, loss)``: the base's ``__init__`` is
                # called with these arguments (they pin what it keeps)
                args = [self.eval(a.value, env) for a in call.args]
                return self._call(call, base_init, args, env)
            receiver = self.eval(func.value, env)
            args = [self.eval(a.value, env) for a in call.args]
            key = self.model.dotted(func)
            if key is not None and key in env:
                return self._call(call, env[key], args, env)
            if func.attr.value == "__call__":
                # ``self.__call__(x)``, ``model.__call__(x)``: the call itself
                return self._call(call, receiver, args, env)
            if isinstance(receiver, Foreign):
                return self.foreign_method_call(call, receiver, func.attr.value, args, env)
            if isinstance(receiver, Instance):
                return self._instance_method_call(call, func, receiver, args, env)
            if isinstance(receiver, ClassRef):
                # ``GANITEBuilder.build_ite_block(x, y)``: a static method of a
                # same-file class, called through it (perfect_match, audit s238)
                method = self.method(receiver.cls, func.attr.value)
                if method is not None and is_static(method):
                    return self._call(call, FunctionRef(method), args, env)
            return self.method_call(call, func, receiver, args, env)
        callee = self.eval(func, env)
        args = [self.eval(a.value, env) for a in call.args]
        return self._call(call, callee, args, env)

    def _base_init(self, call: cst.Call) -> FunctionRef | None:
        """The same-file base ``__init__`` that ``super().__init__(...)`` in a
        class's own ``__init__`` runs (the first of the class's bases along
        the file's classes to write one), as a method bound to that base; for
        Python 2's ``Base.__init__(self, ...)``, that base's, unbound."""
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "__init__":
            return None
        init = self.model.enclosing(call, cst.FunctionDef)
        if not isinstance(init, cst.FunctionDef) or init.name.value != "__init__":
            return None
        body = self.model.parent(init)
        cls = self.model.parent(body) if body is not None else None
        if not isinstance(cls, cst.ClassDef):
            return None
        bases = self.mro(cls)[1:]
        if super_method(call) is None:
            me = init.params.params[0].name.value if init.params.params else None
            first = call.args[0].value if call.args else None
            if not (isinstance(first, cst.Name) and first.value == me):
                return None
            named = [b for b in bases if _names_class(func.value, b)]
            found = own_init(named[0]) if named else None
            return FunctionRef(found, None) if found is not None else None
        for klass in bases:
            found = own_init(klass)
            if found is not None:
                return FunctionRef(found, klass)
        return None

    def _eval_subscript(self, expr: cst.Subscript, env: Env) -> V:
        base = self.eval(expr.value, env)
        for element in expr.slice:
            if type(element.slice) is cst.Index:
                self.eval(element.slice.value, env)
        if isinstance(base, TupleValue):
            if len(expr.slice) == 1:
                index = expr.slice[0].slice
                if type(index) is cst.Index:
                    position = literal_value(index.value)
                    if isinstance(position, int) and not isinstance(position, bool):
                        if -len(base.items) <= position < len(base.items):
                            return base.items[position]  # type: ignore[return-value]
            return self.unknown
        if isinstance(base, Registry) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            key = literal_value(index.value) if type(index) is cst.Index else NotImplemented
            if isinstance(key, str):
                found = dict(base.items).get(key)
                return found if found is not None else self.unknown  # type: ignore[no-any-return]
            if key is NotImplemented:
                # a name from a config: any of the registered values (a
                # missing key raises, it does not give something else)
                return OneOf(tuple(value for _, value in base.items))  # type: ignore[return-value]
            return self.unknown
        if isinstance(base, DictValue) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            key = literal_value(index.value) if type(index) is cst.Index else None
            found = base.get(key) if isinstance(key, str) else None
            return found if found is not None else self.unknown  # type: ignore[return-value]
        return self.subscript(expr, base)

    def _eval_binary(self, expr: cst.BinaryOperation, env: Env) -> V:
        left = self.eval(expr.left, env)
        right = self.eval(expr.right, env)
        return self.binary(type(expr.operator).__name__, left, right, expr)

    def _eval_unary(self, expr: cst.UnaryOperation, env: Env) -> V:
        return self.unary(expr, self.eval(expr.expression, env))

    def _eval_if_exp(self, expr: cst.IfExp, env: Env) -> V:
        self.eval(expr.test, env)
        if self.frame.constants:
            truth = test_truth(expr.test, self.frame.constants)
            if truth is not None:
                return self.eval(expr.body if truth else expr.orelse, env)
        return self.join(self.eval(expr.body, env), self.eval(expr.orelse, env))

    def _eval_tuple(self, expr: cst.Tuple, env: Env) -> V:
        items = []
        starred = False
        for element in expr.elements:
            value = self.eval(element.value, env)
            if type(element) is cst.StarredElement:
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
        single = comp is not None and comp.inner_for_in is None
        while comp is not None:
            iterated = self.eval(comp.iter, inner_env)
            item = self.comprehension_item(iterated) if single else self.unknown
            self._assign(comp.target, item, inner_env)
            for cond in comp.ifs:
                self.eval(cond.test, inner_env)
            comp = comp.inner_for_in
        if type(expr) is cst.DictComp:
            self.eval(expr.key, inner_env)
            return self.dict_comprehension(expr, self.eval(expr.value, inner_env))
        return self.comprehension(expr, self.eval(expr.elt, inner_env))

    def _eval_elements(self, expr: cst.List | cst.Set, env: Env) -> V:
        items = [self.eval(element.value, env) for element in expr.elements]
        return self.list_display(expr, items) if type(expr) is cst.List else self.unknown

    def _eval_dict(self, expr: cst.Dict, env: Env) -> V:
        items: list[tuple[str, V]] | None = []
        for element in expr.elements:
            key = None
            if type(element) is cst.DictElement:
                self.eval(element.key, env)
                key = literal_value(element.key)
            value = self.eval(element.value, env)
            if items is not None and isinstance(key, str):
                items.append((key, value))
            else:
                items = None  # ``**other`` or a computed key
        return self.dict_display(expr, items) if items is not None else self.unknown

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
            if type(part) is cst.FormattedStringExpression:
                self.eval(part.expression, env)
        return self.unknown

    def _eval_literal(self, expr: cst.BaseExpression, env: Env) -> V:
        return self.literal(expr)

    def _eval_lambda(self, expr: cst.Lambda, env: Env) -> V:
        """A lambda without parameters whose body's value is fixed where it is
        written (``lambda: UNet("resnet34")``): a ``Thunk`` of that value,
        evaluated without recording (the body runs where it is called)."""
        params = expr.params
        if (
            params.params
            or params.posonly_params
            or params.kwonly_params
            or isinstance(params.star_arg, cst.Param)
            or params.star_kwarg is not None
            or not _fixed_body(self.model, expr.body)
        ):
            return self.unknown
        value = self.eval_quietly(expr.body, env)
        return self.unknown if value == self.unknown else Thunk(value)  # type: ignore[return-value]


#: what a lambda body may hold to be evaluated where it is written: calls,
#: attributes, names and literals (no comprehension, nested lambda or walrus
#: binding names of its own)
_FIXED_NODES = NAME_BINDING_EXPRESSIONS


def _fixed_body(model: Any, body: cst.BaseExpression) -> bool:
    """Every name ``body`` reads is unbound in the file or bound once, at the
    module's top level (a class, a function, an import, a constant): its value
    where the lambda is written is its value where it is called."""
    if nodes_in(body, *_FIXED_NODES):
        return False
    skipped: set[int] = set()
    for node in nodes_in(body, cst.Attribute, cst.Arg):
        if isinstance(node, cst.Attribute):
            skipped.add(id(node.attr))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            skipped.add(id(node.keyword))
    module_bindings = model.module_scope.bindings
    for name in nodes_in(body, cst.Name):
        assert isinstance(name, cst.Name)
        if id(name) in skipped or name.value in ("True", "False", "None"):
            continue
        found = model.bindings(name)
        if found is None:
            continue  # a builtin, or a framework name of a snippet
        if found is not module_bindings.get(name.value) or len(found) != 1:
            return False
    return True


_HANDLERS: dict[type, Any] = {
    cst.Subscript: Expressions._eval_subscript,
    cst.BinaryOperation: Expressions._eval_binary,
    cst.UnaryOperation: Expressions._eval_unary,
    cst.IfExp: Expressions._eval_if_exp,
    cst.Tuple: Expressions._eval_tuple,
    cst.NamedExpr: Expressions._eval_named,
    cst.Await: Expressions._eval_await,
    cst.ListComp: Expressions._eval_comprehension,
    cst.SetComp: Expressions._eval_comprehension,
    cst.GeneratorExp: Expressions._eval_comprehension,
    cst.DictComp: Expressions._eval_comprehension,
    cst.List: Expressions._eval_elements,
    cst.Set: Expressions._eval_elements,
    cst.Dict: Expressions._eval_dict,
    cst.Comparison: Expressions._eval_comparison,
    cst.BooleanOperation: Expressions._eval_boolean,
    cst.Yield: Expressions._eval_yield,
    cst.FormattedString: Expressions._eval_fstring,
    cst.Integer: Expressions._eval_literal,
    cst.Float: Expressions._eval_literal,
    cst.SimpleString: Expressions._eval_literal,
    cst.Lambda: Expressions._eval_lambda,
}


def _unwrapped(expr: cst.Attribute, base: Instance | Foreign) -> bool:
    """``model.module`` of a model whose class keeps no ``module``: the model a
    ``DataParallel`` wraps (the wrapper passes its model through), read after
    ``if isinstance(model, nn.DataParallel):`` (Deepfake-Detection, audit s185).
    Another module's instance: an ``nn.Module`` whose summary has no ``module``
    (one that keeps a value there, known or not, is not unwrapped)."""
    if expr.attr.value != "module":
        return False
    if isinstance(base, Instance):
        return True
    return (
        isinstance(base.ref, SInstance)
        and bridge.attribute(base.ref, "module") is None
        and bridge.derives_from(SClass(base.ref.file, base.ref.name), apis.TORCH_MODULE_BASES)
    )


def _names_class(expr: cst.BaseExpression, cls: cst.ClassDef) -> bool:
    return isinstance(expr, cst.Name) and expr.value == cls.name.value


def _named_attribute(interpreter: Any, call: cst.Call, args: list[Any]) -> Any:
    """``getattr(models, "AdversarialNet")`` of another project module: its
    attribute of that literal name (UDTL's trainers, audit s210); None for
    anything else."""
    if len(call.args) != 2 or any(a.keyword or a.star for a in call.args):
        return None
    name = literal_value(call.args[1].value)
    if not isinstance(name, str) or not name.isidentifier() or not isinstance(args[0], Foreign):
        return None
    return interpreter.foreign_attribute(args[0], name)
