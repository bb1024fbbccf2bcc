"""LF302 examples of step functions with loops of their own (simple-nmt's
dual trainer, audit R40): loops that each hold a part of one iteration leave
the function one iteration; and accelerate's fp16 mixed precision, whose
``accelerator.backward`` scales the loss (audit s140); kept apart so the rule
module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

#: Hugging Face accelerate with fp16 (Joyce94/LLM-RLHF-Tuning, audit s140):
#: ``accelerator.backward`` scales the loss with a GradScaler of its own
_ACCELERATE = """
import torch
from accelerate import Accelerator

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
accelerator = Accelerator(mixed_precision={precision})
model, optimizer = accelerator.prepare(model, optimizer)
for batch in loader:
    loss = model(batch).mean()
    accelerator.backward(loss)
    {clip}
    optimizer.step()
    optimizer.zero_grad()
"""

#: a PPO trainer whose ``train`` loop drives ``train_step``: ``{clip}`` is the
#: clip configured by an ``if`` (Joyce94/LLM-RLHF-Tuning, audit s140)
PPO_TRAINER = """
import torch
from accelerate import Accelerator


class PPOTrainer:
    def __init__(self, model, optimizer, fp16, max_grad_norm):
        self.accelerator = Accelerator(mixed_precision="fp16" if fp16 else None)
        self.model, self.optimizer = self.accelerator.prepare(model, optimizer)
        self.max_grad_norm = max_grad_norm

    def train_step(self, batch):
        loss = self.model(batch).mean()
        self.accelerator.backward(loss)
        if self.max_grad_norm is not None:
            params = [p for p in self.model.parameters() if p.requires_grad]
            {clip}
        self.optimizer.step()
        self.optimizer.zero_grad()
        return loss.detach()

    def train(self, loader):
        for batch in loader:
            self.train_step(batch)
"""

STEP_LOOP_INVALID = [
    Invalid(
        _ACCELERATE.format(
            precision='"fp16" if args.fp16 else "no"',
            clip="torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # error: LF302",
        )
    ),
    # the clip configured by an ``if`` in a step method that another method's
    # loop drives (the whole LLM-RLHF-Tuning shape)
    Invalid(
        PPO_TRAINER.format(
            clip="torch.nn.utils.clip_grad_norm_(params, self.max_grad_norm)  # error: LF302"
        )
    ),
    # two models, two scalers: each part of the iteration in a loop over them
    Invalid(
        """
        import torch
        from torch import nn
        from torch.cuda.amp import GradScaler, autocast

        models = [nn.Linear(4, 2), nn.Linear(4, 2)]
        optimizers = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in models]
        scalers = [GradScaler(), GradScaler()]
        crit = nn.CrossEntropyLoss()

        def train_step(x, y):
            for optimizer in optimizers:
                optimizer.zero_grad()
            with autocast():
                losses = [crit(m(x), y) for m in models]
            for scaler, loss in zip(scalers, losses):
                scaler.scale(loss).backward()
            for model, optimizer, scaler in zip(models, optimizers, scalers):
                torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)  # error: LF302
                scaler.step(optimizer)
                scaler.update()
        """
    ),
    # only the clearing loops over parameters
    Invalid(
        """
        import torch

        def train_step(model, optimizer, scaler, x, y):
            for p in model.parameters():
                p.grad = None
            with torch.autocast("cuda"):
                loss = model(x, y)
            scaler.scale(loss).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # error: LF302
            scaler.step(optimizer)
            scaler.update()
        """
    ),
]

STEP_LOOP_VALID = [
    # the clip kept for the fp32 path: ``if not self.fp16:``, the ``else`` of ``if args.amp:``
    """
    import torch
    from accelerate import Accelerator

    class Trainer:
        def __init__(self, model, optimizer, fp16):
            self.fp16 = fp16
            self.accelerator = Accelerator(mixed_precision="fp16" if fp16 else "no")
            self.model, self.optimizer = self.accelerator.prepare(model, optimizer)

        def train_step(self, batch):
            loss = self.model(batch).mean()
            self.accelerator.backward(loss)
            if not self.fp16:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
            self.optimizer.zero_grad()

        def train(self, loader):
            for batch in loader:
                self.train_step(batch)
    """,
    """
    import torch

    scaler = torch.amp.GradScaler("cuda")

    def fit(model, optimizer, loader, args):
        for x, y in loader:
            loss = model(x, y)
            scaler.scale(loss).backward()
            if args.amp:
                pass
            else:
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
    """,
    # the same function unscaling first
    """
    import torch

    scaler = torch.amp.GradScaler("cuda")

    def run_batch(model, optimizer, loss, train):
        if train:
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()

    def run_epoch(model, optimizer, losses):
        for loss in losses:
            run_batch(model, optimizer, loss, True)
    """,
    # accelerate's own clip unscales first; bf16 and fp32 scale nothing
    _ACCELERATE.format(
        precision='"fp16"', clip="accelerator.clip_grad_norm_(model.parameters(), 1.0)"
    ),
    _ACCELERATE.format(
        precision='"fp16"',
        clip="accelerator.unscale_gradients()\n    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
    ),
    _ACCELERATE.format(
        precision='"bf16"', clip="torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)"
    ),
    # the same dual step, unscaled in the loop before its clip
    """
    import torch
    from torch.cuda.amp import autocast

    def train_step(models, optimizers, scalers, crit, x, y):
        for optimizer in optimizers:
            optimizer.zero_grad()
        with autocast():
            losses = [crit(m(x), y) for m in models]
        for scaler, loss in zip(scalers, losses):
            scaler.scale(loss).backward()
        for model, optimizer, scaler in zip(models, optimizers, scalers):
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            scaler.step(optimizer)
            scaler.update()
    """,
    # a loop of its own that backs up and steps is the iteration (an epoch
    # function): its clip follows the unscale of that iteration
    """
    import torch

    def train_epoch(model, loader, optimizer, scaler):
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = model(x, y)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    """,
]
