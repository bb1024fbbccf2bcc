"""A loss helper of another module listed in a dict that the caller reads only
for its keys (``LOSSES = {"bce": elbo_loss}`` for ``choices=list(LOSSES)``) is
still called only where it is called: its parameters take what those calls pass
(held-out H10 p09: LF104 in ``vae/objectives.py``). A dict the caller calls
through leaves them unknown (silence)."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_MODEL = """
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 784), nn.Sigmoid())

    def forward(self, z):
        return self.net(z)
"""

_OBJECTIVES = """
import torch.nn.functional as F


def elbo_loss(recon, x):
    return F.binary_cross_entropy(recon, x, reduction="sum")


def l2_loss(recon, x):
    return F.mse_loss(recon, x)
"""

_TRAIN = """
import argparse

from model import Decoder
from objectives import elbo_loss, l2_loss

LOSSES = {{"bce": elbo_loss, "l2": l2_loss}}


def main(loader):
    p = argparse.ArgumentParser()
    p.add_argument("--loss", choices=list(LOSSES), default="bce")
    args = p.parse_args()
    model = Decoder()
    for z, x in loader:
        recon = model(z)
        loss = {call}(recon, x)
        loss.backward()
"""


def _run(tmp_path: Path, call: str) -> list[tuple[str, int, str]]:
    files = {"model.py": _MODEL, "objectives.py": _OBJECTIVES, "train.py": _TRAIN.format(call=call)}
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF104"]


def test_a_dict_read_for_its_keys_calls_nothing(tmp_path: Path) -> None:
    assert _run(tmp_path, "elbo_loss") == [("objectives.py", 6, "LF104")]


def test_a_dict_called_through_leaves_the_parameters_unknown(tmp_path: Path) -> None:
    assert _run(tmp_path, "LOSSES[args.loss]") == []


def test_a_flags_choices_naming_the_helpers_are_no_use_of_them(tmp_path: Path) -> None:
    # thuml/CDAN: ``choices=['CDAN', 'DANN']`` names the methods the flag picks,
    # compared with ``==`` later: the helper's call sites are still its only
    # callers (audit s155, LF104 in loss.py)
    train = _TRAIN.replace(
        'choices=list(LOSSES), default="bce"', 'choices=["elbo_loss", "l2_loss"]'
    ).replace('LOSSES = {{"bce": elbo_loss, "l2": l2_loss}}', "")
    files = {
        "model.py": _MODEL,
        "objectives.py": _OBJECTIVES,
        "train.py": train.format(call="elbo_loss"),
    }
    found = [f for f in project_findings(tmp_path, files) if f[2] == "LF104"]
    assert found == [("objectives.py", 6, "LF104")]
