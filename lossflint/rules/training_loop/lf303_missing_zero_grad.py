"""LF303 missing-zero-grad."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis.engines import uncleared_engine_steps
from lossflint.analysis.loops import loops
from lossflint.analysis.optimizer_params import (
    fresh_model_helper,
    optimizer_models,
    rebuilt_over_kept_models,
    uncleared_step,
)
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.common import (
    elsewhere,
    iterations,
    related_elsewhere,
    short,
    whole_iteration_calls,
    written,
)
from lossflint.rules.training_loop.lf303_audit_examples import AUDIT_INVALID, AUDIT_VALID

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
directly, under an `if`, or in a same-file function the loop calls. A hand-written
update (`p.data -= lr * p.grad`) is a step. When the loop runs another module's
step function (`agent.update(x, y)`: a backward and a step) and neither clears, the
finding is at that call and names the step. A loop that clears only some of its
optimisers (`optimizer_E.zero_grad()`, then `optimizer_D.step()` over another
model nothing clears) is reported at the uncleared optimiser's `step()`, when every
clearing in the loop is of a known optimiser or model. An ignite `Engine(update)`'s
process function is a whole iteration: a step in it with nothing in the file that
clears is reported. Silent on an optimiser written as a plain class with its own
`step`, here or in another project module (a NumPy framework built by hand,
whose step may clear).
"""
    why = """
`backward()` adds to `.grad`. Without clearing, the gradient of step *n* is the sum
of all batches so far: updates grow without bound and the loss diverges (or
oscillates) instead of decreasing.
"""
    example = """
    import torch


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()  # error: LF303 (gradients keep accumulating)


    def train_fixed(model, loader, optimizer, criterion):
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()  # OK
            optimizer.zero_grad()  # here or before backward()
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
    )
    INVALID = [
        # a hand-written SGD step (chenyuntc's pytorch-book, MPI chapter)
        Invalid(
            """
            import torch

            for data, target in dataloader:
                loss = loss_fn(model(data), target)
                loss.backward()
                for param in model.parameters():
                    param.data -= lr * param.grad  # error: LF303 at `param.data -=`
            """,
        ),
        Invalid(
            """
            import torch

            def sgd(params, lr):
                for p in params:
                    p.data.add_(p.grad.data, alpha=-lr)  # error: LF303 at `p.data.add_(`

            def train(net, loader, lr):
                for x, y in loader:
                    torch.nn.functional.mse_loss(net(x), y).backward()
                    sgd(net.parameters(), lr)
            """,
        ),
        Invalid(
            """
            import torch

            def train(model, loader, optimizer, criterion):
                for x, y in loader:
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()  # error: LF303 at `optimizer.step(`
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
                        self.optimizer.step()  # error: LF303 at `self.optimizer.step(`
            """,
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Linear(3, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            for epoch in range(10):
                opt.zero_grad()  # once per epoch only
                for x, y in data:
                    torch.nn.functional.mse_loss(model(x), y).backward()
                    opt.step()  # error: LF303 at `opt.step(`
            """,
        ),
        Invalid(
            """
            import torch

            def fit(model, optimizer, stream):
                step = 0
                while step < 1000:
                    x, y = next(stream)
                    loss = (model(x) - y).abs().mean()
                    loss.backward()
                    optimizer.step()  # error: LF303 at `optimizer.step(`
                    step += 1
            """,
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        *AUDIT_VALID,
        # an adversarial input made a fresh leaf every pass: no gradient accumulates
        """
        import torch
        import torch.nn.functional as F

        def pgd(model, x, y, eps, alpha, steps):
            x_adv = x.clone()
            for _ in range(steps):
                x_adv = x_adv.detach().requires_grad_()
                F.cross_entropy(model(x_adv), y).backward()
                x_adv.data += alpha * x_adv.grad.sign()
                x_adv.data = torch.min(torch.max(x_adv.data, x - eps), x + eps)
            return x_adv
        """,
        # a new optimizer over a new tensor every iteration (diffusers pix2pix-zero)
        """
        import torch
        def refine(latents, steps, loss_fn):
            for t in steps:
                x = latents.detach().clone()
                x.requires_grad = True
                opt = torch.optim.SGD([x], lr=0.1)
                loss_fn(x).backward()
                opt.step()
        """,
        # zero_grad at the end of the iteration
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
        """,
        # model.zero_grad() / p.grad = None
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                model.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
        """,
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                for p in model.parameters():
                    p.grad = None
                criterion(model(x), y).backward()
                optimizer.step()
        """,
        # gradient accumulation: zero_grad under the same `if` as step
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for i, (x, y) in enumerate(loader):
                (criterion(model(x), y) / 4).backward()
                if (i + 1) % 4 == 0:
                    optimizer.step()
                    optimizer.zero_grad()
        """,
        # Lightning: automatic optimisation, no loop and no step
        """
        import pytorch_lightning as pl
        import torch.nn.functional as F

        class Net(pl.LightningModule):
            def training_step(self, batch, batch_idx):
                x, y = batch
                return F.cross_entropy(self(x), y)
        """,
        # clearing in a helper method the loop calls
        """
        import torch

        class Trainer:
            def reset(self):
                self.optimizer.zero_grad()

            def fit(self, loader):
                for x in loader:
                    self.reset()
                    self.model(x).mean().backward()
                    self.optimizer.step()
        """,
        # gradients written by hand (autograd.grad / all-reduce) overwrite .grad
        """
        import torch

        def fit(model, loader, optimizer):
            for x in loader:
                model(x).mean().backward()
                for p in model.parameters():
                    p.grad = sync(p.grad)
                optimizer.step()
        """,
        # an RL environment's step is not an optimiser's
        """
        import torch

        def run(env, policy, optimizer):
            for t in range(100):
                obs, r, done, info = env.step(policy.act())
                optimizer.zero_grad()
                policy.loss(r).backward()
                optimizer.step()
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        yield from self._in_loops(model)
        yield from self._step_functions_elsewhere(model)
        yield from self._optimizers_never_cleared(model)
        yield from self._engine_steps(model)

    def _engine_steps(self, model: SemanticModel) -> Iterator[Finding]:
        """An ignite ``Engine(update)``'s process function that steps while
        nothing in the file clears the gradients (``analysis/engines.py``)."""
        for loop, engine in uncleared_engine_steps(model):
            steps = [s for s in loop.of("step") if not s.event.closure]
            if steps:
                yield Finding(
                    written(steps[0]),
                    "ignite runs this process function once per batch and nothing clears "
                    "the gradients: `backward()` adds to `.grad`, so every step uses the "
                    "sum of all batches so far; call `optimizer.zero_grad()` in the function",
                    related=(RelatedNode("the engine", engine),),
                )

    def _optimizers_never_cleared(self, model: SemanticModel) -> Iterator[Finding]:
        """A loop that clears one optimiser's models and steps another's that
        nothing clears (``optimizer_analysis.uncleared_step``)."""
        updates = optimizer_models(model)
        if len(updates) < 2:
            return
        for _index, loop in iterations(model):
            found = uncleared_step(model, loop, updates)
            if found is None:
                continue
            step, models, cleared, clear = found
            receiver = step.event.receiver
            yield Finding(
                written(step),
                f"`{receiver}` steps on gradients nothing in this loop clears: "
                f"`{short(model, clear)}` (line {model.line_of(clear)}) clears "
                f"{', '.join(sorted(cleared))} only, so {', '.join(sorted(models))} "
                "sums the gradients of every batch so far; "
                f"call `{receiver}.zero_grad()` in the loop",
                related=(RelatedNode("the only clearing", clear),),
            )

    def _step_functions_elsewhere(self, model: SemanticModel) -> Iterator[Finding]:
        """A loop that runs another module's step function (``agent.update(x,
        y)``: a backward and a step, no loop of its own) and clears nothing,
        there or here: reported at the call, naming the step (that module's
        lint cannot know no caller clears)."""
        reported: set[int] = set()
        for loop in loops(model).loops:
            if loop.has("zero_grad", via_calls=True) or loop.has("grad_set", via_calls=True):
                continue
            if loop.has("optim_ctor"):
                continue
            steps_elsewhere = whole_iteration_calls(loop, own_loop=False)
            for event in loop.of("step"):
                call = event.node
                if not event.event.far or event.event.inner or event.event.closure:
                    continue
                if id(call) not in steps_elsewhere or id(call) in reported:
                    continue
                far = elsewhere(model, loop, event)
                if far is None:
                    continue
                reported.add(id(call))
                yield Finding(
                    call,
                    f"`{short(model, call)}` runs a training step ({far.describe()}: "
                    "`backward()` then `step()`) and nothing in this loop or that step "
                    "clears the gradients: every step uses the sum of all batches so far; "
                    "call `optimizer.zero_grad()` in the loop or in the step",
                    related=(related_elsewhere("the step", far),),
                )

    def _in_loops(self, model: SemanticModel) -> Iterator[Finding]:
        reported: set[int] = set()
        for _index, loop in iterations(model):
            if loop.has("zero_grad", via_calls=True) or loop.has("grad_set", via_calls=True):
                continue
            if loop.has("optim_ctor") and not rebuilt_over_kept_models(model, loop):
                # a fresh optimizer each iteration over fresh tensors (latent
                # refinement): nothing accumulates; LF311 covers the rest
                continue
            steps = [s for s in loop.of("step") if not s.event.closure]
            if not steps:
                continue
            step = steps[0]
            if fresh_model_helper(model, step.node, loop):
                continue
            at = written(step)
            if id(at) in reported:
                continue
            reported.add(id(at))
            backward = written(loop.of("backward")[0])
            clear = (
                "clear them in the loop (`model.zero_grad()`, or `p.grad = None` after the update)"
                if step.event.manual
                else "call `optimizer.zero_grad()` in the loop"
            )
            yield Finding(
                at,
                "training loop steps without clearing gradients: `backward()` (line "
                f"{model.line_of(backward)}) adds to `.grad`, so every step uses the sum "
                f"of all batches so far; {clear}",
                related=(RelatedNode("the backward", backward),),
            )
