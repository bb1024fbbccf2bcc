"""LF305 examples whose backward() is two helper calls deep: GFLA's
``backward_D`` calls ``backward_D_basic``, which back-propagates the
discriminator's loss before ``optimizer_D.step()`` (RenYurui/Global-Flow-
Local-Attention, audit s199)."""

from __future__ import annotations

from lossflint.examples import Invalid

_GAN = """
import torch
import torch.nn as nn


class Model:
    def __init__(self):
        self.net_G = nn.Linear(4, 4)
        self.net_D = nn.Linear(4, 1)
        self.optimizer_G = torch.optim.Adam(self.net_G.parameters(), lr=1e-4)
        self.optimizer_D = torch.optim.Adam(self.net_D.parameters(), lr=1e-4)

    def backward_D_basic(self, netD, real, fake):
        D_loss = (netD(fake.detach()) - netD(real)).mean()
        D_loss.backward()
        return D_loss

    def backward_D(self):
        self.loss_dis = self.backward_D_basic(self.net_D, self.real, self.img_gen)

    def backward_G(self):
        total_loss = -self.net_D(self.img_gen).mean()
        total_loss.backward()

    def update(self, frames):
        for x in frames:
            self.real = x
            self.img_gen = self.net_G(x)
            self.optimizer_D.zero_grad()
{discriminator}
            self.optimizer_G.zero_grad()
            self.backward_G()
            self.optimizer_G.step()
"""

HELPER_INVALID = [
    # the discriminator stepped before its two-calls-deep backward
    Invalid(
        _GAN.format(
            discriminator="            self.optimizer_D.step()  # error: LF305\n"
            "            self.backward_D()"
        )
    ),
]

HELPER_VALID = [
    _GAN.format(discriminator="            self.backward_D()\n            self.optimizer_D.step()"),
]
