"""A loss object of ``models/loss.py`` built in ``train.py`` and handed to a
training function or a trainer class of a third module, which calls it with
the model's output (voqtuyen/deep-pix-bis-pad.pytorch's ``PixWiseBCELoss``,
audit s200): the loss class's ``forward`` sees what the third module passes.
Silent when the model gives logits, when the holder never calls the object
where its callers agree, and when the instance is handed somewhere unread."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_NET = """
from torch import nn


class PixNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.dec = nn.Conv2d(384, 1, kernel_size=1)

    def forward(self, x):
        return {head}(self.dec(x))
"""

_LOSS = """
from torch import nn


class PixWiseBCELoss(nn.Module):
    def __init__(self, beta):
        super().__init__()
        self.criterion = nn.BCELoss()
        self.beta = beta

    def forward(self, net_mask, target_mask):
        return self.beta * self.criterion(net_mask, target_mask)
"""

_ENGINE = """
def train_one_epoch(network, optimizer, loss_fn, loader):
    network.train()
    for img, mask in loader:
        optimizer.zero_grad()
        loss = loss_fn(network(img), mask)
        loss.backward()
        optimizer.step()
"""

_TRAINER = """
class Trainer:
    def __init__(self, network, optimizer, loss, loader):
        self.network = network
        self.optimizer = optimizer
        self.loss = loss
        self.loader = loader

    def train_one_epoch(self):
        self.network.train()
        for img, mask in self.loader:
            self.optimizer.zero_grad()
            loss = self.loss(self.network(img), mask)
            loss.backward()
            self.optimizer.step()
"""

_TRAIN = """
import torch
from models.net import PixNet
from models.loss import PixWiseBCELoss
{imports}

network = PixNet()
optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
loss = PixWiseBCELoss(beta=0.5)
loader = torch.utils.data.DataLoader(list(range(10)), batch_size=2, shuffle=True)
{drive}
"""

_BY_FUNCTION = (
    "from engine import train_one_epoch",
    "train_one_epoch(network, optimizer, loss, loader)",
)
_BY_TRAINER = (
    "from trainer import Trainer",
    "Trainer(network=network, optimizer=optimizer, loss=loss, loader=loader).train_one_epoch()",
)


def _run(tmp_path: Path, head: str, driver: tuple[str, str]) -> list[tuple[str, int, str]]:
    files = {
        "models/__init__.py": "",
        "models/net.py": _NET.format(head=head),
        "models/loss.py": _LOSS,
        "engine.py": _ENGINE,
        "trainer.py": _TRAINER,
        "train.py": _TRAIN.format(imports=driver[0], drive=driver[1]),
    }
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF104"]


def test_loss_handed_to_a_training_function(tmp_path: Path) -> None:
    assert _run(tmp_path, "torch.sigmoid", _BY_FUNCTION) == [("loss.py", 12, "LF104")]


def test_loss_handed_to_a_trainer_class(tmp_path: Path) -> None:
    assert _run(tmp_path, "torch.sigmoid", _BY_TRAINER) == [("loss.py", 12, "LF104")]


def test_logits_stay_silent(tmp_path: Path) -> None:
    assert _run(tmp_path, "", _BY_FUNCTION) == []
    assert _run(tmp_path, "", _BY_TRAINER) == []


def test_handed_where_the_holder_does_not_call_it_stays_silent(tmp_path: Path) -> None:
    # the engine's function is called elsewhere with another loss object:
    # its parameter is not pinned, its call is out of sight
    driver = (
        "from engine import train_one_epoch",
        "train_one_epoch(network, optimizer, loss, loader)\n"
        "train_one_epoch(network, optimizer, torch.nn.MSELoss(), loader)",
    )
    assert _run(tmp_path, "torch.sigmoid", driver) == []
