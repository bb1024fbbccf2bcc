"""Session-7 audit, miss 03: a prediction thresholded from probabilities
(``(sigmoid(model(x)) > 0.5).sum(1)``, an ordinal count) under no_grad is an
evaluation pass like an ``argmax`` (LF603); a comparison that is control flow
(``if i > 10: break``) is not."""

from __future__ import annotations

import textwrap

from lossflint.linter import RuleSet, lint_text

PROGRAM = """
import torch


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(8, 300), torch.nn.Dropout(0.2), torch.nn.Linear(300, 4))

    def forward(self, x):
        return self.net(x)


def measure(model, data_loader):
    with torch.no_grad():
        total = 0.0
        for i, (features, targets) in enumerate(data_loader):
{body}
        return total


loader = torch.utils.data.DataLoader(data, batch_size=32, shuffle=True)
model = MLP()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    model.train()
    for features, targets in loader:
        loss = torch.nn.functional.cross_entropy(model(features), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
{after}
result = measure(model, loader)
"""


def _lf603(body: str, after: str = "") -> list[int]:
    source = PROGRAM.format(body=textwrap.indent(textwrap.dedent(body), " " * 12), after=after)
    found = lint_text(source, "t.py", RuleSet(["LF603"]), []).diagnostics
    return [d.location.row for d in found]


def test_threshold_count_is_an_evaluation():
    body = """
    probas = torch.sigmoid(model(features))
    predicted = (probas > 0.5).sum(1)
    total += torch.sum(torch.abs(predicted - targets))
    """
    assert len(_lf603(body)) == 1


def test_threshold_on_the_left_and_or_equal():
    body = """
    predicted = 0.5 <= torch.sigmoid(model(features))
    total += predicted.sum()
    """
    assert len(_lf603(body)) == 1


def test_threshold_after_eval_is_silent():
    body = """
    predicted = (torch.sigmoid(model(features)) > 0.5).sum(1)
    total += predicted.sum()
    """
    assert _lf603(body, after="model.eval()") == []


def test_control_flow_comparison_is_not_an_evaluation():
    # running the model under no_grad with only a loop counter compared (batch
    # norm recalibration, feature extraction): not known to evaluate
    body = """
    if i > 10:
        break
    total += model(features).sum()
    """
    assert _lf603(body) == []


def test_a_random_draw_against_a_rate_is_not_a_threshold_prediction():
    # a mask drawn at random (input dropout, masked views): no probabilities are cut
    body = """
    keep = torch.rand(features.shape[0], 1) < 0.5
    total += model(features * keep).sum()
    """
    assert _lf603(body) == []
