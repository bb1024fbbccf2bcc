"""A model picked by an ``if``/``elif`` chain among several classes of another
project module (SACN's and HypER's ``models.py``, audit s180): its
``forward(...)`` gives what every class's ``forward`` gives, and its
``loss`` attribute the loss object every class keeps."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

MODELS = """
import torch
import torch.nn.functional as F


class DistMult(torch.nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.emb = torch.nn.Embedding(n, d)
        self.rel = torch.nn.Linear(d, n)
        self.loss = torch.nn.BCELoss()

    def forward(self, e1):
        return F.sigmoid(self.rel(self.emb(e1)))


class ConvE(torch.nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.emb = torch.nn.Embedding(n, d)
        self.fc = torch.nn.Linear(d, n)
        self.loss = torch.nn.BCELoss()

    def forward(self, e1):
        return {head}(self.fc(self.emb(e1)))
"""

MAIN = """
import sys

import torch

from models import ConvE, DistMult

if sys.argv[1] == "DistMult":
    model = DistMult(100, 8)
elif sys.argv[1] == "ConvE":
    model = ConvE(100, 8)
else:
    raise ValueError(sys.argv[1])

opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for e1, e2_multi in loader:
    opt.zero_grad()
    pred = model.forward(e1)
    loss = model.loss(pred, e2_multi)
    loss.backward()
    opt.step()
"""


def test_every_picked_class_ends_in_sigmoid(tmp_path: Path) -> None:
    files = {"models.py": MODELS.format(head="F.sigmoid"), "main.py": MAIN}
    assert ("main.py", 19, "LF104") in project_findings(tmp_path, files)


def test_one_picked_class_gives_logits(tmp_path: Path) -> None:
    files = {"models.py": MODELS.format(head=""), "main.py": MAIN}
    assert [f for f in project_findings(tmp_path, files) if f[0] == "main.py"] == []
