"""LF502 examples of hard labels written with ``torch.where`` over tensors of
ones and zeros, and collected in a list the name is then rebound to
(``y_scores = torch.cat(y_scores)``: zhichunguo/Meta-MGNN, audit s232)."""

from __future__ import annotations

from lossflint.examples import Invalid

_COLLECTED = """
import torch
from sklearn.metrics import roc_auc_score


def test(model, loader):
    y_true, y_scores = [], []
    for batch in loader:
        pred = torch.sigmoid(model(batch.x))
        pred = {pred}
        y_scores.append(pred)
        y_true.append(batch.y)
    y_true = torch.cat(y_true, dim=0).cpu().numpy()
    y_scores = torch.cat(y_scores, dim=0).cpu().detach().numpy()
    return roc_auc_score(y_true, y_scores){marker}
"""

COLLECTED_INVALID = [
    Invalid(
        _COLLECTED.format(
            pred="torch.where(pred > 0.5, torch.ones_like(pred), torch.zeros_like(pred))",
            marker="  # error: LF502 at `roc_auc_score(`",
        )
    ),
    Invalid(_COLLECTED.format(pred="(pred > 0.5).float()", marker="  # error: LF502")),
]

COLLECTED_VALID = [
    # scores kept where the threshold is not met: not hard labels
    _COLLECTED.format(pred="torch.where(pred > 0.5, torch.ones_like(pred), pred)", marker=""),
    _COLLECTED.format(pred="pred.detach()", marker=""),
]
