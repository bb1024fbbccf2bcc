"""Framework names moved out of rules/loss_inputs (to be merged into the framework modules)."""

from __future__ import annotations

#: the loss object whose functional form is ``KL_DIV`` (LF107 reads its
#: ``reduction``, which sits at another position than in the functional call)
KL_DIV_LOSS = "torch.nn.KLDivLoss"
