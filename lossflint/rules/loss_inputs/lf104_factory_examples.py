"""LF104 examples of audit R54: pytorch-fm's ``get_model(name)`` returns one of
sixteen CTR models, every one ending in ``torch.sigmoid``, trained with
``BCELoss``; a factory of that many classes still has one kind when they all
agree, and none when one of them does not."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.lf104_vision_head_examples import (
    VISION_HEAD_INVALID,
    VISION_HEAD_VALID,
)

#: ``count`` one-layer models; ``{last}`` is the last one's ``forward``
_FACTORY = """
import torch
import torch.nn as nn

{classes}

class Last(nn.Module):
    def forward(self, x):
        return {last}

def get_model(name):
{branches}
    return Last()

model = get_model(model_name)
criterion = torch.nn.BCELoss()
loss = criterion(model(fields), target.float()){marker}
"""

_COUNT = 15


def _factory(last: str, marker: str) -> str:
    classes = "\n".join(
        f"class M{i}(nn.Module):\n    def forward(self, x):\n        return torch.sigmoid(x.sum(1))\n"
        for i in range(_COUNT)
    )
    branches = "\n".join(f"    if name == 'm{i}':\n        return M{i}()" for i in range(_COUNT))
    return _FACTORY.format(classes=classes, last=last, branches=branches, marker=marker)


FACTORY_INVALID = [
    *VISION_HEAD_INVALID,
    Invalid(_factory("torch.sigmoid(x.sum(1))", "  # error: LF104 at `criterion(`")),
]

FACTORY_VALID = [
    *VISION_HEAD_VALID,
    # one of the sixteen gives logits: the model's kind is unknown
    _factory("x.sum(1)", ""),
]
