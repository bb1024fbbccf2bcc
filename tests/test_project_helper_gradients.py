"""A helper of another project module that computes its result from its
arguments only (CMGAN's ``utils.power_compress``) passes on their gradient,
and no other: the root of a clean target's compressed spectrum has none.
A helper that runs a module-level layer does not."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_UTILS = """
import torch

encoder = torch.nn.Linear(2, 2)


def power_compress(x):
    real = x[..., 0]
    imag = x[..., 1]
    spec = torch.complex(real, imag)
    mag = torch.abs(spec)
    phase = torch.angle(spec)
    mag = mag**0.3
    return torch.stack([mag * torch.cos(phase), mag * torch.sin(phase)], 1)


def encode(x):
    return encoder(x)
"""

_TRAIN = """
import torch
import torch.nn.functional as F

from utils import {helper}


def train(model, loader, opt):
    for clean, noisy in loader:
        clean_spec = {helper}(torch.stft(clean, 400, 100, return_complex=False))
        est_real, est_imag = model(noisy)
        est_mag = torch.sqrt(est_real**2 + est_imag**2 + 1e-9)
        clean_mag = torch.sqrt(clean_spec[:, 0] ** 2 + clean_spec[:, 1] ** 2)
        loss = F.mse_loss(est_mag, clean_mag)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def test_helper_of_its_arguments_passes_no_gradient(tmp_path: Path) -> None:
    found = project_findings(
        tmp_path, {"utils.py": _UTILS, "train.py": _TRAIN.format(helper="power_compress")}
    )
    assert [f for f in found if f[2] == "LF205"] == []


def test_helper_running_a_layer_passes_its_gradient(tmp_path: Path) -> None:
    found = project_findings(
        tmp_path, {"utils.py": _UTILS, "train.py": _TRAIN.format(helper="encode")}
    )
    assert [f for f in found if f[2] == "LF205"] == [("train.py", 13, "LF205")]
