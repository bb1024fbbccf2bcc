"""A helper of another module that returns the parameter it is handed (ADDA's
``init_model(net, restore)``: loads weights into ``net``, returns it) gives
its caller the same model (corenel/pytorch-adda, audit R57: LF112); a helper
that wraps or rebuilds it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

MODELS = """
import torch.nn as nn


class Discriminator(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layer = nn.Sequential(nn.Linear(n, 2), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.layer(x)
"""

HELPERS = """
import torch


def init_model(net, restore=None):
    if restore is not None:
        net.load_state_dict(torch.load(restore))
{body}
"""

TRAIN = """
import torch
import torch.nn as nn

from helpers import init_model
from models import Discriminator

critic = init_model(Discriminator(8), restore=None)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(critic.parameters())
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(critic(x), y)
    loss.backward()
    optimizer.step()
"""


def _codes(root: Path, body: str) -> list[tuple[str, int, str]]:
    files = {"models.py": MODELS, "helpers.py": HELPERS.replace("{body}", body), "train.py": TRAIN}
    return [f for f in project_findings(root, files) if f[2] == "LF112"]


@pytest.mark.parametrize(
    "body",
    ["    return net", "    return net.to(device)", "    net.restored = True\n    return net"],
)
def test_a_helper_returning_its_argument_keeps_the_model(tmp_path: Path, body: str) -> None:
    """Also moved to a device (skorch's ``to_device``, the same helper as
    the interpreter's ``passed_through`` reads in one file)."""
    body = body if "device" not in body else "    device = 'cpu'\n" + body
    assert _codes(tmp_path, body) == [("train.py", 13, "LF112")]


@pytest.mark.parametrize(
    "body",
    [
        "    net = torch.nn.DataParallel(net).module.float()\n    return net",
        "    return None",
        # changed in place before it is given back: not what the caller passed
        "    torch.nn.utils.remove_weight_norm(net)\n    return net",
    ],
)
def test_a_helper_that_rebuilds_it_does_not(tmp_path: Path, body: str) -> None:
    assert _codes(tmp_path, body) == []


ADAPT = """
import torch
import torch.nn as nn


def train_tgt(critic, loader):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(critic.parameters())
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(critic(x), y)
        loss.backward()
        optimizer.step()
"""

MAIN = """
from core import train_tgt
from helpers import init_model
from models import Discriminator

if __name__ == "__main__":
    critic = init_model(Discriminator(8), restore=None)
    train_tgt(critic, loader)
"""


@pytest.mark.parametrize("listed", ["(train_tgt,)", '["train_tgt"]'])
def test_a_package_listing_the_function_in_all_passes_it_on(tmp_path: Path, listed: str) -> None:
    """pytorch-adda's ``core/__init__.py`` lists the function objects in
    ``__all__`` (by mistake for their names): still only a re-export."""
    files = {
        "models.py": MODELS,
        "helpers.py": HELPERS.replace("{body}", "    return net"),
        "core/__init__.py": f"from .adapt import train_tgt\n\n__all__ = {listed}\n",
        "core/adapt.py": ADAPT,
        "main.py": MAIN,
    }
    found = [f for f in project_findings(tmp_path, files) if f[2] == "LF112"]
    assert found == [("adapt.py", 11, "LF112")]
