"""LF504 on Keras's accuracy under a logits loss, the model built by a
factory of another module (tensorflow/tensorflow#41413): the head crosses
files with the model's summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

MODEL = """
import tensorflow as tf


def build(units):
    inputs = tf.keras.Input((8,))
    return tf.keras.Model(inputs, tf.keras.layers.Dense(units)(inputs))
"""

TRAIN = """
import tensorflow as tf
from model import build

model = build({units})
model.compile(
    optimizer="adam",
    loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[{metric}],
)
model.fit(x, y)
"""


def _lf504(root: Path, units: int, metric: str) -> list[tuple[str, int, str]]:
    files = {"model.py": MODEL, "train.py": TRAIN.format(units=units, metric=metric)}
    return [f for f in project_findings(root, files) if f[2] == "LF504"]


def test_accuracy_of_a_one_unit_head_built_elsewhere_is_reported(tmp_path: Path) -> None:
    assert _lf504(tmp_path, 1, '"accuracy"') == [("train.py", 9, "LF504")]


@pytest.mark.parametrize(
    ("units", "metric"),
    [
        (1, "tf.keras.metrics.BinaryAccuracy(threshold=0.0)"),  # the fix
        (5, '"accuracy"'),  # Keras 3: categorical accuracy by the shape
        (1, '"AUC"'),
    ],
)
def test_other_metrics_or_heads_are_not(tmp_path: Path, units: int, metric: str) -> None:
    assert _lf504(tmp_path, units, metric) == []
