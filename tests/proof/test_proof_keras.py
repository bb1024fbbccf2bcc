"""The Keras patterns of LF402-LF411 fail for real (Keras 3 on the torch
backend, CPU), and their corrected versions do not; LF501/LF504 with torch.

Each case is one source text: lossflint must flag it (and stay silent on the
fix), and running it must show the failure the rule promises.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import pytest

from lossflint.linter import RuleSet, lint_text
from tests.proof.conftest import require

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported
np = require("numpy")
torch = require("torch")
keras = require("keras")

pytestmark = pytest.mark.filterwarnings("ignore")


def codes(source: str, code: str) -> list[tuple[int, int]]:
    result = lint_text(source, "proof.py", RuleSet([code]), [])
    assert not result.errors, result.errors
    return [(d.location.row, d.location.column) for d in result.diagnostics if d.code == code]


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(source, "proof.py", "exec"), namespace)
    return namespace


HEAD = "import numpy as np\nimport keras\nfrom keras import layers\n"


@pytest.fixture(autouse=True)
def _seed() -> None:
    keras.utils.set_random_seed(0)


def test_lf402_linear_output_under_probability_loss_gets_no_gradient() -> None:
    buggy = HEAD + (
        "model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])\n"
        "model.compile(optimizer='sgd', loss='binary_crossentropy')\n"
    )
    fixed = buggy.replace(
        "loss='binary_crossentropy'", "loss=keras.losses.BinaryCrossentropy(from_logits=True)"
    )
    assert codes(buggy, "LF402") == [(5, 32)]
    assert codes(fixed, "LF402") == []

    def train(source: str) -> tuple[list[float], bool]:
        model = run(source)["model"]
        # negative scores for positive labels: Keras clips them to eps
        model.layers[0].set_weights([-np.ones((4, 1)), np.zeros(1)])
        before = [w.copy() for w in model.get_weights()]
        hist = model.fit(np.ones((8, 4)), np.ones(8), epochs=2, verbose=0)
        moved = not all(np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
        return hist.history["loss"], moved

    losses, moved = train(buggy)
    assert losses[0] == pytest.approx(losses[1]) and losses[0] > 15  # -log(eps), stuck
    assert not moved  # zero gradient through the clip
    losses, moved = train(fixed)
    assert moved and losses[1] < losses[0]


def test_lf403_single_unit_softmax_outputs_constant_one() -> None:
    buggy = HEAD + (
        "model = keras.Sequential([keras.Input(shape=(4,)),"
        " layers.Dense(1, activation='softmax')])\n"
    )
    fixed = buggy.replace("'softmax'", "'sigmoid'")
    assert codes(buggy, "LF403") == [(4, 52)]
    assert codes(fixed, "LF403") == []
    x = np.random.default_rng(0).normal(size=(16, 4))
    out = run(buggy)["model"].predict(x, verbose=0)
    assert np.all(out == 1.0)
    out = run(fixed)["model"].predict(x, verbose=0)
    assert out.std() > 0


def test_lf404_categorical_loss_on_one_unit_is_identically_zero() -> None:
    buggy = HEAD + (
        "model = keras.Sequential([keras.Input(shape=(4,)),"
        " layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(optimizer='sgd', loss='categorical_crossentropy')\n"
    )
    fixed = buggy.replace("categorical_crossentropy", "binary_crossentropy")
    assert codes(buggy, "LF404") == [(5, 32)]
    assert codes(fixed, "LF404") == []
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)), rng.integers(0, 2, 16).astype("float32")
    hist = run(buggy)["model"].fit(x, y, epochs=2, verbose=0)
    assert max(hist.history["loss"]) < 1e-6
    hist = run(fixed)["model"].fit(x, y, epochs=2, verbose=0)
    assert min(hist.history["loss"]) > 0.1


def test_lf408_lstm_with_rank_one_input_shape_fails_to_build() -> None:
    buggy = HEAD + (
        "model = keras.Sequential([layers.LSTM(4, input_shape=(10,)), layers.Dense(1)])\n"
        "out = model.predict(np.zeros((2, 10)), verbose=0)\n"
    )
    fixed = buggy.replace("input_shape=(10,)", "input_shape=(10, 1)").replace(
        "np.zeros((2, 10))", "np.zeros((2, 10, 1))"
    )
    assert codes(buggy, "LF408") == [(4, 27)]
    assert codes(fixed, "LF408") == []
    with pytest.raises(ValueError, match="expected ndim=3"):
        run(buggy)
    assert run(fixed)["out"].shape == (2, 1)


def test_lf410_dense_on_feature_maps_fails_at_fit() -> None:
    buggy = HEAD + (
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(8, 8, 1)),\n"
        "    layers.Conv2D(2, 3, activation='relu'),\n"
        "    layers.MaxPooling2D(),\n"
        "    layers.Dense(3, activation='softmax'),\n"
        "])\n"
        "model.compile(optimizer='sgd', loss='categorical_crossentropy')\n"
        "x = np.zeros((4, 8, 8, 1))\ny = np.eye(3)[[0, 1, 2, 0]]\n"
        "model.fit(x, y, epochs=1, verbose=0)\n"
    )
    fixed = buggy.replace("    layers.Dense(3", "    layers.Flatten(),\n    layers.Dense(3")
    assert codes(buggy, "LF410") == [(8, 5)]
    assert codes(fixed, "LF410") == []
    with pytest.raises(ValueError, match="same shape"):
        run(buggy)
    assert run(fixed)["model"].output_shape == (None, 3)


def test_lf411_batch_in_input_shape_fails_and_channels_first_convolves_wrong_axes() -> None:
    batch = HEAD + "model = keras.Sequential([layers.Conv2D(4, 3, input_shape=(8, 28, 28, 1))])\n"
    channels_first = HEAD + (
        "model = keras.Sequential([layers.Conv2D(4, 3, input_shape=(3, 32, 32))])\n"
    )
    fixed = HEAD + "model = keras.Sequential([layers.Conv2D(4, 3, input_shape=(32, 32, 3))])\n"
    assert codes(batch, "LF411") == [(4, 27)]
    assert codes(channels_first, "LF411") == [(4, 27)]
    assert codes(fixed, "LF411") == []
    with pytest.raises(ValueError):
        run(batch)
    # the 3 colour channels are read as image rows: one output row of 30 columns
    assert run(channels_first)["model"].output_shape == (None, 1, 30, 4)
    assert run(fixed)["model"].output_shape == (None, 30, 30, 4)


def test_lf501_accuracy_on_probabilities_is_zero_for_a_perfect_model() -> None:
    buggy = (
        "import torch\n"
        "y = torch.tensor([0.0, 1.0, 1.0, 0.0])\n"
        "logits = (2 * y - 1) * 10  # a perfect binary classifier\n"
        "probs = torch.sigmoid(logits)\n"
        "acc = (probs == y).float().mean()\n"
    )
    fixed = buggy.replace("(probs == y)", "((probs > 0.5).float() == y)")
    assert codes(buggy, "LF501") == [(5, 8)]
    assert codes(fixed, "LF501") == []
    assert run(buggy)["acc"].item() == 0.0
    assert run(fixed)["acc"].item() == 1.0


def test_lf504_threshold_at_half_on_logits_flips_decisions() -> None:
    buggy = (
        "import torch\nimport torch.nn as nn\n"
        "torch.manual_seed(0)\n"
        "head = nn.Linear(2, 1)\n"
        "crit = nn.BCEWithLogitsLoss()\n"
        "with torch.no_grad():\n"
        "    head.weight.copy_(torch.tensor([[1.0, 0.0]]))\n"
        "    head.bias.zero_()\n"
        "x = torch.tensor([[0.3, 0.0], [-0.2, 0.0], [0.4, 0.0], [2.0, 0.0]])\n"
        "logits = head(x).squeeze(1)\n"
        "loss = crit(logits, torch.tensor([1.0, 0.0, 1.0, 1.0]))\n"
        "preds = (logits > 0.5).float()\n"
        "probs_say = (torch.sigmoid(logits) > 0.5).float()\n"
    )
    fixed = buggy.replace("(logits > 0.5)", "(logits > 0)")
    assert codes(buggy, "LF504") == [(12, 10)]
    assert codes(fixed, "LF504") == []
    ns = run(buggy)
    # 0.3 and 0.4 are positive by probability (0.57, 0.60) but not at 0.5 on logits
    assert ns["preds"].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert ns["probs_say"].tolist() == [1.0, 0.0, 1.0, 1.0]
    ns = run(fixed)
    assert ns["preds"].tolist() == ns["probs_say"].tolist()
