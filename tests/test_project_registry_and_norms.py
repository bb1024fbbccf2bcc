"""PyTorch facts the held-out set s17 needed from other project modules: a
model picked from a closed registry by a name known only at run time
(``build_model(args.arch)``: what every entry agrees on, handed on to a
trainer in another module as ``SInstances``), and the norm of a magnitude a
trainer computes (LF206)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_numerics_heldout_s16 import findings

UNET = """\
import torch
import torch.nn as nn


class MaskUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Conv2d(1, 8, 3, padding=1)
        self.vad = nn.Linear(8, 1)

    def forward(self, x):
        h = self.body(x).mean((2, 3))
        return torch.sigmoid(h), {vad}
"""

REGISTRY = """\
from .unet import MaskUNet
from .crn import ConvRecurrentNet

_REGISTRY = {{"unet": MaskUNet, "crn": ConvRecurrentNet}}
{extra}

def build_model(name, **kwargs):
    if name not in _REGISTRY:
        raise KeyError(name)
    return _REGISTRY[name](**kwargs)
"""

ENGINE = """\
import torch.nn as nn


class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.criterion = nn.BCELoss()

    def train_epoch(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            mask, vad = self.model(x)
            loss = self.criterion(vad, y)
            loss.backward()
            self.optimizer.step()
"""

TRAIN = """\
import torch
import torch.nn.functional as F

from engine import Trainer
from models import build_model


def main(args, loader):
    model = build_model({key}).to("cuda")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    Trainer(model, optimizer).train_epoch(loader)
    for x, y in loader:
        mask, vad = model(x)
        print(F.binary_cross_entropy(vad, y).item())
"""


def registry_project(crn_vad: str, key: str = "args.arch", extra: str = "") -> dict[str, str]:
    return {
        "models/__init__.py": REGISTRY.format(extra=extra),
        "models/unet.py": UNET.format(vad="torch.sigmoid(self.vad(h))"),
        "models/crn.py": UNET.format(vad=crn_vad).replace("MaskUNet", "ConvRecurrentNet"),
        "engine.py": ENGINE,
        "train.py": TRAIN.format(key=key),
    }


@pytest.mark.parametrize("key", ["args.arch", '"crn"'])
def test_registry_entries_that_agree(tmp_path: Path, key: str) -> None:
    files = registry_project("torch.sigmoid(self.vad(h))", key)
    assert findings(tmp_path, files, ["LF104"]) == [("engine.py", 14), ("train.py", 14)]


@pytest.mark.parametrize(
    ("crn_vad", "extra"),
    [
        ("self.vad(h)", ""),  # one entry returns logits: either may run
        ("torch.sigmoid(self.vad(h))", "_REGISTRY.update(extra_models())\n"),  # not closed
    ],
)
def test_registry_entries_that_may_disagree(tmp_path: Path, crn_vad: str, extra: str) -> None:
    files = registry_project(crn_vad, extra=extra)
    assert findings(tmp_path, files, ["LF104"]) == []


def test_registry_literal_key_picks_its_entry(tmp_path: Path) -> None:
    files = registry_project("self.vad(h)", key='"unet"')
    assert findings(tmp_path, files, ["LF104"]) == [("engine.py", 14), ("train.py", 14)]


LOSSES = """\
import torch


def spectral_convergence(est_mag, ref_mag):
    num = torch.norm(ref_mag - est_mag, p="fro", dim=(-2, -1))
    return (num / torch.norm(ref_mag, p="fro", dim=(-2, -1))).mean()
"""

STEP = """\
import torch

from losses import spectral_convergence


def train_step(model, stft, noisy, clean, optimizer):
    optimizer.zero_grad()
    est_mag = model(noisy)
    loss = spectral_convergence(est_mag, {ref})
    loss.backward()
    optimizer.step()
"""


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("stft(clean).abs()", [("losses.py", 6)]),
        ("torch.exp(stft(clean))", []),  # never 0
        ("stft(clean).abs().clamp_min(1e-5)", []),  # guarded (unknown kind)
        ("stft(clean)", []),  # unknown: complex values, or anything
    ],
)
def test_norm_of_a_magnitude_from_the_caller(
    tmp_path: Path, ref: str, expected: list[tuple[str, int]]
) -> None:
    files = {"losses.py": LOSSES, "train.py": STEP.format(ref=ref)}
    assert findings(tmp_path, files, ["LF206"]) == expected


DATA = """\
from torch.utils.data import DataLoader, Dataset


class Pairs(Dataset):
    def __init__(self, files):
        self.files = sorted(files)

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return self.files[i]


def make_loaders(files, batch_size=16):
    train_loader = DataLoader(Pairs(files), batch_size=batch_size{shuffle})
    val_loader = DataLoader(Pairs(files), batch_size=batch_size)
    return train_loader, val_loader
"""

EPOCH_TRAINER = """\
class Trainer:
    def __init__(self, model, optimizer, criterion):
        self.model, self.optimizer, self.criterion = model, optimizer, criterion

    def train_epoch(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            self.criterion(self.model(x), y).backward()
            self.optimizer.step()

    def validate(self, loader):
        return [self.model(x) for x, _ in loader]
"""

EPOCHS = """\
from data import make_loaders
from engine import Trainer


def main(files, model, optimizer, criterion):
    train_loader, val_loader = make_loaders(files)
    trainer = Trainer(model, optimizer, criterion)
    for epoch in range(10):
        trainer.train_epoch({loader})
        trainer.validate(val_loader)
"""


@pytest.mark.parametrize(
    ("shuffle", "loader", "expected"),
    [
        ("", "train_loader", [("data.py", 16)]),
        (", shuffle=True", "train_loader", []),
        ("", "val_loader", [("data.py", 17)]),  # the loader trained on is the one reported
    ],
)
def test_factory_loader_trained_by_a_trainer_method_elsewhere(
    tmp_path: Path, shuffle: str, loader: str, expected: list[tuple[str, int]]
) -> None:
    files = {
        "data.py": DATA.format(shuffle=shuffle),
        "engine.py": EPOCH_TRAINER,
        "train.py": EPOCHS.format(loader=loader),
    }
    assert findings(tmp_path, files, ["LF602"]) == expected
