"""LF3xx: the training loop and optimisation (order of events, AMP, modes, init)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, has_star_args, keyword, literal_value, positional
from lossflint.analysis.contexts import ContextIndex, contexts
from lossflint.analysis.loops import (
    ANOMALY_CONTEXT,
    ANOMALY_SETTERS,
    CONSTANT_INITS,
    FROZEN_MODEL_HINTS,
    FUNCTIONAL_DROPOUT,
    KERAS_CONSTANT_INITIALIZERS,
    KERAS_CONSTANT_STRINGS,
    KERAS_SEQUENTIAL,
    KERAS_WEIGHT_LAYERS,
    NORM_HINTS,
    OUTPUT_LAYER_HINTS,
    WEIGHT_LAYERS,
    Event,
    Loop,
    LoopIndex,
    dotted,
    loops,
)
from lossflint.analysis.values import Layer, Sequential, Tensor
from lossflint.diagnostics import (
    Applicability,
    Finding,
    FixSpec,
    NodeEdit,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Option, Rule
from lossflint.rules.cst_edits import with_keyword as _with_keyword

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


# --- shared helpers -------------------------------------------------------------


def _iterations(model: SemanticModel) -> Iterator[tuple[LoopIndex, Loop]]:
    index = loops(model)
    for loop in index.loops:
        if loop.is_iteration:
            yield index, loop


def _short(model: SemanticModel, node: cst.CSTNode) -> str:
    """``optimizer.step()`` for messages: the call text without its arguments."""
    if isinstance(node, cst.Call):
        func = model.code(node.func)
        return f"{func}()" if len(func) < 60 else "the call"
    text = model.code(node).strip()
    return text if len(text) < 60 else "the statement"


def _line(model: SemanticModel, node: cst.CSTNode) -> int:
    return model.line_of(node)


def _method_call(expr: cst.BaseExpression, method: str) -> cst.Call:
    if not isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or expr.lpar:
        if not expr.lpar:
            expr = expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(func=cst.Attribute(value=expr, attr=cst.Name(method)))


_TRAIN = """import torch

def train(model, loader, optimizer, criterion):
    for x, y in loader:
"""


_CE_TRAIN = """import torch
import torch.nn.functional as F

def train(model, loader, optimizer):
    total = 0.0
    for x, y in loader:
"""


# --- LF301 ----------------------------------------------------------------------


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
            _TRAIN + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
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
        _TRAIN + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
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
        _TRAIN + "        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n"
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
        _TRAIN + "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "        optimizer.step()\n        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()\n",
        # a user function with the same name
        "import torch\n\ndef clip_grad_norm_(params, v):\n    pass\n\n"
        "def fit(model, loader, optimizer):\n    for x in loader:\n"
        "        optimizer.zero_grad()\n        model(x).backward()\n"
        "        optimizer.step()\n        clip_grad_norm_(model.parameters(), 1.0)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for index, loop in _iterations(model):
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
                        f"gradients clipped after `{_short(model, step.node)}` "
                        f"(line {_line(model, step.node)}): the update already used the "
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
                        f"(line {_line(model, backward.node)}): this batch's gradients do "
                        "not exist yet; clip between backward() and step()",
                        related=(RelatedNode("the backward", backward.node),),
                    )


# --- LF302 ----------------------------------------------------------------------


def _scaler_disabled(model: SemanticModel, index: LoopIndex) -> bool:
    """Every GradScaler of the file is built with ``enabled=False``."""
    from lossflint.analysis.loops import GRAD_SCALERS

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
        for index, loop in _iterations(model):
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
                    f"scale (backward at line {_line(model, scaled.node)}); call "
                    "`scaler.unscale_(optimizer)` before clipping",
                    related=(RelatedNode("the scaled backward", scaled.node),),
                )


# --- LF303 ----------------------------------------------------------------------


class MissingZeroGrad(Rule):
    code = "LF303"
    name = "missing-zero-grad"
    severity = Severity.ERROR
    summary = "training loop with `backward()` and `step()` but no `zero_grad()`"
    needs = ("backward",)
    what = """
Flags the `step()` of a training iteration (a loop with `backward()` and an optimiser
`step()`) in which nothing clears the gradients: no `optimizer.zero_grad()`,
`model.zero_grad()`, `p.grad = None` or `p.grad.zero_()` anywhere in the loop,
directly, under an `if`, or in a same-file function the loop calls.
"""
    why = """
`backward()` adds to `.grad`. Without clearing, the gradient of step *n* is the sum
of all batches so far: updates grow without bound and the loss diverges (or
oscillates) instead of decreasing.
"""
    example = """
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()            # LF303: gradients keep accumulating
    optimizer.zero_grad()       # the fix (here or before backward)
"""
    INVALID = [
        Invalid(
            _TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
            "        optimizer.step()\n",
            7,
            9,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def __init__(self, model):\n"
            "        self.model = model\n"
            "        self.optimizer = torch.optim.Adam(model.parameters())\n\n"
            "    def fit(self, loader):\n        for batch in loader:\n"
            "            loss = self.model(batch).mean()\n            loss.backward()\n"
            "            self.optimizer.step()\n",
            12,
            13,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(3, 1)\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
            "for epoch in range(10):\n    opt.zero_grad()  # once per epoch only\n"
            "    for x, y in data:\n"
            "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
            "        opt.step()\n",
            8,
            9,
        ),
        Invalid(
            "import torch\n\ndef fit(model, optimizer, stream):\n    step = 0\n"
            "    while step < 1000:\n        x, y = next(stream)\n"
            "        loss = (model(x) - y).abs().mean()\n        loss.backward()\n"
            "        optimizer.step()\n        step += 1\n",
            9,
            9,
        ),
    ]
    VALID = [
        # a new optimizer over a new tensor every iteration (diffusers pix2pix-zero)
        "import torch\ndef refine(latents, steps, loss_fn):\n    for t in steps:\n"
        "        x = latents.detach().clone()\n        x.requires_grad = True\n"
        "        opt = torch.optim.SGD([x], lr=0.1)\n        loss_fn(x).backward()\n        opt.step()\n",
        # zero_grad at the end of the iteration
        _TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
        "        optimizer.step()\n        optimizer.zero_grad(set_to_none=True)\n",
        # model.zero_grad() / p.grad = None
        _TRAIN + "        model.zero_grad()\n        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n",
        _TRAIN + "        for p in model.parameters():\n            p.grad = None\n"
        "        criterion(model(x), y).backward()\n        optimizer.step()\n",
        # gradient accumulation: zero_grad under the same `if` as step
        _TRAIN.replace("for x, y in loader", "for i, (x, y) in enumerate(loader)")
        + "        (criterion(model(x), y) / 4).backward()\n"
        "        if (i + 1) % 4 == 0:\n            optimizer.step()\n"
        "            optimizer.zero_grad()\n",
        # LBFGS: the closure clears the gradients
        "import torch\n\ndef fit(model, x, y):\n"
        "    opt = torch.optim.LBFGS(model.parameters())\n    for _ in range(20):\n"
        "        def closure():\n            opt.zero_grad()\n"
        "            loss = model(x, y)\n            loss.backward()\n"
        "            return loss\n        opt.step(closure)\n",
        # Lightning: automatic optimisation, no loop and no step
        "import pytorch_lightning as pl\nimport torch.nn.functional as F\n\n"
        "class Net(pl.LightningModule):\n    def training_step(self, batch, batch_idx):\n"
        "        x, y = batch\n        return F.cross_entropy(self(x), y)\n",
        # clearing in a helper method the loop calls
        "import torch\n\nclass Trainer:\n    def reset(self):\n"
        "        self.optimizer.zero_grad()\n\n    def fit(self, loader):\n"
        "        for x in loader:\n            self.reset()\n"
        "            self.model(x).mean().backward()\n            self.optimizer.step()\n",
        # gradients written by hand (autograd.grad / all-reduce) overwrite .grad
        "import torch\n\ndef fit(model, loader, optimizer):\n    for x in loader:\n"
        "        model(x).mean().backward()\n        for p in model.parameters():\n"
        "            p.grad = sync(p.grad)\n        optimizer.step()\n",
        # an RL environment's step is not an optimiser's
        "import torch\n\ndef run(env, policy, optimizer):\n    for t in range(100):\n"
        "        obs, r, done, info = env.step(policy.act())\n"
        "        optimizer.zero_grad()\n        policy.loss(r).backward()\n"
        "        optimizer.step()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for _index, loop in _iterations(model):
            if loop.has("zero_grad", via_calls=True) or loop.has("grad_set", via_calls=True):
                continue
            if loop.has("optim_ctor"):
                # a fresh optimizer each iteration, often over fresh tensors
                # (latent refinement): nothing accumulates; LF311 covers the rest
                continue
            steps = [s for s in loop.of("step") if not s.event.closure]
            if not steps:
                continue
            step = steps[0]
            backward = loop.of("backward")[0]
            yield Finding(
                step.node,
                "training loop steps without clearing gradients: `backward()` (line "
                f"{_line(model, backward.node)}) adds to `.grad`, so every step uses the sum "
                "of all batches so far; call `optimizer.zero_grad()` in the loop",
                related=(RelatedNode("the backward", backward.node),),
            )


# --- LF304 ----------------------------------------------------------------------


class ZeroGradBeforeStep(Rule):
    code = "LF304"
    name = "zero-grad-before-step"
    severity = Severity.ERROR
    summary = "`zero_grad()` between `backward()` and `step()`: the step sees zero gradients"
    needs = ("zero_grad", ".grad")
    what = """
Flags a `zero_grad()` that runs after the `backward()` and before the `step()` it
feeds, in the same block of a training iteration (no other `backward()` between it
and the step). A `zero_grad()` of another optimiser (GANs) is not reported.
"""
    why = """
The gradients computed by `backward()` are erased before the optimiser reads them:
every step is a step with zero gradient (only weight decay acts). The loss stays
flat and nothing trains.
"""
    example = """
loss.backward()
optimizer.zero_grad()     # LF304: move it before backward() or after step()
optimizer.step()
"""
    INVALID = [
        Invalid(
            _TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
            "        optimizer.zero_grad()\n        optimizer.step()\n",
            7,
            9,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def __init__(self, model):\n"
            "        self.model = model\n"
            "        self.optimizer = torch.optim.Adam(model.parameters())\n\n"
            "    def fit(self, loader):\n        for batch in loader:\n"
            "            loss = self.model(batch).mean()\n            loss.backward()\n"
            "            self.model.zero_grad()\n            self.optimizer.step()\n",
            12,
            13,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(8, 1)\n"
            "optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)\n"
            "scaler = torch.cuda.amp.GradScaler()\n"
            "for epoch in range(3):\n    for x, y in data:\n"
            "        with torch.autocast('cuda'):\n            loss = (model(x) - y).pow(2).mean()\n"
            "        scaler.scale(loss).backward()\n        optimizer.zero_grad()\n"
            "        scaler.step(optimizer)\n        scaler.update()\n",
            10,
            9,
        ),
    ]
    VALID = [
        _TRAIN + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n        optimizer.step()\n",
        # zero_grad at the end of the iteration
        _TRAIN + "        criterion(model(x), y).backward()\n        optimizer.step()\n"
        "        optimizer.zero_grad()\n",
        # accumulation
        _TRAIN.replace("for x, y in loader", "for i, (x, y) in enumerate(loader)")
        + "        criterion(model(x), y).backward()\n        if (i + 1) % 8 == 0:\n"
        "            optimizer.step()\n            optimizer.zero_grad()\n",
        # GAN: G's gradients (left by D's backward) are cleared before D's step
        "import torch\n\ndef fit(G, D, opt_g, opt_d, loader):\n    for real in loader:\n"
        "        opt_d.zero_grad()\n        D(real, G()).mean().backward()\n"
        "        opt_g.zero_grad()\n        opt_d.step()\n"
        "        (-D(G()).mean()).backward()\n        opt_g.step()\n",
        # sequential GAN updates: a backward sits between zero_grad and step
        "import torch\n\ndef fit(G, D, opt_g, opt_d, loader):\n    for real in loader:\n"
        "        opt_d.zero_grad()\n        D(real, G()).mean().backward()\n"
        "        opt_d.step()\n        opt_g.zero_grad()\n"
        "        (-D(G()).mean()).backward()\n        opt_g.step()\n",
        # gradients overwritten by hand between backward and step
        "import torch\n\ndef fit(model, loader, optimizer):\n    for x in loader:\n"
        "        optimizer.zero_grad()\n        model(x).mean().backward()\n"
        "        model.weight.grad = all_reduce(model.weight.grad)\n        optimizer.step()\n",
        # conditional clearing (skip bad batches)
        _TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
        "        if not torch.isfinite(loss):\n            optimizer.zero_grad()\n"
        "        optimizer.step()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for index, loop in _iterations(model):
            backwards = loop.of("backward")
            steps = [s for s in loop.of("step") if not s.event.closure]
            stepped = {s.event.receiver for s in steps}
            for zero in loop.of("zero_grad"):
                if not any(b.order < zero.order and index.comparable(b, zero) for b in backwards):
                    continue
                following = [s for s in steps if s.order > zero.order and index.comparable(s, zero)]
                if not following:
                    continue
                step = following[0]
                if any(zero.order < b.order < step.order for b in backwards):
                    continue
                receiver = zero.event.receiver
                if receiver != step.event.receiver:
                    node = zero.node
                    target = (
                        node.func.value
                        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                        else None
                    )
                    is_optimizer = target is not None and index.role(target) == "optimizer"
                    if is_optimizer or len(stepped) != 1:
                        continue
                yield Finding(
                    zero.node,
                    f"gradients cleared after backward() and before `{_short(model, step.node)}` "
                    f"(line {_line(model, step.node)}): the step sees zero gradients and "
                    "nothing trains; clear them before backward() or after step()",
                    related=(RelatedNode("the step", step.node),),
                )


# --- LF305 ----------------------------------------------------------------------


class StepBeforeBackward(Rule):
    code = "LF305"
    name = "step-before-backward"
    severity = Severity.WARNING
    summary = "`optimizer.step()` before `loss.backward()` in the iteration"
    needs = ("backward",)
    what = """
Flags an optimiser `step()` that runs, in the same block of a training iteration,
before the first `backward()` of that iteration. `step(closure)` (LBFGS) is not
reported: the closure runs backward itself.
"""
    why = """
The step uses whatever is in `.grad` at that point: the previous batch's gradients
(or zeros right after `zero_grad()`). Updates lag one batch behind, or nothing
trains at all when the gradients were just cleared.
"""
    example = """
optimizer.zero_grad()
optimizer.step()          # LF305: there are no gradients of this batch yet
loss.backward()
"""
    INVALID = [
        Invalid(
            _TRAIN + "        optimizer.zero_grad()\n        out = model(x)\n"
            "        optimizer.step()\n        loss = criterion(out, y)\n        loss.backward()\n",
            7,
            9,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def __init__(self, model):\n"
            "        self.model = model\n"
            "        self.optimizer = torch.optim.Adam(model.parameters())\n\n"
            "    def fit(self, loader):\n        for batch in loader:\n"
            "            self.optimizer.step()\n            self.optimizer.zero_grad()\n"
            "            self.model(batch).mean().backward()\n",
            10,
            13,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(8, 1)\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "scaler = torch.cuda.amp.GradScaler()\n"
            "for epoch in range(3):\n    for x, y in data:\n        opt.zero_grad()\n"
            "        with torch.autocast('cuda'):\n            loss = (model(x) - y).pow(2).mean()\n"
            "        scaler.step(opt)\n        scaler.update()\n"
            "        scaler.scale(loss).backward()\n",
            10,
            9,
        ),
    ]
    VALID = [
        _TRAIN + "        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n",
        # LBFGS
        "import torch\n\ndef fit(model, x, y):\n"
        "    opt = torch.optim.LBFGS(model.parameters())\n    for _ in range(20):\n"
        "        def closure():\n            opt.zero_grad()\n"
        "            loss = model(x, y)\n            loss.backward()\n"
        "            return loss\n        opt.step(closure)\n",
        # accumulation with the step at the top, under a condition
        _TRAIN.replace("for x, y in loader", "for i, (x, y) in enumerate(loader)")
        + "        if i > 0 and i % 4 == 0:\n            optimizer.step()\n"
        "            optimizer.zero_grad()\n        criterion(model(x), y).backward()\n",
        # GAN: D's step comes before G's backward, after D's backward
        "import torch\n\ndef fit(G, D, opt_g, opt_d, loader):\n    for real in loader:\n"
        "        opt_d.zero_grad()\n        D(real, G()).mean().backward()\n"
        "        opt_d.step()\n        opt_g.zero_grad()\n"
        "        (-D(G()).mean()).backward()\n        opt_g.step()\n",
        # validation loop: no backward
        "import torch\n\ndef evaluate(model, loader, scheduler):\n    for x in loader:\n"
        "        with torch.no_grad():\n            model(x)\n        scheduler.step()\n",
        # backward for several micro-batches in an inner loop, then step
        _TRAIN
        + "        for chunk in x.chunk(4):\n            criterion(model(chunk), y).backward()\n"
        "        optimizer.step()\n        optimizer.zero_grad()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for index, loop in _iterations(model):
            backwards = loop.of("backward")
            for step in loop.of("step"):
                if step.event.closure:
                    continue
                if any(b.order < step.order for b in backwards):
                    continue
                later = [b for b in backwards if b.order > step.order and index.comparable(b, step)]
                if not later:
                    continue
                yield Finding(
                    step.node,
                    f"optimizer step before `backward()` (line {_line(model, later[0].node)}): "
                    "it uses the previous batch's gradients (or none); step after backward()",
                    related=(RelatedNode("the backward", later[0].node),),
                )
                break


# --- LF306 ----------------------------------------------------------------------

_DETACHING = frozenset({"item", "detach", "tolist", "numpy", "detach_"})


class LossAccumulatedWithGraph(Rule):
    code = "LF306"
    name = "loss-accumulated-with-graph"
    severity = Severity.WARNING
    summary = "a loss that requires grad accumulated across iterations (`+=` / `append`)"
    fix_kind = "safe"
    needs = ("backward",)
    what = """
Flags `total += loss` and `losses.append(loss)` inside a training loop (a loop with
`backward()`) when the value is a loss still attached to the autograd graph (the
result of a loss call, or arithmetic on one; not `.item()`/`.detach()`), outside
`no_grad()`, and the accumulator is never itself back-propagated.
"""
    why = """
A loss tensor keeps a reference to its whole autograd graph (every activation saved
for backward). Adding it to a running total or a list keeps all iterations' graphs
alive: memory grows every batch until the process runs out of memory.
"""
    example = """
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    running_loss += loss          # LF306: keeps every graph alive
    running_loss += loss.item()   # a Python float
"""
    fix_safety = """
Safe: `+= loss` becomes `+= loss.item()` (or `loss.detach()` when the accumulator is
used as a tensor later in the function) and `append(loss)` becomes
`append(loss.detach())`. The values are identical; only the graph is dropped, and it
was not used (the accumulator is never back-propagated).
"""
    INVALID = [
        Invalid(
            _CE_TRAIN
            + "        optimizer.zero_grad()\n        loss = F.cross_entropy(model(x), y)\n"
            "        loss.backward()\n        optimizer.step()\n        total += loss\n"
            "    return total / len(loader)\n",
            11,
            9,
            fixed=_CE_TRAIN
            + "        optimizer.zero_grad()\n        loss = F.cross_entropy(model(x), y)\n"
            "        loss.backward()\n        optimizer.step()\n        total += loss.item()\n"
            "    return total / len(loader)\n",
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\n\nclass Trainer:\n"
            "    def fit(self, loader):\n        self.history = []\n"
            "        for x, y in loader:\n            self.opt.zero_grad()\n"
            "            loss = F.cross_entropy(self.model(x), y)\n            loss.backward()\n"
            "            self.opt.step()\n            self.history.append(loss)\n",
            12,
            13,
            fixed="import torch\nimport torch.nn.functional as F\n\nclass Trainer:\n"
            "    def fit(self, loader):\n        self.history = []\n"
            "        for x, y in loader:\n            self.opt.zero_grad()\n"
            "            loss = F.cross_entropy(self.model(x), y)\n            loss.backward()\n"
            "            self.opt.step()\n            self.history.append(loss.detach())\n",
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\nmodel = torch.nn.Linear(4, 1)\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(3):\n"
            "    epoch_loss = torch.zeros(())\n    for x, y in data:\n        opt.zero_grad()\n"
            "        loss = F.mse_loss(model(x), y)\n        loss.backward()\n        opt.step()\n"
            "        epoch_loss += loss * x.size(0)\n    print(epoch_loss.item())\n",
            12,
            9,
            fixed="import torch\nimport torch.nn.functional as F\nmodel = torch.nn.Linear(4, 1)\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(3):\n"
            "    epoch_loss = torch.zeros(())\n    for x, y in data:\n        opt.zero_grad()\n"
            "        loss = F.mse_loss(model(x), y)\n        loss.backward()\n        opt.step()\n"
            "        epoch_loss += (loss * x.size(0)).detach()\n    print(epoch_loss.item())\n",
        ),
    ]
    VALID = [
        # .item() accumulation
        _TRAIN.replace("    for x, y", "    total = 0.0\n    for x, y")
        + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n        optimizer.step()\n        total += loss.item()\n",
        _TRAIN.replace("    for x, y", "    losses = []\n    for x, y")
        + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n        optimizer.step()\n"
        "        losses.append(loss.detach())\n",
        # validation under no_grad: no graph
        "import torch\nimport torch.nn.functional as F\n\n"
        "def evaluate(model, loader):\n    total = 0\n    with torch.no_grad():\n"
        "        for x, y in loader:\n            total += F.cross_entropy(model(x), y)\n"
        "    return total\n",
        # the accumulated loss is back-propagated (accumulation by summation)
        "import torch.nn.functional as F\n\ndef fit(model, chunks, y, optimizer):\n"
        "    for epoch in range(10):\n        total = 0\n        for c in chunks:\n"
        "            total += F.mse_loss(model(c), y)\n        total.backward()\n"
        "        optimizer.step()\n        optimizer.zero_grad()\n",
        # summing loss terms in a loop with no backward in it
        "import torch.nn.functional as F\n\ndef multi_head_loss(outputs, targets):\n"
        "    total = 0\n    for out, t in zip(outputs, targets):\n"
        "        total += F.cross_entropy(out, t)\n    return total\n",
        # losses collected, stacked and back-propagated
        "import torch\nimport torch.nn.functional as F\n\ndef fit(model, batches, opt):\n"
        "    for step in range(100):\n        losses = []\n        for x, y in batches:\n"
        "            losses.append(F.mse_loss(model(x), y))\n"
        "        torch.stack(losses).mean().backward()\n        opt.step()\n        opt.zero_grad()\n",
        # a validation loss computed under no_grad, summed outside the block
        _CE_TRAIN
        + "        optimizer.zero_grad()\n        F.cross_entropy(model(x), y).backward()\n"
        "        optimizer.step()\n        with torch.no_grad():\n"
        "            val_loss = F.cross_entropy(model(x), y)\n        total += val_loss\n",
        # float() also detaches
        _TRAIN.replace("    for x, y", "    total = 0.0\n    for x, y")
        + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n        optimizer.step()\n        total += float(loss)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        ctx = contexts(model)
        training_loops = {lp.node for lp in index.loops if lp.is_training}
        if not training_loops:
            return
        seen: set[int] = set()
        candidates: list[cst.CSTNode] = [
            node
            for node in model.parents
            if type(node) is cst.AugAssign and type(node.operator) is cst.AddAssign
        ]
        candidates += [site.node for site in model.method_calls("append")]
        for node in candidates:
            if isinstance(node, cst.AugAssign):
                accumulator = dotted(node.target)
                value = node.value
                report: cst.CSTNode = node
            elif (
                isinstance(node, cst.Call)
                and len(node.args) == 1
                and node.args[0].keyword is None
                and not node.args[0].star
                and isinstance(node.func, cst.Attribute)
            ):
                accumulator = dotted(node.func.value)
                value = node.args[0].value
                report = node
            else:
                continue
            if accumulator is None or id(node) in seen:
                continue
            enclosing = index.enclosing_loops(node)
            if not any(lp.node in training_loops for lp in enclosing):
                continue
            if not self._attached_loss(model, value) or ctx.in_no_grad(node):
                continue
            if isinstance(value, cst.Name):
                # `val_loss = crit(...)` computed under no_grad, accumulated outside it
                values = [b.node for b in model.bindings(value) or [] if b.kind == "assign"]
                if values and all(v is not None and ctx.in_no_grad(v) for v in values):
                    continue
            if self._backpropagated(model, index, node, accumulator):
                continue
            seen.add(id(node))
            yield self._finding(model, node, report, accumulator, value)

    @staticmethod
    def _attached_loss(model: SemanticModel, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            if value.func.attr.value in _DETACHING:
                return False
        found = model.value(value)
        return isinstance(found, Tensor) and found.kind is apis.Kind.LOSS

    @staticmethod
    def _backpropagated(
        model: SemanticModel, index: LoopIndex, node: cst.CSTNode, accumulator: str
    ) -> bool:
        scope = model.scope_of(node)
        root = accumulator.split(".")[0]
        for event in index.events:
            if event.kind != "backward" or event.loss is None:
                continue
            if model.scope_of(event.node) is not scope:
                continue
            if _mentions(event.loss, accumulator, root):
                return True
            # a name bound from the accumulator: `loss = sum(losses); loss.backward()`
            if isinstance(event.loss, cst.Name):
                for binding in model.bindings(event.loss) or []:
                    if isinstance(binding.node, cst.BaseExpression) and _mentions(
                        binding.node, accumulator, root
                    ):
                        return True
        return False

    def _finding(
        self,
        model: SemanticModel,
        node: cst.CSTNode,
        report: cst.CSTNode,
        accumulator: str,
        value: cst.BaseExpression,
    ) -> Finding:
        if isinstance(node, cst.AugAssign):
            method = "detach" if _used_as_tensor(model, node, accumulator) else "item"
            new: cst.CSTNode = node.with_changes(value=_method_call(value, method))
            what = f"`{accumulator} += ...`"
        else:
            assert isinstance(node, cst.Call)
            method = "detach"
            new = node.with_changes(
                args=[node.args[0].with_changes(value=_method_call(value, "detach"))]
            )
            what = f"`{accumulator}.append(...)`"
        evidence = model.kinds.describe(model.value(value))
        source = f" (the loss from {evidence})" if evidence else ""
        return Finding(
            report,
            f"{what} keeps the autograd graph of every iteration alive{source}: memory "
            f"grows until OOM; accumulate `.{method}()` instead",
            fix=FixSpec(
                Applicability.SAFE,
                f"accumulate `.{method}()`",
                (NodeEdit(node, new),),
            ),
        )


def _mentions(expr: cst.CSTNode, key: str, root: str) -> bool:
    found = False

    class _Find(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> bool:
            nonlocal found
            if node.value == root and "." not in key:
                found = True
            return False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            nonlocal found
            if dotted(node) == key:
                found = True
                return False
            return True

    expr.visit(_Find())
    return found


def _used_as_tensor(model: SemanticModel, node: cst.CSTNode, accumulator: str) -> bool:
    """``acc.item()`` / ``acc.cpu()`` / ``torch.zeros`` init: the accumulator is a tensor."""
    scope = model.scope_of(node)
    for other in model.parents:
        if isinstance(other, cst.Attribute) and dotted(other.value) == accumulator:
            if model.scope_of(other) is scope and other is not node:
                return True
    return False


# --- LF307 ----------------------------------------------------------------------


class HighLearningRate(Rule):
    code = "LF307"
    name = "high-learning-rate"
    severity = Severity.WARNING
    summary = "learning rate above the usual range for this optimiser family"
    needs = ("optim",)
    options = {
        "adaptive_max": Option(
            0.1,
            float,
            "adaptive optimisers (Adam, AdamW, Adamax, NAdam, RAdam, RMSprop, Adagrad): "
            "report lr >= this. Their step is ~lr per parameter regardless of the gradient "
            "scale, so 0.1 already moves every weight by 0.1 per step; published settings "
            "are 1e-5..1e-2.",
        ),
        "sgd_max": Option(
            1.0,
            float,
            "SGD: report lr >= this. Large-batch recipes use up to ~0.8 with warmup "
            "(lr 0.1 per 256 images); lr >= 1 diverges for almost every loss.",
        ),
    }
    what = """
Flags the learning rate given to a torch optimiser (`torch.optim.Adam(params, lr=...)`,
positional or keyword) or a Keras optimiser (`keras.optimizers.Adam(learning_rate=...)`,
legacy `lr=`) when it is a number, a module-level constant, or a key of a module-level
config dict literal (`CONFIG = {"lr": 0.5}`; `CONFIG["lr"]`), and it is at least the
family's threshold: adaptive optimisers >= 0.1, SGD >= 1.0. Adadelta and LBFGS (lr ~ 1
is their normal setting) are never reported. String optimisers (`optimizer="adam"`)
have no learning rate to check.
"""
    why = """
Too large a learning rate is the classic cause of a loss that explodes and then turns
into NaN within the first hundred steps. For adaptive optimisers the step size is
about `lr` for every weight, so `lr=0.1` rewrites the weights each step.
"""
    example = """
optimizer = torch.optim.Adam(model.parameters(), lr=0.5)   # LF307
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
"""
    INVALID = [
        Invalid(
            "import torch\nmodel = torch.nn.Linear(4, 2)\n"
            "optimizer = torch.optim.Adam(model.parameters(), lr=0.5)\n",
            3,
            13,
        ),
        Invalid(
            "from tensorflow import keras\n\ndef build(model):\n"
            "    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.3), loss='mse')\n",
            4,
            29,
        ),
        Invalid(
            "import torch.optim as optim\nLR = 0.2\n\ndef make(model):\n"
            "    return optim.AdamW(model.parameters(), lr=LR)\n",
            5,
            12,
        ),
        Invalid(
            'import torch\nCONFIG = {"lr": 0.5, "epochs": 10}\n\ndef make(model):\n'
            '    return torch.optim.RMSprop(model.parameters(), lr=CONFIG["lr"])\n',
            5,
            12,
        ),
        Invalid("import torch\nopt = torch.optim.SGD(net.parameters(), 2.0, momentum=0.9)\n", 2, 7),
        Invalid("import tensorflow as tf\nopt = tf.keras.optimizers.SGD(lr=1.5)\n", 2, 7),
    ]
    VALID = [
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n",
        "import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n",
        # lr ~ 1 is normal for these
        "import torch\nopt = torch.optim.Adadelta(model.parameters(), lr=1.0)\n"
        "opt2 = torch.optim.LBFGS(model.parameters(), lr=1)\n",
        # a string optimiser has no lr
        "from tensorflow import keras\nmodel.compile(optimizer='adam', loss='mse')\n",
        # unknown at lint time
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=args.lr)\n",
        # the config value is overwritten before use
        'import torch\nCONFIG = {"lr": 0.5}\nCONFIG["lr"] = 1e-4\n'
        'opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])\n',
        # a user class named Adam
        "class Adam:\n    def __init__(self, params, lr):\n        pass\n"
        "opt = Adam(params, lr=0.5)\n",
        # a learning-rate schedule object
        "from tensorflow import keras\nsched = keras.optimizers.schedules.ExponentialDecay(0.5, 100, 0.9)\n"
        "opt = keras.optimizers.Adam(learning_rate=sched)\n",
        # Keras SGD default-ish
        "import keras\nopt = keras.optimizers.SGD(0.01)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        limits = {"adaptive": float(self.opts["adaptive_max"]), "sgd": float(self.opts["sgd_max"])}
        for ctor in index.optimizer_ctors:
            limit = limits.get(ctor.family)
            if limit is None:
                continue
            call = ctor.call
            if has_star_args(call):
                continue
            if ctor.framework == "torch":
                expr = argument(call, 1, "lr")
            else:
                expr = argument(call, 0, "learning_rate", "lr")
            if expr is None:
                continue
            resolved = _number(model, expr)
            if resolved is None:
                continue
            value, source = resolved
            if value < limit:
                continue
            family = "adaptive optimisers" if ctor.family == "adaptive" else "SGD"
            via = "" if source is None else f" (from line {_line(model, source)})"
            yield Finding(
                call,
                f"learning rate {value:g}{via} for {ctor.name} is at or above {limit:g}, "
                f"high for {family}: the loss is likely to explode to NaN",
                related=() if source is None else (RelatedNode("the value", source),),
            )


def _number(
    model: SemanticModel, expr: cst.BaseExpression, depth: int = 0
) -> tuple[float, cst.CSTNode | None] | None:
    """A literal number, or one a module constant / config-dict literal gives."""
    if depth > 4:
        return None
    value = literal_value(expr)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), (expr if depth else None)
    if isinstance(expr, cst.Name):
        bound = _single_assignment(model, expr)
        if bound is None:
            return None
        found = _number(model, bound, depth + 1)
        return found
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        element = expr.slice[0].slice
        if not isinstance(element, cst.Index):
            return None
        key = literal_value(element.value)
        if not isinstance(key, str):
            return None
        container = _dict_literal(model, expr.value, depth)
        if container is None:
            return None
        for item in container.elements:
            if isinstance(item, cst.DictElement) and literal_value(item.key) == key:
                return _number(model, item.value, depth + 1)
    return None


def _single_assignment(model: SemanticModel, name: cst.Name) -> cst.BaseExpression | None:
    bindings = model.bindings(name)
    if not bindings or len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    node = bindings[0].node
    return node if isinstance(node, cst.BaseExpression) else None


def _dict_literal(model: SemanticModel, expr: cst.BaseExpression, depth: int) -> cst.Dict | None:
    if isinstance(expr, cst.Dict):
        return expr
    if isinstance(expr, cst.Subscript):
        # CONFIG["optim"]["lr"]
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        key = literal_value(expr.slice[0].slice.value)
        outer = _dict_literal(model, expr.value, depth + 1)
        if outer is None or not isinstance(key, str):
            return None
        for item in outer.elements:
            if isinstance(item, cst.DictElement) and literal_value(item.key) == key:
                return item.value if isinstance(item.value, cst.Dict) else None
        return None
    if not isinstance(expr, cst.Name):
        return None
    bound = _single_assignment(model, expr)
    if not isinstance(bound, cst.Dict) or _mutated(model, expr.value):
        return None
    return bound


def _mutated(model: SemanticModel, name: str) -> bool:
    """``CONFIG["lr"] = ...`` / ``CONFIG.update(...)`` anywhere in the file."""
    for node in model.parents:
        if isinstance(node, (cst.Assign, cst.AugAssign)):
            targets = (
                [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            )
            for target in targets:
                current: cst.BaseExpression = target
                while isinstance(current, cst.Subscript):
                    current = current.value
                    if isinstance(current, cst.Name) and current.value == name:
                        return True
    for site in model.method_calls("update", "setdefault", "pop", "__setitem__"):
        func = site.node.func
        if isinstance(func, cst.Attribute) and dotted(func.value) == name:
            return True
    return False


# --- LF308 ----------------------------------------------------------------------


class BackwardUnderNoGrad(Rule):
    code = "LF308"
    name = "backward-under-no-grad"
    severity = Severity.ERROR
    summary = "`backward()` of a loss computed inside `no_grad()` / `inference_mode()`"
    needs = ("backward",)
    what = """
Flags `backward()` inside `with torch.no_grad()`, `torch.inference_mode()`,
`torch.set_grad_enabled(False)` or a function decorated with them, when the loss is
computed in that same region (inline, or a name assigned only there). A nearer
`with torch.enable_grad():` turns gradients back on and is respected.
"""
    why = """
Nothing computed under `no_grad` records a graph: the loss has no `grad_fn` and
`backward()` raises `RuntimeError: element 0 of tensors does not require grad and
does not have a grad_fn`. The usual cause is a training step pasted into, or called
from, an evaluation block.
"""
    example = """
with torch.no_grad():
    loss = criterion(model(x), y)
    loss.backward()          # LF308: raises
"""
    INVALID = [
        Invalid(
            _TRAIN + "        with torch.no_grad():\n            loss = criterion(model(x), y)\n"
            "            loss.backward()\n        optimizer.step()\n",
            7,
            13,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    @torch.no_grad()\n"
            "    def step(self, x):\n        loss = self.model(x).mean()\n"
            "        loss.backward()\n        self.optimizer.step()\n",
            7,
            9,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(2, 1)\n"
            "with torch.inference_mode():\n    for x, y in data:\n"
            "        torch.nn.functional.mse_loss(model(x), y).backward()\n",
            5,
            9,
        ),
    ]
    VALID = [
        _TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
        "        optimizer.step()\n        with torch.no_grad():\n"
        "            acc = (model(x).argmax(1) == y).float().mean()\n",
        # enable_grad re-enables gradients (adversarial examples inside evaluation)
        "import torch\n\n@torch.no_grad()\ndef attack(model, x, y, loss_fn):\n"
        "    x = x.clone().requires_grad_(True)\n    with torch.enable_grad():\n"
        "        loss = loss_fn(model(x), y)\n        loss.backward()\n    return x.grad\n",
        # the graph was built outside: backward under no_grad still works
        "import torch\n\ndef step(model, x, y, loss_fn):\n    loss = loss_fn(model(x), y)\n"
        "    with torch.no_grad():\n        loss.backward()\n",
        # set_grad_enabled(True)
        "import torch\n\ndef run(model, x, train):\n    with torch.set_grad_enabled(True):\n"
        "        loss = model(x).mean()\n        loss.backward()\n",
        # a user context manager with the same name
        "import contextlib\n\n@contextlib.contextmanager\ndef no_grad():\n    yield\n\n"
        "with no_grad():\n    loss = f(x)\n    loss.backward()\n",
        # a function defined under no_grad runs later, in its caller's mode
        "import torch\n\nwith torch.no_grad():\n    def train_step(model, x):\n"
        "        loss = model(x).mean()\n        loss.backward()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        for event in loops(model).events:
            if event.kind != "backward" or not ctx.in_no_grad(event.node):
                continue
            region = ctx.grad_region(event.node)
            loss = event.loss
            if region is None or loss is None:
                continue
            if isinstance(loss, cst.Name):
                bindings = model.bindings(loss) or []
                values = [b.node for b in bindings if b.kind == "assign"]
                if not values or len(values) != len(bindings):
                    continue
                if not all(v is not None and ctx.grad_region(v) is region for v in values):
                    continue
            elif isinstance(loss, cst.Attribute):
                continue
            yield Finding(
                event.node,
                "backward() of a loss computed under no_grad()/inference_mode() (line "
                f"{_line(model, region)}): it has no grad_fn and backward() raises; compute "
                "the training loss outside the block",
                related=(RelatedNode("the no-grad region", region),),
            )


# --- LF309 ----------------------------------------------------------------------


def _trained_receivers(model: SemanticModel, index: LoopIndex) -> set[str]:
    """Models that are trained in the file: their parameters go to an optimiser,
    they are put in train mode, or cleared with ``model.zero_grad()``."""
    keys: set[str] = set()
    for ctor in index.optimizer_ctors:
        for node in _calls_in(ctor.call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in (
                "parameters",
                "named_parameters",
            ):
                key = dotted(func.value)
                if key is not None:
                    keys.add(key)
    for event in index.events:
        if event.kind == "train" and event.receiver is not None:
            keys.add(event.receiver)
    return keys


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(_Calls())
    return found


class EvalModeNotReset(Rule):
    code = "LF309"
    name = "eval-mode-not-reset"
    severity = Severity.ERROR
    summary = "`model.eval()` in the epoch loop and no `model.train()` in that loop"
    needs = ("eval",)
    what = """
Flags `model.eval()` inside an epoch loop (a loop whose body contains the training
iteration, directly or in a nested loop) when nothing in that loop's body (or in a
same-file function it calls) calls `.train()`. Only the trained model counts: one
whose parameters go to an optimiser, that is put in train mode elsewhere, or that
is called with gradients on in the loop (a frozen teacher's `eval()` is fine).
An `eval()` inside a same-file helper the loop calls (`validate(model)`,
`self.evaluate()`) is reported at that `eval()`.
"""
    why = """
`eval()` switches dropout off and makes batch-norm use its running statistics. If
the loop never switches back, every epoch after the first validation trains in eval
mode: no dropout regularisation, frozen batch-norm statistics, and a model that
behaves differently from what the first epoch trained.
"""
    example = """
for epoch in range(epochs):
    model.train()            # the fix: at the top of every epoch
    for x, y in train_loader:
        ...
    model.eval()             # LF309 without the model.train() above
    validate(model)
"""
    INVALID = [
        Invalid(
            "import torch\n\ndef fit(model, loaders, optimizer, criterion):\n"
            "    model.train()\n    for epoch in range(10):\n"
            "        for x, y in loaders['train']:\n            optimizer.zero_grad()\n"
            "            criterion(model(x), y).backward()\n            optimizer.step()\n"
            "        model.eval()\n        with torch.no_grad():\n"
            "            for x, y in loaders['val']:\n                model(x)\n",
            10,
            9,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def __init__(self, net):\n"
            "        self.net = net\n"
            "        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)\n\n"
            "    def fit(self, loader, epochs):\n        for epoch in range(epochs):\n"
            "            for x in loader:\n                self.opt.zero_grad()\n"
            "                self.net(x).mean().backward()\n                self.opt.step()\n"
            "            self.net.eval()\n            self.validate()\n",
            14,
            13,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(20):\n"
            "    for x, y in data:\n        opt.zero_grad()\n"
            "        ((model(x) - y) ** 2).mean().backward()\n        opt.step()\n"
            "    if epoch % 5 == 0:\n        model.eval()\n        print(model(val_x))\n",
            10,
            9,
        ),
        Invalid(
            "import torch\n\ndef validate(net, loader):\n    net.eval()\n"
            "    with torch.no_grad():\n        return [net(x) for x in loader]\n\n"
            "def fit(model, train_loader, val_loader, optimizer):\n    model.train()\n"
            "    for epoch in range(10):\n        for x in train_loader:\n"
            "            optimizer.zero_grad()\n            model(x).mean().backward()\n"
            "            optimizer.step()\n        validate(model, val_loader)\n",
            4,
            5,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def __init__(self, model):\n"
            "        self.model = model\n"
            "        self.opt = torch.optim.Adam(model.parameters())\n\n"
            "    def evaluate(self):\n        self.model.eval()\n\n"
            "    def fit(self, loader):\n        self.model.train()\n"
            "        for epoch in range(5):\n            for x in loader:\n"
            "                self.opt.zero_grad()\n                self.model(x).mean().backward()\n"
            "                self.opt.step()\n            self.evaluate()\n",
            9,
            9,
        ),
    ]
    VALID = [
        # model.train() at the top of each epoch
        "import torch\n\ndef fit(model, loaders, optimizer, criterion):\n"
        "    for epoch in range(10):\n        model.train()\n"
        "        for x, y in loaders['train']:\n            optimizer.zero_grad()\n"
        "            criterion(model(x), y).backward()\n            optimizer.step()\n"
        "        model.eval()\n        validate(model)\n",
        # model.train() after validation
        "import torch\n\ndef fit(model, loader, optimizer):\n    for epoch in range(10):\n"
        "        for x in loader:\n            optimizer.zero_grad()\n"
        "            model(x).mean().backward()\n            optimizer.step()\n"
        "        model.eval()\n        validate(model)\n        model.train()\n",
        # a frozen teacher stays in eval mode
        "import torch\n\ndef distill(student, teacher, loader, optimizer):\n"
        "    student.train()\n    for x in loader:\n        teacher.eval()\n"
        "        with torch.no_grad():\n            t = teacher(x)\n"
        "        optimizer.zero_grad()\n        (student(x) - t).pow(2).mean().backward()\n"
        "        optimizer.step()\n",
        # a frozen model called with gradients on (its output feeds the loss)
        "import torch\n\ndef fit(model, encoder, loader, optimizer):\n"
        "    encoder.requires_grad_(False)\n    model.train()\n    for x in loader:\n"
        "        encoder.eval()\n        optimizer.zero_grad()\n"
        "        model(encoder(x)).mean().backward()\n        optimizer.step()\n",
        # eval after the training loop
        "import torch\n\ndef fit(model, loader, optimizer):\n    model.train()\n"
        "    for epoch in range(10):\n        for x in loader:\n            optimizer.zero_grad()\n"
        "            model(x).mean().backward()\n            optimizer.step()\n"
        "    model.eval()\n",
        # train mode restored by a helper the loop calls
        "import torch\n\ndef train_mode(model):\n    model.train()\n\n"
        "def fit(model, loader, optimizer):\n    for epoch in range(10):\n"
        "        train_mode(model)\n        for x in loader:\n"
        "            optimizer.zero_grad()\n            model(x).mean().backward()\n"
        "            optimizer.step()\n        model.eval()\n",
        # validation-only loop: no training in it
        "import torch\n\ndef evaluate(model, loaders):\n    for loader in loaders:\n"
        "        model.eval()\n        for x in loader:\n            model(x)\n",
        # the validation helper restores train mode itself
        "import torch\n\ndef validate(net, loader):\n    net.eval()\n"
        "    out = [net(x) for x in loader]\n    net.train()\n    return out\n\n"
        "def fit(model, loader, optimizer):\n    for epoch in range(3):\n"
        "        for x in loader:\n            optimizer.zero_grad()\n"
        "            model(x).mean().backward()\n            optimizer.step()\n"
        "        validate(model, loader)\n",
        # the helper evaluates another model
        "import torch\n\ndef validate(net):\n    net.eval()\n\n"
        "def fit(model, ema_model, loader, optimizer):\n    model.train()\n"
        "    for epoch in range(3):\n        for x in loader:\n"
        "            optimizer.zero_grad()\n            model(x).mean().backward()\n"
        "            optimizer.step()\n        validate(ema_model)\n",
        # model.train(mode) with a flag
        "import torch\n\ndef fit(model, loader, optimizer, flag):\n    for epoch in range(3):\n"
        "        model.train(flag)\n        for x in loader:\n            optimizer.zero_grad()\n"
        "            model(x).mean().backward()\n            optimizer.step()\n"
        "        model.eval()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        ctx = contexts(model)
        trained = _trained_receivers(model, index)
        frozen = {
            key
            for site in model.method_calls("requires_grad_")
            if literal_value(argument(site.node, 0, "requires_grad")) is False
            and isinstance(site.node.func, cst.Attribute)
            and (key := dotted(site.node.func.value)) is not None
        }
        reported: set[int] = set()
        for loop in index.loops:
            if not loop.is_training or not any(
                lp.is_iteration for lp in (loop, *loop.descendants())
            ):
                continue
            if loop.has("train", via_calls=True) or any(e.kind == "train" for e in loop.events):
                continue
            if self._has_train_call(loop):
                continue

            def eligible(receiver: str | None, loop: Loop = loop) -> bool:
                if receiver is None:
                    return False
                if receiver in frozen or any(h in receiver.lower() for h in FROZEN_MODEL_HINTS):
                    return False  # a teacher / EMA / target network stays in eval mode
                return receiver in trained or _called_with_grad(model, ctx, loop, receiver)

            direct = [e for e in loop.of("eval") if eligible(e.event.receiver)]
            if direct:
                event = direct[0]
                if id(event.node) in reported:
                    continue
                reported.add(id(event.node))
                receiver = event.event.receiver
                yield Finding(
                    event.node,
                    f"`{receiver}.eval()` inside the epoch loop and no `{receiver}.train()` "
                    "in that loop: after the first evaluation the model keeps training in "
                    "eval mode (no dropout, frozen batch-norm); call "
                    f"`{receiver}.train()` at the top of each epoch",
                )
                continue
            # `validate(model)` / `self.evaluate()` calling `.eval()` on the trained model
            for call, eval_event, receiver in _evals_through_calls(model, index, loop):
                if id(eval_event.node) in reported or not eligible(receiver):
                    continue
                reported.add(id(eval_event.node))
                yield Finding(
                    eval_event.node,
                    f"`{model.code(call.func)}()` puts `{receiver}` in eval mode inside the "
                    f"epoch loop (line {_line(model, call)}) and nothing in that loop calls "
                    f"`{receiver}.train()`: later epochs train in eval mode (no dropout, "
                    f"frozen batch-norm); call `{receiver}.train()` at the top of each epoch",
                    related=(RelatedNode("the call in the epoch loop", call),),
                )
                break

    @staticmethod
    def _has_train_call(loop: Loop) -> bool:
        # `model.train(flag)` with a non-literal flag is recorded as neither mode
        for call in _calls_in(loop.node.body):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "train" and call.args:
                if literal_value(call.args[0].value) is not False:
                    return True
        return False


def _evals_through_calls(
    model: SemanticModel, index: LoopIndex, loop: Loop
) -> Iterator[tuple[cst.Call, Event, str]]:
    """``.eval()`` in a same-file function called from the loop body, with the
    receiver as the loop sees it: ``def validate(net): net.eval()`` called as
    ``validate(model)`` gives "model"; ``self.model.eval()`` in a method called
    as ``self.evaluate()`` stays "self.model"."""
    for call in _calls_in(loop.node.body):
        func = index.resolve_function(call)
        if func is None:
            continue
        params = [p.name.value for p in func.params.params]
        is_method = isinstance(call.func, cst.Attribute) and dotted(call.func.value) == "self"
        if is_method and params and params[0] == "self":
            params = params[1:]
        for event in index.events:
            if event.kind != "eval" or event.receiver is None:
                continue
            if model.enclosing(event.node, cst.FunctionDef) is not func:
                continue
            receiver = event.receiver
            if receiver.startswith("self."):
                if not is_method:
                    continue
                yield call, event, receiver
            elif receiver in params and not has_star_args(call):
                position = params.index(receiver)
                argument_expr = argument(call, position, receiver)
                mapped = dotted(argument_expr) if argument_expr is not None else None
                if mapped is not None:
                    yield call, event, mapped


def _called_with_grad(model: SemanticModel, ctx: object, loop: Loop, receiver: str) -> bool:
    from lossflint.analysis.contexts import ContextIndex

    assert isinstance(ctx, ContextIndex)
    for call in _calls_in(loop.node.body):
        if dotted(call.func) == receiver and not ctx.in_no_grad(call):
            return True
    return False


# --- LF310 ----------------------------------------------------------------------


class SchedulerBeforeOptimizer(Rule):
    code = "LF310"
    name = "scheduler-before-optimizer"
    severity = Severity.WARNING
    summary = "`scheduler.step()` before `optimizer.step()`"
    needs = ("step",)
    what = """
Flags an lr scheduler's `step()` that runs unconditionally in a loop before the first
optimiser `step()` of that loop: in the same iteration (per-batch schedules), or at
the top of an epoch loop whose batch loop steps the optimiser. A scheduler `step(x)`
with an argument (ReduceLROnPlateau's metric, an epoch number) is not reported.
"""
    why = """
Since PyTorch 1.1 the scheduler must step after the optimiser. Stepping it first
skips the first value of the schedule (the warmup's first lr, or the initial lr of a
step decay), and PyTorch warns: "Detected call of `lr_scheduler.step()` before
`optimizer.step()`".
"""
    example = """
for epoch in range(epochs):
    scheduler.step()          # LF310: move after the training loop of the epoch
    for x, y in loader:
        ...
        optimizer.step()
"""
    INVALID = [
        Invalid(
            _TRAIN.replace("criterion", "criterion, scheduler")
            + "        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n"
            "        scheduler.step()\n        optimizer.step()\n",
            7,
            9,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(4, 1)\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10)\n"
            "for epoch in range(30):\n    sched.step()\n    for x, y in data:\n"
            "        opt.zero_grad()\n        ((model(x) - y) ** 2).mean().backward()\n"
            "        opt.step()\n",
            6,
            5,
        ),
        Invalid(
            "import torch\nfrom transformers import get_linear_schedule_with_warmup\n\n"
            "class Trainer:\n    def __init__(self, model, opt):\n        self.opt = opt\n"
            "        self.warmup = get_linear_schedule_with_warmup(opt, 100, 1000)\n\n"
            "    def fit(self, loader):\n        for batch in loader:\n"
            "            self.model(**batch).loss.backward()\n            self.warmup.step()\n"
            "            self.opt.step()\n            self.opt.zero_grad()\n",
            12,
            13,
        ),
    ]
    VALID = [
        _TRAIN.replace("criterion", "criterion, scheduler")
        + "        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n        scheduler.step()\n",
        # after the batch loop of the epoch
        "import torch\nmodel = torch.nn.Linear(4, 1)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10)\n"
        "for epoch in range(30):\n    for x, y in data:\n        opt.zero_grad()\n"
        "        ((model(x) - y) ** 2).mean().backward()\n        opt.step()\n    sched.step()\n",
        # ReduceLROnPlateau takes the metric
        "import torch\n\ndef fit(model, loader, opt, plateau, val):\n    for epoch in range(10):\n"
        "        plateau.step(val)\n        for x in loader:\n            opt.zero_grad()\n"
        "            model(x).mean().backward()\n            opt.step()\n",
        # a conditional warmup step
        _TRAIN.replace("criterion", "criterion, scheduler").replace(
            "for x, y in loader", "for i, (x, y) in enumerate(loader)"
        )
        + "        if i > 0:\n            scheduler.step()\n        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()\n        optimizer.step()\n",
        # the optimiser stepped first in the same iteration (GAN: D then G schedules)
        "import torch\n\ndef fit(model, loader, opt_d, opt_g, sched_d):\n    for x in loader:\n"
        "        model(x).mean().backward()\n        opt_d.step()\n        sched_d.step()\n"
        "        opt_g.step()\n        opt_d.zero_grad()\n        opt_g.zero_grad()\n",
        # an object that is not a scheduler
        "import torch\n\ndef run(model, loader, opt, env):\n    for x in loader:\n"
        "        env.step()\n        model(x).mean().backward()\n        opt.step()\n"
        "        opt.zero_grad()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        reported: set[int] = set()
        for loop in index.loops:
            if not loop.is_training:
                continue
            steps = [s for s in loop.of("step")]
            if not steps:
                continue
            for sched in loop.of("sched_step"):
                if not sched.direct or sched.event.closure or id(sched.node) in reported:
                    continue
                if any(s.order < sched.order for s in steps):
                    continue
                later = [s for s in steps if s.order > sched.order]
                if not later:
                    continue
                reported.add(id(sched.node))
                step = later[0]
                yield Finding(
                    sched.node,
                    f"scheduler stepped before `{_short(model, step.node)}` "
                    f"(line {_line(model, step.node)}): the first value of the schedule is "
                    "skipped (PyTorch warns); step the scheduler after the optimizer",
                    related=(RelatedNode("the optimizer step", step.node),),
                )


# --- LF311 ----------------------------------------------------------------------


class OptimizerCreatedInLoop(Rule):
    code = "LF311"
    name = "optimizer-created-in-loop"
    severity = Severity.ERROR
    summary = "optimizer constructed inside the training loop: its state resets every step"
    needs = ("optim",)
    what = """
Flags a torch optimiser constructed, unconditionally, in the body of the training
iteration that steps it (the loop with `backward()` and `step()`). Plain SGD without
momentum has no state and is not reported; neither are optimisers built per stage in
an outer loop, or for a model built in the same iteration.
"""
    why = """
Momentum buffers and Adam's first/second moment estimates live in the optimiser.
A new optimiser every batch starts from zero each time: Adam's bias-corrected first
step is then always a full `lr`-sized sign step, momentum never builds up, and
schedulers attached to the old optimiser stop acting.
"""
    example = """
for x, y in loader:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)   # LF311
    ...
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)       # build it once, before
"""
    INVALID = [
        Invalid(
            _TRAIN.replace(", optimizer,", ",")
            + "        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
            "        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n"
            "        optimizer.step()\n",
            5,
            21,
        ),
        Invalid(
            "import torch.optim as optim\n\nclass Net:\n    def fit(self, loader):\n"
            "        for x in loader:\n"
            "            self.opt = optim.SGD(self.parameters(), lr=0.1, momentum=0.9)\n"
            "            self.opt.zero_grad()\n            self(x).mean().backward()\n"
            "            self.opt.step()\n",
            6,
            24,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(4, 1)\nstep = 0\nwhile step < 100:\n"
            "    opt = torch.optim.AdamW(model.parameters())\n    opt.zero_grad()\n"
            "    model(x).sum().backward()\n    opt.step()\n    step += 1\n",
            5,
            11,
        ),
    ]
    VALID = [
        _TRAIN.replace(", optimizer,", ",").replace(
            "    for x, y", "    optimizer = torch.optim.Adam(model.parameters())\n    for x, y"
        )
        + "        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n",
        # stateless SGD (MAML-style inner loops)
        "import torch\n\ndef adapt(learner, tasks):\n    for x, y in tasks:\n"
        "        inner = torch.optim.SGD(learner.parameters(), lr=0.01)\n"
        "        inner.zero_grad()\n        learner(x, y).backward()\n        inner.step()\n",
        # one optimiser per stage (progressive unfreezing)
        "import torch\n\ndef fit(model, stages, loader):\n    for params in stages:\n"
        "        opt = torch.optim.Adam(params, lr=1e-4)\n        for x in loader:\n"
        "            opt.zero_grad()\n            model(x).mean().backward()\n"
        "            opt.step()\n",
        # rebuilt only at a milestone
        "import torch\n\ndef fit(model, loader, opt):\n    for i, x in enumerate(loader):\n"
        "        if i == 1000:\n            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)\n"
        "        opt.zero_grad()\n        model(x).mean().backward()\n        opt.step()\n",
        # a new model per trial needs a new optimiser
        "import torch\n\ndef search(configs, x):\n    for cfg in configs:\n"
        "        net = build(cfg)\n        opt = torch.optim.Adam(net.parameters())\n"
        "        opt.zero_grad()\n        net(x).mean().backward()\n        opt.step()\n",
        # no training in the loop
        "import torch\n\nfor lr in (1e-3, 1e-4):\n    opt = torch.optim.Adam(model.parameters(), lr=lr)\n"
        "    run(opt)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        for loop in index.loops:
            if not loop.is_iteration:
                continue
            stepped = {s.event.receiver for s in loop.of("step")}
            assigned = _names_assigned_in(loop.node.body)
            for ctor_event in loop.of("optim_ctor"):
                if not ctor_event.direct:
                    continue
                call = ctor_event.node
                assert isinstance(call, cst.Call)
                info = index.optimizer_info(call)
                if info is None or info.framework != "torch":
                    continue
                if info.name == "SGD":
                    momentum = literal_value(argument(call, 2, "momentum"))
                    if argument(call, 2, "momentum") is None or momentum in (0, 0.0):
                        continue
                parent = model.parent(call)
                target = (
                    dotted(parent.targets[0].target)
                    if isinstance(parent, cst.Assign) and len(parent.targets) == 1
                    else None
                )
                if target is None or target not in stepped:
                    continue
                params = argument(call, 0, "params")
                roots = {n.split(".")[0] for n in _names_in(params)} if params else set()
                if roots & (assigned - {"self"}):
                    continue  # a model built in this iteration
                yield Finding(
                    call,
                    f"{info.name} optimizer constructed inside the training loop: its state "
                    "(momentum, Adam moments) is reset at every iteration; construct it "
                    "once before the loop",
                )


def _names_assigned_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class _Assigned(cst.CSTVisitor):
        def visit_AssignTarget(self, target: cst.AssignTarget) -> None:
            key = dotted(target.target)
            if key is not None and isinstance(target.target, cst.Name):
                found.add(key)

        def visit_Call(self, call: cst.Call) -> bool:
            # the optimiser's own assignment does not count; only bindings matter
            return True

    node.visit(_Assigned())
    return found


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class _Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(_Names())
    return found


# --- LF312 ----------------------------------------------------------------------


class Fp16WithoutGradScaler(Rule):
    code = "LF312"
    name = "fp16-without-grad-scaler"
    severity = Severity.WARNING
    summary = "float16 training (autocast or `.half()`) with `backward()` and no `GradScaler`"
    needs = ("backward",)
    what = """
Flags `loss.backward()` in a function (or module body) that runs float16 autocast
(`torch.cuda.amp.autocast()`, `torch.autocast("cuda")`, `dtype=torch.float16`) or
calls a model converted with `.half()`, when the file has no `GradScaler` and the
backward is not `scaler.scale(loss).backward()`. bfloat16 autocast (the CPU default)
needs no scaler and is not reported; neither is `accelerator.backward(loss)`, which
scales by itself.
"""
    why = """
float16 has 5 exponent bits: gradients below ~6e-8 round to 0 and those below ~6e-5
lose precision. Without loss scaling many small gradients underflow, parts of the
model stop learning, and the loss stalls (or the fp16 weights overflow to inf).
"""
    example = """
with torch.autocast("cuda"):
    loss = criterion(model(x), y)
loss.backward()                      # LF312
scaler.scale(loss).backward()        # with scaler = torch.amp.GradScaler("cuda")
"""
    INVALID = [
        Invalid(
            _TRAIN + "        optimizer.zero_grad()\n"
            "        with torch.cuda.amp.autocast():\n            loss = criterion(model(x), y)\n"
            "        loss.backward()\n        optimizer.step()\n",
            8,
            9,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(4, 1).cuda()\n"
            "opt = torch.optim.Adam(model.parameters())\nfor x, y in data:\n"
            "    opt.zero_grad()\n    with torch.autocast('cuda'):\n"
            "        loss = ((model(x) - y) ** 2).mean()\n    loss.backward()\n    opt.step()\n",
            8,
            5,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def fit(self, model, loader, opt):\n"
            "        model = model.half()\n        for x, y in loader:\n"
            "            opt.zero_grad()\n            loss = (model(x.half()) - y).abs().mean()\n"
            "            loss.backward()\n            opt.step()\n",
            9,
            13,
        ),
        Invalid(
            "import torch\n\ndef step(model, x, opt):\n"
            "    with torch.autocast(device_type='cpu', dtype=torch.float16):\n"
            "        loss = model(x).mean()\n    loss.backward()\n    opt.step()\n",
            6,
            5,
        ),
    ]
    VALID = [
        "import torch\nscaler = torch.cuda.amp.GradScaler()\n\n"
        "def fit(model, loader, opt):\n    for x, y in loader:\n        opt.zero_grad()\n"
        "        with torch.cuda.amp.autocast():\n            loss = model(x, y)\n"
        "        scaler.scale(loss).backward()\n        scaler.step(opt)\n        scaler.update()\n",
        # bfloat16 needs no scaler
        "import torch\n\ndef fit(model, loader, opt):\n    for x, y in loader:\n"
        "        with torch.autocast('cuda', dtype=torch.bfloat16):\n"
        "            loss = model(x, y)\n        loss.backward()\n        opt.step()\n"
        "        opt.zero_grad()\n",
        # CPU autocast defaults to bfloat16
        "import torch\n\ndef fit(model, x, opt):\n    with torch.autocast('cpu'):\n"
        "        loss = model(x).mean()\n    loss.backward()\n    opt.step()\n",
        # disabled autocast
        "import torch\n\ndef fit(model, x, opt):\n    with torch.cuda.amp.autocast(enabled=False):\n"
        "        loss = model(x).mean()\n    loss.backward()\n    opt.step()\n",
        # accelerate scales the loss itself
        "import torch\n\ndef fit(model, x, opt, accelerator):\n"
        "    with torch.autocast('cuda'):\n        loss = model(x).mean()\n"
        "    accelerator.backward(loss)\n    opt.step()\n",
        # the scaler comes in as a parameter
        "import torch\n\ndef fit(model, x, opt, scaler):\n    with torch.autocast('cuda'):\n"
        "        loss = model(x).mean()\n    scaler.scale(loss).backward()\n"
        "    scaler.step(opt)\n    scaler.update()\n",
        # fp32 training, fp16 autocast only for the evaluation in the same function
        "import torch\n\ndef main(model, loader, opt):\n    for epoch in range(3):\n"
        "        for x in loader:\n            loss = model(x).mean()\n"
        "            loss.backward()\n            opt.step()\n            opt.zero_grad()\n"
        "        with torch.no_grad(), torch.autocast('cuda'):\n            acc = model(x)\n",
        # converted to half for export in another function
        "import torch\n\ndef export(model):\n    model.half()\n    torch.save(model, 'm.pt')\n\n"
        "def fit(model, x, opt):\n    loss = model(x).mean()\n    loss.backward()\n    opt.step()\n",
        # inference only under fp16
        "import torch\n\ndef predict(model, x):\n    with torch.autocast('cuda'):\n"
        "        return model(x)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        if ctx.has_grad_scaler():
            return
        half_calls: set[cst.Call] = set()
        if ctx.half_models:
            # a model converted with .half() in a function and called in the same one
            converted: set[tuple[cst.CSTNode, str]] = set()
            for site in model.method_calls("half", "to"):
                func = site.node.func
                assert isinstance(func, cst.Attribute)
                parent = model.parent(site.node)
                key = dotted(func.value)
                if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
                    key = dotted(parent.targets[0].target)
                if key is not None and key in ctx.half_models:
                    converted.add((_function_of(model, site.node), key))
            for site in model.calls:
                key = dotted(site.node.func)
                if key is not None and (_function_of(model, site.node), key) in converted:
                    half_calls.add(site.node)
        if not half_calls and not any(
            r.dtype == "float16" and r.enabled is not False for r in ctx.autocast_regions()
        ):
            return
        for event in loops(model).events:
            if event.kind != "backward" or event.scaled or event.managed or event.loss is None:
                continue
            evidence = _fp16_evidence(model, ctx, event.loss, half_calls, 0)
            if evidence is None or ctx.has_grad_scaler(event.node):
                continue
            yield Finding(
                event.node,
                "backward() of a float16 forward without a GradScaler: small gradients "
                f"underflow to 0 (float16 at line {_line(model, evidence)}); use "
                "`scaler.scale(loss).backward()` with `torch.amp.GradScaler`, or bfloat16",
                related=(RelatedNode("the float16 computation", evidence),),
            )


def _fp16_evidence(
    model: SemanticModel,
    ctx: ContextIndex,
    expr: cst.BaseExpression,
    half_calls: set[cst.Call],
    depth: int,
) -> cst.CSTNode | None:
    """Where the loss ``expr`` was computed in float16: the fp16 autocast region
    around it (or around the assignment of the name), or a call of a .half() model
    inside it. Names are followed two levels (``out = model(x)``; ``loss = crit(out)``)."""
    candidates: list[cst.BaseExpression] = [expr]
    if isinstance(expr, cst.Name):
        bindings = model.bindings(expr) or []
        candidates = [
            b.node
            for b in bindings
            if b.kind == "assign" and isinstance(b.node, cst.BaseExpression)
        ]
    for value in candidates:
        region = ctx.autocast_region(value)
        if region is not None and region.dtype == "float16":
            return region.node
        for call in _calls_in(value):
            if call in half_calls:
                return call
        if depth < 2:
            for name in _names_nodes(value):
                if name is expr:
                    continue
                found = _fp16_evidence(model, ctx, name, half_calls, depth + 1)
                if found is not None:
                    return found
    return None


def _names_nodes(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

        def visit_Attribute(self, attr: cst.Attribute) -> bool:
            attr.value.visit(self)
            return False  # `x.attr`: the attribute name is not a variable

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False  # keyword names are not variables

    node.visit(_Names())
    return found


def _function_of(model: SemanticModel, node: cst.CSTNode) -> cst.CSTNode:
    found = model.enclosing(node, cst.FunctionDef)
    return found if found is not None else model.module


# --- LF313 ----------------------------------------------------------------------


class BceUnderAutocast(Rule):
    code = "LF313"
    name = "bce-under-autocast"
    severity = Severity.ERROR
    summary = "`BCELoss` / `F.binary_cross_entropy` inside `autocast`"
    fix_kind = "unsafe"
    needs = ("autocast",)
    what = """
Flags `nn.BCELoss` calls and `F.binary_cross_entropy` inside an autocast region
(`with torch.autocast(...)`, `torch.cuda.amp.autocast()`, a function decorated with
them). A nested `autocast(enabled=False)` block is the documented way out and is
respected.
"""
    why = """
Under CUDA autocast PyTorch refuses to run `binary_cross_entropy` and raises
"torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to
autocast": the sigmoid that feeds it saturates to exactly 0 or 1 in float16 and the
log is clamped. Under CPU autocast it runs in reduced precision. `BCEWithLogitsLoss`
on the logits is autocast-safe and numerically stable.
"""
    example = """
with torch.autocast("cuda"):
    loss = F.binary_cross_entropy(torch.sigmoid(z), y)   # LF313: raises
    loss = F.binary_cross_entropy_with_logits(z, y)      # safe
"""
    fix_safety = """
Unsafe: for `F.binary_cross_entropy(torch.sigmoid(z), y)` written inline the fix
calls `binary_cross_entropy_with_logits(z, y)`, the same loss computed from the
logits. It changes which tensor the code passes, so it is only offered for that
inline form; otherwise there is no automatic fix.
"""
    INVALID = [
        Invalid(
            "import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
            "    with torch.autocast('cuda'):\n"
            "        loss = F.binary_cross_entropy(torch.sigmoid(model(x)), y)\n    return loss\n",
            6,
            16,
            fixed="import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
            "    with torch.autocast('cuda'):\n"
            "        loss = F.binary_cross_entropy_with_logits(model(x), y)\n    return loss\n",
        ),
        Invalid(
            "import torch\nfrom torch import nn\n\nclass Trainer:\n    def __init__(self):\n"
            "        self.crit = nn.BCELoss()\n\n    def step(self, model, x, y):\n"
            "        with torch.cuda.amp.autocast():\n            probs = model(x)\n"
            "            return self.crit(probs, y)\n",
            11,
            20,
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "for x, y in data:\n    with torch.autocast('cpu'):\n"
            "        p = model(x).sigmoid()\n        loss = F.binary_cross_entropy(p, y)\n",
            6,
            16,
        ),
    ]
    VALID = [
        "import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
        "    with torch.autocast('cuda'):\n        z = model(x)\n"
        "    return F.binary_cross_entropy(torch.sigmoid(z.float()), y)\n",
        # the documented escape hatch
        "import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
        "    with torch.autocast('cuda'):\n        z = model(x)\n"
        "        with torch.autocast('cuda', enabled=False):\n"
        "            loss = F.binary_cross_entropy(torch.sigmoid(z.float()), y)\n    return loss\n",
        "import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
        "    with torch.autocast('cuda'):\n"
        "        return F.binary_cross_entropy_with_logits(model(x), y)\n",
        # a user function with the same name
        "import torch\n\ndef binary_cross_entropy(p, y):\n    return -(y * p).mean()\n\n"
        "with torch.autocast('cuda'):\n    loss = binary_cross_entropy(p, y)\n",
        # a nested function defined under autocast runs later
        "import torch\nimport torch.nn.functional as F\n\nwith torch.autocast('cuda'):\n"
        "    def loss_fn(p, y):\n        return F.binary_cross_entropy(p, y)\n",
        "import torch\nfrom torch import nn\ncrit = nn.BCELoss()\nloss = crit(p, y)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        for call in model.kinds.loss_calls.values():
            if call.functional != apis.BCE:
                continue
            region = ctx.autocast_region(call.node)
            if region is None:
                continue
            yield Finding(
                call.node,
                f"binary_cross_entropy inside autocast (line {_line(model, region.node)}): "
                "CUDA autocast raises ('unsafe to autocast') and CPU autocast computes it in "
                "reduced precision; use BCEWithLogitsLoss / binary_cross_entropy_with_logits "
                "on the logits",
                fix=self._fix(model, call.node),
                related=(RelatedNode("the autocast region", region.node),),
            )

    @staticmethod
    def _fix(model: SemanticModel, call: cst.Call) -> FixSpec | None:
        func = call.func
        if model.qualname(func) != apis.BCE or not isinstance(func, cst.Attribute):
            return None
        first = argument(call, 0, "input")
        if not isinstance(first, cst.Call) or len(positional(call)) < 1:
            return None
        inner = first.func
        logits: cst.BaseExpression | None = None
        if model.qualname(inner) in apis.SIGMOID and len(first.args) == 1:
            logits = first.args[0].value
        elif (
            isinstance(inner, cst.Attribute)
            and inner.attr.value == "sigmoid"
            and model.qualname(inner) is None
            and not first.args
        ):
            logits = inner.value
        if logits is None:
            return None
        args = list(call.args)
        index = next(i for i, a in enumerate(args) if a.value is first)
        args[index] = args[index].with_changes(value=logits)
        new = call.with_changes(
            func=func.with_changes(attr=cst.Name("binary_cross_entropy_with_logits")), args=args
        )
        return FixSpec(
            Applicability.UNSAFE,
            "use binary_cross_entropy_with_logits on the logits",
            (NodeEdit(call, new),),
        )


# --- LF314 ----------------------------------------------------------------------


class AnomalyDetectionLeftOn(Rule):
    code = "LF314"
    name = "anomaly-detection-left-on"
    severity = Severity.INFO
    summary = "autograd anomaly detection switched on outside a debugging guard"
    needs = ("anomaly",)
    what = """
Flags `torch.autograd.set_detect_anomaly(True)` and `torch.autograd.detect_anomaly()`
that are not inside an `if` (other than `if __name__ == "__main__":`) or a function
whose name says it debugs or tests.
"""
    why = """
Anomaly mode records a traceback for every autograd node and checks every backward
result for NaN: training runs several times slower. It is a debugging tool that is
easy to leave on after the NaN was found.
"""
    example = """
torch.autograd.set_detect_anomaly(True)          # LF314
if args.debug:
    torch.autograd.set_detect_anomaly(True)      # fine
"""
    INVALID = [
        Invalid("import torch\ntorch.autograd.set_detect_anomaly(True)\n", 2, 1),
        Invalid(
            "import torch\n\ndef train_step(model, x):\n"
            "    with torch.autograd.detect_anomaly():\n        model(x).mean().backward()\n",
            4,
            10,
        ),
        Invalid(
            "from torch.autograd import set_detect_anomaly\n\nif __name__ == '__main__':\n"
            "    set_detect_anomaly(mode=True)\n    main()\n",
            4,
            5,
        ),
    ]
    VALID = [
        "import torch\nif args.debug:\n    torch.autograd.set_detect_anomaly(True)\n",
        "import torch\ntorch.autograd.set_detect_anomaly(False)\n",
        "import torch\ntorch.autograd.set_detect_anomaly(args.detect_anomaly)\n",
        "import torch\n\ndef debug_step(model, x):\n"
        "    with torch.autograd.detect_anomaly():\n        model(x).mean().backward()\n",
        "def set_detect_anomaly(flag):\n    pass\nset_detect_anomaly(True)\n",
        "import torch\n\ndef test_gradients(model, x):\n"
        "    torch.autograd.set_detect_anomaly(True)\n    model(x).sum().backward()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(*ANOMALY_SETTERS, *ANOMALY_CONTEXT):
            call = site.node
            if site.qualname in ANOMALY_SETTERS:
                if literal_value(argument(call, 0, "mode")) is not True:
                    continue
            if self._guarded(model, call):
                continue
            yield Finding(
                call,
                "autograd anomaly detection left on: every backward pass runs several times "
                "slower; enable it only behind a debug flag",
            )

    @staticmethod
    def _guarded(model: SemanticModel, call: cst.Call) -> bool:
        for ancestor in model.ancestors(call):
            if isinstance(ancestor, cst.If) and not _is_main_guard(model, ancestor.test):
                return True
            if isinstance(ancestor, cst.FunctionDef):
                name = ancestor.name.value.lower()
                if "debug" in name or "anomaly" in name or name.startswith("test"):
                    return True
        return False


def _is_main_guard(model: SemanticModel, test: cst.BaseExpression) -> bool:
    return "__name__" in model.code(test) and "__main__" in model.code(test)


# --- LF315 ----------------------------------------------------------------------


class ConstantWeightInit(Rule):
    code = "LF315"
    name = "constant-weight-init"
    severity = Severity.WARNING
    summary = "hidden layer weights initialised to one constant"
    needs = ("init", "fill_", "zero_", "initializer")
    what = """
Flags a hidden layer's weight set to one constant: `nn.init.constant_(w, c)`,
`nn.init.zeros_(w)`, `nn.init.ones_(w)`, `w.data.fill_(c)`, `w.zero_()`, and Keras
`kernel_initializer="zeros"` / `"ones"` / `Constant(c)`. "Hidden" means: every
`Linear`/`Conv` of a model with several of them (`if isinstance(m, nn.Linear)` in an
init function), an attribute layer that is not the model's last one, an element of
`nn.Sequential` / `keras.Sequential` followed by another weight layer. Biases,
normalisation layers, the final layer and zero-init of a residual branch's last
norm are known techniques and stay silent.
"""
    why = """
Units that start with identical weights compute identical outputs and receive
identical gradients: the symmetry is never broken, so a layer of 512 units learns
like a layer of one. With zeros the gradient through the layer can vanish entirely;
large constants blow up activations and the loss.
"""
    example = """
for m in model.modules():
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)       # LF315
        nn.init.kaiming_normal_(m.weight)      # breaks the symmetry
        nn.init.zeros_(m.bias)                 # biases may be constant
"""
    INVALID = [
        Invalid(
            "import torch.nn as nn\n\nclass MLP(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.fc1 = nn.Linear(10, 64)\n"
            "        self.fc2 = nn.Linear(64, 2)\n        self.apply(self._init)\n\n"
            "    def _init(self, m):\n        if isinstance(m, nn.Linear):\n"
            "            nn.init.constant_(m.weight, 0.5)\n            nn.init.zeros_(m.bias)\n",
            12,
            13,
        ),
        Invalid(
            "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n"
            "    def __init__(self):\n        super().__init__()\n"
            "        self.hidden = nn.Linear(4, 16)\n        self.out = nn.Linear(16, 1)\n"
            "        nn.init.zeros_(self.hidden.weight)\n\n    def forward(self, x):\n"
            "        return self.out(torch.relu(self.hidden(x)))\n",
            9,
            9,
        ),
        Invalid(
            "from tensorflow import keras\nmodel = keras.Sequential([\n"
            "    keras.layers.Dense(64, activation='relu', kernel_initializer='zeros'),\n"
            "    keras.layers.Dense(10, activation='softmax'),\n])\n",
            3,
            5,
        ),
        Invalid(
            "import torch\nnet = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), "
            "torch.nn.Linear(8, 1))\nwith torch.no_grad():\n    net[0].weight.data.fill_(1.0)\n",
            4,
            5,
        ),
    ]
    VALID = [
        # timm: only the classifier head is zero-initialised, chosen by name
        "import torch.nn as nn\n\ndef init_weights(module, name=''):\n"
        "    if isinstance(module, nn.Linear):\n        if name.startswith('head'):\n"
        "            nn.init.zeros_(module.weight)\n        else:\n"
        "            nn.init.xavier_uniform_(module.weight)\n\nfc = nn.Linear(2, 2)\nhead = nn.Linear(2, 2)\n",
        # deformable attention: zero-initialised offset projections used directly
        "import torch.nn as nn\n\nclass MSDeformAttn(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.sampling_offsets = nn.Linear(8, 16)\n"
        "        self.attention_weights = nn.Linear(8, 4)\n        self.output_proj = nn.Linear(8, 8)\n"
        "        nn.init.constant_(self.sampling_offsets.weight.data, 0.0)\n\n"
        "    def forward(self, q, v):\n        off = self.sampling_offsets(q)\n"
        "        w = self.attention_weights(q).softmax(-1)\n        return self.output_proj(sample(v, off, w))\n",
        # biases and norms are initialised to constants on purpose
        "import torch.nn as nn\n\ndef init(m):\n    if isinstance(m, (nn.Conv2d, nn.Linear)):\n"
        "        nn.init.kaiming_normal_(m.weight)\n        nn.init.constant_(m.bias, 0)\n"
        "    elif isinstance(m, nn.BatchNorm2d):\n        nn.init.constant_(m.weight, 1)\n"
        "        nn.init.constant_(m.bias, 0)\nnet = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))\n",
        # zero-init of the final layer
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.hidden = nn.Linear(4, 16)\n        self.head = nn.Linear(16, 1)\n"
        "        nn.init.zeros_(self.head.weight)\n\n    def forward(self, x):\n"
        "        return self.head(torch.relu(self.hidden(x)))\n",
        # zero-init of a residual branch's last norm (torchvision zero_init_residual)
        "import torch.nn as nn\n\ndef zero_init(model):\n    for m in model.modules():\n"
        "        if isinstance(m, Bottleneck):\n            nn.init.constant_(m.bn3.weight, 0)\n",
        # Keras: zeros on the last layer
        "from tensorflow import keras\nmodel = keras.Sequential([\n"
        "    keras.layers.Dense(64, activation='relu'),\n"
        "    keras.layers.Dense(1, kernel_initializer='zeros'),\n])\n",
        # logistic regression: a single layer
        "import torch\nmodel = torch.nn.Linear(20, 1)\ntorch.nn.init.zeros_(model.weight)\n",
        # random init
        "import torch.nn as nn\n\ndef init(m):\n    if isinstance(m, nn.Linear):\n"
        "        nn.init.xavier_uniform_(m.weight)\n        m.bias.data.fill_(0.01)\n"
        "net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))\n",
        # LoRA's B matrix starts at zero by design
        "import torch.nn as nn\n\nclass LoRA(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.lora_A = nn.Linear(64, 8)\n"
        "        self.lora_B = nn.Linear(8, 64)\n        nn.init.zeros_(self.lora_B.weight)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        weight_layer_count = sum(len(list(model.calls_to(q))) for q in WEIGHT_LAYERS)
        for qualname, fixed_value in CONSTANT_INITS.items():
            for site in model.calls_to(qualname):
                call = site.node
                target = argument(call, 0, "tensor")
                if target is None:
                    continue
                if fixed_value is not None:
                    constant = fixed_value
                else:
                    found = literal_value(argument(call, 1, "val"))
                    if not isinstance(found, (int, float)) or isinstance(found, bool):
                        continue
                    constant = float(found)
                finding = self._torch(model, call, target, constant, weight_layer_count)
                if finding is not None:
                    yield finding
        for site in model.method_calls("fill_", "zero_"):
            call = site.node
            func = call.func
            assert isinstance(func, cst.Attribute)
            if func.attr.value == "fill_":
                args = positional(call)
                if len(args) != 1:
                    continue
                found = literal_value(args[0].value)
                if not isinstance(found, (int, float)) or isinstance(found, bool):
                    continue
                constant = float(found)
            else:
                if call.args:
                    continue
                constant = 0.0
            finding = self._torch(model, call, func.value, constant, weight_layer_count)
            if finding is not None:
                yield finding
        yield from self._keras(model)

    def _torch(
        self,
        model: SemanticModel,
        call: cst.Call,
        target: cst.BaseExpression,
        constant: float,
        weight_layer_count: int,
    ) -> Finding | None:
        if isinstance(target, cst.Attribute) and target.attr.value == "data":
            target = target.value
        if not (isinstance(target, cst.Attribute) and target.attr.value == "weight"):
            return None
        owner = target.value
        if not self._hidden(model, call, owner, weight_layer_count):
            return None
        return Finding(call, self._message(constant))

    @staticmethod
    def _message(constant: float) -> str:
        size = " (a large constant also blows up activations)" if abs(constant) > 1 else ""
        return (
            f"hidden layer weights all set to {constant:g}{size}: every unit computes the "
            "same output and gets the same gradient, so the symmetry is never broken; use "
            "a random init (kaiming_normal_ / xavier_uniform_)"
        )

    def _hidden(
        self,
        model: SemanticModel,
        call: cst.Call,
        owner: cst.BaseExpression,
        weight_layer_count: int,
    ) -> bool:
        # (a) `if isinstance(m, nn.Linear): ...` in an init function
        if isinstance(owner, cst.Name):
            classes = _narrowed_classes(model, call, owner.value)
            if classes and _targets_one_layer(model, call, owner.value):
                return False
            if classes:
                return all(q in WEIGHT_LAYERS for q in classes) and weight_layer_count >= 2
            return False
        # (b) `self.fc1.weight` of a class with a later weight layer
        if (
            isinstance(owner, cst.Attribute)
            and isinstance(owner.value, cst.Name)
            and owner.value.value == "self"
        ):
            return _hidden_attribute(model, call, owner.attr.value)
        # (c) `seq[0].weight` of an nn.Sequential
        if isinstance(owner, cst.Subscript) and len(owner.slice) == 1:
            element = owner.slice[0].slice
            if not isinstance(element, cst.Index):
                return False
            position = literal_value(element.value)
            container = model.value(owner.value)
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                return False
            if not isinstance(container, Sequential) or position >= len(container.layers):
                return False
            layer = container.layers[position]
            if not (isinstance(layer, Layer) and layer.qualname in WEIGHT_LAYERS):
                return False
            return any(
                isinstance(later, Layer) and later.qualname in WEIGHT_LAYERS
                for later in container.layers[position + 1 :]
            )
        return False

    def _keras(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(*KERAS_WEIGHT_LAYERS):
            call = site.node
            init = keyword(call, "kernel_initializer")
            if init is None:
                continue
            constant = _keras_constant(model, init.value)
            if constant is None or not _keras_hidden(model, call):
                continue
            yield Finding(call, self._message(constant))


def _keras_constant(model: SemanticModel, expr: cst.BaseExpression) -> float | None:
    text = literal_value(expr)
    if isinstance(text, str):
        return KERAS_CONSTANT_STRINGS.get(text.lower())
    if isinstance(expr, cst.Call):
        qualname = model.qualname(expr.func)
        if qualname in KERAS_CONSTANT_INITIALIZERS:
            default = KERAS_CONSTANT_INITIALIZERS[qualname]
            if default is not None:
                return default
            found = literal_value(argument(expr, 0, "value"))
            if isinstance(found, (int, float)) and not isinstance(found, bool):
                return float(found)
            if argument(expr, 0, "value") is None:
                return 0.0
    return None


def _keras_hidden(model: SemanticModel, call: cst.Call) -> bool:
    """The layer is followed by another weight layer in a Sequential list or
    ``model.add`` chain."""
    parent = model.parent(call)
    if isinstance(parent, cst.Element):
        container = model.parent(parent)
        holder = model.parent(container) if container is not None else None
        owner = model.parent(holder) if isinstance(holder, cst.Arg) else None
        if isinstance(container, cst.List) and isinstance(owner, cst.Call):
            if model.qualname(owner.func) not in KERAS_SEQUENTIAL:
                return False
            elements = [e.value for e in container.elements]
            position = next(i for i, e in enumerate(elements) if e is call)
            return any(
                isinstance(e, cst.Call) and model.qualname(e.func) in KERAS_WEIGHT_LAYERS
                for e in elements[position + 1 :]
            )
        return False
    if isinstance(parent, cst.Arg):
        add = model.parent(parent)
        if not (
            isinstance(add, cst.Call)
            and isinstance(add.func, cst.Attribute)
            and add.func.attr.value == "add"
        ):
            return False
        receiver = dotted(add.func.value)
        later = False
        for site in model.method_calls("add"):
            other = site.node
            if other is add:
                later = True
                continue
            if not later or not isinstance(other.func, cst.Attribute):
                continue
            if dotted(other.func.value) != receiver or not other.args:
                continue
            value = other.args[0].value
            if isinstance(value, cst.Call) and model.qualname(value.func) in KERAS_WEIGHT_LAYERS:
                return True
    return False


def _targets_one_layer(model: SemanticModel, node: cst.CSTNode, name: str) -> bool:
    """Inside ``if name.startswith("head"):`` (or any test that is not an
    isinstance check on ``name``): the init picks particular layers, such as
    timm's zero-initialised classifier head."""
    child = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, cst.If) and (child is ancestor.body or child is ancestor.orelse):
            if _isinstance_classes(model, ancestor.test, name) is None:
                return True
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
            break
        child = ancestor
    return False


def _narrowed_classes(model: SemanticModel, node: cst.CSTNode, name: str) -> list[str]:
    """Classes ``name`` is narrowed to by an enclosing ``if isinstance(name, C)``."""
    child = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, cst.If) and child is ancestor.body:
            classes = _isinstance_classes(model, ancestor.test, name)
            if classes is not None:
                return classes
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
            break
        child = ancestor
    return []


def _isinstance_classes(
    model: SemanticModel, test: cst.BaseExpression, name: str
) -> list[str] | None:
    call = test
    if isinstance(call, cst.Call) and model.qualname(call.func) == "builtins.isinstance":
        args = positional(call)
        if len(args) != 2 or dotted(args[0].value) != name:
            return None
        spec = args[1].value
        items = (
            [e.value for e in spec.elements] if isinstance(spec, (cst.Tuple, cst.List)) else [spec]
        )
        names = [model.qualname(i) for i in items]
        return [n if n is not None else "?" for n in names]
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        # type(m) == nn.Linear / type(m) is nn.Linear
        left = test.left
        if (
            isinstance(left, cst.Call)
            and model.qualname(left.func) == "builtins.type"
            and len(left.args) == 1
            and dotted(left.args[0].value) == name
        ):
            found = model.qualname(test.comparisons[0].comparator)
            return [found if found is not None else "?"]
    return None


def _hidden_attribute(model: SemanticModel, call: cst.Call, attr: str) -> bool:
    lowered = attr.lower()
    if any(h in lowered for h in OUTPUT_LAYER_HINTS) or any(h in lowered for h in NORM_HINTS):
        return False
    cls = model.enclosing(call, cst.ClassDef)
    if not isinstance(cls, cst.ClassDef):
        return False
    layers: list[str] = []
    for site in model.calls:
        if site.qualname not in WEIGHT_LAYERS:
            continue
        parent = model.parent(site.node)
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
            continue
        target = parent.targets[0].target
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and model.enclosing(site.node, cst.ClassDef) is cls
        ):
            layers.append(target.attr.value)
    if attr not in layers or layers[-1] == attr:
        return False
    # the layer whose output forward returns is the final one
    for node in cls.body.body:
        if isinstance(node, cst.FunctionDef) and node.name.value == "forward":
            for inner in _calls_in(node):
                if dotted(inner.func) == f"self.{attr}" and _in_return(model, inner):
                    if not _is_argument_of_call(model, inner, node):
                        return False
    # declaration order is weak evidence: require that the layer's output
    # feeds another weight layer (zero-initialised offset/gate projections
    # whose output is used directly are a known technique)
    return _feeds_another_layer(model, cls, attr, set(layers) - {attr})


def _feeds_another_layer(
    model: SemanticModel, cls: cst.ClassDef, attr: str, others: set[str]
) -> bool:
    """``self.b(self.a(x))`` or ``h = self.a(x) ... self.b(h)`` in a method."""
    for node in cls.body.body:
        if not isinstance(node, cst.FunctionDef):
            continue
        fed_names: set[str] = set()
        calls = _calls_in(node)
        for inner in calls:
            if dotted(inner.func) != f"self.{attr}":
                continue
            for ancestor in model.ancestors(inner):
                if isinstance(ancestor, cst.Call):
                    name = dotted(ancestor.func) or ""
                    if name.startswith("self.") and name[5:] in others:
                        return True
                if isinstance(ancestor, cst.Assign):
                    for target in ancestor.targets:
                        if isinstance(target.target, cst.Name):
                            fed_names.add(target.target.value)
                    break
                if isinstance(ancestor, cst.BaseStatement):
                    break
        if not fed_names:
            continue
        for outer in calls:
            name = dotted(outer.func) or ""
            if not (name.startswith("self.") and name[5:] in others):
                continue
            for arg in outer.args:
                if any(
                    isinstance(n, cst.Name) and n.value in fed_names
                    for n in _operand_names(model, arg.value)
                ):
                    return True
    return False


def _operand_names(model: SemanticModel, expr: cst.BaseExpression) -> list[cst.Name]:
    """Names an argument expression is computed from (calls, arithmetic, indexing)."""
    found: list[cst.Name] = []
    stack: list[cst.BaseExpression] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.append(node)
        elif isinstance(node, cst.Call):
            # through framework functions, tensor methods and self.<module>
            # calls only: an arbitrary helper may use its input in any way
            qualname = model.qualname(node.func)
            callee = dotted(node.func) or ""
            if (qualname or "").startswith("torch.") or callee.startswith("self."):
                stack.extend(a.value for a in node.args)
            elif isinstance(node.func, cst.Attribute) and qualname is None:
                stack.append(node.func.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, cst.Subscript):
            stack.append(node.value)
        elif isinstance(node, cst.BinaryOperation):
            stack.extend((node.left, node.right))
        elif isinstance(node, cst.UnaryOperation):
            stack.append(node.expression)
        elif isinstance(node, (cst.Tuple, cst.List)):
            stack.extend(e.value for e in node.elements)
    return found


def _in_return(model: SemanticModel, node: cst.CSTNode) -> bool:
    return model.enclosing(node, cst.Return) is not None


def _is_argument_of_call(model: SemanticModel, node: cst.CSTNode, stop: cst.CSTNode) -> bool:
    """``self.out(self.hidden(x))``: ``self.hidden`` feeds another call."""
    for ancestor in model.ancestors(node):
        if ancestor is stop or isinstance(ancestor, cst.Return):
            return False
        if isinstance(ancestor, cst.Arg):
            return True
    return False


# --- LF316 ----------------------------------------------------------------------


class FunctionalDropoutAlwaysOn(Rule):
    code = "LF316"
    name = "functional-dropout-always-on"
    severity = Severity.ERROR
    summary = "`F.dropout` in `forward` without `training=self.training`"
    fix_kind = "safe"
    needs = ("dropout",)
    what = """
Flags `F.dropout`, `F.dropout1d/2d/3d`, `F.alpha_dropout` and
`F.feature_alpha_dropout` called in a module's `forward` method without a `training`
argument (keyword or third positional).
"""
    why = """
The functional form defaults to `training=True`: unlike `nn.Dropout`, it does not
follow `model.eval()`. Dropout stays on at validation and inference, so predictions
are noisy and metrics are too low.
"""
    example = """
def forward(self, x):
    x = F.dropout(x, p=0.5)                          # LF316
    x = F.dropout(x, p=0.5, training=self.training)  # follows train()/eval()
"""
    fix_safety = """
Safe: `training=self.training` keeps dropout exactly as it is during training and
switches it off after `model.eval()`, which is what the module's other layers do.
"""
    INVALID = [
        Invalid(
            "import torch.nn.functional as F\nfrom torch import nn\n\nclass Net(nn.Module):\n"
            "    def forward(self, x):\n        return F.dropout(self.fc(x), 0.5)\n",
            6,
            16,
            fixed="import torch.nn.functional as F\nfrom torch import nn\n\nclass Net(nn.Module):\n"
            "    def forward(self, x):\n"
            "        return F.dropout(self.fc(x), 0.5, training=self.training)\n",
        ),
        Invalid(
            "import torch\n\nclass Block(torch.nn.Module):\n    def forward(self, h):\n"
            "        h = torch.nn.functional.dropout2d(h, p=0.2)\n        return self.conv(h)\n",
            5,
            13,
            fixed="import torch\n\nclass Block(torch.nn.Module):\n    def forward(self, h):\n"
            "        h = torch.nn.functional.dropout2d(h, p=0.2, training=self.training)\n"
            "        return self.conv(h)\n",
        ),
        Invalid(
            "from torch import nn\nfrom torch.nn.functional import alpha_dropout\n\n"
            "class SNN(nn.Module):\n    def forward(self, x):\n"
            "        for layer in self.layers:\n            x = alpha_dropout(layer(x), 0.1)\n"
            "        return x\n",
            7,
            17,
        ),
    ]
    VALID = [
        "import torch.nn.functional as F\nfrom torch import nn\n\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return F.dropout(x, 0.5, training=self.training)\n",
        "import torch.nn.functional as F\nfrom torch import nn\n\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return F.dropout(x, 0.5, self.training)\n",
        # the module form follows eval()
        "from torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.drop = nn.Dropout(0.5)\n\n"
        "    def forward(self, x):\n        return self.drop(x)\n",
        # MC dropout: always on, on purpose
        "import torch.nn.functional as F\nfrom torch import nn\n\nclass MC(nn.Module):\n"
        "    def forward(self, x):\n        return F.dropout(x, 0.1, training=True)\n",
        # not in a forward method: data augmentation
        "import torch.nn.functional as F\n\ndef augment(x):\n    return F.dropout(x, 0.1)\n",
        # a user function with the same name
        "from torch import nn\n\ndef dropout(x, p):\n    return x\n\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return dropout(x, 0.5)\n",
        "import torch.nn.functional as F\nfrom torch import nn\n\nclass Net(nn.Module):\n"
        "    def forward(self, x, **kw):\n        return F.dropout(x, **kw)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(*FUNCTIONAL_DROPOUT):
            call = site.node
            if has_star_args(call) or argument(call, 2, "training") is not None:
                continue
            if any(a.star for a in call.args):
                continue
            func = model.enclosing(call, cst.FunctionDef)
            if not isinstance(func, cst.FunctionDef) or func.name.value != "forward":
                continue
            scope = model.scopes.get(func)
            if scope is None or scope.parent is None or scope.parent.kind != "class":
                continue
            params = func.params.params
            if not params or params[0].name.value != "self":
                continue
            fixed = _with_keyword(
                call, "training", cst.Attribute(cst.Name("self"), cst.Name("training"))
            )
            short = (site.qualname or "dropout").rsplit(".", 1)[-1]
            yield Finding(
                call,
                f"`{short}` defaults to training=True: dropout stays on after model.eval(); "
                "pass `training=self.training`",
                fix=FixSpec(
                    Applicability.SAFE, "pass `training=self.training`", (NodeEdit(call, fixed),)
                ),
            )
