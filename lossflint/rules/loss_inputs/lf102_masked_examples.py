"""LF102 examples of span logits masked before the loss: QANet's output layer
(kushalj001/pytorch-question-answering, audit s188) pushes the padding to
``-1e10`` with ``masked_fill`` and its validation hands the scores to
``nll_loss``; masked logits are logits still. A ``log_softmax`` after the
mask is what ``nll_loss`` wants."""

from __future__ import annotations

from lossflint.examples import Invalid

_SPAN = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class OutputLayer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w1 = nn.Linear(2 * d, 1)

    def forward(self, m, c_mask):
        p1 = self.w1(m).squeeze(-1).masked_fill(c_mask == 1, {fill})
        return {returned}


def valid(model, batches):
    total = 0.0
    for m, c_mask, y1 in batches:
        p1 = model(m, c_mask)
        total += F.nll_loss(p1, y1).item(){marker}
    return total


print(valid(OutputLayer(64), batches))
"""

_AVERAGED = """
import torch
import torch.nn as nn
import torch.nn.functional as F

clf = nn.Linear(128, 2)


def evaluate(bags, labels):
    clf.eval()
    with torch.no_grad():
        for feat, label in zip(bags, labels):
            preds = [torch.softmax(clf(feat.mean(0, keepdim=True)), dim=1) for _ in range(4)]
            preds = torch.mean(torch.cat(preds, dim=0), dim={dim}).unsqueeze(0)
            loss = F.nll_loss(preds, label.unsqueeze(0)){marker}
"""

MASKED_INVALID = [
    # softmax outputs averaged over draws (axis 0): still probabilities
    # (hrzhang1123/DTFD-MIL's test loop, audit s197)
    Invalid(_AVERAGED.format(dim=0, marker="  # error: LF102")),
    Invalid(_SPAN.format(fill="-1e10", returned="p1", marker="  # error: LF102 at `F.nll_loss(`")),
    Invalid(
        _SPAN.format(
            fill='float("-inf")', returned="p1", marker="  # error: LF102 at `F.nll_loss(`"
        )
    ),
]

MASKED_VALID = [
    # averaged over the class axis: no distribution left
    _AVERAGED.format(dim=1, marker=""),
    _SPAN.format(fill="-1e10", returned="F.log_softmax(p1, dim=-1)", marker=""),
    # filled with a value that is no mask-out: what the scores are is not known
    _SPAN.format(fill="0.5", returned="p1", marker=""),
]
