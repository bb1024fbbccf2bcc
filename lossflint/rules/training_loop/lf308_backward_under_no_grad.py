"""LF308 backward-under-no-grad."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.contexts import contexts
from lossflint.analysis.loops import loops
from lossflint.analysis.reaching import reaching_assignment
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule

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
    import torch


    def train_step(model, x, y, criterion, optimizer):
        with torch.no_grad():
            loss = criterion(model(x), y)
            loss.backward()  # error: LF308 (raises: the loss has no grad_fn)
        optimizer.step()


    def train_step_fixed(model, x, y, criterion, optimizer):
        loss = criterion(model(x), y)
        loss.backward()  # OK
        optimizer.step()
    """
    use_instead = """
    def train_step(model, x, y, criterion, optimizer):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    """
    references = (
        ("PyTorch: torch.no_grad", "https://pytorch.org/docs/stable/generated/torch.no_grad.html"),
        (
            "PyTorch: torch.Tensor.backward",
            "https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html",
        ),
    )
    INVALID = [
        # the evaluation block reuses the training loop's name `loss` (H11 p09):
        # the binding just above the backward is the one computed here
        Invalid(
            """
            import torch
            for epoch in range(3):
                opt.zero_grad()
                loss = crit(model(x), y)
                loss.backward()
                opt.step()
            with torch.no_grad():
                for i in range(3):
                    opt.zero_grad()
                    loss = crit(model(x), y)
                    loss.backward()  # error: LF308 at `loss.backward()`
                    opt.step()
            """
        ),
        Invalid(
            """
            import torch

            def train(model, loader, optimizer, criterion):
                for x, y in loader:
                    with torch.no_grad():
                        loss = criterion(model(x), y)
                        loss.backward()  # error: LF308 at `loss.backward(`
                    optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch

            class Trainer:
                @torch.no_grad()
                def step(self, x):
                    loss = self.model(x).mean()
                    loss.backward()  # error: LF308 at `loss.backward(`
                    self.optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Linear(2, 1)
            with torch.inference_mode():
                for x, y in data:
                    torch.nn.functional.mse_loss(model(x), y).backward()  # error: LF308 at `torch.nn.functional.mse_loss(`
            """,
        ),
    ]
    VALID = [
        # a custom autograd function whose backward calls an extension's
        # ``backward`` (peft's FastBlockDiag, harness R44)
        """
        import torch
        from torch.autograd import Function

        class FastBlockDiag(Function):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return get_cuda_ext().forward(input)[0]

            @staticmethod
            def backward(ctx, grad_output):
                (input,) = ctx.saved_tensors
                return get_cuda_ext().backward(grad_output, input)[0]
        """,
        # the loss computed outside the block (the binding above it is in a
        # branch: which one reaches the backward is not certain)
        """
        import torch
        loss = crit(model(x), y)
        with torch.no_grad():
            if warmup:
                loss = crit(model(x), y)
            loss.backward()
        """,
        """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    acc = (model(x).argmax(1) == y).float().mean()
        """,
        # enable_grad re-enables gradients (adversarial examples inside evaluation)
        """
        import torch

        @torch.no_grad()
        def attack(model, x, y, loss_fn):
            x = x.clone().requires_grad_(True)
            with torch.enable_grad():
                loss = loss_fn(model(x), y)
                loss.backward()
            return x.grad
        """,
        # the graph was built outside: backward under no_grad still works
        """
        import torch

        def step(model, x, y, loss_fn):
            loss = loss_fn(model(x), y)
            with torch.no_grad():
                loss.backward()
        """,
        # set_grad_enabled(True)
        """
        import torch

        def run(model, x, train):
            with torch.set_grad_enabled(True):
                loss = model(x).mean()
                loss.backward()
        """,
        # a user context manager with the same name
        """
        import contextlib

        @contextlib.contextmanager
        def no_grad():
            yield

        with no_grad():
            loss = f(x)
            loss.backward()
        """,
        # a function defined under no_grad runs later, in its caller's mode
        """
        import torch

        with torch.no_grad():
            def train_step(model, x):
                loss = model(x).mean()
                loss.backward()
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        for event in loops(model).events:
            if event.kind != "backward" or not ctx.in_no_grad(event.node):
                continue
            region = ctx.grad_region(event.node)
            loss = event.loss
            if region is None or loss is None or region in ctx.autograd_methods:
                continue  # a custom autograd function's backward computes gradients by hand
            if isinstance(loss, cst.Name):
                reaching = reaching_assignment(model, loss)
                if reaching is not None:
                    # the binding just above (a loop of the evaluation block
                    # reusing the training loop's name)
                    values: list[cst.CSTNode | None] = [reaching]
                else:
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
