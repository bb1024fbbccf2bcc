"""LF310 examples from real bug reports of 2026-12-02 (a scheduler stepped
under an `if`): kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_INVALID = [
    # gradient accumulation: both steps under the same `if`, the scheduler first
    # (a transformers fine-tuning notebook)
    Invalid(
        """
        import torch
        from torch.optim.lr_scheduler import LambdaLR

        def train(model, loader, accum):
            optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
            scheduler = LambdaLR(optimizer, lambda s: 1.0)
            for step, (x, y) in enumerate(loader):
                model(x, y).backward()
                if (step + 1) % accum == 0:
                    scheduler.step()  # error: LF310 at `scheduler.step(`
                    optimizer.step()
                    model.zero_grad()
        """,
    ),
    # `if scheduler is not None:` guards nothing: the first epoch steps it first
    Invalid(
        """
        import torch

        def fit(model, batches, epochs, scheduler=None):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [10, 20])
            for epoch in range(epochs):
                if scheduler is not None:
                    scheduler.step()  # error: LF310 at `scheduler.step(`
                for x in batches:
                    optimizer.zero_grad()
                    model(x).mean().backward()
                    optimizer.step()
        """,
    ),
]

AUDIT_VALID = [
    # stepped only after warm-up epochs, which stepped the optimizer already
    """
    import torch

    def fit(model, batches, epochs, warmup):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10)
        for epoch in range(epochs):
            if epoch >= warmup:
                scheduler.step()
            for x in batches:
                optimizer.zero_grad()
                model(x).mean().backward()
                optimizer.step()
    """,
    # accumulation: the scheduler under the `if`, the optimizer stepped every batch
    """
    import torch

    def train(model, loader, optimizer, scheduler, every):
        for i, (x, y) in enumerate(loader):
            optimizer.zero_grad()
            model(x, y).backward()
            optimizer.step()
            if (i + 1) % every == 0:
                scheduler.step()
    """,
]
