"""LF401 keras-from-logits-on-probabilities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import keras as K
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.registry import Invalid, Rule
from lossflint.rules.keras.common import (
    KL,
    NEEDS,
    TK,
    layer_evidence,
    loss_text,
    output_related,
    uses,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
        for use, head in uses(model):
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
                f"{loss_text(model, use)} has `from_logits=True` but the model already ends in "
                f"{head.activation} ({layer_evidence(model, head.activation_layer)}): the "
                "activation is applied twice; use `from_logits=False` or drop the activation",
                fix=fix,
                related=output_related(head),
            )
