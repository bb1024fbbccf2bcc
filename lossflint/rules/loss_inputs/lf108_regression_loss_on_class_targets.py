"""LF108 regression-loss-on-class-targets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import (
    LossInputRule,
    loss_input,
    loss_label,
    loss_target,
    losses,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class RegressionLossOnClassTargets(LossInputRule):
    code = "LF108"
    name = "regression-loss-on-class-targets"
    severity = Severity.ERROR
    summary = "MSE/L1/Huber loss on class indices or on softmax-vs-label targets"
    needs = ("mse", "MSE", "l1_loss", "L1Loss", "huber", "Huber", "smooth_l1", "SmoothL1")
    what = """
Flags `MSELoss`/`L1Loss`/`SmoothL1Loss`/`HuberLoss` (and `F.mse_loss`, `l1_loss`,
`smooth_l1_loss`, `huber_loss`) whose target holds class indices (from
`argmax`, `torch.randint`, `.long()` labels), or whose input is softmax output
compared with class indices or one-hot labels.
"""
    why = """
A classifier trained as a regression: the loss treats class 7 as "closer" to 8
than to 1, gradients are wrong, and an `(N, C)` prediction against `(N,)`
indices silently broadcasts to `(N, N, C)`.
"""
    example = """
    import torch
    import torch.nn.functional as F

    labels = torch.randint(0, 10, (64,))        # class indices
    loss = F.mse_loss(logits, labels.float())   # error: LF108
    loss = F.cross_entropy(logits, labels)      # a classification loss
    """
    use_instead = """
    import torch
    import torch.nn.functional as F

    labels = torch.randint(0, 10, (64,))
    loss = F.cross_entropy(logits, labels)
    """
    references = (
        (
            "PyTorch: torch.nn.functional.cross_entropy",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html",
        ),
        (
            "PyTorch: torch.nn.MSELoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html",
        ),
    )
    fix_safety = "There is no automatic fix: switch to `cross_entropy` on the logits."
    INVALID = [
        # the same dispatch given a class the class-index branch is not for
        Invalid(
            """
            import torch.nn as nn
            def deal_with_objective(objective, pred, truth):
                if type(objective) == nn.MSELoss:
                    return objective(pred, truth.long())  # error: LF108
                return objective(pred, truth)
            deal_with_objective(nn.MSELoss(), model(x), y)
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            y = torch.randint(0, 10, (64,))
            loss = F.mse_loss(out, y.float())  # error: LF108 at `F.mse_loss(`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            crit = nn.MSELoss()
            def step(model, x, target):
                probs = torch.softmax(model(x), dim=1)
                onehot = torch.nn.functional.one_hot(target, 10)
                return crit(probs, onehot.float())  # error: LF108 at `crit(`
            """
        ),
        Invalid(
            """
            import torch.nn as nn
            l1 = nn.L1Loss()
            def f(pred, labels):
                return l1(pred, labels.long())  # error: LF108 at `l1(`
            """
        ),
        # labels built as a long tensor (iris.target: the classes)
        Invalid(
            """
            import torch
            import torch.nn as nn
            y = torch.tensor(iris.target, dtype=torch.long)
            loss = nn.MSELoss()(model(X), y)  # error: LF108 at `nn.MSELoss()(`
            """
        ),
        # the digit labels of MNIST regressed (a classic beginner's bug)
        Invalid(
            """
            import torch.nn as nn
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms

            ds = datasets.MNIST("data", train=True, transform=transforms.ToTensor())
            crit = nn.MSELoss()
            for x, y in DataLoader(ds, batch_size=32, shuffle=True):
                loss = crit(model(x).squeeze(1), y.float())  # error: LF108 at `crit(`
                loss.backward()
            """
        ),
        # one-hot rows scattered into zeros by hand, the labels written first
        # (rasbt's stat479 MLP lecture)
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            def to_onehot(y, num_classes):
                y_onehot = torch.zeros(y.size(0), num_classes)
                y_onehot.scatter_(1, y.view(-1, 1).long(), 1).float()
                return y_onehot

            def step(model, x, y):
                probas = torch.softmax(model(x), dim=1)
                return F.mse_loss(to_onehot(y, 10), probas)  # error: LF108 at `F.mse_loss(`
            """
        ),
    ]

    VALID = [
        # label smoothing scattered into a filled tensor: soft targets, and a
        # student matched to a teacher's softmax (distillation)
        """
        import torch
        import torch.nn.functional as F

        def smooth(y, k, eps=0.1):
            return torch.full((y.size(0), k), eps / k).scatter_(1, y.view(-1, 1), 1 - eps)

        def step(student, teacher, x, y):
            p_s = torch.softmax(student(x), dim=1)
            with torch.no_grad():
                p_t = torch.softmax(teacher(x), dim=1)
            return F.mse_loss(p_s, smooth(y, 10)) + F.mse_loss(p_s, p_t)
        """,
        # a binary task made from MNIST by rewriting its labels
        """
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torchvision import datasets

        ds = datasets.MNIST("data", train=True, transform=tfm)
        ds.targets = (ds.targets == 3).long()
        for x, y in DataLoader(ds, batch_size=32, shuffle=True):
            F.mse_loss(model(x).squeeze(1), y.float()).backward()
        """,
        # a dispatch on the loss's class: the class-index branch never runs for
        # the L1 loss the callers pass (MultiBench's deal_with_objective)
        """
        import torch
        import torch.nn as nn

        def deal_with_objective(objective, pred, truth):
            if type(objective) == nn.CrossEntropyLoss:
                return objective(pred, truth.long())
            elif type(objective) == nn.MSELoss or isinstance(objective, nn.L1Loss):
                return objective(pred, truth.float())
            return objective(pred, truth)

        def train(model, loader, objective=nn.L1Loss()):
            for x, y in loader:
                loss = deal_with_objective(objective, model(x), y)
                loss.backward()

        train(model, loader)
        """,
        # a float target built from the same data is a regression target
        """
        import torch
        import torch.nn as nn
        y = torch.tensor(data.target, dtype=torch.float32)
        loss = nn.MSELoss()(model(X), y)
        """,
        """
        import torch.nn.functional as F
        loss = F.mse_loss(pred, target)
        """,
        # distillation with MSE between two probability vectors is a technique
        """
        import torch
        import torch.nn.functional as F
        loss = F.mse_loss(torch.softmax(s / T, 1), torch.softmax(t / T, 1))
        """,
        """
        import torch.nn.functional as F
        loss = F.mse_loss(pred, y.float())
        """,
        """
        import torch
        import torch.nn.functional as F
        loss = F.smooth_l1_loss(boxes, torch.randn(4, 4))
        """,
        """
        import torch
        import torch.nn.functional as F
        y = torch.randint(0, 10, (64,))
        loss = F.cross_entropy(out, y)
        """,
        """
        def mse_loss(a, b):
            return a
        import torch
        loss = mse_loss(x, torch.argmax(y, 1))
        """,
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss in losses(model, *apis.REGRESSION_LOSSES):
            target = loss_target(model, loss)
            inp = loss_input(model, loss)
            reason = None
            evidence_pair = None
            if target is not None and target[1].kind is Kind.CLASS_INDICES:
                reason = "its target holds class indices"
                evidence_pair = target
            elif inp is not None and target is not None:
                # either order: these losses are symmetric (``mse_loss(y_onehot, probas)``)
                for probs, labels in ((inp, target), (target, inp)):
                    if probs[1].kind is Kind.PROBS and labels[1].kind in _LABEL_KINDS:
                        reason = "it compares softmax output with class labels"
                        evidence_pair = probs
                        break
            if reason is None or evidence_pair is None:
                continue
            expr, value = evidence_pair
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{loss_label(model, loss)} trains a classifier as a regression: {reason}",
                "use cross_entropy on the logits",
            )


#: what a classifier's labels are, as indices or one-hot rows
_LABEL_KINDS = (Kind.CLASS_INDICES, Kind.ONE_HOT)
