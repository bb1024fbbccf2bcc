"""A class of another module holding a framework loss (DFace's ``LossFn``
with ``self.loss_cls = nn.BCELoss()``) applies it to what its methods are
given: the calls other files make pin those parameters (audit s200: LF104
on the sigmoid output of ``PNet``). A variable named like the method
(``cls_loss = lossfn.cls_loss(y, p)``) is no mention of the method."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

MODELS = """
import torch
import torch.nn as nn


class LossFn:
    def __init__(self):
        self.loss_cls = nn.BCELoss()

    def cls_loss(self, gt_label, pred_label):
        return self.loss_cls(pred_label, gt_label)


class PNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 1)

    def forward(self, x):
        return {head}(self.conv(x))
"""

TRAIN = """
import torch
from models import PNet, LossFn


def train_pnet(loader):
    lossfn = LossFn()
    net = PNet()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for x, y in loader:
        cls_pred = net(x)
        cls_loss = lossfn.cls_loss(y, cls_pred)
        optimizer.zero_grad()
        cls_loss.backward()
        optimizer.step()
"""


def test_sigmoid_output_handed_to_a_loss_holders_method(tmp_path: Path) -> None:
    found = project_findings(
        tmp_path, {"models.py": MODELS.replace("{head}", "torch.sigmoid"), "train.py": TRAIN}
    )
    assert ("models.py", 11, "LF104") in found


def test_logits_handed_to_it(tmp_path: Path) -> None:
    found = project_findings(
        tmp_path, {"models.py": MODELS.replace("{head}", "torch.relu"), "train.py": TRAIN}
    )
    assert not [f for f in found if f[2] == "LF104"]


def test_the_method_also_used_out_of_sight(tmp_path: Path) -> None:
    elsewhere = "from models import LossFn\n\nloss_of = LossFn().cls_loss\n"
    found = project_findings(
        tmp_path,
        {
            "models.py": MODELS.replace("{head}", "torch.sigmoid"),
            "train.py": TRAIN,
            "other.py": elsewhere,
        },
    )
    assert not [f for f in found if f[2] == "LF104"]
