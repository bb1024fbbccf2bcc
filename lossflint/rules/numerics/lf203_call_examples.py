"""LF203 examples of a hand-written cross-entropy whose products are written
as calls (``tf.multiply``, ``torch.mul``); kept apart so the rule's example
modules stay small."""

from __future__ import annotations

from lossflint.examples import Invalid

CALL_INVALID = [
    # the products written with tf.multiply (Machine-Learning-Using-
    # TensorFlow-Cookbook, audit R49)
    Invalid(
        """
        import tensorflow as tf

        def xentropy(y_true, y_pred):
            return - tf.multiply(y_true, tf.math.log(y_pred)) - tf.multiply((1. - y_true), tf.math.log(1. - y_pred))  # error: LF203

        def train_step(model, x, y, opt):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(xentropy(y, model(x)))
            opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        """
    ),
]
