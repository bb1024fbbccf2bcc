"""LF602 needs a file name: a unit test's fixture trains on a loader in a
fixed order on purpose (the rule examples are all linted as ``example.py``)."""

from __future__ import annotations

import pytest

from lossflint.linter import RuleSet, lint_text

#: a loop over a loader without shuffle (lightning-bolts' BoringModel fixture trains so)
FIXTURE = """\
import torch
from torch.utils.data import DataLoader, TensorDataset

ds = TensorDataset(x, y)
loader = DataLoader(ds, batch_size=64)
for epoch in range(5):
    for xb, yb in loader:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
"""


def codes(filename: str) -> list[str]:
    return [d.code for d in lint_text(FIXTURE, filename, RuleSet(["LF602"]), []).diagnostics]


@pytest.mark.parametrize("path", ["tests/helpers/boring_model.py", "test_loop.py", "conftest.py"])
def test_unit_tests_are_exempt(path: str) -> None:
    assert codes(path) == []


def test_the_same_loop_elsewhere_fires() -> None:
    assert codes("train.py") == ["LF602"]
