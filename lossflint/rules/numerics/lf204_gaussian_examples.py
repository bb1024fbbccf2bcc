"""LF204 examples of a Gaussian kernel's exponent written in steps: the
negated squared distance over ``2 * sigma**2`` is at most 0 however it is
spelled (lightning-pose's target heatmaps, audit s103: ``h *= -1`` then
``h /= 2 * sigma**2``), while an unsigned distance can overflow. A name
rebound by the very statement that takes its ``exp`` is read as it was
before: the MDN-RNN's ``z_loss = -K.log(K.sum(K.exp(z_loss), 1))`` and
``log_pi = log_pi - K.log(K.sum(K.exp(log_pi), 1))`` (WorldModels, audit
s139) are not their own negated or shifted results. A deep ensemble's Gaussian
layer takes its sigma as ``K.log(1 + K.exp(s))``, a softplus written with the
Keras backend (cpark321/uncertainty-deep-learning, audit s158). An attention
softmax divided in place by its repeated sum (``at /= K.repeat(at_sum, n)``,
datalogue/keras-attention, audit s166) is the naive softmax; with the max
subtracted first it is not."""

from __future__ import annotations

from lossflint.examples import Invalid

_SIGMA = """
from keras import backend as K
from keras.layers import Layer


class GaussianLayer(Layer):
    def call(self, x):
        output_mu = K.dot(x, self.w_1) + self.b_1
        output_sig = K.dot(x, self.w_2) + self.b_2
        output_sig_pos = {sigma} + 1e-06{marker}
        return [output_mu, output_sig_pos]
"""

_ATTENTION = """
import keras.backend as K


def step(et, timesteps):
    at = K.exp(et{shift})
    at_sum = K.sum(at, axis=1)
    at_sum_repeated = K.repeat(at_sum, timesteps)
    at /= at_sum_repeated{marker}
    return at
"""

GAUSSIAN_INVALID = [
    Invalid(_ATTENTION.format(shift="", marker="  # error: LF204")),
    Invalid(_SIGMA.format(sigma="K.log(1 + K.exp(output_sig))", marker="  # error: LF204")),
    Invalid(
        """
        import numpy as np
        from tensorflow.keras import backend as K

        def z_loss_fn(log_pi, mu, log_sigma, z_true):
            z_loss = log_pi + (-0.5 * ((z_true - mu) / K.exp(log_sigma)) ** 2 - log_sigma)
            z_loss = -K.log(K.sum(K.exp(z_loss), 1, keepdims=True))  # error: LF204 at `K.log(`
            return K.mean(z_loss)
        """
    ),
    Invalid(
        """
        import tensorflow as tf
        from tensorflow.keras import backend as K

        def get_mixture_coef(z_pred):
            log_pi, mu, log_sigma = tf.split(z_pred, 3, 1)
            log_pi = log_pi - K.log(K.sum(K.exp(log_pi), axis=1, keepdims=True))  # error: LF204 at `K.log(`
            return log_pi, mu, log_sigma
        """
    ),
    # the squared distance itself, never negated: exp grows with it
    Invalid(
        """
        import torch

        def heatmaps(kp, xx, yy):
            d2 = (yy - kp[..., :1]) ** 2 + (xx - kp[..., 1:]) ** 2
            h = torch.exp(d2)
            return h / torch.sum(h, dim=(2, 3), keepdim=True)  # error: LF204 at `h / torch.sum(h, dim=(2, 3), keepdim=True)`
        """
    ),
]

GAUSSIAN_VALID = [
    _ATTENTION.format(shift=" - K.max(et, axis=1, keepdims=True)", marker=""),
    _SIGMA.format(sigma="K.softplus(output_sig)", marker=""),
    """
    import torch

    def heatmaps(kp, xx, yy, sigma=1.25):
        h = (yy - kp[..., :1]) ** 2
        h += (xx - kp[..., 1:]) ** 2
        h *= -1
        h /= 2 * sigma**2
        h = torch.exp(h)
        return h / torch.sum(h, dim=(2, 3), keepdim=True)

    def heatmaps_named(kp, xx, yy, sigma=1.25):
        d2 = (yy - kp[..., :1]) ** 2 + (xx - kp[..., 1:]) ** 2
        neg = -d2
        expo = neg / (2 * sigma**2)
        g = torch.exp(expo)
        return g / torch.sum(g, dim=(2, 3), keepdim=True)

    def heatmaps_scaled(kp, xx, yy, sigma=1.25):
        e = (yy - kp[..., :1]) ** 2 + (xx - kp[..., 1:]) ** 2
        e = e * -1
        e = e / (2 * sigma**2)
        e = torch.exp(e)
        return e / torch.sum(e, dim=(2, 3), keepdim=True)
    """,
]
