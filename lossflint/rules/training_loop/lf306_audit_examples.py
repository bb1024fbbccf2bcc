"""LF306 examples from the multi-file audit of 2026-12-02: ``losses +=
[loss]`` is an append of the graph-holding loss; kept apart so the rule
module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_INVALID = [
    # Mastering-PyTorch's style transfer: style_losses += [epoch_style_loss]
    Invalid(
        """
        import torch.nn as nn

        def train(model, opt, loader):
            losses = []
            for x, y in loader:
                opt.zero_grad()
                loss = nn.functional.mse_loss(model(x), y)
                loss.backward()
                opt.step()
                losses += [loss]  # error: LF306 at `losses += [loss]`
            return losses
        """,
        fixed="""
        import torch.nn as nn

        def train(model, opt, loader):
            losses = []
            for x, y in loader:
                opt.zero_grad()
                loss = nn.functional.mse_loss(model(x), y)
                loss.backward()
                opt.step()
                losses += [loss.detach()]  # error: LF306 at `losses += [loss]`
            return losses
        """,
    ),
]
