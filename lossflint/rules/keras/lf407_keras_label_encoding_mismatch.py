"""LF407 keras-label-encoding-mismatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.registry import Invalid, Rule
from lossflint.rules.keras.common import (
    NEEDS,
    TK,
    loss_text,
    uses,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
        for use, head in uses(model):
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
                f"{loss_text(model, use)} but {problem} (line {model.line_of(labels.origin)}); "
                f"{advice}",
                related=(RelatedNode("the labels", labels.origin),),
            )
