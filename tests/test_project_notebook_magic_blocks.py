"""A notebook whose Colab cell runs shell commands inside a block (``if not
os.path.isdir(...): !git clone ... else: !git pull``, eecs498's notebooks,
audit s165) still imports the project modules its other cells import: its
calls pin the parameters of the helpers it calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_project_analysis import _check, write

_VAE = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.decoder = nn.Sequential(nn.Linear(15, 784), nn.Sigmoid())

    def forward(self, z):
        return self.decoder(z)


def loss_function(x_hat, x):
    return F.binary_cross_entropy(x_hat, x, reduction="sum")
"""

_HELPER = """\
import torch.optim as optim
from vae import loss_function


def train_vae(model, loader):
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for z, x in loader:
        optimizer.zero_grad()
        loss = loss_function(model(z), x)
        loss.backward()
        optimizer.step()
"""


def _notebook(first_cell: str) -> str:
    cells = [
        first_cell,
        "from vae import VAE\nfrom helper import train_vae\n"
        "vae_model = VAE()\nfor epoch in range(10):\n    train_vae(vae_model, loader_train)\n",
    ]
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "source": c,
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                }
                for c in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


@pytest.mark.parametrize(
    "first_cell",
    [
        "import os\nif not os.path.isdir('/content/repo'):\n    !git clone x /content/repo\n"
        "else:\n    !git -C /content/repo pull\n",
        "!pip install torch\n",
    ],
)
def test_a_shell_command_in_a_block_keeps_the_notebooks_imports(
    tmp_path: Path, first_cell: str
) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "vae.py": _VAE,
            "helper.py": _HELPER,
            "nb.ipynb": _notebook(first_cell),
        },
    )
    _, found, output = _check(tmp_path, ".")
    # (the helper's per-call Adam, which the notebook's epoch loop runs, is LF311)
    assert found == ["helper.py:6:17: LF311", "vae.py:16:12: LF104"], output
