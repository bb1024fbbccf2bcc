"""A configuration switch read in one module and written in another
(``analysis/switches.py``, LF310): a write in another file's loop switches it
between passes (no switch: silent), a write once before the loop is setup."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ENGINE = """
class Trainer:
    def __init__(self, model, loader, optimizer, scheduler):
        self.model, self.loader = model, loader
        self.optimizer, self.scheduler = optimizer, scheduler
        self.decay = False

    def train_one_epoch(self):
        if self.decay:
            self.scheduler.step()
        for x, y in self.loader:
            self.optimizer.zero_grad()
            self.model(x, y).backward()
            self.optimizer.step()
"""


def _codes(root: Path, train: str) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    (root / "engine.py").write_text(ENGINE)
    (root / "train.py").write_text(train)
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--no-cache", "--output-format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return [
        (Path(d["filename"]).name, d["location"]["row"], d["code"]) for d in json.loads(proc.stdout)
    ]


def test_a_switch_flipped_in_another_modules_loop_is_no_switch(tmp_path: Path) -> None:
    train = (
        "from engine import Trainer\n\n"
        "def fit(trainer, epochs):\n"
        "    for epoch in range(epochs):\n"
        "        trainer.decay = epoch >= 5\n"
        "        trainer.train_one_epoch()\n"
    )
    assert _codes(tmp_path, train) == []


def test_a_switch_set_once_in_another_module_is_a_setting(tmp_path: Path) -> None:
    train = (
        "from engine import Trainer\n\n"
        "def fit(trainer, epochs):\n"
        "    trainer.decay = True\n"
        "    for epoch in range(epochs):\n"
        "        trainer.train_one_epoch()\n"
    )
    assert _codes(tmp_path, train) == [("engine.py", 10, "LF310")]
