"""LF311 optimizer-created-in-loop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.loops import OptimizerCtor, loops
from lossflint.analysis.names import dotted_text
from lossflint.analysis.optimizer_builds import (
    changes_only_at_milestones,
    in_a_fixed_arm,
    optimizers_built_per_caller_epoch,
    optimizers_built_per_epoch_call,
    optimizers_built_per_pass,
    reads_renewed,
    stepped_by_callee,
)
from lossflint.analysis.param_groups import group_tensors
from lossflint.analysis.walk import descendants
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.lf311_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.training_loop.lf311_rebuilt_examples import REBUILT_INVALID, REBUILT_VALID

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
iteration that steps it (the loop with `backward()` and `step()`), or at the top of
the epoch loop (`for epoch in range(n)`, `while`) that runs that iteration directly
(a step decay done by rebuilding Adam), directly or by a same-file factory
that returns the constructor (`optimizer = make_optimizer(model, lr)`); also a
same-file function that builds one (not only on its first call) and runs one
epoch with it, called on every pass of an epoch loop (`for epoch in range(n):
train_model(model, loader)`), in this file or in another project module (reported
at the constructor, naming that loop). Plain SGD without momentum has no state and is not
reported; neither are optimisers built per stage, cycle, fold or trial in an outer
loop, over parameters the loop picks, or for a model built in the same iteration
(or in the same function). Parameters that read the epoch counter in one comparison
only (`param_groups(model, epoch)` adding a group `if epoch >= k`) change at one
milestone: rebuilding every epoch is reported, and so is a rebuild every few
epochs (`if epoch % k == 0:`, a step decay) or every few steps of a counter the
loop counts up (`step += 1; if step % 1000 == 0:`).
"""
    why = """
Momentum buffers and Adam's first/second moment estimates live in the optimiser.
A new optimiser every batch starts from zero each time: Adam's bias-corrected first
step is then always a full `lr`-sized sign step, momentum never builds up, and
schedulers attached to the old optimiser stop acting.
"""
    example = """
    import torch


    def train(model, loader, criterion):
        for x, y in loader:
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)  # error: LF311
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()


    def train_fixed(model, loader, criterion):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)  # OK: built once, before
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
    """
    use_instead = """
    import torch


    def train(model, loader, criterion):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
    """
    references = (
        (
            "PyTorch: constructing an optimizer",
            "https://pytorch.org/docs/stable/optim.html#constructing-it",
        ),
        (
            "PyTorch: torch.optim.Adam",
            "https://pytorch.org/docs/stable/generated/torch.optim.Adam.html",
        ),
    )
    INVALID = [
        *AUDIT_INVALID,
        *REBUILT_INVALID,
        Invalid(
            """
            import torch

            def train(model, loader, criterion):
                for x, y in loader:
                    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)  # error: LF311 at `torch.optim.Adam(`
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Linear(4, 1)
            step = 0
            while step < 100:
                opt = torch.optim.AdamW(model.parameters())  # error: LF311 at `torch.optim.AdamW(`
                opt.zero_grad()
                model(x).sum().backward()
                opt.step()
                step += 1
            """,
        ),
        # rebuilt at every epoch to decay its learning rate (H14 p06)
        Invalid(
            """
            import torch

            def fit(model, loader, criterion, epochs=20):
                for epoch in range(epochs):
                    lr = 2e-3 * 0.5 ** (epoch // 5)
                    optimizer = torch.optim.Adam(model.parameters(), lr=lr)  # error: LF311 at `torch.optim.Adam(`
                    for x, y in loader:
                        optimizer.zero_grad()
                        criterion(model(x), y).backward()
                        optimizer.step()
            """,
        ),
        # a step decay by rebuilding every 1,000 batches on a counted step (audit R93)
        Invalid(
            """
            import torch

            def train(model, loader, criterion, step=0):
                opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
                for x, y in loader:
                    opt.zero_grad()
                    criterion(model(x), y).backward()
                    opt.step()
                    step += 1
                    if step % 1000 == 0:
                        opt = torch.optim.SGD(model.parameters(), lr=0.1 * 0.5 ** (step // 1000), momentum=0.9)  # error: LF311 at `torch.optim.SGD(`
            """
        ),
    ]
    VALID = [
        *AUDIT_VALID,
        *REBUILT_VALID,
        """
        import torch

        def train(model, loader, criterion):
            optimizer = torch.optim.Adam(model.parameters())
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
        """,
        # stateless SGD (MAML-style inner loops)
        """
        import torch

        def adapt(learner, tasks):
            for x, y in tasks:
                inner = torch.optim.SGD(learner.parameters(), lr=0.01)
                inner.zero_grad()
                learner(x, y).backward()
                inner.step()
        """,
        # one optimiser per stage (progressive unfreezing)
        """
        import torch

        def fit(model, stages, loader):
            for params in stages:
                opt = torch.optim.Adam(params, lr=1e-4)
                for x in loader:
                    opt.zero_grad()
                    model(x).mean().backward()
                    opt.step()
        """,
        # rebuilt only at a milestone
        """
        import torch

        def fit(model, loader, opt):
            for i, x in enumerate(loader):
                if i == 1000:
                    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
                opt.zero_grad()
                model(x).mean().backward()
                opt.step()
        """,
        # a new model per trial needs a new optimiser
        """
        import torch

        def search(configs, x):
            for cfg in configs:
                net = build(cfg)
                opt = torch.optim.Adam(net.parameters())
                opt.zero_grad()
                net(x).mean().backward()
                opt.step()
        """,
        # warm restarts: a new optimiser per cycle of epochs, on purpose
        """
        import torch

        def fit(model, loader, cycles=3, epochs=10):
            for cycle in range(cycles):
                opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
                for epoch in range(epochs):
                    for x in loader:
                        opt.zero_grad()
                        model(x).mean().backward()
                        opt.step()
        """,
        # rebuilt only when the backbone is unfrozen, at one epoch
        """
        import torch

        def fit(model, loader, epochs=20, unfreeze_at=5):
            opt = torch.optim.Adam(model.head.parameters(), lr=1e-3)
            for epoch in range(epochs):
                if epoch == unfreeze_at:
                    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
                for x in loader:
                    opt.zero_grad()
                    model(x).mean().backward()
                    opt.step()
        """,
        # a loop named like epochs over something else than ``range`` (a local
        # ``range`` that yields stages)
        """
        import torch

        def range(n):
            return [torch.nn.Linear(4, 4) for _ in builtins_range(n)]

        def fit(loader):
            for block in range(3):
                opt = torch.optim.Adam(block.parameters())
                for x in loader:
                    opt.zero_grad()
                    block(x).mean().backward()
                    opt.step()
        """,
        # one stage per epoch range, each with its own parameters
        """
        import torch

        def fit(model, loader, groups):
            for stage in range(len(groups)):
                params = groups[stage]
                opt = torch.optim.Adam(params, lr=1e-4)
                for x in loader:
                    opt.zero_grad()
                    model(x).mean().backward()
                    opt.step()
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        for loop in index.loops:
            # an epoch loop running the batch loop itself, or through a
            # same-file method (``self.all_batches(self.train_dl)``)
            through = not loop.is_iteration and not index.is_epoch_loop(loop)
            if through and (loop.children or not index.counts_passes(loop)):
                continue  # an outer loop over cycles or stages of epoch loops
            # stepped in two loops of another module's ``fit``: this loop counts runs
            steps = [s for s in loop.of("step") if not s.event.deep]
            stepped = {s.event.receiver for s in steps}
            if not stepped and not through:
                continue
            for call, ctor, params in optimizers_built_per_pass(model, loop):
                info = _stateful(model, ctor)
                if info is None:
                    continue
                parent = model.parent(call)
                target = (
                    dotted_text(parent.targets[0].target)
                    if isinstance(parent, cst.Assign) and len(parent.targets) == 1
                    else None
                )
                if target is None and not isinstance(parent, cst.Arg):
                    continue  # (an argument: ``train(model, opt=Adam(...))``)
                if not (
                    stepped_by_callee(index, loop, call, target)
                    if through or target is None
                    else target in stepped
                ):
                    continue
                counters = _targets_of(loop.node)
                milestones = frozenset(counters) if index.counts_passes(loop) else frozenset()
                if params is not None:
                    params = group_tensors(model, params, loop.node.body)
                if params is not None and reads_renewed(
                    model, params, loop.node.body, counters=milestones
                ):
                    continue  # a model built in this iteration (``self.model = Net()``)
                roots = _names_in(params) if params is not None else set()
                if loop.is_iteration and roots & counters:
                    continue  # ``for model in models``: one optimiser per model trained
                if not loop.is_iteration and roots & counters:
                    # one optimiser per stage (``for params in stages``), unless
                    # the epoch counter only decides a milestone
                    # (``param_groups(model, epoch)``, a group added ``if epoch >= k``)
                    assert params is not None
                    if not (
                        index.counts_passes(loop)
                        and changes_only_at_milestones(model, params, counters)
                    ):
                        continue
                # stepped in the batch loop of another module's ``train_one_epoch``
                inner = any(s.event.inner for s in steps if s.event.receiver == target)
                every = "iteration" if loop.is_iteration and not inner else "epoch"
                if model.enclosing(
                    call, cst.If, cst.For, cst.While
                ) is not loop.node and not in_a_fixed_arm(model, loop, call):
                    every = f"rebuild (every few {every}s)"
                via = "" if call is ctor else f" (by `{model.code(call.func)}()`)"
                related = () if call is ctor else (RelatedNode("the constructor", ctor),)
                yield Finding(
                    call,
                    f"{info.name} optimizer constructed{via} inside the training loop: its "
                    f"state (momentum, Adam moments) is reset at every {every}; construct "
                    "it once before the loop (and change its learning rate with a scheduler)",
                    related=related,
                )
        yield from _built_per_epoch_call(model)


def _built_per_epoch_call(model: SemanticModel) -> Iterator[Finding]:
    """An optimiser built by a function that an epoch loop calls on every pass
    (``for epoch in range(n): train_model(model, it)``): reported at the
    constructor, once, naming the call."""
    reported: set[cst.Call] = set()
    for build in optimizers_built_per_epoch_call(model):
        info = _stateful(model, build.ctor)
        if info is None or build.ctor in reported:
            continue
        reported.add(build.ctor)
        yield Finding(
            build.ctor,
            f"{info.name} optimizer constructed in `{model.code(build.call.func)}()`, which the "
            f"epoch loop calls on every pass: its state (momentum, Adam moments) is reset at "
            "every epoch; construct it once before the loop and pass it in",
            related=(RelatedNode("the call in the epoch loop", build.call),),
        )
    for ctor, func, caller in optimizers_built_per_caller_epoch(model):
        info = _stateful(model, ctor)
        if info is None or ctor in reported:
            continue
        reported.add(ctor)
        yield Finding(
            ctor,
            f"{info.name} optimizer constructed in `{func.name.value}()`, which the epoch loop "
            f"at {caller} calls on every pass: its state (momentum, Adam moments) is reset at "
            "every epoch; construct it once before the loop and pass it in",
        )


def _stateful(model: SemanticModel, ctor: cst.Call) -> OptimizerCtor | None:
    """The torch optimiser ``ctor`` builds, when it keeps state (not plain SGD)."""
    info = loops(model).optimizer_info(ctor)
    if info is None or info.framework != "torch":
        return None
    if info.name == "SGD":
        momentum = argument(ctor, 2, "momentum")
        if momentum is None or literal_value(momentum) in (0, 0.0):
            return None
    return info


def _targets_of(node: cst.CSTNode) -> set[str]:
    return _names_in(node.target) if isinstance(node, cst.For) else set()


def _names_in(node: cst.CSTNode) -> set[str]:
    return {name.value for name in descendants(node) if isinstance(name, cst.Name)}
