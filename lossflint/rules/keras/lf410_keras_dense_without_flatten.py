"""LF410 keras-dense-without-flatten."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.registry import Invalid, Rule
from lossflint.rules.keras.common import (
    NEEDS,
    TK,
    layer_evidence,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
                f"`Dense` on {what} ({layer_evidence(model, prev)}) acts on the last axis "
                "only: the model's output keeps the extra axes and does not match one label "
                "per sample; add `Flatten()` or a global pooling layer before it",
                related=(RelatedNode("the layer with extra axes", prev.node),),
            )
