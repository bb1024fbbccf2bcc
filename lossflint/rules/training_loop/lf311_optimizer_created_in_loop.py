"""LF311 optimizer-created-in-loop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.loops import (
    dotted,
    loops,
)
from lossflint.diagnostics import (
    Finding,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import TRAIN

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
            TRAIN.replace(", optimizer,", ",")
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
        TRAIN.replace(", optimizer,", ",").replace(
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
