"""Session-7 audit: LF307's toy-model count for Keras models (it knew only
torch). The expected numbers are Keras's own ``model.count_params()`` for the
same models (checked with keras 3.15)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lossflint.analysis import keras as K
from lossflint.analysis.keras_size import keras_parameter_count
from lossflint.analysis.model import SemanticModel
from lossflint.analysis.trained_models import trained_models

MODELS = {
    "rnn": ("[Input((10, 1)), SimpleRNN(5), Dense(1)]", 41),
    "dense": ("[Dense(5, activation='relu', input_shape=(10,)), Dense(1)]", 61),
    "input_dim": ("[Dense(5, input_dim=10), Activation('relu'), Dense(1)]", 61),
    "lstm_gru": ("[Input((7, 3)), LSTM(4, return_sequences=True), GRU(2), Dense(1)]", 179),
    "bidirectional": ("[Input((7, 3)), Bidirectional(LSTM(4)), Dense(1)]", 265),
    "embedding": (
        "[Input((12,)), Embedding(50, 8), GlobalAveragePooling1D(),"
        " Dense(1, activation='sigmoid')]",
        409,
    ),
    "conv2d": (
        "[Input((28, 28, 1)), Conv2D(4, 3, activation='relu'), MaxPooling2D(),"
        " Conv2D(8, (3, 3), strides=2, padding='same'), Flatten(), Dense(2)]",
        1122,
    ),
    "conv1d": (
        "[Input((20, 2)), Conv1D(3, 5, use_bias=False), BatchNormalization(), Flatten(), Dense(1)]",
        91,
    ),
    # unknown: no input shape, a size from a parameter, a layer not counted
    "no_input": ("[Dense(5), Dense(1)]", None),
    "unknown_size": ("[Input((10,)), Dense(n), Dense(1)]", None),
    "unknown_layer": ("[Input((10, 4)), MultiHeadAttention(2, 4), Dense(1)]", None),
}

HEADER = """
from keras import Input, Sequential
from keras.layers import *
"""


def _count(layers: str) -> int | None:
    source = (
        textwrap.dedent(HEADER) + f"def build(n):\n    return 0\nmodel = Sequential({layers})\n"
    )
    model = SemanticModel(cst.parse_module(source))
    facts = K.keras_facts(model)
    kmodel = next(v for v in facts.values.values() if isinstance(v, K.KModel))
    tm = trained_models(model)
    return keras_parameter_count(kmodel, lambda e: tm._int(e, None))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_count_matches_keras(name: str) -> None:
    layers, expected = MODELS[name]
    assert _count(layers) == expected
