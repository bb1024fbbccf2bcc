"""LF205 examples of a Chamfer distance (vinits5/learning3d's fallback loss,
audit s142): the root of each point's nearest squared distance,
``sqrt(M.min(1)[0])``, where ``M`` comes from a helper summing ``|a - b| **
p`` with ``p`` left at its default 2: 0 wherever a point of one cloud
coincides with one of the other, and the root's gradient is infinite there.
The helper called with ``p=1`` sums absolute differences, not squares."""

from __future__ import annotations

from lossflint.examples import Invalid

_CHAMFER = """
import torch
import torch.nn as nn


def pairwise_distances(a, b, p=2):
    return (a.unsqueeze(2) - b.unsqueeze(1)).abs().pow(p).sum(3)


def chamfer(a, b):
    M = pairwise_distances(a, b{p})
    dist1 = torch.mean(torch.sqrt(M.min(1)[0]{eps})){marker}
    dist2 = torch.mean(torch.sqrt(torch.min(M, dim=2).values{eps})){marker}
    return (dist1 + dist2) / 2.0


class ChamferDistanceLoss(nn.Module):
    def forward(self, template, source):
        return chamfer(template, source)


def train(model, loader, optimizer):
    for points in loader:
        loss = ChamferDistanceLoss()(points, model(points))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

NEAREST_INVALID = [
    Invalid(_CHAMFER.format(p="", eps="", marker="  # error: LF205")),
]

NEAREST_VALID = [
    _CHAMFER.format(p="", eps=" + 1e-12", marker=""),
    _CHAMFER.format(p=", p=1", eps="", marker=""),
]
