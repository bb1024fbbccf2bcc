"""LF604 examples found by the held-out measurements (session 10)."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a metric object of a Keras model, updated in its ``test_step``
_TEST_STEP = """
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

class Clf(keras.Model):
    def __init__(self):
        super().__init__()
        self.out = layers.Dense(10, activation="softmax")
        self.val_acc = keras.metrics.SparseCategoricalAccuracy()

    def call(self, x, training=False):
        return self.out(x)

    def test_step(self, data):
        x, y = data
        probs = self(x, training=False)
        self.val_acc.update_state({args}){marker}
        return {{"acc": self.val_acc.result()}}
"""

AUDIT_INVALID = [
    # the metric kept on the model, updated (y_pred, y_true) (H12 p11)
    Invalid(_TEST_STEP.format(args="probs, y", marker="  # error: LF604 at `self.val_acc`")),
]

AUDIT_VALID = [
    # ... in Keras's order
    _TEST_STEP.format(args="y, probs", marker=""),
]
