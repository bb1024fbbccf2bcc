"""LF204 examples of a masked softmax written by hand: the exponentials are
multiplied by a mask (inline, or in place with ``*=``) before the row sums
(MLSTM-FCN's attention LSTM, audit s192). The mask changes nothing about the
overflow of ``exp``; a max subtracted first does."""

from __future__ import annotations

from lossflint.examples import Invalid

_TORCH = """
import torch


def step(scores, mask):
    alpha = torch.exp({shifted}) * mask
    alpha = alpha / torch.sum(alpha, dim=1, keepdim=True){marker}
    return alpha
"""

_KERAS = """
from keras import backend as K


def step(attention_, dp_mask):
    alpha = K.exp({shifted})
    alpha *= dp_mask[0]
    alpha /= K.sum(alpha, axis=1, keepdims=True){marker}
    return alpha
"""

MASKED_INVALID = [
    Invalid(_TORCH.format(shifted="scores", marker="  # error: LF204")),
    Invalid(_KERAS.format(shifted="attention_", marker="  # error: LF204")),
]

MASKED_VALID = [
    _TORCH.format(shifted="scores - scores.max(dim=1, keepdim=True)[0]", marker=""),
    _KERAS.format(shifted="attention_ - K.max(attention_, axis=1, keepdims=True)", marker=""),
]

# CLIP's loss written out: the diagonal of exp(sim) over its row sums, the
# similarities scaled by a learned, unclamped temperature (taki0112's
# CLIP-Tensorflow, audit s213)
_CLIP = """
import tensorflow as tf


def contrastive(text_latents, image_latents, temperature):
    sim = tf.matmul(text_latents, image_latents, transpose_b=True) * tf.exp(temperature)
    sim_exp = tf.exp({scores})
    pos = tf.linalg.diag_part(sim_exp)
    denom = tf.reduce_sum(sim_exp, axis=-1)
    return tf.reduce_mean(-tf.math.log(pos / denom + 1e-20)){marker}
"""

MASKED_INVALID.append(Invalid(_CLIP.format(scores="sim", marker="  # error: LF204")))
MASKED_VALID.append(
    _CLIP.format(scores="sim - tf.reduce_max(sim, axis=-1, keepdims=True)", marker="")
)

#: a softplus written by hand whose exponent is capped by a masked store
#: first (Transformer Hawkes Process's ``softplus``, audit s218); the store
#: under an ``if``, or capping at 100, leaves the overflow
_MASKED_CAP = """
import torch


def softplus(x, beta):
    temp = beta * x
    {cap}
    return 1.0 / beta * torch.log(1 + torch.exp(temp)){marker}
"""
MASKED_VALID.append(_MASKED_CAP.format(cap="temp[temp > 20] = 20", marker=""))
MASKED_INVALID.append(
    Invalid(
        _MASKED_CAP.format(
            cap="if beta > 1:\n        temp[temp > 20] = 20",
            marker="  # error: LF204 at `torch.log(`",
        )
    )
)
MASKED_INVALID.append(
    Invalid(
        _MASKED_CAP.format(cap="temp[temp > 100] = 100", marker="  # error: LF204 at `torch.log(`")
    )
)

#: a naive log-sum-exp kept off log(0) by an eps set once on the module
#: (scMDC's pooling layer, audit s223): the eps does nothing against overflow
MASKED_INVALID.append(
    Invalid(
        """
        import torch
        import torch.nn as nn

        class MinPool(nn.Module):
            def __init__(self, beta):
                super().__init__()
                self.beta = beta
                self.eps = 1e-10

            def forward(self, inputs):
                return -torch.log(torch.sum(torch.exp(inputs * self.beta), dim=1) + self.eps)  # error: LF204 at `torch.log(`
        """
    )
)
