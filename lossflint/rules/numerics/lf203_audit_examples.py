"""LF203 examples from the real-code audit s17: a probability clamped by
conditional assignment (silent) next to twins that leave 0 possible, and a
hand-written sigmoid (a probability, not a ratio); kept apart so the rule
module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_INVALID = [
    # a hand-written sigmoid is still a probability (tensorchiefs' dl_course
    # logistic regression of the Challenger data, TF1)
    Invalid(
        """
        import tensorflow as tf

        def loss_fn(x, y, w, b):
            p = 1 / (1 + tf.exp(-x * w - b))
            return -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))  # error: LF203 at `-tf.reduce_mean(`
        """
    ),
    # ... and the log-likelihood named first, negated where it reaches
    Invalid(
        """
        import tensorflow as tf

        x = tf.placeholder("float32", [N], name="x_data")
        y = tf.placeholder("float32", [N], name="y_data")
        w = tf.Variable(-1.0, name="w")
        b = tf.Variable(65.0, name="b")
        p_1 = 1 / (1 + tf.exp(-x * w - b))
        like = y * tf.log(p_1) + (1 - y) * tf.log(1 - p_1)  # error: LF203 at `y * tf.log(`
        loss = -tf.reduce_mean(like)
        train_op = tf.train.GradientDescentOptimizer(0.001).minimize(loss)
        """
    ),
    Invalid(
        """
        import torch

        def bce(z, t):
            q = 1.0 / (torch.exp(-z) + 1.0)
            return -(t * torch.log(q) + (1 - t) * torch.log(1 - q)).mean()  # error: LF203 at `-(t`
        """
    ),
    # conditional assignments that do not keep p above 0: a bound of 0 (p = 0
    # stays), only the upper clamp, a mask that writes 0, a test of another array
    Invalid(
        """
        import numpy as np

        def bce(p, y, eps=1e-7):
            if p < 0:
                p = eps
            if p > 1 - eps:
                p = 1 - eps
            return -(y * np.log(p) + (1 - y) * np.log(1 - p))  # error: LF203 at `-(y`
        """
    ),
    Invalid(
        """
        import numpy as np

        def bce(p, y, eps=1e-7):
            p[p < eps] = 0
            return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  # error: LF203 at `-np.mean(`
        """
    ),
    Invalid(
        """
        import numpy as np

        def bce(p, q, y, eps=1e-7):
            if q[0] < eps:
                q[0] = eps
            return -(y * np.log(p) + (1 - y) * np.log(1 - p))  # error: LF203 at `-(y`
        """
    ),
]

AUDIT_VALID = [
    # the only element of a (1, 1) array clamped to [1e-7, 1 - 1e-7] by
    # conditional assignment (Hands-On GANs with PyTorch, Chapter01/simple_gan.py)
    """
    import numpy as np

    class LossFunc(object):
        def forward(self, logit, label):
            if logit[0, 0] < 1e-7:
                logit[0, 0] = 1e-7
            if 1. - logit[0, 0] < 1e-7:
                logit[0, 0] = 1. - 1e-7
            self.logit, self.label = logit, label
            return - (label * np.log(logit) + (1 - label) * np.log(1 - logit))
    """,
    # the same clamp on a number, on one line, and on every element by a mask
    """
    import numpy as np

    EPS = 1e-7

    def bce(p, y):
        if p < EPS:
            p = EPS
        if p > 1 - EPS:
            p = 1 - EPS
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))

    def bce0(p, y):
        if p <= 0: p = 1e-12
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))

    def bce_batch(p, y, eps=1e-7):
        p[p < eps] = eps
        p[p > 1 - eps] = 1 - eps
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    """,
    # np.maximum with a named eps, Python's max on a number
    """
    import numpy as np

    def bce(p, y, eps=1e-7):
        p = np.maximum(p, eps)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def nll(p, y, eps=1e-7):
        q = max(p, eps)
        return -(y * np.log(q))
    """,
    # a log-likelihood that is only reported, never negated
    """
    import tensorflow as tf

    like = y * tf.log(p_1) + (1 - y) * tf.log(1 - p_1)
    tf.summary.scalar("log_likelihood", tf.reduce_mean(like))
    """,
]
