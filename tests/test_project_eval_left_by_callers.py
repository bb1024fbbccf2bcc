"""LF309 points at the ``eval()`` (the reporting convention) also when the
epoch loop that never undoes it is in another module: ``validate.py``'s
``model.eval()`` is reported from ``train.py``'s summary (its call record
says the call leaves the model in eval mode), and ``train.py`` still reports
the call for a lint of that file alone (held-out H11 p01); a run of both keeps
the one at the ``eval()`` (audit s152, ``duplicate_findings``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

VALIDATE = """
import torch


def validate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, targets in loader:
            correct += (model(images).argmax(1) == targets).sum().item()
    return correct
"""

TRAIN = """
import torch
import torch.nn as nn

from validate import validate


def main(train_loader, test_loader):
    model = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 3))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(10):
{restore}        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
        print(validate(model, test_loader))
"""


def _lf309(root: Path, restore: str) -> list[tuple[str, int, str]]:
    files = {"validate.py": VALIDATE, "train.py": TRAIN.replace("{restore}", restore)}
    return sorted(f for f in project_findings(root, files) if f[2] == "LF309")


def test_the_eval_in_another_module_is_reported_where_it_is(tmp_path: Path) -> None:
    # one finding per bug in a run of both files: the call defers to the eval()
    assert _lf309(tmp_path, "") == [("validate.py", 6, "LF309")]


def test_a_lint_of_the_caller_alone_reports_the_call(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    _lf309(tmp_path, "")
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--no-cache", "--output-format", "json"]
        + ["train.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    found = [(d["location"]["row"], d["code"]) for d in json.loads(proc.stdout)]
    assert (18, "LF309") in found


@pytest.mark.parametrize("restore", ["        model.train()\n"])
def test_an_epoch_loop_that_restores_train_mode_reports_nothing(
    tmp_path: Path, restore: str
) -> None:
    assert _lf309(tmp_path, restore) == []


@pytest.mark.parametrize(
    ("rebind", "found"),
    [
        # face.evoLVe's ``perform_val`` (audit s168): moved, or unwrapped, first
        ("    model = model.to('cpu')\n", [("validate.py", 9, "LF309")]),
        (
            "    if multi_gpu:\n        model = model.module\n    model = model.cuda()\n",
            [("validate.py", 11, "LF309")],
        ),
        # a copy is evaluated: the caller's model keeps its mode
        ("    model = copy.deepcopy(model)\n", []),
    ],
)
def test_an_eval_after_moving_the_parameter_is_the_callers_model(
    tmp_path: Path, rebind: str, found: list[tuple[str, int, str]]
) -> None:
    validate = VALIDATE.replace("import torch\n", "import copy\n\nimport torch\n", 1).replace(
        "def validate(model, loader):\n",
        "def validate(model, loader, multi_gpu=False):\n" + rebind,
    )
    files = {"validate.py": validate, "train.py": TRAIN.replace("{restore}", "")}
    assert sorted(f for f in project_findings(tmp_path, files) if f[2] == "LF309") == found
