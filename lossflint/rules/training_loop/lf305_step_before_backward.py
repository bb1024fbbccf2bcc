"""LF305 step-before-backward."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import TRAIN, iterations

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
            TRAIN + "        optimizer.zero_grad()\n        out = model(x)\n"
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
        TRAIN + "        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n",
        # LBFGS
        "import torch\n\ndef fit(model, x, y):\n"
        "    opt = torch.optim.LBFGS(model.parameters())\n    for _ in range(20):\n"
        "        def closure():\n            opt.zero_grad()\n"
        "            loss = model(x, y)\n            loss.backward()\n"
        "            return loss\n        opt.step(closure)\n",
        # accumulation with the step at the top, under a condition
        TRAIN.replace("for x, y in loader", "for i, (x, y) in enumerate(loader)")
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
        TRAIN
        + "        for chunk in x.chunk(4):\n            criterion(model(chunk), y).backward()\n"
        "        optimizer.step()\n        optimizer.zero_grad()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for index, loop in iterations(model):
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
                    f"optimizer step before `backward()` (line {model.line_of(later[0].node)}): "
                    "it uses the previous batch's gradients (or none); step after backward()",
                    related=(RelatedNode("the backward", later[0].node),),
                )
                break
