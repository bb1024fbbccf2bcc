"""LF201 examples: softmax on one branch, sigmoid on the other (audit s218,
neuralTPPs' mark probabilities)."""

from __future__ import annotations

from lossflint.examples import Invalid

BRANCH_INVALID = [
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Decoder(nn.Module):
            def __init__(self, d, m, multi_labels=False):
                super().__init__()
                self.multi_labels = multi_labels
                self.marks = nn.Linear(d, m)

            def forward(self, h, base_log_intensity):
                if self.multi_labels:
                    p_m = torch.sigmoid(self.marks(h))
                else:
                    p_m = torch.softmax(self.marks(h), dim=-1)
                return base_log_intensity.unsqueeze(-1) + torch.log(p_m)  # error: LF201 at `torch.log(p_m)`
        """
    ),
    Invalid(
        """
        import torch

        def mark_log_probs(scores, multi_label):
            p = torch.sigmoid(scores) if multi_label else torch.softmax(scores, dim=-1)
            return p.log()  # error: LF201 at `p.log()`
        """
    ),
]

BRANCH_VALID = [
    # an eps inside the log on both arms' value
    """
    import torch

    def mark_log_probs(scores, multi_label):
        p = torch.sigmoid(scores) if multi_label else torch.softmax(scores, dim=-1)
        return torch.log(p + 1e-8)
    """,
    # one arm clamps its probabilities away from 0
    """
    import torch

    def mark_scores(scores, normalise):
        if normalise:
            p = torch.softmax(scores, dim=-1)
        else:
            p = torch.sigmoid(scores)
            p = torch.clamp(p, 1e-6, 1.0)
        return torch.log(p)
    """,
    # an ``if`` with no ``else``: the value before it may reach the log
    """
    import torch

    def mark_log_probs(scores, p, multi_label):
        if multi_label:
            p = torch.sigmoid(scores)
        elif p is None:
            p = torch.softmax(scores, dim=-1)
        return torch.log(p)
    """,
]
