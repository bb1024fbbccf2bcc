"""LF307 decisions that need a file name: unit tests and notebooks (the rule
examples are all linted as ``example.py``)."""

from __future__ import annotations

import json

import pytest

from lossflint.analysis.test_files import is_test_path
from lossflint.linter import RuleSet, lint_text
from lossflint.notebook import lint_notebook

HIGH = (
    "import torch\nimport torch.nn as nn\n"
    "net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))\n"
    "opt = torch.optim.SGD(net.parameters(), lr=1)\n"
)


def findings(text: str, filename: str) -> list[tuple[int, int, str]]:
    result = lint_text(text, filename, RuleSet(["LF307"]), [])
    return [(d.location.row, d.location.column, d.message) for d in result.diagnostics]


def test_points_at_the_lr_argument_with_a_message_that_does_not_repeat_itself() -> None:
    assert findings(HIGH, "train.py") == [
        (
            4,
            41,
            "SGD learning rate 1.0 is at or above 1.0: the loss usually explodes to NaN; "
            "usual values are 0.01 to 0.5",
        )
    ]


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_trainer.py",
        "pkg/tests/helpers.py",
        "test/optim.py",
        "test_sgd.py",
        "src/sgd_test.py",
        "conftest.py",
    ],
)
def test_unit_tests_are_exempt(path: str) -> None:
    assert is_test_path(path)
    as_test = "import pytest\n\n\ndef test_step():\n" + "".join(
        f"    {line}\n" for line in HIGH.splitlines()
    )
    assert findings(as_test, path) == []


def test_a_test_case_class_makes_a_test_file() -> None:
    """tensorflow/recommenders' ``tpu_embedding_layer_test.py``: test methods of a
    ``...Test(tf.test.TestCase)`` class, no module-level test function."""
    body = "".join(f"        {line}\n" for line in HIGH.splitlines())
    text = f"class LayerTest(tf.test.TestCase):\n    def test_step(self):\n{body}"
    assert findings(text, "layer_test.py") == []


@pytest.mark.parametrize("path", ["tests/test_trainer.py", "test/optim.py", "conftest.py"])
def test_files_in_tests_folders_are_tests_whatever_they_hold(path: str) -> None:
    assert findings(HIGH, path) == []


@pytest.mark.parametrize("path", ["music_test.py", "poly_music/music_test.py", "test_sgd.py"])
def test_a_script_named_like_a_test_is_no_test(path: str) -> None:
    """locuslab/TCN names its training scripts ``*_test.py`` (audit s122):
    no test function, class or framework, no exemption."""
    assert is_test_path(path)
    assert len(findings(HIGH, path)) == 1


@pytest.mark.parametrize("path", ["train.py", "latest/train.py", "contest.py", "testing.py"])
def test_other_files_are_not_tests(path: str) -> None:
    assert not is_test_path(path)


def notebook(*sources: str) -> bytes:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


KERAS_MODEL = (
    "model = keras.Sequential([layers.Dense(512, activation='relu'), "
    "layers.Dense(10, activation='softmax')])\n"
)


def lint_nb(data: bytes) -> list[tuple[int | None, int, str]]:
    result = lint_notebook(data, "lesson.ipynb", RuleSet(["LF307"]), [])
    return [(d.cell, d.location.row, d.code) for d in result.diagnostics]


def test_notebook_showing_a_high_and_a_normal_rate_is_silent() -> None:
    # Deep Learning with Python, chapter 5: "training with an incorrectly high learning rate"
    data = notebook(
        "import keras\nfrom keras import layers",
        KERAS_MODEL + "model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1.0), "
        "loss='sparse_categorical_crossentropy')",
        KERAS_MODEL + "model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-2), "
        "loss='sparse_categorical_crossentropy')",
    )
    assert lint_nb(data) == []


def test_notebook_with_only_a_high_rate_is_reported() -> None:
    data = notebook(
        "import keras\nfrom keras import layers",
        KERAS_MODEL + "model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1.0), "
        "loss='sparse_categorical_crossentropy')",
    )
    assert lint_nb(data) == [(2, 2, "LF307")]


def test_script_with_a_high_and_a_normal_rate_is_reported() -> None:
    # outside a notebook two optimisers are two models (a GAN's G and D), not a lesson
    text = HIGH + "opt_d = torch.optim.SGD(net.parameters(), lr=0.01)\n"
    assert [row for row, _, _ in findings(text, "gan.py")] == [4]


LIT = """import torch


class Lit(torch.nn.Module):
    def __init__(self, lr: float = 0.3) -> None:
        super().__init__()
        {assign}
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)
{extra}"""


@pytest.mark.parametrize(
    ("assign", "extra", "rows"),
    [
        ("self.lr = 0.3", "", [11]),  # one literal assignment in the class
        ("self.lr = lr", "", []),  # a parameter: the caller may pass another rate
        ("self.lr = 0.3", "model = Lit()\nmodel.lr = 1e-3\n", []),  # changed from outside
        ("self.lr = 0.3\n        self.lr *= 0.01", "", []),  # changed again
    ],
)
def test_a_rate_held_by_self(assign: str, extra: str, rows: list[int]) -> None:
    text = LIT.format(assign=assign, extra=extra)
    assert [row for row, _, _ in findings(text, "lit.py")] == rows
