"""Callers in other files are found by whole names: a module ``v`` is not named
by ``device``, a function ``compute_mae`` not by ``compute_mae_and_mse``
(audit s7: a sibling notebook silenced LF603 through both substrings)."""

from __future__ import annotations

import json
from pathlib import Path

from lossflint.config import Settings
from lossflint.parallel import run_files

TRAIN = """\
import torch


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(8, 30), torch.nn.Dropout(0.2), torch.nn.Linear(30, 4))

    def forward(self, x):
        return self.net(x)


def compute_mae(model, data_loader):
    with torch.no_grad():
        total = 0.0
        for features, targets in data_loader:
            predicted = model(features).argmax(1)
            total += torch.sum(torch.abs(predicted - targets))
        return total


loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(64, 8), torch.randint(0, 4, (64,))), batch_size=8, shuffle=True)
model = MLP()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    model.train()
    for features, targets in loader:
        loss = torch.nn.functional.cross_entropy(model(features), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

train_mae = compute_mae(model, loader)
"""


def notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "source": c} for c in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def codes(root: Path) -> list[str]:
    result = run_files([root / "v.py"], Settings(root=root), jobs=1)
    assert not result.errors
    return [d.code for d in result.diagnostics]


def test_longer_names_in_a_notebook_are_not_callers(tmp_path: Path) -> None:
    (tmp_path / "v.py").write_text(TRAIN)
    (tmp_path / "helpers.ipynb").write_text(
        notebook("def compute_mae_and_mse(model, data_loader, device):\n    return 1\n")
    )
    assert codes(tmp_path) == ["LF603"]


def test_a_notebook_that_imports_the_module_and_calls_the_function_is_a_caller(
    tmp_path: Path,
) -> None:
    # what it passes is unknown (a notebook's calls are not analysed): silence
    (tmp_path / "v.py").write_text(TRAIN)
    (tmp_path / "helpers.ipynb").write_text(
        notebook("import v\nv.compute_mae(other_model, loader)\n")
    )
    assert codes(tmp_path) == []


def test_a_module_named_like_its_function_is_no_call_of_the_function(tmp_path: Path) -> None:
    """predict.py's ``from train import Net`` names the module, not train.py's
    function ``train``: the model train.py hands that function stays known
    (LF101 in the epoch helper; musikalkemist/pytorchforaudio, audit R60)."""
    from tests.project_runs import project_findings

    train = (
        "import torch\n"
        "from torch import nn\n\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(10, 3)\n"
        "        self.softmax = nn.Softmax(dim=1)\n\n"
        "    def forward(self, x):\n"
        "        return self.softmax(self.fc(x))\n\n\n"
        "def train_single_epoch(model, loader, loss_fn, opt):\n"
        "    for x, y in loader:\n"
        "        loss = loss_fn(model(x), y)\n"
        "        opt.zero_grad()\n"
        "        loss.backward()\n"
        "        opt.step()\n\n\n"
        "def train(model, loader, loss_fn, opt, epochs):\n"
        "    for _ in range(epochs):\n"
        "        train_single_epoch(model, loader, loss_fn, opt)\n\n\n"
        'if __name__ == "__main__":\n'
        "    model = Net()\n"
        "    opt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
        "    train(model, [], nn.CrossEntropyLoss(), opt, 2)\n"
    )
    predict = "from train import Net\n\nnet = Net()\n"
    found = project_findings(tmp_path, {"train.py": train, "predict.py": predict})
    assert found == [("train.py", 17, "LF101")]
    # a file that does call the function hands it what it wants: unknown
    caller = "import train as T\nfrom train import train\n\ntrain(*T.args)\n"
    found = project_findings(tmp_path, {"train.py": train, "predict.py": caller})
    assert found == []


def test_word_counts_are_kept_only_for_the_listed_text() -> None:
    """``ProjectTexts.count`` keeps a file's count while the text asked about
    is the listed one; an editor's unsaved text of that file is counted
    afresh, not answered from the listed text's count."""
    from lossflint.project.callers import ProjectTexts

    listed = "trainer.fit(x)\ntrainer.fit(y)\n"
    texts = ProjectTexts(root="/p", files={"/p/a.py": listed})
    pattern = r"\bfit\b"
    assert texts.count("/p/a.py", listed, pattern) == 2
    assert texts.counts[("/p/a.py", pattern)] == 2
    unsaved = "trainer.fit(x)\n"
    assert texts.count("/p/a.py", unsaved, pattern) == 1
    assert texts.count("/p/a.py", listed, pattern) == 2
