"""LF603 across modules: a same-file function evaluates a model whose class
another module defines (with a batch norm there), handed to it by this file's
own callers in train mode (``_trained_by_callers``); an ``eval()`` before the
call makes it silent."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

MODS = """
from torch import nn

class VQVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 16, 4, 2, 1), nn.BatchNorm2d(16), nn.ReLU(True))
        self.decoder = nn.Sequential(nn.ConvTranspose2d(16, 3, 4, 2, 1), nn.Tanh())

    def forward(self, x):
        return self.decoder(self.encoder(x))
"""

SCRIPT = """
import torch
import torch.nn.functional as F
from mods import VQVAE


def train(data_loader, model, optimizer):
    for images, _ in data_loader:
        optimizer.zero_grad()
        F.mse_loss(model(images), images).backward()
        optimizer.step()


def test(data_loader, model):
    with torch.no_grad():
        total = 0.0
        for images, _ in data_loader:
            total += F.mse_loss(model(images), images).item()
    return total


def main(train_loader, valid_loader):
    model = VQVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)
    for epoch in range(10):
        train(train_loader, model, optimizer){switch}
        print(test(valid_loader, model))
"""


def _findings(root: Path, switch: str) -> list[tuple[str, int, str]]:
    script = SCRIPT.replace("{switch}", switch)
    return project_findings(root, {"mods.py": MODS, "vqvae.py": script})


def test_a_model_of_another_modules_class_handed_in_train_mode(tmp_path: Path) -> None:
    assert ("vqvae.py", 18, "LF603") in _findings(tmp_path, "")


def test_an_eval_before_the_call_puts_it_in_eval_mode(tmp_path: Path) -> None:
    found = _findings(tmp_path, "\n        model.eval()")
    assert [f for f in found if f[2] == "LF603"] == []
