"""LF303 missing-zero-grad."""

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
            TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
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
        TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
        "        optimizer.step()\n        optimizer.zero_grad(set_to_none=True)\n",
        # model.zero_grad() / p.grad = None
        TRAIN + "        model.zero_grad()\n        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n",
        TRAIN + "        for p in model.parameters():\n            p.grad = None\n"
        "        criterion(model(x), y).backward()\n        optimizer.step()\n",
        # gradient accumulation: zero_grad under the same `if` as step
        TRAIN.replace("for x, y in loader", "for i, (x, y) in enumerate(loader)")
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
        for _index, loop in iterations(model):
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
                f"{model.line_of(backward.node)}) adds to `.grad`, so every step uses the sum "
                "of all batches so far; call `optimizer.zero_grad()` in the loop",
                related=(RelatedNode("the backward", backward.node),),
            )
