"""A loss helper imported from the project's ``utils.py`` computes both the
trained loss and a test loss summed across the loop without ``no_grad``: the
test sum keeps every iteration's graph (Symplectic-ODENet, audit s226), as it
does when the helper is defined in the same file."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_UTILS = """
def L2_loss(u, v):
    return (u - v).pow(2).mean()
"""

_TRAIN = """
import torch
from utils import L2_loss

model = torch.nn.Sequential(torch.nn.Linear(3, 64), torch.nn.Tanh(), torch.nn.Linear(64, 3))
optim = torch.optim.Adam(model.parameters(), 1e-3)
train_x = torch.randn(5, 16, 3)
test_x = torch.randn(5, 16, 3)

for step in range(1000):
    test_loss = 0
    for i in range(train_x.shape[0]):
        train_loss_mini = L2_loss(train_x[i], model(train_x[i]))
        train_loss_mini.backward()
        optim.step()
        optim.zero_grad()
        {guard}test_loss_mini = L2_loss(test_x[i], model(test_x[i]))
        test_loss = test_loss + test_loss_mini
    print(step, test_loss.item())
"""


def test_test_loss_of_an_imported_helper_keeps_its_graph(tmp_path: Path) -> None:
    found = project_findings(tmp_path, {"utils.py": _UTILS, "train.py": _TRAIN.format(guard="")})
    assert ("train.py", 18, "LF306") in found


def test_the_same_under_no_grad_is_silent(tmp_path: Path) -> None:
    guarded = _TRAIN.format(guard="with torch.no_grad():\n            ").replace(
        "        test_loss = test_loss + test_loss_mini",
        "            test_loss = test_loss + test_loss_mini",
    )
    found = project_findings(tmp_path, {"utils.py": _UTILS, "train.py": guarded})
    assert not [f for f in found if f[2] == "LF306"]
