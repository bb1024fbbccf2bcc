"""LF202 examples of a log inside an expression that is detached as a whole:
IR-Net's power-of-two scale ``torch.pow(2, torch.log(s).round()).detach()``
(audit s193) is a constant to backward, which never comes down to the log.
The same log whose result is not detached is reported."""

from __future__ import annotations

from lossflint.examples import Invalid

_SCALE = """
import torch
import torch.nn as nn


class IRConv2d(nn.Conv2d):
    def forward(self, x):
        w = self.weight
        s = torch.pow(torch.tensor([2.0] * w.size(0)), torch.log(w.abs().view(w.size(0), -1).mean(-1)).round()){detach}{marker}
        return nn.functional.conv2d(x, w * s.view(-1, 1, 1, 1), self.bias)
"""

DETACHED_INVALID = [
    Invalid(_SCALE.format(detach="", marker="  # error: LF202 at `torch.log(`")),
]

DETACHED_VALID = [
    _SCALE.format(detach=".view(-1).detach()", marker=""),
]
