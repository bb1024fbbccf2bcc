"""Callers the project analysis used to lose (R28 audit, AnubhavGupta3377's
text classifiers): a call of a function bound only by ``from utils import *``
(its record was missing, so every other caller's agreement was worth nothing),
and a model class that trains itself in ``run_epoch(self, ...)`` and hands
``self`` to another module's ``evaluate_model(self, loader)``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_lf603_across_files import lf603

UTILS = """\
import numpy as np
import torch
from sklearn.metrics import accuracy_score


def evaluate_model(model, iterator):
    preds, ys = [], []
    for batch in iterator:
        y_pred = model(batch.text)
        preds.extend(torch.max(y_pred.data, 1)[1].numpy())
        ys.extend(batch.label.numpy())
    return accuracy_score(ys, np.array(preds))
"""

MODEL = """\
import torch
from torch import nn
{utils_import}


class TextCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 4)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        return self.fc(self.dropout(x))

    def add_optimizer(self, optimizer):
        self.optimizer = optimizer

    def run_epoch(self, train_iterator, val_iterator):
        for i, batch in enumerate(train_iterator):
            self.optimizer.zero_grad()
            loss = nn.functional.cross_entropy(self.__call__(batch.text), batch.label)
            loss.backward()
            self.optimizer.step()
            if i % 100 == 0:
{before}                print(evaluate_model(self, val_iterator))
"""

TRAIN = """\
import torch
from model import *
{utils_import}

if __name__ == "__main__":
    model = TextCNN()
    model.train()
    model.add_optimizer(torch.optim.SGD(model.parameters(), lr=0.1))
    for epoch in range(10):
        model.run_epoch(train_it, val_it)
{final}    print(evaluate_model(model, test_it))
"""


def project(
    *, model_import: str, train_import: str, before: str = "", final: str = ""
) -> dict[str, str]:
    return {
        "utils.py": UTILS,
        "model.py": MODEL.format(utils_import=model_import, before=before),
        "train.py": TRAIN.format(utils_import=train_import, final=final),
    }


@pytest.mark.parametrize(
    ("model_import", "train_import"),
    [
        ("from utils import *", "from utils import *"),
        ("from utils import evaluate_model", "from utils import *"),
        ("from utils import *", "from utils import evaluate_model"),
        ("from utils import evaluate_model", "from utils import evaluate_model"),
        # train.py finds it only through model.py's own star import
        ("from utils import *", ""),
    ],
)
def test_star_imported_and_self_callers_agree(
    tmp_path: Path, model_import: str, train_import: str
) -> None:
    files = project(model_import=model_import, train_import=train_import)
    assert lf603(tmp_path, files) == [("utils.py", 9)]


@pytest.mark.parametrize(
    ("before", "final"),
    [
        # the class switches itself before evaluating
        ("                self.eval()\n", ""),
        # the script switches the model before its own evaluation
        ("", "    model.eval()\n"),
    ],
)
def test_a_caller_that_switches_modes_keeps_it_silent(
    tmp_path: Path, before: str, final: str
) -> None:
    files = project(
        model_import="from utils import *",
        train_import="from utils import *",
        before=before,
        final=final,
    )
    assert lf603(tmp_path, files) == []


def test_self_handed_from_a_method_that_does_not_train_is_unknown(tmp_path: Path) -> None:
    """``validate(self)`` runs in whatever mode its caller left: not sure."""
    model = MODEL.format(utils_import="from utils import *", before="") + (
        "\n    def validate(self, val_iterator):\n"
        "        return evaluate_model(self, val_iterator)\n"
    )
    files = {
        "utils.py": UTILS,
        "model.py": model,
        "train.py": TRAIN.format(utils_import="", final=""),
    }
    assert lf603(tmp_path, files) == []


def test_self_handed_to_other_code_too_is_unknown(tmp_path: Path) -> None:
    """``ema.update(self)`` in the same method may switch modes."""
    before = "                ema.update(self)\n"
    files = project(model_import="from utils import *", train_import="", before=before)
    assert lf603(tmp_path, files) == []


def test_a_later_star_import_rebinding_the_name_is_not_a_call_of_ours(tmp_path: Path) -> None:
    """``from utils import *`` binds utils' function, ``from other import *``
    rebinds the name: the script calls other's, never utils'."""
    train = (
        "import torch\nimport torch.nn as nn\nfrom utils import *\nfrom other import *\n"
        "model = nn.Sequential(nn.Linear(10, 4), nn.Dropout(0.5))\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "model.train()\n"
        "for x, y in loader:\n"
        "    opt.zero_grad()\n"
        "    nn.functional.cross_entropy(model(x), y).backward()\n"
        "    opt.step()\n"
        "print(evaluate_model(model, test_it))\n"
    )
    files = {
        "utils.py": UTILS,
        "other.py": "def evaluate_model(model, iterator):\n    return 0.0\n",
        "train.py": train,
    }
    assert lf603(tmp_path, files) == []
    files["train.py"] = train.replace("from other import *\n", "")
    assert lf603(tmp_path, files) == [("utils.py", 9)]
