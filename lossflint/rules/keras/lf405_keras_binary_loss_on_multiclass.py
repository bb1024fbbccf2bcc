"""LF405 keras-binary-loss-on-multiclass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, Severity
from lossflint.registry import Invalid, Rule
from lossflint.rules.keras.common import (
    NEEDS,
    TK,
    layer_evidence,
    loss_text,
    output_related,
    uses,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
        for use, head in uses(model):
            if (
                use.loss.name in K.BINARY_LOSSES
                and head.activation == "softmax"
                and head.units is not None
                and head.units > 2
                and head.dense is not None
            ):
                yield Finding(
                    use.report,
                    f"{loss_text(model, use)} on a softmax over {head.units} classes "
                    f"({layer_evidence(model, head.dense)}): each class is scored as an "
                    "independent binary problem; use `categorical_crossentropy`",
                    related=output_related(head),
                )
