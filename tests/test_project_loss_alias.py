"""A functional loss bound to a module-level name in another module
(``losses.py: criterion = F.cross_entropy``) is that loss where it is called
(LF101 on softmax output); the same call on logits stays silent."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_TRAIN = """
import torch.nn as nn
import torch.nn.functional as F
from losses import criterion

model = nn.Linear(4, 3)


def main(loader):
    for x, y in loader:
        criterion({out}, y).backward()
"""


def _run(tmp_path: Path, out: str) -> list[tuple[str, int, str]]:
    files = {
        "losses.py": "import torch.nn.functional as F\n\ncriterion = F.cross_entropy\n",
        "train.py": _TRAIN.format(out=out),
    }
    return project_findings(tmp_path, files)


def test_an_imported_functional_loss_alias_is_the_loss(tmp_path: Path) -> None:
    assert _run(tmp_path, "F.softmax(model(x), dim=1)") == [("train.py", 11, "LF101")]


def test_the_alias_on_logits_is_silent(tmp_path: Path) -> None:
    assert _run(tmp_path, "model(x)") == []
