"""LF202 examples from the real-code audit of 2026-12-01: the absolute value of
something never 0 by construction (silent), next to a twin that can be 0;
kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.numerics.lf202_detached_examples import DETACHED_INVALID, DETACHED_VALID
from lossflint.rules.numerics.lf202_distance_examples import DISTANCE_INVALID, DISTANCE_VALID
from lossflint.rules.numerics.lf202_flow_examples import FLOW_INVALID, FLOW_VALID
from lossflint.rules.numerics.lf202_mixture_examples import MIXTURE_INVALID, MIXTURE_VALID

_LOG_DICE = """
import torch
import torch.nn as nn

class LogDiceLoss(nn.Module):
    def forward(self, logits, target, eps=1e-6):
        probs = torch.sigmoid(logits)
        inter = (probs * target).sum(dim=(1, 2, 3))
        union = probs.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3))
        dice = {dice}
        return -torch.log(dice).mean(){marker}
"""

#: asteroid's complex-mask recovery (audit R64): ``log((K - O) / (K + O))`` of
#: a sigmoid output ``O`` two calls away, ``K`` a default handed on
_RECOVER = """
import torch
import torch.nn as nn

def recover(O, K={k}, C=0.1):
    return -((1.0 / C) * torch.log((K - O) / (K + O))){marker}

def icrm(y, crm, K={k}, C=0.1):
    return recover(crm, K, C) * y

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x, y):
        return icrm(y, torch.sigmoid(self.fc(x)))

net = Net()
opt = torch.optim.Adam(net.parameters())
loss = net(torch.randn(4, 16), torch.randn(4, 16)).mean()
loss.backward()
opt.step()
"""

AUDIT_INVALID = [
    # a sigmoid output taken off 1: 1 - O is 0 once the sigmoid saturates
    Invalid(_RECOVER.format(k=1, marker="  # error: LF202")),
    # a learned scale that starts at 0: log|s| is -inf at the first step
    Invalid(
        """
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.s = nn.Parameter(torch.zeros(dim))

            def forward(self, x):
                return x * self.s, torch.log(torch.abs(self.s)).sum()  # error: LF202
        """
    ),
    # base-10 log of an energy ratio whose numerator is a sum of squares: 0 for
    # a silent reference or alpha = 0 (held-out s17 p01, SI-SDR)
    Invalid(
        """
        import torch

        def si_sdr_loss(est, ref, eps=1e-8):
            alpha = (est * ref).sum(-1, keepdim=True) / (ref.pow(2).sum(-1, keepdim=True) + eps)
            target = alpha * ref
            noise = est - target
            ratio = target.pow(2).sum(dim=-1) / (noise.pow(2).sum(dim=-1) + eps)
            return -10.0 * torch.log10(ratio).mean()  # error: LF202 at `torch.log10(`
        """
    ),
    # base-2 log as a tensor method
    Invalid(
        """
        import torch
        gap = torch.relu(margin - d)
        loss = -gap.log2().mean()  # error: LF202 at `gap.log2(`
        """,
        fixed="""
        import torch
        gap = torch.relu(margin - d)
        loss = -gap.clamp_min(1e-7).log2().mean()  # error: LF202 at `gap.log2(`
        """,
    ),
    # the log of a Dice score whose intersection is 0 on a tile without
    # foreground (H14 p08)
    Invalid(
        _LOG_DICE.format(
            dice="2 * inter / (union + eps)", marker="  # error: LF202 at `torch.log(`"
        )
    ),
    # |where(c, y, 0.01 * y)| is 0 where y is
    Invalid(
        """
        import torch

        def log_det(y, slope):
            scaled = torch.where(y >= 0, y, slope * y)
            return torch.log(scaled.abs()).sum(1)  # error: LF202 at `torch.log(`
        """,
    ),
    # the KL penalty's target passed by its caller as a tensor: 1 - p can be 0
    Invalid(
        """
        import tensorflow as tf

        def kl_divergence(p, q):
            return (1 - p) * tf.log((1 - p) / (1 - q))  # error: LF202 at `tf.log(`

        hidden_mean = tf.reduce_mean(hidden, axis=0)
        loss = tf.reduce_sum(kl_divergence(target_rates, hidden_mean))
        train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
        """,
    ),
    # relu output cast to float (``.float()`` of an fp16 model's head): still
    # 0 wherever the relu is, no integer positions (held-out s16 p04)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        class LogMSE(torch.nn.Module):
            def forward(self, h, target):
                pred = F.relu(self.head(h)).float()
                return ((torch.log(pred) - torch.log(target)) ** 2).mean()  # error: LF202 at `torch.log(pred)`
        """
    ),
    # the Keras backend's log of a magnitude (abs output) in a custom loss
    Invalid(
        """
        from tensorflow.keras import backend as K

        def log_magnitude_loss(y_true, y_pred):
            log_pred = K.log(K.abs(y_pred))  # error: LF202 at `K.log(`
            return K.mean(K.abs(K.log(K.abs(y_true) + K.epsilon()) - log_pred))
        """
    ),
    # ... its twin without the shift
    Invalid(
        """
        import tensorflow as tf

        def kl_loss(x):
            std = tf.layers.dense(x, units=8, activation=tf.nn.relu)
            return -tf.reduce_mean(tf.reduce_sum(tf.log(tf.square(std)), 1))  # error: LF202 at `tf.log(`
        """
    ),
]

AUDIT_VALID = [
    # the square of a softplus scale is positive (tensorchiefs' dl_book, ch. 8)
    """
    import tensorflow as tf

    log = tf.math.log
    w = tf.Variable(tf.random.normal((4,)))
    opt = tf.keras.optimizers.Adam()
    with tf.GradientTape() as tape:
        sig_a = tf.math.softplus(w[1])
        l_kl = -0.5 * (1.0 + log(sig_a**2) - sig_a**2)
    opt.apply_gradients(zip(tape.gradient(l_kl, [w]), [w]))
    """,
    # box-coder targets (no gradient) and ratios of unknown sign where none is known
    """
    import torch

    class BoxCoder:
        def encode(self, w, wa):
            return torch.log(w / wa)

    def ratio(a, b, s):
        return torch.log((a - b) / s)
    """,
    # a bucket index (T5-style relative positions): cast back to integers
    """
    import torch
    n = torch.abs(rel)
    b = (torch.log(n.float() / 8) / 2.77 * 8).to(torch.long)
    """,
    # smoothed numerator and denominator: never 0
    _LOG_DICE.format(dice="(2 * inter + eps) / (union + eps)", marker=""),
    # a LeakyReLU flow's log-Jacobian: 1 or 1/slope everywhere (Practical_DL)
    """
    import torch

    def log_det(y, slope):
        ones = torch.ones_like(y)
        jac = torch.where(y >= 0, ones, 1.0 / slope * ones)
        return torch.log(jac.abs()).sum(1)
    """,
    """
    import torch

    def log_det(y):
        return torch.log(torch.abs(torch.where(y > 0, 2.0, -0.5)))
    """,
    # a sparse autoencoder's KL penalty: its only caller passes the constant
    # target 0.1, so 1 - p is 0.9 (ageron/handson-ml ch15)
    """
    import tensorflow as tf

    def kl_divergence(p, q):
        return p * tf.log(p / q) + (1 - p) * tf.log((1 - p) / (1 - q))

    sparsity_target = 0.1
    hidden_mean = tf.reduce_mean(hidden, axis=0)
    loss = tf.reduce_sum(kl_divergence(sparsity_target, hidden_mean))
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
    """,
    # relu output clamped in place before its log: by a mask assignment or a
    # clamp_ method (the guards convention)
    """
    import torch

    def log_energy(x, eps=1e-6):
        h = torch.relu(x)
        h[h < eps] = eps
        return torch.log(h).sum()

    def log_energy2(x):
        h = torch.relu(x)
        h.clamp_(min=1e-6)
        return torch.log(h).sum()
    """,
    # abs of integer offsets cast to float: positions (the relu twin above is data)
    """
    import torch

    def log_distance(i, j):
        n = torch.abs(i - j)
        return torch.log(n.float() + 1.0) - torch.log(n.float())
    """,
    # SI-SDR with the numerator guarded too
    """
    import torch

    def si_sdr_loss(est, ref, eps=1e-8):
        target = ref * (est * ref).sum(-1, keepdim=True) / (ref.pow(2).sum(-1, keepdim=True) + eps)
        ratio = (target.pow(2).sum(-1) + eps) / ((est - target).pow(2).sum(-1) + eps)
        return -10.0 * torch.log10(ratio).mean()
    """,
    # the SNR of an evaluation in dB (no gradient), NumPy data mixed at an SNR,
    # Python's math.log10: no tensor log of a training value
    """
    import math
    import numpy as np
    import torch

    @torch.no_grad()
    def evaluate_snr(est, ref):
        return 10 * torch.log10(ref.pow(2).sum(-1) / (est - ref).pow(2).sum(-1)).mean().item()

    def mix_loss(clean, noise, snr_db):
        current = 10 * np.log10(np.sum(clean ** 2) / np.sum(noise ** 2))
        return clean + noise * 10 ** ((current - snr_db) / 20), math.log10(abs(snr_db) ** 2 / 4)
    """,
    # log1p of a magnitude is finite at 0: a guard, not a log of 0
    """
    import torch
    import torch.nn as nn

    class Front(nn.Module):
        def forward(self, spec):
            return torch.log1p(spec.abs() ** 2).mean(1)
    """,
    # ... clipped by keyword (Keras 2's ``min_value=``, Keras 3's ``x_min=``)
    """
    from tensorflow.keras import backend as K
    from keras import ops

    def log_magnitude_loss(y_true, y_pred):
        log_pred = K.log(K.clip(K.abs(y_pred), min_value=K.epsilon(), max_value=None))
        log_true = ops.log(ops.clip(ops.abs(y_true), x_min=1e-7, x_max=1e7))
        return K.mean(K.abs(log_true - log_pred))
    """,
    # the log-determinant of an LU-parameterised 1x1 convolution: log|S| of a
    # learned diagonal (karpathy/pytorch-normalizing-flows, audit R48)
    """
    import torch
    from torch import nn

    class Invertible1x1Conv(nn.Module):
        def __init__(self, dim):
            super().__init__()
            P, L, U = torch.lu_unpack(*torch.linalg.qr(torch.randn(dim, dim))[0].lu())
            self.P = P
            self.L = nn.Parameter(L)
            self.S = nn.Parameter(U.diag())
            self.U = nn.Parameter(torch.triu(U, diagonal=1))

        def forward(self, x):
            W = self.P @ self.L @ (self.U + torch.diag(self.S))
            return x @ W, torch.sum(torch.log(torch.abs(self.S)))
    """,
    # the starting value of a parameter, computed once at construction: a new
    # leaf, no graph behind it (normalizing_flows' Glow 1x1 convolution, R63)
    """
    import torch
    import torch.nn as nn

    class Invertible1x1Conv(nn.Module):
        def __init__(self, n_channels=3):
            super().__init__()
            w = torch.linalg.qr(torch.randn(n_channels, n_channels))[0]
            p, l, u = torch.linalg.lu(w)
            s = u.diag()
            self.log_s = nn.Parameter(s.abs().log())
    """,
    # a helper lambda only ever called on a learned scale (JEM's ActNorm, R63)
    """
    import torch
    import torch.nn as nn

    logabs = lambda x: torch.log(torch.abs(x))

    class ActNorm(nn.Module):
        def __init__(self, in_channel):
            super().__init__()
            self.loc = nn.Parameter(torch.zeros(1, in_channel, 1, 1))
            self.scale = nn.Parameter(torch.ones(1, in_channel, 1, 1))

        def forward(self, x):
            logdet = x.shape[2] * x.shape[3] * torch.sum(logabs(self.scale))
            return self.scale * (x + self.loc), logdet
    """,
    # a probability taken off a number larger than 1 (asteroid's cRM_tanh_recover, R64):
    # (10 - O) / (10 + O) lies in (0.81, 1)
    _RECOVER.format(k=10, marker=""),
    # a Bayes-by-backprop layer's KL against a fixed prior: the prior's
    # variance is a setting, never 0 (Bayesian-Neural-Networks, audit s113)
    """
    import torch
    import torch.nn as nn

    class gaussian:
        def __init__(self, mu, sigma):
            self.mu = mu
            self.sigma = sigma

    class BayesLinear(nn.Module):
        def __init__(self, n_in, n_out, prior):
            super().__init__()
            self.prior = prior
            self.rhos = nn.Parameter(torch.zeros(n_in, n_out))

        def forward(self, x):
            stds = nn.functional.softplus(self.rhos)
            prior_cov, post_cov = self.prior.sigma ** 2, stds ** 2
            kl = 0.5 * torch.log(prior_cov / post_cov).sum()
            return x @ stds, kl + 0.5 * torch.log(1.0 ** 2 / post_cov).sum()

    layer = BayesLinear(3, 1, gaussian(0, 1))
    opt = torch.optim.Adam(layer.parameters(), lr=1e-3)
    for x, y in batches:
        opt.zero_grad()
        out, kl = layer(x)
        (((out - y) ** 2).sum() + kl).backward()
        opt.step()
    """,
    # the log-variance term of a VAE over a std kept off 0 (VAE-LSTM for
    # anomaly detection, audit s112): the square is at least 1e-4
    """
    import tensorflow as tf

    def kl_loss(x):
        mean = tf.layers.dense(x, units=8, activation=None)
        std = tf.layers.dense(x, units=8, activation=tf.nn.relu)
        std = std + 1e-2
        kl = tf.reduce_sum(tf.square(mean), 1) + tf.reduce_sum(tf.square(std), 1)
        kl -= tf.reduce_sum(tf.log(tf.square(std)), 1)
        return 0.5 * tf.reduce_mean(kl - tf.reduce_sum(tf.log(tf.square(mean + 1.0)), 1))
    """,
]
AUDIT_INVALID += FLOW_INVALID + DISTANCE_INVALID + DETACHED_INVALID + MIXTURE_INVALID
AUDIT_VALID += FLOW_VALID + DISTANCE_VALID + DETACHED_VALID + MIXTURE_VALID
