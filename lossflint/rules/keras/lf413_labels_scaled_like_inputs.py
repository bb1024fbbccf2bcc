"""LF413 labels-scaled-like-inputs."""

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
    loss_text,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
                f"{loss_text(model, use)}: they become fractions, not classes; scale only "
                "the inputs",
                related=(RelatedNode("the loss", use.report),),
            )
