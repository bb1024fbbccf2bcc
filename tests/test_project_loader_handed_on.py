"""A loader another module's helper returns, handed by ``main`` to a
training function of the same file (STGAT's ``train(args, model,
train_loader, ...)``, audit s183): LF602 at the helper's ``DataLoader`` with
``shuffle=False``; silent when the function it is handed to only evaluates."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_LOADER = """
from torch.utils.data import DataLoader, Dataset


class TrajectoryDataset(Dataset):
    def __init__(self, path):
        self.items = list(range(100))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def data_loader(args, path):
    dset = TrajectoryDataset(path)
    loader = DataLoader(dset, batch_size=args.batch_size, shuffle=False)
    return dset, loader
"""

_TRAIN = """
import torch
import torch.nn as nn
from data.loader import data_loader


def train(model, train_loader, optimizer):
    model.train()
    for batch in train_loader:
        optimizer.zero_grad()
        loss = model(batch.float().unsqueeze(1)).pow(2).mean()
        {step}


def main(args):
    train_dset, train_loader = data_loader(args, "train")
    model = nn.Linear(1, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(10):
        train(model, train_loader, optimizer)


if __name__ == "__main__":
    main(None)
"""


def _run(tmp_path: Path, step: str) -> list[tuple[str, int, str]]:
    files = {
        "data/__init__.py": "",
        "data/loader.py": _LOADER,
        "train.py": _TRAIN.format(step=step),
    }
    return project_findings(tmp_path, files)


def test_the_loader_reaches_a_training_function(tmp_path: Path) -> None:
    assert _run(tmp_path, "loss.backward()\n        optimizer.step()") == [
        ("loader.py", 18, "LF602")
    ]


def test_the_function_it_reaches_does_not_train(tmp_path: Path) -> None:
    assert _run(tmp_path, "print(loss.item())") == []
