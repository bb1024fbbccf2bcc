"""LF304 zero-grad-before-step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import TRAIN, iterations, short

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
            TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
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
        TRAIN + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n        optimizer.step()\n",
        # zero_grad at the end of the iteration
        TRAIN + "        criterion(model(x), y).backward()\n        optimizer.step()\n"
        "        optimizer.zero_grad()\n",
        # accumulation
        TRAIN.replace("for x, y in loader", "for i, (x, y) in enumerate(loader)")
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
        TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
        "        if not torch.isfinite(loss):\n            optimizer.zero_grad()\n"
        "        optimizer.step()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for index, loop in iterations(model):
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
                    f"gradients cleared after backward() and before `{short(model, step.node)}` "
                    f"(line {model.line_of(step.node)}): the step sees zero gradients and "
                    "nothing trains; clear them before backward() or after step()",
                    related=(RelatedNode("the step", step.node),),
                )
