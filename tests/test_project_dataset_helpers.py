"""A ``tf.data`` dataset built by another module's helper from its parameters
(``def to_dataset(x, y): return from_tensor_slices((x, y)).batch(n)`` in
data.py, held-out H16 p09): each call is the dataset of what it passes, so
the labels and images a ``fit`` gets through it are read (LF407, LF412)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

DATA = """\
import tensorflow as tf


def to_dataset(x, y, batch_size=128, shuffle=False):
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(20000, seed=0)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def to_onehot_dataset(x, y):
    return tf.data.Dataset.from_tensor_slices((x, tf.one_hot(y, 10))).batch(32)
"""

TRAIN = """\
from tensorflow import keras
from data import to_dataset, to_onehot_dataset

(x_train, y_train), _ = keras.datasets.mnist.load_data()
y_train_oh = keras.utils.to_categorical(y_train, 10)
model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="{loss}")
model.fit({dataset}, epochs=4)
"""


def lint(root: Path, files: dict[str, str], select: list[str]) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=select)
    return sorted((Path(d.filename).name, d.location.row, d.code) for d in found)


@pytest.mark.parametrize(
    "dataset",
    [
        "to_dataset(x_train / 255.0, y_train_oh)",
        "to_dataset(x_train / 255.0, y_train_oh, shuffle=True)",
        "to_dataset(y=y_train_oh, x=x_train / 255.0)",
    ],
)
def test_one_hot_labels_through_the_helper(tmp_path: Path, dataset: str) -> None:
    train = TRAIN.format(loss="sparse_categorical_crossentropy", dataset=dataset)
    assert lint(tmp_path, {"data.py": DATA, "train.py": train}, ["LF407"]) == [
        ("train.py", 7, "LF407")
    ]


def test_raw_images_through_the_helper(tmp_path: Path) -> None:
    train = TRAIN.format(loss="categorical_crossentropy", dataset="to_dataset(x_train, y_train_oh)")
    assert lint(tmp_path, {"data.py": DATA, "train.py": train}, ["LF412"]) == [
        ("train.py", 8, "LF412")
    ]


@pytest.mark.parametrize(
    ("loss", "dataset"),
    [
        ("sparse_categorical_crossentropy", "to_dataset(x_train / 255.0, y_train)"),
        ("categorical_crossentropy", "to_dataset(x_train / 255.0, y_train_oh)"),
        # the helper one-hots the labels itself: the sparse loss's own problem,
        # not the caller's integer labels
        ("categorical_crossentropy", "to_onehot_dataset(x_train / 255.0, y_train)"),
    ],
)
def test_matching_labels_and_scaled_images_are_silent(
    tmp_path: Path, loss: str, dataset: str
) -> None:
    train = TRAIN.format(loss=loss, dataset=dataset)
    assert lint(tmp_path, {"data.py": DATA, "train.py": train}, ["LF407", "LF412"]) == []


def test_the_cached_summary_keeps_the_parameters(tmp_path: Path) -> None:
    """The second run reads data.py's summary from the cache folder."""
    dataset = "to_dataset(x_train / 255.0, y_train_oh)"
    train = TRAIN.format(loss="sparse_categorical_crossentropy", dataset=dataset)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "data.py").write_text(DATA)
    (tmp_path / "train.py").write_text(train)
    command = [sys.executable, "-m", "lossflint", "check", "--cache-dir", str(tmp_path / "c"), "-q"]
    command += ["--select", "LF407", str(tmp_path / "train.py")]
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    (tmp_path / "train.py").write_text(train + "\n")  # train.py's result is not reused
    second = subprocess.run(command, capture_output=True, text=True, check=False)
    assert first.returncode == second.returncode == 1, second.stderr
    assert ":7:" in first.stdout and ":7:" in second.stdout
    assert any((tmp_path / "c").rglob("*.json"))
