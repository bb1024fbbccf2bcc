"""Learning rates kept in a configuration object (a dataclass instance, a
settings class) read from the class that sets them, in the same file or in
another project module (``analysis/config_fields.py``), and the ways such a
field can be set otherwise, which keep LF307 silent."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

CONFIG = """\
from dataclasses import dataclass, field


@dataclass
class TrainConfig:
    hidden: int = 256
    lr: float = 0.3
    tags: list = field(default_factory=list)
"""

TRAIN = """\
import torch
import torch.nn as nn

from config import TrainConfig

{made}
model = nn.Sequential(nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
for x, y in loader:
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
"""


def lr_findings(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=["LF307"])
    return [(Path(d.filename).name, d.location.row, d.message) for d in found]


def test_default_of_a_dataclass_in_another_module(tmp_path: Path) -> None:
    found = lr_findings(
        tmp_path, {"config.py": CONFIG, "train.py": TRAIN.format(made="cfg = TrainConfig()")}
    )
    assert [(f, r) for f, r, _ in found] == [("train.py", 8)]
    assert "from config.py:7" in found[0][2]


@pytest.mark.parametrize(
    "made",
    [
        "cfg = TrainConfig(lr=1e-3)",  # the caller's value
        "cfg = TrainConfig(256, 1e-3)",  # by position, in field order
        "cfg = TrainConfig(**overrides)",
        "cfg = TrainConfig()\ncfg.lr = args.lr",
        "cfg = TrainConfig()\nparser.parse_args(namespace=cfg)",  # a library may set it
        "cfg = TrainConfig()\nvars(cfg).update(overrides)",
    ],
)
def test_a_field_set_otherwise_is_unknown(tmp_path: Path, made: str) -> None:
    assert lr_findings(tmp_path, {"config.py": CONFIG, "train.py": TRAIN.format(made=made)}) == []


def test_positional_value_in_field_order(tmp_path: Path) -> None:
    found = lr_findings(
        tmp_path,
        {"config.py": CONFIG, "train.py": TRAIN.format(made="cfg = TrainConfig(256, 0.5)")},
    )
    assert [(f, r) for f, r, _ in found] == [("train.py", 8)]


def test_a_project_function_that_may_set_fields(tmp_path: Path) -> None:
    helpers = (
        "def apply(cfg, args):\n    for k, v in vars(args).items():\n        setattr(cfg, k, v)\n"
    )
    train = TRAIN.format(made="from helpers import apply\ncfg = TrainConfig()\napply(cfg, args)")
    assert (
        lr_findings(tmp_path, {"config.py": CONFIG, "helpers.py": helpers, "train.py": train}) == []
    )
    # a project function that sets nothing on it keeps the default known
    helpers = "def describe(cfg):\n    return str(cfg)\n"
    train = TRAIN.format(made="from helpers import describe\ncfg = TrainConfig()\ndescribe(cfg)")
    found = lr_findings(tmp_path, {"config.py": CONFIG, "helpers.py": helpers, "train.py": train})
    assert [f for f, _, _ in found] == ["train.py"]


def test_a_config_class_with_a_base_is_unknown(tmp_path: Path) -> None:
    config = CONFIG.replace("class TrainConfig:", "class TrainConfig(BaseConfig):")
    config = "from base import BaseConfig\n" + config
    base = "class BaseConfig:\n    lr = 1e-3\n"
    files = {
        "config.py": config,
        "base.py": base,
        "train.py": TRAIN.format(made="cfg = TrainConfig()"),
    }
    assert lr_findings(tmp_path, files) == []
