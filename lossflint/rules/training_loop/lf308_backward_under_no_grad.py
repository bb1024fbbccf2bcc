"""LF308 backward-under-no-grad."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.contexts import contexts
from lossflint.analysis.loops import (
    loops,
)
from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import TRAIN

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
            TRAIN + "        with torch.no_grad():\n            loss = criterion(model(x), y)\n"
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
        TRAIN + "        loss = criterion(model(x), y)\n        loss.backward()\n"
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
                f"{model.line_of(region)}): it has no grad_fn and backward() raises; compute "
                "the training loss outside the block",
                related=(RelatedNode("the no-grad region", region),),
            )
