"""LF310 examples of schedulers stepped by a method of a trainer object
(UNIT's ``trainer.update_learning_rate()`` before ``trainer.dis_update(...)``
and ``trainer.gen_update(...)``, audit s160): the method's steps run where it
is called, ``if self.dis_scheduler is not None:`` guarding nothing but the
scheduler's existence. The same method called after the updates is the
right order; a scheduler class of the project's own with its own ``step()``
keeps its protocol; a step under a real condition is not known to run."""

from __future__ import annotations

from lossflint.examples import Invalid

_TRAINER = """
import torch
import torch.nn as nn
from torch.optim import lr_scheduler
{prelude}

class Trainer(nn.Module):
    def __init__(self):
        super().__init__()
        self.dis = nn.Linear(4, 1)
        self.dis_opt = torch.optim.Adam(self.dis.parameters(), lr=1e-4)
        self.dis_scheduler = {scheduler}

    def dis_update(self, x):
        self.dis_opt.zero_grad()
        loss = ((self.dis(x) - 1) ** 2).mean()
        loss.backward()
        self.dis_opt.step()

    def update_learning_rate(self):
        if {guard}:
            self.dis_scheduler.step(){marker}


trainer = Trainer()
loader = [torch.randn(8, 4) for _ in range(10)]
for epoch in range(3):
    for images in loader:
{body}
"""

_FIRST = "        trainer.update_learning_rate()\n        trainer.dis_update(images)"
_AFTER = "        trainer.dis_update(images)\n        trainer.update_learning_rate()"
_STEP_LR = "lr_scheduler.StepLR(self.dis_opt, step_size=100000, gamma=0.5)"
_OWN = """

class Warmup:
    def __init__(self, opt):
        self.opt, self.n = opt, 0

    def step(self):
        self.n += 1
        for group in self.opt.param_groups:
            group["lr"] = 1e-4 * min(1.0, self.n / 100)
"""
_NONE = ""

METHOD_INVALID = [
    Invalid(
        _TRAINER.format(
            prelude=_NONE,
            scheduler=_STEP_LR,
            guard="self.dis_scheduler is not None",
            marker="  # error: LF310",
            body=_FIRST,
        )
    ),
    Invalid(
        _TRAINER.format(
            prelude=_NONE,
            scheduler=_STEP_LR,
            guard="self.dis_scheduler",
            marker="  # error: LF310",
            body=_FIRST,
        )
    ),
]

METHOD_VALID = [
    _TRAINER.format(
        prelude=_NONE,
        scheduler=_STEP_LR,
        guard="self.dis_scheduler is not None",
        marker="",
        body=_AFTER,
    ),
    # the project's own schedule: its step sets the rate of the coming update
    _TRAINER.format(
        prelude=_OWN,
        scheduler="Warmup(self.dis_opt)",
        guard="self.dis_scheduler is not None",
        marker="",
        body=_FIRST,
    ),
    # stepped only when a condition holds: not known to run before the update
    _TRAINER.format(
        prelude=_NONE, scheduler=_STEP_LR, guard="self.dis_opt.state", marker="", body=_FIRST
    ),
]

#: optimisers and schedulers kept in dicts by name (Learning-Loss-for-Active-
#: Learning, audit s178): each epoch steps the schedulers first
_DICTS = """
import torch
import torch.nn as nn


def train_epoch(models, criterion, optimizers, loader):
    for inputs, labels in loader:
        optimizers["backbone"].zero_grad()
        loss = criterion(models["backbone"](inputs), labels)
        loss.backward()
        optimizers["backbone"].step()


def train(models, criterion, optimizers, schedulers, loader, num_epochs):
    for epoch in range(num_epochs):
        {before}
        train_epoch(models, criterion, optimizers, loader)
        {after}
"""

METHOD_INVALID.append(
    Invalid(_DICTS.format(before='schedulers["backbone"].step()  # error: LF310', after="pass"))
)
METHOD_VALID += [
    _DICTS.format(before="pass", after='schedulers["backbone"].step()'),
    # an entry at a key that is not written out: not known to be a scheduler's
    _DICTS.format(before="pass", after="schedulers[epoch].step()").replace(
        "train_epoch(models", "schedulers[key].step()\n        train_epoch(models"
    ),
]

# a decay guarded by a start the configuration sets to -1: taken from the
# first epoch on (C-3-Framework's trainers, audit s182)
_DECAY_START = """
import torch
from torch import nn, optim
from torch.optim.lr_scheduler import StepLR

LR_DECAY_START = {start}


class Trainer:
    def __init__(self, loader):
        self.net = nn.Linear(4, 1)
        self.optimizer = optim.Adam(self.net.parameters(), lr=1e-5)
        self.scheduler = StepLR(self.optimizer, step_size=1, gamma=0.995)
        self.train_loader = loader

    def forward(self):
        for epoch in range(200):
            if epoch > LR_DECAY_START:
                self.scheduler.step(){marker}
            self.train()

    def train(self):
        for img, gt in self.train_loader:
            self.optimizer.zero_grad()
            nn.functional.mse_loss(self.net(img), gt).backward()
            self.optimizer.step()
"""

METHOD_INVALID.append(Invalid(_DECAY_START.format(start=-1, marker="  # error: LF310")))
# decay from epoch 10 on: the optimizer has stepped by then
METHOD_VALID.append(_DECAY_START.format(start=10, marker=""))
