"""A loop draws held-out batches when a call on held-out data hands them
(``test.next_batch()``, ``ValidReader.ReadNextBatchClean()``), not when a
function is named like an evaluation: overhaul-distillation's epoch loop
(R67) runs ``train_loss = train_with_distill(d_net, epoch)`` then
``test_loss, acc = test(s_net)``; the distiller, a class of another module,
is trained there, not evaluated. An epoch loop that trains through a helper
is no held-out loop even when it draws a validation batch; a loop of its own
drawing them is, and scoring the distiller there in train mode is LF603."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

DISTILLER = """
import torch.nn as nn


class Distiller(nn.Module):
    def __init__(self, t_net, s_net):
        super().__init__()
        self.t_net = t_net
        self.s_net = s_net
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x):
        return self.s_net(x), (self.bn(self.s_net(x)) - self.t_net(x)).pow(2).mean()
"""

TRAIN = """
import torch
import torch.nn as nn

import distiller

t_net = nn.Sequential(nn.Linear(8, 4), nn.BatchNorm1d(4))
s_net = nn.Sequential(nn.Linear(8, 4), nn.BatchNorm1d(4))
d_net = distiller.Distiller(t_net, s_net)
criterion = nn.CrossEntropyLoss()


def train_with_distill(d_net, epoch):
    d_net.train()
    train_loss = 0.0
    for inputs, targets in trainloader:
        optimizer.zero_grad()
        outputs, loss_distill = d_net(inputs)
        loss = criterion(outputs, targets) + loss_distill
        loss.backward()
        optimizer.step()
        train_loss += loss.item()
    return train_loss


def test(net):
    net.eval()
    return sum(criterion(net(x), y).item() for x, y in testloader), 0.0


for epoch in range(100):
    optimizer = torch.optim.SGD(s_net.parameters(), lr=0.1, momentum=0.9)
    train_loss = train_with_distill(d_net, epoch)
    {draw}
"""


@pytest.mark.parametrize(
    ("draw", "found"),
    [
        ("test_loss, accuracy = test(s_net)", []),
        # a validation batch drawn in the epoch loop itself, which trains through
        # a helper: the loop is no held-out pass (``train_with_distill`` is no
        # evaluation); the score is left unsure
        (
            "test_loss, accuracy = test(s_net)\n"
            "    xs, ys = valid_reader.next_batch(64)\n"
            "    accuracy = (d_net(xs)[0].argmax(1) == ys).float().mean()",
            [],
        ),
        # batches drawn from held-out data in a loop of their own, scored by the
        # distiller in train mode (an epoch loop that also trains through a
        # helper is no held-out loop itself)
        (
            "test_loss, accuracy = test(s_net)\n"
            "    for _ in range(10):\n"
            "        xs, ys = valid_reader.next_batch(64)\n"
            "        accuracy = (d_net(xs)[0].argmax(1) == ys).float().mean()",
            [("train.py", 37, "LF603")],
        ),
    ],
)
def test_only_a_call_on_held_out_data_draws_a_held_out_batch(
    tmp_path: Path, draw: str, found: list[tuple[str, int, str]]
) -> None:
    files = {"distiller.py": DISTILLER, "train.py": TRAIN.replace("{draw}", draw)}
    assert [f for f in project_findings(tmp_path, files) if f[2] == "LF603"] == found
