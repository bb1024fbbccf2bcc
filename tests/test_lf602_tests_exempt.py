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


def codes(filename: str, text: str = FIXTURE) -> list[str]:
    return [d.code for d in lint_text(text, filename, RuleSet(["LF602"]), []).diagnostics]


@pytest.mark.parametrize("path", ["tests/helpers/boring_model.py", "conftest.py"])
def test_unit_tests_are_exempt(path: str) -> None:
    assert codes(path) == []


def test_a_file_named_like_a_test_is_one_when_it_holds_tests() -> None:
    as_test = "import pytest\n" + FIXTURE
    assert codes("test_loop.py", as_test) == []
    # a training script named ``*_test.py`` (locuslab/TCN's ``music_test.py``)
    assert codes("test_loop.py") == ["LF602"]
    assert codes("music_test.py") == ["LF602"]


def test_the_same_loop_elsewhere_fires() -> None:
    assert codes("train.py") == ["LF602"]


#: MOGONET's ``train_test.py`` (audit s223): an evaluation helper named
#: ``test_epoch`` that the file's own loop calls is no unit test
WITH_EVALUATION = (
    FIXTURE
    + """
    test_epoch(model, loader)


def test_epoch(model, loader):
    return [model(xb) for xb, _ in loader]
"""
)


def test_a_test_function_the_file_calls_is_no_unit_test() -> None:
    assert codes("train_test.py", WITH_EVALUATION) == ["LF602"]
    # never called by the file: a pytest test function
    assert (
        codes("train_test.py", WITH_EVALUATION.replace("    test_epoch(model, loader)\n", "")) == []
    )
