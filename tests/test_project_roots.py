"""A run over several projects reads each through its own root."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

NET = """\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)
"""
TRAIN = """\
import torch
from torch import nn

from model import Net

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
"""


def _project(folder: Path, marker: bool = True) -> None:
    folder.mkdir(parents=True)
    if marker:
        (folder / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (folder / "model.py").write_text(NET)
    (folder / "train.py").write_text(TRAIN)


def _findings(cwd: Path, *args: str) -> list[str]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lossflint",
            "check",
            *args,
            "--isolated",
            "--output-format",
            "json",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return sorted(
        f"{d['filename']}:{d['location']['row']} {d['code']}" for d in json.loads(proc.stdout)
    )


@pytest.mark.parametrize("top_marker", [False, True])
def test_each_project_of_a_run_reads_its_own_imports(tmp_path: Path, top_marker: bool) -> None:
    mono = tmp_path / "mono"
    _project(mono / "a")
    _project(mono / "b")
    if top_marker:
        (mono / "pyproject.toml").write_text("[project]\nname = 'mono'\n")
    expected = ["a/train.py:11 LF101", "b/train.py:11 LF101"]
    assert _findings(mono, ".", "--no-cache") == expected
    assert _findings(mono, "b", "a", "--no-cache") == expected
    # cached: the second run is served from the cache, per project
    assert _findings(mono, ".") == expected
    assert _findings(mono, ".") == expected
    # editing b's model changes b's findings, and only b's
    (mono / "b" / "model.py").write_text(NET.replace("F.softmax(self.fc(x), dim=1)", "self.fc(x)"))
    assert _findings(mono, ".") == ["a/train.py:11 LF101"]


def test_folders_without_markers_stay_one_project(tmp_path: Path) -> None:
    _project(tmp_path / "p", marker=False)
    assert _findings(tmp_path / "p", ".", "--no-cache") == ["train.py:11 LF101"]


ENGINE = """\
import torch


class Trainer:
    def __init__(self, model, optimizer) -> None:
        self.model = model
        self.optimizer = optimizer

    def train_one_epoch(self, loader):
        for x, y in loader:
            loss = torch.nn.functional.cross_entropy(self.model(x), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
"""
EPOCHS = """\
from engine import Trainer


def main(model, optimizer, loader):
    trainer = Trainer(model, optimizer)
    for epoch in range(10):
        trainer.train_one_epoch(loader)
"""


def test_an_iteration_in_another_modules_loop_is_reported_once_there(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "engine.py").write_text(ENGINE)
    (tmp_path / "train.py").write_text(EPOCHS)
    assert _findings(tmp_path, ".", "--no-cache") == ["engine.py:15 LF301"]


def test_lf201_related_names_the_file_the_softmax_is_in() -> None:
    root = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "call_sites"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lossflint",
            "check",
            ".",
            "--isolated",
            "--no-cache",
            "--output-format",
            "json",
        ],
        cwd=root,
        capture_output=True,
        text=True,
    )
    (finding,) = [d for d in json.loads(proc.stdout) if d["code"] == "LF201"]
    assert [(r["filename"], r["location"]["row"]) for r in finding["related"]] == [("train.py", 11)]
