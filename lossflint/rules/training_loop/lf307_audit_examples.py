"""LF307 examples from the audits: rates compared on purpose, pixels
optimised directly, and SGD whose gradient norm is clipped every step (all
silent); kept apart so the rule module stays small."""

from __future__ import annotations

AUDIT_VALID = [
    # learning rates compared on purpose
    """
    import torch
    for lr in [1e-3, 1e-2, 1e-1, 1.0]:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    baseline = torch.optim.Adam(model.parameters(), lr=0.5)
    """,
    # neural style transfer: the image is the parameter (Mastering-PyTorch)
    """
    import torch

    def transfer(vgg, content, steps=300):
        ip_image = torch.randn(content.shape)
        optimizer = torch.optim.Adam([ip_image.requires_grad_()], lr=0.1)
        for _ in range(steps):
            optimizer.zero_grad()
            loss = (vgg(ip_image) - vgg(content)).pow(2).mean()
            loss.backward()
            optimizer.step()
    """,
    # PyTorch's transformer language-model recipe: SGD at lr 4 with the
    # gradient norm clipped every step and a decaying schedule
    """
    import torch
    import torch.nn as nn

    def train(model, batches, epochs=50):
        loss_func = nn.CrossEntropyLoss()
        lrate = 4.0
        optim_module = torch.optim.SGD(model.parameters(), lr=lrate)
        sched_module = torch.optim.lr_scheduler.StepLR(optim_module, 1.0, gamma=0.88)
        for ep in range(epochs):
            for data, labels in batches:
                optim_module.zero_grad()
                op = model(data)
                loss_curr = loss_func(op.view(-1, op.size(-1)), labels)
                loss_curr.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 0.6)
                optim_module.step()
            sched_module.step()
    """,
]
