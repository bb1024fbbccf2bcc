"""LF304 zero-grad-before-step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.names import dotted_text
from lossflint.analysis.optimizer_params import optimizer_models
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.common import iterations, short, written
from lossflint.rules.training_loop.lf304_accumulation_examples import (
    ACCUMULATION_INVALID,
    ACCUMULATION_VALID,
)
from lossflint.rules.training_loop.lf304_part_examples import PART_INVALID, PART_VALID

if TYPE_CHECKING:
    from lossflint.analysis.loops import LoopEvent, LoopIndex
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
and the step), the `backward()` in that block or in one holding it (`if (i + 1) % k
== 0: zero_grad(); step()` after it). A `zero_grad()` of another optimiser (GANs) is not reported.

Also flags the gradient-accumulation form across iterations: `zero_grad()` on every
iteration, `backward()` on every iteration, and the `step()` only every few
(`if (i + 1) % accumulate == 0:`): each step sees the last micro-batch alone.
A step skipped on another condition (a non-finite loss) is not reported.
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
        *ACCUMULATION_INVALID,
        *PART_INVALID,
        # a step function whose teacher's gradients are cleared in a loop of
        # its own: still one iteration (audit R40)
        Invalid(
            """
            import torch

            def train_step(model, teachers, optimizer, x, y):
                for t in teachers:
                    t.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                optimizer.zero_grad()  # error: LF304
                optimizer.step()
            """,
        ),
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
        *ACCUMULATION_VALID,
        *PART_VALID,
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
        yield from self._within_iteration(model)
        yield from self._across_iterations(model)

    def _across_iterations(self, model: SemanticModel) -> Iterator[Finding]:
        """``zero_grad(); loss.backward(); if (i + 1) % k == 0: step()``."""
        for index, loop in iterations(model, step_functions=True):
            backwards = [b for b in loop.of("backward") if not b.conditional and not b.nested]
            steps = [s for s in loop.of("step") if not s.event.closure and not s.nested]
            stepped = {s.event.receiver for s in steps}
            for zero in loop.of("zero_grad"):
                if zero.conditional or zero.nested:
                    continue
                for step in steps:
                    if not step.conditional or not any(
                        zero.order < b.order < step.order for b in backwards
                    ):
                        continue
                    if any(
                        e.order < step.order and index.comparable(e, step)
                        for e in (*loop.of("zero_grad"), *loop.of("backward"))
                    ):
                        # the step's block clears and back-propagates itself (a
                        # GAN's generator every ``n_critic`` iterations)
                        continue
                    if step.event.receiver != zero.event.receiver and (
                        len(stepped) != 1 or _clears_an_optimizer(index, zero)
                    ):
                        continue
                    test = _counter_test(model, written(step))
                    if test is None:
                        continue
                    at, step_at = written(zero), written(step)
                    yield Finding(
                        at,
                        f"gradients cleared on every iteration but `{short(model, step_at)}` "
                        f"(line {model.line_of(step_at)}) runs only when "
                        f"`{model.module.code_for_node(test)}`: the micro-batches accumulated "
                        "before are erased and each step sees the last one alone; clear them "
                        "after the step, under the same condition",
                        related=(RelatedNode("the step", step_at),),
                    )
                    break

    def _within_iteration(self, model: SemanticModel) -> Iterator[Finding]:
        reported: set[int] = set()
        for index, loop in iterations(model, step_functions=True):
            backwards = loop.of("backward")
            steps = [s for s in loop.of("step") if not s.event.closure]
            stepped = {s.event.receiver for s in steps}
            for zero in loop.of("zero_grad"):
                # the backward in the same block, or in one holding the
                # zero_grad's (``backward(); if (i + 1) % k == 0: zero_grad(); step()``)
                if not any(
                    b.order < zero.order
                    and (
                        index.comparable(b, zero)
                        or (not zero.nested and index.always_before(b, zero))
                    )
                    for b in backwards
                ):
                    continue
                following = [s for s in steps if s.order > zero.order and index.comparable(s, zero)]
                if not following:
                    continue
                step = following[0]
                if any(zero.order < b.order < step.order for b in backwards):
                    continue
                receiver = zero.event.receiver
                if receiver != step.event.receiver:
                    if _clears_an_optimizer(index, zero) or len(stepped) != 1:
                        continue
                    if _clears_a_part(model, zero, step):
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


def _clears_an_optimizer(index: LoopIndex, zero: LoopEvent) -> bool:
    """``opt_d.zero_grad()`` (not ``model.zero_grad()``): another optimiser's."""
    node = written(zero)
    target = (
        node.func.value
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
        else None
    )
    return target is not None and index.role(target) == "optimizer"


def _clears_a_part(model: SemanticModel, zero: LoopEvent, step: LoopEvent) -> bool:
    """``model.generator.zero_grad()`` before a step of an optimiser over
    ``model.parameters()``: the other part's gradients survive and the step
    updates that part (TranAD's MAD-GAN alternates halves so)."""
    receiver = zero.event.receiver
    optimizer = step.event.receiver
    if receiver is None or optimizer is None:
        return False
    held = optimizer_models(model).get(optimizer)
    if held is None:
        # an optimiser handed in (its parameters unknown) and a part of a
        # model the same function runs (``model(d)``): maybe the other
        # part's step (TranAD's ``backprop(..., optimizer, ...)``)
        owner = receiver.rsplit(".", 1)[0]
        func = model.enclosing(zero.node, cst.FunctionDef)
        return (
            "." in receiver
            and not receiver.endswith(".module")
            and any(
                dotted_text(site.node.func) == owner
                and model.enclosing(site.node, cst.FunctionDef) is func
                for site in model.calls
            )
        )
    # ``model.module`` of a DataParallel/DDP wrapper is the whole model
    return any(receiver.startswith(f"{whole}.") and receiver != f"{whole}.module" for whole in held)


def _counter_test(model: SemanticModel, node: cst.CSTNode) -> cst.BaseExpression | None:
    """The test of an ``if`` around ``node`` in its loop that holds every few
    iterations: ``(i + 1) % accumulate == 0``, ``step % k == 0``."""
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.For, cst.While, cst.FunctionDef, cst.Lambda)):
            return None
        if not isinstance(ancestor, cst.If):
            continue
        # ``... % k == 0 or i + 1 == n_batches`` (the last batch steps too)
        tests = [ancestor.test]
        while tests:
            test = tests.pop()
            if isinstance(test, cst.BooleanOperation):
                tests.extend((test.left, test.right))
            elif (
                isinstance(test, cst.Comparison)
                and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.Equal)
                and isinstance(test.left, cst.BinaryOperation)
                and isinstance(test.left.operator, cst.Modulo)
            ):
                return test
    return None
