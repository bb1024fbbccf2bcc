"""Abstract values.

Two families. The interpreter's own (``interpreter/``), shared by every
domain: same-file functions (``FunctionRef``), classes (``ClassRef``) and
their instances (``Instance``), and tuples (``TupleValue``). The value-kind
domain's (``kinds.py``): a tensor of a known kind, a layer or model that
produces one when called, a loss object, or nothing (``UNKNOWN``; the Keras
domain uses ``None``). Values join at control-flow merges: equal values
survive, anything else becomes unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from lossflint.analysis.apis import Kind
from lossflint.project.summary import Origin, SValue


class Value:
    """Base of all abstract values."""


@dataclass(frozen=True)
class UnknownValue(Value):
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = UnknownValue()


@dataclass(frozen=True)
class NoneValue(UnknownValue):
    """``None``: unknown to every rule, but a path binding it carries no kind a
    join must reconcile (``out = None`` before the branch that sets it: where
    ``out`` is used as a tensor, the ``None`` path would have raised)."""

    def __repr__(self) -> str:
        return "NONE"


NONE = NoneValue()


@dataclass(frozen=True)
class Tensor(Value):
    kind: Kind
    #: cast to a floating dtype (``.float()``) after it got its kind
    float_cast: bool = False
    #: the call that gave the tensor its kind, and the function it sits in
    origin: cst.CSTNode | None = field(default=None, compare=False)
    where: str = field(default="", compare=False)
    #: where the kind came from when that is in another project module
    site: Origin | None = field(default=None, compare=False)
    #: times a one-hot (``p * F.one_hot(q, n)``): summed over the classes it
    #: is one entry of each row (DKT's next-question pick)
    picked: bool = False


@dataclass(frozen=True)
class Distribution(Value):
    """A torch distribution built from logits (``OneHotCategorical(logits=z)``):
    its ``probs`` are softmax (or, for a Bernoulli, sigmoid) outputs."""

    probs: Kind
    origin: cst.CSTNode | None = field(default=None, compare=False)
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class Layer(Value):
    """A ``torch.nn`` layer instance; ``output`` None means "keeps the input kind"."""

    output: Kind | None
    qualname: str
    origin: cst.CSTNode | None = field(default=None, compare=False)
    where: str = field(default="", compare=False)
    #: where the layer was built when that is in another project module
    site: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Sequential(Value):
    layers: tuple[Value, ...]
    origin: cst.CSTNode | None = field(default=None, compare=False)


@dataclass(frozen=True)
class VisionModel(Value):
    """A torchvision classification model (``models.densenet121()``): what it
    gives is what its head gives once a script replaces it (``model.classifier
    = nn.Sequential(nn.Linear(n, 14), nn.Sigmoid())``), unknown before."""

    qualname: str
    #: the attribute holding the head (``fc``, ``classifier``)
    head_attr: str
    head: Value | None = None


@dataclass(frozen=True)
class Instance(Value):
    """An instance of a class defined in this file (``self`` included)."""

    cls: cst.ClassDef


@dataclass(frozen=True)
class Instances(Value):
    """An instance of one of several classes of this file (``model = A() if
    cfg.a else B()``, a factory returning either): calling it gives what
    every class's call method gives, when they agree."""

    classes: frozenset[cst.ClassDef]
    #: instances of other project modules' classes (``Foreign`` values)
    foreign: frozenset[Value] = frozenset()


@dataclass(frozen=True)
class ClassRef(Value):
    cls: cst.ClassDef


@dataclass(frozen=True)
class FunctionRef(Value):
    func: cst.FunctionDef
    #: the class when reached as ``self.method`` / ``obj.method``
    bound: cst.ClassDef | None = None


@dataclass(frozen=True)
class LossObject(Value):
    """``nn.CrossEntropyLoss(...)``: calling it is the functional loss."""

    functional: str
    ctor: cst.Call = field(compare=True)
    #: the same construction written elsewhere too (``if gpu: bce =
    #: nn.BCELoss().cuda() else: bce = nn.BCELoss()``): a fix of ``ctor`` alone
    #: would leave those
    others: tuple[cst.Call, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class AnyLoss(Value):
    """One of several loss objects (``loss_func = nn.MSELoss()`` on one
    branch, ``nn.CrossEntropyLoss()`` on another): calling it computes a
    loss, which one is not known."""


@dataclass(frozen=True)
class TupleValue(Value):
    items: tuple[Value, ...]


@dataclass(frozen=True)
class EvalPrediction(TupleValue):
    """What a Hugging Face ``Trainer`` hands ``compute_metrics``:
    ``(predictions, label_ids)``, also as those attributes."""


@dataclass(frozen=True)
class LayerList(Value):
    """A list being built (``layers = []``, ``layers.append(nn.Linear(...))``,
    ``layers += [...]``) for ``nn.Sequential(*layers)``: the items we know at
    its end; a leading ``UNKNOWN`` stands for items that differ between paths
    (a loop's appends) or that we cannot see."""

    items: tuple[Value, ...]


@dataclass(frozen=True)
class ApiFunction(Value):
    """A framework activation named as a value (``f=torch.sigmoid`` handed to
    a constructor, ``self.act = F.softmax``): calling it is calling the API."""

    qualname: str


@dataclass(frozen=True)
class ProbSum(Value):
    """A sum of ``count`` softmax outputs (``pred1 + pred2 + pred3``): not
    probabilities itself, but divided by ``count`` their average is
    (a mixture of distributions: MFSAN's ensemble of classifiers)."""

    count: int


@dataclass(frozen=True)
class TensorList(Value):
    """A list every known item of which is a tensor of one kind
    (``policies.append(model(x))`` in a rollout) or an instance of one class
    (``models = [Model() for _ in range(5)]``); ``element`` None: an empty
    list, nothing known went in yet (``analysis/tensor_lists.py``), or items
    of several kinds (``mixed``); ``last``: the item appended last on every
    path (``layers.append(output)``, then ``layers[-1]``), None when unsure."""

    element: Tensor | Instance | None
    last: Tensor | Instance | None = None
    mixed: bool = False


@dataclass(frozen=True)
class Registry(Value):
    """A dict display of classes or functions that nothing in the module adds
    to (``MODELS = {"mlp": MLP, "cnn": CNN}``): ``MODELS[name]`` is one of them."""

    items: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Thunk(Value):
    """``lambda: UNet("resnet34")``, a lambda without parameters whose body
    names only module-level names bound once (what it gives cannot change
    between its definition and its call): calling it gives ``value``. What a
    registry of builders holds (``MODELS = {"r34": lambda: UNet("resnet34")}``)."""

    value: Any


@dataclass(frozen=True)
class Batches(Value):
    """A labelled data set or a loader over it (``datasets.MNIST(...)``,
    ``DataLoader(ds)``): iterating it yields ``element`` (``(inputs, labels)``)."""

    element: Value


@dataclass(frozen=True)
class OneOf(Value):
    """``MODELS[name]`` with ``name`` not known: one of a registry's values;
    calling it gives what every one of them gives, when they agree."""

    choices: tuple[Any, ...]


@dataclass(frozen=True)
class DictValue(Value):
    """A dict display with string keys (``return {"logits": z, "probs": p}``)."""

    items: tuple[tuple[str, Value], ...]

    def get(self, key: str) -> Value | None:
        for name, value in self.items:
            if name == key:
                return value
        return None

    def with_item(self, key: str, value: Value) -> DictValue:
        kept = tuple(item for item in self.items if item[0] != key)
        return DictValue((*kept, (key, value)))


def common_tail(a: tuple[Any, ...], b: tuple[Any, ...], unknown: Any) -> tuple[Any, ...]:
    """The items ``a`` and ``b`` end with alike, after one ``unknown`` when
    anything before them differs (two paths that built a list differently
    still agree on its last layers: the head is what the loss rules read)."""
    tail: list[Any] = []
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x is unknown or x != y:
            break
        tail.append(x)
    if len(tail) == len(a) == len(b):
        return a
    return (unknown, *reversed(tail))


def join(a: Value, b: Value) -> Value:
    if a is b or a == b:
        return a
    return UNKNOWN


@dataclass(frozen=True)
class Foreign(Value):
    """A class, function, instance or module of another project module, as
    its summary says (``lossflint/project``): calling it, its attributes and
    its methods are read from that summary."""

    ref: SValue
