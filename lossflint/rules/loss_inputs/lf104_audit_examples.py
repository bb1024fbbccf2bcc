"""LF104 examples found by the held-out measurements (session 18): a model
built by a registry of builder lambdas."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a gate model and a registry of zero-argument builders over ``{entries}``
_BUILDERS = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class Gate(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))

head = Gate
BUILDERS = {{{entries}}}

def build(name):
    return BUILDERS[name]()

net = build(config_name)
loss = F.binary_cross_entropy(net(x), y){marker}
"""

AUDIT_INVALID = [
    # every builder makes a sigmoid gate
    Invalid(
        _BUILDERS.format(
            entries='"small": lambda: Gate(8), "large": lambda: Gate(32)',
            marker="  # error: LF104 at `F.binary_cross_entropy(`",
        )
    ),
]

AUDIT_VALID = [
    # one builder makes a linear layer: which one runs is not known here
    _BUILDERS.format(
        entries='"small": lambda: Gate(8), "linear": lambda: nn.Linear(8, 1)', marker=""
    ),
    # a builder reading a name bound twice: what it calls depends on when it runs
    _BUILDERS.format(entries='"small": lambda: head(8)', marker="") + "head = nn.Linear\n",
    # a builder taking an argument
    _BUILDERS.format(entries='"small": lambda width=8: Gate(width)', marker=""),
]
