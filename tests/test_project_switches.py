"""A configuration switch read in one module and written in another
(``analysis/switches.py``, LF310): a write in another file's loop switches it
between passes (no switch: silent), a write once before the loop is setup."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

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
    return project_findings(root, {"engine.py": ENGINE, "train.py": train})


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
