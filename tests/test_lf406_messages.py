"""LF406's reason follows the evidence: a sigmoid head of unknown width
scored with accuracy is a classifier (ijcnn19ensemble's Time-CNN, audit
s192), unless the model is fitted to reproduce its input, where the accuracy
of a reconstruction is what is wrong (an autoencoder's ``Dense(input_dim,
activation="sigmoid")`` decoder)."""

from __future__ import annotations

from lossflint.api import lint_source

_MODEL = """
import keras


def build(input_dim, width):
    inputs = keras.layers.Input((input_dim,))
    code = keras.layers.Dense(32, activation="relu")(inputs)
    outputs = keras.layers.Dense(width, activation="sigmoid")(code)
    model = keras.models.Model(inputs, outputs)
    model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
    return model


def train(x, y, input_dim, nb_classes):
    model = build(input_dim, {width})
    model.fit(x, {target}, epochs=10)
"""


def _message(width: str, target: str) -> str:
    source = _MODEL.format(width=width, target=target)
    (found,) = [d for d in lint_source(source, "train.py") if d.code == "LF406"]
    return found.message


def test_a_classifier_of_unknown_width() -> None:
    assert "a classifier" in _message("nb_classes", "y")


def test_an_autoencoder_of_unknown_width() -> None:
    message = _message("input_dim", "x")
    assert "reproduce its input" in message
    assert "a classifier" not in message
