"""LF302 clip-grad-without-unscale."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.loops import (
    GRAD_SCALERS,
    LoopIndex,
)
from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import iterations

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def _scaler_disabled(model: SemanticModel, index: LoopIndex) -> bool:
    """Every GradScaler of the file is built with ``enabled=False``."""
    ctors = list(model.calls_to(*GRAD_SCALERS))
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
`scaler.unscale_(optimizer)` comes before the clip in that iteration.
"""
    why = """
Between `scaler.scale(loss).backward()` and `scaler.step()` the gradients are
multiplied by the loss scale (65536 at the start). A max-norm of 1.0 is then
compared with a norm tens of thousands of times too large: every update is
clipped to a tiny step, or, with `clip_grad_value_`, the threshold is meaningless.
"""
    example = """
scaler.scale(loss).backward()
scaler.unscale_(optimizer)                 # missing: LF302 on the next line
clip_grad_norm_(model.parameters(), 1.0)
scaler.step(optimizer)
"""
    INVALID = [
        Invalid(
            "import torch\nscaler = torch.cuda.amp.GradScaler()\n\n"
            "def fit(model, loader, optimizer):\n    for x, y in loader:\n"
            "        optimizer.zero_grad()\n        with torch.autocast('cuda'):\n"
            "            loss = model(x, y)\n        scaler.scale(loss).backward()\n"
            "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
            "        scaler.step(optimizer)\n        scaler.update()\n",
            10,
            9,
        ),
        Invalid(
            "import torch\nfrom torch.nn.utils import clip_grad_value_\n\n"
            "class Trainer:\n    def __init__(self, model):\n        self.model = model\n"
            "        self.scaler = torch.amp.GradScaler('cuda')\n"
            "        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-4)\n\n"
            "    def train_epoch(self, loader):\n        for batch in loader:\n"
            "            self.opt.zero_grad(set_to_none=True)\n"
            "            with torch.autocast('cuda', dtype=torch.float16):\n"
            "                loss = self.model(**batch).loss\n"
            "            self.scaler.scale(loss).backward()\n"
            "            clip_grad_value_(self.model.parameters(), 0.1)\n"
            "            self.scaler.step(self.opt)\n            self.scaler.update()\n",
            16,
            13,
        ),
        Invalid(
            "import torch\nfrom torch.cuda.amp import GradScaler, autocast\n"
            "model = torch.nn.Linear(8, 1).cuda()\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.01)\nscaler = GradScaler()\n"
            "for epoch in range(5):\n    for i, (x, y) in enumerate(data):\n"
            "        with autocast():\n            loss = (model(x) - y).pow(2).mean()\n"
            "        scaler.scale(loss).backward()\n        if (i + 1) % 2 == 0:\n"
            "            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)\n"
            "            scaler.step(opt)\n            scaler.update()\n"
            "            opt.zero_grad()\n",
            12,
            13,
        ),
    ]
    VALID = [
        "import torch\nscaler = torch.cuda.amp.GradScaler()\n\n"
        "def fit(model, loader, optimizer):\n    for x, y in loader:\n"
        "        optimizer.zero_grad()\n        with torch.autocast('cuda'):\n"
        "            loss = model(x, y)\n        scaler.scale(loss).backward()\n"
        "        scaler.unscale_(optimizer)\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "        scaler.step(optimizer)\n        scaler.update()\n",
        # no scaler: bf16 autocast
        "import torch\n\ndef fit(model, loader, optimizer):\n    for x, y in loader:\n"
        "        optimizer.zero_grad()\n"
        "        with torch.autocast('cuda', dtype=torch.bfloat16):\n"
        "            loss = model(x, y)\n        loss.backward()\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "        optimizer.step()\n",
        # accelerate unscales inside its own clip
        "from accelerate import Accelerator\n\naccelerator = Accelerator(mixed_precision='fp16')\n"
        "def fit(model, loader, optimizer):\n    for x, y in loader:\n"
        "        optimizer.zero_grad()\n        loss = model(x, y)\n"
        "        accelerator.backward(loss)\n"
        "        accelerator.clip_grad_norm_(model.parameters(), 1.0)\n"
        "        optimizer.step()\n",
        # accumulation: unscale_ in the same `if`, before the clip
        "import torch\nscaler = torch.cuda.amp.GradScaler()\n\n"
        "def fit(model, loader, opt):\n    for i, (x, y) in enumerate(loader):\n"
        "        with torch.autocast('cuda'):\n            loss = model(x, y) / 4\n"
        "        scaler.scale(loss).backward()\n        if (i + 1) % 4 == 0:\n"
        "            scaler.unscale_(opt)\n"
        "            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "            scaler.step(opt)\n            scaler.update()\n"
        "            opt.zero_grad()\n",
        # a scaler that is switched off for good
        "import torch\nscaler = torch.cuda.amp.GradScaler(enabled=False)\n\n"
        "def fit(model, loader, opt):\n    for x, y in loader:\n        opt.zero_grad()\n"
        "        scaler.scale(model(x, y)).backward()\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "        scaler.step(opt)\n        scaler.update()\n",
        # Lightning: clipping is configured on the Trainer, no loop here
        "import lightning as L\n\nclass Model(L.LightningModule):\n"
        "    def training_step(self, batch, batch_idx):\n"
        "        return self.model(batch).loss\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for index, loop in iterations(model):
            uses_scaler = any(e.event.scaled for e in loop.of("backward", "step"))
            if not uses_scaler or _scaler_disabled(model, index):
                continue
            unscales = loop.of("unscale")
            backwards = loop.of("backward")
            steps = loop.of("step")
            for clip in loop.of("clip"):
                if clip.event.managed:
                    continue
                if any(u.order < clip.order for u in unscales):
                    continue
                if not any(b.order < clip.order for b in backwards):
                    continue  # before backward: LF301
                if not any(s.order > clip.order for s in steps):
                    continue  # after the step: LF301
                scaled = next(b for b in backwards if b.order < clip.order)
                yield Finding(
                    clip.node,
                    "gradients clipped while still multiplied by the GradScaler's loss "
                    f"scale (backward at line {model.line_of(scaled.node)}); call "
                    "`scaler.unscale_(optimizer)` before clipping",
                    related=(RelatedNode("the scaled backward", scaled.node),),
                )
