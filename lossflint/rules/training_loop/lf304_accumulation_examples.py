"""LF304 examples of gradient accumulation wiped on every iteration
(Lornatang/YOLOv3-PyTorch's trainer, audit R26); kept apart so the rule module
stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

#: ``{top}``: what the iteration starts with; ``{after}``: what follows the step
_ACCUMULATE = """
import torch
import torch.nn.functional as F

def train(model, loader, optim, scaler, accumulate=8):
    for batch_idx, (x, y) in enumerate(loader):
{top}        with torch.autocast("cuda"):
            loss = F.cross_entropy(model(x), y) / accumulate
        scaler.scale(loss).backward()
        if {test}:
            scaler.step(optim)
            scaler.update(){after}
"""

ACCUMULATION_INVALID = [
    # cleared inside the step's condition, before the step (held-out s18 p02:
    # Lightning's manual optimisation)
    Invalid(
        """
        import pytorch_lightning as pl
        import torch.nn.functional as F

        class Pose(pl.LightningModule):
            def training_step(self, batch, batch_idx):
                opt = self.optimizers()
                x, y = batch
                self.manual_backward(F.mse_loss(self(x), y) / 4)
                if (batch_idx + 1) % 4 == 0:
                    opt.zero_grad()  # error: LF304 at `opt.zero_grad()`
                    opt.step()
        """
    ),
    Invalid(
        _ACCUMULATE.format(
            top="        model.zero_grad(set_to_none=True)  # error: LF304 at `model.zero_grad(`\n",
            test="(batch_idx + 1) % accumulate == 0 or batch_idx + 1 == len(loader)",
            after="",
        )
    ),
]

ACCUMULATION_VALID = [
    # a generator stepped every n_critic iterations with its own clear and backward
    # (yunjey/stargan, R16)
    """
    import torch

    def train(G, D, g_opt, d_opt, loader, n_critic=5):
        for i, (x, c) in enumerate(loader):
            g_opt.zero_grad()
            d_opt.zero_grad()
            d_loss = -D(x).mean() + D(G(x, c).detach()).mean()
            d_loss.backward()
            d_opt.step()
            if (i + 1) % n_critic == 0:
                g_opt.zero_grad()
                d_opt.zero_grad()
                g_loss = -D(G(x, c)).mean()
                g_loss.backward()
                g_opt.step()
    """,
    # cleared after the step, under its condition
    _ACCUMULATE.format(
        top="",
        test="(batch_idx + 1) % accumulate == 0",
        after="\n            optim.zero_grad(set_to_none=True)",
    ),
    # a step skipped when the loss is not finite: each iteration steps on its own batch
    _ACCUMULATE.format(top="        optim.zero_grad()\n", test="torch.isfinite(loss)", after=""),
    # DINO's frozen last layer: a helper clears the gradients of that part
    # only, between backward and step (lightly's dino example, audit R51)
    """
    import torch
    from torch import nn

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Linear(8, 8)
            self.last_layer = nn.Linear(8, 4)

        def cancel_last_layer_gradients(self, epoch, freeze_epochs=1):
            if epoch >= freeze_epochs:
                return
            for param in self.last_layer.parameters():
                param.grad = None

        def forward(self, x):
            return self.last_layer(self.layers(x))

    head = Head()
    optimizer = torch.optim.Adam(head.parameters(), lr=0.001)
    for epoch in range(10):
        for x in loader:
            loss = head(x).pow(2).mean()
            loss.backward()
            head.cancel_last_layer_gradients(epoch)
            optimizer.step()
            optimizer.zero_grad()
    """,
]
