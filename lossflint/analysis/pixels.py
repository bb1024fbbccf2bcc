"""Raw 0-255 pixels that reach a PyTorch model in training (LF412), and class
labels scaled like pixels that reach a PyTorch class-index loss (LF413).

A domain of the abstract interpreter (``interpreter/``: program order, loops,
parameters pinned by same-file call sites, ``self.<attr>`` from ``__init__``).
Unknown is ``None``: a value is raw pixels only while every step on its way
is one that keeps the values.

Sources: the images and labels of ``keras.datasets.{mnist, fashion_mnist,
cifar10, cifar100}.load_data()``, and ``.data``/``.train_data``/``.test_data``
(``.targets``/...) of a torchvision MNIST-like or CIFAR data set object. The
data set object itself (``ds[i]``, a ``DataLoader`` over it) goes through its
transform: not followed. The analysis runs only in a file that runs a
``backward()`` and loads Keras pixels or reads such an attribute of what may be
a data set; a file that stores into one, or changes one in place, does not
follow them at all.

Followed through: conversions (``torch.tensor``, ``torch.from_numpy``,
``Variable``, ``np.array``, ...), dtype/device/shape methods (``.float()``,
``.to(...)``, ``.view``, ``.permute``, ...), indexing and slicing,
``train_test_split``, ``TensorDataset``, a ``Dataset`` class of the file (what
its ``__getitem__`` returns), ``random_split``/``Subset``, ``DataLoader``,
``zip``, ``enumerate``, ``iter``/``next``, ``split``/``chunk`` and the targets of
a ``for`` over any of these. Arithmetic, any other call, an in-place method
(``x.div_(255)``) or an unknown function given the array in a statement of its
own leaves the value unknown; a change in place (``x /= 255``, ``x.div_(255)``,
``x[:] = ...``) does so for every name holding the array (an alias, a view, a
tensor sharing its memory, a loader over it).

Sinks: a model called on raw pixels where it is trained, with gradients on
(the innermost loop around the call runs a ``backward()`` in its own body, or,
outside loops, its function does), when the model is one this file builds: an
``nn.Sequential`` whose first layer with weights gets the pixels, or an
``nn.Module`` subclass whose ``forward`` hands them to such a layer (directly or
through a module of the file); neither may hold a normalisation layer (a model
that rescales is fine).

Public API::

    from lossflint.analysis.pixels import pixel_facts

    facts = pixel_facts(model)      # built once per file
    facts.raw_inputs()              # RawInput: the model call, the pixels
    facts.scaled_label_losses()     # (loss call, ScaledLabels)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, iterable_index, literal_value
from lossflint.analysis.contexts import contexts
from lossflint.analysis.interpreter import Env, Interpreter
from lossflint.analysis.keras import Const, ModuleRef, changed_in_place, forget_changed
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import LoopIndex, loops
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import Instance, TupleValue
from lossflint.analysis.walk import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

# --- values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pixels:
    """Raw 0-255 images; ``source`` names them for a message."""

    source: str
    #: where they were loaded (the train and test arrays of one loader are alike)
    origin: cst.CSTNode = field(repr=False, compare=False)


@dataclass(frozen=True)
class Labels:
    """Class labels of an image (or text) classification data set."""

    origin: cst.CSTNode = field(repr=False, compare=False)


@dataclass(frozen=True)
class ScaledLabels:
    """Class labels divided like pixels; ``statement`` did it."""

    statement: cst.CSTNode = field(repr=False)
    labels: Labels


@dataclass(frozen=True)
class VisionSet:
    """A torchvision data set object: its ``.data`` holds the raw pixels."""

    name: str


@dataclass(frozen=True)
class Rows:
    """Something iterated batch by batch (``TensorDataset``, ``DataLoader``,
    ``zip``, ``enumerate``, ``X.split(64)``): each batch is ``element``."""

    element: Any


@dataclass(frozen=True)
class TorchLayer:
    qualname: str


@dataclass(frozen=True)
class TorchStack:
    """``nn.Sequential(...)``; None items are layers we cannot see."""

    layers: tuple[Any, ...]


_FOLLOWED = (Pixels, Labels, ScaledLabels)

# --- facts -------------------------------------------------------------------------------


@dataclass(eq=False)
class RawInput:
    """A model call, in training, that receives raw pixels."""

    call: cst.Call
    pixels: Pixels


class PixelFacts(Interpreter[Any]):
    """The pixel domain; ``run`` fills the model calls and the layers fed raw pixels."""

    SUBSCRIPT_STORE_FORGETS = True
    CALL_METHODS = ("forward", "__call__")

    def __init__(self, model: ModuleIndex) -> None:
        super().__init__(model, None)
        #: model calls (``Net`` instances, stacks) and what their first argument held
        self.calls: dict[cst.Call, tuple[Any, Any]] = {}
        #: functions in which a weight layer received raw pixels
        self.fed: set[cst.FunctionDef] = set()
        #: forward() of same-file modules called on raw pixels from each function
        self.inner: dict[cst.FunctionDef, set[cst.FunctionDef]] = {}
        #: the ``.data`` of torchvision data sets is followed (read, never changed)
        self.vision_attributes = False
        if self._relevant():
            self.run()

    # --- setup -----------------------------------------------------------------------

    def _relevant(self) -> bool:
        """A file that runs a backward() and loads Keras pixel data or reads the
        ``.data`` of a torchvision data set."""
        keras_source = vision = trains = False
        for site in self.model.calls:
            name = site.qualname
            if site.method == "backward" or name in apis.AUTOGRAD_BACKWARD:
                trains = True
            if site.method == "load_data" or (name or "").startswith(apis.DATASETS_PREFIX):
                keras_source = True
            if name in apis.TORCHVISION_PIXEL_DATASETS:
                vision = True
        if not trains:
            return False
        if vision:
            read, changed = self._dataset_attributes()
            self.vision_attributes = read and not changed
        return keras_source or self.vision_attributes

    def _dataset_attributes(self) -> tuple[bool, bool]:
        """Whether the file reads the ``.data``/``.targets`` of what may be a
        data set (a name given a torchvision data set, or one that says
        data/set/train/test), and whether it stores into one or changes one
        in place (then what they hold is not followed). ``m.weight.data`` is
        no data set."""
        watched = apis.TORCHVISION_PIXEL_ATTRIBUTES | apis.TORCHVISION_LABEL_ATTRIBUTES
        datasets: set[str | None] = set()
        for site in self.model.calls_to(*apis.TORCHVISION_PIXEL_DATASETS):
            parent = self.model.parent(site.node)
            if isinstance(parent, cst.Assign):
                datasets.update(dotted_text(t.target) for t in parent.targets)

        def may_be_dataset(expr: cst.BaseExpression) -> bool:
            if isinstance(expr, cst.Call):
                return self.model.qualname(expr.func) in apis.TORCHVISION_PIXEL_DATASETS
            base = dotted_text(expr)
            if base is None or base in datasets:
                return True
            return any(word in base.rsplit(".", 1)[-1].lower() for word in _DATASET_WORDS)

        read = False
        for node in self.model.parents:
            kind = type(node)  # not isinstance: libcst node classes check through ABCs
            if kind is cst.Attribute:
                attribute = cast(cst.Attribute, node)
                if attribute.attr.value in watched:
                    read = read or may_be_dataset(attribute.value)
                continue
            targets: list[cst.BaseExpression] = []
            if kind is cst.Assign:
                targets = [t.target for t in cast(cst.Assign, node).targets]
            elif kind is cst.AugAssign or kind is cst.AnnAssign:
                targets = [cast(cst.AugAssign, node).target]
            elif kind is cst.Call:
                func = cast(cst.Call, node).func
                if (
                    type(func) is cst.Attribute
                    and func.attr.value.endswith("_")
                    and func.attr.value not in apis.VALUE_KEEPING_METHODS
                ):
                    targets = [func.value]  # ``train.data.div_(255)``
            for target in targets:
                while type(target) is cst.Subscript:
                    target = target.value
                if (
                    type(target) is cst.Attribute
                    and target.attr.value in watched
                    and may_be_dataset(target.value)
                ):
                    return read, True
        return read, False

    # --- domain ----------------------------------------------------------------------

    def begin_round(self) -> None:
        self.calls, self.fed, self.inner = {}, set(), {}

    def literal(self, expr: cst.BaseExpression) -> Any:
        value = literal_value(expr)
        return Const(value) if value is not NotImplemented else None

    def unary(self, expr: cst.UnaryOperation, operand: Any) -> Any:
        return self.literal(expr) if isinstance(expr.operator, cst.Minus) else None

    def module_attribute(self, qualname: str, expr: cst.Attribute) -> Any:
        return ModuleRef(qualname)

    def attribute(self, expr: cst.Attribute, base: Any) -> Any:
        name = expr.attr.value
        if isinstance(base, ModuleRef):
            return ModuleRef(f"{base.qualname}.{name}")
        if isinstance(base, VisionSet) and self.vision_attributes:
            if name in apis.TORCHVISION_PIXEL_ATTRIBUTES:
                return Pixels(f"{base.name}(...).{name}", expr)
            if name in apis.TORCHVISION_LABEL_ATTRIBUTES:
                return Labels(expr)
        if isinstance(base, _FOLLOWED) and name == "data":
            return base  # ``tensor.data``: the same values, detached
        return None

    def subscript(self, expr: cst.Subscript, base: Any) -> Any:
        if isinstance(base, _FOLLOWED):
            return base  # rows, a batch, a slice: the values as they are
        if isinstance(base, Instance):
            base = self._dataset_rows(base)
        if isinstance(base, Rows):
            return base.element
        return None

    def _named_stack(self, call: cst.Call, env: Env) -> TorchStack | None:
        """``nn.Sequential(OrderedDict([("fc1", nn.Linear(...)), ...]))``."""
        pairs = call.args[0].value if len(call.args) == 1 else None
        if not isinstance(pairs, (cst.List, cst.Tuple)):
            return None
        layers = []
        for element in pairs.elements:
            pair = element.value
            if not isinstance(pair, cst.Tuple) or len(pair.elements) != 2:
                return None
            layers.append(self.eval_quietly(pair.elements[1].value, env))
        return TorchStack(tuple(layers))

    def _dataset_rows(self, dataset: Instance) -> Rows | None:
        """A data set class of this file: its items are what ``__getitem__``
        returns (every return, joined: a transform on one path is unknown)."""
        getitem = self.method(dataset.cls, "__getitem__")
        if getitem is None:
            return None
        item = self._function_returns(getitem)
        if isinstance(item, _FOLLOWED):
            return Rows(item)
        return _rows_of(item.items) if isinstance(item, TupleValue) else None

    def binary(self, op: str, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if isinstance(left, Labels):
            # ``y // 5`` groups classes into coarser classes: not a scaling
            if op == "Divide" or (
                op == "Multiply"
                and isinstance(right, Const)
                and isinstance(right.value, float)
                and 0 < right.value < 1
            ):
                return ScaledLabels(self.stmt, left)
            if op in ("Add", "Subtract") and isinstance(right, Const):
                if isinstance(right.value, int) and not isinstance(right.value, bool):
                    return left  # 1-based → 0-based labels
        return None

    def api_call(self, call: cst.Call, qualname: str, args: list[Any], env: Env) -> Any:
        first = _first(call, args)
        if qualname.startswith(apis.DATASETS_PREFIX) and qualname.endswith(".load_data"):
            return _load_data(call, qualname.split(".")[2])
        if qualname in apis.TORCHVISION_PIXEL_DATASETS:
            return VisionSet(qualname.rsplit(".", 1)[-1])
        if qualname in apis.TORCH_VALUE_KEEPING_FUNCS or qualname in apis.PRESERVING_FUNCS:
            return first if isinstance(first, _FOLLOWED) else None
        if qualname in apis.BATCH_SPLITTING_FUNCS:
            return Rows(first) if isinstance(first, _FOLLOWED) else None
        if qualname in apis.TENSOR_DATASETS:
            if any(a.star or a.keyword is not None for a in call.args):
                return None
            return _rows_of(tuple(args))
        if qualname in apis.DATA_LOADERS:
            collate = argument(call, 6, "collate_fn")
            if collate is not None and not (
                isinstance(collate, cst.Name) and collate.value == "None"
            ):
                return None  # a collate_fn may scale the batch (``ims / 255.``)
            dataset = _value_of(call, args, argument(call, 0, "dataset"))
            if isinstance(dataset, Instance):
                return self._dataset_rows(dataset)
            if isinstance(dataset, Rows):
                return dataset
            return Rows(dataset) if isinstance(dataset, _FOLLOWED) else None
        if qualname in apis.DATASET_SUBSETS:
            return first if isinstance(first, Rows) else None
        if qualname == apis.RANDOM_SPLIT:
            lengths = argument(call, 1, "lengths")
            if not isinstance(first, Rows) or not isinstance(lengths, (cst.List, cst.Tuple)):
                return None
            return TupleValue(tuple(first for _ in lengths.elements))  # type: ignore[misc]
        if qualname in ("builtins.list", "builtins.tuple"):
            return first if isinstance(first, Rows) else None
        if qualname in apis.TRAIN_TEST_SPLIT:
            if any(a.star for a in call.args):
                return None
            # (a, b, ...) → (a_train, a_test, b_train, b_test, ...)
            arrays = [v for a, v in zip(call.args, args, strict=False) if a.keyword is None]
            parts = tuple(part for array in arrays for part in (array, array))
            return TupleValue(parts) if any(isinstance(p, _FOLLOWED) for p in parts) else None
        if qualname == "builtins.zip":
            if any(a.star or a.keyword is not None for a in call.args):
                return None
            return _rows_of(tuple(_element(a) for a in args))
        if qualname == "builtins.enumerate":
            element = _element(first)
            if element is None:
                return None
            return Rows(TupleValue((None, element)))  # type: ignore[arg-type]
        if qualname in apis.ITERATION_WRAPPERS:
            at = iterable_index(call)
            element = _element(args[at]) if at is not None and len(args) == len(call.args) else None
            return Rows(element) if element is not None else None
        if qualname == apis.NEXT:
            return first.element if isinstance(first, Rows) else None
        if qualname in apis.SEQUENTIAL:
            if any(a.star or a.keyword is not None for a in call.args):
                return None
            named = call.args[0].value if len(call.args) == 1 else None
            if isinstance(named, cst.Call) and self.model.qualname(named.func) in (
                "collections.OrderedDict",
                "builtins.dict",
            ):
                return self._named_stack(named, env)
            return TorchStack(tuple(args))
        if qualname in apis.MODULE_WRAPPERS:
            return first if isinstance(first, (Instance, TorchStack)) else None
        if qualname.startswith(apis.TORCH_NN_PREFIX):
            short = qualname[len(apis.TORCH_NN_PREFIX) :]
            return TorchLayer(qualname) if short[:1].isupper() and "." not in short else None
        if not qualname.startswith(apis.BUILTINS_PREFIX):  # ``print(x)`` changes nothing
            self._forget_arguments(call, env)
        return None

    def method_call(
        self, call: cst.Call, func: cst.Attribute, receiver: Any, args: list[Any], env: Env
    ) -> Any:
        name = func.attr.value
        if isinstance(receiver, ModuleRef):
            if name == "load_data" and receiver.qualname.startswith(apis.DATASETS_PREFIX):
                return _load_data(call, receiver.qualname.split(".")[2])
            return None
        if isinstance(receiver, _FOLLOWED):
            if name in apis.VALUE_KEEPING_METHODS:
                return receiver
            if name in apis.BATCH_SPLITTING_METHODS:
                return Rows(receiver)
            if name.endswith("_"):
                # ``x.div_(255)``: the array itself changed
                key = dotted_text(func.value)
                if key is not None and key in env:
                    env[key] = None
                changed_in_place(receiver, env)
            return None
        if isinstance(receiver, (TorchLayer, TorchStack)):
            if name == "forward":
                return self.call_value(call, receiver, args, env)
            return receiver if name in _MODULE_SELF_METHODS else None
        self._forget_arguments(call, env)
        return None

    def instance_method(
        self, call: cst.Call, func: cst.Attribute, receiver: Instance, args: list[Any], env: Env
    ) -> Any:
        return receiver if func.attr.value in _MODULE_SELF_METHODS else None

    def call_value(self, call: cst.Call, callee: Any, args: list[Any], env: Env) -> Any:
        first = _first(call, args)
        if isinstance(callee, ModuleRef):
            return self.api_call(call, callee.qualname, args, env)
        if isinstance(callee, TorchLayer):
            if isinstance(first, Pixels) and callee.qualname in apis.TORCH_INPUT_LAYERS:
                self._fed()
            return None
        if isinstance(callee, TorchStack):
            if self.recording:
                self._note_call(call, callee, first)
            if isinstance(first, Pixels) and _stack_takes_raw(callee):
                self._fed()
            return None
        self._forget_arguments(call, env)
        return None

    def _call_function(
        self,
        call: cst.Call,
        func: cst.FunctionDef,
        bound: cst.ClassDef | None,
        args: list[Any],
        env: Env,
    ) -> Any:
        if bound is not None and func.name.value == "forward" and self.recording:
            first = _first(call, args)
            self._note_call(call, Instance(bound), first)
            caller = self.frame.func
            if isinstance(first, Pixels) and caller is not None:
                self.inner.setdefault(caller, set()).add(func)
        return super()._call_function(call, func, bound, args, env)

    def _assign(self, target: cst.BaseExpression, value: Any, env: Env) -> None:
        loop = self.model.parent(target)
        if value is None and isinstance(loop, cst.For) and loop.target is target:
            value = _element(self.eval_quietly(loop.iter, env))
        forget_changed(target, loop, env, _FOLLOWED)
        super()._assign(target, value, env)

    # --- recording ---------------------------------------------------------------------

    def _note_call(self, call: cst.Call, model: Any, first: Any) -> None:
        """A model called on ``first``; a loop body runs twice: what every pass gives."""
        if call in self.calls:
            old_model, old_first = self.calls[call]
            self.calls[call] = (self.join(old_model, model), self.join(old_first, first))
        else:
            self.calls[call] = (model, first)

    def _fed(self) -> None:
        if self.recording and self.frame.func is not None:
            self.fed.add(self.frame.func)

    def _forget_arguments(self, call: cst.Call, env: Env) -> None:
        """An unknown call given an array in a statement of its own may change
        it in place (``normalize_(x)``, ``np.divide(x, 255, out=x)``)."""
        if not isinstance(self.model.parent(call), cst.Expr):
            return
        for arg in call.args:
            key = dotted_text(arg.value)
            if key is not None and isinstance(env.get(key), _FOLLOWED):
                changed_in_place(env[key], env)

    # --- results -----------------------------------------------------------------------

    def raw_inputs(self) -> Iterator[RawInput]:
        """Model calls, where the model is trained, that receive raw pixels."""
        index: LoopIndex | None = None
        for call, (model, first) in self.calls.items():
            if not isinstance(first, Pixels) or not self._takes_raw(model):
                continue
            index = index or loops(self.model)
            if _in_training(self.model, index, call):
                yield RawInput(call, first)

    def scaled_label_losses(self) -> Iterator[tuple[cst.Call, ScaledLabels]]:
        """Class-index losses (cross entropy, NLL) whose target is scaled labels."""
        if not any(isinstance(value, ScaledLabels) for value in self.values.values()):
            return  # no labels were scaled: the loss calls need not be found
        for loss in kinds_of(self.model).loss_calls.values():
            if loss.functional not in apis.CLASS_INDEX_LOSSES or loss.target_expr is None:
                continue
            target = self.values.get(loss.target_expr)
            if isinstance(target, ScaledLabels):
                yield loss.node, target

    def _takes_raw(self, model: Any) -> bool:
        if isinstance(model, TorchStack):
            return _stack_takes_raw(model)
        if isinstance(model, Instance):
            forward = self.method(model.cls, "forward")
            return (
                forward is not None
                and self._module_class(model.cls)
                and self._forward_fed(forward, 0)
                and not self._normalises(model, 0)
            )
        return False

    def _forward_fed(self, func: cst.FunctionDef, depth: int) -> bool:
        if func in self.fed:
            return True
        if depth > 3:
            return False
        return any(self._forward_fed(inner, depth + 1) for inner in self.inner.get(func, ()))

    def _module_class(self, cls: cst.ClassDef) -> bool:
        return any(
            self.model.qualname(base.value) in apis.TORCH_MODULE_BASES
            for klass in self.mro(cls)
            for base in klass.bases
        )

    def _normalises(self, value: Any, depth: int) -> bool:
        """``value`` (a module) holds a normalisation layer, as far as we see."""
        if isinstance(value, TorchLayer):
            return value.qualname in apis.TORCH_NORM_LAYERS
        if isinstance(value, TorchStack):
            return any(self._normalises(layer, depth) for layer in value.layers)
        if isinstance(value, Instance) and depth <= 3:
            return any(
                self._normalises(attr, depth + 1) for attr in self.class_attrs(value.cls).values()
            )
        return False


# --- helpers -----------------------------------------------------------------------------

#: what the name of a data set object says
_DATASET_WORDS = ("data", "set", "train", "test", "val", "mnist", "cifar")
#: ``nn.Module`` methods that return the module itself
_MODULE_SELF_METHODS = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "double"})


def _first(call: cst.Call, args: list[Any]) -> Any:
    """The value of the first positional argument (not ``*args``)."""
    if not args or not call.args or len(args) != len(call.args):
        return None
    arg = call.args[0]
    return args[0] if arg.keyword is None and not arg.star else None


def _load_data(call: cst.Call, dataset: str) -> Any:
    def arrays() -> TupleValue:
        # apart for the train and the test arrays: changing one leaves the other
        x = Pixels(f"{dataset}.load_data()", call) if dataset in apis.IMAGE_DATASETS else None
        y = Labels(call) if dataset in apis.CLASS_DATASETS else None
        return TupleValue((x, y))  # type: ignore[arg-type]

    return TupleValue((arrays(), arrays()))


def _element(value: Any) -> Any:
    """What iterating ``value`` yields: a batch, or a row of an array."""
    if isinstance(value, Rows):
        return value.element
    if isinstance(value, _FOLLOWED):
        return value
    return None


def _rows_of(items: tuple[Any, ...]) -> Rows | None:
    if not any(isinstance(item, _FOLLOWED) for item in items):
        return None
    return Rows(TupleValue(items))


def _value_of(call: cst.Call, args: list[Any], expr: cst.BaseExpression | None) -> Any:
    if expr is None:
        return None
    for arg, value in zip(call.args, args, strict=False):
        if arg.value is expr:
            return value
    return None


def _stack_takes_raw(stack: TorchStack) -> bool:
    """The first layer with weights gets the input as it is: no layer before
    it normalises (a batch norm after the first convolution leaves that
    convolution fed 0-255 values)."""
    for layer in stack.layers:
        if not isinstance(layer, TorchLayer):
            return False
        if layer.qualname in apis.TORCH_VALUE_KEEPING_LAYERS:
            continue
        return layer.qualname in apis.TORCH_INPUT_LAYERS
    return False


def _in_training(model: ModuleIndex, index: LoopIndex, call: cst.Call) -> bool:
    """``call`` runs in a training step, with gradients on: the innermost loop
    around it runs a backward() in its own body (not in an inner loop; itself
    or through a same-file function it calls there), or, outside any loop, its
    function runs one outside any loop. An evaluation loop (or pass) beside the
    training loop, in the same epoch loop, is not training."""
    if contexts(model).in_no_grad(call):
        return False
    innermost = _innermost_loop(model, call)
    if innermost is not None:
        loop = index.loop_of(call)
        if loop is not None and loop.node is innermost:
            if any(e.kind == "backward" and not e.nested for e in loop.events):
                return True
        return any(
            _innermost_loop(model, inner) is innermost
            and (callee := index.resolve_function(inner)) is not None
            and "backward" in index.function_kinds(callee)
            for inner in calls_in(innermost.body)
        )
    owner = model.enclosing(call, cst.FunctionDef, cst.ClassDef, cst.Lambda)
    if not isinstance(owner, cst.FunctionDef):
        return False
    return any(
        event.kind == "backward"
        and model.enclosing(event.node, cst.FunctionDef, cst.ClassDef, cst.Lambda) is owner
        and _innermost_loop(model, event.node) is None
        for event in index.events
    )


def _innermost_loop(model: ModuleIndex, node: cst.CSTNode) -> cst.For | cst.While | None:
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None
        if isinstance(ancestor, (cst.For, cst.While)):
            return ancestor
    return None


def pixel_facts(model: ModuleIndex) -> PixelFacts:
    """The pixel facts of ``model``, built on first use and kept on the model."""
    return model.analysis(PixelFacts)
