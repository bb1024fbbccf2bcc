"""LF304 zero-grad-before-step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.common import iterations, short, written

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
    import torch


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.zero_grad()  # error: LF304 (the step sees zero gradients)
            optimizer.step()


    def train_fixed(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()  # OK: before backward() (or after step())
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
    """
    use_instead = """
    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
    """
    references = (
        (
            "PyTorch: torch.optim.Optimizer.zero_grad",
            "https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html",
        ),
        (
            "PyTorch: torch.optim.Optimizer.step",
            "https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.step.html",
        ),
    )
    INVALID = [
        Invalid(
            """
            import torch

            def train(model, loader, optimizer, criterion):
                for x, y in loader:
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.zero_grad()  # error: LF304 at `optimizer.zero_grad(`
                    optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch

            class Trainer:
                def __init__(self, model):
                    self.model = model
                    self.optimizer = torch.optim.Adam(model.parameters())

                def fit(self, loader):
                    for batch in loader:
                        loss = self.model(batch).mean()
                        loss.backward()
                        self.model.zero_grad()  # error: LF304 at `self.model.zero_grad(`
                        self.optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Linear(8, 1)
            optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
            scaler = torch.cuda.amp.GradScaler()
            for epoch in range(3):
                for x, y in data:
                    with torch.autocast('cuda'):
                        loss = (model(x) - y).pow(2).mean()
                    scaler.scale(loss).backward()
                    optimizer.zero_grad()  # error: LF304 at `optimizer.zero_grad(`
                    scaler.step(optimizer)
                    scaler.update()
            """,
        ),
    ]
    VALID = [
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
        """,
        # zero_grad at the end of the iteration
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                criterion(model(x), y).backward()
                optimizer.step()
                optimizer.zero_grad()
        """,
        # accumulation
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for i, (x, y) in enumerate(loader):
                criterion(model(x), y).backward()
                if (i + 1) % 8 == 0:
                    optimizer.step()
                    optimizer.zero_grad()
        """,
        # GAN: G's gradients (left by D's backward) are cleared before D's step
        """
        import torch

        def fit(G, D, opt_g, opt_d, loader):
            for real in loader:
                opt_d.zero_grad()
                D(real, G()).mean().backward()
                opt_g.zero_grad()
                opt_d.step()
                (-D(G()).mean()).backward()
                opt_g.step()
        """,
        # sequential GAN updates: a backward sits between zero_grad and step
        """
        import torch

        def fit(G, D, opt_g, opt_d, loader):
            for real in loader:
                opt_d.zero_grad()
                D(real, G()).mean().backward()
                opt_d.step()
                opt_g.zero_grad()
                (-D(G()).mean()).backward()
                opt_g.step()
        """,
        # gradients overwritten by hand between backward and step
        """
        import torch

        def fit(model, loader, optimizer):
            for x in loader:
                optimizer.zero_grad()
                model(x).mean().backward()
                model.weight.grad = all_reduce(model.weight.grad)
                optimizer.step()
        """,
        # conditional clearing (skip bad batches)
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                loss = criterion(model(x), y)
                loss.backward()
                if not torch.isfinite(loss):
                    optimizer.zero_grad()
                optimizer.step()
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        reported: set[int] = set()
        for index, loop in iterations(model, step_functions=True):
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
                    node = written(zero)
                    target = (
                        node.func.value
                        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                        else None
                    )
                    is_optimizer = target is not None and index.role(target) == "optimizer"
                    if is_optimizer or len(stepped) != 1:
                        continue
                at, step_at = written(zero), written(step)
                if id(at) in reported:
                    continue
                reported.add(id(at))
                yield Finding(
                    at,
                    f"gradients cleared after backward() and before `{short(model, step_at)}` "
                    f"(line {model.line_of(step_at)}): the step sees zero gradients and "
                    "nothing trains; clear them before backward() or after step()",
                    related=(RelatedNode("the step", step_at),),
                )
