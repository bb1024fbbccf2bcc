"""LF204 examples of a softplus of a difference (``log1p(exp(a - b))``): a
margin between two scores is as large as they are apart (a soft-margin
triplet loss, ConSERT, audit R45), unless a maximum is subtracted (the max
trick), both scores are cosines (at most 2 apart) or the exponent is clamped
below 80; kept apart so the audit
examples module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.numerics.lf204_code_product_examples import (
    CODE_PRODUCT_INVALID,
    CODE_PRODUCT_VALID,
)
from lossflint.rules.numerics.lf204_gaussian_examples import GAUSSIAN_INVALID, GAUSSIAN_VALID
from lossflint.rules.numerics.lf204_masked_examples import MASKED_INVALID, MASKED_VALID
from lossflint.rules.numerics.lf204_survival_examples import SURVIVAL_INVALID, SURVIVAL_VALID

MARGIN_INVALID = [
    # a module-level zeros buffer filled with model outputs is no constant,
    # whole or sliced
    Invalid(
        """
        import torch

        buf = torch.zeros(10)
        for i in range(10):
            buf[i] = model(x[i])
        probs = buf[:5].exp() / buf[:5].exp().sum()  # error: LF204
        """
    ),
    # a soft-margin triplet loss on the hardest pair's distances (ConSERT's
    # BatchHardSoftMarginTripletLoss, audit R45): as large as they are apart
    Invalid(
        """
        import torch

        def soft_margin(d_ap, d_an):
            return torch.log1p(torch.exp(d_ap - d_an)).mean()  # error: LF204
        """
    ),
    # the indices of the maximum are no maximum
    Invalid(
        """
        import torch

        def contrastive(features, temperature=0.2):
            dot = torch.matmul(features[:, 0], features[:, 1].transpose(0, 1)) / temperature
            _, best = torch.max(dot, dim=1, keepdim=True)
            logits = dot - best.detach()
            return torch.log(torch.exp(logits).sum(1))  # error: LF204
        """
    ),
    # an upper clamp too high to keep a float32 sum of exps finite
    Invalid(
        """
        import torch

        def npair(inner):
            return torch.log(torch.sum(torch.exp(inner.clamp(max=100)), dim=1) + 1)  # error: LF204
        """
    ),
    *GAUSSIAN_INVALID,
    *CODE_PRODUCT_INVALID,
    *MASKED_INVALID,
    *SURVIVAL_INVALID,
]

MARGIN_VALID = [
    # the exponent capped at 50 against overflow (Revisiting_Deep_Metric_Learning's
    # angular n-pair loss, audit s168): exp(50) * n stays finite
    """
    import torch

    def npair(inner):
        return torch.mean(torch.log(torch.sum(torch.exp(inner.clamp(max=50, min=-50)), dim=1) + 1))

    def npair_clipped(inner, cap=50.0):
        return torch.log(1 + torch.clamp(inner, -cap, cap).exp().sum(1))
    """,
    # the max-shifted losses over a temperature (LibMTL's smooth Tchebycheff, audit s150)
    """
    import torch

    def stch(losses, nadir, mu):
        losses = torch.log(losses / nadir + 1e-20)
        max_term = torch.max(losses.data).detach()
        reg_losses = losses - max_term
        return mu * torch.log(torch.sum(torch.exp(reg_losses / mu)))
    """,
    # a literal fixture picked and reshaped (chemprop's metric tests, audit s151)
    """
    import torch

    mockffn = torch.tensor([-3.7, -14.2, 3.4, 7.5, 11.7, 13.8, 10.2, -0.7, 9.2, -8.0])
    probs = mockffn.clone()[:10].view(-1, 5).exp() / mockffn.clone()[:10].view(-1, 5).exp().sum(1)
    """,
    # the max trick inside a softplus: bounded
    """
    import torch

    def shifted(x):
        m = x.max(dim=1)[0]
        return torch.log1p(torch.exp(x - x.max())) + torch.log1p(torch.exp(x - m))
    """,
    # a margin of two cosine similarities: at most 2, exp(2) cannot overflow
    """
    import torch
    import torch.nn.functional as F

    def soft_margin(a, p, n):
        pos = F.cosine_similarity(a, p)
        neg = F.cosine_similarity(a, n)
        return torch.log1p(torch.exp(neg - pos)).mean()
    """,
    # the max trick with the maximum unpacked from ``(values, indices)``
    # and detached (ReChorus's CLRec, audit s143)
    """
    import torch

    def contrastive(features, temperature=0.2):
        dot = torch.matmul(features[:, 0], features[:, 1].transpose(0, 1)) / temperature
        logits_max, _ = torch.max(dot, dim=1, keepdim=True)
        logits = dot - logits_max.detach()
        exp_logits = torch.exp(logits)
        log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True) + 1e-10)
        return -log_prob.mean()
    """,
    *GAUSSIAN_VALID,
    *CODE_PRODUCT_VALID,
    *MASKED_VALID,
    *SURVIVAL_VALID,
]

# TensorFlow 1's ``tf.log1p`` of an exponential (richardaecn's
# class-balanced-loss, audit s175), as ``tf.math.log1p``
MARGIN_INVALID.append(
    Invalid(
        """
        import tensorflow as tf

        def modulator(logits):
            return tf.log1p(tf.exp(logits))  # error: LF204
        """
    )
)

# RankNet's pairwise logistic loss on unbounded scores (happynoom/DeepTrade,
# audit s172): every pair's difference, signed by the pair's order
MARGIN_INVALID += [
    Invalid(
        """
        import tensorflow.keras.backend as K

        def pairwise_logit(y_true, y_pred):
            order = K.sign(K.transpose(y_true) - y_true)
            return K.mean(K.log(1 + K.exp(order * (y_pred - K.transpose(y_pred)))))  # error: LF204
        """
    ),
    Invalid(
        """
        import torch

        def pairwise_logit(y_true, y_pred):
            s = torch.sign(y_true.t() - y_true)
            return torch.log(1 + torch.exp(s * (y_pred - y_pred.t()))).mean()  # error: LF204
        """
    ),
]
MARGIN_VALID.append(
    # the max trick: every exponent at most 0
    """
    import torch

    def shifted(scores, y):
        return torch.log(1 + torch.exp(scores - scores.max(1, keepdim=True)[0])).mean()
    """
)

# a sigmoid focal loss's modulator on logits of unknown origin that the same
# function hands to the loss on logits (vandit15 and richardaecn's
# class-balanced losses, audit s175): -logits is as large as a logit is negative
_FOCAL = """
import torch
import torch.nn.functional as F


def focal_loss(labels, logits, gamma):
    bce = F.binary_cross_entropy_with_logits({given}, reduction="none")
    modulator = torch.exp(-gamma * labels * logits - gamma * torch.log(1 + torch.exp(-1.0 * logits))){marker}
    return (modulator * bce).sum()
"""
MARGIN_INVALID.append(
    Invalid(
        _FOCAL.format(
            given="input=logits",
            marker="  # error: LF204 at `torch.log(1 + torch.exp(-1.0 * logits))`",
        )
    )
)
MARGIN_INVALID.append(
    Invalid(
        """
        import tensorflow as tf

        def focal_loss(labels, logits, gamma):
            ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
            return tf.exp(-gamma * tf.log1p(tf.exp(-1.0 * logits))) * ce  # error: LF204 at `tf.log1p(`
        """
    )
)
# the loss on logits gets another tensor: the negated value's sign is not known
MARGIN_VALID.append(_FOCAL.format(given="labels * 2.0, labels", marker=""))

# a hand-written softmax whose normaliser is padded with the backend's epsilon
# and cast (self-attention-HAR's attentive pooling, audit s181): the eps keeps
# the sum off 0, not the exponentials off inf
_POOLING = """
import tensorflow as tf
from tensorflow.keras import backend as K


class AttentionWithContext(tf.keras.layers.Layer):
    def call(self, x):
        ait = tf.tensordot(x, self.u, axes=1)
        a = tf.math.exp(ait)
        a /= {denominator}{marker}
        return K.sum(x * K.expand_dims(a), axis=1)
"""
MARGIN_INVALID += [
    Invalid(
        _POOLING.format(
            denominator="tf.cast(K.sum(a, axis=1, keepdims=True) + K.epsilon(), K.floatx())",
            marker="  # error: LF204",
        )
    ),
    Invalid(
        _POOLING.format(
            denominator="K.sum(a, axis=1, keepdims=True) + K.epsilon()", marker="  # error: LF204"
        )
    ),
]
MARGIN_VALID.append(
    _POOLING.format(denominator="K.sum(a, axis=1, keepdims=True)", marker="").replace(
        "a = tf.math.exp(ait)", "a = tf.math.exp(ait - tf.reduce_max(ait, axis=1, keepdims=True))"
    )
)

# a stable logsumexp whose shifted values pass through a NaN-cleaning helper
# (TensorSpeech/TensorFlowASR's RNN-T loss, audit R146)
_CLEANED = """
import tensorflow as tf


def nan_to_zero(input_tensor):
    return tf.where(tf.math.is_nan(input_tensor), tf.zeros_like(input_tensor), input_tensor)


def reduce_logsumexp(input_tensor, axis):
    maximum = tf.reduce_max(input_tensor, axis=axis)
    input_tensor = nan_to_zero({shifted})
    return tf.math.log(tf.reduce_sum(tf.exp(input_tensor), axis=axis)){marker} + maximum
"""
MARGIN_VALID.append(_CLEANED.format(shifted="input_tensor - maximum", marker=""))
MARGIN_INVALID.append(
    Invalid(_CLEANED.format(shifted="input_tensor", marker="  # error: LF204 at `tf.math.log(`"))
)

# the logits cast to float32 first (richardaecn/class-balanced-loss, audit s175)
MARGIN_INVALID.append(
    Invalid(
        """
        import tensorflow as tf

        def focal_loss(labels, logits, gamma):
            logits = tf.cast(logits, dtype=tf.float32)
            ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
            return tf.exp(-gamma * tf.log1p(tf.exp(-1.0 * logits))) * ce  # error: LF204 at `tf.log1p(`
        """
    )
)

# pairwise differences of bounded scores: cosines and probabilities differ by at
# most 2, so the softplus of them cannot overflow (review of the pairwise form)
MARGIN_VALID += [
    """
    import torch
    import torch.nn.functional as F

    def pairwise_rank(a, b):
        sim = F.cosine_similarity(a.unsqueeze(1), b.unsqueeze(0), dim=-1)
        return torch.log(1 + torch.exp(sim - sim.t())).mean()
    """,
    """
    import torch

    def pairwise_prob(logits):
        p = torch.sigmoid(logits)
        return torch.log(1 + torch.exp(p - p.t())).mean()
    """,
]

# a clamp rebinding the same name caps the exponent; a margin setting added
# to it keeps it small (DSDH_PyTorch and DeepHash-pytorch's DFH, audit s184)
_CLAMPED = """
import torch


def dfh_loss(u, U, s, config):
    inner_product = u @ U * 0.5
    inner_product = inner_product.clamp(min=-100, max={cap})
    return ((1 - s) * torch.log(1 + torch.exp({exponent}))).mean(){marker}
"""

MARGIN_VALID += [
    _CLAMPED.format(cap=50, exponent="inner_product", marker=""),
    _CLAMPED.format(cap=50, exponent='config["m"] + inner_product', marker=""),
]
MARGIN_INVALID += [
    # the lower bound is no cap: ``exp(m - inner_product)`` can be exp(103)
    Invalid(
        _CLAMPED.format(cap=50, exponent='config["m"] - inner_product', marker="  # error: LF204")
    ),
    # a tensor added is no setting
    Invalid(
        _CLAMPED.format(cap=50, exponent='u["bias"] + inner_product', marker="  # error: LF204")
    ),
]

# RankNet's pairwise terms scaled by a positive sigma, either side negated
# (DRhard's ADORE training, audit s206)
_SIGMA = """
import torch


def ranknet(y_pred, sigma={sigma}):
    c_pos = torch.log(1 + torch.exp(-sigma * (y_pred - y_pred.t()))){marker}
    c_neg = torch.log(1 + torch.exp(sigma * (y_pred - y_pred.t()))){marker}
    return (c_pos + c_neg).sum()
"""

MARGIN_INVALID.append(Invalid(_SIGMA.format(sigma=1, marker="  # error: LF204")))
# no scale: the pair's difference is 0
MARGIN_VALID.append(_SIGMA.format(sigma=0, marker=""))
