"""Keras / TensorFlow facts: models, losses, data and labels of one file.

Built lazily (the first time a rule asks) by a small in-order interpreter over
the statements of the module and of every function, separate from the
value-kind dataflow of ``kinds.py``: Keras code is about *models* (ordered
layers with units, activation, input shape), *compile* calls and the arrays
handed to ``fit``, which the tensor-kind lattice does not describe.

What is followed:

- ``keras.Sequential([...])``, ``Sequential()`` + ``model.add(...)``, the
  functional API (``x = Dense(64)(inp)`` ... ``Model(inputs=inp, outputs=out)``)
  and subclassed models whose ``call`` returns a layer's output;
- ``model.compile(loss=..., metrics=[...])`` with string, class and function
  losses, and loss objects called on ``model(x)`` in custom training loops;
- ``keras.datasets.X.load_data()`` arrays, whether they are scaled before
  ``fit``; label encodings (``to_categorical``, ``tf.one_hot``, integer labels);
- TF1 graph values (``tf.placeholder`` labels, ``tf.matmul(...) + b`` logits).

Names follow assignments in order; branches are run separately and joined
(different values become unknown), loops twice. Functions see module-level
names as they are at the end of the module (two rounds, like ``kinds.py``);
a parameter holds the value every same-file call site agrees on (unknown when
they differ, or when the function escapes as a value). The second round runs
only when the first built anything Keras-like. Unknown always means silence
in the rules.

The facts are built once per file and cached on the model (``keras_facts``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, keyword, literal_value
from lossflint.analysis.names import dotted_text

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.names import Scope

# --- values ------------------------------------------------------------------


@dataclass(frozen=True)
class KLayer:
    """A Keras layer constructor call and what it says about itself."""

    node: cst.Call = field(repr=False)
    name: str  # class name: "Dense", "Conv2D", ...
    units: int | None = None
    #: canonical activation ("linear" when absent); None when it cannot be read
    activation: str | None = "linear"
    activation_node: cst.BaseExpression | None = field(default=None, repr=False)
    input_shape: tuple[int | None, ...] | None = None
    input_shape_node: cst.BaseExpression | None = field(default=None, repr=False)
    return_sequences: bool = False
    channels_first: bool | None = False  # None: not a literal
    inner: KLayer | None = None  # wrapped layer of Bidirectional/TimeDistributed
    #: ``Softmax(axis=...)`` that is not the last axis
    other_axis: bool = False

    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class KModel:
    """A model: its ordered layers (None = a layer we cannot see)."""

    #: the Sequential(...)/Model(...) call or the ClassDef
    node: cst.CSTNode = field(repr=False)
    layers: tuple[KLayer | None, ...]
    style: str  # "sequential", "functional", "subclassed"
    input_shape: tuple[int | None, ...] | None = None

    @property
    def complete(self) -> bool:
        return bool(self.layers) and all(layer is not None for layer in self.layers)

    def head(self) -> Head | None:
        """The output: last Dense, its units and the final activation."""
        activation: str | None = None
        act_layer: KLayer | None = None
        for layer in reversed(self.layers):
            if layer is None:
                return None
            if layer.name == "Activation" or layer.name in apis.ACTIVATION_LAYERS:
                if layer.other_axis:
                    return None
                if activation is None:
                    activation, act_layer = layer.activation, layer
                    if activation is None:
                        return None
                continue
            if layer.name in apis.DROPOUT_LAYERS or layer.name in apis.SHAPE_ONLY_LAYERS:
                continue
            if layer.name == "Dense":
                if activation is None:
                    if layer.activation is None:
                        return None
                    return Head(layer, layer.units, layer.activation, layer)
                return Head(layer, layer.units, activation, act_layer or layer)
            if layer.name in apis.CONV_LAYERS:
                # a fully convolutional output (segmentation): its activation
                # is the model's, its unit count is not known
                final = activation if activation is not None else layer.activation
                if final is None:
                    return None
                return Head(None, None, final, act_layer or layer)
            if activation is not None:
                return Head(None, None, activation, act_layer or layer)
            return None
        return None


@dataclass(frozen=True)
class Head:
    dense: KLayer | None
    units: int | None
    activation: str
    #: the layer that sets the final activation (the Dense or an Activation layer)
    activation_layer: KLayer


@dataclass(frozen=True)
class KTensor:
    """A symbolic tensor: the layers applied since an ``Input`` (functional
    API), or a model's output (``model(x)``, ``model.predict(x)``)."""

    chain: tuple[KLayer | None, ...]
    input_shape: tuple[int | None, ...] | None = None
    model: KModel | None = None
    predicted: bool = False  # numpy output of predict()


@dataclass(frozen=True)
class KLoss:
    """A Keras loss: string, class instance or function."""

    name: str  # canonical, see apis.LOSS_STRINGS values
    from_logits: bool | None  # None: not a literal
    node: cst.CSTNode = field(repr=False)
    style: str  # "string", "class", "function"
    from_logits_arg: cst.Arg | None = None

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Images:
    """Raw pixel arrays of a ``keras.datasets`` loader (0..255)."""

    dataset: str
    origin: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class Labels:
    encoding: str  # "int" or "onehot"
    origin: cst.CSTNode = field(repr=False)
    #: one label per sample (dataset loaders), not per pixel/time step
    per_sample: bool = False
    #: class predictions (argmax of a model's output), not ground truth
    predicted: bool = False


@dataclass(frozen=True)
class ScaledLabels:
    """Labels divided or scaled like inputs; ``statement`` did it."""

    statement: cst.CSTNode = field(repr=False)
    labels: Labels


@dataclass(frozen=True)
class TfLogits:
    origin: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class TfProbs:
    origin: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class KTuple:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class ModuleRef:
    qualname: str


@dataclass(frozen=True)
class Scaler:
    node: cst.Call = field(repr=False)


@dataclass(frozen=True)
class ClassRefK:
    cls: cst.ClassDef


@dataclass(frozen=True)
class FuncRefK:
    func: cst.FunctionDef


@dataclass(frozen=True)
class SelfRef:
    cls: cst.ClassDef


# --- facts -------------------------------------------------------------------


@dataclass(eq=False)
class CompileFact:
    call: cst.Call
    model: KModel | None
    loss: KLoss | None
    #: where a last-layer/loss mismatch is reported: the ``loss=`` argument
    loss_arg: cst.Arg | None
    metrics: tuple[str, ...] = ()


@dataclass(eq=False)
class FitFact:
    call: cst.Call
    model: KModel | None
    x: Any
    y: Any


@dataclass(eq=False)
class LossUse:
    """A loss paired with a model output: compile(loss=...) on a model, or a
    loss called on ``model(x)`` in a custom loop."""

    report: cst.CSTNode
    model: KModel | None
    loss: KLoss
    labels: Any = None
    compile: CompileFact | None = None


@dataclass(eq=False)
class FirstInput:
    """The input shape a layer receives as the first layer of a model."""

    layer: KLayer
    shape: tuple[int | None, ...]


@dataclass(eq=False)
class TfCrossEntropy:
    call: cst.Call
    qualname: str
    labels: Any
    logits: Any
    positional: bool


def _join(a: Any, b: Any) -> Any:
    # values are compared structurally: a layer re-created by the second
    # pass over a loop body is the same layer (same constructor call)
    if a is b or a == b:
        return a
    return None


Env = dict[str, Any]
#: values whose existence makes a second round worth it
_INTERESTING = (KModel, KLoss, Images, Labels, ScaledLabels, TfLogits, TfProbs, KTensor, Scaler)


class KerasFacts:
    """Everything the LF4xx rules read about Keras/TF in one file."""

    def __init__(self, model: ModuleIndex) -> None:
        self.model = model
        self.compiles: list[CompileFact] = []
        self.fits: list[FitFact] = []
        self.loop_losses: list[LossUse] = []
        self.models: dict[cst.CSTNode, KModel] = {}
        self.first_inputs: list[FirstInput] = []
        self.tf_losses: list[TfCrossEntropy] = []
        self.values: dict[cst.CSTNode, Any] = {}
        self.tf1 = False
        self.image_format_set = False
        self._interesting = False
        self._record = True
        self._scope: Scope | None = None
        self.relevant = self._relevant()
        if self.relevant:
            self._run()

    # --- public --------------------------------------------------------------

    def value(self, expr: cst.BaseExpression) -> Any:
        return self.values.get(expr)

    def loss_uses(self) -> Iterator[LossUse]:
        """compile(loss=...) paired with its model (and the labels of a later
        fit), then custom-loop loss calls."""
        for comp in self.compiles:
            if comp.loss is None or comp.loss_arg is None:
                continue
            yield LossUse(comp.loss_arg, comp.model, comp.loss, self.labels_for(comp), comp)
        yield from self.loop_losses

    def labels_for(self, comp: CompileFact) -> Any:
        if comp.model is None:
            return None
        found: Any = None
        for fit in self.fits:
            if fit.model is not None and fit.model.node is comp.model.node:
                if fit.y is None:
                    return None
                found = fit.y if found is None else _join(found, fit.y)
                if found is None:
                    return None
        return found

    def compile_for(self, model: KModel | None) -> CompileFact | None:
        if model is None:
            return None
        found = [c for c in self.compiles if c.model is not None and c.model.node is model.node]
        return found[0] if len(found) == 1 else None

    # --- setup ---------------------------------------------------------------

    def _relevant(self) -> bool:
        found = False
        for call in self.model.calls:
            qualname = call.qualname
            if qualname is None:
                continue
            if qualname.startswith(apis.KERAS_ROOTS):
                found = True
                if qualname in apis.TF1_MARKERS:
                    self.tf1 = True
                if qualname in apis.IMAGE_FORMAT_SETTERS:
                    self.image_format_set = True
        return found

    def _run(self) -> None:
        module = self.model.module
        self._globals: Env = {}
        #: parameter values every same-file call site agrees on (from round 1)
        self._pins: dict[cst.FunctionDef, Env] = {}
        for round_ in (1, 2):
            if round_ == 2 and not self._interesting:
                # nothing Keras-like was built: the second round (module
                # names seen from functions) cannot find more
                return
            self._interesting = False
            self._record = True
            self._scope = self.model.module_scope
            self._returns: dict[cst.FunctionDef, Any] = {}
            self._in_progress: set[cst.FunctionDef] = set()
            self._class_models: dict[cst.ClassDef, KModel | None] = {}
            self._sites: dict[cst.FunctionDef, list[Env | None]] = {}
            self._escaped: set[cst.FunctionDef] = set()
            self.compiles, self.fits, self.loop_losses = [], [], []
            self.models, self.first_inputs, self.tf_losses, self.values = {}, [], [], {}
            env: Env = {}
            end = self._block(module.body, env, None)
            self._globals = dict(end if end is not None else env)
            for node in self.model.scopes:
                if isinstance(node, cst.FunctionDef):
                    self._function_returns(node)
            if round_ == 1:
                self._pins = self._settle_pins()

    def _settle_pins(self) -> dict[cst.FunctionDef, Env]:
        pins: dict[cst.FunctionDef, Env] = {}
        for func, sites in self._sites.items():
            if func in self._escaped or not sites or any(site is None for site in sites):
                continue
            names = {name for site in sites if site is not None for name in site}
            known: Env = {}
            for name in names:
                value = sites[0].get(name) if sites[0] is not None else None
                for site in sites[1:]:
                    value = _join(value, site.get(name) if site is not None else None)
                if value is not None:
                    known[name] = value
            if known:
                pins[func] = known
        return pins

    def _note_site(self, call: cst.Call, func: cst.FunctionDef, args: list[Any]) -> None:
        """Argument values of a call of a same-file (non-method) function."""
        sites = self._sites.setdefault(func, [])
        if any(a.star for a in call.args) or self._class_of(func) is not None:
            sites.append(None)
            return
        params = func.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        site: Env = {}
        index = 0
        for arg, value in zip(call.args, args, strict=False):
            if arg.keyword is None:
                if index < len(positional):
                    site[positional[index]] = value
                index += 1
            else:
                site[arg.keyword.value] = value
        sites.append(site)

    # --- functions -----------------------------------------------------------

    def _function_returns(self, func: cst.FunctionDef) -> Any:
        if func in self._returns:
            return self._returns[func]
        if func in self._in_progress or len(self._in_progress) > 20:
            return None
        self._in_progress.add(func)
        try:
            frame = _Frame(func)
            env: Env = {}
            params = func.params
            pins = self._pins.get(func, {})
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                env[param.name.value] = pins.get(param.name.value)
            cls = self._class_of(func)
            if cls is not None and (params.posonly_params or params.params):
                first = (*params.posonly_params, *params.params)[0].name.value
                env[first] = SelfRef(cls)
                env.update(self._self_attrs(cls, func))
            saved_scope, self._scope = self._scope, self.model.scopes[func]
            try:
                self._block(_body(func), env, frame)
            finally:
                self._scope = saved_scope
            result: Any = None
            for index, value in enumerate(frame.returns):
                result = value if index == 0 else _join(result, value)
            self._returns[func] = result
            return result
        finally:
            self._in_progress.discard(func)

    def _class_of(self, func: cst.FunctionDef) -> cst.ClassDef | None:
        parent = self.model.parent(func)
        grand = self.model.parent(parent) if parent is not None else None
        return grand if isinstance(grand, cst.ClassDef) else None

    def _self_attrs(self, cls: cst.ClassDef, func: cst.FunctionDef) -> Env:
        """``self.x`` as ``__init__`` leaves it (for the other methods)."""
        init = _method(cls, "__init__")
        if init is None or init is func:
            return {}
        params = (*init.params.posonly_params, *init.params.params)
        if not params:
            return {}
        self_name = params[0].name.value
        env: Env = {p.name.value: None for p in params[1:]}
        env[self_name] = SelfRef(cls)
        saved, saved_scope = self._record, self._scope
        self._record, self._scope = False, self.model.scopes[init]
        try:
            end = self._block(_body(init), env, _Frame(init)) or env
        finally:
            self._record, self._scope = saved, saved_scope
        first = (*func.params.posonly_params, *func.params.params)
        name = first[0].name.value if first else "self"
        return {
            name + k[len(self_name) :]: v for k, v in end.items() if k.startswith(self_name + ".")
        }

    def _subclassed(self, cls: cst.ClassDef) -> KModel | None:
        if cls in self._class_models:
            return self._class_models[cls]
        self._class_models[cls] = None
        if not any(self.model.qualname(b.value) in apis.FUNCTIONAL_MODEL for b in cls.bases):
            return None
        call = _method(cls, "call")
        if call is None:
            return None
        params = (*call.params.posonly_params, *call.params.params)
        if len(params) < 2:
            return None
        env = self._self_attrs(cls, call)
        env[params[0].name.value] = SelfRef(cls)
        for param in params[1:]:
            env[param.name.value] = None
        env[params[1].name.value] = KTensor(())
        frame = _Frame(call)
        saved, saved_scope = self._record, self._scope
        self._record, self._scope = False, self.model.scopes[call]
        try:
            self._block(_body(call), env, frame)
        finally:
            self._record, self._scope = saved, saved_scope
        result: Any = None
        for index, value in enumerate(frame.returns):
            result = value if index == 0 else _join(result, value)
        found = KModel(cls, result.chain, "subclassed") if isinstance(result, KTensor) else None
        self._class_models[cls] = found
        if found is not None:
            self._note_model(found)
        return found

    # --- statements ------------------------------------------------------------

    def _block(self, body: Sequence[cst.CSTNode], env: Env, frame: _Frame | None) -> Env | None:
        for stmt in body:
            result = self._stmt(stmt, env, frame)
            if result is None:
                return None
            env = result
        return env

    def _stmt(self, stmt: cst.CSTNode, env: Env, frame: _Frame | None) -> Env | None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if not self._small(small, stmt, env, frame):
                    return None
            return env
        if isinstance(stmt, cst.If):
            self._eval(stmt.test, env, stmt)
            then = self._block(_body(stmt), dict(env), frame)
            if stmt.orelse is None:
                other: Env | None = dict(env)
            elif isinstance(stmt.orelse, cst.If):
                other = self._stmt(stmt.orelse, dict(env), frame)
            else:
                other = self._block(_body(stmt.orelse), dict(env), frame)
            return _join_envs([then, other])
        if isinstance(stmt, (cst.For, cst.While)):
            if isinstance(stmt, cst.For):
                self._eval(stmt.iter, env, stmt)
            current = dict(env)
            exits: list[Env | None] = [dict(env)]
            for _ in range(2):
                body_env = dict(current)
                if isinstance(stmt, cst.For):
                    self._assign(stmt.target, None, body_env)
                out = self._block(_body(stmt), body_env, frame)
                current = _join_envs([current, out if out is not None else body_env]) or current
                exits.append(dict(current))
            if stmt.orelse is not None:
                current = self._block(_body(stmt.orelse), current, frame) or current
            return _join_envs([*exits, current])
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                self._eval(item.item, env, stmt)
                if item.asname is not None:
                    self._assign(item.asname.name, None, env)
            return self._block(_body(stmt), env, frame)
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            before = dict(env)
            after = self._block(_body(stmt), env, frame)
            if stmt.orelse is not None and after is not None:
                after = self._block(_body(stmt.orelse), after, frame)
            outs: list[Env | None] = [after]
            for handler in stmt.handlers:
                start = _join_envs([before, after]) or dict(before)
                outs.append(self._block(_body(handler), start, frame))
            merged = _join_envs(outs)
            if stmt.finalbody is not None:
                base = merged if merged is not None else dict(before)
                fin = self._block(_body(stmt.finalbody), base, frame)
                return fin if merged is not None else None
            return merged
        if isinstance(stmt, cst.FunctionDef):
            env[stmt.name.value] = FuncRefK(stmt)
            return env
        if isinstance(stmt, cst.ClassDef):
            env[stmt.name.value] = ClassRefK(stmt)
            return env
        if isinstance(stmt, cst.Match):
            outs = [dict(env)]
            for case in stmt.cases:
                outs.append(self._block(_body(case), dict(env), frame))
            joined = _join_envs(outs)
            # names bound by patterns are unknown
            return {k: v for k, v in joined.items()} if joined is not None else None
        return env

    def _small(
        self, small: cst.BaseSmallStatement, stmt: cst.CSTNode, env: Env, frame: _Frame | None
    ) -> bool:
        if isinstance(small, cst.Assign):
            value = self._eval(small.value, env, stmt)
            for target in small.targets:
                self._assign(target.target, value, env)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._assign(small.target, self._eval(small.value, env, stmt), env)
        elif isinstance(small, cst.AugAssign):
            left = self._eval(small.target, env, stmt)
            right = self._eval(small.value, env, stmt)
            op = type(small.operator).__name__.replace("Assign", "")
            self._assign(small.target, self._arith(op, left, right, small.value, stmt), env)
        elif isinstance(small, cst.Expr):
            self._eval(small.value, env, stmt)
        elif isinstance(small, cst.Return):
            value = self._eval(small.value, env, stmt) if small.value is not None else None
            if frame is not None:
                frame.returns.append(value)
            return False
        elif isinstance(small, cst.Raise):
            return False
        elif isinstance(small, (cst.Break, cst.Continue)):
            return False
        elif isinstance(small, cst.Del):
            self._assign(small.target, None, env)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            names = small.names if not isinstance(small.names, cst.ImportStar) else []
            for alias in names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    env.pop(alias.asname.name.value, None)
                elif isinstance(alias.name, cst.Name):
                    env.pop(alias.name.value, None)
        elif isinstance(small, cst.Global):
            for item in small.names:
                env.pop(item.name.value, None)
        return True

    def _assign(self, target: cst.BaseExpression, value: Any, env: Env) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = None
            if (
                isinstance(value, KTuple)
                and len(value.items) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in elements)
            ):
                items = value.items
            for index, element in enumerate(elements):
                self._assign(element.value, items[index] if items else None, env)
        elif isinstance(target, cst.Attribute):
            key = dotted_text(target)
            if key is not None:
                for k in [k for k in env if k.startswith(key + ".")]:
                    del env[k]
                env[key] = value
        elif isinstance(target, cst.Subscript):
            # ``y[mask] = ...`` changes what ``y`` holds
            key = dotted_text(target.value)
            if key is not None and key in env:
                env[key] = None

    # --- expressions -----------------------------------------------------------

    def _eval(self, expr: cst.BaseExpression, env: Env, stmt: cst.CSTNode) -> Any:
        try:
            value = self._eval_inner(expr, env, stmt)
        except RecursionError:
            value = None
        if isinstance(value, _INTERESTING):
            self._interesting = True
        if self._record:
            if expr in self.values:
                value_before = self.values[expr]
                self.values[expr] = _join(value_before, value)
            else:
                self.values[expr] = value
        return value

    def _eval_inner(self, expr: cst.BaseExpression, env: Env, stmt: cst.CSTNode) -> Any:
        if type(expr) is cst.Name:
            found = env[expr.value] if expr.value in env else self._global(expr)
            if isinstance(found, FuncRefK):
                parent = self.model.parent(expr)
                if not (isinstance(parent, cst.Call) and parent.func is expr):
                    # passed on (callback, map, thread): other callers exist
                    self._escaped.add(found.func)
            return found
        if type(expr) in (cst.Integer, cst.Float, cst.SimpleString) or (
            type(expr) is cst.UnaryOperation and isinstance(expr.operator, cst.Minus)
        ):
            value = literal_value(expr)
            return Const(value) if value is not NotImplemented else None
        if type(expr) is cst.Attribute:
            key = dotted_text(expr)
            if key is not None and key in env:
                return env[key]
            qualname = self.model.qualname(expr)
            if qualname is not None:
                return ModuleRef(qualname)
            base = self._eval(expr.value, env, stmt)
            if isinstance(base, ModuleRef):
                return ModuleRef(f"{base.qualname}.{expr.attr.value}")
            if isinstance(base, KModel) and expr.attr.value in ("output", "outputs"):
                return KTensor(base.layers, base.input_shape, base)
            return None
        if type(expr) is cst.Call:
            return self._call(expr, env, stmt)
        if type(expr) is cst.Subscript:
            base = self._eval(expr.value, env, stmt)
            for element in expr.slice:
                if isinstance(element.slice, cst.Index):
                    self._eval(element.slice.value, env, stmt)
            if isinstance(base, KTuple) and len(expr.slice) == 1:
                index = expr.slice[0].slice
                if isinstance(index, cst.Index):
                    pos = literal_value(index.value)
                    if isinstance(pos, int) and -len(base.items) <= pos < len(base.items):
                        return base.items[pos]
                return None
            if isinstance(base, (Images, Labels, ScaledLabels, TfLogits)):
                return base
            if isinstance(base, KTensor) and base.predicted:
                return base
            return None
        if type(expr) is cst.BinaryOperation:
            left = self._eval(expr.left, env, stmt)
            right = self._eval(expr.right, env, stmt)
            op = type(expr.operator).__name__
            return self._arith(op, left, right, expr.right, stmt)
        if type(expr) is cst.Tuple:
            items = tuple(self._eval(e.value, env, stmt) for e in expr.elements)
            if any(isinstance(e, cst.StarredElement) for e in expr.elements):
                return None
            return KTuple(items)
        if type(expr) is cst.List:
            for list_el in expr.elements:
                self._eval(list_el.value, env, stmt)
            return None
        if type(expr) is cst.IfExp:
            self._eval(expr.test, env, stmt)
            return _join(self._eval(expr.body, env, stmt), self._eval(expr.orelse, env, stmt))
        if type(expr) is cst.NamedExpr:
            value = self._eval(expr.value, env, stmt)
            self._assign(expr.target, value, env)
            return value
        if type(expr) is cst.Comparison:
            self._eval(expr.left, env, stmt)
            for comp in expr.comparisons:
                self._eval(comp.comparator, env, stmt)
            return None
        if type(expr) is cst.BooleanOperation:
            self._eval(expr.left, env, stmt)
            self._eval(expr.right, env, stmt)
            return None
        if type(expr) is cst.Dict:
            for el in expr.elements:
                if isinstance(el, cst.DictElement):
                    self._eval(el.key, env, stmt)
                self._eval(el.value, env, stmt)
            return None
        if type(expr) is cst.Name and expr.value in ("True", "False", "None"):
            return Const(literal_value(expr))
        return None

    def _global(self, name: cst.Name) -> Any:
        ident = name.value
        if ident in ("True", "False", "None"):
            return Const(literal_value(name))
        scope = self._scope if self._scope is not None else self.model.scope_of(name)
        # a name of an enclosing function (not the module) is unknown here
        current: Scope | None = scope
        while current is not None and current.parent is not None:
            if current.kind != "class" and ident in current.bindings:
                return None
            current = current.parent
        if ident in self._globals:
            return self._globals[ident]
        bindings = self.model.module_scope.bindings.get(ident)
        if bindings and len(bindings) == 1:
            only = bindings[0]
            if only.kind == "class" and isinstance(only.node, cst.ClassDef):
                return ClassRefK(only.node)
            if only.kind == "def" and isinstance(only.node, cst.FunctionDef):
                return FuncRefK(only.node)
        return None

    def _arith(
        self, op: str, left: Any, right: Any, right_expr: cst.BaseExpression, stmt: cst.CSTNode
    ) -> Any:
        if isinstance(left, Labels) and not left.predicted:
            if op in ("Divide", "FloorDivide") or (
                op == "Multiply" and isinstance(right, Const) and _is_fraction(right.value)
            ):
                return ScaledLabels(stmt, left)
            if (
                op in ("Add", "Subtract")
                and isinstance(right, Const)
                and isinstance(right.value, int)
            ):
                return left  # 1-based → 0-based labels
            return None
        if isinstance(left, TfLogits) and op in ("Add", "Subtract"):
            return left
        if isinstance(left, Const) and isinstance(right, Const):
            try:
                return Const(_const_op(op, left.value, right.value))
            except Exception:
                return None
        return None

    # --- calls -----------------------------------------------------------------

    def _call(self, call: cst.Call, env: Env, stmt: cst.CSTNode) -> Any:
        func = call.func
        qualname = None
        if not (isinstance(func, cst.Name) and func.value in env):
            key = dotted_text(func)
            if key is None or key not in env:
                qualname = self.model.qualname(func)
        if qualname is not None:
            args = [self._eval(a.value, env, stmt) for a in call.args]
            return self._api(call, qualname, args, env, stmt)
        if isinstance(func, cst.Attribute):
            key = dotted_text(func)
            if key is not None and key in env:
                args = [self._eval(a.value, env, stmt) for a in call.args]
                return self._call_value(call, env[key], args, env, stmt)
            receiver = self._eval(func.value, env, stmt)
            args = [self._eval(a.value, env, stmt) for a in call.args]
            return self._method(call, func, receiver, args, env, stmt)
        callee = self._eval(func, env, stmt)
        args = [self._eval(a.value, env, stmt) for a in call.args]
        return self._call_value(call, callee, args, env, stmt)

    def _api(
        self, call: cst.Call, qualname: str, args: list[Any], env: Env, stmt: cst.CSTNode
    ) -> Any:
        first = args[0] if args else None
        if (
            qualname.startswith(apis.LAYER_PREFIXES)
            and qualname not in apis.INPUT | apis.INPUT_LAYER
        ):
            short = qualname[len(apis.LAYERS_PREFIX) :]
            if short[:1].isupper():
                return self._layer(call, short, env, stmt)
            if short in ("concatenate", "add", "multiply", "average", "maximum", "subtract", "dot"):
                return KTensor((None,))
            return None
        if qualname in apis.INPUT:
            shape = _shape(argument(call, 0, "shape"), env, self)
            batch = _shape(argument(call, None, "batch_shape", "batch_input_shape"), env, self)
            if shape is None and batch is not None:
                shape = batch[1:]
            return KTensor((), shape)
        if qualname in apis.INPUT_LAYER:
            layer = self._layer(call, "InputLayer", env, stmt)
            return layer
        if qualname in apis.KERAS_SEQUENTIAL:
            return self._sequential(call, env, stmt)
        if qualname in apis.FUNCTIONAL_MODEL:
            outputs = argument(call, 1, "outputs")
            value = self._eval(outputs, env, stmt) if outputs is not None else None
            if isinstance(value, KTensor) and value.model is None:
                model = KModel(call, value.chain, "functional", value.input_shape)
                self._note_model(model)
                return model
            return None
        loss = self._loss_ref(qualname, call, env, stmt)
        if loss is not None:
            return loss
        loss = self._function_loss(qualname, call, call, env)
        if loss is not None:
            # ``keras.losses.categorical_crossentropy(y, model(x))``
            self._loss_called(call, loss)
            return None
        if qualname in apis.ONE_HOT_FUNCS:
            base = first
            return Labels("onehot", call, per_sample=isinstance(base, Labels) and base.per_sample)
        if qualname in apis.ARGMAX_FUNCS:
            base = first
            if isinstance(base, Labels) and base.encoding == "onehot":
                return Labels("int", call, per_sample=base.per_sample)
            if isinstance(base, KTensor) and base.predicted:
                return Labels("int", call, predicted=True)
            return None
        if qualname.startswith(apis.DATASETS_PREFIX) and qualname.endswith(".load_data"):
            return self._load_data(call, qualname.split(".")[2])
        if qualname in apis.PRESERVING_FUNCS:
            return first if isinstance(first, (Images, Labels, ScaledLabels)) else None
        if qualname in apis.SCALERS:
            return Scaler(call)
        if qualname == apis.TF_PLACEHOLDER:
            dtype = argument(call, 0, "dtype")
            shape_expr = argument(call, 1, "shape")
            if dtype is not None and self.model.qualname(dtype) in apis.INT_DTYPES:
                dims = _shape(shape_expr, env, self)
                if dims is not None and len(dims) == 1:
                    return Labels("int", call, per_sample=True)
            return None
        if qualname in apis.TF_LOGITS_FUNCS:
            return TfLogits(call)
        if qualname in apis.TF_DENSE:
            act = argument(call, 2, "activation")
            if act is None or literal_value(act) is None:
                return TfLogits(call)
            return None
        if qualname in apis.ACTIVATION_FUNCS and isinstance(first, KTensor) and not first.predicted:
            # ``return tf.nn.softmax(self.out(x))`` / ``out = tf.nn.softmax(x)``:
            # an activation applied to a model's tensor acts as a layer
            act_layer = KLayer(call, "Activation", activation=apis.ACTIVATION_FUNCS[qualname])
            return KTensor((*first.chain, act_layer), first.input_shape, first.model)
        if qualname in apis.TF_PROBS_FUNCS:
            return TfProbs(call)
        if qualname in apis.TF_CE_WITH_LOGITS:
            positional = any(a.keyword is None and not a.star for a in call.args)
            # positional: read in TF2's order (labels, logits)
            labels_expr = argument(call, 0 if positional else None, "labels")
            logits_expr = argument(call, 1 if positional else None, "logits")
            if self._record:
                fact = TfCrossEntropy(
                    call,
                    qualname,
                    self.values.get(labels_expr) if labels_expr is not None else None,
                    self.values.get(logits_expr) if logits_expr is not None else None,
                    positional,
                )
                _merge(self.tf_losses, fact, "labels", "logits")
            return None
        return None

    def _layer(self, call: cst.Call, short: str, env: Env, stmt: cst.CSTNode) -> KLayer:
        units = None
        activation: str | None = "linear"
        act_node = None
        inner = None
        other_axis = False
        if short == "Dense":
            units = _int(argument(call, 0, "units"), env, self)
            act_node = argument(call, 1, "activation")
            activation = self._activation(act_node, env)
        elif short == "Activation":
            act_node = argument(call, 0, "activation")
            activation = self._activation(act_node, env) if act_node is not None else None
        elif short in apis.ACTIVATION_LAYERS:
            activation = apis.ACTIVATION_LAYERS[short]
            axis = argument(call, 0, "axis") if short == "Softmax" else None
            if axis is not None and literal_value(axis) != -1:
                other_axis = True
        elif short in apis.WRAPPERS:
            layer_arg = argument(call, 0, "layer")
            value = self.values.get(layer_arg) if layer_arg is not None else None
            if isinstance(value, KLayer):
                inner = value
            activation = None
        else:
            act_node = keyword_value(call, "activation")
            activation = self._activation(act_node, env)
        shape_node = argument(call, None, "input_shape", "batch_input_shape")
        shape = _shape(shape_node, env, self)
        if shape is not None and keyword(call, "batch_input_shape") is not None:
            shape = shape[1:]
        if short == "InputLayer":
            shape_node = shape_node or argument(call, None, "shape")
            shape = shape or _shape(argument(call, None, "shape"), env, self)
        rs = keyword_value(call, "return_sequences")
        return_sequences = literal_value(rs) is True if rs is not None else False
        if inner is not None and inner.return_sequences:
            return_sequences = True
        fmt = keyword_value(call, "data_format")
        fmt_value = literal_value(fmt) if fmt is not None else "channels_last"
        if fmt is not None and isinstance(fmt, cst.Name):
            known = env.get(fmt.value)
            fmt_value = known.value if isinstance(known, Const) else NotImplemented
        channels_first = None if not isinstance(fmt_value, str) else fmt_value == "channels_first"
        return KLayer(
            node=call,
            name=short,
            units=units,
            activation=activation,
            activation_node=act_node,
            input_shape=shape,
            input_shape_node=shape_node,
            return_sequences=return_sequences,
            channels_first=channels_first,
            inner=inner,
            other_axis=other_axis,
        )

    def _activation(self, expr: cst.BaseExpression | None, env: Env) -> str | None:
        if expr is None:
            return "linear"
        value = literal_value(expr)
        if value is None:
            return "linear"
        if isinstance(expr, cst.Name) and expr.value in env:
            known = env[expr.value]
            value = known.value if isinstance(known, Const) else NotImplemented
        if isinstance(value, str):
            return apis.ACTIVATION_STRINGS.get(value.lower())
        qualname = self.model.qualname(expr)
        if qualname is not None:
            return apis.ACTIVATION_FUNCS.get(qualname)
        return None

    def _sequential(self, call: cst.Call, env: Env, stmt: cst.CSTNode) -> KModel | None:
        layers_expr = argument(call, 0, "layers")
        layers: list[KLayer | None] = []
        input_shape: tuple[int | None, ...] | None = None
        if layers_expr is not None:
            if not isinstance(layers_expr, (cst.List, cst.Tuple)):
                return None
            for element in layers_expr.elements:
                if isinstance(element, cst.StarredElement):
                    return None
                value = self.values.get(element.value) if self._record else None
                if value is None:
                    value = self._eval(element.value, env, stmt)
                if (
                    not layers
                    and isinstance(value, KTensor)
                    and value.model is None
                    and not value.chain
                ):
                    input_shape = value.input_shape  # ``keras.Input(shape=...)`` first
                    continue
                layers.extend(_as_layers(value))
        model = KModel(call, tuple(layers), "sequential", input_shape)
        self._note_first(model)
        self._note_model(model)
        return model

    def _note_model(self, model: KModel) -> None:
        if self._record:
            self.models[model.node] = model

    def _note_first(self, model: KModel) -> None:
        """The first layer's input shape of a Sequential (``input_shape=`` on
        it, or an ``Input``/``InputLayer`` before it)."""
        if not self._record or not model.layers:
            return
        first = model.layers[0]
        if first is None:
            return
        shape = first.input_shape
        if shape is None and first.name != "InputLayer":
            shape = model.input_shape
        target = first
        if first.name == "InputLayer" and len(model.layers) > 1:
            target = model.layers[1]  # type: ignore[assignment]
            if target is None:
                return
        if shape is None:
            return
        if any(f.layer == target for f in self.first_inputs):
            return
        self.first_inputs.append(FirstInput(target, shape))

    def _loss_ref(
        self, qualname: str, call: cst.Call | None, env: Env, stmt: cst.CSTNode
    ) -> KLoss | None:
        if not qualname.startswith(apis.LOSS_MODULES):
            return None
        short = qualname.rsplit(".", 1)[-1]
        if short in apis.LOSS_CLASS_NAMES and call is not None:
            arg = _arg(call, 0, "from_logits")
            return KLoss(
                apis.LOSS_CLASS_NAMES[short],
                _bool(arg.value if arg else None, env),
                call,
                "class",
                arg,
            )
        return None

    def _function_loss(
        self, qualname: str | None, node: cst.CSTNode, call: cst.Call | None, env: Env
    ) -> KLoss | None:
        if qualname is None or not qualname.startswith(apis.LOSS_MODULES):
            return None
        short = qualname.rsplit(".", 1)[-1]
        name = apis.LOSS_STRINGS.get(short.lower())
        if name is None or short in apis.LOSS_CLASS_NAMES:
            return None
        arg = (
            _arg(call, apis.FUNCTION_FROM_LOGITS_INDEX, "from_logits") if call is not None else None
        )
        return KLoss(name, _bool(arg.value if arg else None, env), node, "function", arg)

    def _load_data(self, call: cst.Call, dataset: str) -> Any:
        if dataset in apis.IMAGE_DATASETS:
            x: Any = Images(dataset, call)
        else:
            x = None
        y: Any = Labels("int", call, per_sample=True) if dataset in apis.CLASS_DATASETS else None
        return KTuple((KTuple((x, y)), KTuple((x, y))))

    def _method(
        self,
        call: cst.Call,
        func: cst.Attribute,
        receiver: Any,
        args: list[Any],
        env: Env,
        stmt: cst.CSTNode,
    ) -> Any:
        name = func.attr.value
        if isinstance(receiver, ModuleRef):
            qualname = f"{receiver.qualname}.{name}"
            if qualname.startswith(apis.DATASETS_PREFIX) and name == "load_data":
                return self._load_data(call, qualname.split(".")[2])
            return None
        if isinstance(receiver, KModel):
            return self._model_method(call, func, receiver, name, args, env, stmt)
        if isinstance(receiver, SelfRef):
            if name == "__call__":
                return None
            return None
        if isinstance(receiver, (Images, Labels, ScaledLabels)):
            if name in apis.PRESERVING_METHODS:
                return receiver
            if name == "argmax" and isinstance(receiver, Labels) and receiver.encoding == "onehot":
                return Labels("int", call, per_sample=receiver.per_sample)
            return None
        if isinstance(receiver, KTensor) and receiver.predicted:
            if name in ("argmax",):
                return Labels("int", call, predicted=True)
            if name in apis.PRESERVING_METHODS:
                return receiver
            return None
        if isinstance(receiver, Scaler) and name in ("fit_transform", "transform"):
            first = args[0] if args else None
            if isinstance(first, Labels) and not first.predicted:
                return ScaledLabels(stmt, first)
            return None
        if isinstance(receiver, TfLogits) and name in apis.PRESERVING_METHODS:
            return receiver
        if receiver is None and name == "compile" and keyword(call, "loss") is not None:
            # a model we cannot see (loaded, built elsewhere, joined branches):
            # the loss and metrics are still facts
            if self._record:
                self._compile(call, None, env)
            return None
        if isinstance(receiver, KLoss) and name == "__call__":
            return self._call_value(call, receiver, args, env, stmt)
        return None

    def _model_method(
        self,
        call: cst.Call,
        func: cst.Attribute,
        model: KModel,
        name: str,
        args: list[Any],
        env: Env,
        stmt: cst.CSTNode,
    ) -> Any:
        key = dotted_text(func.value)
        if name == "add":
            layer = args[0] if args else None
            layers = _as_layers(layer)
            input_shape = model.input_shape
            if (
                not model.layers
                and isinstance(layer, KTensor)
                and layer.model is None
                and not layer.chain
            ):
                input_shape = layer.input_shape  # ``model.add(keras.Input(shape=...))``
            updated = KModel(model.node, (*model.layers, *layers), model.style, input_shape)
            if key is not None:
                env[key] = updated
            self._note_first(updated)
            self._note_model(updated)
            return None
        if name == "pop" and key is not None:
            env[key] = None
            return None
        if name == "compile":
            if self._record:
                self._compile(call, model, env)
            return None
        if name in ("fit", "train_on_batch", "fit_generator"):
            if self._record:
                x_expr = argument(call, 0, "x")
                y_expr = argument(call, 1, "y")
                fact = FitFact(
                    call,
                    model,
                    self.values.get(x_expr) if x_expr is not None else None,
                    self.values.get(y_expr) if y_expr is not None else None,
                )
                _merge(self.fits, fact, "model", "x", "y")
            return None
        if name in ("predict", "predict_on_batch", "__call__"):
            return KTensor(model.layers, model.input_shape, model, predicted=True)
        if name == "predict_classes":
            return Labels("int", call, predicted=True)
        return None

    def _compile(self, call: cst.Call, model: KModel | None, env: Env) -> None:
        loss_arg = _arg(call, 1, "loss")
        loss: KLoss | None = None
        if loss_arg is not None:
            loss = self._loss_of(loss_arg.value, env)
        metrics: list[str] = []
        metrics_expr = argument(call, None, "metrics")
        if isinstance(metrics_expr, (cst.List, cst.Tuple)):
            for element in metrics_expr.elements:
                value = literal_value(element.value)
                if isinstance(value, str):
                    metrics.append(value.lower())
                else:
                    qualname = self.model.qualname(
                        element.value.func if isinstance(element.value, cst.Call) else element.value
                    )
                    if qualname is not None and qualname.startswith(apis.METRICS_PREFIX):
                        metrics.append(_snake(qualname.rsplit(".", 1)[-1]))
        _merge(self.compiles, CompileFact(call, model, loss, loss_arg, tuple(metrics)), "model")

    def _loss_of(self, expr: cst.BaseExpression, env: Env) -> KLoss | None:
        value = literal_value(expr)
        if isinstance(expr, cst.Name) and expr.value in env:
            known = env[expr.value]
            if isinstance(known, KLoss):
                return known
            if isinstance(known, ModuleRef):
                return self._function_loss(known.qualname, expr, None, env)
            value = known.value if isinstance(known, Const) else NotImplemented
        if isinstance(value, str):
            name = apis.LOSS_STRINGS.get(value.lower())
            return KLoss(name, False, expr, "string") if name is not None else None
        known = self.values.get(expr)
        if isinstance(known, KLoss):
            return known
        if isinstance(expr, (cst.Name, cst.Attribute)):
            return self._function_loss(self.model.qualname(expr), expr, None, env)
        return None

    def _loss_called(self, call: cst.Call, loss: KLoss) -> None:
        """A loss called on a model's output in a custom loop."""
        if not self._record:
            return
        pred_expr = argument(call, 1, "y_pred")
        true_expr = argument(call, 0, "y_true")
        pred = self.values.get(pred_expr) if pred_expr is not None else None
        if isinstance(pred, KTensor) and pred.model is not None:
            labels = self.values.get(true_expr) if true_expr is not None else None
            _merge(self.loop_losses, LossUse(call, pred.model, loss, labels), "model", "labels")

    def _call_value(
        self, call: cst.Call, callee: Any, args: list[Any], env: Env, stmt: cst.CSTNode
    ) -> Any:
        if isinstance(callee, KLayer):
            arg = args[0] if args else None
            if isinstance(arg, KTensor) and not arg.predicted:
                if not arg.chain and arg.input_shape is not None and self._record:
                    if not any(f.layer == callee for f in self.first_inputs):
                        self.first_inputs.append(FirstInput(callee, arg.input_shape))
                return KTensor((*arg.chain, callee), arg.input_shape)
            return KTensor((None, callee))
        if isinstance(callee, KModel):
            arg = args[0] if args else None
            if (
                isinstance(arg, KTensor)
                and not arg.predicted
                and arg.model is None
                and (arg.chain or arg.input_shape is not None)
            ):
                return KTensor((*arg.chain, *callee.layers), arg.input_shape)
            return KTensor(callee.layers, callee.input_shape, callee)
        if isinstance(callee, KLoss):
            if callee.style == "class":
                self._loss_called(call, callee)
            return None
        if isinstance(callee, ClassRefK):
            return self._subclassed(callee.cls)
        if isinstance(callee, FuncRefK):
            self._note_site(call, callee.func, args)
            return self._function_returns(callee.func)
        if isinstance(callee, ModuleRef):
            return self._api(call, callee.qualname, args, env, stmt)
        return None


@dataclass
class _Frame:
    func: cst.FunctionDef
    returns: list[Any] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------


def _merge(facts: list[Any], fact: Any, *fields: str) -> None:
    """Record ``fact`` once per call node; a loop body evaluated twice with
    different values leaves those fields unknown."""
    node = getattr(fact, "call", None) or getattr(fact, "report", None)
    for old in facts:
        if (getattr(old, "call", None) or getattr(old, "report", None)) is node:
            for name in fields:
                if getattr(old, name) != getattr(fact, name):
                    setattr(old, name, None)
            return
    facts.append(fact)


def keyword_value(call: cst.Call, name: str) -> cst.BaseExpression | None:
    found = keyword(call, name)
    return found.value if found is not None else None


def _arg(call: cst.Call | None, index: int | None, name: str) -> cst.Arg | None:
    if call is None:
        return None
    found = keyword(call, name)
    if found is not None:
        return found
    if index is not None:
        positional = [a for a in call.args if a.keyword is None]
        if any(a.star for a in positional[: index + 1]):
            return None
        if index < len(positional):
            return positional[index]
    return None


def _bool(expr: cst.BaseExpression | None, env: Env) -> bool | None:
    if expr is None:
        return False
    value = literal_value(expr)
    if isinstance(expr, cst.Name) and expr.value in env:
        known = env[expr.value]
        value = known.value if isinstance(known, Const) else NotImplemented
    return value if isinstance(value, bool) else None


def _int(expr: cst.BaseExpression | None, env: Env, facts: KerasFacts) -> int | None:
    if expr is None:
        return None
    value = literal_value(expr)
    if value is NotImplemented:
        known = None
        if isinstance(expr, cst.Name):
            # a local (even unknown) hides the module-level name
            known = env[expr.value] if expr.value in env else facts._global(expr)
        value = known.value if isinstance(known, Const) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _shape(
    expr: cst.BaseExpression | None, env: Env, facts: KerasFacts
) -> tuple[int | None, ...] | None:
    if expr is None:
        return None
    if isinstance(expr, cst.Name):
        known = env[expr.value] if expr.value in env else facts._global(expr)
        if isinstance(known, KTuple):
            items = []
            for item in known.items:
                if isinstance(item, Const) and (item.value is None or isinstance(item.value, int)):
                    items.append(item.value)
                else:
                    return None
            return tuple(items)
        return None
    if not isinstance(expr, (cst.Tuple, cst.List)):
        return None
    dims: list[int | None] = []
    for element in expr.elements:
        if isinstance(element, cst.StarredElement):
            return None
        value = literal_value(element.value)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            dims.append(value)
        else:
            known = _int(element.value, env, facts)
            if known is None:
                return None
            dims.append(known)
    return tuple(dims)


def _as_layers(value: Any) -> tuple[KLayer | None, ...]:
    if isinstance(value, KLayer):
        return (value,)
    if isinstance(value, KModel):
        return value.layers
    if isinstance(value, KTensor) and value.model is None and not value.chain:
        # ``keras.Input(shape=...)`` as the first element of a Sequential
        return ()
    return (None,)


def _is_fraction(value: Any) -> bool:
    return isinstance(value, float) and 0 < value < 1


def _const_op(op: str, a: Any, b: Any) -> Any:
    if op == "Add":
        return a + b
    if op == "Subtract":
        return a - b
    if op == "Multiply":
        return a * b
    if op == "Divide":
        return a / b
    raise ValueError(op)


def _snake(name: str) -> str:
    out = []
    for index, ch in enumerate(name):
        if ch.isupper() and index:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _body(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    if isinstance(body, (list, tuple)):
        return body
    return []


def _method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    for stmt in _body(cls):
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
            return stmt
    return None


def _join_envs(envs: Sequence[Env | None]) -> Env | None:
    live = [e for e in envs if e is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]
    keys: set[str] = set()
    for e in live:
        keys |= set(e)
    out: Env = {}
    for key in keys:
        value = live[0].get(key)
        for other in live[1:]:
            value = _join(value, other.get(key))
        out[key] = value
    return out


def keras_facts(model: ModuleIndex) -> KerasFacts:
    """The Keras facts of ``model``, built on first use and kept on the model."""
    return model.analysis(KerasFacts)


# Framework tables the LF4xx rules read as ``K.NAME`` (they live in apis).
ACCURACY_METRICS = apis.ACCURACY_METRICS
BINARY_LOSSES = apis.BINARY_LOSSES
CATEGORICAL_LOSSES = apis.CATEGORICAL_LOSSES
CE_LOSSES = apis.CE_LOSSES
CONV2D_LIKE = apis.CONV2D_LIKE
DROPOUT_LAYERS = apis.DROPOUT_LAYERS
HEAD_BETWEEN = apis.HEAD_BETWEEN
KEEPS_AXES = apis.KEEPS_AXES
PROBABILITY_ACTIVATIONS = apis.PROBABILITY_ACTIVATIONS
RECURRENT = apis.RECURRENT
REGRESSION_LOSSES = apis.KERAS_REGRESSION_LOSSES
REQUIRED_RANK = apis.REQUIRED_RANK
SCALING_LAYERS = apis.SCALING_LAYERS
TF_DENSE_CE = apis.TF_DENSE_CE
