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
