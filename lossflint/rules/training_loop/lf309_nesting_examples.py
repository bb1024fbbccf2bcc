"""LF309 examples of models whose classes nest deeply (kamenbliznashki's
normalizing_flows Glow: a level holds a container of steps, each a container
subclass of three layer classes): mode-free five classes down (silent), and
the twin whose innermost class holds a dropout."""

from __future__ import annotations

from lossflint.examples import Invalid

_GLOW = """
import torch
import torch.nn as nn


class Actnorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1, c, 1, 1))

    def forward(self, x):
        return x * self.scale


class Coupling(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(){extra})
        self.norm = Actnorm(c)

    def forward(self, x):
        return x + self.norm(self.net(x))


class FlowSequential(nn.Sequential):
    def __init__(self, *args, **kwargs):
        self.checkpoint_grads = kwargs.pop("checkpoint_grads", None)
        super().__init__(*args, **kwargs)


class FlowStep(FlowSequential):
    def __init__(self, c):
        super().__init__(Actnorm(c), Coupling(c))


class FlowLevel(nn.Module):
    def __init__(self, c, depth):
        super().__init__()
        self.steps = FlowSequential(*[FlowStep(c) for _ in range(depth)], checkpoint_grads=False)

    def forward(self, x):
        return self.steps(x)


class Glow(nn.Module):
    def __init__(self, c, depth, levels):
        super().__init__()
        self.levels = nn.ModuleList([FlowLevel(c, depth) for _ in range(levels)])

    def forward(self, x):
        for level in self.levels:
            x = level(x)
        return x


@torch.no_grad()
def generate(model, n):
    model.eval(){marker}
    return model(torch.randn(n, 3, 8, 8))


def train_epoch(model, loader, optimizer):
    model.train()
    for i, x in enumerate(loader):
        loss = model(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % 50 == 0:
            samples = generate(model, 4)


model = Glow(3, 4, 3)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    train_epoch(model, loader, optimizer)
"""

NESTING_INVALID = [
    Invalid(_GLOW.format(extra=", nn.Dropout2d(0.1)", marker="  # error: LF309")),
]

NESTING_VALID = [
    _GLOW.format(extra="", marker=""),
]
