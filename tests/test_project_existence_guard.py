"""A scheduler stepped by another module's trainer method under ``if
self.scheduler is not None:`` (UNIT's ``update_learning_rate``, audit s160)
steps whenever there is one: the loop that calls that method before the one
that steps the optimizer is LF310's. A real condition (a flag) keeps the
step unsure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_project_analysis import _check, write

_TRAINER = """\
import torch
import torch.nn as nn
from torch.optim import lr_scheduler


class Trainer(nn.Module):
    def __init__(self):
        super().__init__()
        self.dis = nn.Linear(4, 1)
        self.dis_opt = torch.optim.Adam(self.dis.parameters(), lr=1e-4)
        self.dis_scheduler = lr_scheduler.StepLR(self.dis_opt, step_size=100000, gamma=0.5)
        self.decay = False

    def dis_update(self, x):
        self.dis_opt.zero_grad()
        loss = ((self.dis(x) - 1) ** 2).mean()
        loss.backward()
        self.dis_opt.step()

    def update_learning_rate(self):
        if {guard}:
            self.dis_scheduler.step()
"""

_TRAIN = """\
import torch
from trainer import Trainer

trainer = Trainer()
loader = [torch.randn(8, 4) for _ in range(10)]
for epoch in range(3):
    for images in loader:
        trainer.update_learning_rate()
        trainer.dis_update(images)
"""


@pytest.mark.parametrize(
    ("guard", "expected"),
    [
        ("self.dis_scheduler is not None", ["train.py:8:9: LF310"]),
        ("self.dis_scheduler", ["train.py:8:9: LF310"]),
        ("self.decay", []),
    ],
)
def test_a_step_guarded_by_its_schedulers_existence(
    tmp_path: Path, guard: str, expected: list[str]
) -> None:
    write(
        tmp_path,
        {"pyproject.toml": "", "trainer.py": _TRAINER.format(guard=guard), "train.py": _TRAIN},
    )
    _, found, output = _check(tmp_path, "train.py")
    assert found == expected, output
