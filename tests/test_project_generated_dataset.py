"""A data set of another project module whose ``__getitem__`` reads its index
only when a constructor flag is off (Moving MNIST generating a new sequence
per item in training: ConvLSTM-PyTorch, audit s176): a loader over the
training construction has no order to shuffle; over the other, it has."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

DATASET = """
import random

import numpy as np
import torch
import torch.utils.data as data


class MovingMNIST(data.Dataset):
    def __init__(self, root, is_train, num_objects):
        super().__init__()
        self.is_train = is_train
        self.num_objects = num_objects
        self.dataset = np.load(root)

    def generate(self):
        frames = np.zeros((20, 64, 64), dtype=np.float32)
        x = random.randint(0, 36)
        frames[:, x:x + 28, x:x + 28] = 1.0
        return frames

    def __getitem__(self, idx):
        if self.is_train or self.num_objects[0] != 2:
            images = self.generate()
        else:
            images = self.dataset[:, idx, ...]
        images = torch.from_numpy(images)
        return [idx, images[:10], images[10:]]

    def __len__(self):
        return 10000
"""

MAIN = """
import torch
from torch import nn

from data.mm import MovingMNIST

train_set = MovingMNIST(root="mnist.npy", is_train={flag}, num_objects=[3])
train_loader = torch.utils.data.DataLoader(train_set, batch_size=4, shuffle=False)
net = nn.Conv2d(10, 10, 3, padding=1)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
for epoch in range(10):
    for _, inputs, label in train_loader:
        optimizer.zero_grad()
        nn.functional.mse_loss(net(inputs), label).backward()
        optimizer.step()
"""


@pytest.mark.parametrize(("flag", "reported"), [("True", False), ("False", True)])
def test_the_constructor_flag_decides_the_order(tmp_path: Path, flag: str, reported: bool) -> None:
    files = {"data/__init__.py": "", "data/mm.py": DATASET, "main.py": MAIN.format(flag=flag)}
    found = ("main.py", 8, "LF602") in project_findings(tmp_path, files)
    assert found is reported
