"""LF307 examples of parameter groups that each set their own learning rate
(jiecaoyu/XNOR-Net-PyTorch, audit s110): the constructor's ``lr`` applies to
no group, so a high one there is never used; a group without ``lr`` still
takes it."""

from __future__ import annotations

from lossflint.examples import Invalid

_GROUPS = """
import torch.optim as optim

base_lr = 0.01
params = []
for key, value in dict(model.named_parameters()).items():
    params += [{group}]
optimizer = optim.Adam(params, lr=0.10, weight_decay=0.00001){marker}
"""

_HELPER = """
import torch


def param_groups(model, base_lr):
    return [
        {{"params": model.backbone.parameters(), "lr": base_lr * 0.1}},
        {{"params": model.head.parameters(){head}}},
    ]


optimizer = torch.optim.Adam(param_groups(model, 1e-3), lr=0.5){marker}
"""

PARAM_GROUP_INVALID = [
    # the helper's head group takes the constructor's rate
    Invalid(_HELPER.format(head="", marker="  # error: LF307 at `lr=0.5`")),
    # this group takes the constructor's rate
    Invalid(_GROUPS.format(group="{'params': [value]}", marker="  # error: LF307 at `lr=0.10`")),
]

PARAM_GROUP_VALID = [
    # the groups come from a same-file helper, each with its own lr
    _HELPER.format(head=', "lr": base_lr', marker=""),
    _GROUPS.format(group="{'params': [value], 'lr': base_lr}", marker=""),
    """
    import torch

    optimizer = torch.optim.Adam(
        [
            {"params": model.backbone.parameters(), "lr": 1e-4},
            dict(params=model.head.parameters(), lr=1e-3),
        ],
        lr=0.5,
    )
    """,
]
