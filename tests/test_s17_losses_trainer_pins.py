"""Loss-input facts reaching a trainer class of another module (held-out
s18): the trainer keeps what its ``__init__`` is given by a tuple assignment
(``self.model, self.opt = model, opt``), and the model is built by a package's
registry of builder lambdas (``{"small": lambda: Net(8)}``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lossflint import lint_paths

NETS = """\
import torch
import torch.nn as nn


class TwoHead(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.body = nn.Linear(4, width)
        self.value = nn.Linear(width, 1)
        self.gate = nn.Linear(width, 1)

    def forward(self, x):
        h = torch.relu(self.body(x))
        return self.value(h), torch.sigmoid(self.gate(h))


class LinearGate(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.body = nn.Linear(4, width)
        self.value = nn.Linear(width, 1)
        self.gate = nn.Linear(width, 1)

    def forward(self, x):
        h = torch.relu(self.body(x))
        return self.value(h), self.gate(h)
"""

PACKAGE = """\
from .nets import LinearGate, TwoHead

BUILDERS = {{{entries}}}


def make(name):
    return BUILDERS[name]()
"""

ENGINE = """\
import torch.nn.functional as F


class Fitter:
    def __init__(self, model, optimizer, weight):
        {keep}
        self.weight = weight

    def step(self, x, y, target):
        self.optimizer.zero_grad()
        value, gate = self.model(x)
        loss = F.mse_loss(value, y) + self.weight * F.binary_cross_entropy(gate, target)
        loss.backward()
        self.optimizer.step()
        return loss.item()
"""

TRAIN = """\
import torch

from engine import Fitter
from models import make


def main(name, loader):
    model = make(name).to("cpu")
    fitter = Fitter(model, torch.optim.Adam(model.parameters()), 0.1)
    for x, y, t in loader:
        fitter.step(x, y, t)
"""

TUPLE_KEEP = "self.model, self.optimizer = model, optimizer"


def findings(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    found = lint_paths([root], select=["LF104", "LF105"])
    return sorted(
        (Path(d.filename).relative_to(root).as_posix(), d.location.row, d.code) for d in found
    )


def project(entries: str, keep: str = TUPLE_KEEP, train: str = TRAIN) -> dict[str, str]:
    return {
        "models/__init__.py": PACKAGE.format(entries=entries),
        "models/nets.py": NETS,
        "engine.py": ENGINE.format(keep=keep),
        "train.py": train,
    }


def test_tuple_kept_model_from_a_lambda_registry(tmp_path: Path) -> None:
    files = project('"small": lambda: TwoHead(8), "large": lambda: TwoHead(64)')
    assert findings(tmp_path, files) == [("engine.py", 12, "LF104")]


def test_attributes_kept_one_by_one_still_work(tmp_path: Path) -> None:
    keep = "self.model = model\n        self.optimizer = optimizer"
    files = project('"small": lambda: TwoHead(8)', keep=keep)
    assert findings(tmp_path, files) == [("engine.py", 13, "LF104")]


def test_registry_entries_disagree(tmp_path: Path) -> None:
    # one builder's gate is linear (LF105 there, LF104 for the other): unknown
    files = project('"sigmoid": lambda: TwoHead(8), "linear": lambda: LinearGate(8)')
    assert findings(tmp_path, files) == []


def test_tuple_of_other_length_keeps_nothing_known(tmp_path: Path) -> None:
    keep = "self.model, self.optimizer = (model, optimizer)[::-1]"
    files = project('"small": lambda: TwoHead(8)', keep=keep)
    assert findings(tmp_path, files) == []


def test_constructions_disagree(tmp_path: Path) -> None:
    # a second script trains the same trainer on the linear-gate model
    other = """\
import torch

from engine import Fitter
from models.nets import LinearGate


def finetune(loader):
    model = LinearGate()
    fitter = Fitter(model, torch.optim.SGD(model.parameters(), lr=0.01), 1.0)
    for x, y, t in loader:
        fitter.step(x, y, t)
"""
    files = project('"small": lambda: TwoHead(8)')
    files["finetune.py"] = other
    assert findings(tmp_path, files) == []


def test_swapped_tuple_keeps_the_pairing(tmp_path: Path) -> None:
    # ``self.model`` is paired with what is passed as ``model``, item by item
    keep = "self.optimizer, self.model = optimizer, model"
    files = project('"small": lambda: TwoHead(8)', keep=keep)
    assert findings(tmp_path, files) == [("engine.py", 12, "LF104")]
