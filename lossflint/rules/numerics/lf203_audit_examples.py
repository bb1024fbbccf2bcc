"""LF203 examples from the real-code audit s17: a probability clamped by
conditional assignment (silent) next to twins that leave 0 possible, and a
hand-written sigmoid (a probability, not a ratio); from the held-out sets
(s11, s14, s16): guarded formulas on softmax/sigmoid output of a framework
log (reported) next to guarded entropies, NumPy formulas and guarded values
of unknown origin (silent); kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.numerics.lf203_call_examples import CALL_INVALID, CALL_VALID
from lossflint.rules.numerics.lf203_compiled_loss_examples import COMPILED_INVALID, COMPILED_VALID
from lossflint.rules.numerics.lf203_term_examples import TERM_INVALID, TERM_VALID

_FOCAL = """
import tensorflow as tf
from tensorflow.keras import backend as K


def focal_loss_binary(y_true, y_pred):
    pt_0 = tf.where(tf.equal(y_true, 0), y_pred, tf.zeros_like(y_pred))
    epsilon = K.epsilon()
    pt_0 = {clip}
    return -K.sum(0.75 * K.pow(pt_0, 2.0) * K.log(1. - pt_0)){marker}
"""

AUDIT_INVALID = [
    *CALL_INVALID,
    *COMPILED_INVALID,
    *TERM_INVALID,
    # the log-likelihood subtracted from the objective (a semi-supervised
    # VAE's J = L - alpha * ce; wohlert/semi-supervised-pytorch, audit R33)
    Invalid(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=-1)

        model = Classifier()
        optimizer = torch.optim.Adam(model.parameters())
        for x, y, elbo in batches:
            probs = model(x)
            classication_loss = torch.sum(y * torch.log(probs + 1e-8), dim=1).mean()  # error: LF203 at `torch.sum(y`
            J = elbo - 0.1 * classication_loss
            J.backward()
            optimizer.step()
        """
    ),
    # the formula on softmax output held in a variable: LF203 reports the
    # formula, LF201 only an inline `log(softmax(z))` (its fix rewrites that);
    # clamped in place to [0, 1], 0 stays possible (C51's projected distribution)
    Invalid(
        """
        import torch.nn.functional as F

        def td_loss(logits, proj_dist):
            dist = F.softmax(logits, dim=1)
            dist.data.clamp_(0, 1)
            return -(proj_dist * dist.log()).sum(1).mean()  # error: LF203 at `-(`
        """
    ),
    Invalid(
        """
        import torch.nn.functional as F
        import torch

        def loss_fn(logits, y):
            probs = F.softmax(logits, dim=-1)
            return -(y * torch.log(probs)).sum()  # error: LF203 at `-(`
        """
    ),
    # p filled by its only caller with sigmoid output (a consistency term)
    Invalid(
        """
        import tensorflow as tf

        def soft_bce(y_true, p, smoothing=0.05):
            y = y_true * (1.0 - smoothing) + 0.5 * smoothing
            return -tf.reduce_mean(y * tf.math.log(p) + (1.0 - y) * tf.math.log(1.0 - p))  # error: LF203

        def consistency(model, a, b):
            with tf.GradientTape() as tape:
                z1, z2 = model(a), model(b)
                loss = soft_bce(tf.stop_gradient(tf.sigmoid(z1)), tf.sigmoid(z2))
            return tape.gradient(loss, model.trainable_variables)
        """
    ),
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
    # guarded, on softmax/sigmoid output: the built-in loss on logits replaces it
    Invalid(
        """
        import torch

        def weighted_bce(logits, target, pos_weight=5.0):
            p = torch.sigmoid(logits).clamp(1e-10, 1.0 - 1e-10)
            loss = -(pos_weight * target * torch.log(p) + (1 - target) * torch.log(1 - p))  # error: LF203 at `-(pos_weight`
            return loss.mean()
        """
    ),
    Invalid(
        """
        import tensorflow as tf

        def soft_cross_entropy(target_probs, probs):
            probs = tf.clip_by_value(probs, 1e-7, 1.0)
            return -tf.reduce_sum(target_probs * tf.math.log(probs), axis=-1)  # error: LF203 at `-tf.reduce_sum(`

        def train_step(model, opt, x, target, tau):
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                loss = tf.reduce_mean(soft_cross_entropy(target, tf.nn.softmax(logits / tau)))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
        """
    ),
    Invalid(
        """
        import torch

        def bce(z, t):
            q = 1 / (1 + torch.exp(-z))
            return -(t * torch.log(q + 1e-8) + (1 - t) * torch.log(1 - q + 1e-8)).mean()  # error: LF203 at `-(t`
        """
    ),
    # the output of a Keras model ending in softmax
    Invalid(
        """
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])

        @tf.function
        def train_step(x, y):
            with tf.GradientTape() as tape:
                probs = model(x, training=True)
                loss = tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(probs + 1e-7), axis=1))  # error: LF203 at `tf.reduce_mean(`
            return tape.gradient(loss, model.trainable_variables)
        """
    ),
    # the Keras backend's log (held-out s18 p09): a weighted categorical
    # cross-entropy of a custom loss
    Invalid(
        """
        import numpy as np
        from tensorflow.keras import backend as K

        def weighted_categorical_crossentropy(class_weights):
            w = K.constant(np.asarray(class_weights, dtype="float32"))

            def loss(y_true, y_pred):
                return -K.sum(y_true * K.log(y_pred) * w, axis=-1)  # error: LF203 at `-K.sum(`

            return loss
        """
    ),
    # ... its twin clipped from below only: 1 - p reaches 0
    Invalid(_FOCAL.format(clip="K.maximum(pt_0, epsilon)", marker="  # error: LF203")),
]

AUDIT_VALID = [
    *TERM_VALID,
    *CALL_VALID,
    *COMPILED_VALID,
    # a normalising flow's log-determinant, named and subtracted in reverse
    # (phlippe/uvadlc_notebooks Glow InvConv2d)
    """
    import torch
    import torch.nn.functional as F

    def inv_conv(input, logdet, weight, reverse=False):
        _, _, height, width = input.shape
        dlogdet = height * width * torch.log(torch.abs(torch.det(weight.squeeze())))
        if not reverse:
            return F.conv2d(input, weight), logdet + dlogdet
        return F.conv2d(input, weight.squeeze().inverse()[..., None, None]), logdet - dlogdet
    """,
    # a term of another formula subtracted inline: the KL divergence of two
    # Gamma distributions (AntixK/PyTorch-VAE gamma_vae.py)
    """
    import torch

    def I_function(a, b, c, d):
        return - c * d / a - b * torch.log(a) - torch.lgamma(b) + (b - 1) * (torch.digamma(d) + torch.log(c))
    """,
    # the cross-entropy against a uniform prior: softmax of ones is 1/K, a
    # constant (wohlert/semi-supervised-pytorch log_standard_categorical, R33)
    """
    import torch
    import torch.nn.functional as F

    def log_standard_categorical(p):
        prior = F.softmax(torch.ones_like(p), dim=1)
        prior.requires_grad = False
        return -torch.sum(p * torch.log(prior + 1e-8), dim=1)

    def log_uniform(p):
        prior = F.softmax(torch.full((4, 10), 2.0), dim=1)
        return -torch.sum(p * torch.log(prior), dim=1)
    """,
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
    # entropy terms with an eps, the same p on both sides (VQ-VAE's codebook
    # perplexity, an entropy summary in TF)
    """
    import torch
    import torch.nn.functional as F

    def perplexity(distances, n_codes):
        encodings = F.one_hot(distances.argmin(1), n_codes).float()
        avg_probs = torch.mean(encodings, dim=0)
        return torch.exp(-(avg_probs * torch.log(avg_probs + 1e-10)).sum())

    def entropy_bonus(logits):
        probs = F.softmax(logits, dim=-1)
        return -(probs * torch.log(probs + 1e-10)).sum(-1).mean()
    """,
    """
    import tensorflow as tf

    def entropy_summary(logits, step):
        prob = tf.nn.softmax(logits)
        entropy = -(prob * tf.math.log(prob + 1e-8))
        tf.summary.scalar("entropy", tf.reduce_mean(tf.reduce_sum(entropy, axis=-1)), step)
    """,
    # guarded and NumPy: a from-scratch formula whose clip is the fix
    """
    import numpy as np

    def bce(z, y, eps=1e-12):
        p = 1 / (1 + np.exp(-z))
        p = np.clip(p, eps, 1 - eps)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    """,
    # guarded, p of unknown origin (a parameter)
    """
    import torch

    def bce(p, t):
        p = p.clamp(1e-7, 1 - 1e-7)
        return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()
    """,
    # Keras' own formula: p of unknown origin clipped first (Keras 2's
    # ``K.clip(x, min_value, max_value)``, Keras 3's ``ops.clip(x, x_min, x_max)``,
    # bounds given by keyword): the guard is the fix
    """
    from tensorflow.keras import backend as K

    def weighted_cce(y_true, y_pred, w):
        y_pred = K.clip(y_pred, min_value=K.epsilon(), max_value=1.0 - K.epsilon())
        return -K.sum(y_true * K.log(y_pred) * w, axis=-1)
    """,
    """
    from keras import ops

    def bce(y_true, y_pred):
        p = ops.clip(y_pred, x_min=1e-7, x_max=1 - 1e-7)
        return -ops.mean(y_true * ops.log(p) + (1 - y_true) * ops.log(1 - p))
    """,
    # a focal loss whose probabilities are clipped on both sides: 1 - p stays
    # above eps too (Advanced-Deep-Learning-with-Keras, R10)
    _FOCAL.format(clip="K.clip(pt_0, epsilon, 1. - epsilon)", marker=""),
    _FOCAL.format(clip="tf.clip_by_value(pt_0, 1e-7, 0.9999999)", marker=""),
    # ... clipped by keyword, or below a bound the code names (a parameter)
    _FOCAL.format(clip="K.clip(pt_0, min_value=epsilon, max_value=1. - epsilon)", marker=""),
    _FOCAL.format(clip="K.clip(pt_0, epsilon, max_p)", marker="").replace(
        "y_pred):", "y_pred, max_p=0.999):"
    ),
]
