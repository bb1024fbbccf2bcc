"""A helper module imported by more files than the caller search reads
(``callers.MAX_IMPORTERS``): the functions those files name are called out of
sight, so a same-file call under ``no_grad`` proves nothing about them
(quancore/social-lstm's ``helper.py``, audit s139)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint import lint_paths
from lossflint.project.callers import MAX_IMPORTERS

HELPER = """\
import torch


def nll(out, target):
    corr = torch.tanh(out[:, 4])
    return (torch.sqrt(1 - corr ** 2) * (target - out[:, 0]) ** 2).mean()


def util(a):
    return a + 1


def validate(net, x, y):
    with torch.no_grad():
        return nll(net(x), y).item()
"""

TRAIN = """\
from helper import *


def train(net, opt, x, y):
    opt.zero_grad()
    loss = {call}
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(("call", "found"), [("nll(net(x), y)", [6]), ("util(net(x)).sum()", [])])
def test_functions_named_by_too_many_importers_have_unknown_callers(
    tmp_path: Path, call: str, found: list[int]
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "helper.py").write_text(HELPER)
    (tmp_path / "train.py").write_text(TRAIN.format(call=call))
    for i in range(MAX_IMPORTERS):
        (tmp_path / f"user{i}.py").write_text(f"from helper import util\n\nx{i} = util({i})\n")
    rows = [d.location.row for d in lint_paths([tmp_path / "helper.py"], select=["LF205"])]
    assert rows == found
