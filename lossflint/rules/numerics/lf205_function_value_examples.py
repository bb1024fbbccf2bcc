"""LF205 examples of helpers called through a value of them (audit s29: a
score-based diffusion notebook's noise schedule reached only through
``functools.partial`` and a parameter), and the twins that still fire; kept
apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_SCHEDULE = """
import functools

import torch


def noise_scale(t, sigma_min=0.01, sigma_max=10):
    noise = sigma_min * (sigma_max / sigma_min) ** t
    return torch.sqrt(noise ** 2 - sigma_min ** 2){marker}


def loss_func(model, x, noise_scale, eps=1e-3):
    random_t = {t}
    std = noise_scale(random_t)
    z = torch.randn_like(x)
    score = model(x + z * std[:, None])
    return torch.sum((score * std[:, None] + z) ** 2, dim=-1).mean()


model = torch.nn.Linear(4, 4)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
{bind}
loss = loss_func(model, torch.randn(8, 4), {value})
loss.backward()
opt.step()
"""

_RANDOM_T = "torch.rand(x.shape[0]) * (1.0 - eps) + eps"
_LEARNED_T = "model(x).mean(dim=1).sigmoid()"
_PARTIAL = "scale_fn = functools.partial(noise_scale, sigma_min=0.01, sigma_max=10)"

_MURP = """
import torch
import torch.nn as nn


class MuRP(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.ent = nn.Embedding(n, d)

    @staticmethod
    def _arsech(x):
        return torch.log((1 + torch.sqrt(1 - x.pow(2))) / x){marker}

    def forward(self, h, t):
        d = torch.norm(self.ent(h) - self.ent(t), 2, dim=-1)
        return (2.0 * self._arsech({arg})) ** 2
"""

_PLAIN_RMSE = """
import torch
import torch.nn.functional as F


class RMSELoss:
    def compute_loss(self, targets, predictions):
        per_point = torch.mean(F.mse_loss(targets, predictions, reduction="none"), dim=1)
        return torch.sqrt(per_point){marker}

    def __call__(self, targets, predictions):
        return self.compute_loss(targets, predictions).mean()


class Tracker(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.head = torch.nn.Linear(16, 4)
        self.rmse = RMSELoss()

    def training_step(self, x, keypoints):
        pred = self.head(x)
        loss = F.mse_loss(pred, keypoints)
        rmse = self.rmse(keypoints, pred)
        {use}
        return loss
"""

FUNCTION_VALUE_INVALID = [
    # a fixed STFT magnitude (a window buffer, no parameters) applied to the
    # model's output in a spectral loss: the gradient goes through the root
    Invalid(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Magnitude(nn.Module):
            def __init__(self, n_fft=512):
                super().__init__()
                self.register_buffer("window", torch.hann_window(n_fft))
                self.n_fft = n_fft

            def forward(self, wav):
                spec = torch.stft(wav, self.n_fft, window=self.window, return_complex=True)
                return torch.sqrt(spec.real ** 2 + spec.imag ** 2)  # error: LF205

        def train(model, loader, optimizer):
            magnitude = Magnitude()
            for noisy, clean in loader:
                loss = F.l1_loss(magnitude(model(noisy)), magnitude(clean))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        """
    ),
    # arsech of a distance no caller clamps below 1
    Invalid(_MURP.format(marker="  # error: LF205", arg="torch.clamp(d, 1e-10)")),
    # the pairwise distance written out, |q|² + |p|²ᵀ - 2 q·p: 0 for equal rows
    # and negative by rounding (prototypical networks, audit R57)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def proto_loss(q, p, y):
            d2 = (q ** 2).sum(1, keepdim=True) + (p ** 2).sum(1, keepdim=True).t() - 2 * q @ p.t()
            return F.cross_entropy(-torch.sqrt(d2), y)  # error: LF205 at `torch.sqrt(`
        """,
        fixed="""
        import torch
        import torch.nn.functional as F

        def proto_loss(q, p, y):
            d2 = (q ** 2).sum(1, keepdim=True) + (p ** 2).sum(1, keepdim=True).t() - 2 * q @ p.t()
            return F.cross_entropy(-torch.sqrt(d2.clamp_min(1e-12)), y)  # error: LF205 at `torch.sqrt(`
        """,
    ),
    Invalid(
        """
        import tensorflow as tf

        def proto_dist(x):
            feature, pred = x
            pred_dist = tf.reduce_sum(pred ** 2, axis=1, keepdims=True)
            feature_dist = tf.reduce_sum(feature ** 2, axis=1, keepdims=True)
            dot = tf.matmul(pred, tf.transpose(feature))
            return tf.nn.softmax(-tf.sqrt(pred_dist + tf.transpose(feature_dist) - 2 * dot))  # error: LF205 at `tf.sqrt(`
        """
    ),
    # a learned weight started at zeros is 0 at the first step
    Invalid(
        """
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, o):
                super().__init__()
                self.V = nn.Parameter(torch.zeros(o))

            def forward(self, x):
                return x / torch.sqrt((self.V ** 2).sum())  # error: LF205 at `torch.sqrt(`
        """,
        fixed="""
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, o):
                super().__init__()
                self.V = nn.Parameter(torch.zeros(o))

            def forward(self, x):
                return x / torch.sqrt((self.V ** 2).sum() + 1e-12)  # error: LF205 at `torch.sqrt(`
        """,
    ),
    # the same schedule of a learned time step: a gradient reaches the root
    Invalid(
        _SCHEDULE.format(
            t=_LEARNED_T,
            bind=_PARTIAL,
            value="scale_fn",
            marker="  # error: LF205 at `torch.sqrt(`",
        )
    ),
    # the partial binds the gradient-carrying argument itself
    Invalid(
        """
        import functools
        import torch

        def dist(a, b):
            return torch.sqrt(((a - b) ** 2).sum(1))  # error: LF205 at `torch.sqrt(`

        model = torch.nn.Linear(4, 4)
        x = torch.randn(8, 4)
        to_origin = functools.partial(dist, a=model(x))
        loss = to_origin(b=torch.zeros(4)).mean()
        loss.backward()
        """
    ),
    # handed to code that is no same-file function: its calls are out of sight
    Invalid(
        """
        import functools
        import torch

        def dist(a, b):
            return torch.sqrt(((a - b) ** 2).sum(1))  # error: LF205 at `torch.sqrt(`

        metric = functools.partial(dist, b=0.0)
        trainer = Trainer(metric=metric)
        """
    ),
    # ``compute_loss`` of a plain class is run by its own callers: here the
    # RMSE is what is backpropagated (lightning-pose's shape, audit s103)
    Invalid(
        _PLAIN_RMSE.format(marker="  # error: LF205 at `torch.sqrt(per_point)`", use="loss = rmse")
    ),
]

FUNCTION_VALUE_VALID = [
    # a feature front-end with fixed STFT kernels (buffers, no parameters),
    # picked from a registry: nothing seen feeds it a tensor with a gradient
    # (wenet-e2e/wespeaker's SpectralFeaturesTF, audit s196)
    """
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class SpectralFeatures(nn.Module):
        def __init__(self, nfft=512, shift=160):
            super().__init__()
            k = np.arange(nfft)
            real = np.cos(2 * np.pi * np.outer(k, k) / nfft).astype("float32")[:, None, :]
            imag = np.sin(2 * np.pi * np.outer(k, k) / nfft).astype("float32")[:, None, :]
            self.register_buffer("real_kernel", torch.from_numpy(real))
            self.register_buffer("imag_kernel", torch.from_numpy(imag))
            self.shift = shift

        def forward(self, wavs):
            x = wavs.unsqueeze(1)
            re = F.conv1d(x, self.real_kernel, stride=self.shift)
            im = F.conv1d(x, self.imag_kernel, stride=self.shift)
            return torch.log(torch.sqrt(torch.square(re) + torch.square(im)).clip(1e-8))

    frontend_class_dict = {"tfmel": SpectralFeatures}
    """,
    # norms of per-task gradient vectors: copies of autograd.grad's results
    # (no create_graph) gathered by a method of the class (LibMTL's MGDA, audit s150)
    """
    import torch

    class MGDA:
        def _compute_grad(self, losses):
            grads = torch.zeros(len(losses), self.grad_dim)
            for tn, loss in enumerate(losses):
                grad = list(torch.autograd.grad(loss, self.params, retain_graph=True))
                grads[tn] = torch.cat([g.view(-1) for g in grad])
            return grads

        def _get_grads(self, losses):
            return self._compute_grad(losses)

        def normalizers(self, grads):
            gn = grads.pow(2).sum(-1).sqrt()
            return grads / gn.unsqueeze(1)

        def backward(self, losses):
            grads = self._get_grads(losses)
            return self.normalizers(grads)
    """,
    # the same distance clamped before the root
    """
    import torch

    def dist(q, p):
        d2 = (q ** 2).sum(1, keepdim=True) + (p ** 2).sum(1, keepdim=True).t() - 2 * q @ p.t()
        return d2.clamp(min=1e-12).sqrt()
    """,
    # weight normalisation: the norm of a learned weight (started random) is
    # 0 only by accident (mean-teacher's weight_norm.py, audit R57)
    """
    import tensorflow as tf

    def fully_connected(inputs, num_outputs):
        V = tf.Variable(tf.random.normal([int(inputs.shape[1]), num_outputs], 0, 0.05))
        g = tf.Variable(tf.ones([num_outputs]))
        scaler = g / tf.sqrt(tf.reduce_sum(tf.square(V), [0]))
        return scaler * tf.matmul(inputs, V)
    """,
    # the same variable made in one branch, reused by name in the other
    """
    import tensorflow as tf

    def dense(x, num_outputs, init=False):
        if init:
            V = tf.get_variable("V", [4, num_outputs], tf.float32, tf.random_normal_initializer(0, 0.05))
            return x
        else:
            V, g, b = [tf.get_variable(var_name) for var_name in ["V", "g", "b"]]
        scaler = g / tf.sqrt(tf.reduce_sum(tf.square(V), [0]))
        return scaler * tf.matmul(x, V) + b
    """,
    """
    import torch
    from torch import nn

    class WNLinear(nn.Module):
        def __init__(self, i, o):
            super().__init__()
            self.V = nn.Parameter(torch.randn(o, i) * 0.05)
            self.g = nn.Parameter(torch.ones(o))

        def forward(self, x):
            w = self.g[:, None] * self.V / torch.sqrt((self.V ** 2).sum(1, keepdim=True))
            return x @ w.t()
    """,
    # a random tensor made with requires_grad=False, literally or through a
    # parameter every call leaves at its default False (pytorch3d's
    # random_quaternions, audit R35)
    """
    import torch

    def random_quaternions(n, dtype=None, requires_grad=False):
        o = torch.randn((n, 4), dtype=dtype, requires_grad=requires_grad)
        s = (o * o).sum(1)
        return o / torch.sqrt(s)[:, None]

    def random_rotations(n, requires_grad=False):
        return random_quaternions(n, requires_grad=requires_grad)

    def random_versors(n):
        o = torch.randn((n, 4), requires_grad=False)
        return o / torch.sqrt((o * o).sum(1))[:, None]

    q = random_quaternions(8)
    r = random_rotations(4)
    """,
    # a random time step only: no gradient reaches the schedule's root
    _SCHEDULE.format(t=_RANDOM_T, bind=_PARTIAL, value="scale_fn", marker=""),
    # the same through a plain alias, and handed directly
    _SCHEDULE.format(t=_RANDOM_T, bind="scale_fn = noise_scale", value="scale_fn", marker=""),
    _SCHEDULE.format(
        t=_RANDOM_T,
        bind="",
        value="functools.partial(noise_scale, sigma_max=25)",
        marker="",
    ),
    # a sampler's coefficients from a registered buffer and a numeric setting
    # (minDiffusion's DDIM, audit R63)
    """
    import torch
    import torch.nn as nn

    class DDIM(nn.Module):
        def __init__(self, eps_model, n_T=1000, eta=0.0):
            super().__init__()
            self.eps_model = eps_model
            self.n_T = n_T
            self.eta = eta
            betas = torch.linspace(1e-4, 0.02, n_T + 1)
            self.register_buffer("alphabar_t", torch.cumprod(1 - betas, dim=0))

        def sample(self, n, size):
            x_i = torch.randn(n, *size)
            for i in range(self.n_T, 1, -1):
                eps = self.eps_model(x_i)
                c1 = self.eta * ((1 - self.alphabar_t[i] / self.alphabar_t[i - 1]) * (
                    1 - self.alphabar_t[i - 1]) / (1 - self.alphabar_t[i])).sqrt()
                c2 = ((1 - self.alphabar_t[i - 1]) - c1 ** 2).sqrt()
                x_i = self.alphabar_t[i - 1].sqrt() * x_i + c2 * eps
            return x_i
    """,
    # every caller clamps x into [1e-10, 1 - 1e-5]: 1 - x ** 2 > 0 (pykg2vec's
    # MuRP, audit s86)
    _MURP.format(marker="", arg="torch.clamp(d, 1e-10, 1 - 1e-5)"),
    # ... and here it is only logged: no gradient reaches the root
    _PLAIN_RMSE.format(marker="", use='print("rmse", rmse.item())'),
]
