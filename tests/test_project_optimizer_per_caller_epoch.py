"""LF311 at an optimiser a helper module builds on every call when another
module's epoch loop calls the helper on every pass (EECS 498's
``a6_helper.train_vae``, called once per epoch from the notebook, audit
s165): the caller's call record says where that loop runs it
(``CallRecord.epoch_pass_at``); a loop that hands a new model each pass, or
runs folds, or a helper that keeps its optimiser, reports nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

HELPER = """
import torch.optim as optim


def train_vae(epoch, model, train_loader):
    model.train()
{build}    for data, labels in train_loader:
        recon = model(data)
        optimizer.zero_grad()
        loss = ((recon - data) ** 2).mean()
        loss.backward()
        optimizer.step()
"""

_ADAM = "    optimizer = optim.Adam(model.parameters(), lr=1e-3)\n"

CALLER = """
import torch.nn as nn

from a6_helper import train_vae

vae_model = nn.Sequential(nn.Flatten(), nn.Linear(784, 15), nn.Linear(15, 784))
for {counter} in range(10):
{body}"""

_CALL = "    train_vae({counter}, vae_model, loader_train)\n"


def _lf311(root: Path, build: str, body: str, counter: str = "epoch") -> list[tuple[str, int, str]]:
    files = {
        "a6_helper.py": HELPER.replace("{build}", build),
        "notebook.py": CALLER.replace("{counter}", counter).replace(
            "{body}", body.replace("{counter}", counter)
        ),
    }
    return sorted(f for f in project_findings(root, files) if f[2] == "LF311")


def test_a_helper_building_adam_per_call_is_reported_at_the_constructor(tmp_path: Path) -> None:
    assert _lf311(tmp_path, _ADAM, _CALL) == [("a6_helper.py", 7, "LF311")]


@pytest.mark.parametrize(
    ("build", "body", "counter"),
    [
        # a new model on every pass: a restart per run
        (_ADAM, "    vae_model = nn.Linear(784, 784)\n" + _CALL, "epoch"),
        # one run per fold
        (_ADAM, _CALL, "fold"),
        # plain SGD keeps no state
        ("    optimizer = optim.SGD(model.parameters(), lr=1e-3)\n", _CALL, "epoch"),
        # called once, outside any epoch loop
        (_ADAM, "    pass\ntrain_vae(0, vae_model, loader_train)\n", "epoch"),
        # the optimiser is built on the first call only
        (
            "    global optimizer\n    if optimizer is None:\n"
            + _ADAM.replace("    ", "        ", 1),
            _CALL,
            "epoch",
        ),
    ],
)
def test_no_report_without_a_rebuild_per_epoch(
    tmp_path: Path, build: str, body: str, counter: str
) -> None:
    assert _lf311(tmp_path, build, body, counter) == []
