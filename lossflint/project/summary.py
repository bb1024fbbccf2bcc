"""What one module exports to the rest of the project: its summary.

A summary is computed once per module (from its analysis) and read by every
file that imports the module: the interpreter of ``train.py`` asks what
``models.net.Net`` is and gets it from here, never from the other file's
tree. Summaries are plain data: small, JSON-able, comparable and hashable
(:func:`summary_hash`), so they can be cached by content, shared between
worker processes and between sharded CI jobs.

The values (``SValue``) mirror the analysis' abstract values, with file
positions instead of tree nodes: a tensor of a known kind and where that kind
came from, a layer, ``nn.Sequential``, a loss object, a Keras model, a class,
function or instance of a project module, a re-export of a name of another
module (``SAlias``), or nothing known (``SUnknown``).

Reading a summary never trusts it: :func:`summary_from_json` checks every field
against the type it was written with and raises :class:`BadSummary` (a
``ValueError``) for anything else, so a damaged or hand-edited cache entry is a
miss, never a crash and never a wrong fact.
"""

from __future__ import annotations

import hashlib
import json
import re
import types
import typing
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any, Union

#: changes whenever the shape of a summary changes (old cache entries are misses)
SUMMARY_FORMAT = 26
#: nothing real nests deeper; more is damage (or an attack on the decoder)
MAX_DEPTH = 64


class BadSummary(ValueError):
    """A JSON document that is not exactly what :func:`summary_to_json` writes."""


@dataclass(frozen=True)
class Origin:
    """Where a fact comes from, for the evidence of a message:
    ``nn.Softmax at models/net.py:18 in Net.forward``."""

    file: str
    line: int
    column: int
    label: str
    where: str = ""

    def describe(self) -> str:
        suffix = f" in {self.where}" if self.where and self.where not in ("<module>", "?") else ""
        return f"{self.label} at {self.file}:{self.line}{suffix}"


# --- values ----------------------------------------------------------------------


@dataclass(frozen=True)
class SValue:
    """Base of summarised values."""


@dataclass(frozen=True)
class SUnknown(SValue):
    pass


S_UNKNOWN = SUnknown()


@dataclass(frozen=True)
class STensor(SValue):
    #: an ``apis.Kind`` member name ("PROBS", "LOGITS", ...)
    kind: str
    float_cast: bool = False
    origin: Origin | None = None


@dataclass(frozen=True)
class SLayer(SValue):
    qualname: str
    #: the kind it produces; None: it keeps its input's kind
    output: str | None = None
    origin: Origin | None = None


@dataclass(frozen=True)
class SSequential(SValue):
    layers: tuple[SValue, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True)
class SLoss(SValue):
    """A loss object: calling it is ``functional``; ``keywords`` are its
    constructor's keyword arguments as source text; ``name`` is the class
    (``torch.nn.CrossEntropyLoss``), for messages."""

    functional: str
    keywords: dict[str, str] = field(default_factory=dict)
    origin: Origin | None = None
    name: str = ""


@dataclass(frozen=True)
class SObject(SValue):
    """A framework object the rules know by role: ``optimizer``, ``scheduler``,
    ``scaler``, ``framework_class`` (a class such as ``nn.Module``), ..."""

    role: str
    qualname: str
    origin: Origin | None = None


@dataclass(frozen=True)
class SKerasLayer:
    """A Keras layer as ``analysis/keras.py`` reads its constructor."""

    #: class name: "Dense", "Conv2D", ...
    name: str
    units: int | None = None
    #: canonical activation ("linear" when absent); None when it cannot be read
    activation: str | None = "linear"
    return_sequences: bool = False
    #: ``Softmax(axis=...)`` that is not the last axis
    other_axis: bool = False
    origin: Origin | None = None
    #: ``Dense(n_tags)`` where ``n_tags`` is a parameter of the function
    #: building the model (never rebound there): a call passing a literal (or
    #: the parameter's literal default) says the units
    units_param: str = ""
    units_default: int | None = None
    #: ``Dense(n, activation=head_activation)`` where ``head_activation`` is
    #: such a parameter: a call passing a string or None (or relying on the
    #: default, ``activation_default``: "" when there is none to rely on) says it
    activation_param: str = ""
    activation_default: str = ""


@dataclass(frozen=True)
class SKerasOutput:
    """One output of a multi-output Keras model: its layers and its name (the
    dict key it was given under, else its last layer's ``name=``; "": none)."""

    layers: tuple[SKerasLayer | None, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class SKerasModel(SValue):
    """A Keras model built in another module (``build_model()`` returns it):
    its ordered layers (None: a layer that cannot be read). Style "output":
    not a model but a model's output (``model(x)``), handed to another
    module's function or returned by one."""

    layers: tuple[SKerasLayer | None, ...] = ()
    style: str = "sequential"
    origin: Origin | None = None
    #: a multi-output model (``Model(inp, [count, bins])``): each output
    outputs: tuple[SKerasOutput, ...] = ()
    #: its outputs were given as a dict: calling it returns a dict by key
    keyed: bool = False
    #: style "output": the ``y_pred`` a ``compile(loss=f)`` hands ``f``
    handed: bool = False


@dataclass(frozen=True)
class SKerasLoss(SValue):
    """A Keras loss object built in another module
    (``keras.losses.CategoricalCrossentropy(from_logits=True)``)."""

    #: canonical name (``apis.LOSS_STRINGS`` values: "categorical_crossentropy")
    name: str
    #: None: not a literal
    from_logits: bool | None = None
    origin: Origin | None = None
    #: ``from_logits=flag`` where ``flag`` is a parameter of the function
    #: returning the loss (never rebound there): a call passing a literal says it
    from_logits_param: str = ""


@dataclass(frozen=True)
class SKerasData(SValue):
    """Arrays of a ``keras.datasets`` loader returned by another module's
    function (``load_mnist()`` in data.py): raw images or their labels."""

    #: "images" (raw 0-255 pixels), "labels", "scaled" (labels divided like
    #: images: ``origin`` is the statement) or "divided" (an array of unknown
    #: origin divided: ``origin`` is the statement)
    what: str
    #: the data set (``mnist``), for images
    dataset: str = ""
    #: "int" or "onehot", for labels
    encoding: str = ""
    origin: Origin | None = None


@dataclass(frozen=True)
class SKerasBatches(SValue):
    """A ``tf.data.Dataset`` of arrays built by another module
    (``from_tensor_slices((x, y)).batch(32)`` in data.py): iterating it yields
    ``element`` (an ``STuple`` of ``SKerasData`` and unknowns)."""

    element: SValue
    #: per item of ``element``, the parameter of the function returning the
    #: dataset that item is (``def to_dataset(x, y)``: ``("x", "y")``; "" for
    #: an item of its own): each call fills it with what it passes
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class SClass(SValue):
    """A class of a project module (``file`` is the module, ``name`` the
    class's name in it)."""

    file: str
    name: str


@dataclass(frozen=True)
class SField:
    """A number a field of a configuration object surely holds (a literal of
    the class body, or of the call that built the object), and where it is
    written."""

    name: str
    value: float
    file: str
    line: int
    column: int


@dataclass(frozen=True)
class SInstance(SValue):
    file: str
    name: str
    #: an object of a configuration class, built by the module passing it
    #: (``cfg = TrainConfig()``) and changed by no code of it: the numbers its
    #: fields hold (``analysis/config_fields.py``); empty otherwise
    fields: tuple[SField, ...] = ()


@dataclass(frozen=True)
class SInstances(SValue):
    """An instance of one of several project classes (``build_model(args.arch)``
    picking a closed registry's entry by a name known at run time only):
    calling it gives what every class's call gives, when they agree."""

    members: tuple[SValue, ...] = ()


@dataclass(frozen=True)
class SFunction(SValue):
    """A function (``build_model``) or method (``Trainer.fit``) of a project module."""

    file: str
    name: str


@dataclass(frozen=True)
class SModule(SValue):
    file: str


@dataclass(frozen=True)
class SAlias(SValue):
    """A name another project module defines, re-exported here
    (``from .net import Net`` in a package ``__init__``)."""

    file: str
    name: str


@dataclass(frozen=True)
class STuple(SValue):
    items: tuple[SValue, ...] = ()


@dataclass(frozen=True)
class SDict(SValue):
    """A dict with string keys (a ``forward`` returning ``{"logits": z}``)."""

    items: dict[str, SValue] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(tuple(self.items))


# --- functions, classes, modules ------------------------------------------------


@dataclass(frozen=True)
class EventSummary:
    """A training-loop event a function performs (``analysis/loops.py`` kinds:
    zero_grad, backward, clip, unscale, step, sched_step, eval, train, ...),
    in the order it runs; events of called project functions are inlined."""

    kind: str
    line: int
    column: int
    #: what it acts on, as written in the function (``self.optimizer``, ``model``)
    receiver: str | None = None
    #: the receiver is this parameter of the function (0-based, ``self`` counted;
    #: -1: a parameter's name the function rebinds before the event)
    param: int | None = None
    #: under an ``if``/``match``/``try`` of the function: not every call runs it
    conditional: bool = False
    #: inside a loop of the function
    nested: bool = False
    #: inside two loops of it (``fit``'s epoch loop over its batch loop): a
    #: call runs whole epochs
    deep: bool = False
    #: the file, when the event was inlined from another module
    file: str | None = None


@dataclass(frozen=True)
class FunctionSummary:
    #: its name in the module: ``build_model``, ``Net.forward``
    name: str
    line: int
    params: tuple[str, ...] = ()
    returns: SValue = S_UNKNOWN
    events: tuple[EventSummary, ...] = ()
    #: parameters a loop of the function iterates while it trains (runs a
    #: backward() and an optimiser step): ``train_one_epoch(model, loader, ...)``
    trains_on: tuple[str, ...] = ()
    #: every ``return`` is a cosine similarity (``analysis/numerics.is_cosine``):
    #: ``acos`` of a call of it needs a clamp (LF207)
    returns_cosine: bool = False
    #: ``return MODELS[name](**kw)`` of a closed registry: the parameter that
    #: picks the entry, and what each key gives (a caller passing a literal
    #: key gets that one: ``get_model("convnet")``)
    key_param: str = ""
    by_key: SValue = S_UNKNOWN
    #: parameters it surely never puts in another mode (``model(x)`` only,
    #: no ``.eval()``/``.train()``, never handed on: ``eval_passes``): a
    #: caller handing it a model still knows the model's mode (LF603)
    mode_safe: tuple[str, ...] = ()
    #: every ``return`` gives a value computed with gradients off (the function
    #: is ``@torch.no_grad()``/``@torch.inference_mode()``, or the value is built
    #: in a ``with torch.no_grad():`` block from names bound there), or one
    #: without a graph (``return loss.item()``): what a caller accumulates of
    #: it (``total += logs["loss"]``) holds no graph (LF306)
    no_grad: bool = False
    #: parameters it divides into train/test parts, unchanged: handed to a
    #: ``train_test_split``, or indexed by a random mask and its complement
    #: (``analysis/split_helpers.py``): a caller's scaled array is split (LF601)
    splits: tuple[str, ...] = ()
    #: parameters it never runs as a module (``stft_fn.transform(x)`` only:
    #: ``analysis/unrun_params.py``): an instance handed to it keeps every
    #: run of its ``forward`` in the caller's sight (gradients, LF205)
    unrun: tuple[str, ...] = ()
    #: the parameter every ``return`` gives back unchanged (ADDA's
    #: ``init_model(net, restore)`` loads weights into ``net`` and returns it):
    #: a call gives what its caller passed there
    returns_param: str = ""
    #: it takes one parameter and gives it back plus or minus an integer
    #: (``def shift_label(y): return y - 1``): as a ``target_transform`` it
    #: keeps class indices (``analysis/label_shifts.py``)
    shifts_param: bool = False
    #: every ``return`` is computed from its parameters by framework operations
    #: and constants only (``power_compress(spec)``, ``normalize(x)``): a call
    #: whose arguments carry no gradient gives none (``gradients``, LF205)
    grad_from_params: bool = False
    #: its body shuffles rows (``X = X[np.random.permutation(n)]``,
    #: ``sklearn.utils.shuffle``): arrays it returns may be in a random order
    #: already (``analysis/shuffling_helpers.py``, LF602)
    shuffles_rows: bool = False


@dataclass(frozen=True)
class ClassSummary:
    name: str
    line: int
    #: project classes (``SClass``/``SAlias``) and framework ones (``SObject``)
    bases: tuple[SValue, ...] = ()
    #: what calling an instance returns (``forward`` / ``call`` / ``__call__``)
    call: SValue = S_UNKNOWN
    #: ``self.<attr>`` as ``__init__`` leaves it
    attrs: dict[str, SValue] = field(default_factory=dict)
    #: methods defined in the class body (their summaries are ``Class.method``)
    methods: tuple[str, ...] = ()
    #: its ``__init__`` keeps a parameter the class calls (``self.criterion =
    #: criterion``): its constructions in other files are recorded (``calls``)
    keeps_arguments: bool = False
    #: (method, parameter position after self, attribute): the method adds that
    #: parameter into ``self.<attribute>`` (an AverageMeter's ``update(val, n)``)
    accumulates: tuple[tuple[str, int, str], ...] = ()
    #: a map-style data set read in index order (``analysis/datasets.py``): a
    #: ``DataLoader`` over it without shuffle or sampler batches in that order
    ordered_dataset: bool = False
    #: (``__init__`` parameter, value): the data set reads its index only when
    #: that parameter, kept as a flag on ``self``, is truthy as ``value`` says
    #: (Moving MNIST's ``is_train``: ``datasets.index_read_under``); a
    #: construction passing the other literal draws every item at random
    index_flag: tuple[tuple[str, bool], ...] = ()
    #: a ``keras.Model`` subclass: the model its ``call`` builds (``SKerasModel``)
    keras_model: SValue = S_UNKNOWN
    #: a dropout/batch-norm layer its code builds, wherever it keeps it
    #: (``nn.ModuleList(nn.BatchNorm1d(n) for n in dims)``): LF603's evidence
    mode_layer: Origin | None = None
    #: None unless the class computes the same in train and eval mode
    #: (no dropout, batch norm or ``self.training``), provided the classes of
    #: other project modules it builds, listed here, do too (LF309/LF603)
    mode_free: tuple[SValue, ...] | None = None


def split_place(file: str) -> tuple[str, int | None]:
    """``churn.ipynb:cell 5`` (a relocated ``Origin.file``) → the notebook
    and the cell; any other file → itself and None."""
    found = _CELL_FILE.match(file)
    return (found["file"], int(found["cell"])) if found is not None else (file, None)


_CELL_FILE = re.compile(r"^(?P<file>.*\.ipynb):cell (?P<cell>\d+)$")


@dataclass(frozen=True)
class CallRecord:
    """A call of another project module's top-level function or class (a
    construction: ``__init__``'s arguments) made here, with
    the values of its arguments at the call (what lets ``losses.py`` know its
    helper's parameters when every caller in the project agrees)."""

    #: the callee: its module and its name there
    file: str
    name: str
    line: int
    column: int
    args: tuple[SValue, ...] = ()
    keywords: dict[str, SValue] = field(default_factory=dict)
    #: the function is used here in a way that hides its arguments (passed as a
    #: value, called with ``*args``, too many calls to list): its callers are unknown
    opaque: bool = False
    #: no gradient flows where the call runs (under ``no_grad``, or in a function
    #: only called so: ``analysis/gradients.py``)
    no_grad: bool = False
    #: what a loop here trains on, of what the call returns: "" all of it, "0"
    #: a tuple's first item, "train" a dict's key (``analysis/data_flow.py``)
    trained: tuple[str, ...] = ()
    #: where that loop is (``train.py:42``), for the callee's message
    trained_at: str = ""
    #: the call puts a trained model in eval mode inside an epoch loop here
    #: that never puts it back (``analysis/eval_callers.py``): where (LF309 at
    #: the callee's ``eval()``)
    leaves_eval_at: str = ""
    #: what a split here (``train_test_split``) divides, of what the call
    #: returns (parts as for ``trained``): a scaler the callee fitted on the
    #: whole of it leaks (LF601)
    split: tuple[str, ...] = ()
    #: where that split is (``prep.py:31``)
    split_at: str = ""
    #: the Keras classification loss a ``compile`` here gives the model the
    #: call returns (``categorical_crossentropy``): a head of that model the
    #: callee builds wrongly for it is reported there (LF410)
    compiled: str = ""
    #: whether the labels that model is then fitted on are one per sample
    compiled_per_sample: bool = False
    #: where that compile is (``train.py:27``)
    compiled_at: str = ""
    #: the callee's statements (line, column there) that scale labels the
    #: call returns, which a classification loss here trains on (LF413 at
    #: the statement, in the callee), with that loss and where it is
    scaled_labels: tuple[tuple[int, int], ...] = ()
    scaled_labels_loss: str = ""
    scaled_labels_at: str = ""
    #: arguments (``"0"`` by position, keywords by name) holding a model the
    #: caller trains and never puts in eval mode (``train_mode_arguments``):
    #: a callee evaluating it without ``eval()`` does so in train mode (LF603)
    train_mode: tuple[str, ...] = ()
    #: arguments (as ``train_mode``) that carry no gradient at the call
    #: (``crit_kd(f_s, f_t.detach())``, a value made under ``no_grad``): a
    #: callee's division or root of that parameter meets no gradient (LF205/LF206)
    no_grad_args: tuple[str, ...] = ()
    #: the call runs inside an autocast region here: where it is
    #: (``train.py:47``); a ``binary_cross_entropy`` the callee runs raises
    #: under CUDA autocast (LF313)
    autocast: str = ""
    #: the call runs on every pass of an epoch loop here, handed nothing new
    #: on each pass: where (``train.py:41``); an optimiser the callee builds
    #: on every call is rebuilt every epoch (LF311 at the constructor)
    epoch_pass_at: str = ""


@dataclass(frozen=True)
class ModuleSummary:
    #: the module, relative to the project root (``models/net.py``)
    file: str
    #: False when the module did not parse: it contributes no facts
    parsed: bool = True
    #: module-level names as the module body leaves them
    names: dict[str, SValue] = field(default_factory=dict)
    #: what ``from module import *`` binds (``__all__``, else the public names)
    star: tuple[str, ...] = ()
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    #: calls of other project modules' top-level functions made here
    calls: tuple[CallRecord, ...] = ()

    def function(self, name: str) -> FunctionSummary | None:
        return self.functions.get(name)


def empty_summary(file: str, parsed: bool = True) -> ModuleSummary:
    return ModuleSummary(file=file, parsed=parsed)


# --- JSON ------------------------------------------------------------------------

_VALUE_TYPES: dict[str, type[SValue]] = {
    cls.__name__: cls
    for cls in (
        SUnknown,
        STensor,
        SLayer,
        SSequential,
        SLoss,
        SObject,
        SKerasModel,
        SKerasLoss,
        SKerasData,
        SKerasBatches,
        SClass,
        SInstance,
        SInstances,
        SFunction,
        SModule,
        SAlias,
        STuple,
        SDict,
    )
}


def _encode(value: Any) -> Any:
    if isinstance(value, SValue):
        out: dict[str, Any] = {"t": type(value).__name__}
        out.update(_encode_fields(value))
        return out
    if is_dataclass(value) and not isinstance(value, type):
        return _encode_fields(value)
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, bool, float)):
        return value
    raise TypeError(f"not a summary field: {type(value).__name__}")


def _encode_fields(value: Any) -> dict[str, Any]:
    """A record's fields, leaving out those that hold their default (most
    records leave most facts at it: the cache stays small)."""
    out: dict[str, Any] = {}
    for f in fields(value):
        held = getattr(value, f.name)
        if f.default is not MISSING and held == f.default:
            continue
        if f.default_factory is not MISSING and held == f.default_factory():
            continue
        out[f.name] = _encode(held)
    return out


def summary_to_json(summary: ModuleSummary) -> dict[str, Any]:
    data: dict[str, Any] = _encode(summary)
    data["format"] = SUMMARY_FORMAT
    return data


def summary_text(summary: ModuleSummary) -> str:
    """The canonical JSON text of a summary (sorted keys, no spaces)."""
    return json.dumps(summary_to_json(summary), sort_keys=True, separators=(",", ":"))


def summary_hash(summary: ModuleSummary) -> str:
    return hashlib.sha256(summary_text(summary).encode()).hexdigest()


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(data: Any, hint: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise BadSummary("nested too deeply")
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if data is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return _decode(data, inner, depth)
    if hint is str or hint is bool:
        if type(data) is not hint:
            raise BadSummary(f"expected {hint.__name__}")
        return data
    if hint is int:
        if type(data) is not int or not -(2**31) < data < 2**31:
            raise BadSummary("expected an integer")
        return data
    if hint is float:
        if type(data) not in (int, float) or data != data or abs(data) == float("inf"):
            raise BadSummary("expected a number")
        return float(data)
    if origin is tuple:
        (inner, _) = typing.get_args(hint)
        if type(data) is not list:
            raise BadSummary("expected a list")
        return tuple(_decode(item, inner, depth + 1) for item in data)
    if origin is dict:
        (_, inner) = typing.get_args(hint)
        if type(data) is not dict:
            raise BadSummary("expected an object")
        return {_decode(k, str, depth): _decode(v, inner, depth + 1) for k, v in data.items()}
    if hint is SValue:
        if type(data) is not dict or type(data.get("t")) is not str:
            raise BadSummary("expected a value")
        cls = _VALUE_TYPES.get(data["t"])
        if cls is None:
            raise BadSummary(f"unknown value type {data['t']!r}")
        body = {k: v for k, v in data.items() if k != "t"}
        return _record(body, cls, depth)
    if isinstance(hint, type) and is_dataclass(hint):
        return _record(data, hint, depth)
    raise BadSummary(f"cannot read a {hint!r}")


def _record(data: Any, cls: type, depth: int) -> Any:
    if type(data) is not dict:
        raise BadSummary(f"expected a {cls.__name__}")
    hints = _hints(cls)
    names = [f.name for f in fields(cls)]
    required = {
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    }
    if not set(data) <= set(names) or not required <= set(data):
        raise BadSummary(f"{cls.__name__}: unexpected fields")
    return cls(**{name: _decode(data[name], hints[name], depth + 1) for name in data})


def summary_from_json(data: Any) -> ModuleSummary:
    """The summary ``data`` holds; :class:`BadSummary` unless it is exactly
    what :func:`summary_to_json` writes (same format, same field types)."""
    if type(data) is not dict or data.get("format") != SUMMARY_FORMAT:
        raise BadSummary("not a summary of this format")
    body = {k: v for k, v in data.items() if k != "format"}
    try:
        summary = _record(body, ModuleSummary, 0)
    except RecursionError as exc:
        raise BadSummary("nested too deeply") from exc
    assert isinstance(summary, ModuleSummary)
    return summary
