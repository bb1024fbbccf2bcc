"""Training events of another module's functions reach the caller's loop
(imrahulr/adversarial_robustness_pytorch, audit s153, LF303):

- a helper that computes a loss under an ``if`` (the attack step) before its
  own unconditional ``optimizer.zero_grad()``: a loss computed conditionally
  orders nothing, so the helper's events are still sure;
- ``self.standard_loss(x, y)`` inherited from a base class of another module
  (``class WATrainer(Trainer)``) runs that method's events.

A ``zero_grad()`` the helper runs only under an ``if`` is not sure: LF303 fires."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_TRADES = """
import torch.nn.functional as F


def trades_loss(model, x, y, optimizer, attack="linf"):
    if attack == "linf":
        loss_kl = F.cross_entropy(model(x), y)
    {clear}
    return F.cross_entropy(model(x), y)
"""

_TRAIN = """
from trades import trades_loss


def train(model, loader, optimizer):
    for x, y in loader:
        loss = trades_loss(model, x, y, optimizer)
        loss.backward()
        optimizer.step()
"""

_BASE = """
import torch
import torch.nn.functional as F


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def standard_loss(self, x, y):
        {clear}
        return F.cross_entropy(self.model(x), y)
"""

_SUB = """
from base import Trainer


class WATrainer(Trainer):
    def train(self, loader):
        for x, y in loader:
            loss = self.standard_loss(x, y)
            loss.backward()
            self.optimizer.step()
"""


def _lf303(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF303"]


def test_a_loss_under_an_if_before_the_helpers_zero_grad(tmp_path: Path) -> None:
    files = {"trades.py": _TRADES.format(clear="optimizer.zero_grad()"), "train.py": _TRAIN}
    assert _lf303(tmp_path, files) == []


def test_a_zero_grad_under_an_if_of_the_helper_is_not_sure(tmp_path: Path) -> None:
    clear = "if attack:\n        optimizer.zero_grad()"
    files = {"trades.py": _TRADES.format(clear=clear), "train.py": _TRAIN}
    assert _lf303(tmp_path, files) == [("train.py", 9, "LF303")]


def test_a_method_inherited_from_another_modules_class_clears(tmp_path: Path) -> None:
    files = {"base.py": _BASE.format(clear="self.optimizer.zero_grad()"), "sub.py": _SUB}
    assert _lf303(tmp_path, files) == []


def test_an_inherited_method_that_clears_nothing(tmp_path: Path) -> None:
    files = {"base.py": _BASE.format(clear="pass"), "sub.py": _SUB}
    assert _lf303(tmp_path, files) == [("sub.py", 10, "LF303")]
