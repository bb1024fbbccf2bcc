"""A model class that is given its loss by a setter in another file
(``model.add_loss_op(nn.NLLLoss())`` in ``train.py``) and calls it in its own
training method; sibling folders define classes of the same shape (audit R28:
eight ``Model_*`` folders, each with its ``model.py`` and ``train.py``)."""

from __future__ import annotations

from pathlib import Path

from lossflint.api import lint_paths

MODEL = """\
import torch
from torch import nn


class {cls}(nn.Module):
    def __init__(self, config):
        super({cls}, self).__init__()
        self.config = config
        self.fc = nn.Linear(300, 4)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.fc(x))

    def add_optimizer(self, optimizer):
        self.optimizer = optimizer

    def add_loss_op(self, loss_op):
        self.loss_op = loss_op

    def run_epoch(self, batches):
        for x, y in batches:
            self.optimizer.zero_grad()
            y_pred = self.__call__(x)
            loss = self.loss_op(y_pred, y)
            loss.backward()
            self.optimizer.step()
"""

TRAIN = """\
import torch
from torch import nn
from model import *

if __name__ == "__main__":
    model = {cls}(config)
    model.add_optimizer(torch.optim.SGD(model.parameters(), lr=0.1))
    model.add_loss_op(nn.NLLLoss())
    model.run_epoch(batches)
"""


def _folder(root: Path, name: str, cls: str, train: str = TRAIN) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "model.py").write_text(MODEL.format(cls=cls))
    (folder / "train.py").write_text(train.format(cls=cls))


def _found(root: Path) -> list[tuple[str, str, int]]:
    return [
        (Path(d.filename).parent.name, d.code, d.location.row)
        for d in lint_paths([root], select=["LF102"], isolated=True)
    ]


def test_a_loss_given_by_a_setter_in_another_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    _folder(tmp_path, "Model_TextCNN", "TextCNN")
    assert _found(tmp_path) == [("Model_TextCNN", "LF102", 25)]


def test_sibling_folders_calling_their_own_classes_setter(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    _folder(tmp_path, "Model_TextCNN", "TextCNN")
    _folder(tmp_path, "Model_RCNN", "RCNN")
    _folder(tmp_path, "Model_fastText", "fastText")
    assert sorted(_found(tmp_path)) == [
        ("Model_RCNN", "LF102", 25),
        ("Model_TextCNN", "LF102", 25),
        ("Model_fastText", "LF102", 25),
    ]


def test_a_setter_called_on_an_object_nobody_knows_keeps_it_unknown(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    _folder(tmp_path, "Model_TextCNN", "TextCNN")
    # a helper handed some model (maybe a TextCNN) gives it another loss
    (tmp_path / "Model_TextCNN" / "tune.py").write_text(
        "import torch.nn as nn\n\n\ndef retune(model):\n"
        "    model.add_loss_op(nn.CrossEntropyLoss())\n"
    )
    assert _found(tmp_path) == []
