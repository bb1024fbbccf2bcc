"""LF309 examples of evaluations behind a test flag (the DQN agents of
rainbow-is-all-you-need, audit R44): ``if self.is_test: self.dqn.eval()``
never runs while ``train()``, which set ``self.is_test = False``, loops; kept
apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_AGENT = """
import torch
import torch.nn as nn


class Agent:
    def __init__(self):
        self.dqn = nn.Sequential(nn.Linear(4, 64), nn.Dropout(0.1), nn.Linear(64, 2))
        self.optimizer = torch.optim.Adam(self.dqn.parameters(), lr=1e-3)
        self.is_test = False

    def select_action(self, state):
        if self.is_test:
            self.dqn.eval(){marker}
        return self.dqn(state).argmax()

    def update_model(self, x, y):
        loss = ((self.dqn(x) - y) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step(){extra}

    def train(self, states, targets):
{before}        for state, target in zip(states, targets):
            self.select_action(state)
            self.update_model(state, target)
"""

FLAG_INVALID = [
    # nothing clears the flag before the loop: a test run before leaves it on
    Invalid(_AGENT.format(marker="  # error: LF309", extra="", before="")),
    # the loop's own update switches it on
    Invalid(
        _AGENT.format(
            marker="  # error: LF309",
            extra="\n        self.is_test = loss.item() < 0.01",
            before="        self.is_test = False\n",
        )
    ),
]

FLAG_VALID = [
    _AGENT.format(marker="", extra="", before="        self.is_test = False\n"),
]
