"""LF604 examples of a ``keras.Model`` subclass whose ``call`` returns several
outputs (held-out session 18 p11: a Siamese change detector returning its change
logits and its land-cover probabilities, trained in a ``tf.GradientTape`` step).
And a custom loss ``(y_true, y_pred)`` that slices both (kentaroy47's
frcnn-from-scratch-with-keras, audit R76: the RPN's ``y_true`` packs the
anchors' validity mask before the labels)."""

from __future__ import annotations

from lossflint.examples import Invalid

#: ``{call}``: the loss call in the tape; ``{unpack}``: how the step takes the outputs
_TWO_HEADS = """
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

class ChangeNet(keras.Model):
    def __init__(self, n_lc=6):
        super().__init__()
        self.body = layers.Conv2D(32, 3, padding="same", activation="relu")
        self.change_head = layers.Conv2D(1, 1)
        self.lc_head = layers.Conv2D(n_lc, 1)

    def call(self, inputs, training=False):
        t1, t2 = inputs
        d = self.body(tf.abs(t1 - t2))
        return self.change_head(d), tf.nn.softmax(self.lc_head(self.body(t2)), axis=-1)

model = ChangeNet()
optimizer = keras.optimizers.Adam(1e-3)
bce = keras.losses.BinaryCrossentropy(from_logits=True)

@tf.function
def train_step(t1, t2, change):
    with tf.GradientTape() as tape:
        {unpack}
        loss = {call}
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss

def fit(train_ds, epochs):
    for _ in range(epochs):
        for t1, t2, change in train_ds:
            train_step(t1, t2, change)
"""

_RPN_LOSS = """
from keras import backend as K


def rpn_loss_cls(num_anchors, epsilon=1e-4):
    def rpn_loss_cls_fixed_num(y_true, y_pred):
        valid = y_true[:, :, :, :num_anchors]
        bce = K.binary_crossentropy({args}){marker}
        return K.sum(valid * bce) / K.sum(epsilon + valid)
    return rpn_loss_cls_fixed_num
"""

SUBCLASS_INVALID = [
    Invalid(
        _RPN_LOSS.format(
            args="y_pred[:, :, :, :], y_true[:, :, :, num_anchors:]",
            marker="  # error: LF604 at `K.binary`",
        )
    ),
    # the first output unpacked from the model's tuple, passed as ``y_true``
    Invalid(
        _TWO_HEADS.format(
            unpack="change_logits, lc_prob = model((t1, t2), training=True)",
            call="bce(change_logits, change)  # error: LF604 at `bce(change_logits, change)`",
        )
    ),
    # ... or taken by index
    Invalid(
        _TWO_HEADS.format(
            unpack="outputs = model((t1, t2), training=True)",
            call="bce(outputs[0], change)  # error: LF604 at `bce(outputs[0], change)`",
        )
    ),
]

SUBCLASS_VALID = [
    _RPN_LOSS.format(args="y_true[:, :, :, num_anchors:], y_pred", marker=""),
    # Keras's order
    _TWO_HEADS.format(
        unpack="change_logits, lc_prob = model((t1, t2), training=True)",
        call="bce(change, change_logits)",
    ),
    # the whole tuple is no one output: silent
    _TWO_HEADS.format(
        unpack="outputs = model((t1, t2), training=True)",
        call="bce(outputs, change)",
    ),
    # a consistency term between the model's two passes: no batch item involved
    _TWO_HEADS.format(
        unpack="a, _ = model((t1, t2)); b, _ = model((t2, t1))",
        call="bce(tf.sigmoid(a), b)",
    ),
]
