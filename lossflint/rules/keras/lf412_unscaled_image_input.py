"""LF412 unscaled-image-input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.registry import Invalid, Rule
from lossflint.rules.keras.common import (
    NEEDS,
    TK,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
