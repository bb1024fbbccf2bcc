"""LF403 keras-single-unit-softmax."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, RelatedNode, Severity
from lossflint.registry import Invalid, Rule
from lossflint.rules.keras.common import (
    KL,
    NEEDS,
    TK,
    layer_evidence,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
        for site in model.calls_to(apis.KERAS_DENSE):
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
                        f"softmax after a one-unit layer ({layer_evidence(model, prev)}) "
                        'always outputs 1.0; use `Activation("sigmoid")` for a binary output',
                        related=(RelatedNode("the one-unit layer", prev.node),),
                    )
