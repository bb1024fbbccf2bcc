"""A ``target_transform`` that only shifts the labels by an integer keeps
them class indices (EMNIST letters are 1..26: ``shift_label(y) = y - 1``):
LF108/LF109 still follow them, whether the shift is a lambda, a function
of the file or a helper of another project module (held-out s16 p05)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

HELPERS = """
def shift_label(y):
    \"\"\"EMNIST letters labels are 1..26.\"\"\"
    return y - 1


def to_fraction(y):
    return y / 26


def shift_twice(y):
    y = y - 1
    return y - 1
"""

TRAIN = """
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

import helpers as H


def shift_here(y):
    return y + 0


ds = datasets.EMNIST("data", split="letters", transform=transforms.ToTensor(), target_transform={tt})
for x, y in DataLoader(ds, batch_size=64, shuffle=True):
    F.cross_entropy(model(x), y.float()).backward()
"""

_LOSS_ROW = TRAIN.splitlines().index("    F.cross_entropy(model(x), y.float()).backward()") + 1


@pytest.mark.parametrize("transform", ["H.shift_label", "shift_here", "lambda y: y - 1"])
def test_a_shift_keeps_class_indices(tmp_path: Path, transform: str) -> None:
    files = {"helpers.py": HELPERS, "train.py": TRAIN.replace("{tt}", transform)}
    assert project_findings(tmp_path, files) == [("train.py", _LOSS_ROW, "LF109")]


@pytest.mark.parametrize(
    "transform", ["H.to_fraction", "H.shift_twice", "lambda y: y / 26", "lambda y: y - 0.5", "H"]
)
def test_other_transforms_make_the_labels_unknown(tmp_path: Path, transform: str) -> None:
    files = {"helpers.py": HELPERS, "train.py": TRAIN.replace("{tt}", transform)}
    assert project_findings(tmp_path, files) == []
