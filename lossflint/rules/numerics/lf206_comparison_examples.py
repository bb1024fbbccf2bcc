"""LF206 examples of matches normalised into soft targets: ``torch.eq(idx,
idx_all).float()`` divided by its row sums, where ``idx_all`` starts with
``idx`` itself, has a 1 in every row (salesforce/ALBEF's retrieval loss,
audit s132); without that column a row can be all zeros and the loss NaN. A
mask counting a loss's valid entries (``torch.ne(labels, -100)``) divides a
loss that can be all padding."""

from __future__ import annotations

from lossflint.examples import Invalid

COMPARISON_INVALID = [
    Invalid(
        """
        import torch

        class Head(torch.nn.Module):
            def forward(self, x, labels):
                loss = torch.nn.functional.cross_entropy(x, labels, reduction="none")
                mask = torch.ne(labels, -100).float()
                return (loss * mask).sum() / mask.sum()  # error: LF206 at `(loss * mask)`
        """
    ),
]

_RETRIEVAL = """
import torch
import torch.nn.functional as F


class Retrieval(torch.nn.Module):
    def __init__(self, dim=16, queue_size=64):
        super().__init__()
        self.proj = torch.nn.Linear(dim, dim)
        self.register_buffer("idx_queue", torch.full((1, queue_size), -100))

    def forward(self, x, idx):
        feat = F.normalize(self.proj(x), dim=-1)
        idx = idx.view(-1, 1)
        idx_all = torch.cat([{columns}], dim=1)
        pos_idx = torch.eq(idx, idx_all).float()
        sim_targets = pos_idx / pos_idx.sum(1, keepdim=True){marker}
        return -torch.sum(F.log_softmax(feat @ feat.t(), dim=1) * sim_targets, dim=1).mean()
"""

COMPARISON_INVALID.append(
    Invalid(
        _RETRIEVAL.format(
            columns="self.idx_queue.clone().detach(), self.idx_queue.clone().detach()",
            marker="  # error: LF206 at `pos_idx /`",
        )
    )
)

COMPARISON_VALID = [
    _RETRIEVAL.format(columns="idx.t(), self.idx_queue.clone().detach()", marker=""),
]
