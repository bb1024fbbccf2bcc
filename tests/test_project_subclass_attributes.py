"""A base class whose methods use a model only its subclasses build, each in
another module (skip-ganomaly's ``BaseModel.test`` under ``no_grad`` with
``self.netg`` set by ``Ganomaly.__init__``, audit s177): LF603 in the base
when every subclass of the project builds a model with batch norm; silent
when another subclass builds one without (which runs is unknown), and when
the only subclass builds nothing the file can see."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_NETWORKS = """
import torch.nn as nn


class NetG(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU())

    def forward(self, x):
        return self.main(x)
"""

_BASE = """
import torch


class BaseModel:
    def __init__(self, data):
        self.data = data

    def train_one_epoch(self):
        self.netg.train()
        for x in self.data:
            self.optimizer_g.zero_grad()
            ((self.netg(x) - x) ** 2).mean().backward()
            self.optimizer_g.step()

    def test(self):
        with torch.no_grad():
            scores = []
            for x in self.data:
                fake = self.netg(x)
                scores.append(((fake - x) ** 2).mean(dim=(1, 2, 3)))
            return torch.cat(scores)

    def train(self, epochs):
        for epoch in range(epochs):
            self.train_one_epoch()
            self.test()
"""

_SUBCLASS = """
import torch
import torch.nn as nn

from lib.basemodel import BaseModel
from lib.networks import NetG


class {name}(BaseModel):
    def __init__(self, data):
        super().__init__(data)
        self.netg = {model}
        self.optimizer_g = torch.optim.Adam(self.netg.parameters())
"""

_TRAIN = """
import torch

from lib.ganomaly import Ganomaly

Ganomaly([torch.randn(4, 3, 16, 16) for _ in range(3)]).train(2)
"""


def _run(tmp_path: Path, **others: str) -> list[tuple[str, int, str]]:
    files = {
        "lib/__init__.py": "",
        "lib/networks.py": _NETWORKS,
        "lib/basemodel.py": _BASE,
        "lib/ganomaly.py": _SUBCLASS.format(name="Ganomaly", model="NetG()"),
        "train.py": _TRAIN,
        **{
            f"lib/{name.lower()}.py": _SUBCLASS.format(name=name, model=model)
            for name, model in others.items()
        },
    }
    return project_findings(tmp_path, files)


def test_the_subclass_model_is_evaluated_in_train_mode(tmp_path: Path) -> None:
    assert _run(tmp_path) == [("basemodel.py", 20, "LF603")]


def test_subclasses_disagreeing_on_the_model(tmp_path: Path) -> None:
    assert _run(tmp_path, Plain="nn.Conv2d(3, 3, 3, 1, 1)") == []


def test_a_subclass_whose_model_is_unknown(tmp_path: Path) -> None:
    assert _run(tmp_path, Other="torch.load('g.pt')") == []
