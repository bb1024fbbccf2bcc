"""LF102 nll-loss-without-log-softmax."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.untrained_losses import per_sample_values_only
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import LossInputRule, inputs_of_kind, loss_label
from lossflint.rules.loss_inputs.fixes import rename_call
from lossflint.rules.loss_inputs.lf102_masked_examples import MASKED_INVALID, MASKED_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class NllLossWithoutLogSoftmax(LossInputRule):
    code = "LF102"
    name = "nll-loss-without-log-softmax"
    severity = Severity.ERROR
    summary = "NLLLoss / F.nll_loss gets probabilities or raw logits, not log-probabilities"
    fix_kind = "unsafe"
    needs = ("nll_loss", "NLLLoss")
    what = """
Flags `nn.NLLLoss` / `F.nll_loss` whose input holds softmax/sigmoid output or raw
logits (a `Linear` layer's output) instead of `log_softmax` output.
"""
    why = """
`nll_loss` only picks `-input[target]`: it expects log-probabilities. On
probabilities the loss is `-p`, bounded in [-1, 0], and minimising it does not
maximise the likelihood; on logits it is unbounded below and diverges.
"""
    example = """
    import torch.nn.functional as F

    probs = F.softmax(model(x), dim=1)
    loss = F.nll_loss(probs, y)                           # error: LF102
    loss = F.nll_loss(F.log_softmax(model(x), dim=1), y)  # right
    """
    use_instead = """
    import torch.nn.functional as F

    loss = F.nll_loss(F.log_softmax(model(x), dim=1), y)
    loss = F.cross_entropy(model(x), y)  # the same, in one call
    """
    references = (
        (
            "PyTorch: torch.nn.functional.nll_loss",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.nll_loss.html",
        ),
        (
            "PyTorch: torch.nn.NLLLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html",
        ),
    )
    fix_safety = """
Unsafe: for an inline `softmax(...)` input the fix turns it into
`log_softmax(...)` (same `dim`), which changes the loss value because the
original was wrong.
"""
    INVALID = [
        *MASKED_INVALID,
        # a PyG GCN ends in a message-passing layer: scores, not log-probabilities
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F
            from torch_geometric.nn import GCNConv

            class GCN(nn.Module):
                def __init__(self, in_dim, hidden, n_classes):
                    super().__init__()
                    self.conv1 = GCNConv(in_dim, hidden)
                    self.conv2 = GCNConv(hidden, n_classes)

                def forward(self, x, edge_index):
                    return self.conv2(F.relu(self.conv1(x, edge_index)), edge_index)

            model = GCN(16, 32, 7)
            out = model(data.x, data.edge_index)
            loss = F.nll_loss(out[data.train_mask], data.y[data.train_mask])  # error: LF102
            """
        ),
        Invalid(
            """
            import torch.nn.functional as F
            loss = F.nll_loss(F.softmax(z, dim=1), y)  # error: LF102 at `F.nll_loss(`
            """,
            fixed="""
            import torch.nn.functional as F
            loss = F.nll_loss(F.log_softmax(z, dim=1), y)  # error: LF102 at `F.nll_loss(`
            """,
        ),
        Invalid(
            """
            import torch.nn as nn
            fc = nn.Linear(16, 4)
            crit = nn.NLLLoss()
            def step(x, y):
                return crit(fc(x), y)  # error: LF102 at `crit(`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            class M(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(3, 3), nn.Softmax(dim=1))
                    self.loss = nn.NLLLoss()
                def forward(self, x, y):
                    return self.loss(self.net(x), y)  # error: LF102 at `self.loss(`
            """
        ),
        # the loss object handed to a setter, the model called by its dunder
        # (audit R28: a text-classification collection's eight models)
        Invalid(
            """
            import torch
            from torch import nn

            class TextCNN(nn.Module):
                def __init__(self):
                    super(TextCNN, self).__init__()
                    self.fc = nn.Linear(300, 4)
                    self.softmax = nn.Softmax(dim=1)

                def forward(self, x):
                    return self.softmax(self.fc(x))

                def add_loss_op(self, loss_op):
                    self.loss_op = loss_op

                def run_epoch(self, batches, optimizer):
                    for x, y in batches:
                        optimizer.zero_grad()
                        y_pred = self.__call__(x)
                        loss = self.loss_op(y_pred, y)  # error: LF102 at `self.loss_op(`
                        loss.backward()
                        optimizer.step()

            model = TextCNN()
            model.add_loss_op(nn.NLLLoss())
            model.run_epoch(batches, torch.optim.SGD(model.parameters(), lr=0.1))
            """
        ),
    ]
    VALID = [
        *MASKED_VALID,
        # ... the setter given a loss that takes probabilities' logs itself:
        # which one runs is not known
        """
        import torch
        from torch import nn

        class TextCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(300, 4)

            def forward(self, x):
                return torch.log_softmax(self.fc(x), dim=1)

            def add_loss_op(self, loss_op):
                self.loss_op = loss_op

            def run_epoch(self, batches):
                for x, y in batches:
                    loss = self.loss_op(self.__call__(x), y)
                    loss.backward()

        model = TextCNN()
        model.add_loss_op(nn.NLLLoss())
        model.add_loss_op(lambda p, y: nn.functional.nll_loss(p, y))
        """,
        # log_softmax written by hand: logits minus their logsumexp
        """
        import torch.nn as nn
        import torch.nn.functional as F

        head = nn.Linear(64, 10)
        z = head(h) / temperature
        log_probs = z - z.logsumexp(dim=1, keepdim=True)
        loss = F.nll_loss(log_probs, y)
        """,
        # ... and its twin that ends in log_softmax
        """
        import torch.nn as nn
        import torch.nn.functional as F
        from torch_geometric.nn import SAGEConv

        class SAGE(nn.Module):
            def __init__(self, in_dim, n_classes):
                super().__init__()
                self.conv = SAGEConv(in_dim, n_classes)

            def forward(self, x, edge_index):
                return F.log_softmax(self.conv(x, edge_index), dim=-1)

        out = SAGE(16, 7)(data.x, data.edge_index)
        loss = F.nll_loss(out[data.train_mask], data.y[data.train_mask])
        """,
        """
        import torch.nn.functional as F
        loss = F.nll_loss(F.log_softmax(z, dim=1), y)
        """,
        """
        import torch.nn as nn
        net = nn.Sequential(nn.Linear(3, 3), nn.LogSoftmax(dim=1))
        loss = nn.NLLLoss()(net(x), y)
        """,
        """
        import torch
        import torch.nn.functional as F
        lp = torch.log(p.clamp_min(1e-8))
        loss = F.nll_loss(lp, y)
        """,
        """
        import torch.nn.functional as F
        def nll_loss(a, b):
            return a
        loss = nll_loss(F.softmax(z, 1), y)
        """,
        """
        import torch.nn.functional as F
        loss = F.nll_loss(model(x), y)
        """,
        """
        import torch.nn.functional as F
        lp = F.log_softmax(z, -1)
        loss = F.nll_loss(lp.view(-1, 10), y.view(-1))
        """,
        # an old path switched off by ``if True:`` never runs (spro/practical-pytorch's
        # batched seq2seq kept its teacher-forcing branch this way)
        """
        import torch.nn as nn
        import torch.nn.functional as F
        decoder = nn.Linear(8, 5)
        criterion = nn.NLLLoss()
        def train(x, target, teacher):
            if True:
                loss = F.cross_entropy(decoder(x), target)
            elif teacher:
                loss = criterion(decoder(x), target)
            if False:
                loss = criterion(decoder(x), target)
            return loss
        """,
    ]

    # a zeroth-order attack picks each sample's probability and never trains on
    # it (Hadisalman/smoothing-adversarial, audit s153); a loss helper returning
    # the per-sample losses is trained on
    VALID.append(
        """
        import torch
        import torch.nn.functional as F

        def estimate(model, inputs, labels, noise, lr=0.1):
            delta = torch.zeros_like(inputs)
            for _ in range(10):
                softmax = F.softmax(model(inputs + delta + noise), dim=1)
                grad = F.nll_loss(softmax, labels, reduction="none").view(-1, 1) * noise
                delta = delta + lr * grad
            return inputs + delta
        """
    )
    INVALID.append(
        Invalid(
            """
            import torch.nn.functional as F

            def per_sample(model, x, y):
                probs = F.softmax(model(x), dim=1)
                losses = F.nll_loss(probs, y, reduction="none")  # error: LF102
                return losses
            """
        )
    )

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        wrong = (Kind.PROBS, Kind.SIGMOID_PROBS, Kind.LOGITS)
        for loss, expr, value in inputs_of_kind(model, (apis.NLL,), wrong):
            if per_sample_values_only(model, loss.node, loss.keywords.get("reduction")):
                continue  # ``-p[y]`` picked per sample, never trained on
            label = {
                Kind.PROBS: "softmax probabilities",
                Kind.SIGMOID_PROBS: "sigmoid probabilities",
                Kind.LOGITS: "raw logits",
            }[value.kind]
            fix = None
            if value.origin is expr and isinstance(expr, cst.Call) and value.kind is Kind.PROBS:
                renamed = rename_call(expr, "softmax", "log_softmax")
                if renamed is not None:
                    fix = FixSpec(
                        Applicability.UNSAFE, "use log_softmax", (NodeEdit(expr, renamed),)
                    )
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{loss_label(model, loss)} gets {label}, not log-probabilities",
                "apply log_softmax(..., dim=1) or use cross_entropy on the logits",
                fix=fix,
            )
