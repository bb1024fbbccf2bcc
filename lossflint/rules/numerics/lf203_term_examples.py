"""LF203 examples of audit R55: ``- shape * np.log(scale) - gammaln(shape)``
(a Gamma density's log-normaliser in nipy's mixture model, copied into
3DUnetCNN) is one negated term of some formula, not a cross-entropy; the same
shape over a known softmax output is one."""

from __future__ import annotations

from lossflint.examples import Invalid

TERM_INVALID = [
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return torch.softmax(self.fc(x), dim=1)

        net = Net()
        p = net(x)
        loss = - y * torch.log(p) - 0.01 * reg  # error: LF203 at `- y`
        """
    ),
]

TERM_VALID = [
    """
    import numpy as np
    import scipy.special as sp

    def _gam_dens(shape, scale, x):
        ng = np.zeros(np.size(x))
        cst = - shape * np.log(scale) - sp.gammaln(shape)
        i = np.ravel(np.nonzero(x > 0))
        if np.size(i) > 0:
            lz = cst + (shape - 1) * np.log(x[i]) - x[i] / scale
            ng[i] = np.exp(lz)
        return ng
    """,
    """
    import torch

    def gamma_log_normaliser(shape, rate):
        return - shape * torch.log(rate) + torch.lgamma(shape)
    """,
]
