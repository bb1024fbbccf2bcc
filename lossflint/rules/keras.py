"""LF4xx: Keras / TensorFlow models, losses and data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis import keras as K
from lossflint.analysis.apis import Kind
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, RelatedNode, Severity
from lossflint.registry import Invalid, Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

NEEDS = ("keras", "tensorflow")

# Shared heads of the examples.
TK = "from tensorflow import keras\nfrom tensorflow.keras import layers\n"
KL = "import keras\nfrom keras import layers\n"


def _short(model: SemanticModel, node: cst.CSTNode, limit: int = 48) -> str:
    text = " ".join(model.code(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _layer_evidence(model: SemanticModel, layer: K.KLayer) -> str:
    return f"`{_short(model, layer.node)}` at line {model.line_of(layer.node)}"


def _uses(model: SemanticModel) -> Iterator[tuple[K.LossUse, K.Head]]:
    """Every loss paired with a model whose output head is known."""
    facts = K.keras_facts(model)
    if not facts.relevant:
        return
    for use in facts.loss_uses():
        head = use.model.head() if use.model is not None else None
        if head is not None:
            yield use, head


def _loss_text(model: SemanticModel, use: K.LossUse) -> str:
    return f"`{_short(model, use.loss.node, 60)}`"


def _related(head: K.Head, what: str = "the model's output") -> tuple[RelatedNode, ...]:
    return (RelatedNode(what, head.activation_layer.node),)


def _set_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    """``call`` with ``name=value`` (replaced, or appended)."""
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[index] = arg.with_changes(value=cst.Name(value))
            return call.with_changes(args=args)
    if args:
        last = args[-1]
        if not isinstance(last.comma, cst.Comma):
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
    args.append(
        cst.Arg(
            value=cst.Name(value),
            keyword=cst.Name(name),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
    )
    return call.with_changes(args=args)


class FromLogitsOnProbabilities(Rule):
    code = "LF401"
    name = "keras-from-logits-on-probabilities"
    severity = Severity.ERROR
    summary = "`from_logits=True` on a model whose last layer already applies softmax/sigmoid"
    fix_kind = "unsafe"
    needs = NEEDS
    what = """
Flags a Keras cross-entropy loss built with `from_logits=True`
(`CategoricalCrossentropy`, `SparseCategoricalCrossentropy`, `BinaryCrossentropy`,
the focal variants, or the loss functions) used on a model whose last layer has a
softmax or sigmoid activation: `compile(loss=...)` of that model, or a loss object
called on the model's output in a custom training loop.
"""
    why = """
`from_logits=True` tells the loss to apply softmax/sigmoid itself. On outputs that
already are probabilities the activation is applied twice: the predicted
distribution is squashed towards uniform, gradients shrink and the model
trains slowly or not at all, with no error.
"""
    example = """
model = keras.Sequential([layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # LF401
model.compile(loss=keras.losses.SparseCategoricalCrossentropy())                  # OK
"""
    fix_safety = """
Unsafe: the fix sets `from_logits=False`, which changes what is computed (it is
what the model needs). Removing the activation from the last layer instead is
equally right (and numerically better); choose one.
"""
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([layers.Dense(64, activation='relu'),\n"
            "    layers.Dense(10, activation='softmax')])\n"
            "model.compile(optimizer='adam',\n"
            "    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n",
            6,
            5,
            fixed=TK + "model = keras.Sequential([layers.Dense(64, activation='relu'),\n"
            "    layers.Dense(10, activation='softmax')])\n"
            "model.compile(optimizer='adam',\n"
            "    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False))\n",
        ),
        Invalid(
            "import tensorflow as tf\n"
            "inp = tf.keras.Input(shape=(20,))\n"
            "h = tf.keras.layers.Dense(32, activation='relu')(inp)\n"
            "out = tf.keras.layers.Dense(1, activation=tf.nn.sigmoid)(h)\n"
            "model = tf.keras.Model(inputs=inp, outputs=out)\n"
            "bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)\n"
            "model.compile('adam', loss=bce, metrics=['accuracy'])\n",
            7,
            23,
        ),
        Invalid(
            KL + "model = keras.Sequential()\nmodel.add(layers.Dense(10))\n"
            "model.add(layers.Softmax())\n"
            "loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)\n"
            "opt = keras.optimizers.Adam()\n"
            "def train_step(x, y):\n"
            "    probs = model(x, training=True)\n"
            "    return loss_fn(y, probs)\n",
            10,
            12,
        ),
        Invalid(
            "import tensorflow as tf\nfrom tensorflow.keras import layers\n\n"
            "class Net(tf.keras.Model):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.hidden = layers.Dense(64, activation='relu')\n"
            "        self.out = layers.Dense(10, activation='softmax')\n"
            "    def call(self, x):\n"
            "        return self.out(self.hidden(x))\n\n"
            "net = Net()\n"
            "net.compile(loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))\n",
            13,
            13,
        ),
    ]
    VALID = [
        # one unit under a categorical loss is LF404's finding
        TK + "model = keras.Sequential([layers.Dense(1, activation='softmax')])\n"
        "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n",
        # softmax + from_logits=False (the default)
        TK + "model = keras.Sequential([layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=False))\n",
        # linear + from_logits=True: the right pairing
        TK + "model = keras.Sequential([layers.Dense(10)])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
        # the last layer is a pretrained model we cannot see
        TK + "base = keras.applications.ResNet50(weights=None, classes=10)\n"
        "base.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
        # different models in branches: unknown
        TK
        + "if cfg.probs:\n    model = keras.Sequential([layers.Dense(10, activation='softmax')])\n"
        "else:\n    model = keras.Sequential([layers.Dense(10)])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
        # a custom activation function we cannot read
        TK + "model = keras.Sequential([layers.Dense(10, activation=my_act)])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
        # softmax over a non-last axis (attention), then a linear head
        TK + "model = keras.Sequential([layers.Softmax(axis=1), layers.Dense(10)])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
        # from_logits from a variable
        TK + "model = keras.Sequential([layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=args.logits))\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in _uses(model):
            loss = use.loss
            if head.activation not in K.PROBABILITY_ACTIVATIONS:
                continue
            if loss.name not in K.CE_LOSSES or loss.from_logits is not True:
                continue
            if loss.name in K.CATEGORICAL_LOSSES and head.units == 1:
                continue  # LF404: a categorical loss over one unit is the bug
            fix = None
            arg = loss.from_logits_arg
            if arg is not None:
                fix = FixSpec(
                    Applicability.UNSAFE,
                    "set `from_logits=False`",
                    (NodeEdit(arg.value, "False"),),
                )
            yield Finding(
                use.report,
                f"{_loss_text(model, use)} has `from_logits=True` but the model already ends in "
                f"{head.activation} ({_layer_evidence(model, head.activation_layer)}): the "
                "activation is applied twice; use `from_logits=False` or drop the activation",
                fix=fix,
                related=_related(head),
            )


class ProbabilityLossOnNonProbabilities(Rule):
    code = "LF402"
    name = "keras-probability-loss-on-non-probabilities"
    severity = Severity.ERROR
    summary = (
        "cross-entropy with `from_logits=False` on a model whose last layer is not softmax/sigmoid"
    )
    fix_kind = "unsafe"
    needs = NEEDS
    what = """
Flags a Keras cross-entropy loss that expects probabilities (a string loss such as
`"categorical_crossentropy"`, or a loss class/function with the default
`from_logits=False`) used on a model whose last layer is linear (no activation)
or has a non-probability activation (`relu`, `tanh`, `elu`, ...).
"""
    why = """
With `from_logits=False` Keras treats the outputs as probabilities: it clips them
to `[eps, 1 - eps]` (and renormalises categorical outputs). Negative or large
scores are clipped, where the gradient is zero: the loss is wrong and whole
regions of the output space stop learning.
"""
    example = """
model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10)])
model.compile(loss="sparse_categorical_crossentropy")                             # LF402
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # OK
"""
    fix_safety = """
Unsafe, and offered only for loss classes on a linear output: it sets
`from_logits=True`. For `relu`/`tanh` outputs the right fix is a softmax/sigmoid
activation (or no activation and `from_logits=True`), which is left to you.
"""
    INVALID = [
        Invalid(
            KL + "model = keras.Sequential([layers.Dense(4, activation='relu'), layers.Dense(1)])\n"
            "model.compile(loss=keras.losses.BinaryCrossentropy(False))\n",
            4,
            15,
            fixed=KL
            + "model = keras.Sequential([layers.Dense(4, activation='relu'), layers.Dense(1)])\n"
            "model.compile(loss=keras.losses.BinaryCrossentropy(True))\n",
        ),
        Invalid(
            TK + "model = keras.Sequential([layers.Dense(64, activation='relu'),\n"
            "    layers.Dense(10)])\n"
            "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n",
            5,
            33,
        ),
        Invalid(
            KL + "inp = keras.Input(shape=(8,))\n"
            "out = layers.Dense(1)(layers.Dense(16, activation='relu')(inp))\n"
            "model = keras.Model(inp, out)\n"
            "model.compile(loss=keras.losses.BinaryCrossentropy())\n",
            6,
            15,
            fixed=KL + "inp = keras.Input(shape=(8,))\n"
            "out = layers.Dense(1)(layers.Dense(16, activation='relu')(inp))\n"
            "model = keras.Model(inp, out)\n"
            "model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))\n",
        ),
        Invalid(
            "from keras.models import Sequential\nfrom keras.layers import Dense\n"
            "model = Sequential()\nmodel.add(Dense(32, input_dim=8, activation='relu'))\n"
            "model.add(Dense(3, activation='relu'))\n"
            "model.compile(loss='categorical_crossentropy', optimizer='sgd')\n",
            6,
            15,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='tanh')])\n"
            "cce = tf.keras.losses.CategoricalCrossentropy()\n"
            "for x, y in ds:\n"
            "    with tf.GradientTape() as tape:\n"
            "        loss = cce(y, model(x))\n",
            6,
            16,
        ),
    ]
    VALID = [
        # fully convolutional segmentation with a per-pixel softmax
        TK + "inp = keras.Input(shape=(64, 64, 3))\n"
        "x = layers.Conv2D(16, 3, padding='same', activation='relu')(inp)\n"
        "out = layers.Conv2D(4, 1, activation='softmax')(x)\n"
        "model = keras.Model(inp, out)\nmodel.compile(loss='sparse_categorical_crossentropy')\n",
        # one unit under a categorical loss is LF404's finding
        TK + "model = keras.Sequential([layers.Dense(1)])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\n",
        # linear + from_logits=True
        TK + "model = keras.Sequential([layers.Dense(10)])\n"
        "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n",
        # softmax + from_logits=False
        TK + "model = keras.Sequential([layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\n",
        # Dense(1, sigmoid) + binary_crossentropy
        TK + "model = keras.Sequential([layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy', metrics=['accuracy'])\n",
        # a trailing Activation layer sets the output
        TK + "model = keras.Sequential([layers.Dense(10), layers.Activation('softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        # mixed-precision pattern: float32 softmax layer after a linear Dense
        TK
        + "model = keras.Sequential([layers.Dense(10), layers.Activation('softmax', dtype='float32')])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        # regression loss on a linear output
        TK + "model = keras.Sequential([layers.Dense(1)])\nmodel.compile(loss='mse')\n",
        # a pretrained base we cannot see, no head of ours
        TK + "model = keras.Sequential([keras.applications.MobileNetV2(weights=None)])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        # a custom layer at the end
        TK + "model = keras.Sequential([layers.Dense(10), MyNormaliser()])\n"
        "model.compile(loss='categorical_crossentropy')\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in _uses(model):
            loss = use.loss
            if head.activation in K.PROBABILITY_ACTIVATIONS:
                continue
            if loss.name not in K.CE_LOSSES or loss.from_logits is not False:
                continue
            if loss.name in K.CATEGORICAL_LOSSES and head.units == 1:
                continue  # LF404: a categorical loss over one unit is the bug
            fix = None
            if (
                head.activation == "linear"
                and loss.style == "class"
                and isinstance(loss.node, cst.Call)
            ):
                edit = (
                    NodeEdit(loss.from_logits_arg.value, "True")
                    if loss.from_logits_arg is not None  # ``BinaryCrossentropy(False)``
                    else NodeEdit(loss.node, _set_keyword(loss.node, "from_logits", "True"))
                )
                fix = FixSpec(Applicability.UNSAFE, "set `from_logits=True`", (edit,))
            what = (
                "has no activation (its outputs are logits)"
                if head.activation == "linear"
                else f"ends in {head.activation}, not probabilities"
            )
            advice = (
                "pass `from_logits=True`"
                if head.activation == "linear"
                else "use a softmax/sigmoid output (or none, with `from_logits=True`)"
            )
            yield Finding(
                use.report,
                f"{_loss_text(model, use)} expects probabilities but the model "
                f"{what} ({_layer_evidence(model, head.activation_layer)}); {advice}",
                fix=fix,
                related=_related(head),
            )


class SingleUnitSoftmax(Rule):
    code = "LF403"
    name = "keras-single-unit-softmax"
    severity = Severity.ERROR
    summary = "softmax over a single unit: the output is always 1.0"
    fix_kind = "unsafe"
    needs = NEEDS
    what = """
Flags `Dense(1, activation="softmax")` and a `Dense(1)` followed (through
dropout) by `Activation("softmax")` or `Softmax()` in a model.
"""
    why = """
Softmax normalises over the last axis; over one unit it is `exp(z) / exp(z) = 1`.
The model outputs the constant 1.0 for every input, the gradient through the
output is zero, and a binary classifier built this way never learns.
"""
    example = """
layers.Dense(1, activation="softmax")   # LF403: always 1.0
layers.Dense(1, activation="sigmoid")   # a binary classifier
"""
    fix_safety = """
Unsafe: `"softmax"` becomes `"sigmoid"` (for `Dense(1, activation="softmax")`),
which changes the model; it is what a one-unit binary output needs.
"""
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([\n    layers.Dense(16, activation='relu'),\n"
            "    layers.Dense(1, activation='softmax'),\n])\n",
            5,
            5,
            fixed=TK + "model = keras.Sequential([\n    layers.Dense(16, activation='relu'),\n"
            "    layers.Dense(1, activation='sigmoid'),\n])\n",
        ),
        Invalid(
            "from keras.models import Sequential\nfrom keras.layers import Dense, Activation\n"
            "model = Sequential()\nmodel.add(Dense(1))\nmodel.add(Activation('softmax'))\n",
            5,
            11,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "inp = tf.keras.Input(shape=(4,))\n"
            "out = tf.keras.layers.Dense(1, activation=tf.nn.softmax)(inp)\n",
            3,
            7,
        ),
        Invalid(
            KL + "inp = keras.Input(shape=(4,))\n"
            "z = layers.Dense(1)(inp)\nz = layers.Dropout(0.2)(z)\nout = layers.Softmax()(z)\n"
            "model = keras.Model(inp, out)\n",
            6,
            7,
        ),
    ]
    VALID = [
        TK + "layer = layers.Dense(1, activation='sigmoid')\n",
        TK + "layer = layers.Dense(10, activation='softmax')\n",
        # attention: scores per time step, softmax over the time axis
        TK + "inp = keras.Input(shape=(20, 8))\n"
        "scores = layers.Dense(1)(inp)\nweights = layers.Softmax(axis=1)(scores)\n"
        "model = keras.Model(inp, weights)\n",
        # units from a variable we cannot read
        TK + "layer = layers.Dense(n_out, activation='softmax')\n",
        # a user class named Dense
        "class Dense:\n    def __init__(self, units, activation=None):\n        pass\n"
        "layer = Dense(1, activation='softmax')\n",
        # Dense(1) then a non-softmax activation
        TK + "model = keras.Sequential([layers.Dense(1), layers.Activation('sigmoid')])\n",
        # module constant for the number of classes
        TK + "N_CLASSES = 5\nlayer = layers.Dense(N_CLASSES, activation='softmax')\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        seen: set[cst.CSTNode] = set()
        for site in model.calls_to("keras.layers.Dense"):
            layer = facts.value(site.node)
            if (
                isinstance(layer, K.KLayer)
                and layer.units == 1
                and layer.activation == "softmax"
                and layer.node not in seen
            ):
                seen.add(layer.node)
                fix = None
                node = layer.activation_node
                if isinstance(node, cst.SimpleString):
                    quote = node.value[0]
                    fix = FixSpec(
                        Applicability.UNSAFE,
                        "use a sigmoid output",
                        (NodeEdit(node, f"{quote}sigmoid{quote}"),),
                    )
                yield Finding(
                    layer.node,
                    "`Dense(1)` with softmax always outputs 1.0 (softmax over one unit); "
                    'use `activation="sigmoid"` for a binary output',
                    fix=fix,
                )
        for kmodel in facts.models.values():
            layers = kmodel.layers
            for index, layer in enumerate(layers):
                if layer is None or not (
                    (layer.name == "Activation" and layer.activation == "softmax")
                    or (layer.name == "Softmax" and not layer.other_axis)
                ):
                    continue
                before = index - 1
                while (
                    before >= 0
                    and layers[before] is not None
                    and (
                        layers[before].name in K.DROPOUT_LAYERS  # type: ignore[union-attr]
                    )
                ):
                    before -= 1
                prev = layers[before] if before >= 0 else None
                if (
                    prev is not None
                    and prev.name == "Dense"
                    and prev.units == 1
                    and prev.activation == "linear"
                    and layer.node not in seen
                ):
                    seen.add(layer.node)
                    yield Finding(
                        layer.node,
                        f"softmax after a one-unit layer ({_layer_evidence(model, prev)}) "
                        'always outputs 1.0; use `Activation("sigmoid")` for a binary output',
                        related=(RelatedNode("the one-unit layer", prev.node),),
                    )


class CategoricalOnSingleUnit(Rule):
    code = "LF404"
    name = "keras-categorical-on-single-unit"
    severity = Severity.ERROR
    summary = "categorical cross-entropy on a one-unit output: the loss is constant"
    needs = NEEDS
    what = """
Flags `categorical_crossentropy` / `sparse_categorical_crossentropy` (string,
class or function) on a model whose output layer has a single unit.
"""
    why = """
Categorical cross-entropy compares a distribution over classes. Over one unit
Keras renormalises the output to 1.0 and the loss is identically 0 (or, for the
sparse loss on a linear unit, log-softmax of one value is 0): nothing trains.
"""
    example = """
model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
model.compile(loss="categorical_crossentropy")   # LF404: loss is always 0
model.compile(loss="binary_crossentropy")        # OK
"""
    fix_safety = "There is no automatic fix: use `binary_crossentropy` with a sigmoid output."
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([layers.Dense(8, activation='relu'),\n"
            "    layers.Dense(1, activation='sigmoid')])\n"
            "model.compile(optimizer='adam', loss='categorical_crossentropy',"
            " metrics=['accuracy'])\n",
            5,
            33,
        ),
        Invalid(
            "from keras.models import Sequential\nfrom keras.layers import Dense\n"
            "import keras\n"
            "model = Sequential()\nmodel.add(Dense(1, activation='sigmoid'))\n"
            "model.compile(loss=keras.losses.categorical_crossentropy)\n",
            6,
            15,
        ),
        Invalid(
            KL + "inp = keras.Input(shape=(3,))\nout = layers.Dense(1)(inp)\n"
            "model = keras.Model(inputs=inp, outputs=out)\n"
            "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n",
            6,
            15,
        ),
    ]
    VALID = [
        TK + "model = keras.Sequential([layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\n",
        TK + "model = keras.Sequential([layers.Dense(2, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        TK + "model = keras.Sequential([layers.Dense(1)])\nmodel.compile(loss='mse')\n",
        # units unknown
        TK + "model = keras.Sequential([layers.Dense(n_classes, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        # the output is a model we cannot see
        TK + "model = keras.Sequential([layers.Dense(1), backbone])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        # a different model object is compiled
        TK
        + "a = keras.Sequential([layers.Dense(1)])\nb = keras.Sequential([layers.Dense(5, activation='softmax')])\n"
        "b.compile(loss='categorical_crossentropy')\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in _uses(model):
            if use.loss.name in K.CATEGORICAL_LOSSES and head.units == 1 and head.dense:
                yield Finding(
                    use.report,
                    f"{_loss_text(model, use)} on a one-unit output "
                    f"({_layer_evidence(model, head.dense)}): the loss is constant and nothing "
                    "trains; use `binary_crossentropy` with a sigmoid output",
                    related=_related(head),
                )


class BinaryLossOnMulticlass(Rule):
    code = "LF405"
    name = "keras-binary-loss-on-multiclass"
    severity = Severity.WARNING
    summary = "`binary_crossentropy` on a softmax output with more than 2 units"
    needs = NEEDS
    what = """
Flags `binary_crossentropy` (string, class or function, and the focal variant)
on a model whose output is a softmax over more than two units.
"""
    why = """
Binary cross-entropy treats every unit as an independent yes/no problem, while a
softmax output is one categorical choice: the objective is not the one the model
was built for. With tf.keras 2, `metrics=["accuracy"]` then silently becomes
binary accuracy, which is inflated (about 0.8 at chance level for 5 classes).
"""
    example = """
model = keras.Sequential([layers.Dense(5, activation="softmax")])
model.compile(loss="binary_crossentropy", metrics=["accuracy"])       # LF405
model.compile(loss="categorical_crossentropy", metrics=["accuracy"])  # OK
"""
    fix_safety = "There is no automatic fix: use `categorical_crossentropy` (or sigmoid outputs for multi-label)."
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([layers.Dense(32, activation='relu'),\n"
            "    layers.Dense(5, activation='softmax')])\n"
            "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])\n",
            5,
            15,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "inp = tf.keras.Input(shape=(10,))\n"
            "out = tf.keras.layers.Dense(4, activation=tf.keras.activations.softmax)(inp)\n"
            "model = tf.keras.Model(inp, out)\n"
            "model.compile(loss=tf.keras.losses.BinaryCrossentropy())\n",
            5,
            15,
        ),
        Invalid(
            "from keras.models import Sequential\nfrom keras.layers import Dense, Activation\n"
            "model = Sequential()\nmodel.add(Dense(3))\nmodel.add(Activation('softmax'))\n"
            "model.compile('rmsprop', 'binary_crossentropy')\n",
            6,
            26,
        ),
    ]
    VALID = [
        TK + "model = keras.Sequential([layers.Dense(5, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\n",
        TK + "model = keras.Sequential([layers.Dense(2, activation='softmax')])\n"
        "model.compile(loss='binary_crossentropy')\n",
        TK + "model = keras.Sequential([layers.Dense(5, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        TK + "model = keras.Sequential([layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy', metrics=['accuracy'])\n",
        TK + "model = keras.Sequential([layers.Dense(k, activation='softmax')])\n"
        "model.compile(loss='binary_crossentropy')\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in _uses(model):
            if (
                use.loss.name in K.BINARY_LOSSES
                and head.activation == "softmax"
                and head.units is not None
                and head.units > 2
                and head.dense is not None
            ):
                yield Finding(
                    use.report,
                    f"{_loss_text(model, use)} on a softmax over {head.units} classes "
                    f"({_layer_evidence(model, head.dense)}): each class is scored as an "
                    "independent binary problem; use `categorical_crossentropy`",
                    related=_related(head),
                )


class RegressionLossOnClassifier(Rule):
    code = "LF406"
    name = "keras-regression-loss-on-classifier"
    severity = Severity.WARNING
    summary = "regression loss (`mse`/`mae`) on a classifier, or accuracy with a regression loss"
    needs = NEEDS
    what = """
Flags `mse`/`mae` (and the other regression losses: `mape`, `msle`, `huber`,
`log_cosh`) on a model with a softmax output, or with a sigmoid output trained
on class labels of the file (dataset labels, `to_categorical`); and a
regression loss compiled with `metrics=["accuracy"]`.
"""
    why = """
A squared error on probabilities is a poor classification objective (weak
gradients when the model is confidently wrong), and accuracy of a regression
output compares floats to labels: a meaningless number that looks like a metric.
"""
    example = """
model = keras.Sequential([layers.Dense(10, activation="softmax")])
model.compile(loss="mse", metrics=["accuracy"])           # LF406
model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
"""
    fix_safety = (
        "There is no automatic fix: pick a cross-entropy loss, or drop the accuracy metric."
    )
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([layers.Dense(64, activation='relu'),\n"
            "    layers.Dense(10, activation='softmax')])\n"
            "model.compile(optimizer='sgd', loss='mean_squared_error')\n",
            5,
            32,
        ),
        Invalid(
            TK + "model = keras.Sequential([layers.Dense(1)])\n"
            "model.compile(optimizer='adam', loss='mse', metrics=['accuracy'])\n",
            4,
            33,
        ),
        Invalid(
            "import numpy as np\nfrom tensorflow import keras\n"
            "(x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=1000)\n"
            "model = keras.Sequential()\n"
            "model.add(keras.layers.Embedding(1000, 16))\n"
            "model.add(keras.layers.GlobalAveragePooling1D())\n"
            "model.add(keras.layers.Dense(1, activation='sigmoid'))\n"
            "model.compile(loss=keras.losses.MeanSquaredError())\n"
            "model.fit(x_train, y_train)\n",
            8,
            15,
        ),
    ]
    VALID = [
        TK
        + "model = keras.Sequential([layers.Dense(1)])\nmodel.compile(loss='mse', metrics=['mae'])\n",
        TK + "model = keras.Sequential([layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy', metrics=['accuracy'])\n",
        # autoencoder: sigmoid pixels reconstructed with mse
        TK + "model = keras.Sequential([layers.Dense(32, activation='relu'),"
        " layers.Dense(784, activation='sigmoid')])\nmodel.compile(loss='mse')\n",
        # sigmoid regression of targets in [0, 1]
        TK + "model = keras.Sequential([layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='mae')\nmodel.fit(x, y_scaled)\n",
        # regression with a tolerance metric, not accuracy
        TK + "model = keras.Sequential([layers.Dense(1)])\n"
        "model.compile(loss='huber', metrics=[keras.metrics.RootMeanSquaredError()])\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for use in facts.loss_uses():
            if use.loss.name not in K.REGRESSION_LOSSES:
                continue
            head = use.model.head() if use.model is not None else None
            labels = use.labels
            reason = None
            if head is not None and head.activation == "softmax" and head.units != 1:
                reason = (
                    f"the model ends in softmax ({_layer_evidence(model, head.activation_layer)})"
                )
            elif (
                head is not None
                and head.activation == "sigmoid"
                and isinstance(labels, K.Labels)
                and not labels.predicted
            ):
                reason = (
                    f"the model ends in sigmoid ({_layer_evidence(model, head.activation_layer)}) "
                    "and is trained on class labels"
                )
            elif use.compile is not None and set(use.compile.metrics) & K.ACCURACY_METRICS:
                yield Finding(
                    use.report,
                    f"{_loss_text(model, use)} is a regression loss but the model is compiled "
                    "with an accuracy metric: accuracy of a regression output is meaningless",
                )
                continue
            if reason is not None:
                yield Finding(
                    use.report,
                    f"{_loss_text(model, use)} is a regression loss on a classifier: {reason}; "
                    "use a cross-entropy loss",
                    related=_related(head) if head is not None else (),
                )


class LabelEncodingMismatch(Rule):
    code = "LF407"
    name = "keras-label-encoding-mismatch"
    severity = Severity.ERROR
    summary = "one-hot labels with a sparse loss, or integer labels with `categorical_crossentropy`"
    needs = NEEDS
    what = """
Flags `sparse_categorical_crossentropy` when the labels handed to `fit` (or to
the loss in a custom loop) are one-hot (`to_categorical`, `tf.one_hot`), and
`categorical_crossentropy` when they are integer class labels (from a
`keras.datasets` loader, or `argmax` of one-hot labels), within one file.
"""
    why = """
The sparse loss expects one integer per sample, the dense one a distribution per
sample. The wrong pairing fails in `fit` with a shape error, or (with labels of
shape `(N, 1)`) silently computes a wrong loss.
"""
    example = """
y_train = keras.utils.to_categorical(y_train, 10)
model.compile(loss="sparse_categorical_crossentropy")   # LF407
model.fit(x_train, y_train)
"""
    fix_safety = "There is no automatic fix: change the loss or the label encoding, not both."
    INVALID = [
        Invalid(
            TK + "(x, y), _ = keras.datasets.mnist.load_data()\n"
            "y = keras.utils.to_categorical(y, 10)\n"
            "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
            "model.compile(loss='sparse_categorical_crossentropy')\n"
            "model.fit(x / 255.0, y)\n",
            6,
            15,
        ),
        Invalid(
            "from keras.datasets import cifar10\nfrom keras.models import Sequential\n"
            "from keras.layers import Flatten, Dense\n"
            "(x_train, y_train), (x_test, y_test) = cifar10.load_data()\n"
            "x_train = x_train.astype('float32') / 255\n"
            "model = Sequential()\nmodel.add(Flatten())\nmodel.add(Dense(10, activation='softmax'))\n"
            "model.compile(optimizer='adam', loss='categorical_crossentropy')\n"
            "model.fit(x_train, y_train, epochs=5)\n",
            9,
            33,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(10)])\n"
            "loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n"
            "def step(x, labels):\n"
            "    y = tf.one_hot(labels, 10)\n"
            "    return loss_fn(y, model(x))\n",
            6,
            12,
        ),
    ]
    VALID = [
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x / 255.0, y)\n",
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\ny = keras.utils.to_categorical(y)\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\nmodel.fit(x / 255.0, y)\n",
        # labels re-encoded in one branch only: unknown
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\n"
        "if one_hot:\n    y = keras.utils.to_categorical(y)\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\nmodel.fit(x / 255.0, y)\n",
        # one-hot back to indices
        "import numpy as np\n" + TK + "y = keras.utils.to_categorical(labels)\n"
        "idx = np.argmax(y, axis=1)\n"
        "model = keras.Sequential([layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x, idx)\n",
        # labels from somewhere we cannot see
        TK + "model = keras.Sequential([layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\nmodel.fit(x, load_labels())\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in _uses(model):
            labels = use.labels
            if not isinstance(labels, K.Labels) or labels.predicted or head.units == 1:
                continue
            name = use.loss.name
            if name == "sparse_categorical_crossentropy" and labels.encoding == "onehot":
                problem = "the labels are one-hot"
                advice = "use `categorical_crossentropy` or integer labels"
            elif name in ("categorical_crossentropy", "categorical_focal_crossentropy") and (
                labels.encoding == "int"
            ):
                problem = "the labels are integer class indices"
                advice = "use `sparse_categorical_crossentropy` or one-hot the labels"
            else:
                continue
            yield Finding(
                use.report,
                f"{_loss_text(model, use)} but {problem} (line {model.line_of(labels.origin)}); "
                f"{advice}",
                related=(RelatedNode("the labels", labels.origin),),
            )


def _input_rank_layer(layer: K.KLayer) -> tuple[str, int] | None:
    name = layer.inner.name if layer.name == "Bidirectional" and layer.inner else layer.name
    required = K.REQUIRED_RANK.get(name)
    return (name, required) if required is not None else None


class InputRank(Rule):
    code = "LF408"
    name = "keras-input-rank"
    severity = Severity.ERROR
    summary = (
        "`input_shape` of too low a rank for the layer (LSTM/Conv1D need 2, Conv2D 3, Conv3D 4)"
    )
    needs = NEEDS
    what = """
Flags the first layer of a model receiving an input shape (its `input_shape=`,
or a preceding `Input(shape=...)`) with fewer axes than it takes: rank 1 for
`LSTM`/`GRU`/`SimpleRNN`/`Conv1D`/1-D pooling, rank 2 for `Conv2D`/2-D pooling,
rank 3 for `Conv3D`. The batch axis is not part of `input_shape`.
"""
    why = """
Recurrent and 1-D convolution layers take `(timesteps, features)`, `Conv2D`
takes `(height, width, channels)`. A shape without the feature/channel axis makes
the model fail at build time with a `ValueError` ("expected ndim=3, found ndim=2").
"""
    example = """
layers.LSTM(32, input_shape=(100,))      # LF408
layers.LSTM(32, input_shape=(100, 1))    # 100 time steps of 1 feature
"""
    fix_safety = "There is no automatic fix: add the feature/channel axis (and reshape the data)."
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([\n    layers.LSTM(32, input_shape=(100,)),\n"
            "    layers.Dense(1)])\n",
            4,
            5,
        ),
        Invalid(
            "from keras.models import Sequential\nfrom keras.layers import Conv2D, Flatten, Dense\n"
            "model = Sequential()\nmodel.add(Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28)))\n"
            "model.add(Flatten())\n",
            4,
            11,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "inp = tf.keras.Input(shape=(64,))\n"
            "x = tf.keras.layers.Conv1D(16, 3)(inp)\n",
            3,
            5,
        ),
        Invalid(
            KL
            + "model = keras.Sequential([keras.Input(shape=(16, 16, 16)), layers.Conv3D(8, 3)])\n",
            3,
            60,
        ),
    ]
    VALID = [
        TK + "model = keras.Sequential([layers.LSTM(32, input_shape=(100, 1))])\n",
        TK + "model = keras.Sequential([layers.Conv2D(8, 3, input_shape=(28, 28, 1))])\n",
        TK + "model = keras.Sequential([layers.Dense(8, input_shape=(28,))])\n",
        # Reshape first: the Conv2D gets rank 3
        TK + "model = keras.Sequential([layers.Reshape((28, 28, 1), input_shape=(784,)),"
        " layers.Conv2D(8, 3)])\n",
        # shape from the data: unknown
        TK + "model = keras.Sequential([layers.LSTM(8, input_shape=x.shape[1:])])\n",
        # not the first layer: Keras ignores input_shape there
        TK + "model = keras.Sequential([layers.Embedding(100, 8, input_length=10),"
        " layers.LSTM(8, input_shape=(10,))])\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for first in facts.first_inputs:
            found = _input_rank_layer(first.layer)
            if found is None:
                continue
            name, required = found
            if len(first.shape) < required:
                yield Finding(
                    first.layer.node,
                    f"`{name}` takes inputs of rank {required} (batch excluded) but gets "
                    f"shape {_fmt(first.shape)}: the model fails to build; add the "
                    f"{'feature' if required == 2 else 'channel'} axis",
                )


def _fmt(shape: tuple[int | None, ...]) -> str:
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


class CategoricalOnSigmoid(Rule):
    code = "LF409"
    name = "keras-categorical-on-sigmoid"
    severity = Severity.WARNING
    summary = "categorical cross-entropy on a multi-unit sigmoid output"
    needs = NEEDS
    what = """
Flags `categorical_crossentropy` / `sparse_categorical_crossentropy` (string,
class or function, `from_logits=False`) on a model whose output is a sigmoid
over more than one unit.
"""
    why = """
Categorical cross-entropy assumes the outputs sum to 1. Independent sigmoids do
not: Keras renormalises them and the loss pushes every unit up together. For
multi-label targets use `binary_crossentropy`; for one label per sample use a
softmax output.
"""
    example = """
model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
model.compile(loss="categorical_crossentropy")   # LF409
model.compile(loss="binary_crossentropy")        # multi-label
"""
    fix_safety = "There is no automatic fix: the choice depends on single- vs multi-label targets."
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([layers.Dense(64, activation='relu'),\n"
            "    layers.Dense(10, activation='sigmoid')])\n"
            "model.compile(loss='categorical_crossentropy', optimizer='adam')\n",
            5,
            15,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "inp = tf.keras.Input(shape=(30,))\n"
            "out = tf.keras.layers.Dense(6, activation=tf.keras.activations.sigmoid)(inp)\n"
            "model = tf.keras.Model(inp, out)\n"
            "model.compile(loss=tf.keras.losses.CategoricalCrossentropy())\n",
            5,
            15,
        ),
        Invalid(
            "from keras.models import Sequential\nfrom keras.layers import Dense, Activation\n"
            "model = Sequential()\nmodel.add(Dense(4))\nmodel.add(Activation('sigmoid'))\n"
            "model.compile('adam', loss='categorical_crossentropy')\n",
            6,
            23,
        ),
    ]
    VALID = [
        TK + "model = keras.Sequential([layers.Dense(10, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\n",
        TK + "model = keras.Sequential([layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\n",
        TK + "model = keras.Sequential([layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\n",
        # from_logits=True on sigmoid is LF401's finding, not this one
        TK + "model = keras.Sequential([layers.Dense(10, activation='sigmoid')])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
        TK + "model = keras.Sequential([layers.Dense(n, activation='sigmoid')])\n"
        "model.compile(loss='categorical_crossentropy')\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in _uses(model):
            if (
                use.loss.name in K.CATEGORICAL_LOSSES
                and use.loss.from_logits is False
                and head.activation == "sigmoid"
                and head.units is not None
                and head.units > 1
            ):
                yield Finding(
                    use.report,
                    f"{_loss_text(model, use)} on {head.units} independent sigmoid outputs "
                    f"({_layer_evidence(model, head.activation_layer)}): the loss assumes they "
                    "sum to 1; use `binary_crossentropy` (multi-label) or softmax (single label)",
                    related=_related(head),
                )


class DenseWithoutFlatten(Rule):
    code = "LF410"
    name = "keras-dense-without-flatten"
    severity = Severity.ERROR
    summary = (
        "Dense head on a convolution/pooling/sequence output without Flatten or global pooling"
    )
    needs = NEEDS
    what = """
Flags the first `Dense` of a model's output head (Dense layers, with only
Dropout/Activation/BatchNormalization between them, ending the model) when it
follows a layer whose output keeps extra axes (`Conv1D/2D/3D`, `*Pooling1D/2D/3D`,
or a recurrent layer with `return_sequences=True` when the labels are one per
sample) with no `Flatten`, `GlobalAveragePooling*`/`GlobalMaxPooling*` or
`Reshape` between, and the model is trained with a classification loss.
"""
    why = """
`Dense` acts on the last axis only: after `Conv2D` the model outputs a
`(batch, H, W, classes)` tensor. `fit` then fails on the label shape, or the loss
is silently computed per pixel / per time step against broadcast labels.
"""
    example = """
model = keras.Sequential([layers.Conv2D(32, 3, activation="relu"),
                          layers.MaxPooling2D(),
                          layers.Flatten(),                          # without it: LF410
                          layers.Dense(10, activation="softmax")])
"""
    fix_safety = "There is no automatic fix: insert `Flatten()` or a global pooling layer."
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([\n"
            "    layers.Conv2D(32, 3, activation='relu', input_shape=(28, 28, 1)),\n"
            "    layers.MaxPooling2D(),\n"
            "    layers.Dense(10, activation='softmax'),\n])\n"
            "model.compile(loss='categorical_crossentropy')\n",
            6,
            5,
        ),
        Invalid(
            "from keras.models import Sequential\nfrom keras.layers import Conv1D, MaxPooling1D, Dense, Dropout\n"
            "model = Sequential()\nmodel.add(Conv1D(64, 3, activation='relu', input_shape=(100, 1)))\n"
            "model.add(MaxPooling1D(2))\nmodel.add(Dense(64, activation='relu'))\nmodel.add(Dropout(0.5))\n"
            "model.add(Dense(1, activation='sigmoid'))\n"
            "model.compile(loss='binary_crossentropy', optimizer='adam')\n",
            6,
            11,
        ),
        Invalid(
            "from tensorflow import keras\n"
            "(x, y), _ = keras.datasets.imdb.load_data(num_words=5000)\n"
            "inp = keras.Input(shape=(200,))\n"
            "h = keras.layers.Embedding(5000, 32)(inp)\n"
            "h = keras.layers.LSTM(32, return_sequences=True)(h)\n"
            "out = keras.layers.Dense(1, activation='sigmoid')(h)\n"
            "model = keras.Model(inp, out)\n"
            "model.compile(loss='binary_crossentropy')\nmodel.fit(x, y)\n",
            6,
            7,
        ),
    ]
    VALID = [
        TK + "model = keras.Sequential([layers.Conv2D(8, 3), layers.Flatten(),"
        " layers.Dense(10, activation='softmax')])\nmodel.compile(loss='categorical_crossentropy')\n",
        TK + "model = keras.Sequential([layers.Conv2D(8, 3), layers.GlobalAveragePooling2D(),"
        " layers.Dense(10, activation='softmax')])\nmodel.compile(loss='categorical_crossentropy')\n",
        # sequence tagging: one label per time step, labels not known to be per sample
        TK + "model = keras.Sequential([layers.Embedding(1000, 32),"
        " layers.LSTM(32, return_sequences=True), layers.Dense(9, activation='softmax')])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x, tags)\n",
        # per-pixel regression head
        TK + "model = keras.Sequential([layers.Conv2D(8, 3), layers.Dense(1)])\n"
        "model.compile(loss='mse')\n",
        # TimeDistributed is per step on purpose
        TK + "model = keras.Sequential([layers.LSTM(8, return_sequences=True),"
        " layers.TimeDistributed(layers.Dense(4))])\nmodel.compile(loss='mse')\n",
        # last LSTM returns one vector
        TK + "model = keras.Sequential([layers.LSTM(8), layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        seen: set[cst.CSTNode] = set()
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for use in facts.loss_uses():
            if use.model is None or use.loss.name not in K.CE_LOSSES:
                continue
            layers = use.model.layers
            index = len(layers)
            first_dense: K.KLayer | None = None
            while index > 0:
                layer = layers[index - 1]
                if layer is None:
                    break
                if layer.name == "Dense":
                    first_dense = layer
                elif layer.name not in K.HEAD_BETWEEN:
                    break
                index -= 1
            if first_dense is None or index == 0:
                continue
            prev = layers[index - 1]
            if prev is None:
                continue
            labels = use.labels
            per_sample = isinstance(labels, K.Labels) and labels.per_sample
            recurrent = (prev.name in K.RECURRENT or prev.name == "Bidirectional") and (
                prev.return_sequences
            )
            if not (prev.name in K.KEEPS_AXES or (recurrent and per_sample)):
                continue
            if first_dense.node in seen:
                continue
            seen.add(first_dense.node)
            what = "a sequence" if recurrent else "a feature map"
            yield Finding(
                first_dense.node,
                f"`Dense` on {what} ({_layer_evidence(model, prev)}) acts on the last axis "
                "only: the model's output keeps the extra axes and does not match one label "
                "per sample; add `Flatten()` or a global pooling layer before it",
                related=(RelatedNode("the layer with extra axes", prev.node),),
            )


class InputShapeWithBatch(Rule):
    code = "LF411"
    name = "keras-input-shape-with-batch"
    severity = Severity.WARNING
    summary = (
        "`input_shape` includes the batch size, or is channels-first on a channels-last Conv2D"
    )
    needs = NEEDS
    what = """
Flags the first layer of a model receiving an input shape with one axis more
than the layer takes (the batch size included in `input_shape`, e.g.
`Conv2D(..., input_shape=(32, 28, 28, 1))`), and a channels-first image shape
`(1 or 3, H, W)` on a `Conv2D` (or 2-D pooling) layer that is channels-last
(the default, unless `data_format="channels_first"` or the image data format is
set in the file).
"""
    why = """
`input_shape` excludes the batch axis: one axis too many fails at build time
with a `ValueError`. A channels-first shape on a channels-last convolution
convolves over (channels, height) and treats the width as channels: the model
builds (or fails on the tiny first axis) and learns nonsense.
"""
    example = """
layers.Conv2D(32, 3, input_shape=(3, 32, 32))   # LF411: channels-first
layers.Conv2D(32, 3, input_shape=(32, 32, 3))   # channels-last
"""
    fix_safety = (
        "There is no automatic fix: drop the batch axis, or transpose the data to channels-last."
    )
    INVALID = [
        Invalid(
            TK + "model = keras.Sequential([\n"
            "    layers.Conv2D(32, (3, 3), activation='relu', input_shape=(3, 32, 32)),\n"
            "    layers.Flatten(), layers.Dense(10, activation='softmax')])\n",
            4,
            5,
        ),
        Invalid(
            "from keras.models import Sequential\nfrom keras.layers import LSTM, Dense\n"
            "BATCH = 64\nmodel = Sequential()\nmodel.add(LSTM(50, input_shape=(BATCH, 10, 1)))\n",
            5,
            11,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "inp = tf.keras.Input(shape=(None, 28, 28, 1))\n"
            "x = tf.keras.layers.Conv2D(16, 3, activation='relu')(inp)\n",
            3,
            5,
        ),
    ]
    VALID = [
        # a parameter hides the module-level name
        TK + "input_shape = (3, 32, 32)\n"
        "def build(input_shape):\n"
        "    return keras.Sequential([layers.Conv2D(8, 3, input_shape=input_shape)])\n",
        TK + "model = keras.Sequential([layers.Conv2D(8, 3, input_shape=(32, 32, 3))])\n",
        TK + "model = keras.Sequential([layers.Conv2D(8, 3, input_shape=(3, 32, 32),"
        " data_format='channels_first')])\n",
        TK + "keras.backend.set_image_data_format('channels_first')\n"
        "model = keras.Sequential([layers.Conv2D(8, 3, input_shape=(3, 32, 32))])\n",
        # a 3-channel image of width 3 is ambiguous: silent
        TK + "model = keras.Sequential([layers.Conv2D(8, 1, input_shape=(3, 16, 3))])\n",
        TK + "model = keras.Sequential([layers.LSTM(8, input_shape=(10, 1))])\n",
        # Conv3D takes rank 4
        TK + "model = keras.Sequential([layers.Conv3D(8, 3, input_shape=(16, 16, 16, 1))])\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for first in facts.first_inputs:
            found = _input_rank_layer(first.layer)
            if found is None:
                continue
            name, required = found
            shape = first.shape
            if len(shape) == required + 1:
                yield Finding(
                    first.layer.node,
                    f"`{name}` takes inputs of rank {required} but `input_shape` "
                    f"{_fmt(shape)} has {len(shape)} axes: `input_shape` excludes the batch axis",
                )
            elif (
                name in K.CONV2D_LIKE
                and len(shape) == 3
                and first.layer.channels_first is False
                and not facts.image_format_set
                and shape[0] in (1, 3)
                and isinstance(shape[1], int)
                and isinstance(shape[2], int)
                and shape[1] > 4
                and shape[2] > 4
            ):
                yield Finding(
                    first.layer.node,
                    f"`input_shape` {_fmt(shape)} is channels-first but `{name}` is "
                    "channels-last: it convolves over channels and height and reads the width "
                    'as channels; use `(H, W, C)` or `data_format="channels_first"`',
                )


class UnscaledImageInput(Rule):
    code = "LF412"
    name = "unscaled-image-input"
    severity = Severity.WARNING
    summary = "raw 0-255 images from `keras.datasets` reach `fit` without scaling"
    needs = NEEDS
    what = """
Flags `fit` receiving images of `keras.datasets.{mnist,fashion_mnist,cifar10,
cifar100}.load_data()` that were not scaled on the way (no `/ 255`, no
arithmetic at all) when the model has no scaling layer (`Rescaling`,
`Normalization`, `BatchNormalization`, ...). Reshapes, `astype` and indexing keep
the pixels raw.
"""
    why = """
Pixel values up to 255 saturate activations and produce huge initial losses and
gradients: training stalls or diverges, depending on the optimiser and the
initialisation.
"""
    example = """
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model.fit(x_train, y_train)            # LF412
model.fit(x_train / 255.0, y_train)    # OK
"""
    fix_safety = "There is no automatic fix: divide by 255 or add a `Rescaling(1/255)` layer."
    INVALID = [
        Invalid(
            TK + "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()\n"
            "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
            "model.compile(loss='sparse_categorical_crossentropy')\n"
            "model.fit(x_train, y_train, epochs=5)\n",
            6,
            1,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "cifar = tf.keras.datasets.cifar10\n"
            "(x_train, y_train), (x_test, y_test) = cifar.load_data()\n"
            "x_train = x_train.astype('float32')\n"
            "model = tf.keras.Sequential()\n"
            "model.add(tf.keras.layers.Conv2D(8, 3, input_shape=(32, 32, 3)))\n"
            "model.add(tf.keras.layers.Flatten())\nmodel.add(tf.keras.layers.Dense(10))\n"
            "model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
            "history = model.fit(x_train, y_train)\n",
            10,
            11,
        ),
        Invalid(
            "from keras.datasets import fashion_mnist\nfrom keras import layers\nimport keras\n\n"
            "def train():\n"
            "    (x, y), _ = fashion_mnist.load_data()\n"
            "    x = x.reshape(-1, 784)\n"
            "    inp = keras.Input(shape=(784,))\n"
            "    out = layers.Dense(10, activation='softmax')(inp)\n"
            "    model = keras.Model(inp, out)\n"
            "    model.compile(loss='sparse_categorical_crossentropy')\n"
            "    model.fit(x, y)\n",
            12,
            5,
        ),
    ]
    VALID = [
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\nx = x / 255.0\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10)])\nmodel.fit(x, y)\n",
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\nx = x.astype('float32')\nx /= 255\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10)])\nmodel.fit(x, y)\n",
        # the model rescales
        TK + "(x, y), _ = keras.datasets.cifar10.load_data()\n"
        "model = keras.Sequential([layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(10)])\n"
        "model.fit(x, y)\n",
        # not pixels
        TK + "(x, y), _ = keras.datasets.boston_housing.load_data()\n"
        "model = keras.Sequential([layers.Dense(1)])\nmodel.fit(x, y)\n",
        # a model we cannot see may rescale
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\n"
        "model = keras.models.load_model('m.keras')\nmodel.fit(x, y)\n",
        # standardised
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\nx = (x - x.mean()) / x.std()\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10)])\nmodel.fit(x, y)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for fit in facts.fits:
            if not isinstance(fit.x, K.Images) or fit.model is None or not fit.model.complete:
                continue
            if any(
                layer is not None and layer.name in K.SCALING_LAYERS for layer in fit.model.layers
            ):
                continue
            yield Finding(
                fit.call,
                f"`fit` gets raw 0-255 pixels of `{fit.x.dataset}.load_data()` (line "
                f"{model.line_of(fit.x.origin)}) without scaling; divide by 255 or add a "
                "`Rescaling(1/255)` layer",
                related=(RelatedNode("the images are loaded here", fit.x.origin),),
            )


class LabelsScaledLikeInputs(Rule):
    code = "LF413"
    name = "labels-scaled-like-inputs"
    severity = Severity.ERROR
    summary = "class labels divided or normalised like the inputs"
    needs = NEEDS
    what = """
Flags a statement that divides class labels (from a `keras.datasets` loader, or
one-hot labels) like pixels (`y_train / 255`, `y_train /= 255`) or fits a scaler
on them (`StandardScaler().fit_transform(y_train)`), when those labels reach
`fit` (or a loss) of a model trained with a classification loss.
"""
    why = """
Labels are class indices or one-hot vectors. Divided by 255 they become small
fractions: the sparse loss truncates them to class 0, the dense loss gets
targets that do not sum to 1. The model learns the wrong classes, with no error.
"""
    example = """
x_train, y_train = x_train / 255.0, y_train / 255.0   # LF413: the labels too
x_train = x_train / 255.0                             # OK
"""
    fix_safety = "There is no automatic fix: scale only the inputs."
    INVALID = [
        Invalid(
            TK + "(x_train, y_train), _ = keras.datasets.mnist.load_data()\n"
            "x_train, y_train = x_train / 255.0, y_train / 255.0\n"
            "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
            "model.compile(loss='sparse_categorical_crossentropy')\n"
            "model.fit(x_train, y_train)\n",
            4,
            1,
        ),
        Invalid(
            "from keras.datasets import cifar10\nfrom keras.models import Sequential\n"
            "from keras.layers import Flatten, Dense\nfrom keras.utils import to_categorical\n"
            "(x_train, y_train), _ = cifar10.load_data()\n"
            "x_train = x_train / 255\ny_train = to_categorical(y_train, 10)\n"
            "y_train /= 255\n"
            "model = Sequential()\nmodel.add(Flatten())\nmodel.add(Dense(10, activation='softmax'))\n"
            "model.compile(loss='categorical_crossentropy')\nmodel.fit(x_train, y_train)\n",
            8,
            1,
        ),
        Invalid(
            TK + "from sklearn.preprocessing import MinMaxScaler\n"
            "(x, y), _ = keras.datasets.fashion_mnist.load_data()\n"
            "scaler = MinMaxScaler()\n"
            "y = scaler.fit_transform(y.reshape(-1, 1))\n"
            "model = keras.Sequential([layers.Flatten(), layers.Dense(10)])\n"
            "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
            "model.fit(x / 255.0, y)\n",
            6,
            1,
        ),
    ]
    VALID = [
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\nx = x / 255.0\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x, y)\n",
        # regression targets may be scaled
        TK + "(x, y), _ = keras.datasets.boston_housing.load_data()\ny = y / 50.0\n"
        "model = keras.Sequential([layers.Dense(1)])\nmodel.compile(loss='mse')\nmodel.fit(x, y)\n",
        # scaled labels that never reach fit
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\nfrac = y / 9.0\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x / 255.0, y)\n",
        # 1-based to 0-based labels
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\ny = y - 1\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x / 255.0, y)\n",
        # a regression loss on purpose (ordinal target)
        TK + "(x, y), _ = keras.datasets.mnist.load_data()\ny = y / 9.0\n"
        "model = keras.Sequential([layers.Flatten(), layers.Dense(1)])\n"
        "model.compile(loss='mse')\nmodel.fit(x / 255.0, y)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        seen: set[cst.CSTNode] = set()
        for use in facts.loss_uses():
            labels = use.labels
            if not isinstance(labels, K.ScaledLabels) or use.loss.name not in K.CE_LOSSES:
                continue
            statement = labels.statement
            if statement in seen:
                continue
            seen.add(statement)
            yield Finding(
                statement,
                "class labels are scaled like inputs here (labels from line "
                f"{model.line_of(labels.labels.origin)}) and then trained with "
                f"{_loss_text(model, use)}: they become fractions, not classes; scale only "
                "the inputs",
                related=(RelatedNode("the loss", use.report),),
            )


def _is_labels(value: Any, kinds_value: Any) -> str | None:
    if isinstance(value, K.Labels) and not value.predicted:
        return "class indices" if value.encoding == "int" else "one-hot labels"
    if isinstance(kinds_value, Tensor) and kinds_value.kind in (Kind.ONE_HOT,):
        return "one-hot labels"
    return None


def _is_logits(value: Any, kinds_value: Any) -> bool:
    """A model's raw scores. Probabilities are not counted: soft labels
    (``labels=tf.nn.softmax(teacher_logits)``) are a valid ``labels=``."""
    if isinstance(value, K.TfLogits):
        return True
    if isinstance(value, K.KTensor) and value.model is not None:
        head = value.model.head()
        return head is not None and head.activation == "linear"
    return isinstance(kinds_value, Tensor) and kinds_value.kind is Kind.LOGITS


class TfCrossEntropyArgumentMisuse(Rule):
    code = "LF414"
    name = "tf-cross-entropy-argument-misuse"
    severity = Severity.ERROR
    summary = "TF `*_cross_entropy_with_logits`: positional, swapped, or index labels to the dense version"
    fix_kind = "unsafe"
    needs = ("tensorflow", "tf.")
    what = """
Flags calls of `tf.nn.softmax_cross_entropy_with_logits` (and `_v2`),
`tf.nn.sparse_softmax_cross_entropy_with_logits` and
`tf.nn.sigmoid_cross_entropy_with_logits` that pass the arguments positionally
in TF1 graph code (the file uses `tf.placeholder`, `tf.Session`, ...), swap them
(`logits=` gets one-hot or index labels, `labels=` gets the model's output), or
give class-index labels (an integer `tf.placeholder` of shape `[None]`, argmax
of one-hot labels) to the dense softmax version.
"""
    why = """
In TF 1.x these functions take a sentinel first parameter and raise `ValueError`
for positional arguments (the pre-1.0 order was `(logits, labels)`, which old
code still uses). Swapped arguments compute a cross-entropy of the labels
against the model and train on garbage; index labels in the dense version fail
on the shape or broadcast into a wrong loss.
"""
    example = """
loss = tf.nn.softmax_cross_entropy_with_logits(logits, y)                  # LF414
loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)    # OK
"""
    fix_safety = """
Unsafe. Positional calls get `logits=` / `labels=` names in the pre-1.0 order
(`logits` first) unless the first argument is known to be the labels; swapped
keywords are exchanged; index labels switch to the `sparse_` function. Check the
result: the fix cannot see what the arguments hold at run time.
"""
    INVALID = [
        Invalid(
            "import tensorflow as tf\n"
            "def loss_fn(y_onehot, logits):\n"
            "    labels = tf.argmax(y_onehot, axis=1)\n"
            "    return tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)\n",
            4,
            12,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "x = tf.placeholder(tf.float32, [None, 784])\ny = tf.placeholder(tf.float32, [None, 10])\n"
            "W = tf.Variable(tf.zeros([784, 10]))\nlogits = tf.matmul(x, W)\n"
            "loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits, y))\n",
            6,
            23,
            fixed="import tensorflow as tf\n"
            "x = tf.placeholder(tf.float32, [None, 784])\ny = tf.placeholder(tf.float32, [None, 10])\n"
            "W = tf.Variable(tf.zeros([784, 10]))\nlogits = tf.matmul(x, W)\n"
            "loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))\n",
        ),
        Invalid(
            "import tensorflow as tf\n"
            "def loss_fn(labels, features, w):\n"
            "    y = tf.one_hot(labels, 10)\n"
            "    logits = tf.matmul(features, w)\n"
            "    return tf.nn.softmax_cross_entropy_with_logits(labels=logits, logits=y)\n",
            5,
            12,
            fixed="import tensorflow as tf\n"
            "def loss_fn(labels, features, w):\n"
            "    y = tf.one_hot(labels, 10)\n"
            "    logits = tf.matmul(features, w)\n"
            "    return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)\n",
        ),
        Invalid(
            "import tensorflow as tf\n"
            "x = tf.placeholder(tf.float32, [None, 784])\n"
            "y = tf.placeholder(tf.int64, [None])\n"
            "logits = tf.layers.dense(x, 10)\n"
            "loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits)\n",
            5,
            8,
            fixed="import tensorflow as tf\n"
            "x = tf.placeholder(tf.float32, [None, 784])\n"
            "y = tf.placeholder(tf.int64, [None])\n"
            "logits = tf.layers.dense(x, 10)\n"
            "loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)\n",
        ),
        Invalid(
            "import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
            "def step(x, y):\n"
            "    out = model(x)\n"
            "    return tf.nn.sigmoid_cross_entropy_with_logits(out, y)\n",
            5,
            12,
        ),
    ]
    VALID = [
        # a teacher's probabilities as soft labels (Keras teacher model)
        "import tensorflow as tf\n"
        "teacher = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='softmax')])\n"
        "def distill(x, student_logits):\n"
        "    return tf.nn.softmax_cross_entropy_with_logits(labels=teacher(x), logits=student_logits)\n",
        "import tensorflow as tf\n"
        "x = tf.placeholder(tf.float32, [None, 784])\ny = tf.placeholder(tf.float32, [None, 10])\n"
        "logits = tf.matmul(x, W)\n"
        "loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)\n",
        # TF2: positional (labels, logits) is the documented order
        "import tensorflow as tf\n"
        "def step(y, logits):\n"
        "    return tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits)\n",
        # sparse version with index labels
        "import tensorflow as tf\ny = tf.placeholder(tf.int64, [None])\n"
        "loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)\n",
        # soft labels from a teacher (distillation)
        "import tensorflow as tf\n"
        "loss = tf.nn.softmax_cross_entropy_with_logits(labels=tf.nn.softmax(teacher / T),"
        " logits=student / T)\n",
        # a user function of the same name
        "def softmax_cross_entropy_with_logits(a, b):\n    return a - b\n"
        "loss = softmax_cross_entropy_with_logits(logits, y)\n",
        # one-hot int placeholder of rank 2 in the dense version
        "import tensorflow as tf\ny = tf.placeholder(tf.int32, [None, 10])\n"
        "loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for fact in facts.tf_losses:
            call = fact.call
            labels_expr = _arg_expr(call, 0 if fact.positional else None, "labels")
            logits_expr = _arg_expr(call, 1 if fact.positional else None, "logits")
            labels_kind = model.value(labels_expr) if labels_expr is not None else None
            logits_kind = model.value(logits_expr) if logits_expr is not None else None
            first_is_labels = _is_labels(fact.labels, labels_kind)
            first_is_scores = _is_logits(fact.labels, labels_kind)
            second_is_labels = _is_labels(fact.logits, logits_kind)
            short = fact.qualname.rsplit(".", 1)[-1]
            if fact.positional:
                args = [a for a in call.args if a.keyword is None]
                if len(args) != 2 or any(a.star for a in call.args):
                    continue
                swapped = first_is_scores or second_is_labels is not None
                if not (facts.tf1 or swapped):
                    continue
                if first_is_labels:
                    names = ("labels", "logits")
                else:
                    names = ("logits", "labels")
                fixed = call.with_changes(
                    args=[
                        a.with_changes(
                            keyword=cst.Name(n),
                            equal=cst.AssignEqual(
                                whitespace_before=cst.SimpleWhitespace(""),
                                whitespace_after=cst.SimpleWhitespace(""),
                            ),
                        )
                        for a, n in zip(args, names, strict=True)
                    ]
                )
                if facts.tf1:
                    message = (
                        f"`{short}` called with positional arguments: TF 1.x raises "
                        "`ValueError` (only named arguments are accepted); pass "
                        "`labels=` and `logits=`"
                    )
                else:
                    message = (
                        f"`{short}` gets the model's output as its first positional argument, "
                        "which is `labels`: the arguments are swapped; pass `labels=` and "
                        "`logits=` by name"
                    )
                yield Finding(
                    call,
                    message,
                    fix=FixSpec(
                        Applicability.UNSAFE, "name the arguments", ((NodeEdit(call, fixed)),)
                    ),
                )
                continue
            labels_arg = _keyword_arg(call, "labels")
            logits_arg = _keyword_arg(call, "logits")
            if labels_arg is None or logits_arg is None:
                continue
            if second_is_labels is not None or first_is_scores:
                what = (
                    f"`logits=` gets {second_is_labels}"
                    if second_is_labels
                    else ("`labels=` gets the model's output")
                )
                fixed = call.with_changes(
                    args=[
                        a.with_changes(value=logits_arg.value)
                        if a is labels_arg
                        else a.with_changes(value=labels_arg.value)
                        if a is logits_arg
                        else a
                        for a in call.args
                    ]
                )
                yield Finding(
                    call,
                    f"`{short}`: {what}; `labels=` and `logits=` are swapped",
                    fix=FixSpec(
                        Applicability.UNSAFE,
                        "swap `labels=` and `logits=`",
                        (NodeEdit(call, fixed),),
                    ),
                )
                continue
            index_origin: cst.CSTNode | None = None
            if (
                isinstance(fact.labels, K.Labels)
                and fact.labels.encoding == "int"
                and not fact.labels.predicted
            ):
                index_origin = fact.labels.origin
            elif isinstance(labels_kind, Tensor) and labels_kind.kind is Kind.CLASS_INDICES:
                index_origin = labels_kind.origin  # ``labels=tf.argmax(y, 1)``
            if fact.qualname in K.TF_DENSE_CE and index_origin is not None:
                func = call.func
                fix = None
                if isinstance(func, cst.Attribute):
                    fix = FixSpec(
                        Applicability.UNSAFE,
                        "use `sparse_softmax_cross_entropy_with_logits`",
                        (
                            NodeEdit(
                                func.attr, cst.Name("sparse_softmax_cross_entropy_with_logits")
                            ),
                        ),
                    )
                yield Finding(
                    call,
                    f"`{short}` expects one-hot (or probability) labels but `labels=` gets "
                    f"class indices (line {model.line_of(index_origin)}); use "
                    "`sparse_softmax_cross_entropy_with_logits`",
                    fix=fix,
                    related=(RelatedNode("the labels", index_origin),),
                )


def _arg_expr(call: cst.Call, index: int | None, name: str) -> cst.BaseExpression | None:
    from lossflint.analysis.calls import argument

    return argument(call, index, name)


def _keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None
