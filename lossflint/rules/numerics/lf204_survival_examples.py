"""LF204 examples: Cox partial likelihoods, whose risk set's log-sum-exp is
written as a running sum (DeepSurvK's ``log(cumsum(exp(y_pred)))``) or as a
sum over a mask (czifan/DeepSurv.pytorch's ``log(sum(exp(r) * mask) /
sum(mask))``, pysurvival's N-MTLR ``log(sum(exp(s @ T) * Y, 1))``), audit
s202; and names, operands and modules that only look like the forms."""

from __future__ import annotations

from lossflint.examples import Invalid

_DEEPSURV = """
import torch
import torch.nn as nn


class NegativeLogLikelihood(nn.Module):
    def forward(self, risk_pred, y, e):
        mask = torch.ones(y.shape[0], y.shape[0])
        mask[(y.T - y) > 0] = 0
        log_loss = torch.exp({risk}) * mask
        log_loss = torch.sum(log_loss, dim=0) / torch.sum(mask, dim=0)
        log_loss = torch.log(log_loss).reshape(-1, 1){marker}
        return -torch.sum((risk_pred - log_loss) * e) / torch.sum(e)
"""

_DEEPSURVK = """
import tensorflow as tf


def negative_log_likelihood(E):
    def loss(y_true, y_pred):
        hazard_ratio = tf.math.exp({risk})
        log_risk = tf.math.log(tf.math.cumsum(hazard_ratio)){marker}
        return -tf.math.reduce_sum((tf.transpose(y_pred) - log_risk) * E)
    return loss
"""

SURVIVAL_INVALID = [
    Invalid(_DEEPSURV.format(risk="risk_pred", marker="  # error: LF204 at `torch.log(`")),
    Invalid(_DEEPSURVK.format(risk="y_pred", marker="  # error: LF204 at `tf.math.log(`")),
    Invalid(
        """
        import torch

        def mtlr_loss(score, triangle, y_uncens):
            phi = torch.exp(torch.mm(score, triangle))
            return -torch.log(torch.sum(phi * y_uncens, dim=1)).sum()  # error: LF204 at `torch.log(`
        """
    ),
]

# SchNet's shifted softplus written out (dmol-book, tensorfieldnetworks: audit s212)
SURVIVAL_INVALID.append(
    Invalid(
        """
        import torch

        def ssp(x):
            return torch.log(0.5 * torch.exp(x) + 0.5)  # error: LF204 at `torch.log(`
        """
    )
)

SURVIVAL_VALID = [
    # the same shift of a bounded value
    """
    import torch

    def ssp(x):
        return torch.log(0.5 * torch.exp(-x.abs()) + 0.5)
    """,
    # shifted by the largest risk first
    _DEEPSURV.format(risk="risk_pred - risk_pred.max()", marker=""),
    _DEEPSURVK.format(risk="y_pred - tf.reduce_max(y_pred)", marker=""),
    # a cumulative sum of probabilities: bounded
    """
    import torch
    lp = torch.log_softmax(z, 1)
    c = torch.log(torch.cumsum(torch.exp(lp), 1))
    """,
    # a user function named exp
    """
    import torch
    def exp(x):
        return x
    v = torch.log(1 + exp(x))
    """,
    # different operands: not a softmax
    """
    import torch
    r = torch.exp(a) / torch.exp(b).sum()
    """,
    # a shadowed torch
    """
    import torch
    def f(torch, s):
        return torch.log(torch.exp(s).sum(1))
    """,
]
