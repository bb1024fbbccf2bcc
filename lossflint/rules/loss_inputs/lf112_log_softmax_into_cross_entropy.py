"""LF112 log-softmax-into-cross-entropy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.kinds import activation_dim, activation_operand
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import LossInputRule, inputs_of_kind, loss_label

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class LogSoftmaxIntoCrossEntropy(LossInputRule):
    code = "LF112"
    name = "log-softmax-into-cross-entropy"
    severity = Severity.INFO
    summary = "cross_entropy on log_softmax output: redundant"
    fix_kind = "safe"
    needs = ("cross_entropy", "CrossEntropyLoss", "softmax_cross_entropy")
    what = """
Flags `nn.CrossEntropyLoss` / `F.cross_entropy` whose input is `log_softmax`
output.
"""
    why = """
`cross_entropy` is `nll_loss(log_softmax(x))`; `log_softmax` is idempotent, so
applying it first computes the same loss with one more pass over the logits.
Use `nll_loss` on the log-probabilities or pass the logits.
"""
    example = """
    import torch.nn.functional as F

    loss = F.cross_entropy(F.log_softmax(z, dim=1), y)   # error: LF112
    loss = F.cross_entropy(z, y)
    """
    use_instead = """
    import torch.nn.functional as F

    loss = F.cross_entropy(z, y)
    """
    references = (
        (
            "PyTorch: torch.nn.functional.cross_entropy",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html",
        ),
        (
            "PyTorch: torch.nn.functional.log_softmax",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html",
        ),
    )
    fix_safety = """
Safe when the inline `log_softmax` is taken over `dim=1` (the class axis
cross_entropy uses): the fix passes its argument directly, which gives the same
loss. With `dim=-1` the fix is marked unsafe (equal only for 2-D inputs).
"""
    INVALID = [
        # the epoch loop rebinds ``model = train(model, ...)``, a helper that
        # calls its model and hands it back (saliency_guided_training, s236)
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)

                def forward(self, x):
                    return F.log_softmax(self.fc(x), dim=1)

            def train(model, loader, optimizer, criterion):
                model.train()
                for data, target in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(data), target)  # error: LF112 at `criterion(`
                    loss.backward()
                    optimizer.step()
                return model

            model = Net()
            optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
            criterion = nn.CrossEntropyLoss()
            for epoch in range(3):
                model = train(model, loader, optimizer, criterion)
            """
        ),
        # per-step log-probabilities collected in ``list()`` and stacked
        # (kospeech's LAS decoder, audit R50)
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Decoder(nn.Module):
                def __init__(self, hidden, num_classes):
                    super().__init__()
                    self.fc = nn.Linear(hidden, num_classes)

                def forward(self, x):
                    outs = list()
                    for t in range(x.size(1)):
                        outs.append(self.fc(x[:, t]).log_softmax(dim=-1))
                    return torch.stack(outs, dim=1)

            model = Decoder(32, 10)
            criterion = nn.CrossEntropyLoss()
            outputs = model(x)
            loss = criterion(outputs.view(-1, outputs.size(-1)), targets.view(-1))  # error: LF112
            """
        ),
        # each decoder step's log-probabilities collected, joined and viewed
        # back as rows (DSKSD/DeepNLP-models-Pytorch, audit R39)
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class Decoder(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.cell = nn.GRUCell(16, 16)
                    self.fc = nn.Linear(16, 10)

                def forward(self, h, steps):
                    decodes = []
                    for _ in range(steps):
                        h = self.cell(h, h)
                        decodes.append(F.log_softmax(self.fc(h), 1))
                    return torch.cat(decodes, 1).view(h.size(0) * steps, -1)

            preds = Decoder()(h0, 3)
            loss = nn.CrossEntropyLoss(ignore_index=0)(preds, targets.view(-1))  # error: LF112
            """
        ),
        Invalid(
            """
            import torch.nn.functional as F
            loss = F.cross_entropy(F.log_softmax(z, dim=1), y)  # error: LF112 at `F.cross_entropy(`
            """,
            fixed="""
            import torch.nn.functional as F
            loss = F.cross_entropy(z, y)  # error: LF112 at `F.cross_entropy(`
            """,
        ),
        Invalid(
            """
            import torch.nn as nn
            net = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))
            loss = nn.CrossEntropyLoss()(net(x), y)  # error: LF112 at `nn.CrossEntropyLoss(`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            def f(z, y):
                lp = torch.log_softmax(z, -1)
                return F.cross_entropy(lp, y)  # error: LF112 at `F.cross_entropy(`
            """
        ),
    ]
    VALID = [
        # a notebook's train() of an early cell reads the model of that cell,
        # not the one a later cell rebinds (Tutorial9 of AntonioLonga's GNN
        # course, audit R62)
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class A(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(4, 3)

            def forward(self, x):
                return self.lin(x)

        class B(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(4, 3)

            def forward(self, x):
                return F.log_softmax(self.lin(x), dim=-1)

        model = A()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
        loss_fn = nn.CrossEntropyLoss()

        def train():
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()

        for epoch in range(5):
            train()

        model = B()
        log_probs = model(x)
        """,
        """
        import torch.nn.functional as F
        loss = F.nll_loss(F.log_softmax(z, dim=1), y)
        """,
        """
        import torch.nn.functional as F
        loss = F.cross_entropy(z, y)
        """,
        """
        import torch.nn.functional as F
        lp = F.log_softmax(z, 1)
        lp = lp * mask
        loss = F.cross_entropy(lp, y)
        """,
        """
        import torch.nn.functional as F
        def log_softmax(a, dim):
            return a
        loss = F.cross_entropy(log_softmax(z, 1), y)
        """,
        """
        import torch.nn.functional as F
        loss = F.cross_entropy(z, F.log_softmax(t, 1).exp())
        """,
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in inputs_of_kind(
            model,
            (
                apis.CROSS_ENTROPY,
                *apis.TF_SOFTMAX_CE,
            ),
            (Kind.LOG_PROBS,),
        ):
            fix = None
            if (
                value.origin is expr
                and isinstance(expr, cst.Call)
                and loss.functional == apis.CROSS_ENTROPY
            ):
                operand = activation_operand(model, expr)
                dim = activation_dim(model, expr)
                if operand is not None and dim in (1, -1):
                    fix = FixSpec(
                        Applicability.SAFE if dim == 1 else Applicability.UNSAFE,
                        "pass the logits directly",
                        (NodeEdit(expr, operand),),
                    )
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{loss_label(model, loss)} on log_softmax output is redundant",
                "use nll_loss, or pass the logits",
                fix=fix,
            )
