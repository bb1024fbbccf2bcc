"""LF309 eval-mode-not-reset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import train_mode
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.common import eval_elsewhere, evals_left_by_callers_findings
from lossflint.rules.training_loop.lf309_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.training_loop.lf309_flag_examples import FLAG_INVALID, FLAG_VALID
from lossflint.rules.training_loop.lf309_flow_examples import FLOW_INVALID, FLOW_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class EvalModeNotReset(Rule):
    code = "LF309"
    name = "eval-mode-not-reset"
    severity = Severity.ERROR
    summary = "`model.eval()` in the epoch loop and no `model.train()` in that loop"
    needs = ("eval",)
    what = """
Flags `model.eval()` inside an epoch loop (a loop whose body contains the training
iteration, directly or in a nested loop) when nothing in that loop's body (or in a
same-file function it calls) calls `.train()`. Only the trained model counts: one
whose parameters go to an optimiser, that is put in train mode elsewhere, or that
is called with gradients on in the loop (a frozen teacher's `eval()` is fine).
`.train()` counts through methods that return the module (`model.to(device).train()`).
An `eval()` inside a same-file helper the loop calls (`validate(model)`,
`self.evaluate()`) is reported at that `eval()`. The iteration may also run in a
same-file function training one epoch that a `range`/`while` loop calls
(`for epoch in range(n): train_one_epoch(model, ...)`): the model must then be one
that function trains, the same on every pass. An `eval()` after a loop's last step
(`if i == len(loader) - 1:` on that loop's counter, or then `break`) is the enclosing
loop's: silent when it calls `.train()` before its next step. An unconditional `eval()`
right before the epoch's training (nothing between names the model) trains every
epoch in eval mode on purpose (a head over a frozen batch-norm backbone): silent."""
    why = """
`eval()` switches dropout off and makes batch-norm use its running statistics. If
the loop never switches back, every epoch after the first validation trains in eval
mode: no dropout regularisation, frozen batch-norm statistics, and a model that
behaves differently from what the first epoch trained.
"""
    example = """
    import torch


    def fit(model, train_loader, val_loader, optimizer, criterion, epochs):
        for epoch in range(epochs):
            for x, y in train_loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
            model.eval()  # error: LF309 (later epochs train in eval mode)
            with torch.no_grad():
                val = [model(x) for x, _ in val_loader]


    def fit_fixed(model, train_loader, val_loader, optimizer, criterion, epochs):
        for epoch in range(epochs):
            model.train()  # the fix: at the top of every epoch
            for x, y in train_loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
            model.eval()  # OK
            with torch.no_grad():
                val = [model(x) for x, _ in val_loader]
    """
    use_instead = """
    import torch


    def fit(model, train_loader, val_loader, optimizer, criterion, epochs):
        for epoch in range(epochs):
            model.train()
            for x, y in train_loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                val = [model(x) for x, _ in val_loader]
    """
    references = (
        (
            "PyTorch: Module.train",
            "https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train",
        ),
        (
            "PyTorch: Module.eval",
            "https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval",
        ),
    )
    INVALID = [
        *FLAG_INVALID,
        *FLOW_INVALID,
        Invalid(
            """
            import torch

            def fit(model, loaders, optimizer, criterion):
                model.train()
                for epoch in range(10):
                    for x, y in loaders['train']:
                        optimizer.zero_grad()
                        criterion(model(x), y).backward()
                        optimizer.step()
                    model.eval()  # error: LF309 at `model.eval(`
                    with torch.no_grad():
                        for x, y in loaders['val']:
                            model(x)
            """,
        ),
        Invalid(
            """
            import torch

            class Trainer:
                def __init__(self, net):
                    self.net = net
                    self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)

                def fit(self, loader, epochs):
                    for epoch in range(epochs):
                        for x in loader:
                            self.opt.zero_grad()
                            self.net(x).mean().backward()
                            self.opt.step()
                        self.net.eval()  # error: LF309 at `self.net.eval(`
                        self.validate()
            """,
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(20):
                for x, y in data:
                    opt.zero_grad()
                    ((model(x) - y) ** 2).mean().backward()
                    opt.step()
                if epoch % 5 == 0:
                    model.eval()  # error: LF309 at `model.eval(`
                    print(model(val_x))
            """,
        ),
        Invalid(
            """
            import torch

            def validate(net, loader):
                net.eval()  # error: LF309 at `net.eval(`
                with torch.no_grad():
                    return [net(x) for x in loader]

            def fit(model, train_loader, val_loader, optimizer):
                model.train()
                for epoch in range(10):
                    for x in train_loader:
                        optimizer.zero_grad()
                        model(x).mean().backward()
                        optimizer.step()
                    validate(model, val_loader)
            """,
        ),
        Invalid(
            """
            import torch

            class Trainer:
                def __init__(self, model):
                    self.model = model
                    self.opt = torch.optim.Adam(model.parameters())

                def evaluate(self):
                    self.model.eval()  # error: LF309 at `self.model.eval(`

                def fit(self, loader):
                    self.model.train()
                    for epoch in range(5):
                        for x in loader:
                            self.opt.zero_grad()
                            self.model(x).mean().backward()
                            self.opt.step()
                        self.evaluate()
            """,
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        *FLAG_VALID,
        *FLOW_VALID,
        # nothing in the model changes in eval mode (no dropout, no batch norm)
        """
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(10):
            for x, y in loader:
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
            model.eval()
        """,
        # train() through a method chain: `.to(device)` returns the module
        # (pytorch/examples fast_neural_style)
        """
        import torch
        import torch.nn as nn

        device = torch.device("cpu")
        transformer = nn.Sequential(nn.Conv2d(3, 8, 3), nn.InstanceNorm2d(8), nn.Dropout(0.1))
        optimizer = torch.optim.Adam(transformer.parameters(), lr=1e-3)
        for epoch in range(2):
            transformer.train()
            for batch_id in range(100):
                x = torch.randn(4, 3, 32, 32)
                optimizer.zero_grad()
                loss = transformer(x).pow(2).mean()
                loss.backward()
                optimizer.step()
                if (batch_id + 1) % 50 == 0:
                    transformer.eval().cpu()
                    torch.save(transformer.state_dict(), "ckpt.pth")
                    transformer.to(device).train()
        """,
        # model.train() at the top of each epoch
        """
        import torch

        def fit(model, loaders, optimizer, criterion):
            for epoch in range(10):
                model.train()
                for x, y in loaders['train']:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
                model.eval()
                validate(model)
        """,
        # model.train() after validation
        """
        import torch

        def fit(model, loader, optimizer):
            for epoch in range(10):
                for x in loader:
                    optimizer.zero_grad()
                    model(x).mean().backward()
                    optimizer.step()
                model.eval()
                validate(model)
                model.train()
        """,
        # a frozen teacher stays in eval mode
        """
        import torch

        def distill(student, teacher, loader, optimizer):
            student.train()
            for x in loader:
                teacher.eval()
                with torch.no_grad():
                    t = teacher(x)
                optimizer.zero_grad()
                (student(x) - t).pow(2).mean().backward()
                optimizer.step()
        """,
        # a frozen model called with gradients on (its output feeds the loss)
        """
        import torch

        def fit(model, encoder, loader, optimizer):
            encoder.requires_grad_(False)
            model.train()
            for x in loader:
                encoder.eval()
                optimizer.zero_grad()
                model(encoder(x)).mean().backward()
                optimizer.step()
        """,
        # eval after the training loop
        """
        import torch

        def fit(model, loader, optimizer):
            model.train()
            for epoch in range(10):
                for x in loader:
                    optimizer.zero_grad()
                    model(x).mean().backward()
                    optimizer.step()
            model.eval()
        """,
        # train mode restored by a helper the loop calls
        """
        import torch

        def train_mode(model):
            model.train()

        def fit(model, loader, optimizer):
            for epoch in range(10):
                train_mode(model)
                for x in loader:
                    optimizer.zero_grad()
                    model(x).mean().backward()
                    optimizer.step()
                model.eval()
        """,
        # validation-only loop: no training in it
        """
        import torch

        def evaluate(model, loaders):
            for loader in loaders:
                model.eval()
                for x in loader:
                    model(x)
        """,
        # the validation helper restores train mode itself
        """
        import torch

        def validate(net, loader):
            net.eval()
            out = [net(x) for x in loader]
            net.train()
            return out

        def fit(model, loader, optimizer):
            for epoch in range(3):
                for x in loader:
                    optimizer.zero_grad()
                    model(x).mean().backward()
                    optimizer.step()
                validate(model, loader)
        """,
        # the helper evaluates another model
        """
        import torch

        def validate(net):
            net.eval()

        def fit(model, ema_model, loader, optimizer):
            model.train()
            for epoch in range(3):
                for x in loader:
                    optimizer.zero_grad()
                    model(x).mean().backward()
                    optimizer.step()
                validate(ema_model)
        """,
        *AUDIT_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        yield from evals_left_by_callers_findings(model)
        for left in train_mode.evals_left_on(model):
            receiver, call = left.receiver, left.through
            if call is None and (far := eval_elsewhere(model, left.node, receiver)):
                yield far
                continue
            runs = left.trains  # the loop trains through a same-file function
            where = f" (trained by `{model.code(runs.func)}()`)" if runs is not None else ""
            trained = (RelatedNode("the training call", runs),) if runs is not None else ()
            # in the batch loop itself, the batches after the evaluation train
            # in eval mode whatever heads the epoch: the fix follows the call
            loop_name, later, fix = (
                ("training loop", "the batches after it", "right after the evaluation")
                if left.per_batch
                else ("epoch loop", "later epochs", "at the top of each epoch")
            )
            if call is None:
                yield Finding(
                    left.node,
                    f"`{receiver}.eval()` inside the {loop_name}{where} and no "
                    f"`{receiver}.train()` in that loop: after the first evaluation "
                    f"{later} train in eval mode (no dropout, frozen batch-norm); call "
                    f"`{receiver}.train()` {fix}",
                    related=trained,
                )
                continue
            yield Finding(
                left.node,
                f"`{model.code(call.func)}()` puts `{receiver}` in eval mode inside the "
                f"{loop_name} (called at line {model.line_of(call)}) and nothing in that loop calls "
                f"`{receiver}.train()`: {later} train in eval mode (no dropout, "
                f"frozen batch-norm); call `{receiver}.train()` {fix}",
                related=(RelatedNode(f"the call in the {loop_name}", call), *trained),
            )
