"""LF203 examples of audit R55: ``- shape * np.log(scale) - gammaln(shape)``
(a Gamma density's log-normaliser in nipy's mixture model, copied into
3DUnetCNN) is one negated term of some formula, not a cross-entropy; the same
shape over a known softmax output is one. A kernel density's weighted
log-likelihood ``-sum(self.weights * log(lhs))`` (HpBandSter, audit R81) is
weighted by weights, not labels; the same over labels is a cross-entropy.
LODA's histogram raised off 0 in place (``h += 1e-12``, audit s112) is guarded,
also when ``fit`` raises the stored ``self.histograms_`` and another method
takes its log.
A sigmoid output clamped under its own name (``y_prob = torch.clamp(y_prob,
1e-5, 1 - 1e-5)``, AttentionDeepMIL, audit s118) is still sigmoid output.
An eps bound once to a literal under any name (``small_addon_for_BCE``,
audit s142) guards as the literal does."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.numerics.lf203_fixed_target_examples import (
    FIXED_TARGET_INVALID,
    FIXED_TARGET_VALID,
)

_KDE = """
import numpy as np


class MultivariateKDE:
    def __init__(self, data, weights):
        self.data = data
        self.weights = weights

    def loo_negloglikelihood(self, labels):
        pdfs = np.exp(-((self.data[:, None, :] - self.data[None, :, :]) ** 2)).sum(axis=-2)
        lhs = np.prod(pdfs, axis=-1)
        return -np.sum({factor} * np.log(lhs)){marker}
"""

_CLAMPED = """
import torch
import torch.nn as nn


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.classifier = nn.Sequential(nn.Linear(5, 1), nn.Sigmoid())

    def calculate_objective(self, x, y, scores):
        y_prob = {source}
        y_prob = torch.clamp(y_prob, min=1e-5, max=1. - 1e-5)
        return -1. * (y * torch.log(y_prob) + (1. - y) * torch.log(1. - y_prob)){marker}
"""

_LODA = """
import numpy as np


class LODA:
    def fit(self, X):
        self.histograms_ = np.zeros((self.n_cuts, self.n_bins))
        for i in range(self.n_cuts):
            projected = self.projections_[i, :].dot(X.T)
            self.histograms_[i, :], self.limits_[i, :] = np.histogram(projected, bins=self.n_bins)
{raise_}            self.histograms_[i, :] /= np.sum(self.histograms_[i, :])
        return self

    def decision_function(self, X, y):
        scores = np.zeros([X.shape[0], 1])
        for i in range(self.n_cuts):
            inds = np.searchsorted(self.limits_[i, : self.n_bins - 1], self.projections_[i, :].dot(X.T))
            scores[:, 0] += -y[i] * np.log(self.histograms_[i, inds]){marker}
        return scores
"""

#: ReChorus's attention rank loss: softmax probabilities, exact 1s taken out
_RANK = """
import torch


def attention_rank_loss(prediction, target, mask):
    target_softmax = (target - target.max()).softmax(dim=1)
    prediction_softmax = (prediction - prediction.max()).softmax(dim=1)
    p2 = torch.where(mask == 1, prediction_softmax, torch.zeros_like(prediction_softmax))
    p2 = torch.where({test}, p2, torch.zeros_like(p2))
    loss_2 = -((1 - target_softmax) * (1 - p2).log()).sum(dim=1){marker}
    return loss_2.mean()
"""

TERM_INVALID = [
    *FIXED_TARGET_INVALID,
    # exact 0s taken out: 1 - p can still be 0
    Invalid(_RANK.format(test="p2 != 0", marker="  # error: LF203")),
    # the mean taken by a negative factor in front (``(-1 / m) * np.sum(...)``,
    # the logistic-regression cost of Ng's course, audit s135)
    Invalid(
        """
        import numpy as np

        def propagate(w, b, X, Y):
            m = X.shape[1]
            A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
            cost = (-1 / m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))  # error: LF203 at `(-1 / m) *`
            return cost
        """
    ),
    Invalid(_LODA.format(raise_="", marker="  # error: LF203")),
    Invalid(_CLAMPED.format(source="self.classifier(x)", marker="  # error: LF203 at `-1. * (`")),
    Invalid(_KDE.format(factor="labels", marker="  # error: LF203")),
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return torch.softmax(self.fc(x), dim=1)

        net = Net()
        p = net(x)
        loss = - y * torch.log(p) - 0.01 * reg  # error: LF203 at `- y`
        """
    ),
    # an eps under a name of its own, bound once to a literal (qianguih/voxelnet,
    # audit s142): a guard like ``1e-6`` written inline
    Invalid(
        """
        import tensorflow as tf

        small_addon_for_BCE = 1e-6

        p_pos = tf.sigmoid(p_map)
        cls_pos_loss = -pos_equal_one * tf.log(p_pos + small_addon_for_BCE) / pos_sum  # error: LF203
        loss = tf.reduce_sum(cls_pos_loss)
        """
    ),
]

TERM_VALID = [
    *FIXED_TARGET_VALID,
    # every exact 1 replaced before ``log(1 - p)`` (ReChorus, audit s143)
    _RANK.format(test="p2 != 1", marker=""),
    # clamped scores of unknown origin: the clamp is the fix there
    _CLAMPED.format(source="scores", marker=""),
    _KDE.format(factor="self.weights", marker=""),
    """
    import numpy as np
    import scipy.special as sp

    def _gam_dens(shape, scale, x):
        ng = np.zeros(np.size(x))
        cst = - shape * np.log(scale) - sp.gammaln(shape)
        i = np.ravel(np.nonzero(x > 0))
        if np.size(i) > 0:
            lz = cst + (shape - 1) * np.log(x[i]) - x[i] / scale
            ng[i] = np.exp(lz)
        return ng
    """,
    """
    import torch

    def gamma_log_normaliser(shape, rate):
        return - shape * torch.log(rate) + torch.lgamma(shape)
    """,
    # a unit test's expected value: the formula on a NumPy sigmoid of fixed
    # numbers (tensorflow/recommenders' retrieval_test)
    """
    import numpy as np


    def _sigmoid(x):
        return 1.0 / (1 + np.exp(-x))


    def test_weighted_loss():
        expected = -0.7 * np.log(_sigmoid(3.0)) - 0.3 * np.log(1 - _sigmoid(4.0))
        assert abs(expected - 0.4) < 1.0
    """,
    # a Gaussian likelihood's normaliser over a learned scale (Bayesian-Neural-
    # Networks' regression notebooks, audit s113): no label, no probability
    """
    import numpy as np
    import torch

    def log_gaussian_loss(output, target, sigma, no_dim):
        exponent = -0.5 * (target - output) ** 2 / sigma ** 2
        log_coeff = -no_dim * torch.log(sigma) - 0.5 * no_dim * np.log(2 * np.pi)
        return -(log_coeff + exponent).sum()

    def scale_term(s, k):
        return (-k * torch.log(s.exp())).sum()

    for x, y in batches:
        out = net(x)
        loss = log_gaussian_loss(out[:, :1], y, out[:, 1:].exp(), 1)
        loss.backward()
    """,
    # ... the same functions handed around as values (self.loss_func =
    # log_gaussian_loss): a log of a scale by its name, a log of 2 pi
    """
    import numpy as np
    import torch

    def log_gaussian_loss(output, target, sigma, no_dim):
        exponent = -0.5 * (target - output) ** 2 / sigma ** 2
        log_coeff = -no_dim * torch.log(sigma) - 0.5 * no_dim * np.log(2 * np.pi)
        return -(log_coeff + exponent).sum()

    def homoscedastic_loss(output, target, noise_std, no_dim):
        log_coeff = -no_dim * torch.log(noise_std)
        return -(log_coeff - 0.5 * (target - output) ** 2 / noise_std ** 2).sum()
    """,
    _LODA.format(raise_="            self.histograms_[i, :] += 1e-12\n", marker=""),
    # LODA's anomaly score (pyod, audit s112): the histogram is raised off 0
    # in place, then normalised, before its log
    """
    import numpy as np

    def loda_scores(X, projections, weights, limits, n_bins=10):
        scores = np.zeros([X.shape[0], 1])
        for i in range(len(weights)):
            projected = projections[i, :].dot(X.T)
            histogram, edges = np.histogram(projected, bins=n_bins, density=False)
            histogram = histogram.astype(np.float64)
            histogram += 1e-12
            histogram /= np.sum(histogram)
            inds = np.searchsorted(edges[: n_bins - 1], projected, side="left")
            scores[:, 0] += -weights[i] * np.log(histogram[inds])
        return scores
    """,
]

# the minus sign on each log inside the products (SoccerNet's sn-spotting
# NLLLoss, audit s214)
_SIGN_ON_LOG = """
import torch


class NLLLoss(torch.nn.Module):
    def forward(self, labels, output):
        return torch.mean({terms}){marker}
"""

TERM_INVALID.append(
    Invalid(
        _SIGN_ON_LOG.format(
            terms="labels * -torch.log(output) + (1 - labels) * -torch.log(1 - output)",
            marker="  # error: LF203 at `torch.mean(`",
        )
    )
)
# a guarded pair of logs of unknown values: the eps is the fix
TERM_VALID.append(
    _SIGN_ON_LOG.format(
        terms="labels * -torch.log(output + 1e-7) + (1 - labels) * -torch.log(1 - output + 1e-7)",
        marker="",
    )
)
# the binary entropy of the predictions with the sign on each log (a
# confidence regulariser): the same value weighs each log, no label
TERM_VALID.append(
    _SIGN_ON_LOG.format(
        terms="output * -torch.log(output) + (1 - output) * -torch.log(1 - output)",
        marker="",
    )
)

# a point process's event term: the log of softplus intensities, padded,
# weighed by the one-hot event type (SAHP, audit s218) is a likelihood of
# rates, no cross-entropy; the same over a softmax head is LF201's
_INTENSITIES = """
import torch
import torch.nn as nn


class TPP(nn.Module):
    def __init__(self, d=16, k=5):
        super().__init__()
        self.intensity_layer = nn.Sequential(nn.Linear(d, k), {head})

    def compute_loss(self, h, seq_onehot_types, dt):
        intens = self.intensity_layer(h)
        intens = nn.utils.rnn.pad_sequence(intens, padding_value=1.0, batch_first=True)
        log_sum = (intens.log() * seq_onehot_types).sum(dim=(2, 1))
        return torch.sum(-log_sum + (dt * intens.sum(-1)).sum(-1))
"""
TERM_VALID.append(_INTENSITIES.format(head="nn.Softplus(beta=1.0)"))
TERM_VALID.append(
    """
    import torch
    import torch.nn.functional as F

    def poisson_nll(z, counts):
        rate = F.softplus(z)
        return -(counts * torch.log(rate)).sum() + rate.sum()
    """
)
