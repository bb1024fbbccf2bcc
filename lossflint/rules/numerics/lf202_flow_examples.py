"""LF202 examples of flows' log-determinants (audit s174): log|det W| of an
invertible layer's learned weight started at the identity (ffjord's glow
layer), and a ``logabs`` lambda called on a learned scale and, once, on the
starting value of a new parameter (glow-pytorch, whose ZeroConv2d keeps a
``self.scale`` of its own, started at zeros)."""

from __future__ import annotations

from lossflint.examples import Invalid

_LOGDET = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class BruteForceLayer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.eye(dim))

    def forward(self, x, logpx):
        return F.linear(x, self.weight), logpx - self._logdetgrad

    @property
    def _logdetgrad(self):
        return torch.log(torch.abs({of})).sum(){marker}
"""

_LOGABS = """
import numpy as np
import torch
from torch import nn

logabs = lambda x: torch.log(torch.abs(x)){marker}


class ActNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1, c, 1, 1))

    def forward(self, x):
        return self.scale * x, torch.sum(logabs(self.scale))


class ZeroConv2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.scale = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x):
        return x * torch.exp(self.scale * 3)


class InvConv2dLU(nn.Module):
    def __init__(self, c):
        super().__init__()
        w_s = torch.from_numpy(np.random.randn(c).astype(np.float32))
        self.w_s = nn.Parameter({start})

    def forward(self, x):
        return x, torch.sum(self.w_s)
"""

FLOW_INVALID = [
    # the identity's entries off the diagonal are 0 from the start
    Invalid(_LOGDET.format(of="self.weight", marker="  # error: LF202")),
    # the lambda's result is also used where gradients flow, on data
    Invalid(
        _LOGABS.format(start="w_s", marker="  # error: LF202").replace(
            "return x, torch.sum(self.w_s)", "return x, torch.sum(logabs(x))"
        )
    ),
]

FLOW_VALID = [
    _LOGDET.format(of="torch.det(self.weight.double())", marker=""),
    _LOGDET.format(of="torch.diagonal(self.weight)", marker=""),
    _LOGABS.format(start="logabs(w_s)", marker=""),
]
