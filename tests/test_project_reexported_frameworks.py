"""A framework module re-exported by a project module is that framework's:
tfmot's code imports ``keras`` from its own ``compat`` module (audit s171),
and a package's ``__init__`` may hand on ``torch.nn``; the qualified names
of what is built through them are the framework's, so the rules read them.
A project module's own object of that name is no framework's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

TRAIN = """
import numpy as np

from pkg.compat import keras

layers = keras.layers


def build():
    model = keras.Sequential([keras.layers.Dense(10, input_shape=(10,)), layers.Dense(1)])
    model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
    model.fit(np.random.rand(32, 10), np.random.randint(2, size=(32, 1)))
    return model
"""

TORCH_TRAIN = """
import torch

from models import F, nn


def train(net, loader):
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        loss = nn.CrossEntropyLoss()(F.softmax(net(x), dim=1), y)
        loss.backward()
        optimizer.step()
"""


@pytest.mark.parametrize(
    "compat",
    [
        "from tensorflow import keras\n",
        "import tensorflow as tf\nfrom tensorflow import keras as keras\n",
    ],
)
def test_keras_imported_from_a_project_shim_is_keras(tmp_path: Path, compat: str) -> None:
    files = {"pkg/__init__.py": "", "pkg/compat.py": compat, "pkg/train.py": TRAIN}
    assert ("train.py", 11, "LF402") in project_findings(tmp_path, files)


def test_torch_nn_handed_on_by_a_package_init(tmp_path: Path) -> None:
    files = {
        "models/__init__.py": "import torch.nn as nn\nimport torch.nn.functional as F\n",
        "train.py": TORCH_TRAIN,
    }
    assert ("train.py", 11, "LF101") in project_findings(tmp_path, files)


def test_a_project_modules_own_object_is_not_the_framework(tmp_path: Path) -> None:
    compat = "class _Shim:\n    Sequential = list\n\n\nkeras = _Shim()\n"
    files = {"pkg/__init__.py": "", "pkg/compat.py": compat, "pkg/train.py": TRAIN}
    assert [f for f in project_findings(tmp_path, files) if f[2].startswith("LF4")] == []
