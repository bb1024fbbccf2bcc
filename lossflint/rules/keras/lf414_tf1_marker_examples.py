"""LF414 examples of pre-2.0 TensorFlow code told by calls other than
``tf.placeholder``/``tf.Session`` (audit s108: tensorflow/models' inception
``slim/losses.py``, written with TF 0.x's ``tf.op_scope``/``tf.mul``, and
syntaxnet's graph builder with ``tf.train.MomentumOptimizer``), where a
positional ``(logits, labels)`` call raises; and TF2 code, where the same
positional call is ``(labels, logits)`` and stays silent, unless the arguments' names
say TF 1's old order (``(logits, y)``, darkflow, audit s126). A positional
call in the ``except`` branch of a ``try`` that makes the same call with
keywords runs only on TensorFlow before 1.0, where that order was the API
(improved_wgan_training, audit s166); the same call alone still counts.
Also here: an A3C entropy bonus (R12)."""

from __future__ import annotations

from lossflint.examples import Invalid

_FALLBACK = """
import tensorflow as tf

disc_fake = tf.placeholder(tf.float32, [None])
{before}    gen_cost = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(disc_fake, tf.ones_like(disc_fake))){marker}
"""

_TRY = """try:  # tf pre-1.0 (bottom) vs 1.0 (top)
    gen_cost = tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(logits=disc_fake, labels=tf.ones_like(disc_fake))
    )
except Exception as e:
"""

TF1_MARKER_INVALID = [
    Invalid(_FALLBACK.format(before="if True:\n", marker="  # error: LF414")),
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
    # TF 1's old order by the arguments' names, in a file with no other mark
    # of TF 1 (darkflow's loss builder, audit s126): TF 1 raises, TF 2 swaps
    Invalid(
        """
        import tensorflow as tf

        def loss(self, net_out):
            if self.meta["type"] == "softmax":
                loss = tf.nn.softmax_cross_entropy_with_logits(logits, y)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
                self.loss = tf.reduce_mean(loss)
        """,
        fixed="""
        import tensorflow as tf

        def loss(self, net_out):
            if self.meta["type"] == "softmax":
                loss = tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
                self.loss = tf.reduce_mean(loss)
        """,
    ),
    Invalid(
        """
        import tensorflow as tf

        def loss(net_out, labels):
            return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(net_out, labels))  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
        """
    ),
    # one argument: the labels are missing (echowei/DeepTraffic, audit s195)
    Invalid(
        """
        import tensorflow as tf
        x = tf.placeholder("float", [None, 784])
        w = tf.Variable(tf.zeros([784, 10]))
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(tf.matmul(x, w)))  # error: LF414 at `tf.nn.softmax`
        """
    ),
]

TF1_MARKER_VALID = [
    _FALLBACK.format(before=_TRY, marker=""),
    # an A3C entropy bonus: the policy's own probabilities as labels (R12)
    """
    import tensorflow as tf
    from tensorflow import keras

    class ActorCritic(keras.Model):
        def __init__(self, n):
            super().__init__()
            self.policy_logits = keras.layers.Dense(n)
            self.values = keras.layers.Dense(1)

        def call(self, x):
            return self.policy_logits(x), self.values(x)

    def loss(model, states):
        logits, values = model(states)
        policy = tf.nn.softmax(logits)
        return tf.nn.softmax_cross_entropy_with_logits(labels=policy, logits=logits)
    """,
    # TF2: the positional order is (labels, logits), and it is followed
    """
    import tensorflow as tf

    def loss_fn(one_hot_labels, logits):
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(one_hot_labels, logits))

    opt = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    """,
    # TF2's order, the arguments named for it
    """
    import tensorflow as tf

    def loss(labels, logits, y_onehot, scores, target, output):
        a = tf.nn.softmax_cross_entropy_with_logits(labels, logits)
        b = tf.nn.softmax_cross_entropy_with_logits(y_onehot, scores)
        return a + b + tf.nn.sigmoid_cross_entropy_with_logits(target, output)
    """,
    # TF2: positional (labels, logits) is the documented order
    """
    import tensorflow as tf
    def step(y, logits):
        return tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits)
    """,
    # sparse version with index labels
    """
    import tensorflow as tf
    y = tf.placeholder(tf.int64, [None])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    """,
    # soft labels from a teacher (distillation)
    """
    import tensorflow as tf
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=tf.nn.softmax(teacher / T), logits=student / T)
    """,
    # one-hot int placeholder of rank 2 in the dense version
    """
    import tensorflow as tf
    y = tf.placeholder(tf.int32, [None, 10])
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
    """,
    # TF2: the labels positionally, the logits by keyword
    """
    import tensorflow as tf
    def loss_fn(y, scores):
        return tf.nn.softmax_cross_entropy_with_logits(y, logits=scores)
    """,
]

# TF 2 code reaching for one v1 class by its ``compat.v1`` path
# (tensorflow/privacy's ``mnist_lr_tutorial.py``, audit s228): ``tf.nn`` is
# still TF 2's, where ``(labels, logits)`` is the positional order; under
# ``import tensorflow.compat.v1 as tf`` the call is v1's, which raises
_COMPAT = """
{imports}

GradientDescentOptimizer = tf.compat.v1.train.GradientDescentOptimizer


def lr_model_fn(features, labels, nclasses):
    logits = tf.keras.layers.Dense(units=nclasses)(features["x"])
    vector_loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits){marker}
    optimizer = GradientDescentOptimizer(learning_rate=0.001)
    return optimizer.minimize(loss=tf.reduce_mean(vector_loss))
"""
TF1_MARKER_VALID.append(_COMPAT.format(imports="import tensorflow as tf", marker=""))
TF1_MARKER_INVALID.append(
    Invalid(
        _COMPAT.format(
            imports="import tensorflow.compat.v1 as tf",
            marker="  # error: LF414 at `tf.nn.sparse_softmax`",
        ).replace(
            "GradientDescentOptimizer = tf.compat.v1.train.", "GradientDescentOptimizer = tf.train."
        )
    )
)
# v1's functions through the alias, nothing else marking TF 1
TF1_MARKER_INVALID.append(
    Invalid(
        """
        import tensorflow.compat.v1 as tf

        def lr_model_fn(features, labels, nclasses):
            logits = tf.layers.dense(features["x"], nclasses)
            vector_loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)  # error: LF414 at `tf.nn.sparse_softmax`
            return tf.reduce_mean(vector_loss)
        """
    )
)
