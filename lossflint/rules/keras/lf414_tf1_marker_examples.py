"""LF414 examples of pre-2.0 TensorFlow code told by calls other than
``tf.placeholder``/``tf.Session`` (audit s108: tensorflow/models' inception
``slim/losses.py``, written with TF 0.x's ``tf.op_scope``/``tf.mul``, and
syntaxnet's graph builder with ``tf.train.MomentumOptimizer``), where a
positional ``(logits, labels)`` call raises; and TF2 code, where the same
positional call is ``(labels, logits)`` and stays silent."""

from __future__ import annotations

from lossflint.examples import Invalid

TF1_MARKER_INVALID = [
    Invalid(
        """
        import tensorflow as tf

        def cross_entropy_loss(logits, one_hot_labels, weight=1.0, scope=None):
            with tf.op_scope([logits, one_hot_labels], scope, "CrossEntropyLoss"):
                xent = tf.nn.softmax_cross_entropy_with_logits(logits, one_hot_labels, name="xentropy")  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
                loss = tf.mul(weight, tf.reduce_mean(xent), name="value")
                tf.add_to_collection("_losses", loss)
                return loss
        """,
        fixed="""
        import tensorflow as tf

        def cross_entropy_loss(logits, one_hot_labels, weight=1.0, scope=None):
            with tf.op_scope([logits, one_hot_labels], scope, "CrossEntropyLoss"):
                xent = tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=one_hot_labels, name="xentropy")  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
                loss = tf.mul(weight, tf.reduce_mean(xent), name="value")
                tf.add_to_collection("_losses", loss)
                return loss
        """,
    ),
    Invalid(
        """
        import tensorflow as tf

        def build_training(logits, gold, learning_rate):
            def _loss(scores, labels):
                return tf.nn.softmax_cross_entropy_with_logits(scores, labels)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
            cost = tf.reduce_mean(_loss(logits, gold))
            return tf.train.MomentumOptimizer(learning_rate, 0.9).minimize(cost)
        """,
    ),
]

TF1_MARKER_VALID = [
    # TF2: the positional order is (labels, logits), and it is followed
    """
    import tensorflow as tf

    def loss_fn(one_hot_labels, logits):
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(one_hot_labels, logits))

    opt = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    """,
]
