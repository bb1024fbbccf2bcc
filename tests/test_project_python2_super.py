"""A loss module of another file written with Python 2's ``super(Cls,
self)`` is still a class named only where it is defined: the calls other
files make through its instances say what its ``forward`` receives (SubTab's
``JointLoss``, audit s141: raw decoder scores into ``binary_cross_entropy``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

_LOSSES = """
import torch
import torch.nn.functional as F


def bce(prediction, label):
    return F.binary_cross_entropy(prediction, label, reduction="sum") / prediction.size(0)


class JointLoss(torch.nn.Module):
    def __init__(self):
        {super_call}.__init__()

    def forward(self, xrecon, xorig):
        return bce(xrecon, xorig)
"""

_MAIN = """
import torch
from losses import JointLoss

model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Linear(4, 8))
joint_loss = JointLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for x in loader:
    loss = joint_loss(model(x), x)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize("super_call", ["super()", "super(JointLoss, self)"])
def test_raw_scores_reach_the_bce_of_another_module(tmp_path: Path, super_call: str) -> None:
    found = project_findings(
        tmp_path, {"losses.py": _LOSSES.format(super_call=super_call), "main.py": _MAIN}
    )
    assert ("losses.py", 7, "LF105") in found
