"""LF104 on a discriminator built from another module by ``getattr(models,
"AdversarialNet")`` (a literal name: the module's attribute) and re-wrapped in
``nn.DataParallel`` in the same method (ZhaoZhibin/UDTL, audit s210); a name
computed at run time stays unknown."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_NET = """
import torch.nn as nn


class AdversarialNet(nn.Module):
    def __init__(self, in_feature, hidden_size):
        super().__init__()
        self.ad_layer = nn.Sequential(nn.Linear(in_feature, hidden_size), nn.ReLU())
        self.out = nn.Sequential(nn.Linear(hidden_size, 1), nn.Sigmoid())

    def forward(self, x):
        return self.out(self.ad_layer(x))
"""

_TRAIN = """
import torch
from torch import nn
import models


class Trainer(object):
    def setup(self, name):
        self.device_count = torch.cuda.device_count()
        self.AdversarialNet = getattr(models, {name})(in_feature=64, hidden_size=32)
        if self.device_count > 1:
            self.AdversarialNet = torch.nn.DataParallel(self.AdversarialNet)
        self.adversarial_loss = nn.BCELoss()
        self.optimizer = torch.optim.SGD(self.AdversarialNet.parameters(), lr=0.01)

    def train(self, loader):
        for features, adversarial_label in loader:
            adversarial_out = self.AdversarialNet(features)
            loss = self.adversarial_loss(adversarial_out.squeeze(), adversarial_label)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
"""


def _run(tmp_path: Path, name: str) -> list[tuple[str, int, str]]:
    files = {
        "models/__init__.py": "from .AdversarialNet import AdversarialNet\n",
        "models/AdversarialNet.py": _NET,
        "train.py": _TRAIN.format(name=name),
    }
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF104"]


def test_literal_getattr_and_rewrap_are_followed(tmp_path: Path) -> None:
    assert _run(tmp_path, '"AdversarialNet"') == [("train.py", 19, "LF104")]


def test_computed_name_stays_unknown(tmp_path: Path) -> None:
    assert _run(tmp_path, "name") == []
