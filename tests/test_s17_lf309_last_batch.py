"""LF309 and an ``eval()`` on the last pass of the batch loop (audit R21,
jeffheaton/app_deep_learning): the epoch loop's ``model.train()`` decides."""

from __future__ import annotations

import textwrap

import pytest

from lossflint.linter import RuleSet, lint_text

_SOURCE = """
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
opt = torch.optim.Adam(model.parameters())
loss_fn = nn.CrossEntropyLoss()

for epoch in range(10):
    steps = list(enumerate(data))
    {top}
    for i, (xb, yb) in steps:
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if {test}:
            model.eval()
            with torch.no_grad():
                vloss = loss_fn(model(x_val), y_val)
"""


def _lines(top: str, test: str) -> list[int]:
    source = textwrap.dedent(_SOURCE).format(top=top, test=test)
    result = lint_text(source, "train.py", RuleSet(["LF309"]), [])
    assert not result.errors, result.errors
    return [d.location.row for d in result.diagnostics if d.code == "LF309"]


@pytest.mark.parametrize(
    "test", ["i == len(steps) - 1", "i + 1 == len(data)", "(i + 1) == len(steps)"]
)
def test_last_batch_eval_with_reset_is_silent(test: str) -> None:
    assert _lines("model.train()", test) == []


@pytest.mark.parametrize(
    ("top", "test"),
    [
        ("pass", "i == len(steps) - 1"),  # no reset: the second epoch trains in eval mode
        ("model.train()", "i % 2 == 0"),  # mid-epoch: later batches in eval mode
        ("model.train()", "epoch == len(steps) - 1"),  # another loop's counter
        ("model.train()", "i == len(x_val) - 1"),  # another collection's length
        ("model.train()", "i == len(steps) - 2"),  # not the last pass
    ],
)
def test_other_tests_still_fire(top: str, test: str) -> None:
    assert _lines(top, test) == [18]
