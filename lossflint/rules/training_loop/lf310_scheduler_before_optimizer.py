"""LF310 scheduler-before-optimizer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.callee_steps import scheduler_before_own_loop, stepping_call_after
from lossflint.analysis.engine_events import early_scheduler_steps
from lossflint.analysis.first_pass import first_pass_blocks
from lossflint.analysis.loop_callees import tests_existence
from lossflint.analysis.loops import Event, LoopEvent, loops
from lossflint.analysis.names import dotted_text
from lossflint.analysis.scheduler_classes import own_protocol_scheduler
from lossflint.analysis.switches import switched_blocks
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.common import (
    elsewhere,
    own_iteration,
    place,
    run_by,
    short,
    written,
)
from lossflint.rules.training_loop.lf310_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.training_loop.lf310_ignite_examples import IGNITE_INVALID, IGNITE_VALID
from lossflint.rules.training_loop.lf310_subclass_examples import (
    SUBCLASS_INVALID,
    SUBCLASS_VALID,
)
from lossflint.rules.training_loop.lf310_switch_examples import SWITCH_INVALID, SWITCH_VALID

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
the top of an epoch loop whose batch loop steps the optimiser (also when a function
called after it runs that batch loop: of this file, or of another module handed the
optimiser the scheduler wraps, `engine.train_one_epoch(model, loader, optimizer)`), and
at the top of a function that runs one epoch's batch loop itself (`def run_epoch(self):
self.scheduler.step(); for batch in loader: ...`). A step under `if phase == 'train':`
counts when the training pass surely runs it first: the loop is `for phase in ['train',
'val']`, or the optimiser steps under the same test. So does a warm-up step under a
test that holds on the run's first pass (`if epoch <= 0:`, `if i < warmup_iters:`,
the counter counted from 0 by its loop or by every same-file caller). A scheduler `step(x)`
with an argument (ReduceLROnPlateau's metric, an epoch number) is not reported.
A function whose body is one training iteration (an ignite `train_step`) counts as
such a loop, and an ignite handler registered on `Events.EPOCH_STARTED` or
`Events.STARTED` of an engine whose process function steps the optimiser
(`@trainer.on(Events.EPOCH_STARTED)`, `trainer.add_event_handler(...)`) runs before
the epoch's first iteration: its unconditional `scheduler.step()` is reported.
"""
    why = """
Since PyTorch 1.1 the scheduler must step after the optimiser. Stepping it first
skips the first value of the schedule (the warmup's first lr, or the initial lr of a
step decay), and PyTorch warns: "Detected call of `lr_scheduler.step()` before
`optimizer.step()`".
"""
    example = """
    import torch

    model = torch.nn.Linear(10, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)

    for epoch in range(30):
        scheduler.step()  # error: LF310 (move it after the epoch's batch loop)
        for x, y in loader:
            optimizer.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            optimizer.step()
        scheduler.step()  # OK
    """
    use_instead = """
    import torch

    model = torch.nn.Linear(10, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)

    for epoch in range(30):
        for x, y in loader:
            optimizer.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            optimizer.step()
        scheduler.step()
    """
    references = (
        (
            "PyTorch: how to adjust the learning rate",
            "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
        ),
        (
            "PyTorch: torch.optim.lr_scheduler.StepLR",
            "https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html",
        ),
    )
    INVALID = [
        Invalid(
            """
            import torch

            def train(model, loader, optimizer, criterion, scheduler):
                for x, y in loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    scheduler.step()  # error: LF310 at `scheduler.step(`
                    optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Linear(4, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10)
            for epoch in range(30):
                sched.step()  # error: LF310 at `sched.step(`
                for x, y in data:
                    opt.zero_grad()
                    ((model(x) - y) ** 2).mean().backward()
                    opt.step()
            """,
        ),
        Invalid(
            """
            import torch
            from transformers import get_linear_schedule_with_warmup

            class Trainer:
                def __init__(self, model, opt):
                    self.opt = opt
                    self.warmup = get_linear_schedule_with_warmup(opt, 100, 1000)

                def fit(self, loader):
                    for batch in loader:
                        self.model(**batch).loss.backward()
                        self.warmup.step()  # error: LF310 at `self.warmup.step(`
                        self.opt.step()
                        self.opt.zero_grad()
            """,
        ),
        *AUDIT_INVALID,
        *IGNITE_INVALID,
        *SWITCH_INVALID,
        *SUBCLASS_INVALID,
    ]
    VALID = [
        *AUDIT_VALID,
        *IGNITE_VALID,
        *SWITCH_VALID,
        *SUBCLASS_VALID,
        """
        import torch

        def train(model, loader, optimizer, criterion, scheduler):
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
                scheduler.step()
        """,
        # after the batch loop of the epoch
        """
        import torch
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10)
        for epoch in range(30):
            for x, y in data:
                opt.zero_grad()
                ((model(x) - y) ** 2).mean().backward()
                opt.step()
            sched.step()
        """,
        # ReduceLROnPlateau takes the metric
        """
        import torch

        def fit(model, loader, opt, plateau, val):
            for epoch in range(10):
                plateau.step(val)
                for x in loader:
                    opt.zero_grad()
                    model(x).mean().backward()
                    opt.step()
        """,
        # a conditional warmup step
        """
        import torch

        def train(model, loader, optimizer, criterion, scheduler):
            for i, (x, y) in enumerate(loader):
                if i > 0:
                    scheduler.step()
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
        """,
        # the optimiser stepped first in the same iteration (GAN: D then G schedules)
        """
        import torch

        def fit(model, loader, opt_d, opt_g, sched_d):
            for x in loader:
                model(x).mean().backward()
                opt_d.step()
                sched_d.step()
                opt_g.step()
                opt_d.zero_grad()
                opt_g.zero_grad()
        """,
        # an object that is not a scheduler
        """
        import torch

        def run(model, loader, opt, env):
            for x in loader:
                env.step()
                model(x).mean().backward()
                opt.step()
                opt.zero_grad()
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        reported: set[int] = set()
        # a step function (an ignite train_step) is one iteration too
        for whole in [*index.loops, *index.step_functions]:
            loop = own_iteration(whole)
            if loop is None or not loop.is_training:
                continue
            steps = [s for s in loop.of("step")]
            if not steps:
                continue
            for sched in loop.of("sched_step"):
                if sched.event.closure or id(written(sched)) in reported:
                    continue
                # under an `if` (gradient accumulation), only a step in the same
                # block follows it for sure; `if scheduler is not None:` guards nothing
                every_pass = (
                    sched.direct
                    or _self_guarded(model, sched)
                    or switched_blocks(model, sched.chain, loop.node)
                    # ``if epoch <= 0: warmup.step()``: taken on the run's first pass
                    or (
                        not isinstance(loop.node, cst.FunctionDef)
                        and first_pass_blocks(model, sched.chain, loop.node)
                    )
                )
                # `for phase in ['train', 'val']: if phase == 'train': scheduler.step()`:
                # the training pass steps it before its batch loop
                phase = None if every_pass else index.phase_test(loop, sched)
                if phase is not None and index.first_pass_takes(loop, phase):
                    every_pass = True
                if _own_protocol(model, sched.event, sched.node):
                    continue
                if any(s.order < sched.order for s in steps):
                    continue
                later = [
                    s
                    for s in steps
                    if s.order > sched.order
                    and (
                        every_pass
                        or index.comparable(s, sched)
                        or (phase is not None and index.guarded_by(s, phase))
                    )
                ]
                if not later:
                    continue
                reported.add(id(written(sched)))
                step = later[0]
                where, related = place(model, loop, step, "the optimizer step")
                what = f"`{short(model, written(step))}`"
                if elsewhere(model, loop, step) is not None:
                    what = "the optimizer step"
                yield Finding(
                    written(sched),
                    f"scheduler stepped{run_by(model, loop, sched)} before "
                    f"{what} ({where}): the first value of the schedule "
                    "is skipped (PyTorch warns); step the scheduler after the optimizer",
                    related=(related,),
                )
        # an epoch loop stepping the scheduler, then a function that runs the
        # batch loop (``train_epoch(...)``, of this file or another module)
        for loop in index.loops:
            own = own_iteration(loop)
            if own is not None and own.of("step"):
                continue
            for sched in loop.of("sched_step"):
                # ``if args.use_scheduler:`` is taken on every pass once switched on
                every_pass = (
                    sched.direct
                    or switched_blocks(model, sched.chain, loop.node)
                    or (
                        not isinstance(loop.node, cst.FunctionDef)
                        and first_pass_blocks(model, sched.chain, loop.node)
                    )
                )
                if not every_pass or sched.event.closure or id(written(sched)) in reported:
                    continue
                if _own_protocol(model, sched.event, sched.node):
                    continue
                call = stepping_call_after(index, loop, sched)
                if call is None:
                    continue
                reported.add(id(written(sched)))
                yield Finding(
                    written(sched),
                    f"scheduler stepped before the optimizer step in `{short(model, call)}` "
                    f"(line {model.line_of(call)}): the first value of the schedule is "
                    "skipped (PyTorch warns); step the scheduler after the optimizer",
                    related=(RelatedNode("the call that steps the optimizer", call),),
                )
        # ``def run_epoch(self): self.scheduler.step(); for batch in ...:``
        for event, call, batches in scheduler_before_own_loop(index):
            if id(call) in reported or _own_protocol(model, event, call):
                continue
            reported.add(id(call))
            stepped_at = batches.of("step")[0].node
            yield Finding(
                call,
                "scheduler stepped at the top of the function, before its batch loop steps "
                f"the optimizer (line {model.line_of(stepped_at)}): the first value of the "
                "schedule is skipped (PyTorch warns); step the scheduler after the batch loop",
                related=(RelatedNode("the optimizer step", stepped_at),),
            )
        # ``@trainer.on(Events.EPOCH_STARTED) def adjust(engine): scheduler.step()``
        for early in early_scheduler_steps(model):
            node = early.sched.node
            if id(node) in reported or own_protocol_scheduler(model, early.sched.receiver, node):
                continue
            reported.add(id(node))
            where = "in every iteration of ignite's supervised trainer"
            links: tuple[RelatedNode, ...] = ()
            if early.step is not None:
                where = f"line {model.line_of(early.step.node)}"
                links = (RelatedNode("the optimizer step", early.step.node),)
            yield Finding(
                node,
                f"scheduler stepped in an `Events.{early.event}` handler, which runs before "
                f"the {'epoch' if early.event == 'EPOCH_STARTED' else 'run'}'s first "
                f"optimizer step ({where}): the first value of the schedule is skipped "
                "(PyTorch warns); attach it to `Events.EPOCH_COMPLETED`",
                related=links,
            )


def _own_protocol(model: SemanticModel, event: Event, at: cst.CSTNode) -> bool:
    """``own_protocol_scheduler`` of the scheduler stepped; for a step inlined
    from a same-file method (``trainer.update_learning_rate()`` stepping
    ``self.dis_scheduler``, UNIT in audit s160), asked where it is written."""
    origin = event.origin
    if isinstance(origin, cst.Call) and isinstance(origin.func, cst.Attribute):
        receiver = dotted_text(origin.func.value)
        if receiver is not None:
            return own_protocol_scheduler(model, receiver, origin)
    return own_protocol_scheduler(model, event.receiver, at)


def _self_guarded(model: SemanticModel, sched: LoopEvent) -> bool:
    """Only ``if scheduler:`` / ``if scheduler is not None:`` (no ``else``)
    stand between the loop body and ``scheduler.step()``."""
    return all(
        isinstance(test := model.parent(block), cst.If)
        and block is test.body
        and tests_existence(test, sched.event.receiver)
        for block in sched.chain
    )
