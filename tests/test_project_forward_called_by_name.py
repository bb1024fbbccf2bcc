"""``model.forward(a, b)`` written out in another file is a call through the
instance like ``model(a, b)``: a metric's ``forward`` only called so under
``no_grad`` carries no gradient (HR-VITON's LPIPS, audit s199: LF205), one
called so in a training step does."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

METRICS = """
import torch
import torch.nn as nn


def normalize_tensor(feat, eps=1e-10):
    norm = torch.sqrt(torch.sum(feat ** 2, dim=1, keepdim=True))
    return feat / (norm + eps)


class PerceptualLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())

    def forward(self, a, b):
        fa, fb = normalize_tensor(self.net(a)), normalize_tensor(self.net(b))
        return ((fa - fb) ** 2).sum(dim=1).mean()
"""

EVALUATE = """
import torch
import metrics as models


def evaluate(pred_list, gt_list):
    model = models.PerceptualLoss()
    model.eval()
    total = 0.0
    with torch.no_grad():
        for p, g in zip(pred_list, gt_list):
            total += model.forward(g, p).item()
    return total / len(pred_list)
"""

TRAIN = """
import metrics as models


def train(generator, loader, opt):
    criterion = models.PerceptualLoss()
    for x, y in loader:
        opt.zero_grad()
        loss = criterion.forward(generator(x), y)
        loss.backward()
        opt.step()
"""


def test_a_metric_whose_forward_is_only_called_under_no_grad(tmp_path: Path) -> None:
    found = project_findings(tmp_path, {"metrics.py": METRICS, "evaluate.py": EVALUATE})
    assert not [f for f in found if f[2] == "LF205"]


def test_the_same_forward_called_in_a_training_step(tmp_path: Path) -> None:
    found = project_findings(
        tmp_path, {"metrics.py": METRICS, "evaluate.py": EVALUATE, "train.py": TRAIN}
    )
    assert ("metrics.py", 7, "LF205") in found
