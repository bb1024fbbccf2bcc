"""A package's file run as a script imports its siblings by their plain names
(thuml/CDAN: ``pytorch/`` has an ``__init__.py``, ``pytorch/train_image.py``
does ``import loss`` and ``import network``; audit s155): linted from the
repository's root, the sibling is found for a file with a ``__main__`` block
(before any top-level module of that name), so ``loss.py``'s helpers know what
the training script passes them. Its own folder comes first, as
``python pytorch/train_image.py`` puts it first on ``sys.path`` (astnn's
``clone/train.py`` beside a root ``model.py``, audit s239). A package module
that is no script does not see its siblings so (``import torch`` next to
``models/torch.py``)."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_NETWORK = """
import torch.nn as nn


class AdversarialNetwork(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layer = nn.Linear(n, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        return self.sigmoid(self.layer(x))
"""

_LOSS = """
import torch
import torch.nn as nn


def DANN(features, ad_net):
    ad_out = ad_net(features)
    target = torch.ones_like(ad_out)
    return nn.BCELoss()(ad_out, target)
"""

_TRAIN = """
import torch
import loss
import network


def train(features_of, loader):
    ad_net = network.AdversarialNetwork(16)
    opt = torch.optim.SGD(ad_net.parameters(), lr=0.1)
    for x in loader:
        opt.zero_grad()
        loss.DANN(features_of(x), ad_net).backward()
        opt.step()


if __name__ == "__main__":
    train(lambda x: x, [])
"""


def test_a_script_in_a_package_imports_its_siblings(tmp_path: Path) -> None:
    files = {
        "pytorch/__init__.py": "",
        "pytorch/network.py": _NETWORK,
        "pytorch/loss.py": _LOSS,
        "pytorch/train_image.py": _TRAIN,
        "tensorflow/network.py": "import tensorflow as tf\n",
    }
    found = [f for f in project_findings(tmp_path, files) if f[2] == "LF104"]
    assert found == [("loss.py", 9, "LF104")]


def test_its_own_folder_comes_before_a_top_level_module_of_that_name(tmp_path: Path) -> None:
    files = {
        "pytorch/__init__.py": "",
        "pytorch/network.py": _NETWORK,
        "pytorch/loss.py": _LOSS,
        "pytorch/train_image.py": _TRAIN,
        # the script's own ``network.py`` comes first: this one is not what it imports
        "network.py": "import torch.nn as nn\nAdversarialNetwork = nn.Linear\n",
    }
    found = [f for f in project_findings(tmp_path, files) if f[2] == "LF104"]
    assert found == [("loss.py", 9, "LF104")]
