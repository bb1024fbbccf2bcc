"""LF302 clip-grad-without-unscale."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.contexts import in_full_precision_branch
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.common import iterations, written
from lossflint.rules.training_loop.lf302_step_loop_examples import (
    STEP_LOOP_INVALID,
    STEP_LOOP_VALID,
)

if TYPE_CHECKING:
    from lossflint.analysis.loops import LoopEvent
    from lossflint.analysis.model import SemanticModel


def _scaled(model: SemanticModel, backward: LoopEvent) -> bool:
    """``scaler.scale(loss).backward()``, or ``scaled = scaler.scale(loss)``
    then ``scaled.backward()``."""
    if backward.event.scaled:
        return True
    loss = backward.event.loss
    if not isinstance(loss, cst.Name):
        return False
    values = [b.node for b in model.bindings(loss) or [] if b.kind == "assign"]
    return any(
        isinstance(v, cst.Call)
        and isinstance(v.func, cst.Attribute)
        and v.func.attr.value == "scale"
        for v in values
    )


def _scaler_disabled(model: SemanticModel) -> bool:
    """Every GradScaler of the file is built with ``enabled=False``."""
    ctors = list(model.calls_to(*apis.GRAD_SCALERS))
    return bool(ctors) and all(
        literal_value(argument(c.node, None, "enabled")) is False for c in ctors
    )


class ClipGradWithoutUnscale(Rule):
    code = "LF302"
    name = "clip-grad-without-unscale"
    severity = Severity.ERROR
    summary = "gradients clipped while still scaled by `GradScaler` (no `unscale_` before)"
    needs = ("clip_grad",)
    what = """
Flags `clip_grad_norm_` / `clip_grad_value_` in an iteration that uses a `GradScaler`
(`scaler.scale(loss).backward()` / `scaler.step(optimizer)`) when no
`scaler.unscale_(optimizer)` comes before the clip in that iteration. An fp16
Accelerator's `accelerator.backward(loss)` scales too. A clip in a helper the
loop calls counts, under an `if` too (`if self.max_grad_norm: clip(...)`); a
clip kept for the fp32 path (`if not self.fp16:`, the `else` of `if args.amp:`)
does not.
"""
    why = """
Between `scaler.scale(loss).backward()` and `scaler.step()` the gradients are
multiplied by the loss scale (65536 at the start). A max-norm of 1.0 is then
compared with a norm tens of thousands of times too large: every update is
clipped to a tiny step, or, with `clip_grad_value_`, the threshold is meaningless.
"""
    example = """
    import torch
    from torch.nn.utils import clip_grad_norm_

    scaler = torch.amp.GradScaler("cuda")


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = criterion(model(x), y)
            scaler.scale(loss).backward()
            clip_grad_norm_(model.parameters(), 1.0)  # error: LF302 (gradients still scaled)
            scaler.step(optimizer)
            scaler.update()


    def train_fixed(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = criterion(model(x), y)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            clip_grad_norm_(model.parameters(), 1.0)  # OK
            scaler.step(optimizer)
            scaler.update()
    """
    use_instead = """
    import torch
    from torch.nn.utils import clip_grad_norm_

    scaler = torch.amp.GradScaler("cuda")


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = criterion(model(x), y)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
    """
    references = (
        (
            "PyTorch: AMP examples, gradient clipping",
            "https://pytorch.org/docs/stable/notes/amp_examples.html#gradient-clipping",
        ),
        (
            "PyTorch: torch.nn.utils.clip_grad_norm_",
            "https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_norm_.html",
        ),
    )
    INVALID = [
        *STEP_LOOP_INVALID,
        # a step method called from the epoch loop: reported at the clip, where
        # it is written (once, whichever loop calls it)
        Invalid(
            """
            import torch

            class AmpTrainer:
                def __init__(self, model, optimizer):
                    self.model, self.optimizer = model, optimizer
                    self.scaler = torch.cuda.amp.GradScaler()

                def train_step(self, x, y):
                    self.optimizer.zero_grad()
                    with torch.autocast("cuda", dtype=torch.float16):
                        loss = torch.nn.functional.mse_loss(self.model(x), y)
                    self.scaler.scale(loss).backward()
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)  # error: LF302 at `torch.nn.utils.clip_grad_norm_(`
                    self.scaler.step(self.optimizer)
                    self.scaler.update()

                def train_epoch(self, loader):
                    for x, y in loader:
                        self.train_step(x, y)

                def train_twice(self, loader):
                    for x, y in loader:
                        self.train_step(x, y)
            """,
        ),
        Invalid(
            """
            import torch
            scaler = torch.cuda.amp.GradScaler()

            def fit(model, loader, optimizer):
                for x, y in loader:
                    optimizer.zero_grad()
                    with torch.autocast('cuda'):
                        loss = model(x, y)
                    scaler.scale(loss).backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # error: LF302 at `torch.nn.utils.clip_grad_norm_(`
                    scaler.step(optimizer)
                    scaler.update()
            """,
        ),
        Invalid(
            """
            import torch
            from torch.nn.utils import clip_grad_value_

            class Trainer:
                def __init__(self, model):
                    self.model = model
                    self.scaler = torch.amp.GradScaler('cuda')
                    self.opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

                def train_epoch(self, loader):
                    for batch in loader:
                        self.opt.zero_grad(set_to_none=True)
                        with torch.autocast('cuda', dtype=torch.float16):
                            loss = self.model(**batch).loss
                        self.scaler.scale(loss).backward()
                        clip_grad_value_(self.model.parameters(), 0.1)  # error: LF302 at `clip_grad_value_(`
                        self.scaler.step(self.opt)
                        self.scaler.update()
            """,
        ),
        Invalid(
            """
            import torch
            from torch.cuda.amp import GradScaler, autocast
            model = torch.nn.Linear(8, 1).cuda()
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            scaler = GradScaler()
            for epoch in range(5):
                for i, (x, y) in enumerate(data):
                    with autocast():
                        loss = (model(x) - y).pow(2).mean()
                    scaler.scale(loss).backward()
                    if (i + 1) % 2 == 0:
                        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)  # error: LF302 at `torch.nn.utils.clip_grad_norm_(`
                        scaler.step(opt)
                        scaler.update()
                        opt.zero_grad()
            """,
        ),
        # the step under `if train:` in a function a loop calls: no loop can
        # inline it, so it is checked as one iteration (minGPT-ddp, audit R25)
        Invalid(
            """
            import torch

            scaler = torch.amp.GradScaler("cuda")

            def run_batch(model, optimizer, loss, train):
                if train:
                    optimizer.zero_grad()
                    scaler.scale(loss).backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # error: LF302
                    scaler.step(optimizer)
                    scaler.update()

            def run_epoch(model, optimizer, losses):
                for loss in losses:
                    run_batch(model, optimizer, loss, True)
            """
        ),
    ]
    VALID = [
        *STEP_LOOP_VALID,
        # the `else:` arm backs the loss up unscaled: its clip is right (the
        # clip of the `if amp:` arm is not)
        """
        import torch

        def train(model, loader, optimizer, scaler, use_amp):
            for x, y in loader:
                optimizer.zero_grad()
                loss = model(x, y)
                if use_amp:
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimizer)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
        """,
        """
        import torch
        scaler = torch.cuda.amp.GradScaler()

        def fit(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                with torch.autocast('cuda'):
                    loss = model(x, y)
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(optimizer)
                scaler.update()
        """,
        # no scaler: bf16 autocast
        """
        import torch

        def fit(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                with torch.autocast('cuda', dtype=torch.bfloat16):
                    loss = model(x, y)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
        """,
        # accelerate unscales inside its own clip
        """
        from accelerate import Accelerator

        accelerator = Accelerator(mixed_precision='fp16')
        def fit(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss = model(x, y)
                accelerator.backward(loss)
                accelerator.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
        """,
        # accumulation: unscale_ in the same `if`, before the clip
        """
        import torch
        scaler = torch.cuda.amp.GradScaler()

        def fit(model, loader, opt):
            for i, (x, y) in enumerate(loader):
                with torch.autocast('cuda'):
                    loss = model(x, y) / 4
                scaler.scale(loss).backward()
                if (i + 1) % 4 == 0:
                    scaler.unscale_(opt)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    scaler.step(opt)
                    scaler.update()
                    opt.zero_grad()
        """,
        # a scaler that is switched off for good
        """
        import torch
        scaler = torch.cuda.amp.GradScaler(enabled=False)

        def fit(model, loader, opt):
            for x, y in loader:
                opt.zero_grad()
                scaler.scale(model(x, y)).backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(opt)
                scaler.update()
        """,
        # Lightning: clipping is configured on the Trainer, no loop here
        """
        import lightning as L

        class Model(L.LightningModule):
            def training_step(self, batch, batch_idx):
                return self.model(batch).loss
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        reported: set[int] = set()
        for index, loop in iterations(model, step_functions=True):
            uses_scaler = any(e.event.scaled for e in loop.of("backward", "step"))
            if not uses_scaler or _scaler_disabled(model):
                continue
            unscales = loop.of("unscale")
            backwards = loop.of("backward")
            steps = loop.of("step")
            for clip in loop.of("clip"):
                if clip.event.managed:
                    continue
                if any(u.order < clip.order for u in unscales):
                    continue
                earlier = [
                    b for b in backwards if b.order < clip.order and not index.exclusive(b, clip)
                ]
                if not earlier:
                    continue  # before backward: LF301
                if not any(s.order > clip.order for s in steps):
                    continue  # after the step: LF301
                if in_full_precision_branch(model, written(clip)):
                    continue  # ``if not self.fp16: clip(...)``: the fp32 path
                scaled_ones = [b for b in earlier if _scaled(model, b)]
                if not scaled_ones:
                    continue  # the `else:` arm of `if amp:` backs the loss up unscaled
                scaled = written(scaled_ones[-1])
                at = written(clip)
                if id(at) in reported:
                    continue
                reported.add(id(at))
                if scaled_ones[-1].event.managed:
                    # ``accelerator.backward(loss)`` of an fp16 Accelerator
                    message = (
                        "gradients clipped while still multiplied by the loss scale of the "
                        "fp16 Accelerator's GradScaler (`accelerator.backward` at line "
                        f"{model.line_of(scaled)}); clip with `accelerator.clip_grad_norm_`, "
                        "which unscales first"
                    )
                else:
                    message = (
                        "gradients clipped while still multiplied by the GradScaler's loss "
                        f"scale (backward at line {model.line_of(scaled)}); call "
                        "`scaler.unscale_(optimizer)` before clipping"
                    )
                yield Finding(at, message, related=(RelatedNode("the scaled backward", scaled),))
