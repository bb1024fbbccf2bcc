"""LF301 examples from the held-out projects of 2026-12-02: a clip that runs
only sometimes, after a step that always ran, and the shapes that stay
silent; kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_INVALID = [
    # Accelerate's shape with the clip moved below the step: whenever it runs,
    # the update has already used the unclipped gradients
    Invalid(
        """
        import torch

        def train(accelerator, model, loader, optimizer):
            for x, y in loader:
                loss = torch.nn.functional.cross_entropy(model(x), y)
                accelerator.backward(loss)
                optimizer.step()
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(model.parameters(), 1.0)  # error: LF301 at `accelerator.clip_grad_norm_(`
                optimizer.zero_grad()
        """,
    ),
]

AUDIT_VALID = [
    # the same `if` before the step: Accelerate's documented shape
    """
    import torch

    def train(accelerator, model, loader, optimizer):
        for x, y in loader:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
    """,
    # step in one arm, clip in the other: never both in one pass
    """
    import torch

    def train(model, loader, optimizer, warmup):
        for i, (x, y) in enumerate(loader):
            torch.nn.functional.mse_loss(model(x), y).backward()
            if i < warmup:
                optimizer.step()
            else:
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
            optimizer.zero_grad()
    """,
]
