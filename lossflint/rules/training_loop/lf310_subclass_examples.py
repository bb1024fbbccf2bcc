"""LF310 examples: schedulers the project writes by deriving from a framework
scheduler (SeuTao's ``CosineAnnealingLR_with_Restart(_LRScheduler)``, audit
s200). The base's ``__init__`` takes the first step, so stepping one at the top
of an epoch skips its first value whatever the instance is called and whether
or not the class writes its own ``step()``; a class whose ``__init__`` never
runs the base's follows a protocol of its own."""

from __future__ import annotations

from lossflint.examples import Invalid

_RESTART = """
import math
import torch.nn.functional as F
from torch import optim
from torch.optim.lr_scheduler import _LRScheduler


class CosineAnnealingLR_with_Restart(_LRScheduler):
    def __init__(self, optimizer, T_max, eta_min=0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        self.current_epoch = last_epoch
        {init}

    def get_lr(self):
        return [
            self.eta_min + (b - self.eta_min) * (1 + math.cos(math.pi * self.current_epoch / self.T_max)) / 2
            for b in self.base_lrs
        ]

    def step(self, epoch=None):
        self.current_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr


def run(net, train_loader, epochs):
    optimizer = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    sgdr = CosineAnnealingLR_with_Restart(optimizer, T_max=epochs, eta_min=1e-3)
    for epoch in range(epochs):
        {before}
        for x, y in train_loader:
            loss = F.cross_entropy(net(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        {after}
"""

_SUPER = "super(CosineAnnealingLR_with_Restart, self).__init__(optimizer, last_epoch)"
# the base's __init__ never runs: the class keeps its own books
_NO_SUPER = (
    "self.optimizer = optimizer\n        self.base_lrs = [g['lr'] for g in optimizer.param_groups]"
)

# a subclass of a built-in scheduler that changes nothing but its name
_RENAMED = """
import torch.nn.functional as F
from torch import optim
from torch.optim.lr_scheduler import CosineAnnealingLR


class WarmRestart(CosineAnnealingLR):
    pass


def run(net, train_loader, epochs):
    optimizer = optim.SGD(net.parameters(), lr=0.1)
    cosine = WarmRestart(optimizer, T_max=epochs)
    for epoch in range(epochs):
        {before}
        for x, y in train_loader:
            optimizer.zero_grad()
            F.cross_entropy(net(x), y).backward()
            optimizer.step()
        {after}
"""

SUBCLASS_INVALID = [
    Invalid(
        _RESTART.format(
            init=_SUPER, before="sgdr.step()  # error: LF310 at `sgdr.step(`", after="pass"
        )
    ),
    Invalid(_RENAMED.format(before="cosine.step()  # error: LF310", after="pass")),
]

SUBCLASS_VALID = [
    _RESTART.format(init=_SUPER, before="pass", after="sgdr.step()"),
    # an explicit epoch sets the value for the epoch about to run
    _RESTART.format(init=_SUPER, before="sgdr.step(epoch)", after="pass"),
    _RESTART.format(init=_NO_SUPER, before="sgdr.step()", after="pass"),
    _RENAMED.format(before="pass", after="cosine.step()"),
]
