"""Keras / TensorFlow facts: models, losses, data and labels of one file.

The Keras domain of the abstract interpreter (``analysis/interpreter/`` runs the
statements in program order, functions, classes, closures and rounds; this
module says what Keras values are and how calls make them). Keras code is
about *models* (ordered layers with units, activation, input shape),
*compile* calls and the arrays handed to ``fit``, which the tensor-kind
lattice of ``kinds.py`` does not describe. Unknown is ``None`` here.

What is followed:

- ``keras.Sequential([...])``, ``Sequential()`` + ``model.add(...)``, the
  functional API (``x = Dense(64)(inp)`` ... ``Model(inputs=inp, outputs=out)``)
  and subclassed models whose ``call`` returns a layer's output; a functional
  model with several outputs (a list, tuple or dict of them) keeps each
  output's head (``KModel.outputs``), which unpacking, indexing or a key of
  its call's result selects, and ``compile`` pairs a loss given per output
  with its output only where that is certain (``HeadLoss``);
- ``model.compile(loss=..., metrics=[...])`` with string, class and function
  losses, and loss objects called on ``model(x)`` in custom training loops;
- ``keras.datasets.X.load_data()`` arrays, whether they are scaled before
  ``fit``; label encodings (``to_categorical``, ``tf.one_hot``, integer labels);
- TF1 graph values (``tf.placeholder`` labels, ``tf.matmul(...) + b`` logits).

Facts are flow-sensitive: a ``compile``/``fit`` sees the values that reach it
in program order. The interpreter runs only for files that call Keras/TF, and
stops after one round when that round built nothing Keras-like.

The facts are built once per file and cached on the model (``keras_facts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.attribute_constants import constant_list_length
from lossflint.analysis.calls import argument, has_star_args, keyword, literal_value
from lossflint.analysis.gradients import gradients
from lossflint.analysis.interpreter import Env, Interpreter
from lossflint.analysis.keras_untrained import never_trained, recompiled_before_use
from lossflint.analysis.layer_lists import private_list
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import (
    DictValue,
    Foreign,
    FunctionRef,
    Instance,
    TupleValue,
    common_tail,
)
from lossflint.analysis.walk import calls_in, descendants
from lossflint.project import bridge, callers
from lossflint.project.constants import ForeignLiteral, import_literal, imported_literal
from lossflint.project.context import current as project_context
from lossflint.project.summary import (
    Origin,
    SClass,
    SFunction,
    SKerasBatches,
    SKerasData,
    SKerasLayer,
    SKerasLoss,
    SKerasModel,
    STuple,
    SValue,
)

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

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
    inner: KLayer | None = None  # wrapped layer of Bidirectional/TimeDistributed, RNN's cell
    #: ``Softmax(axis=...)`` that is not the last axis
    other_axis: bool = False
    #: built in another module (``node`` is the call here that got it)
    far: bool = False
    #: where, when ``far``
    origin: Origin | None = field(default=None, repr=False, compare=False)
    #: the literal ``name=`` it is given (a multi-output model's output names)
    layer_name: str | None = None

    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class KOutput:
    """One output of a multi-output functional model (``Model(inp, [a, b])``,
    ``Model(inp, {"count": a, ...})``): the layers that make it and its name
    (the dict key, else the ``name=`` of its last layer; None: not known)."""

    layers: tuple[KLayer | None, ...]
    name: str | None = None


@dataclass(frozen=True)
class KModel:
    """A model: its ordered layers (None = a layer we cannot see)."""

    #: the Sequential(...)/Model(...) call or the ClassDef
    node: cst.CSTNode = field(repr=False)
    layers: tuple[KLayer | None, ...]
    #: "sequential", "functional", "subclassed"; in a summary also "tensor": a
    #: helper's layers applied to its argument (``def head(x, n)``)
    style: str
    input_shape: tuple[int | None, ...] | None = None
    #: a multi-output model: each output in order (its ``layers`` are then
    #: ``(None,)``: no one head is the model's)
    outputs: tuple[KOutput, ...] = ()
    #: its outputs were given as a dict: calling it returns a dict by key
    keyed: bool = False
    #: one output of a multi-output model (``outputs[head_index]``), as the
    #: value of that output's tensor holds it
    head_index: int | None = None

    def output_model(self, index: int) -> KModel:
        """The model as seen from its output ``index``: that output's layers."""
        out = self.outputs[index]
        return KModel(self.node, out.layers, "functional", self.input_shape, head_index=index)

    @property
    def complete(self) -> bool:
        return bool(self.layers) and all(layer is not None for layer in self.layers)

    def head(self) -> Head | None:
        """The output: last Dense, its units and the final activation."""
        activation: str | None = None
        act_layer: KLayer | None = None
        # a Flatten/Reshape after the Dense: ``Dense(1)`` on per-token features
        # then ``Flatten()`` is one unit per token, not one output
        reshaped = False
        for layer in reversed(self.layers):
            if layer is None:
                # ``Sequential([classifier, Softmax()])``: whatever comes before,
                # a final activation layer is the model's activation
                return Head(None, None, activation, act_layer) if act_layer and activation else None
            if layer.name == "Activation" or layer.name in apis.ACTIVATION_LAYERS:
                if layer.other_axis:
                    return None
                if layer.name == "Activation" and layer.activation == "linear":
                    # an identity (``Activation('linear', dtype='float32')``, the
                    # mixed-precision cast): the output is the previous layer's
                    continue
                if activation is None:
                    activation, act_layer = layer.activation, layer
                    if activation is None:
                        return None
                continue
            if layer.name in apis.DROPOUT_LAYERS:
                continue
            if layer.name in apis.SHAPE_ONLY_LAYERS:
                reshaped = True
                continue
            if layer.name == "Dense":
                units = None if reshaped else layer.units
                if activation is None:
                    if layer.activation is None:
                        return None
                    return Head(layer, units, layer.activation, layer)
                return Head(layer, units, activation, act_layer or layer)
            if layer.name in apis.TANH_RECURRENT and activation is None:
                # ``LSTM(256)`` last: its output is tanh unless ``activation=`` says
                final = layer.activation if layer.activation_node is not None else "tanh"
                if final is None:
                    return None
                return Head(None, None, final, layer)
            if layer.name in apis.CONV_LAYERS:
                # a fully convolutional output (segmentation): its activation
                # is the model's, its unit count is not known
                final = activation if activation is not None else layer.activation
                if final is None:
                    return None
                # a layer known from another module's summary has no call here
                given = (
                    argument(layer.node, 0, "filters") if isinstance(layer.node, cst.Call) else None
                )
                filters = literal_value(given) if given is not None else None
                channels = filters if type(filters) is int else None
                return Head(None, None, final, act_layer or layer, channels)
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
    #: a fully convolutional output's channels, when its ``filters`` is a literal
    channels: int | None = None


@dataclass(frozen=True)
class KTensor:
    """A symbolic tensor: the layers applied since an ``Input`` (functional
    API), or a model's output (``model(x)``, ``model.predict(x)``)."""

    chain: tuple[KLayer | None, ...]
    input_shape: tuple[int | None, ...] | None = None
    model: KModel | None = None
    predicted: bool = False  # numpy output of predict()
    #: the ``y_pred`` a ``compile(loss=f)`` hands ``f``
    handed: bool = False


@dataclass(frozen=True)
class KLoss:
    """A Keras loss: string, class instance or function."""

    name: str  # canonical, see apis.LOSS_STRINGS values
    from_logits: bool | None  # None: not a literal
    node: cst.CSTNode = field(repr=False)
    style: str  # "string", "class", "function"
    from_logits_arg: cst.Arg | None = None
    #: built in another project module: where (``keras.losses.X at losses.py:4``)
    elsewhere: str | None = None
    #: and the place itself, for a message's related locations
    origin: Origin | None = None

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Images:
    """Raw pixel arrays of a ``keras.datasets`` loader (0..255)."""

    dataset: str
    origin: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class ScaledImages:
    """``keras.datasets`` pixels divided down (``x / 255``, ``(x - 127.5) /
    127.5``, ``x * (1 / 255)``): what a model trained on them expects."""

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
    #: the statement is in another project module (a loader helper there
    #: returned them; ``statement`` is the call here): LF413 is reported there
    far: Origin | None = None


@dataclass(frozen=True)
class Mixed:
    """Arithmetic on a model's output (``lam * teacher(u1) + (1 - lam) *
    teacher(u2)``, a mixup of predictions): no longer a model's output tensor,
    still predictions (LF406: targets guessed by a model)."""

    statement: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class Divided:
    """An array of unknown origin divided (``y / y.max()``, ``y /= 255``) by
    ``statement``: never integer class indices any more. LF413 reports it
    where it is the target of a loss that takes class indices only
    (``sparse_categorical_crossentropy``)."""

    statement: cst.CSTNode = field(repr=False)
    #: as for ``ScaledLabels``
    far: Origin | None = None


@dataclass(frozen=True)
class TfLogits:
    origin: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class TfProbs:
    origin: cst.CSTNode = field(repr=False)


@dataclass(frozen=True)
class Const:
    value: Any


#: the calls that build a Keras model: a function making one is specialised per call
_MODEL_BUILDERS = apis.KERAS_SEQUENTIAL | apis.FUNCTIONAL_MODEL


@dataclass(frozen=True)
class ModuleRef:
    qualname: str


@dataclass(frozen=True)
class Batches:
    """A ``tf.data.Dataset`` of arrays (``from_tensor_slices((x, y))``,
    ``.shuffle``/``.batch``): iterating it yields ``element``."""

    element: Any


@dataclass(frozen=True)
class ParamSlot:
    """A parameter of the function whose summary is being built (``x`` of
    ``def to_dataset(x, y)``), kept as such where it goes into a dataset:
    each caller fills it (``KerasFacts.PARAM_SLOTS``)."""

    name: str


@dataclass(frozen=True)
class Enumerated:
    """``enumerate(batches)``: yields ``(index, element)``."""

    batches: Batches


@dataclass(frozen=True)
class LayerList:
    """A list of layers being built for a ``Sequential`` (``layers = []`` then
    ``layers.append(Dense(10))``/``layers.extend([...])``); None items are
    values we cannot see, a leading None layers that differ between paths."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class Scaler:
    node: cst.Call = field(repr=False)


# --- facts -------------------------------------------------------------------


@dataclass(eq=False)
class CompileFact:
    call: cst.Call
    model: KModel | None
    loss: KLoss | None
    #: where a last-layer/loss mismatch is reported: the ``loss=`` argument
    loss_arg: cst.Arg | None
    metrics: tuple[str, ...] = ()
    #: when it ran, in program order (cell order in a notebook)
    order: int = 0
    #: a multi-output model's losses given per output (``loss=[l1, l2]``,
    #: ``loss={"bins": ...}``), each where its output is certain
    heads: tuple[HeadLoss, ...] = ()


@dataclass(frozen=True)
class HeadLoss:
    """The loss ``compile`` gives one output of a multi-output model, and the
    metrics given that output alone."""

    index: int
    loss: KLoss
    report: cst.CSTNode = field(repr=False)
    metrics: tuple[str, ...] = ()


@dataclass(eq=False)
class FitFact:
    call: cst.Call
    model: KModel | None
    x: Any
    y: Any
    order: int = 0


@dataclass(eq=False)
class LossUse:
    """A loss paired with a model output: compile(loss=...) on a model, or a
    loss called on ``model(x)`` in a custom loop."""

    report: cst.CSTNode
    model: KModel | None
    loss: KLoss
    labels: Any = None
    compile: CompileFact | None = None


@dataclass(frozen=True)
class CompiledElsewhere:
    """A model a factory of this module returns, compiled by a caller in
    another module: its layers, the loss, whether the labels it is fitted on
    are one per sample, and where the call is (``train.py:12``)."""

    layers: tuple[KLayer | None, ...]
    loss: str
    per_sample: bool
    where: str


@dataclass(eq=False)
class ModelInput:
    """A model called on raw images in a custom training step (inside a
    ``tf.GradientTape`` block)."""

    call: cst.Call
    model: KModel | None
    x: Any


@dataclass(eq=False)
class FirstInput:
    """The input shape a layer receives as the first layer of a model."""

    layer: KLayer
    shape: tuple[int | None, ...]


def _vendored_keras() -> bool:
    """The project ships its own ``keras`` package (``import keras`` is a
    project file, or a ``keras/__init__.py`` lies in it): the Keras it was
    written for, not today's (Riashat's
    active-learning repo vendors Keras 0.3.1, audit s235). A snippet or a
    project using the installed Keras reads Keras 1's names as today's."""
    context = project_context()
    if context is None:
        return False
    try:
        return context.import_module("keras") is not None or callers.ships_package("keras")
    except (OSError, ValueError, RecursionError):
        return False


def _keras2_file(model: ModuleIndex) -> bool:
    """The file uses an API only Keras 2 and later have: a keyword Keras 1
    did not know (``epochs=``, ``kernel_size=``, ``padding=``, ``units=``,
    ``data_format=``, ``kernel_initializer=``), or ``tf.keras``."""
    return bool(model.analysis(_find_keras2_usage))


def _find_keras2_usage(model: ModuleIndex) -> bool:
    if any(
        binding.kind == "import" and (binding.qualname or "").startswith(apis.TF_KERAS_PREFIX)
        for bindings in model.module_scope.bindings.values()
        for binding in bindings
    ):
        return True
    return any(
        arg.keyword is not None and arg.keyword.value in apis.KERAS2_ONLY_KEYWORDS
        for site in model.calls
        for arg in site.node.args
    )


def v1_path(model: ModuleIndex, func: cst.BaseExpression) -> str | None:
    """How ``func`` reaches TensorFlow's v1 API: "alias" when its root name is
    an import of ``tensorflow.compat.v1`` (``import tensorflow.compat.v1 as
    tf``: every call through it is v1's), "explicit" when it spells
    ``tf.compat.v1.…`` under a plain ``import tensorflow`` (or is a name bound
    to such a path); None otherwise."""
    for _ in range(2):
        text = dotted_text(func)
        if text is None:
            return None
        root, _, rest = text.partition(".")
        bindings = model.module_scope.bindings.get(root) or ()
        if len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind == "import" and binding.qualname is not None:
            if binding.qualname.endswith(".compat.v1"):
                return "alias"
            return "explicit" if ".compat.v1." in f".{binding.qualname}.{rest}." else None
        if binding.kind == "assign" and isinstance(binding.node, (cst.Attribute, cst.Name)):
            func = binding.node  # ``GradientDescentOptimizer = tf.compat.v1.train....``
            continue
        return None
    return None


@dataclass(eq=False)
class TfCrossEntropy:
    call: cst.Call
    qualname: str
    labels: Any
    logits: Any
    positional: bool

    @property
    def softmax_over_last_axis(self) -> bool:
        """A softmax cross-entropy normalising over the last axis (the
        default ``axis=-1``, or written so)."""
        if self.qualname not in apis.TF_SOFTMAX_CE:
            return False
        axis = argument(self.call, 2 if self.positional else None, "axis", "dim")
        return axis is None or literal_value(axis) == -1


def _join(a: Any, b: Any) -> Any:
    # values are compared structurally: a layer re-created by the second
    # pass over a loop body is the same layer (same constructor call)
    if a is b or a == b:
        return a
    return None


#: values whose existence makes a second round worth it
_INTERESTING = (
    KModel,
    KLoss,
    Images,
    ScaledImages,
    Labels,
    ScaledLabels,
    TfLogits,
    TfProbs,
    KTensor,
    Scaler,
)


class KerasFacts(Interpreter[Any]):
    """Everything the LF4xx rules read about Keras/TF in one file."""

    # ``y[mask] = ...`` changes what ``y`` holds
    SUBSCRIPT_STORE_FORGETS = True
    # calling a same-file instance (``self(x)``) says nothing Keras-like
    CALL_METHODS = ()
    # the data and labels that reach a fit in a function are those of its calls
    # (LF407/LF412/LF413: never a value a later notebook cell defines)
    GLOBALS_AT_CALL_SITES = True
    # a builder's parameters are pinned by its calls in other files too, when
    # they all agree: ``image_backbone()`` relies on ``input_shape=(3, 96, 96)``
    PINS_FROM_OTHER_FILES = True
    # the summary's run: a parameter nothing pins stays itself (``ParamSlot``)
    # where it goes into a dataset, for each caller to fill
    PARAM_SLOTS = False

    def __init__(self, model: ModuleIndex) -> None:
        super().__init__(model, None)
        self.compiles: list[CompileFact] = []
        self.fits: list[FitFact] = []
        #: ``evaluate``/``predict`` calls and the inputs they get
        self.evaluations: list[FitFact] = []
        self.loop_losses: list[LossUse] = []
        self.models: dict[cst.CSTNode, KModel] = {}
        self.first_inputs: list[FirstInput] = []
        self.model_inputs: list[ModelInput] = []
        self.tf_losses: list[TfCrossEntropy] = []
        self._called_losses: dict[cst.Call, KLoss | None] = {}
        self.tf1 = False
        self.image_format_set = False
        self._class_models: dict[cst.ClassDef, KModel | None] = {}
        self._builds_keras: dict[cst.FunctionDef, bool] = {}
        self._clock = 0
        #: the import statement whose name is being read from another module
        self._importing: cst.CSTNode | None = None
        self.relevant = self._relevant()
        if self.relevant:
            self.run()

    # --- public --------------------------------------------------------------

    def value(self, expr: cst.BaseExpression) -> Any:
        return self.values.get(expr)

    def returned_model(self, func: cst.FunctionDef) -> KModel | None:
        """The model a function of this module builds and returns (a factory)."""
        found = self._function_returns(func)
        return found if isinstance(found, KModel) else None

    def compiled_by_callers(
        self, worth: Callable[[tuple[KLayer | None, ...]], bool]
    ) -> Iterator[CompiledElsewhere]:
        """The models this module's factories build (those ``worth`` a look)
        as callers in other modules compile them (``CallRecord.compiled``)."""
        factories: dict[str, KModel] = {}
        for node in self.model.module.body:
            if isinstance(node, cst.FunctionDef):
                built = self.returned_model(node)
                if built is not None and worth(built.layers):
                    factories[node.name.value] = built
        records = callers.external_calls(sorted(factories)) if factories else None
        for name, found in (records or {}).items():
            for record in found:
                if not record.opaque and record.compiled:
                    yield CompiledElsewhere(
                        factories[name].layers,
                        record.compiled,
                        record.compiled_per_sample,
                        record.compiled_at,
                    )

    def scaled_for_callers(self) -> Iterator[tuple[cst.CSTNode, str, str]]:
        """Statements of this module's functions scaling labels a function
        returns, which a caller in another module trains a classifier on
        (``CallRecord.scaled_labels``): the statement, the loss and where
        the caller uses it (``train.py:14``)."""
        statements: dict[str, dict[tuple[int, int], cst.CSTNode]] = {}
        for node in self.model.module.body:
            if isinstance(node, cst.FunctionDef):
                held: list[cst.CSTNode] = []
                _scaled_statements(self._function_returns(node), held, 0)
                if held:
                    statements[node.name.value] = {
                        _place_of(self.model, statement): statement for statement in held
                    }
        records = callers.external_calls(sorted(statements)) if statements else None
        for name, found in (records or {}).items():
            for record in found:
                for place in record.scaled_labels if not record.opaque else ():
                    statement = statements[name].get(place)
                    if statement is not None:
                        yield statement, record.scaled_labels_loss, record.scaled_labels_at

    def callback_arguments(self, expr: cst.BaseExpression, func: cst.FunctionDef) -> Env | None:
        """``model.compile(loss=f)``: Keras calls ``f(y_true, y_pred)`` with the
        model's output as ``y_pred`` (a single-output model seen here; a
        method, or a function taking fewer than two parameters, is not such a
        loss)."""
        arg = self.model.parent(expr)
        call = self.model.parent(arg) if isinstance(arg, cst.Arg) else None
        if (
            not isinstance(call, cst.Call)
            or not isinstance(call.func, cst.Attribute)
            or call.func.attr.value != "compile"
            or _arg(call, 1, "loss") is not arg
            or self.class_of_method(func) is not None
        ):
            return None
        compiled = self.values.get(call.func.value)
        params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
        if not isinstance(compiled, KModel) or compiled.outputs or len(params) < 2:
            return None
        return {params[1]: KTensor(compiled.layers, compiled.input_shape, compiled, handed=True)}

    def output_activation(
        self, expr: cst.BaseExpression, handed: bool = True
    ) -> tuple[str, KModel] | None:
        """The final activation of the Keras model whose output ``expr`` holds
        (``model(x)``, not ``model.predict(x)``; with ``handed``, also the
        ``y_pred`` a compiled loss function receives), and that model; None
        when ``expr`` is no such output or its head cannot be read."""
        value = self.values.get(expr)
        if not isinstance(value, KTensor) or value.model is None or value.predicted:
            return None
        if value.handed and not handed:
            return None
        head = value.model.head()
        return (head.activation, value.model) if head is not None else None

    def loss_called_at(self, call: cst.Call) -> KLoss | None:
        """The loss object ``call`` calls on a model's output in a custom loop
        (``poisson(pred, y)`` of a ``poisson`` another module built)."""
        return self._called_losses.get(call)

    def loss_uses(self) -> Iterator[LossUse]:
        """compile(loss=...) paired with its model (and the labels of a later
        fit), then custom-loop loss calls."""
        for comp in self.compiles:
            if comp.loss is None or comp.loss_arg is None:
                continue
            if self._loss_never_run(comp):
                continue
            yield LossUse(comp.loss_arg, comp.model, comp.loss, self.labels_for(comp), comp)
        for comp in self.compiles:
            if comp.model is None or not comp.heads or self._loss_never_run(comp):
                continue
            for head in comp.heads:
                own = CompileFact(comp.call, None, head.loss, None, head.metrics, comp.order)
                labels = self._head_labels(comp, head.index)
                yield LossUse(
                    head.report, comp.model.output_model(head.index), head.loss, labels, own
                )
        yield from self.loop_losses

    def _head_labels(self, comp: CompileFact, index: int) -> Any:
        """The labels output ``index`` of ``comp``'s multi-output model is
        trained on: the item of each later fit's ``y`` given per output (a
        dict keyed by output names, a list or tuple with one entry per
        output), when every such fit gives it and they agree."""
        assert comp.model is not None
        outputs = comp.model.outputs
        names = {out.name for out in outputs}
        name = outputs[index].name
        found: Any = None
        for y in self.labels_each(comp):
            item = None
            if isinstance(y, DictValue) and name is not None:
                if all(key in names for key, _ in y.items):
                    item = y.get(name)
            elif isinstance(y, TupleValue) and len(y.items) == len(outputs):
                item = y.items[index]
            if item is None:
                return None
            found = item if found is None else _join(found, item)
            if found is None:
                return None
        return found

    def _loss_never_run(self, comp: CompileFact) -> bool:
        """``comp`` provably never reaches a fit/evaluate in the file (a GAN
        generator trained only through the combined model): its loss is never
        evaluated."""
        if comp.model is None:
            return False
        if recompiled_before_use(self.model, comp.call):
            return True
        node = comp.model.node
        if any(fit.model is not None and fit.model.node is node for fit in self.fits):
            return False  # the same model fitted under another name
        return never_trained(
            self.model, comp.call, lambda expr: isinstance(self.values.get(expr), KModel)
        )

    def labels_for(self, comp: CompileFact) -> Any:
        """The labels that reach ``comp`` in program order: those of the fits of
        its model after it, up to the model's next compile (none: unknown)."""
        each = self.labels_each(comp)
        if not each:
            return None
        found: Any = None
        for labels in each:
            if labels is None:
                return None
            found = labels if found is None else _join(found, labels)
            if found is None:
                return None
        return found

    def labels_of(self, use: LossUse) -> list[Any]:
        """The labels ``use``'s loss is trained on, one entry per fit: each fit
        of a whole model after its compile on its own; else (the loss of one
        output of a multi-output model, a custom loop's loss call) the labels
        known for it."""
        if use.compile is not None and use.compile.model is not None:
            return self.labels_each(use.compile)
        return [use.labels]

    def labels_each(self, comp: CompileFact) -> list[Any]:
        """The labels of each fit of ``comp``'s model after it, up to the
        model's next compile, in order (None for a fit whose labels are
        unknown: a ``tf.data`` pipeline)."""
        if comp.model is None:
            return []
        node = comp.model.node
        until = min(
            (
                c.order
                for c in self.compiles
                if c.model is not None and c.model.node is node and c.order > comp.order
            ),
            default=None,
        )
        found: list[Any] = []
        for fit in self.fits:
            if fit.model is None or fit.model.node is not node or fit.order <= comp.order:
                continue
            if until is not None and fit.order > until:
                continue  # trained with the next compile's loss
            found.append(fit.y)
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
            if qualname.startswith(apis.KERAS_ROOTS) or (
                qualname == apis.FUNCTOOLS_PARTIAL and self._partial_of_keras(call.node)
            ):
                found = True
                if (
                    qualname in apis.TF1_MARKERS
                    and v1_path(self.model, call.node.func) != "explicit"
                ):
                    # ``tf.placeholder`` of ``import tensorflow as tf``: TensorFlow 1.x;
                    # ``tf.compat.v1.train.GradientDescentOptimizer`` is TF 2 code
                    # reaching for a v1 API (tensorflow/privacy, audit s228)
                    self.tf1 = True
                if qualname in apis.IMAGE_FORMAT_SETTERS:
                    self.image_format_set = True
        # a script that compiles a model built in another module with string
        # arguments only (``model.compile(optimizer="adam", loss="mse")``)
        # calls nothing under keras itself
        return found or any(c.qualname is None for c in self.model.method_calls("compile"))

    def _partial_of_keras(self, call: cst.Call) -> bool:
        """``partial(keras.losses.categorical_crossentropy, ...)``: a module
        that only binds a Keras loss calls nothing under keras itself."""
        if not call.args:
            return False
        func = call.args[0].value
        qualname = (
            self.model.qualname(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        )
        return qualname is not None and qualname.startswith(apis.KERAS_ROOTS)

    # --- domain ---------------------------------------------------------------

    def join_values(self, a: Any, b: Any) -> Any:
        if isinstance(a, KModel) and isinstance(b, KModel) and a != b:
            return self._join_models(a, b)
        if isinstance(a, LayerList) and isinstance(b, LayerList) and a != b:
            return LayerList(common_tail(a.items, b.items, None))
        if isinstance(a, KTensor) and isinstance(b, KTensor) and a != b:
            return self._join_tensors(a, b)
        return _join(a, b)

    def _join_tensors(self, a: KTensor, b: KTensor) -> KTensor | None:
        """A functional trunk grown by a loop that surely runs (``x = inp``;
        ``for f in (64, 128): x = conv_block(x, f)``) joined with itself
        before the loop: the loop's layers, once, as ``_join_models`` reads a
        Sequential grown by ``add``. Its layers are made in the loop's body,
        or by a same-file function called only there. Anything else (an
        ``if`` that adds a layer, a loop that may not run): unknown."""
        if a.model is not None or b.model is not None or a.predicted or b.predicted:
            return None
        if a.input_shape != b.input_shape:
            return None
        short, long = (a, b) if len(a.chain) <= len(b.chain) else (b, a)
        size = len(short.chain)
        extra = long.chain[size:]
        if not extra or long.chain[:size] != short.chain:
            return None
        if not all(layer is not None and self._made_in_loop(layer.node) for layer in extra):
            return None
        return replace(long, chain=_once(long.chain))

    def _made_in_loop(self, node: cst.CSTNode) -> bool:
        """``node`` runs in a loop that surely runs: in its body, or in a
        top-level function of this file whose name is used only to call it
        there (``def conv_block(x, f)``, called in ``for f in (64, 128):``)."""
        if self._in_loop(node):
            return True
        func = self.model.enclosing(node, cst.FunctionDef)
        if (
            not isinstance(func, cst.FunctionDef)
            or self.model.parent(func) is not self.model.module
        ):
            return False
        if len(self.model.module_scope.bindings.get(func.name.value, ())) != 1:
            return False
        calls = gradients(self.model).call_sites(func)
        return bool(calls) and all(self._in_loop(call) for call in calls or ())

    def _assign(self, target: cst.BaseExpression, value: Any, env: Env) -> None:
        loop = self.model.parent(target)
        if value is None and isinstance(loop, cst.For) and loop.target is target:
            # the elements of a dataset of arrays (``for xb, yb in ds:``)
            iterated = self.eval_quietly(loop.iter, env)
            if isinstance(iterated, Batches):
                value = iterated.element
            elif isinstance(iterated, Enumerated):
                value = TupleValue((None, iterated.batches.element))  # type: ignore[arg-type]
        forget_changed(target, loop, env, Images)
        super()._assign(target, value, env)

    def _eval_inner(self, expr: cst.BaseExpression, env: Env) -> Any:
        if type(expr) is cst.DictComp:
            found = self._dict_per_item(expr, env)
            return found if found is not None else super()._eval_inner(expr, env)
        if type(expr) is not cst.List:
            return super()._eval_inner(expr, env)
        items = tuple(self.eval(element.value, env) for element in expr.elements)
        if any(isinstance(element, cst.StarredElement) for element in expr.elements):
            return None
        if not items or any(isinstance(item, (KLayer, KModel)) for item in items):
            return LayerList(items)
        if any(_per_output_item(item) for item in items):
            # ``outputs = [count, bins]``: a multi-output model's outputs;
            # ``fit(x, [y_count, y_bins])``: its labels, one per output
            return TupleValue(items)
        return None

    def dict_display(self, expr: cst.Dict, items: list[tuple[str, Any]]) -> Any:
        if any(_per_output_item(value) for _, value in items):
            # ``{"count": count, "bins": bins}``; the labels ``fit`` gets by output name
            return DictValue(tuple(items))
        return None

    def _dict_per_item(self, expr: cst.DictComp, env: Env) -> DictValue | None:
        """``{k: v[idx] for k, v in targets.items()}`` over a dict of known
        items (the labels of each output): each key's value computed from its
        item."""
        comp = expr.for_in
        target, source = comp.target, comp.iter
        if comp.inner_for_in is not None or comp.ifs or comp.asynchronous is not None:
            return None
        if not (
            isinstance(target, cst.Tuple)
            and len(target.elements) == 2
            and all(
                isinstance(e, cst.Element) and isinstance(e.value, cst.Name)
                for e in target.elements
            )
            and isinstance(expr.key, cst.Name)
            and expr.key.value == target.elements[0].value.value  # type: ignore[attr-defined]
            and isinstance(source, cst.Call)
            and isinstance(source.func, cst.Attribute)
            and source.func.attr.value == "items"
            and not source.args
        ):
            return None
        mapping = self.eval(source.func.value, env)
        if not isinstance(mapping, DictValue) or not mapping.items:
            return None
        items: list[tuple[str, Any]] = []
        for key, value in mapping.items:
            inner = dict(env)
            self._assign(target, TupleValue((Const(key), value)), inner)  # type: ignore[arg-type]
            items.append((key, self.eval(expr.value, inner)))
        return DictValue(tuple(items))  # type: ignore[arg-type]

    def _join_models(self, a: KModel, b: KModel) -> KModel | None:
        """A model grown by a loop (``for _ in range(20): model.add(Dense(100))``)
        joined with itself before the loop: the loop's layers, once. Paths
        that built it differently (an ``add`` after an ``if``, in a loop that
        may not run) keep the layers they end with alike, after an unknown
        layer: the head is what the loss rules read."""
        if a.node is not b.node or a.style != b.style or a.outputs or b.outputs:
            return None
        short, long = (a, b) if len(a.layers) <= len(b.layers) else (b, a)
        # ``Sequential()`` grown first by a loop whose first layer says the
        # input's shape (``Dense(input_dim=...)``): written to run, its pass
        # is the model's start (a loop of layers alone may not run)
        first = long.layers[0] if long.layers else None
        shape_of_loop = (
            not short.layers
            and short.input_shape is None
            and first is not None
            and argument(first.node, None, "input_shape", "batch_input_shape", "input_dim")
            is not None
        )
        if (a.input_shape != b.input_shape and not shape_of_loop) or long.layers[
            : len(short.layers)
        ] != short.layers:
            return self._common_tail(a, b)
        # (a prefix ending unknown is what a first pass of this loop left)
        counted = (bool(short.layers) and short.layers[-1] is not None) or shape_of_loop
        if not all(
            layer is not None
            and (self._in_loop(layer.node) or (counted and self._in_count_loop(layer.node)))
            for layer in long.layers[len(short.layers) :]
        ):
            return self._common_tail(a, b)
        layers: list[KLayer | None] = []
        for layer in long.layers:
            last = layers[-1] if layers else None
            if last is not None and layer is not None and last.node is layer.node:
                continue  # the same constructor call again: another pass of the loop
            layers.append(layer)
        return KModel(long.node, tuple(layers), long.style, long.input_shape)

    @staticmethod
    def _common_tail(a: KModel, b: KModel) -> KModel:
        shape = a.input_shape if a.input_shape == b.input_shape else None
        return KModel(a.node, common_tail(a.layers, b.layers, None), a.style, shape)

    def in_tape(self, node: cst.CSTNode) -> bool:
        """``node`` runs in a ``with tf.GradientTape() as tape:`` block of its
        own function."""
        return self._in_tape(node)

    def _in_tape(self, node: cst.CSTNode) -> bool:
        """``node`` runs in a ``with tf.GradientTape() as tape:`` block."""
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(ancestor, cst.With) and any(
                isinstance(item.item, cst.Call)
                and self.model.qualname(item.item.func) in apis.GRADIENT_TAPES
                for item in ancestor.items
            ):
                return True
        return False

    def _in_loop(self, node: cst.CSTNode) -> bool:
        """``node`` is in the body of a ``for`` loop that surely runs: over
        ``range(n)`` with n >= 1 or over a non-empty literal tuple/list."""
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.While)):
                return False
            if isinstance(ancestor, cst.For):
                return _runs(self.model, ancestor.iter)
        return False

    def _in_count_loop(self, node: cst.CSTNode) -> bool:
        """``node`` is in the body of a loop over hidden layers whose count is
        not known: ``for _ in range(n_hidden)``, ``for units in hidden_sizes``,
        ``for i, d in enumerate(([n_in] + hiddens)[:-1])``. The model holds the
        loop's layers once after the layers before it (an empty count would
        leave them out; a rule reading the model reads the path that runs
        the loop)."""
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.While)):
                return False
            if isinstance(ancestor, cst.For):
                return self._layer_sequence(ancestor.iter)
        return False

    def _layer_sequence(self, iterable: cst.BaseExpression) -> bool:
        """A count or a sequence of layer sizes: ``range(n)``, a name, an
        attribute, a slice of one, ``enumerate``/``zip`` of those."""
        if isinstance(iterable, (cst.Name, cst.Attribute)):
            return True
        if isinstance(iterable, cst.Subscript):
            return self._layer_sequence(iterable.value)
        if isinstance(iterable, cst.BinaryOperation) and isinstance(iterable.operator, cst.Add):
            # ``[n_in] + hiddens``
            return all(
                isinstance(side, (cst.List, cst.Tuple)) or self._layer_sequence(side)
                for side in (iterable.left, iterable.right)
            )
        if not isinstance(iterable, cst.Call) or not iterable.args:
            return False
        callee = self.model.qualname(iterable.func)
        if callee == "builtins.range":
            return len(iterable.args) == 1 and iterable.args[0].keyword is None
        if callee in ("builtins.enumerate", "builtins.zip"):
            return all(
                arg.keyword is None and not arg.star and self._layer_sequence(arg.value)
                for arg in iterable.args
            )
        return False

    def begin_round(self) -> None:
        self.compiles, self.fits, self.loop_losses = [], [], []
        self.evaluations = []
        self.models, self.first_inputs, self.tf_losses = {}, [], []
        self.model_inputs = []
        self._called_losses = {}
        self._class_models = {}
        self._clock = 0

    def worth_another_round(self) -> bool:
        # nothing Keras-like was built: module names seen from functions,
        # parameters and closures cannot give more
        return (
            bool(self.compiles or self.fits or self.models)
            or any(isinstance(value, _INTERESTING) for value in self.values.values())
            # another file hands a function a model's output (``compile(loss=f)``)
            or any(
                isinstance(value, _INTERESTING)
                for pins in self._pins.values()
                for value in pins.values()
            )
        )

    def literal(self, expr: cst.BaseExpression) -> Any:
        value = literal_value(expr)
        return Const(value) if value is not NotImplemented else None

    def constant(self, value: object) -> Any:
        return Const(value)

    def _tested_params(self, func: cst.FunctionDef) -> frozenset[str]:
        """Every parameter of a function building a Keras model: each call's
        literals (``make_model(n_classes=1, head_activation="sigmoid")``)
        give that call's model, not the join of every call's."""
        found = super()._tested_params(func)
        builds = self._builds_keras.get(func)
        if builds is None:
            builds = any(
                self.model.qualname(c.func) in _MODEL_BUILDERS for c in calls_in(func.body)
            )
            self._builds_keras[func] = builds
        if not builds:
            return found
        bindings = self.model.scopes[func].bindings
        return found | frozenset(
            name for name, bound in bindings.items() if len(bound) == 1 and bound[0].kind == "param"
        )

    def unary(self, expr: cst.UnaryOperation, operand: Any) -> Any:
        return self.literal(expr) if isinstance(expr.operator, cst.Minus) else None

    def attribute(self, expr: cst.Attribute, base: Any) -> Any:
        if isinstance(base, ModuleRef):
            return ModuleRef(f"{base.qualname}.{expr.attr.value}")
        if isinstance(base, KModel) and expr.attr.value in ("output", "outputs"):
            if base.outputs:
                # a list of symbolic tensors, one per output
                return TupleValue(
                    tuple(KTensor(out.layers, base.input_shape) for out in base.outputs)  # type: ignore[misc]
                )
            return KTensor(base.layers, base.input_shape, base)
        return None

    def subscript(self, expr: cst.Subscript, base: Any) -> Any:
        if isinstance(base, (Images, Labels, ScaledLabels, TfLogits)):
            return base
        if isinstance(base, KTensor) and base.predicted:
            return base
        return None

    def api_call(self, call: cst.Call, qualname: str, args: list[Any], env: Env) -> Any:
        out = keyword(call, "out")  # ``np.divide(x, 255, out=x)``
        key = dotted_text(out.value) if out is not None else None
        if key is not None and isinstance(env.get(key), Images):
            changed_in_place(env[key], env)
        return self._api(call, qualname, args, env)

    def comprehension_item(self, iterable: Any) -> Any:
        # one image of raw pixel arrays is raw pixels (``for img in x_train``)
        return iterable if isinstance(iterable, Images) else None

    def comprehension(self, expr: cst.BaseExpression, element: Any) -> Any:
        # ``[cv2.resize(img, (224, 224)) for img in x_train]``: every item is
        # still raw pixels (a list comprehension; a generator is consumed once)
        if type(expr) is cst.ListComp and isinstance(element, Images):
            return element
        return None

    def instance_method(
        self, call: cst.Call, func: cst.Attribute, receiver: Instance, args: list[Any], env: Env
    ) -> Any:
        # a class of this file built on a framework class we cannot see:
        # what it inherits is as unknown as any other receiver's
        return self.method_call(call, func, None, args, env)

    def from_summary(self, value: SValue, at: cst.CSTNode | None = None) -> Any:
        """A Keras model built in another project module (``build_model()``):
        its layers as that module's summary lists them, located at the call
        in this file that built it."""
        if isinstance(value, SKerasModel) and value.style == "output" and value.layers:
            # another module's model output (a parameter every caller there
            # fills with ``model(x)``, a helper returning it): located here
            place = at if at is not None else self.model.module
            chain = _far_layers(place, value.layers)
            return KTensor(chain, None, KModel(place, chain, "functional"), handed=value.handed)
        if isinstance(value, SKerasModel) and isinstance(at, cst.Call) and value.layers:
            layers = _far_layers(at, value.layers)
            if value.outputs:
                outputs = tuple(
                    KOutput(_far_layers(at, out.layers), out.name or None) for out in value.outputs
                )
                return KModel(at, layers, value.style, outputs=outputs, keyed=value.keyed)
            if value.style == "tensor":
                # another module's helper applies these layers to what it is
                # given (``head(x, n)``): this call's first argument
                given = self.values.get(at.args[0].value) if at.args else None
                if isinstance(given, KTensor) and not given.predicted and given.model is None:
                    return KTensor((*given.chain, *layers), given.input_shape)
                return KTensor((None, *layers))
            return KModel(at, layers, value.style)
        if isinstance(value, SKerasData) and at is not None:
            # a data set loaded by another module's function (data.py's
            # load_mnist()): located at the call in this file that got it
            if value.what == "images" and value.dataset:
                return Images(value.dataset, at)
            if value.what == "labels" and value.encoding in ("int", "onehot"):
                return Labels(value.encoding, at, per_sample=True)
            if value.what == "scaled" and value.encoding in ("int", "onehot"):
                labels = Labels(value.encoding, at, per_sample=True)
                return ScaledLabels(at, labels, far=value.origin)
            if value.what == "divided" and value.origin is not None:
                return Divided(at, far=value.origin)
            return None
        if isinstance(value, STuple):
            return TupleValue(tuple(self.from_summary(item, at) for item in value.items))
        if isinstance(value, SKerasBatches):
            # a dataset of arrays built in another module (data.py): its
            # images and labels located where this file got it (the same node
            # every time: values located at different nodes join to unknown)
            where = at if at is not None else self._importing
            if where is None:
                return None
            element = self.from_summary(value.element, where)
            return Batches(element) if _holds_images(element) or _holds_labels(element) else None
        if isinstance(value, SKerasLoss):
            # a loss object built in another module (losses.py): located here,
            # where this file uses it; no fix reaches into the other file
            node = at if at is not None else self.stmt
            origin = value.origin
            far = f"built at {origin.file}:{origin.line}" if origin is not None else None
            return KLoss(value.name, value.from_logits, node, "class", elsewhere=far, origin=origin)
        return super().from_summary(value, at)

    def _call(self, call: cst.Call, callee: Any, args: list[Any], env: Env) -> Any:
        result = super()._call(call, callee, args, env)
        if isinstance(callee, FunctionRef) and callee.bound is None:
            return _applied_to_argument(self.model, call, callee.func, args, result)
        return result

    def _call_instance(self, call: cst.Call, cls: cst.ClassDef, args: list[Any], env: Env) -> Any:
        # ``self(x, training=True)`` in a ``keras.Model`` subclass's
        # ``train_step``: the model's own output
        found = self.subclassed_model(cls)
        if found is not None:
            return self.call_value(call, found, args, env)
        return super()._call_instance(call, cls, args, env)

    def subclassed_model(self, cls: cst.ClassDef) -> KModel | None:
        """The model a ``keras.Model`` subclass's ``call`` builds, if any."""
        if not self.keras_model_class(cls):
            return None
        return self._subclassed(cls)

    def keras_model_class(self, cls: cst.ClassDef) -> bool:
        """``cls`` derives from ``keras.Model``: directly, through a same-file
        base, or through another project module's class (``class
        ResNet(Model)`` of ``class Model(keras.Model)`` adding a summary
        helper in ``model/base.py``, audit s224)."""
        for klass in self.mro(cls):
            for base in klass.bases:
                if self.model.qualname(base.value) in apis.FUNCTIONAL_MODEL:
                    return True
                if not isinstance(base.value, cst.Name):
                    continue
                ref = self._static_ref(base.value.value)
                if isinstance(ref, Foreign) and bridge.derives_from(ref.ref, apis.FUNCTIONAL_MODEL):
                    return True
        return False

    def _entry_env(self, func: cst.FunctionDef, cls: cst.ClassDef | None) -> Env:
        env = super()._entry_env(func, cls)
        if self.PARAM_SLOTS and cls is None:
            for param in (*func.params.posonly_params, *func.params.params):
                name = param.name.value
                if env.get(name, self.unknown) is self.unknown:
                    env[name] = ParamSlot(name)
        return env

    def foreign_call_value(self, call: cst.Call, callee: Foreign, args: list[Any]) -> Any:
        found = bridge.call(callee.ref)
        if not isinstance(found, SKerasBatches) or not any(found.params):
            return None
        # ``to_dataset(x_train, y_oh)`` of ``def to_dataset(x, y)`` in data.py:
        # the dataset of what this call passes
        element = found.element
        if not isinstance(element, STuple) or len(element.items) != len(found.params):
            return None
        by_arg = {id(arg): value for arg, value in zip(call.args, args, strict=False)}
        items: list[Any] = []
        for item, param in zip(element.items, found.params, strict=True):
            if not param:
                items.append(self.from_summary(item, call))
                continue
            chosen = _chosen(call, callee, param)
            items.append(by_arg.get(id(chosen)) if isinstance(chosen, cst.Arg) else None)
        held = TupleValue(tuple(items))
        return Batches(held) if _holds_images(held) or _holds_labels(held) else None

    def call_foreign(self, call: cst.Call, callee: Foreign) -> Any:
        found = bridge.call(callee.ref)
        if isinstance(callee.ref, SClass):
            # ``ResidualMLP(n_classes=7)`` of a module whose class subclasses keras.Model
            found = bridge.keras_subclass(callee.ref) or found
        if isinstance(found, SKerasLoss) and found.from_logits_param:
            found = replace(found, from_logits=_passed_flag(call, callee, found.from_logits_param))
        if isinstance(found, SKerasModel) and any(
            layer is not None and (layer.units_param or layer.activation_param)
            for layer in (*found.layers, *(i for out in found.outputs for i in out.layers))
        ):
            # ``tagger(8)`` of ``def tagger(n_tags): ... Dense(n_tags, ...)``,
            # ``build_cnn()`` of ``def build_cnn(head_activation="softmax")``
            def called(layers: tuple[SKerasLayer | None, ...]) -> tuple[SKerasLayer | None, ...]:
                return tuple(
                    _as_called(call, callee, layer, self.values) if layer is not None else None
                    for layer in layers
                )

            found = replace(
                found,
                layers=called(found.layers),
                outputs=tuple(replace(out, layers=called(out.layers)) for out in found.outputs),
            )
        return self.from_summary(found, call) if found is not None else self.unknown

    def project_import(self, node: cst.Import | cst.ImportFrom, local: str) -> Any:
        saved, self._importing = self._importing, node
        try:
            found = super().project_import(node, local)
        finally:
            self._importing = saved
        unknown_items = isinstance(found, TupleValue) and all(
            item is self.unknown for item in found.items
        )
        if found is self.unknown or unknown_items:
            # ``from config import NUM_CLASSES``: a number written in another module
            known = _foreign_constant(import_literal(node, local))
            if known is not None:
                return known
        return found

    def module_attribute(self, qualname: str, expr: cst.Attribute) -> Any:
        if (
            project_context() is not None
            and qualname.split(".", 1)[0] not in bridge.FRAMEWORK_ROOTS
        ):
            # ``cfg.CLASSES`` of ``import config as cfg``: a constant written
            # in another project module (one no project file changes), as
            # ``from config import CLASSES`` reads it
            known = _foreign_constant(imported_literal(self.model, expr))
            if known is not None:
                return known
        return ModuleRef(qualname)

    def call_value(self, call: cst.Call, callee: Any, args: list[Any], env: Env) -> Any:
        if isinstance(callee, KLayer):
            arg = args[0] if args else None
            if isinstance(arg, KTensor) and not arg.predicted:
                if not arg.chain and arg.input_shape is not None and self.recording:
                    if not any(f.layer == callee for f in self.first_inputs):
                        self.first_inputs.append(FirstInput(callee, arg.input_shape))
                return KTensor((*arg.chain, callee), arg.input_shape)
            return KTensor((None, callee))
        if isinstance(callee, KModel):
            arg = args[0] if args else None
            if isinstance(arg, Images) and self.recording and self._in_tape(call):
                _merge(self.model_inputs, ModelInput(call, callee, arg), "model", "x")
            if callee.outputs:
                return _output_values(callee, predicted=False)
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
            if self.recording:
                known = self._called_losses.get(call, callee)
                self._called_losses[call] = callee if known == callee else None
            return None
        if isinstance(callee, ModuleRef):
            return self._api(call, callee.qualname, args, env)
        return None

    def construct(self, call: cst.Call, cls: cst.ClassDef, args: list[Any]) -> Any:
        if self.keras_model_class(cls):
            return self._subclassed(cls)
        return Instance(cls)

    def _subclassed(self, cls: cst.ClassDef) -> KModel | None:
        """A ``keras.Model`` subclass whose ``call`` returns its layers' output."""
        if cls in self._class_models:
            return self._class_models[cls]
        self._class_models[cls] = None
        call = self.method(cls, "call")
        if call is None:
            return None
        params = (*call.params.posonly_params, *call.params.params)
        if len(params) < 2:
            return None
        env: Env = {param.name.value: None for param in params[2:]}
        env[params[0].name.value] = Instance(cls)
        env[params[1].name.value] = KTensor(())
        _, result = self.run_body(call, env, cls)
        found: KModel | None = None
        if isinstance(result, KTensor):
            found = KModel(cls, result.chain, "subclassed")
        elif (isinstance(result, TupleValue) and len(result.items) > 1) or (
            isinstance(result, DictValue) and result.items
        ):
            # ``return change_logits, lc_prob``: one output per item, as a
            # functional model's ``outputs=[...]``
            found = _with_outputs(cls, result, "subclassed")
        self._class_models[cls] = found
        if found is not None:
            self._note_model(found)
        return found

    def binary(self, op: str, left: Any, right: Any, node: cst.CSTNode) -> Any:
        pixels = _pixel_arithmetic(op, left, right)
        if pixels is not None:
            return pixels
        if isinstance(left, Labels) and not left.predicted:
            if op in ("Divide", "FloorDivide") or (
                op == "Multiply" and isinstance(right, Const) and _is_fraction(right.value)
            ):
                return ScaledLabels(self.stmt, left)
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
        if left is None and op == "Divide" and not _unit(right):
            return Divided(self.stmt)
        if op in ("Add", "Subtract", "Multiply", "Divide") and any(
            isinstance(v, Mixed) or (isinstance(v, KTensor) and v.model is not None)
            for v in (left, right)
        ):
            return Mixed(self.stmt)
        return None

    # --- calls -----------------------------------------------------------------

    def _api(self, call: cst.Call, qualname: str, args: list[Any], env: Env) -> Any:
        first = args[0] if args else None
        if (
            qualname.startswith(apis.LAYER_PREFIXES)
            and qualname not in apis.INPUT | apis.INPUT_LAYER
        ):
            short = qualname[len(apis.LAYERS_PREFIX) :]
            if short[:1].isupper():
                return self._layer(call, short, env)
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
            layer = self._layer(call, "InputLayer", env)
            return layer
        if qualname in apis.KERAS_SEQUENTIAL:
            return self._sequential(call, env)
        if qualname in apis.TRAIN_TEST_SPLIT and not has_star_args(call):
            # ``X_train, X_test, y_train, y_test = train_test_split(X, y)``: each
            # array's two parts hold what it holds (one-hot labels, raw pixels)
            arrays = args[: sum(1 for a in call.args if a.keyword is None)]
            return TupleValue(tuple(part for value in arrays for part in (value, value)))
        if qualname in apis.FUNCTIONAL_MODEL:
            outputs = argument(call, 1, "outputs")
            if isinstance(outputs, (cst.List, cst.Tuple)) and len(outputs.elements) == 1:
                # `outputs=[x]`: a model with one output
                outputs = outputs.elements[0].value
            value = self.eval(outputs, env) if outputs is not None else None
            if (isinstance(value, TupleValue) and len(value.items) > 1) or (
                isinstance(value, DictValue) and value.items
            ):
                model = _with_outputs(call, value)
                self._note_model(model)
                return model
            if isinstance(value, KTensor) and value.model is None:
                model = KModel(call, value.chain, "functional", value.input_shape)
                self._note_model(model)
                return model
            if isinstance(value, KTensor) and not value.predicted and value.chain:
                # ``Model(inp, head(backbone(inp)))``: a model used as the last
                # layer; what comes before it is unknown, its layers end the model
                model = KModel(call, (None, *value.chain), "functional", None)
                self._note_model(model)
                return model
            return None
        if qualname == apis.FUNCTOOLS_PARTIAL:
            return self._partial_loss(call, env)
        loss = self._loss_ref(qualname, call, env)
        if loss is not None:
            return loss
        loss = self._function_loss(qualname, call, call, env)
        if loss is not None:
            # ``keras.losses.categorical_crossentropy(y, model(x))``
            self._loss_called(call, loss)
            return None
        if (
            qualname == apis.BUILTIN_LEN
            and len(call.args) == 1
            and not call.args[0].star
            and isinstance(first, TupleValue)
            and all(isinstance(item, Const) for item in first.items)
        ):
            # ``len(CLASSES)`` of a tuple of constants (one written in another
            # module, which no project file changes): a number of classes
            return Const(len(first.items))
        if qualname == apis.BUILTIN_LEN and len(call.args) == 1 and not call.args[0].star:
            # ``len(ACTIONS)`` of a module's list of constants it never changes
            # (Sentdex's Carla-RL, audit s162)
            count = constant_list_length(self.model, call.args[0].value)
            if count is not None:
                return Const(count)
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
        if qualname in apis.TF_STOP_GRADIENT and isinstance(first, KTensor):
            return first  # ``tf.stop_gradient(model(u))``: the predictions, as targets
        if qualname in apis.JOINING_FUNCS and isinstance(first, TupleValue) and first.items:
            # ``np.concatenate((x_train, x_test))``: what every part holds
            head = first.items[0]
            if isinstance(head, (Images, Labels)) and all(item == head for item in first.items):
                return head
            return None
        if qualname in apis.TF_DATASET_FROM_ARRAYS:
            if _holds_images(first) or _holds_labels(first) or _holds_slots(first):
                return Batches(first)
            return None
        if qualname == "builtins.enumerate" and isinstance(first, Batches) and len(args) == 1:
            return Enumerated(first)
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
            if self.recording:
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

    def _layer(self, call: cst.Call, short: str, env: Env) -> KLayer:
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
        elif short in apis.WRAPPERS or short == "RNN":
            layer_arg = argument(call, 0, "cell" if short == "RNN" else "layer")
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
            # the first positional parameter is the shape in Keras 1, 2 and 3
            # (``input_shape``, then ``shape``): ``InputLayer([3, 100, 100])``
            shape_node = shape_node or argument(call, 0, "shape")
            shape = shape or _shape(argument(call, 0, "shape"), env, self)
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
        ordering = keyword_value(call, "dim_ordering") if fmt is None else None
        written = dotted_text(call.func) or ""
        if (
            fmt is None
            and ordering is None
            and written.rsplit(".", 1)[-1] in apis.KERAS1_CONV_NAMES
            and not _keras2_file(self.model)
            and _vendored_keras()
        ):
            # Keras 1's ``Convolution2D`` took its ordering from keras.json: not
            # known in a Keras 1 file (the Theano-era scripts it names were
            # channels-first: the Riashat active-learning repos, audit s235);
            # one using Keras 2's API (``fit(epochs=...)``) runs it channels-last
            channels_first = None
        if ordering is not None:
            # Keras 1: 'th' (Theano) is channels first, 'tf' channels last
            order_value = literal_value(ordering)
            channels_first = order_value == "th" if order_value in ("th", "tf") else None
        named = keyword_value(call, "name")
        layer_name = literal_value(named) if named is not None else None
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
            layer_name=layer_name if isinstance(layer_name, str) else None,
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

    def _sequential(self, call: cst.Call, env: Env) -> KModel | None:
        layers_expr = argument(call, 0, "layers")
        layers: list[KLayer | None] = []
        input_shape: tuple[int | None, ...] | None = None
        if isinstance(layers_expr, cst.Name):
            held = self.eval_quietly(layers_expr, env)
            if not isinstance(held, LayerList) or not private_list(
                self.model, layers_expr, apis.KERAS_SEQUENTIAL
            ):
                return None
            for item in held.items:
                layers.extend(_as_layers(item))
            model = KModel(call, tuple(layers), "sequential", input_shape)
            self._note_first(model)
            self._note_model(model)
            return model
        if layers_expr is not None:
            if not isinstance(layers_expr, (cst.List, cst.Tuple)):
                return None
            for element in layers_expr.elements:
                if isinstance(element, cst.StarredElement):
                    return None
                value = self.values.get(element.value) if self.recording else None
                if value is None:
                    value = self.eval(element.value, env)
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
        if self.recording:
            self.models[model.node] = model

    def _note_first(self, model: KModel) -> None:
        """The first layer's input shape of a Sequential (``input_shape=`` on
        it, or an ``Input``/``InputLayer`` before it)."""
        if not self.recording or not model.layers:
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

    def _loss_ref(self, qualname: str, call: cst.Call | None, env: Env) -> KLoss | None:
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

    def _partial_loss(self, call: cst.Call, env: Env) -> KLoss | None:
        """``functools.partial(keras.losses.categorical_crossentropy,
        from_logits=True)``: the loss function with its flag bound, called
        like a loss object (``loss(y_true, y_pred)``)."""
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        if any(a.keyword is None or a.star for a in call.args[1:]):
            return None  # a bound ``y_true``: no longer a loss of two tensors
        func = call.args[0].value
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        loss = self._function_loss(self.model.qualname(func), call, None, env)
        if loss is None:
            return None
        arg = keyword(call, "from_logits")
        flag = _bool(arg.value, env) if arg is not None else False
        return KLoss(loss.name, flag, call, "class", arg)

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
        def arrays() -> TupleValue:
            # apart for the train and the test arrays: changing one leaves the other
            x = Images(dataset, call) if dataset in apis.IMAGE_DATASETS else None
            y = Labels("int", call, per_sample=True) if dataset in apis.CLASS_DATASETS else None
            return TupleValue((x, y))  # type: ignore[arg-type]

        return TupleValue((arrays(), arrays()))

    def method_call(
        self, call: cst.Call, func: cst.Attribute, receiver: Any, args: list[Any], env: Env
    ) -> Any:
        name = func.attr.value
        if isinstance(receiver, ModuleRef):
            qualname = f"{receiver.qualname}.{name}"
            if qualname.startswith(apis.DATASETS_PREFIX) and name == "load_data":
                return self._load_data(call, qualname.split(".")[2])
            return None
        if isinstance(receiver, KModel):
            return self._model_method(call, func, receiver, name, args, env)
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
                return ScaledLabels(self.stmt, first)
            return None
        if isinstance(receiver, TfLogits) and name in apis.PRESERVING_METHODS:
            return receiver
        if isinstance(receiver, Batches) and name in apis.TF_DATASET_KEEPING_METHODS:
            return receiver
        if isinstance(receiver, LayerList) and isinstance(func.value, cst.Name):
            key = func.value.value
            first = args[0] if args else None
            if name == "append" and len(args) == 1:
                env[key] = LayerList((*receiver.items, first))
            elif name == "extend" and isinstance(first, LayerList):
                env[key] = LayerList((*receiver.items, *first.items))
            else:
                env[key] = None
            return None
        if receiver is None and name == "add" and self._unbound_model(func.value, args):
            # a pasted snippet that starts at `model.add(Dense(...))`: the
            # `model = Sequential()` above it was left out
            empty = KModel(call, (), "sequential", None)
            return self._model_method(call, func, empty, name, args, env)
        if receiver is None and name == "compile" and keyword(call, "loss") is not None:
            # a model we cannot see (loaded, built elsewhere, joined branches):
            # the loss and metrics are still facts
            if self.recording:
                self._compile(call, None, env)
            return None
        if isinstance(receiver, KLoss) and name == "__call__":
            return self.call_value(call, receiver, args, env)
        return None

    def _unbound_model(self, receiver: cst.BaseExpression, args: list[Any]) -> bool:
        """``receiver`` is a name bound nowhere in the file, given a layer."""
        if not isinstance(receiver, cst.Name) or not args or not isinstance(args[0], KLayer):
            return False
        return not self.model.bindings(receiver) and not self.model.module_scope.bindings.get(
            receiver.value
        )

    def _model_method(
        self,
        call: cst.Call,
        func: cst.Attribute,
        model: KModel,
        name: str,
        args: list[Any],
        env: Env,
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
            if self.recording:
                self._compile(call, model, env)
            return None
        if name in ("fit", "train_on_batch", "fit_generator"):
            if self.recording:
                x_expr = argument(call, 0, "x")
                y_expr = argument(call, 1, "y")
                self._clock += 1
                x_value = self.values.get(x_expr) if x_expr is not None else None
                y_value = self.values.get(y_expr) if y_expr is not None else None
                if y_expr is None:
                    y_value = labels_of_batches(x_value)  # ``fit(ds)`` of (x, y) pairs
                fact = FitFact(call, model, x_value, y_value, self._clock)
                _merge(self.fits, fact, "model", "x", "y")
            return None
        if name in ("evaluate", "predict", "predict_on_batch") and self.recording:
            x_expr = argument(call, 0, "x")
            x_value = self.values.get(x_expr) if x_expr is not None else None
            _merge(self.evaluations, FitFact(call, model, x_value, None, self._clock), "x")
        if name in ("predict", "predict_on_batch", "__call__"):
            if model.outputs:
                return _output_values(model, predicted=True)
            return KTensor(model.layers, model.input_shape, model, predicted=True)
        if name == "predict_classes":
            return Labels("int", call, predicted=True)
        return None

    def _compile(self, call: cst.Call, model: KModel | None, env: Env) -> None:
        loss_arg = _arg(call, 1, "loss")
        loss: KLoss | None = None
        if loss_arg is not None:
            loss = self._loss_of(loss_arg.value, env)
        metrics: tuple[str, ...] = ()
        metrics_expr = argument(call, None, "metrics")
        if isinstance(metrics_expr, (cst.List, cst.Tuple)):
            metrics = self._metric_names([element.value for element in metrics_expr.elements])
        heads: tuple[HeadLoss, ...] = ()
        if model is not None and model.outputs and loss_arg is not None:
            heads = self._head_losses(loss_arg.value, metrics_expr, model, env)
        self._clock += 1
        fact = CompileFact(call, model, loss, loss_arg, metrics, self._clock, heads)
        _merge(self.compiles, fact, "model")

    def _metric_names(self, exprs: list[cst.BaseExpression]) -> tuple[str, ...]:
        metrics: list[str] = []
        for expr in exprs:
            value = literal_value(expr)
            if isinstance(value, str):
                metrics.append(value.lower())
            else:
                qualname = self.model.qualname(expr.func if isinstance(expr, cst.Call) else expr)
                if qualname is not None and qualname.startswith(apis.METRICS_PREFIX):
                    metrics.append(_snake(qualname.rsplit(".", 1)[-1]))
        return tuple(metrics)

    def _head_losses(
        self,
        expr: cst.BaseExpression,
        metrics_expr: cst.BaseExpression | None,
        model: KModel,
        env: Env,
    ) -> tuple[HeadLoss, ...]:
        """The losses a multi-output model's ``compile`` gives its outputs, only
        where the output each belongs to is certain: a list (or tuple) of one
        loss per output, in the outputs' order, or a dict keyed by the
        outputs' names (a key naming no single output is left out)."""
        pairs = _per_output(expr, model)
        if not pairs:
            return ()
        given = _per_output(metrics_expr, model)
        if isinstance(metrics_expr, (cst.List, cst.Tuple)) and not all(
            isinstance(node, (cst.List, cst.Tuple)) for _, node in given
        ):
            # ``metrics=["accuracy", "mae"]``: each for every output (Keras 2),
            # not one per output
            given = []
        metrics = {index: self._metric_names(_items(node)) for index, node in given}
        heads: list[HeadLoss] = []
        for index, node in pairs:
            loss = self._loss_of(node, env)
            if loss is not None:
                heads.append(HeadLoss(index, loss, node, metrics.get(index, ())))
        return tuple(heads)

    def _loss_of(self, expr: cst.BaseExpression, env: Env) -> KLoss | None:
        value = literal_value(expr)
        if isinstance(expr, cst.Name) and value is NotImplemented:
            # a local, or a module-level (or imported) constant: LOSS = "mse"
            known = env[expr.value] if expr.value in env else self.name_value(expr, env)
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
        if not self.recording:
            return
        pred_expr = argument(call, 1, "y_pred")
        true_expr = argument(call, 0, "y_true")
        pred = self.values.get(pred_expr) if pred_expr is not None else None
        if isinstance(pred, KTensor) and pred.model is not None:
            labels = self.values.get(true_expr) if true_expr is not None else None
            _merge(self.loop_losses, LossUse(call, pred.model, loss, labels), "model", "labels")


# --- helpers ---------------------------------------------------------------------


def _with_outputs(
    node: cst.CSTNode, value: TupleValue | DictValue, style: str = "functional"
) -> KModel:
    """``Model(inp, [count, bins])`` / ``Model(inp, {"count": count, ...})``:
    a model with one head per output (an output we cannot read is a head of
    unknown layers)."""
    keyed = isinstance(value, DictValue)
    pairs: list[tuple[str | None, Any]] = (
        list(value.items) if isinstance(value, DictValue) else [(None, v) for v in value.items]
    )
    outputs: list[KOutput] = []
    for key, item in pairs:
        layers: tuple[KLayer | None, ...] = (None,)
        if isinstance(item, KTensor) and not item.predicted and item.chain:
            layers = item.chain if item.model is None else (None, *item.chain)
        name = key
        if not keyed:
            last = layers[-1]
            name = last.layer_name if isinstance(last, KLayer) else None
        outputs.append(KOutput(layers, name))
    return KModel(node, (None,), style, None, outputs=tuple(outputs), keyed=keyed)


def _output_values(model: KModel, *, predicted: bool) -> Any:
    """What calling (or ``predict`` of) a multi-output model returns: one
    output tensor per head, in a dict when its outputs were given by key."""
    items = tuple(
        KTensor(out.layers, model.input_shape, model.output_model(index), predicted=predicted)
        for index, out in enumerate(model.outputs)
    )
    if not model.keyed:
        return TupleValue(items)  # type: ignore[arg-type]
    names = [out.name for out in model.outputs]
    if any(name is None for name in names):
        return None
    pairs = tuple((str(name), item) for name, item in zip(names, items, strict=True))
    return DictValue(pairs)  # type: ignore[arg-type]


def _per_output(
    expr: cst.BaseExpression | None, model: KModel
) -> list[tuple[int, cst.BaseExpression]]:
    """A ``compile`` argument given per output, as (output, expression):
    a list/tuple with one item per output (any other length: none), or a
    dict display whose keys name outputs (a ``**`` in it: none)."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        elements = expr.elements
        if len(elements) != len(model.outputs) or any(
            isinstance(e, cst.StarredElement) for e in elements
        ):
            return []
        return [(index, element.value) for index, element in enumerate(elements)]
    if not isinstance(expr, cst.Dict):
        return []
    found: list[tuple[int, cst.BaseExpression]] = []
    for element in expr.elements:
        if not isinstance(element, cst.DictElement):
            return []
        key = literal_value(element.key)
        index = output_index(model, key) if isinstance(key, str) else None
        if index is not None:
            found.append((index, element.value))
    return found


def _items(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The metrics of one output: a list of them, or one."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        return [element.value for element in expr.elements]
    return [expr]


def output_index(model: KModel, key: str) -> int | None:
    """The output of ``model`` a ``compile`` dict key names: the output's key
    (outputs given as a dict) or its last layer's name; None unless exactly
    one output is so named."""
    found = [index for index, out in enumerate(model.outputs) if out.name == key]
    return found[0] if len(found) == 1 else None


def _far_layers(
    at: cst.CSTNode, layers: tuple[SKerasLayer | None, ...]
) -> tuple[KLayer | None, ...]:
    """Another module's layers (a summary's), located at ``at`` here."""
    return tuple(
        KLayer(
            at,  # type: ignore[arg-type]
            layer.name,
            layer.units,
            layer.activation,
            return_sequences=layer.return_sequences,
            other_axis=layer.other_axis,
            far=True,
            origin=layer.origin,
        )
        if layer is not None
        else None
        for layer in layers
    )


def _scaled_statements(value: Any, found: list[cst.CSTNode], depth: int) -> None:
    """The statements scaling labels (of this module) that ``value`` holds."""
    if isinstance(value, (ScaledLabels, Divided)) and value.far is None:
        if value.statement not in found:
            found.append(value.statement)
    elif isinstance(value, TupleValue) and depth < 3:
        for item in value.items:
            _scaled_statements(item, found, depth + 1)


def _place_of(model: ModuleIndex, node: cst.CSTNode) -> tuple[int, int]:
    """(line, column) as a summary's ``Origin`` gives them."""
    start = model.position(node).start
    return start.line, start.column + 1


def _holds_images(value: Any) -> bool:
    """Raw images, or labels scaled like them (LF413 in a custom loop), are in
    ``value`` (an array or a tuple of arrays)."""
    if isinstance(value, Images):
        return True
    return isinstance(value, TupleValue) and any(
        isinstance(i, (Images, ScaledLabels)) for i in value.items
    )


def _holds_slots(value: Any) -> bool:
    """``(x, y)`` of ``from_tensor_slices((x, y))`` with a parameter of the
    summarised function among the items (``ParamSlot``)."""
    return isinstance(value, TupleValue) and any(isinstance(i, ParamSlot) for i in value.items)


def _holds_labels(value: Any) -> bool:
    """A tuple of arrays with a dataset's labels in it (``(x_train / 255, y_train)``):
    iterating the dataset hands them to the loss (LF604, LF407 in a custom loop)."""
    return isinstance(value, TupleValue) and any(isinstance(i, Labels) for i in value.items)


def _unit(value: Any) -> bool:
    """1 or -1: dividing by it keeps integers integers."""
    return isinstance(value, Const) and type(value.value) in (int, float) and value.value in (1, -1)


def _per_output_item(value: Any) -> bool:
    """A symbolic tensor (a model's output) or ground-truth labels: what a
    list or dict given per output of a multi-output model holds."""
    if isinstance(value, KTensor):
        return not value.predicted
    return isinstance(value, Labels) and not value.predicted


def _once(chain: tuple[KLayer | None, ...]) -> tuple[KLayer | None, ...]:
    """``chain`` with a block of layers at its end made by the same
    constructor calls as the block before it (another pass of a loop's
    body) kept once."""
    nodes = [layer.node if layer is not None else None for layer in chain]
    size = 1
    while size <= len(nodes) // 2:
        block = nodes[len(nodes) - size :]
        if None not in block and block == nodes[len(nodes) - 2 * size : len(nodes) - size]:
            del nodes[len(nodes) - size :]
            chain = chain[: len(nodes)]
            size = 1
        else:
            size += 1
    return chain


def _applied_to_argument(
    model: ModuleIndex, call: cst.Call, func: cst.FunctionDef, args: list[Any], result: Any
) -> Any:
    """A same-file helper that applies layers to its first parameter
    (``def conv_block(x, filters): x = Conv2D(filters, 3)(x); ...; return
    MaxPooling2D()(x)``) returns its layers after an unknown one, the
    parameter its call sites disagree on: at a call given a symbolic tensor,
    they follow that tensor's layers, as another module's helper's do (style
    "tensor" in ``from_summary``). The helper must apply a layer to that
    parameter itself."""
    if not (
        isinstance(result, KTensor)
        and result.model is None
        and not result.predicted
        and len(result.chain) > 1
        and result.chain[0] is None
        and all(layer is not None for layer in result.chain[1:])
    ):
        return result
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return result
    given = args[0] if args else None
    if not isinstance(given, KTensor) or given.predicted or given.model is not None:
        return result
    params = func.params.params
    if not params or not _layer_applied_to(model, func, params[0].name.value):
        return result
    return KTensor((*given.chain, *result.chain[1:]), given.input_shape)


def _layer_applied_to(model: ModuleIndex, func: cst.FunctionDef, name: str) -> bool:
    """``func`` calls a layer on its parameter ``name``: ``Conv2D(f, 3)(name)``."""
    for node in descendants(func.body):
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Call)
            and node.args
            and isinstance(node.args[0].value, cst.Name)
            and node.args[0].value.value == name
            and model.enclosing(node, cst.FunctionDef) is func
            and (model.qualname(node.func.func) or "").startswith(apis.LAYER_PREFIXES)
        ):
            return True
    return False


def _runs(model: ModuleIndex, iterable: cst.BaseExpression) -> bool:
    """Iterating ``iterable`` runs the body at least once (a literal says so)."""
    if isinstance(iterable, (cst.Tuple, cst.List)):
        return bool(iterable.elements)
    if isinstance(iterable, cst.Call) and model.qualname(iterable.func) == "builtins.range":
        bounds: list[int] = []
        for arg in iterable.args:
            value = literal_value(arg.value)
            if arg.keyword is not None or not isinstance(value, int) or isinstance(value, bool):
                return False
            bounds.append(value)
        if len(bounds) in (1, 2):
            return bounds[-1] > (bounds[0] if len(bounds) == 2 else 0)
    return False


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


def _passed_flag(call: cst.Call, callee: Foreign, param: str) -> bool | None:
    """The literal ``True``/``False`` this call of another module's function
    passes for its parameter ``param`` (``make_loss(from_logits=True)``,
    ``make_loss(True)``); None when it passes anything else or nothing (the
    default is not in the summary)."""
    value = _passed(call, callee, param)
    return value if isinstance(value, bool) else None


def _as_called(
    call: cst.Call, callee: Foreign, layer: SKerasLayer, values: dict[cst.CSTNode, Any]
) -> SKerasLayer:
    """A layer of another module's builder with the units and the activation
    this call gives its parameters (``values``: what this file's expressions
    hold, for a constant passed by name: ``multilabel_head(N_LABELS)``)."""
    if layer.units_param:
        units = _passed_int(call, callee, layer.units_param, layer.units_default)
        chosen = _chosen(call, callee, layer.units_param)
        if units is None and isinstance(chosen, cst.Arg):
            held = values.get(chosen.value)
            if isinstance(held, Const) and type(held.value) is int:
                units = held.value
        layer = replace(layer, units=units)
    if layer.activation_param:
        chosen = _chosen(call, callee, layer.activation_param)
        activation: str | None = None
        if chosen is None:
            activation = layer.activation_default or None
        elif isinstance(chosen, cst.Arg):
            passed = literal_value(chosen.value)
            if isinstance(passed, str):
                activation = apis.ACTIVATION_STRINGS.get(passed.lower(), passed.lower())
            elif isinstance(chosen.value, cst.Name) and chosen.value.value == "None":
                activation = "linear"
        layer = replace(layer, activation=activation)
    return layer


def _passed_int(call: cst.Call, callee: Foreign, param: str, default: int | None) -> int | None:
    """The literal integer this call passes for ``param`` (``default`` when it
    passes nothing for it); None when it passes anything else."""
    value = _passed(call, callee, param, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _passed(call: cst.Call, callee: Foreign, param: str, default: Any = None) -> Any:
    """What this call of another module's function passes for its parameter
    ``param``: a literal, ``default`` when nothing, None when not a literal."""
    chosen = _chosen(call, callee, param)
    if chosen is _NOT_KNOWN:
        return None
    if chosen is None:
        return default
    assert isinstance(chosen, cst.Arg)
    value = literal_value(chosen.value)
    return None if value is NotImplemented else value


_NOT_KNOWN = object()


def _chosen(call: cst.Call, callee: Foreign, param: str) -> cst.Arg | None | object:
    """The argument this call passes for ``param`` of another module's
    function, None when it passes none, ``_NOT_KNOWN`` when that cannot be told."""
    context = project_context()
    if context is None:
        return _NOT_KNOWN
    ref = context.resolve(callee.ref)
    function = context.function_summary(ref) if isinstance(ref, SFunction) else None
    if function is None or param not in function.params or has_star_args(call):
        return _NOT_KNOWN
    index = function.params.index(param)
    positional = [a for a in call.args if a.keyword is None]
    chosen = next((a for a in call.args if a.keyword and a.keyword.value == param), None)
    if chosen is None and index < len(positional):
        chosen = positional[index]
    return chosen


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
            known = env[expr.value] if expr.value in env else facts.name_value(expr, env)
        elif isinstance(expr, cst.Call):
            known = facts.values.get(expr)  # ``len(CLASSES)``, evaluated with the call's args
        value = known.value if isinstance(known, Const) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _shape(
    expr: cst.BaseExpression | None, env: Env, facts: KerasFacts
) -> tuple[int | None, ...] | None:
    if expr is None:
        return None
    if isinstance(expr, cst.Name):
        known = env[expr.value] if expr.value in env else facts.name_value(expr, env)
        if isinstance(known, TupleValue):
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
            # a size whose value is unknown here (``MAXLEN`` imported from
            # another module, ``x.shape[1]``) still counts as one axis: the
            # rank is what LF408/LF411 judge
            dims.append(_int(element.value, env, facts))
    return tuple(dims)


def _foreign_constant(literal: ForeignLiteral | None) -> Const | TupleValue | None:
    """A number, a string or a tuple of them written in another project
    module (``NUM_CLASSES = 10``, ``FRAME_SHAPE = (98,)``, a list of class
    names), as this domain holds it."""
    if literal is None:
        return None
    if isinstance(literal.value, (int, float, str)):
        return Const(literal.value)
    if isinstance(literal.value, tuple):
        items = tuple(getattr(v, "value", v) for v in literal.value)
        if all(isinstance(v, (int, float, str, type(None))) for v in items):
            return TupleValue(tuple(Const(v) for v in items))  # type: ignore[misc]
    return None


def _as_layers(value: Any) -> tuple[KLayer | None, ...]:
    if isinstance(value, KLayer):
        return (value,)
    if isinstance(value, KModel):
        return value.layers
    if isinstance(value, KTensor) and value.model is None and not value.chain:
        # ``keras.Input(shape=...)`` as the first element of a Sequential
        return ()
    return (None,)


def _pixel_arithmetic(op: str, left: Any, right: Any) -> Images | ScaledImages | None:
    """Raw pixels shifted by a constant or multiplied by one of at least 1
    (``(x - 255.0) * 2 - 1``, a typo for ``/ 255``) are still 0-255 in size;
    divided down, or multiplied by a fraction, they are scaled."""
    for images, other in ((left, right), (right, left)):
        if isinstance(images, ScaledImages) and op in ("Add", "Subtract", "Multiply", "Divide"):
            return images if isinstance(other, Const) else None
        if not isinstance(images, Images) or not isinstance(other, Const):
            continue
        value = other.value
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        if op in ("Add", "Subtract"):
            return images
        if op == "Multiply":
            return images if abs(value) >= 1 else ScaledImages(images.dataset, images.origin)
        if op == "Divide" and images is left and abs(value) > 1:
            return ScaledImages(images.dataset, images.origin)
        return None
    return None


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


def labels_of_batches(value: Any) -> Labels | None:
    """The labels of a dataset of ``(x, y)`` pairs (``from_tensor_slices((x,
    y)).batch(32)`` handed to ``fit``), when they are known labels."""
    if isinstance(value, Batches):
        element = value.element
        if (
            isinstance(element, TupleValue)
            and len(element.items) == 2
            and isinstance(element.items[1], Labels)
        ):
            return element.items[1]
    return None


def images_of(value: Any) -> Images | None:
    """The raw images ``value`` holds: the arrays themselves, or those of a
    dataset of ``(images, labels)`` pairs (``model.fit(ds)``)."""
    if isinstance(value, Images):
        return value
    if isinstance(value, Batches):
        element = value.element
        if (
            isinstance(element, TupleValue)
            and element.items
            and isinstance(element.items[0], Images)
        ):
            return element.items[0]
    return None


def keras_facts(model: ModuleIndex) -> KerasFacts:
    """The Keras facts of ``model``, built on first use and kept on the model."""
    return model.analysis(KerasFacts)


def compiled_calls(model: ModuleIndex) -> dict[cst.Call, tuple[str, bool, cst.Call]]:
    """For the module's summary: the calls of another module's model factory
    (``build_model()``) whose model a ``compile`` here gives a classification
    loss, with that loss and whether the labels it is then fitted on are one
    per sample, and the compile. The factory's module reports a head it
    builds wrongly for it (LF410 points at the ``Dense``, in that module)."""
    if not any(True for _ in model.method_calls("compile")):
        return {}
    facts = keras_facts(model)
    if not facts.relevant:
        return {}
    found: dict[cst.Call, tuple[str, bool, cst.Call]] = {}
    for use in facts.loss_uses():
        node = use.model.node if use.model is not None else None
        if use.compile is None or use.compile.model is None or not isinstance(node, cst.Call):
            continue  # (a loss of one output of a multi-output model: not the model's)
        if use.loss.name in apis.CE_LOSSES and node not in found:
            labels = use.labels
            per_sample = isinstance(labels, Labels) and labels.per_sample
            found[node] = (use.loss.name, per_sample, use.compile.call)
    return found


def scaled_label_calls(
    model: ModuleIndex,
) -> dict[cst.Call, tuple[tuple[tuple[int, int], ...], str, cst.CSTNode]]:
    """For the module's summary: the calls of another module's function
    (``load_data()``) whose labels, scaled there, a classification loss here
    trains on: the scaling statements (line, column there), the loss and the
    ``fit``/loss call. That module reports them (LF413 at the statement)."""
    facts = keras_facts(model)
    if not facts.relevant:
        return {}
    found: dict[cst.Call, tuple[list[tuple[int, int]], str, cst.CSTNode]] = {}
    for use in facts.loss_uses():
        if use.loss.name not in apis.CE_LOSSES:
            continue
        for labels in facts.labels_of(use):
            far = labels.far if isinstance(labels, (ScaledLabels, Divided)) else None
            if far is None or not isinstance(labels.statement, cst.Call):
                continue
            if isinstance(labels, Divided) and (use.loss.name != SPARSE_CE or two_classes(use)):
                continue
            places, _, _ = found.setdefault(labels.statement, ([], use.loss.name, use.report))
            if (far.line, far.column) not in places:
                places.append((far.line, far.column))
    return {call: (tuple(places), loss, at) for call, (places, loss, at) in found.items()}


SPARSE_CE = "sparse_categorical_crossentropy"


def two_classes(use: LossUse) -> bool:
    """The model's head has two units or fewer: labels that are class indices
    for it, divided by their maximum or by 255 (a 0/255 mask), are 0 and 1
    still, which the sparse loss casts back to the same classes."""
    head = use.model.head() if use.model is not None else None
    return head is not None and head.units is not None and head.units <= 2


def forget_changed(
    target: cst.BaseExpression,
    statement: cst.CSTNode | None,
    env: Env,
    followed: type | tuple[type, ...],
) -> None:
    """An assignment to ``target`` (in ``statement``) that changes an array of
    ``followed`` in place -- ``x[:] = ...``, ``x /= 255`` -- forgets it."""
    changed = target.value if type(target) is cst.Subscript else None
    if type(statement) is cst.AugAssign:
        changed = target  # ``x /= 255``: an array is divided in place
    key = dotted_text(changed) if changed is not None else None
    if key is not None and isinstance(env.get(key), followed):
        changed_in_place(env[key], env)


def changed_in_place(array: Any, env: Env) -> None:
    """``array`` changed in place (``x /= 255``, ``x[:] = ...``, ``out=x``): every
    name holding it (the name, an alias, a view, a batch of it) no longer holds the
    values followed. Identity, not equality: a view is the very value it came from."""
    for key, value in list(env.items()):
        if _holds(value, array, 0):
            env[key] = None


def _holds(value: Any, array: Any, depth: int) -> bool:
    if value is array:
        return True
    if depth > 4:
        return False
    if isinstance(value, TupleValue):
        return any(_holds(item, array, depth + 1) for item in value.items)
    if isinstance(value, Enumerated):
        value = value.batches
    element = getattr(value, "element", None)  # Batches here, Rows in pixels.py
    return element is not None and _holds(element, array, depth + 1)
