"""LF404 keras-categorical-on-single-unit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, Severity
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
        for use, head in uses(model):
            if use.loss.name in K.CATEGORICAL_LOSSES and head.units == 1 and head.dense:
                yield Finding(
                    use.report,
                    f"{loss_text(model, use)} on a one-unit output "
                    f"({layer_evidence(model, head.dense)}): the loss is constant and nothing "
                    "trains; use `binary_crossentropy` with a sigmoid output",
                    related=output_related(head),
                )
