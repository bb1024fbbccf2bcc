"""LF602 on a training ``DataLoader`` whose data set comes from another
module: a trainer class builds the loader over the data set its construction
in ``train.py`` passes (minChatGPT's ``PPOTrainer``, audit s217), and a
script's own subclass of another module's map-style data set (EasyTPP's
``TPPDatasetV2``, audit s218). Silent when the loader shuffles, when the
construction passes an iterable data set, and when the base is iterable."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_DATASETS = """
import torch
from torch.utils.data import Dataset, IterableDataset


class Prompts(Dataset):
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        return self.items[idx]


class Stream(IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)
"""

_TRAINER = """
import torch
from torch.utils.data import DataLoader


class PPOTrainer:
    def __init__(self, actor, train_dataset):
        self.actor = actor
        self.loader = DataLoader(train_dataset, batch_size=8{shuffle})
        self.optimizer = torch.optim.Adam(actor.parameters(), lr=1e-5)

    def fit(self):
        for epoch in range(3):
            for prompt in self.loader:
                loss = self.actor(prompt).mean()
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()
"""

_TRAIN = """
import torch
from datasets import {cls}
from trainer import PPOTrainer

dataset = {cls}([torch.randn(4) for _ in range(64)])
PPOTrainer(torch.nn.Linear(4, 1), dataset).fit()
"""

_SUBCLASS = """
import torch
from torch.utils.data import DataLoader
from datasets import {base}


class PromptsV2({base}):
    def __getitem__(self, idx):
        return self.items[idx] * 2


def main():
    loader = DataLoader(PromptsV2([torch.randn(4) for _ in range(6)]), batch_size=1)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(10):
        for x in loader:
            loss = model(x).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
"""


def _trainer(tmp_path: Path, cls: str, shuffle: str) -> list[tuple[str, int, str]]:
    files = {
        "datasets.py": _DATASETS,
        "trainer.py": _TRAINER.format(shuffle=shuffle),
        "train.py": _TRAIN.format(cls=cls),
    }
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF602"]


def _subclass(tmp_path: Path, base: str) -> list[tuple[str, int, str]]:
    files = {"datasets.py": _DATASETS, "train.py": _SUBCLASS.format(base=base)}
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF602"]


def test_trainer_loader_over_a_dataset_passed_from_another_module(tmp_path: Path) -> None:
    assert _trainer(tmp_path, "Prompts", "") == [("trainer.py", 9, "LF602")]


def test_trainer_loader_that_shuffles_is_silent(tmp_path: Path) -> None:
    assert _trainer(tmp_path, "Prompts", ", shuffle=True") == []


def test_trainer_loader_over_an_iterable_dataset_is_silent(tmp_path: Path) -> None:
    assert _trainer(tmp_path, "Stream", "") == []


def test_subclass_of_another_modules_map_dataset(tmp_path: Path) -> None:
    assert _subclass(tmp_path, "Prompts") == [("train.py", 13, "LF602")]


def test_subclass_of_another_modules_iterable_dataset_is_silent(tmp_path: Path) -> None:
    assert _subclass(tmp_path, "Stream") == []
