"""LF310 on a trainer's ``self.{attr}`` built in ``__init__`` from
another module's class (Tramac's awesome-semantic-segmentation-pytorch, audit
s126): a torch ``_LRScheduler`` subclass is a framework scheduler even when
the project also writes a plain ``LRScheduler`` class of its own protocol,
when it writes its own ``step()`` and under any name (audit s200); the
trainer holding that plain class stays silent."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_SCHEDULERS = """
import torch


class LRScheduler(object):
    def __call__(self, optimizer, num_update):
        pass


class WarmupPolyLR(torch.optim.lr_scheduler._LRScheduler):
    def get_lr(self):
        return [b * 0.5 for b in self.base_lrs]


class RestartLR(torch.optim.lr_scheduler._LRScheduler):
    def step(self, epoch=None):
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr


class PolyStep:
    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self):
        for group in self.optimizer.param_groups:
            group["lr"] *= 0.99
"""

_TRAIN = """
import torch
import torch.nn as nn

from utils.lr_scheduler import {cls}


class Trainer(object):
    def __init__(self, loader):
        self.train_loader = loader
        self.model = nn.Conv2d(3, 21, 1)
        self.criterion = nn.CrossEntropyLoss(ignore_index=-1)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=1e-4, momentum=0.9)
        self.{attr} = {cls}(self.optimizer)

    def train(self):
        self.model.train()
        for iteration, (images, targets) in enumerate(self.train_loader):
            self.{attr}.step()
            loss = self.criterion(self.model(images), targets)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
"""


def _run(tmp_path: Path, cls: str, attr: str = "lr_scheduler") -> list[tuple[str, int, str]]:
    files = {
        "utils/__init__.py": "",
        "utils/lr_scheduler.py": _SCHEDULERS,
        "train.py": _TRAIN.format(cls=cls, attr=attr),
    }
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF310"]


def test_torch_subclass_on_self_is_reported(tmp_path: Path) -> None:
    assert _run(tmp_path, "WarmupPolyLR") == [("train.py", 19, "LF310")]


def test_own_protocol_class_on_self_is_silent(tmp_path: Path) -> None:
    assert _run(tmp_path, "PolyStep") == []


def test_torch_subclass_with_own_step_is_reported(tmp_path: Path) -> None:
    # the base's __init__ took the first step: the class's own step() skips a value
    assert _run(tmp_path, "RestartLR") == [("train.py", 19, "LF310")]


def test_torch_subclass_under_any_name_is_reported(tmp_path: Path) -> None:
    assert _run(tmp_path, "RestartLR", attr="sgdr") == [("train.py", 19, "LF310")]
    assert _run(tmp_path, "PolyStep", attr="sgdr") == []
