"""LF504 examples found by the held-out measurements (session 12); kept apart
so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a two-headed model's outputs collected per batch, then concatenated in one
#: tuple assignment that rebinds the lists' names
_TWO_HEADS = """
import torch
import torch.nn as nn

class ClaimNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.claim = nn.Linear(16, 1)
        self.severity = nn.Linear(16, 1)

    def forward(self, x):
        return self.claim(x).squeeze(1), self.severity(x).squeeze(1)

model = ClaimNet()

@torch.no_grad()
def evaluate(loader):
    logits, sevs = [], []
    for x in loader:
        lg, sv = model(x)
        logits.append(lg.cpu())
        sevs.append(sv.cpu())
    {rebind}
    return ({compared} > 0.5).numpy(){marker}
"""

AUDIT_INVALID = [
    # (H14 p06)
    Invalid(
        _TWO_HEADS.format(
            rebind="logits, sevs = torch.cat(logits), torch.cat(sevs)",
            compared="logits",
            marker="  # error: LF504 at `logits > 0.5`",
        )
    ),
]

AUDIT_VALID = [
    # the same tuple assignment turns the logits into probabilities first
    _TWO_HEADS.format(
        rebind="logits, sevs = torch.sigmoid(torch.cat(logits)), torch.cat(sevs)",
        compared="logits",
        marker="",
    ),
]
