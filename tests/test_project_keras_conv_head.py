"""A Keras model of another module whose output is a ``Conv2D`` head, handed
to a TensorFlow loss helper: the head's layer is known from that module's
summary, with no call of this file behind it (held-out H18 p11 raised
``AttributeError`` in LF103/LF414 there)."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_MODEL = """
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


class ChangeNet(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.body = layers.Conv2D(8, 3, padding="same", activation="relu")
        self.change_head = layers.Conv2D(1, 1)

    def call(self, inputs, training=False):
        return self.change_head(self.body(inputs))
"""

_LOSSES = """
import tensorflow as tf


def boundary_weighted_bce(y_true, logits):
    per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(logits, y_true)
    return tf.reduce_mean(per_pixel)
"""

_TRAIN = """
import tensorflow as tf

from losses import boundary_weighted_bce
from model import ChangeNet

model = ChangeNet()
optimizer = tf.keras.optimizers.Adam(1e-3)
for images, change in dataset:
    with tf.GradientTape() as tape:
        logits = model(images, training=True)
        loss = boundary_weighted_bce(change, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""


def test_conv_head_of_another_module_reaches_the_loss_helper(tmp_path: Path) -> None:
    found = project_findings(
        tmp_path, {"model.py": _MODEL, "losses.py": _LOSSES, "train.py": _TRAIN}
    )
    assert ("losses.py", 6, "LF414") in found
