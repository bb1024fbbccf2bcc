"""LF301 clip-grad-after-step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import TRAIN, iterations, short

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class ClipGradAfterStep(Rule):
    code = "LF301"
    name = "clip-grad-after-step"
    severity = Severity.ERROR
    summary = "gradient clipping after `optimizer.step()` (or before `backward()`) has no effect"
    needs = ("clip_grad",)
    what = """
Flags `clip_grad_norm_` / `clip_grad_value_` called after the last `optimizer.step()`
of a training iteration, or before its first `backward()`. Only events that run in
the same block are compared: a clip inside `if` and a step outside it are never
ordered against each other.
"""
    why = """
Clipping rewrites `.grad`. After the step the update has already used the
unclipped gradients (and the next `zero_grad()` throws the clipped ones away);
before `backward()` there are no gradients of this batch yet. Either way the
clipping that was meant to prevent exploding updates does nothing.
"""
    example = """
loss.backward()
optimizer.step()
clip_grad_norm_(model.parameters(), 1.0)   # LF301: too late

loss.backward()
clip_grad_norm_(model.parameters(), 1.0)   # between backward and step
optimizer.step()
"""
    INVALID = [
        Invalid(
            TRAIN + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
            "        loss.backward()\n        optimizer.step()\n"
            "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n",
            9,
            9,
        ),
        Invalid(
            "import torch\nfrom torch import nn\n\nclass Trainer:\n"
            "    def __init__(self, model):\n        self.model = model\n"
            "        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n\n"
            "    def fit(self, loader):\n        for x, y in loader:\n"
            "            self.optimizer.zero_grad()\n"
            "            nn.utils.clip_grad_value_(self.model.parameters(), 0.5)\n"
            "            loss = self.model(x).mean()\n            loss.backward()\n"
            "            self.optimizer.step()\n",
            12,
            13,
        ),
        Invalid(
            "import torch\nfrom torch.nn.utils import clip_grad_norm_\n"
            "model = torch.nn.Linear(4, 1)\nopt = torch.optim.Adam(model.parameters())\n"
            "for epoch in range(3):\n    for x, y in data:\n        opt.zero_grad()\n"
            "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
            "        opt.step()\n        clip_grad_norm_(model.parameters(), max_norm=1.0)\n",
            10,
            9,
        ),
        Invalid(
            "import torch\nfrom torch.nn.utils import clip_grad_norm_\n\n"
            "def fit(model, loader, optimizer, accum=4):\n"
            "    for i, (x, y) in enumerate(loader):\n        loss = model(x, y)\n"
            "        loss.backward()\n        if (i + 1) % accum == 0:\n"
            "            optimizer.step()\n"
            "            clip_grad_norm_(model.parameters(), 1.0)\n"
            "            optimizer.zero_grad()\n",
            10,
            13,
        ),
    ]
    VALID = [
        # the right place
        TRAIN + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "        optimizer.step()\n",
        # gradient accumulation: clip and step in the same `if`
        "import torch\nfrom torch.nn.utils import clip_grad_norm_\n\n"
        "def fit(model, loader, optimizer, accum=4):\n"
        "    for i, (x, y) in enumerate(loader):\n        loss = model(x, y) / accum\n"
        "        loss.backward()\n        if (i + 1) % accum == 0:\n"
        "            clip_grad_norm_(model.parameters(), 1.0)\n"
        "            optimizer.step()\n            optimizer.zero_grad()\n",
        # AMP: unscale_, clip, scaler.step(optimizer)
        "import torch\nscaler = torch.cuda.amp.GradScaler()\n\n"
        "def fit(model, loader, optimizer):\n    for x, y in loader:\n"
        "        optimizer.zero_grad()\n        with torch.autocast('cuda'):\n"
        "            loss = model(x, y)\n        scaler.scale(loss).backward()\n"
        "        scaler.unscale_(optimizer)\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "        scaler.step(optimizer)\n        scaler.update()\n",
        # GAN: the clip of G comes after D's step, but before G's own step
        "import torch\nfrom torch.nn.utils import clip_grad_norm_\n\n"
        "def fit(G, D, opt_g, opt_d, loader):\n    for real in loader:\n"
        "        opt_d.zero_grad()\n        d_loss = D(real, G).mean()\n"
        "        d_loss.backward()\n        opt_d.step()\n        opt_g.zero_grad()\n"
        "        g_loss = -D(G()).mean()\n        g_loss.backward()\n"
        "        clip_grad_norm_(G.parameters(), 1.0)\n        opt_g.step()\n",
        # measuring the norm after the step, only when logging
        TRAIN + "        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n        if log_now:\n"
        "            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), float('inf'))\n",
        # LBFGS: backward and clip live in the closure
        "import torch\n\ndef fit(model, x, y, opt):\n    for _ in range(10):\n"
        "        def closure():\n            opt.zero_grad()\n"
        "            loss = model(x, y)\n            loss.backward()\n"
        "            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "            return loss\n        opt.step(closure)\n",
        # step at the top of the iteration (LF305's finding): the clip sits between
        # the previous backward and the step
        TRAIN + "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "        optimizer.step()\n        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()\n",
        # a user function with the same name
        "import torch\n\ndef clip_grad_norm_(params, v):\n    pass\n\n"
        "def fit(model, loader, optimizer):\n    for x in loader:\n"
        "        optimizer.zero_grad()\n        model(x).backward()\n"
        "        optimizer.step()\n        clip_grad_norm_(model.parameters(), 1.0)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for index, loop in iterations(model):
            steps = loop.of("step")
            backwards = loop.of("backward")
            for clip in loop.of("clip"):
                later_steps = [s for s in steps if s.order > clip.order]
                later_backwards = [b for b in backwards if b.order > clip.order]
                earlier_backwards = [b for b in backwards if b.order < clip.order]
                before = [
                    s
                    for s in steps
                    if s.order < clip.order and index.comparable(s, clip) and not s.event.closure
                ]
                if before and not later_steps and not later_backwards:
                    step = before[-1]
                    yield Finding(
                        clip.node,
                        f"gradients clipped after `{short(model, step.node)}` "
                        f"(line {model.line_of(step.node)}): the update already used the "
                        "unclipped gradients; clip between backward() and step()",
                        related=(RelatedNode("the step", step.node),),
                    )
                    continue
                after = [
                    b
                    for b in later_backwards
                    if index.comparable(b, clip) and not earlier_backwards
                ]
                if after and any(s.order > after[0].order for s in later_steps):
                    backward = after[0]
                    yield Finding(
                        clip.node,
                        "gradients clipped before `backward()` "
                        f"(line {model.line_of(backward.node)}): this batch's gradients do "
                        "not exist yet; clip between backward() and step()",
                        related=(RelatedNode("the backward", backward.node),),
                    )
