"""LF310 scheduler-before-optimizer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis.loops import (
    loops,
)
from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import TRAIN, short

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
            TRAIN.replace("criterion", "criterion, scheduler")
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
        TRAIN.replace("criterion", "criterion, scheduler")
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
        TRAIN.replace("criterion", "criterion, scheduler").replace(
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
                    f"scheduler stepped before `{short(model, step.node)}` "
                    f"(line {model.line_of(step.node)}): the first value of the schedule is "
                    "skipped (PyTorch warns); step the scheduler after the optimizer",
                    related=(RelatedNode("the optimizer step", step.node),),
                )
