"""LF202 examples of a log of a distance between features (torchdistill's
mid-level feature loss, audit s171): ``log(sum(|s - t| ** p))`` is 0 inside
the log once the student reproduces the teacher's features."""

from __future__ import annotations

from lossflint.examples import Invalid

_FEATURES = """
import torch
import torch.nn as nn


class FeatLogLoss(nn.Module):
    def __init__(self, exponent=1.0):
        super().__init__()
        self.exponent = exponent

    def forward(self, student_features, teacher_features):
        diff_features = torch.abs(student_features - teacher_features)
        return torch.log({reduced}){marker}
"""

DISTANCE_INVALID = [
    Invalid(
        _FEATURES.format(
            reduced="diff_features.pow(self.exponent).sum()", marker="  # error: LF202"
        )
    ),
    Invalid(_FEATURES.format(reduced="diff_features.pow(2).mean()", marker="  # error: LF202")),
]

DISTANCE_VALID = [
    _FEATURES.format(reduced="diff_features.pow(self.exponent).sum() + 1e-8", marker=""),
    # a negative power is infinite at 0, never 0
    _FEATURES.format(reduced="diff_features.pow(-1).sum()", marker=""),
]
