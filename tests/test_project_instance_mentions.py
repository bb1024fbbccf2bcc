"""A model another module builds on ``self`` and only asks for things that do
not run it (``self.model.parameters()``, a bare ``self.model.train()``) or
wraps in place (``self.model = DDP(self.model)``) is called nowhere but where
the module calls it, and one handed to a same-file function that only calls it
is called there (CMGAN's generator, written with ``super(TSCNet, self)``,
audit s117): its ``forward`` gets
the loader's spectrogram, no gradient, so the root of that input's magnitude
is fine; fed another model's output, it is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

_GENERATOR = """
import torch
import torch.nn as nn


class TSCNet(nn.Module):
    def __init__(self):
        super(TSCNet, self).__init__()
        self.enc = nn.Conv2d(3, 1, 1)

    def forward(self, x):
        mag = torch.sqrt(x[:, 0] ** 2 + x[:, 1] ** 2).unsqueeze(1)
        mask = torch.sigmoid(self.enc(torch.cat([mag, x], dim=1)))
        return mask * mag
"""

#: evaluation.py: the model handed to a same-file function that only calls it
_EVALUATION = """
import torch

from generator import TSCNet


@torch.no_grad()
def enhance_one_track(model, noisy):
    return model(noisy)


def evaluation(model_path, tracks):
    model = TSCNet().cuda()
    model.load_state_dict(torch.load(model_path))
    model.eval()
    return [enhance_one_track(model, t) for t in tracks]
"""

_TRAIN = """
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torchinfo import summary

from generator import TSCNet


class Trainer:
    def __init__(self, train_ds, gpu_id):
        self.train_ds = train_ds
        self.front = torch.nn.Conv2d(2, 2, 1)
        self.model = TSCNet().cuda()
        summary(self.model, [(1, 2, 8, 8)])
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=5e-4)
        self.model = DDP(self.model, device_ids=[gpu_id])
        self.gpu_id = gpu_id

    def train_step(self, batch):
        clean = batch[0].to(self.gpu_id)
        noisy = batch[1].to(self.gpu_id)
        est = self.model({fed})
        loss = F.mse_loss(est, clean)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def train(self):
        for epoch in range(10):
            self.model.train()
            for idx, batch in enumerate(self.train_ds):
                self.train_step(batch)
            torch.save(self.model.module.state_dict(), "ckpt.pt")
"""


@pytest.mark.parametrize(
    ("fed", "expected"), [("noisy", []), ("self.front(noisy)", [("generator.py", 12, "LF205")])]
)
def test_model_kept_on_self_is_called_only_here(tmp_path: Path, fed: str, expected: list) -> None:
    found = project_findings(
        tmp_path,
        {
            "generator.py": _GENERATOR,
            "train.py": _TRAIN.format(fed=fed),
            "evaluation.py": _EVALUATION,
        },
    )
    assert [f for f in found if f[2] == "LF205"] == expected
