"""A helper module whose caller is a trainer class driven from a third file:
``losses.py``'s ``silog_loss(pred, ...)`` is called by ``engine.py``'s
``Trainer.train_step`` with ``self.model(x)``, and ``self.model`` is what
``train.py`` constructs the trainer with. The lint of ``losses.py`` reads
``engine.py``'s calls as a lint of ``engine.py`` sees them (its parameters
pinned by ``train.py``), and its cached result holds only while they do."""

from __future__ import annotations

from pathlib import Path

from lossflint.cache import ResultCache
from lossflint.config import Settings
from lossflint.parallel import run_files
from lossflint.project import digests

MODEL = """\
import torch.nn as nn
import torch.nn.functional as F


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Conv2d(16, 1, 3, padding=1)

    def forward(self, x):
        return F.relu(self.head(x))
"""

LOSSES = """\
import torch


def silog_loss(pred, gt, lam=0.85):
    d = torch.log(pred) - torch.log(gt)
    return (d ** 2).mean() - lam * d.mean() ** 2
"""

ENGINE = """\
from losses import silog_loss


class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def train_step(self, img, gt):
        self.optimizer.zero_grad()
        loss = silog_loss(self.model(img), gt)
        loss.backward()
        self.optimizer.step()
        return loss.item()
"""

TRAIN = """\
import torch

from engine import Trainer
from model import DepthNet

model = DepthNet()
trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-4))
for img, gt in loader:
    trainer.train_step(img, gt)
"""


def _project(root: Path, train: str = TRAIN) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'depth'\n")
    for name, text in (
        ("model.py", MODEL),
        ("losses.py", LOSSES),
        ("engine.py", ENGINE),
        ("train.py", train),
    ):
        (root / name).write_text(text)


def _lint(root: Path, cache: bool = False) -> list[str]:
    result = run_files(
        [root / "losses.py"],
        Settings(root=root),
        jobs=1,
        cache=ResultCache(root / ".lossflint_cache", "test") if cache else None,
    )
    assert not result.errors
    return [f"{d.location.row} {d.code} {d.message}" for d in result.diagnostics]


def test_a_helper_sees_the_model_a_trainer_is_given_in_another_file(tmp_path: Path) -> None:
    _project(tmp_path)
    found = _lint(tmp_path)
    assert len(found) == 1 and found[0].startswith("5 LF202"), found
    assert "model.py:11 in DepthNet.forward" in found[0]


def test_unknown_when_the_trainer_is_given_models_that_disagree(tmp_path: Path) -> None:
    _project(tmp_path, TRAIN + "\nTrainer(torch.nn.Conv2d(16, 1, 3), None).train_step(img, gt)\n")
    assert _lint(tmp_path) == []


def test_a_trainer_nobody_constructs_pins_nothing(tmp_path: Path) -> None:
    _project(tmp_path, "import torch\n")
    assert _lint(tmp_path) == []


def test_the_cached_result_holds_while_the_pins_do(tmp_path: Path) -> None:
    _project(tmp_path)
    assert [f[:9] for f in _lint(tmp_path, cache=True)] == ["5 LF202 l"]
    # the trainer's driver now hands it a model whose output may be negative:
    # the pins changed, the cached finding is not served
    (tmp_path / "model.py").write_text(MODEL.replace("F.relu(self.head(x))", "self.head(x)"))
    assert _lint(tmp_path, cache=True) == []
    (tmp_path / "model.py").write_text(MODEL)
    assert [f[:9] for f in _lint(tmp_path, cache=True)] == ["5 LF202 l"]
    # the caller itself now clamps what it passes
    (tmp_path / "engine.py").write_text(
        ENGINE.replace(
            "silog_loss(self.model(img), gt)", "silog_loss(self.model(img).clamp_min(1e-6), gt)"
        )
    )
    assert _lint(tmp_path, cache=True) == []


def test_the_deps_digest_keeps_the_pinned_records_hash() -> None:
    uses = digests.Uses(summary="a" * 64, pinned="b" * 64)
    again = digests.parse(uses.render())
    assert again is not None and (again.summary, again.pinned) == ("a" * 64, "b" * 64)
    assert digests.parse(digests.USES_DIGEST + "p=xyz") is None
