"""LF305 step-before-backward."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis.optimizer_params import optimizer_models
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.common import iterations, place, run_by, written
from lossflint.rules.training_loop.lf305_helper_examples import HELPER_INVALID, HELPER_VALID

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
A function whose body is one training iteration (a step function no loop of the
file calls) counts as an iteration.
"""
    why = """
The step uses whatever is in `.grad` at that point: the previous batch's gradients
(or zeros right after `zero_grad()`). Updates lag one batch behind, or nothing
trains at all when the gradients were just cleared.
"""
    example = """
    import torch


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            optimizer.step()  # error: LF305 (no gradients of this batch yet)
            loss = criterion(model(x), y)
            loss.backward()


    def train_fixed(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()  # OK
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
            "PyTorch: torch.optim.Optimizer.step",
            "https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.step.html",
        ),
        (
            "PyTorch: torch.Tensor.backward",
            "https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html",
        ),
    )
    INVALID = [
        *HELPER_INVALID,
        # the generator's step right after its gradients were cleared: the
        # discriminator's earlier backward is not its gradient (H11 p11)
        Invalid(
            """
            import torch
            optD = torch.optim.Adam(D.parameters(), lr=2e-4)
            optG = torch.optim.Adam(G.parameters(), lr=2e-4)
            for real in loader:
                fake = G(torch.randn(64, 100))
                D.zero_grad()
                errD = criterion(D(fake.detach()), zeros)
                errD.backward()
                optD.step()
                G.zero_grad()
                errG = criterion(D(fake), ones)
                optG.step()  # error: LF305 at `optG.step()`
                errG.backward()
            """
        ),
        Invalid(
            """
            import torch

            def train(model, loader, optimizer, criterion):
                for x, y in loader:
                    optimizer.zero_grad()
                    out = model(x)
                    optimizer.step()  # error: LF305 at `optimizer.step(`
                    loss = criterion(out, y)
                    loss.backward()
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
                        self.optimizer.step()  # error: LF305 at `self.optimizer.step(`
                        self.optimizer.zero_grad()
                        self.model(batch).mean().backward()
            """,
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Linear(8, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            scaler = torch.cuda.amp.GradScaler()
            for epoch in range(3):
                for x, y in data:
                    opt.zero_grad()
                    with torch.autocast('cuda'):
                        loss = (model(x) - y).pow(2).mean()
                    scaler.step(opt)  # error: LF305 at `scaler.step(`
                    scaler.update()
                    scaler.scale(loss).backward()
            """,
        ),
    ]
    VALID = [
        *HELPER_VALID,
        # a step method whose first optimiser steps on gradients written by hand
        # from autograd.grad; the backward after it is the model's (LibMTL's
        # Auto-Lambda, audit s150)
        """
        import copy
        import torch

        class Trainer:
            def batch_forward(self, x, y):
                meta = copy.deepcopy(self.model)
                grads = torch.autograd.grad(self.tw(meta(x)), self.tw.parameters())
                with torch.no_grad():
                    for mw, h in zip(self.tw.parameters(), grads):
                        mw.grad = -0.1 * h
                self.tw_optimizer.step()
                loss = self.tw(self.model(x)).sum()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.tw_optimizer.zero_grad()

            def fit(self, loader):
                for x, y in loader:
                    self.batch_forward(x, y)
        """,
        # the same, the gradients of the architecture assigned in the loop
        """
        import torch

        def train(loader, valid_loader, model, alphas, w_optim, alpha_optim):
            for (x, y), (vx, vy) in zip(loader, valid_loader):
                alpha_optim.zero_grad()
                val_loss = model.criterion(model(vx), vy)
                grads = torch.autograd.grad(val_loss, alphas)
                for alpha, g in zip(alphas, grads):
                    alpha.grad = g
                alpha_optim.step()
                w_optim.zero_grad()
                loss = model.criterion(model(x), y)
                loss.backward()
                w_optim.step()
        """,
        # DARTS: the architecture's gradients come from a helper that assigns
        # `torch.autograd.grad` results to `alpha.grad` (kubeflow/katib, audit R81)
        """
        import torch
        from torch import nn

        def train(loader, valid_loader, model, architect, w_optim, alpha_optim):
            for (x, y), (vx, vy) in zip(loader, valid_loader):
                alpha_optim.zero_grad()
                architect.unrolled_backward(vx, vy)
                alpha_optim.step()
                w_optim.zero_grad()
                loss = model.criterion(model(x), y)
                loss.backward()
                w_optim.step()
        """,
        # each optimiser steps after the backward that follows its own clearing
        """
        import torch
        optD = torch.optim.Adam(D.parameters(), lr=2e-4)
        optG = torch.optim.Adam(G.parameters(), lr=2e-4)
        for real in loader:
            fake = G(torch.randn(64, 100))
            G.zero_grad()
            D.zero_grad()
            errD = criterion(D(fake.detach()), zeros)
            errD.backward()
            optD.step()
            errG = criterion(D(fake), ones)
            errG.backward()
            optG.step()
        """,
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
        """,
        # LBFGS
        """
        import torch

        def fit(model, x, y):
            opt = torch.optim.LBFGS(model.parameters())
            for _ in range(20):
                def closure():
                    opt.zero_grad()
                    loss = model(x, y)
                    loss.backward()
                    return loss
                opt.step(closure)
        """,
        # accumulation with the step at the top, under a condition
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for i, (x, y) in enumerate(loader):
                if i > 0 and i % 4 == 0:
                    optimizer.step()
                    optimizer.zero_grad()
                criterion(model(x), y).backward()
        """,
        # GAN: D's step comes before G's backward, after D's backward
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
        # validation loop: no backward
        """
        import torch

        def evaluate(model, loader, scheduler):
            for x in loader:
                with torch.no_grad():
                    model(x)
                scheduler.step()
        """,
        # backward for several micro-batches in an inner loop, then step
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                for chunk in x.chunk(4):
                    criterion(model(chunk), y).backward()
                optimizer.step()
                optimizer.zero_grad()
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        reported: set[int] = set()
        updates = optimizer_models(model)
        for index, loop in iterations(model, step_functions=True):
            backwards = loop.of("backward")
            for step in loop.of("step"):
                if step.event.closure:
                    continue
                # a backward counts only after the last sure clearing of this
                # optimiser's gradients (``G.zero_grad(); optG.step();
                # errG.backward()`` after the discriminator's backward)
                key = step.event.receiver or ""
                cleared = [
                    z.order
                    for z in loop.of("zero_grad")
                    if z.order < step.order
                    and not z.conditional
                    and not z.nested
                    and (z.event.receiver == key or z.event.receiver in updates.get(key, ()))
                ]
                since = max(cleared, default=float("-inf"))
                if any(since < b.order < step.order for b in backwards):
                    continue
                if index.gradients_made_between(loop, since, step.order):
                    continue  # DARTS: the architecture's gradients set by a helper
                later = [b for b in backwards if b.order > step.order and index.comparable(b, step)]
                if not later:
                    continue
                where, related = place(model, loop, later[0], "the backward")
                at = written(step)
                if id(at) in reported:
                    break
                reported.add(id(at))
                yield Finding(
                    at,
                    f"optimizer step{run_by(model, loop, step)} before `backward()` ({where}): "
                    "it uses the previous batch's gradients (or none); step after backward()",
                    related=(related,),
                )
                break
