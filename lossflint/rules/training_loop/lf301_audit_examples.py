"""LF301 examples from the held-out projects of 2026-12-02: a clip that runs
only sometimes, after a step that always ran, and the shapes that stay
silent; a clip above the backward of its own arm, after the other arm's
backward in the source (castorini/hedwig, audit s121); a clip under ``if
args.clip > 0:`` above the backward (locuslab/TCN, audit s122); kept apart so
the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_ARMS = """
import torch
import torch.nn.functional as F


def train_epoch(model, loader, optimizer, config):
    for step, (x, y) in enumerate(loader):
        if config["model"] == "bert":
            F.binary_cross_entropy_with_logits(model(x), y).backward()
            optimizer.step()
            optimizer.zero_grad()
        else:
{else_body}
"""

_SWITCHED = """
import torch


def train(model, batches, optimizer, args):
    for i, (x, y) in enumerate(batches):
{body}
"""

AUDIT_INVALID = [
    Invalid(
        _SWITCHED.format(
            body=(
                "        optimizer.zero_grad()\n"
                "        loss = ((model(x) - y) ** 2).mean()\n"
                "        if args.clip > 0:\n"
                "            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)"
                "  # error: LF301\n"
                "        loss.backward()\n"
                "        optimizer.step()"
            )
        )
    ),
    Invalid(
        _ARMS.format(
            else_body=(
                "            torch.nn.utils.clip_grad_norm_(model.parameters(), 25.0)"
                "  # error: LF301\n"
                "            F.binary_cross_entropy_with_logits(model(x), y).backward()\n"
                "            optimizer.step()\n"
                "            optimizer.zero_grad()"
            )
        )
    ),
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
    # accumulated gradients clipped and stepped at the top of every k-th pass,
    # before this batch's backward adds to the next accumulation
    _SWITCHED.format(
        body=(
            "        if i > 0 and i % args.accum == 0:\n"
            "            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)\n"
            "            optimizer.step()\n"
            "            optimizer.zero_grad()\n"
            "        ((model(x) - y) ** 2).mean().backward()"
        )
    ),
    _ARMS.format(
        else_body=(
            "            F.binary_cross_entropy_with_logits(model(x), y).backward()\n"
            "            torch.nn.utils.clip_grad_norm_(model.parameters(), 25.0)\n"
            "            optimizer.step()\n"
            "            optimizer.zero_grad()"
        )
    ),
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
