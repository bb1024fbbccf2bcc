"""A trainer class of another module that keeps the loader it is built with
and trains on it (codertimo/BERT-pytorch's ``BERTTrainer(model,
train_dataloader=...)`` whose ``train()`` hands ``self.train_data`` to
``self.iteration``; audit R56: LF602): the script's unshuffled training loader
is reported, its test loader, handed to the same helper with
``train=False``, is not."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

TRAINER = """
import torch.nn as nn
from torch.optim import Adam


class Trainer:
    def __init__(self, model, train_dataloader, test_dataloader=None):
        self.model = model
        self.train_data = train_dataloader
        self.test_data = test_dataloader
        self.optim = Adam(self.model.parameters(), lr=1e-4)
        self.criterion = nn.NLLLoss(ignore_index=0)

    def train(self, epoch):
        self.iteration(epoch, self.train_data)

    def test(self, epoch):
        self.iteration(epoch, self.test_data, train=False)

    def iteration(self, epoch, data_loader, train=True):
        for i, data in enumerate(data_loader):
            out = self.model.forward(data["x"])
            loss = self.criterion(out, data["y"])
            if train:
                self.optim.zero_grad()
                loss.backward()
                self.optim.step()
"""

MAIN = """
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from trainer import Trainer


class CorpusDataset(Dataset):
    def __init__(self, n):
        self.lines = [torch.randn(8) for _ in range(n)]

    def __len__(self):
        return len(self.lines)

    def __getitem__(self, item):
        return {"x": self.lines[item], "y": torch.tensor(item % 3)}


model = nn.Sequential(nn.Linear(8, 3), nn.LogSoftmax(dim=-1))
train_data_loader = DataLoader(CorpusDataset(100), batch_size=16{shuffle})
test_data_loader = DataLoader(CorpusDataset(20), batch_size=16)
trainer = Trainer(model, train_dataloader=train_data_loader, test_dataloader=test_data_loader)
for epoch in range(3):
    trainer.train(epoch)
    trainer.test(epoch)
"""

_TRAIN_ROW = (
    MAIN.splitlines().index(
        "train_data_loader = DataLoader(CorpusDataset(100), batch_size=16{shuffle})"
    )
    + 1
)


def _lf602(root: Path, shuffle: str, trainer: str = TRAINER) -> list[tuple[str, int, str]]:
    files = {"trainer.py": trainer, "main.py": MAIN.replace("{shuffle}", shuffle)}
    return [f for f in project_findings(root, files) if f[2] == "LF602"]


def test_the_training_loader_a_trainer_keeps_is_reported(tmp_path: Path) -> None:
    assert _lf602(tmp_path, "") == [("main.py", _TRAIN_ROW, "LF602")]


def test_a_shuffled_training_loader_is_not(tmp_path: Path) -> None:
    assert _lf602(tmp_path, ", shuffle=True") == []


#: BERT-pytorch's own loop: the wrapped loader bound to a name first
_BOUND_ITERATOR = TRAINER.replace(
    "        for i, data in enumerate(data_loader):\n",
    "        data_iter = tqdm.tqdm(enumerate(data_loader), total=len(data_loader))\n"
    "        for i, data in data_iter:\n",
).replace("import torch.nn as nn\n", "import torch.nn as nn\nimport tqdm\n")


def test_a_loader_iterated_through_a_bound_progress_bar_is_reported(tmp_path: Path) -> None:
    assert "data_iter = tqdm.tqdm(" in _BOUND_ITERATOR
    assert _lf602(tmp_path, "", _BOUND_ITERATOR) == [("main.py", _TRAIN_ROW, "LF602")]


def test_a_name_bound_to_a_progress_bar_on_one_path_only_is_not_followed(tmp_path: Path) -> None:
    """``data_iter`` is the wrapped loader on one path only: the loop's data
    is not surely the loader."""
    trainer = _BOUND_ITERATOR.replace(
        "        for i, data in data_iter:\n",
        "        if epoch > 5:\n            data_iter = self.cached\n        for i, data in data_iter:\n",
    )
    assert _lf602(tmp_path, "", trainer) == []


_FACTORY = """
from torch.utils.data import DataLoader, Dataset


class Clips(Dataset):
    def __init__(self, train):
        self.items = list(range(100 if train else 10))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def create_dataloader(train):
    if train:
        return DataLoader(Clips(train), batch_size=16, shuffle=True)
    else:
        return DataLoader(Clips(train), batch_size=1, shuffle=False)
"""

_ENGINE = """
import tqdm


def train(model, optimizer, trainloader):
    for epoch in range(10):
        loader = tqdm.tqdm(trainloader)
        for x in loader:
            optimizer.zero_grad()
            model(x).mean().backward()
            optimizer.step()
"""

_TRAINER = """
from data import create_dataloader
from engine import train

trainloader = create_dataloader(True)
train(model, optimizer, trainloader)
"""


def test_a_factory_choosing_the_shuffled_loader_by_an_argument_is_silent(tmp_path: Path) -> None:
    """melgan's ``create_dataloader(hp, args, train)`` returns a shuffled
    loader for training and an ordered one for validation: which one the
    caller gets is its argument's choice (harness R20)."""
    files = {"data.py": _FACTORY, "engine.py": _ENGINE, "trainer.py": _TRAINER}
    assert [f for f in project_findings(tmp_path, files) if f[2] == "LF602"] == []
