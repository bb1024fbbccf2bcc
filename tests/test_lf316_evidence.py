"""LF316's evidence names the forward that really runs the dropout: two
classes with a same-named step method each call their own (audit R33, NRI's
MLPDecoder and RNNDecoder ``single_step_forward``)."""

from __future__ import annotations

from lossflint.linter import RuleSet, lint_text

SOURCE = """\
import torch.nn as nn
import torch.nn.functional as F


class MLPDecoder(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.dropout_prob = p
        self.fc = nn.Linear(8, 8)

    def single_step_forward(self, x):
        return F.dropout(self.fc(x), p=self.dropout_prob)

    def forward(self, x):
        return self.single_step_forward(x)


class RNNDecoder(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.dropout_prob = p
        self.fc = nn.Linear(8, 8)

    def single_step_forward(self, x):
        return F.dropout(self.fc(x), p=self.dropout_prob)

    def forward(self, x):
        return self.single_step_forward(x)
"""


def test_each_dropout_cites_its_own_class_forward() -> None:
    found = lint_text(SOURCE, "decoders.py", RuleSet(["LF316"]), []).diagnostics
    cited = {d.location.row: d.message for d in found}
    assert sorted(cited) == [12, 25]
    assert "it runs in MLPDecoder.forward, line 15" in cited[12]
    assert "it runs in RNNDecoder.forward, line 28" in cited[25]
