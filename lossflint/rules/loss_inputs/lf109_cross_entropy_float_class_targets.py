"""LF109 cross-entropy-float-class-targets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.label_fields import cast_label_field
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import LossInputRule, loss_label, loss_target, losses
from lossflint.rules.loss_inputs.fixes import rename_call

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class CrossEntropyFloatClassTargets(LossInputRule):
    code = "LF109"
    name = "cross-entropy-float-class-targets"
    severity = Severity.ERROR
    summary = "cross_entropy target is class indices cast to float"
    fix_kind = "unsafe"
    needs = ("cross_entropy", "CrossEntropyLoss")
    what = """
Flags `nn.CrossEntropyLoss` / `F.cross_entropy` whose target holds class indices
cast to a floating dtype (`.float()`, `.double()`, `.to(torch.float32)`).
"""
    why = """
Since PyTorch 1.10 a floating-point target is read as class *probabilities* with
the same shape as the input: `(N,)` float indices against `(N, C)` logits raise
a shape error, and matching shapes train on garbage.
"""
    example = """
    import torch
    import torch.nn.functional as F

    labels = torch.randint(0, 10, (64,))             # class indices
    loss = F.cross_entropy(logits, labels.float())   # error: LF109
    loss = F.cross_entropy(logits, labels.long())    # class indices
    """
    use_instead = """
    import torch
    import torch.nn.functional as F

    labels = torch.randint(0, 10, (64,))
    loss = F.cross_entropy(logits, labels)  # int64 class indices
    """
    references = (
        (
            "PyTorch: torch.nn.CrossEntropyLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html",
        ),
    )
    fix_safety = """
Unsafe: an inline `.float()` on the target becomes `.long()`.
"""
    INVALID = [
        # a batch's label field (held-out H11 p02, H18 p08)
        Invalid(
            """
            import torch.nn.functional as F

            def training_step(self, batch, batch_idx):
                logits = self(batch["input_ids"])
                return F.cross_entropy(logits, batch["label"].float())  # error: LF109 at `F.cross_entropy(`
            """,
            fixed="""
            import torch.nn.functional as F

            def training_step(self, batch, batch_idx):
                logits = self(batch["input_ids"])
                return F.cross_entropy(logits, batch["label"].long())  # error: LF109 at `F.cross_entropy(`
            """,
        ),
        Invalid(
            """
            import torch.nn.functional as F

            def compute_loss(self, model, inputs, return_outputs=False):
                labels = inputs.pop("labels")
                outputs = model(**inputs)
                return F.cross_entropy(outputs["logits"], labels.float())  # error: LF109 at `F.cross_entropy(`
            """,
            fixed="""
            import torch.nn.functional as F

            def compute_loss(self, model, inputs, return_outputs=False):
                labels = inputs.pop("labels")
                outputs = model(**inputs)
                return F.cross_entropy(outputs["logits"], labels.long())  # error: LF109 at `F.cross_entropy(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            y = torch.randint(0, 5, (8,))
            loss = F.cross_entropy(logits, y.float())  # error: LF109 at `F.cross_entropy(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            y = torch.randint(0, 5, (8,))
            loss = F.cross_entropy(logits, y.long())  # error: LF109 at `F.cross_entropy(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            crit = nn.CrossEntropyLoss()
            def step(out, labels):
                target = labels.long().to(torch.float32)
                return crit(out, target)  # error: LF109 at `crit(`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            pseudo = teacher(x).argmax(dim=1)
            loss = F.cross_entropy(student(x), pseudo.double())  # error: LF109 at `F.cross_entropy(`
            """
        ),
        # the labels of a torchvision classification data set, batched
        Invalid(
            """
            import torch.nn.functional as F
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms

            train_ds = datasets.FashionMNIST("data", train=True, transform=transforms.ToTensor())
            loader = DataLoader(train_ds, batch_size=64, shuffle=True)
            for i, (x, y) in enumerate(loader):
                loss = F.cross_entropy(model(x), y.float())  # error: LF109 at `F.cross_entropy(`
                loss.backward()
            """
        ),
    ]
    VALID = [
        # the label field made one-hot first, and a field of soft targets
        """
        import torch.nn.functional as F

        def training_step(self, batch, batch_idx):
            y = F.one_hot(batch["label"], 5)
            soft = F.cross_entropy(self(batch["x"]), batch["soft_targets"].float())
            soft = soft + F.cross_entropy(self(batch["x"]), batch["soft_labels"].float())
            return F.cross_entropy(self(batch["x"]), y.float()) + soft
        """,
        """
        import torch.nn.functional as F
        loss = F.cross_entropy(logits, y.long())
        """,
        """
        import torch.nn.functional as F
        loss = F.cross_entropy(logits, F.one_hot(y, 5).float())
        """,
        """
        import torch
        import torch.nn.functional as F
        loss = F.cross_entropy(logits, torch.softmax(t, dim=1))
        """,
        """
        import torch.nn.functional as F
        loss = F.cross_entropy(logits, soft.float())
        """,
        """
        import torch
        import torch.nn.functional as F
        y = torch.randint(0, 5, (8,))
        loss = F.cross_entropy(logits, y)
        """,
        # a collate_fn mixing samples (mixup/cutmix) makes soft labels
        """
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torchvision import datasets

        train_ds = datasets.CIFAR10("data", train=True, transform=tfm)
        loader = DataLoader(train_ds, batch_size=64, shuffle=True, collate_fn=mixup_collate)
        for x, y in loader:
            F.cross_entropy(model(x), y.float()).backward()
        """,
        # labels rewritten after the data set is built
        """
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torchvision import datasets

        train_ds = datasets.MNIST("data", train=True, transform=tfm)
        train_ds.targets = F.one_hot(train_ds.targets, 10)
        for x, y in DataLoader(train_ds, batch_size=64, shuffle=True):
            F.cross_entropy(model(x), y.float()).backward()
        """,
        # a target_transform: labels are what it makes
        """
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torchvision import datasets

        ds = datasets.MNIST("data", transform=tfm, target_transform=smooth_labels)
        for x, y in DataLoader(ds, batch_size=64, shuffle=True):
            F.cross_entropy(model(x), y.float()).backward()
        """,
        # a target_transform dividing the labels: no class indices any more
        """
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torchvision import datasets

        ds = datasets.EMNIST("data", split="letters", transform=tfm, target_transform=lambda y: y / 26)
        for x, y in DataLoader(ds, batch_size=64, shuffle=True):
            F.cross_entropy(model(x), y.float()).backward()
        """,
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss in losses(model, apis.CROSS_ENTROPY):
            field = cast_label_field(model, loss.target_expr) if loss.target_expr else None
            if field is not None and loss.target_expr is not None:
                yield Finding(
                    node=loss.node,
                    message=f"{loss_label(model, loss)} target is the batch's `{field}` "
                    "field cast to float: class indices read as class probabilities; "
                    "pass integer (long) class indices",
                    fix=_long_fix(loss.target_expr),
                )
                continue
            found = loss_target(model, loss)
            if found is None:
                continue
            expr, value = found
            if value.kind is not Kind.CLASS_INDICES or not value.float_cast:
                continue
            fix = _long_fix(expr)
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{loss_label(model, loss)} target is class indices cast to float: "
                "float targets are read as class probabilities",
                "pass integer (long) class indices",
                fix=fix,
            )


def _long_fix(expr: cst.BaseExpression) -> FixSpec | None:
    if not isinstance(expr, cst.Call) or expr.args:
        return None
    renamed = None
    for cast in ("float", "double", "half"):
        renamed = renamed or rename_call(expr, cast, "long")
    if renamed is None:
        return None
    return FixSpec(Applicability.UNSAFE, "use .long()", (NodeEdit(expr, renamed),))
