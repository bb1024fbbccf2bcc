"""LF605 softmax-over-batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis.batch_axis import softmax_over_batch
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.data.fixes import dim_fix

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class SoftmaxOverBatch(Rule):
    code = "LF605"
    name = "softmax-over-batch"
    severity = Severity.ERROR
    summary = "softmax/log_softmax over dim 0 (the batch) of a (batch, classes) model output"
    fix_kind = "unsafe"
    needs = ("softmax", "Softmax")
    what = """
Flags PyTorch `softmax`/`log_softmax` (functional, `torch.*`, the tensor method,
or an `nn.Softmax(dim=0)`/`nn.LogSoftmax(dim=0)` module built in the file and
applied only to logits, or ending an `nn.Sequential` right after its `Linear`:
reported at its construction) with `dim=0` on a model's
output (a linear/convolution layer or a model whose
`forward` ends in one) when the code shows the tensor is (batch, classes): the
result is reduced over classes along `dim=1` (`.argmax(1)`, `torch.max(p, 1)`,
`.topk(k, dim=1)`, `.gather(1, actions)`), it feeds a loss computed in a loop over a `DataLoader`'s
batches, or the logits are computed in the same function from a batch-norm layer's
output (`self.fc3(F.relu(self.bn2(self.fc2(x))))`, or an `nn.Sequential` holding one:
its input's axis 0 is the batch), with no `permute`/`transpose` on the way. The
output of a model whose class cannot be read (imported through a `sys.path`
entry, `model.eval()` called on it) counts when the result's own `.argmax(dim=1)`
shows the classes.

Silent on a 1-D vector (one sample's scores, attention weights over positions,
a policy's action scores), where dim 0 is the only axis, and whenever nothing
shows a batch axis.
"""
    why = """
Softmax over dim 0 normalises each class's scores across the samples of the
batch: every column sums to 1, the rows (the samples' class distributions) do not.
The "probabilities" then depend on which other samples share the batch, the loss
trains the wrong thing, and predictions change with the batch size.
"""
    example = """
    import torch
    import torch.nn.functional as F

    model = torch.nn.Linear(20, 10)
    probs = F.softmax(model(x), dim=0)  # error: LF605 (normalised over the batch)
    predicted = probs.argmax(dim=1)
    """
    use_instead = """
    import torch
    import torch.nn.functional as F

    model = torch.nn.Linear(20, 10)
    probs = F.softmax(model(x), dim=1)
    predicted = probs.argmax(dim=1)
    """
    references = (
        (
            "PyTorch: torch.nn.functional.softmax",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html",
        ),
    )
    fix_safety = """
Unsafe: the fix writes `dim=1`, the class axis of a (batch, classes) tensor. The
output changes (it becomes right). For outputs with more axes (sequences, images)
check which axis holds the classes.
"""
    INVALID = [
        # a policy net ending in Softmax(dim=0): right for one state, wrong
        # for the episode's (steps, actions) batch read along dim 1
        # (Deep Reinforcement Learning in Action, ch. 4, audit R68)
        Invalid(
            """
            import torch

            model = torch.nn.Sequential(
                torch.nn.Linear(4, 150),
                torch.nn.LeakyReLU(),
                torch.nn.Linear(150, 2),
                torch.nn.Softmax(dim=0),  # error: LF605
            )
            optimizer = torch.optim.Adam(model.parameters(), lr=0.009)
            act_prob = model(torch.from_numpy(state).float())
            pred_batch = model(state_batch)
            prob_batch = pred_batch.gather(dim=1, index=action_batch.long().view(-1, 1)).squeeze()
            loss = -torch.sum(returns * torch.log(prob_batch))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            """
        ),
        # a model whose class the analysis cannot read (``sys.path`` import), put
        # in eval mode: its output normalised down the columns, read along the rows
        Invalid(
            """
            import sys
            import torch

            sys.path.append("../toolbox")
            from my_models import TinyNet

            model = TinyNet(784, 10)
            model.eval()
            with torch.inference_mode():
                for X, y in test_loader:
                    y_logit = model(X)
                    y_pred = torch.softmax(y_logit.squeeze(), dim=0).argmax(dim=1)  # error: LF605 at `torch.softmax(`
            """
        ),
        # read in NumPy: the array keeps the tensor's axes (CE7454's labs, audit s165)
        Invalid(
            """
            import numpy as np
            import torch.nn as nn

            net = nn.Linear(20, 4)
            y = net(train_x)
            C = np.argmax(nn.Softmax(dim=0)(y).data.cpu().numpy(), axis=1)  # error: LF605 at `nn.Softmax(`
            """
        ),
        # the batch norm sits in the head's nn.Sequential
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Head(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.head = nn.Sequential(
                        nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 5)
                    )

                def forward(self, x):
                    return F.log_softmax(self.head(x), dim=0)  # error: LF605
            """
        ),
        # PointNet's classifier head (fxia22/pointnet.pytorch #27): batch-norm
        # layers on the way show axis 0 is the batch
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class PointNetCls(nn.Module):
                def __init__(self, k=2):
                    super().__init__()
                    self.fc1 = nn.Linear(1024, 512)
                    self.fc2 = nn.Linear(512, k)
                    self.bn1 = nn.BatchNorm1d(512)

                def forward(self, x):
                    x = F.relu(self.bn1(self.fc1(x)))
                    x = self.fc2(x)
                    return F.log_softmax(x, dim=0)  # error: LF605
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
            p = F.softmax(net(x), dim=0)  # error: LF605 at `F.softmax(`
            pred = p.argmax(1)
            """,
            fixed="""
            import torch
            import torch.nn.functional as F

            net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
            p = F.softmax(net(x), dim=1)  # error: LF605 at `F.softmax(`
            pred = p.argmax(1)
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            from torch.utils.data import DataLoader

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)

                def forward(self, x):
                    return self.fc(x.flatten(1))

            model = Net()
            loader = DataLoader(train_set, batch_size=64, shuffle=True)
            for images, labels in loader:
                out = F.log_softmax(model(images), 0)  # error: LF605 at `F.log_softmax(`
                loss = F.nll_loss(out, labels)
                loss.backward()
            """,
        ),
        Invalid(
            """
            import torch

            head = torch.nn.Linear(128, 5)
            scores = head(features).softmax(0)  # error: LF605 at `head(features).softmax(`
            confidence, label = torch.max(scores, 1)
            """,
        ),
        # the module form, built once with dim=0 (MLOps-Basics, audit R25)
        Invalid(
            """
            import torch.nn as nn

            model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
            softmax = nn.Softmax(dim=0)  # error: LF605 at `nn.Softmax(dim=0)`
            for x, y in loader:
                probs = softmax(model(x))
                acc = (probs.argmax(dim=1) == y).float().mean()
            """
        ),
    ]
    VALID = [
        # the same policy net only ever given one state (a 1-D vector)
        """
        import torch

        model = torch.nn.Sequential(
            torch.nn.Linear(4, 150), torch.nn.LeakyReLU(), torch.nn.Linear(150, 2), torch.nn.Softmax(dim=0)
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=0.009)
        for state, action, ret in episode:
            probs = model(torch.from_numpy(state).float())
            loss = -ret * torch.distributions.Categorical(probs=probs).log_prob(action)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """,
        # soft assignments normalised over the samples on purpose (SwAV-like),
        # then each sample's prototype: no model output is normalised
        """
        import torch

        def assign(emb, protos):
            scores = emb @ protos.T
            q = torch.softmax(scores / 0.05, dim=0)
            return q.argmax(dim=1)
        """,
        # sequence-first attention: the batch-normed features are moved back to
        # (time, batch, ...) before the scores, and dim 0 is time
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class AttentionPool(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.bn = nn.BatchNorm1d(d)
                self.score = nn.Linear(d, 1)

            def forward(self, h):  # h: (time, batch, d)
                h = self.bn(h.permute(1, 2, 0)).permute(2, 0, 1)
                weights = F.softmax(self.score(h), dim=0)
                return (weights * h).sum(0)
        """,
        # ... over the classes; and a softmax over dim 0 of what no batch norm feeds
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Head(nn.Module):
            def __init__(self, k=2):
                super().__init__()
                self.fc1 = nn.Linear(1024, 512)
                self.bn1 = nn.BatchNorm1d(512)
                self.fc2 = nn.Linear(512, k)
                self.score = nn.Linear(64, 1)

            def forward(self, x, tokens):
                logits = self.fc2(F.relu(self.bn1(self.fc1(x))))
                weights = F.softmax(self.score(tokens), dim=0)  # over positions
                return F.log_softmax(logits, dim=1), weights
        """,
        # softmax over the classes
        """
        import torch
        import torch.nn.functional as F

        model = torch.nn.Linear(20, 10)
        probs = F.softmax(model(x), dim=1)
        pred = probs.argmax(1)
        """,
        # a 1-D vector: dim 0 is its only axis
        """
        import torch

        policy = torch.nn.Linear(4, 2)
        probs = torch.softmax(policy(state), dim=0)
        action = torch.multinomial(probs, 1)
        """,
        # attention weights over the positions of a (seq, batch) tensor
        """
        import torch
        import torch.nn.functional as F

        attn = torch.nn.Linear(256, 1)
        energy = attn(encoder_outputs).squeeze(2)
        weights = F.softmax(energy, dim=0)
        context = (weights.unsqueeze(2) * encoder_outputs).sum(0)
        """,
        # dim 0 of something that is not a model output
        """
        import torch

        w = torch.softmax(torch.randn(5, 3), dim=0)
        best = w.argmax(1)
        """,
        # a loss on one sample's scores (no batch loop)
        """
        import torch
        import torch.nn.functional as F

        model = torch.nn.Linear(10, 3)
        for sample, target in zip(xs, ys):
            logp = F.log_softmax(model(sample), dim=0)
            loss = F.nll_loss(logp.unsqueeze(0), target.view(1))
        """,
        # argmax along dim 0 of a 1-D softmax
        """
        import torch

        scorer = torch.nn.Linear(16, 1)
        p = scorer(items).squeeze(-1).softmax(0)
        chosen = p.argmax(0)
        """,
        # the module form on one sample's scores (a 1-D vector), and on a
        # tensor that is not a model's output
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
        softmax = nn.Softmax(dim=0)
        scores = softmax(model(x)[0])
        best = scores.argmax(dim=0)
        weights = nn.Softmax(dim=0)(torch.randn(4, 3)).argmax(dim=1)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for found in softmax_over_batch(model):
            line = model.line_of(found.evidence)
            use = {
                "argmax": f"its classes are read along dim 1 (line {line})",
                "loss": f"it feeds the loss of a DataLoader batch (line {line})",
                "batchnorm": f"it is computed from a batch-normalised tensor (line {line})",
            }[found.how]
            yield Finding(
                found.call,
                "softmax over dim 0 of a (batch, classes) model output: "
                f"{use}, so each class is normalised across the samples instead of each "
                "sample across the classes; use `dim=1` (or `-1`)",
                fix=dim_fix(found.dim, "1"),
                related=(RelatedNode("the use over classes", found.evidence),),
            )
