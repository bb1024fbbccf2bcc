"""LF604 examples of a functional loss bound to a name before it is called
(audit s148's probes): the name is the loss."""

from __future__ import annotations

from lossflint.examples import Invalid

ALIAS_INVALID = [
    # the functional loss bound to a local first (audit s148's probes)
    Invalid(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Linear(4, 3)

        def step(x, opt):
            loss_fn = F.cross_entropy
            y = torch.randint(0, 3, (8,))
            loss = loss_fn(y, model(x))  # error: LF604
            loss.backward()
            opt.step()
        """
    ),
]
