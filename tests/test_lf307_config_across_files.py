"""LF307 through a configuration object another module builds: a Lightning
module keeps ``self.cfg = cfg`` and configures ``Adam(..., lr=self.cfg.lr)``;
``train.py`` builds ``cfg = TrainConfig()`` of ``config.py`` (a dataclass
whose ``lr`` defaults to 0.3) and hands it to the module (held-out s16 p02).
The number crosses files in the construction's record (``SInstance.fields``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

CONFIG = """\
from dataclasses import dataclass


@dataclass
class TrainConfig:
    hidden: int = 128
    lr: float = 0.3
    weight_decay: float = 1e-5
"""

MODULE = """\
import pytorch_lightning as pl
import torch
import torch.nn as nn
import torch.nn.functional as F


class Forecaster(pl.LightningModule):
    def __init__(self, cfg, n_in):
        super().__init__()
        self.cfg = cfg
        self.net = nn.Sequential(nn.Linear(n_in, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self.net(x).squeeze(-1), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.cfg.lr, weight_decay=self.cfg.weight_decay)
"""

TRAIN = """\
import pytorch_lightning as pl

from config import TrainConfig
from module import Forecaster


def main(loader):
    cfg = {build}
{after}    model = Forecaster(cfg, n_in=16)
    pl.Trainer(max_epochs=5).fit(model, loader)
"""


def lf307(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=["LF307"])
    return [(Path(d.filename).name, d.location.row, d.message) for d in found]


def test_the_default_of_the_built_configuration_is_reported(tmp_path: Path) -> None:
    train = TRAIN.format(build="TrainConfig()", after="")
    found = lf307(tmp_path, {"config.py": CONFIG, "module.py": MODULE, "train.py": train})
    assert [(name, row) for name, row, _ in found] == [("module.py", 18)]
    assert "0.3" in found[0][2] and "config.py:7" in found[0][2]


def test_a_rate_given_to_the_constructor_is_the_one_reported(tmp_path: Path) -> None:
    train = TRAIN.format(build="TrainConfig(lr=0.5)", after="")
    found = lf307(tmp_path, {"config.py": CONFIG, "module.py": MODULE, "train.py": train})
    assert [(name, row) for name, row, _ in found] == [("module.py", 18)]
    assert "0.5" in found[0][2] and "train.py:8" in found[0][2]


@pytest.mark.parametrize(
    ("build", "after"),
    [
        ("TrainConfig(lr=1e-3)", ""),  # a usual rate given at the construction
        ("TrainConfig()", "    cfg.lr = 1e-3\n"),  # set after the construction
        ("TrainConfig(**overrides)", ""),  # anything may be set
        ("load_config()", ""),  # not a construction of a project class
    ],
)
def test_a_rate_set_otherwise_keeps_it_silent(tmp_path: Path, build: str, after: str) -> None:
    train = TRAIN.format(build=build, after=after)
    files = {"config.py": CONFIG, "module.py": MODULE, "train.py": train}
    assert lf307(tmp_path, files) == []


def test_constructions_that_disagree_keep_it_silent(tmp_path: Path) -> None:
    train = TRAIN.format(build="TrainConfig()", after="")
    tune = TRAIN.format(build="TrainConfig(lr=1e-3)", after="")
    files = {"config.py": CONFIG, "module.py": MODULE, "train.py": train, "tune.py": tune}
    assert lf307(tmp_path, files) == []


def test_a_module_setting_the_field_itself_keeps_it_silent(tmp_path: Path) -> None:
    module = MODULE.replace("self.cfg = cfg\n", "self.cfg = cfg\n        self.cfg.lr = 1e-3\n")
    train = TRAIN.format(build="TrainConfig()", after="")
    files = {"config.py": CONFIG, "module.py": module, "train.py": train}
    assert lf307(tmp_path, files) == []


EVALUATE = """\
from config import TrainConfig
from module import Forecaster


def evaluate(ckpt, loader):
    model = Forecaster.load_from_checkpoint(ckpt, cfg=TrainConfig(){extra})
    return [model(x) for x, _ in loader]
"""


def test_a_restored_instance_is_no_other_construction(tmp_path: Path) -> None:
    """``Forecaster.load_from_checkpoint(ckpt, cfg=...)`` in evaluate.py
    rebuilds what train.py trained: train.py's construction is still the only
    one (held-out s17 p02)."""
    train = TRAIN.format(build="TrainConfig()", after="")
    evaluate = EVALUATE.format(extra="")
    files = {"config.py": CONFIG, "module.py": MODULE, "train.py": train, "evaluate.py": evaluate}
    found = lf307(tmp_path, files)
    assert [(name, row) for name, row, _ in found] == [("module.py", 18)]


def test_a_class_named_otherwise_beside_a_restore_keeps_it_silent(tmp_path: Path) -> None:
    """evaluate.py also hands the class on (``registry = {"f": Forecaster}``):
    whatever builds it there is out of sight."""
    train = TRAIN.format(build="TrainConfig()", after="")
    evaluate = EVALUATE.format(extra="") + 'registry = {"f": Forecaster}\n'
    files = {"config.py": CONFIG, "module.py": MODULE, "train.py": train, "evaluate.py": evaluate}
    assert lf307(tmp_path, files) == []
