"""A training script inside a package folder (``clone/train.py`` with
``clone/__init__.py``) imports ``from model import PairNet``: run as ``python
train.py`` its own folder is first on ``sys.path``, so that is ``clone/model.py``
even when the project root holds another ``model.py`` (zhangj111/astnn,
audit s239)."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_ROOT_MODEL = """
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, dim, n):
        super().__init__()
        self.out = nn.Linear(dim, n)

    def forward(self, x):
        return self.out(x)
"""

_CLONE_MODEL = """
import torch
import torch.nn as nn


class PairNet(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.enc = nn.Linear(dim, dim)
        self.hidden2label = nn.Linear(dim, 1)

    def forward(self, x1, x2):
        return torch.sigmoid(self.hidden2label(torch.abs(self.enc(x1) - self.enc(x2))))
"""

_TRAIN = """
import torch
from model import PairNet

model = PairNet(8)
optimizer = torch.optim.Adamax(model.parameters())
loss_function = torch.nn.BCELoss()
for epoch in range(3):
    output = model(x1, x2)
    loss = loss_function(output, y)
    loss.backward()
    optimizer.step()
"""


def test_a_packaged_training_script_imports_its_sibling(tmp_path: Path) -> None:
    files = {
        "__init__.py": "",
        "model.py": _ROOT_MODEL,
        "clone/__init__.py": "",
        "clone/model.py": _CLONE_MODEL,
        "clone/train.py": _TRAIN,
    }
    found = project_findings(tmp_path, files)
    assert ("train.py", 10, "LF104") in found
