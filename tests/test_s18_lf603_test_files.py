"""LF603 stays out of unit tests: a test runs a model under no_grad for its
output's shape, not to report an evaluation (lightning-bolts tests, R14)."""

from __future__ import annotations

import textwrap

from lossflint import lint_source

SOURCE = textwrap.dedent(
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 256)
            self.drop = nn.Dropout(0.3)
            self.fc2 = nn.Linear(256, 10)

        def forward(self, x):
            return self.fc2(self.drop(F.relu(self.fc1(x))))

    def test(model, loader):
        correct = 0
        with torch.no_grad():
            for x, y in loader:
                correct += (model(x).argmax(1) == y).sum().item()
        return correct

    test(Net(), test_loader)
    """
)


def test_reported_in_a_script() -> None:
    found = lint_source(SOURCE, "evaluate.py", select=["LF603"])
    assert [d.code for d in found] == ["LF603"]


def test_silent_in_a_test_file() -> None:
    assert lint_source(SOURCE, "tests/test_models.py", select=["LF603"]) == []
