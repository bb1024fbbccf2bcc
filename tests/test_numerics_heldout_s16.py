"""LF2xx facts that come from other project modules (held-out set s16): a
loss helper of ``losses.py`` that another module trains with (LF206's masked
mean needs a gradient to flow), relu output of a model in ``model.py`` reaching
a log through a ``.float()`` cast (LF202), and the guarded hand-written
cross-entropy on a softmax computed by the caller (LF203)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

MASKED = """\
import torch


def masked_mae(pred, target, mask):
    return (mask * (pred - target).abs()).sum() / mask.sum()
"""

LIGHTNING = """\
import pytorch_lightning as pl
import torch

from {module} import masked_mae


class Forecaster(pl.LightningModule):
    def training_step(self, batch, batch_idx):
        x, y, mask = batch
        return masked_mae(self(x), y, mask)
"""

EVAL_ONLY = """\
import torch

from {module} import masked_mae


def report(model, x, y, mask):
    with torch.no_grad():
        print(masked_mae(model(x), y, mask).item())
"""


def findings(root: Path, files: dict[str, str], codes: list[str]) -> list[tuple[str, int]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    found = lint_paths([root], select=codes)
    return sorted((Path(d.filename).relative_to(root).as_posix(), d.location.row) for d in found)


@pytest.mark.parametrize("module", ["losses", "loss", "objectives"])
def test_loss_helper_trained_with_elsewhere(tmp_path: Path, module: str) -> None:
    found = findings(
        tmp_path,
        {f"{module}.py": MASKED, "model.py": LIGHTNING.format(module=module)},
        ["LF206"],
    )
    assert found == [(f"{module}.py", 5)]


def test_loss_helper_in_a_losses_package(tmp_path: Path) -> None:
    files = {
        "losses/__init__.py": "",
        "losses/regression.py": MASKED,
        "model.py": LIGHTNING.format(module="losses.regression"),
    }
    assert findings(tmp_path, files, ["LF206"]) == [("losses/regression.py", 5)]


def test_helper_of_a_module_not_named_for_losses(tmp_path: Path) -> None:
    # utils.py: the module's name says nothing; the gradient fact stays unknown
    files = {"utils.py": MASKED, "model.py": LIGHTNING.format(module="utils")}
    assert findings(tmp_path, files, ["LF206"]) == []


def test_loss_helper_only_evaluated_elsewhere(tmp_path: Path) -> None:
    files = {"losses.py": MASKED, "report.py": EVAL_ONLY.format(module="losses")}
    assert findings(tmp_path, files, ["LF206"]) == []


def test_loss_helper_nobody_calls(tmp_path: Path) -> None:
    assert findings(tmp_path, {"losses.py": MASKED}, ["LF206"]) == []


def test_evaluation_named_helper_of_losses(tmp_path: Path) -> None:
    text = MASKED.replace("masked_mae", "masked_mae_metric")
    train = LIGHTNING.format(module="losses").replace("masked_mae", "masked_mae_metric")
    assert findings(tmp_path, {"losses.py": text, "model.py": train}, ["LF206"]) == []


MODEL = """\
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(16, 16)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        return F.relu(self.head(F.relu(self.body(x)))).squeeze(-1), self.body(x)
"""

LOG_LOSS = """\
import torch
import torch.nn as nn


class LogMSE(nn.Module):
    def forward(self, pred, target):
        return ((torch.log(pred) - torch.log(target)) ** 2).mean()
"""

TRAIN = """\
import torch

from losses import LogMSE
from model import Net

model = Net().half()
criterion = LogMSE()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for x, y in loader:
    pred, _ = model(x.half())
    loss = criterion(pred{cast}, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


def test_relu_output_of_a_model_elsewhere(tmp_path: Path) -> None:
    files = {"model.py": MODEL, "losses.py": LOG_LOSS, "train.py": TRAIN.format(cast="")}
    # the relu output only: ``torch.log(target)`` of unknown values stays silent
    assert findings(tmp_path, files, ["LF202"]) == [("losses.py", 7)]


def test_relu_output_of_a_model_elsewhere_cast_to_float(tmp_path: Path) -> None:
    files = {"model.py": MODEL, "losses.py": LOG_LOSS, "train.py": TRAIN.format(cast=".float()")}
    # the relu output only: ``torch.log(target)`` of unknown values stays silent
    assert findings(tmp_path, files, ["LF202"]) == [("losses.py", 7)]


SOFT_CE = """\
import tensorflow as tf


def soft_cross_entropy(target_probs, probs):
    probs = tf.clip_by_value(probs, 1e-7, 1.0)
    return -tf.reduce_sum(target_probs * tf.math.log(probs), axis=-1)
"""

TF_TRAIN = """\
import tensorflow as tf

from losses import soft_cross_entropy

model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
opt = tf.keras.optimizers.Adam(1e-3)


@tf.function
def train_step(x, target):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = tf.reduce_mean(soft_cross_entropy(target, {probs}))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
"""


def test_guarded_cross_entropy_on_a_softmax_of_the_caller(tmp_path: Path) -> None:
    files = {"losses.py": SOFT_CE, "train.py": TF_TRAIN.format(probs="tf.nn.softmax(logits / 2.0)")}
    assert findings(tmp_path, files, ["LF203"]) == [("losses.py", 6)]


def test_guarded_cross_entropy_on_values_of_unknown_origin(tmp_path: Path) -> None:
    files = {"losses.py": SOFT_CE, "train.py": TF_TRAIN.format(probs="target_from(logits)")}
    assert findings(tmp_path, files, ["LF203"]) == []
