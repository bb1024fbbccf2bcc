"""LF105 bce-on-logits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.kinds import LossCall
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import LossInputRule, inputs_of_kind, loss_label
from lossflint.rules.loss_inputs.fixes import rename_call

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class BceOnLogits(LossInputRule):
    code = "LF105"
    name = "bce-on-logits"
    severity = Severity.ERROR
    summary = "BCELoss gets unbounded values (a Linear output with no sigmoid)"
    fix_kind = "unsafe"
    needs = ("binary_cross_entropy", "BCELoss")
    what = """
Flags `nn.BCELoss` / `F.binary_cross_entropy` whose input is unbounded: the output
of a `Linear`/`Conv` layer, or of a model or `nn.Sequential` that ends in one
with no sigmoid.
"""
    why = """
`BCELoss` requires inputs in [0, 1]. Raw scores raise a device-side assert on
CUDA ("all elements of input should be between 0 and 1") or produce NaN.
"""
    example = """
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(8, 1))
    loss = nn.BCELoss()(model(x), y)          # error: LF105
    loss = nn.BCEWithLogitsLoss()(model(x), y)
    """
    use_instead = """
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(8, 1))
    loss = nn.BCEWithLogitsLoss()(model(x), y)
    """
    references = (
        (
            "PyTorch: torch.nn.BCEWithLogitsLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html",
        ),
        (
            "PyTorch: torch.nn.BCELoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html",
        ),
    )
    fix_safety = """
Unsafe: the fix switches to the `_with_logits` variant (`F.binary_cross_entropy`
→ `F.binary_cross_entropy_with_logits`, or `nn.BCELoss` → `nn.BCEWithLogitsLoss`
at its construction), which changes what the loss computes.
"""
    INVALID = [
        # a model chosen from a registry by a config string: every registered
        # class ends in a Linear (H11 p13)
        Invalid(
            """
            import torch.nn as nn
            class MLP(nn.Module):
                def __init__(self, n):
                    super().__init__()
                    self.fc = nn.Linear(n, 1)
                def forward(self, x):
                    return self.fc(x)
            MODELS = {"mlp": MLP, "wide": MLP}
            model = MODELS[cfg.model](8)
            loss = nn.BCELoss()(model(x), y)  # error: LF105 at `nn.BCELoss()(`
            """
        ),
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F
            fc = nn.Linear(8, 1)
            loss = F.binary_cross_entropy(fc(x), y)  # error: LF105 at `F.binary_cross_entropy(`
            """,
            fixed="""
            import torch.nn as nn
            import torch.nn.functional as F
            fc = nn.Linear(8, 1)
            loss = F.binary_cross_entropy_with_logits(fc(x), y)  # error: LF105 at `F.binary_cross_entropy(`
            """,
        ),
        Invalid(
            """
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1))
            crit = nn.BCELoss()
            loss = crit(model(x), y)  # error: LF105 at `crit(`
            """,
            fixed="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1))
            crit = nn.BCEWithLogitsLoss()
            loss = crit(model(x), y)  # error: LF105 at `crit(`
            """,
        ),
        Invalid(
            """
            import torch.nn as nn
            class D(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.out = nn.Linear(16, 1)
                def forward(self, h):
                    return self.out(h)
            class GAN:
                def __init__(self):
                    self.d = D()
                    self.bce = nn.BCELoss()
                def d_loss(self, real, ones):
                    return self.bce(self.d(real), ones)  # error: LF105 at `self.bce(`
            """
        ),
        Invalid(
            """
            import torch.nn as nn
            def mlp(dims):
                layers = []
                for a, b in zip(dims[:-1], dims[1:]):
                    layers += [nn.Linear(a, b), nn.ReLU()]
                layers.append(nn.Linear(dims[-1], 1))
                return nn.Sequential(*layers)
            critic = mlp([16, 32])
            loss = nn.BCELoss()(critic(x), y)  # error: LF105 at `nn.BCELoss()(`
            """
        ),
        Invalid(
            """
            import torch.nn as nn
            def block(a, b):
                return [nn.Linear(a, b), nn.LeakyReLU(0.2)]
            model = nn.Sequential(*block(64, 128), *block(128, 256), nn.Linear(256, 1))
            loss = nn.BCELoss()(model(z), y)  # error: LF105 at `nn.BCELoss()(`
            """
        ),
    ]
    VALID = [
        # a YOLO head writes the sigmoid of some channels back into the conv
        # output: BCE then reads those (DeNA/PyTorch_YOLOv3, audit R53)
        """
        import numpy as np
        import torch
        import torch.nn as nn

        class YOLOLayer(nn.Module):
            def __init__(self, in_ch, n_ch):
                super().__init__()
                self.bce_loss = nn.BCELoss(reduction="sum")
                self.conv = nn.Conv2d(in_ch, n_ch, kernel_size=1)

            def forward(self, xin, target, n_ch):
                output = self.conv(xin)
                output[..., np.r_[:2, 4:n_ch]] = torch.sigmoid(output[..., np.r_[:2, 4:n_ch]])
                return self.bce_loss(output[..., :2], target[..., :2])
        """,
        # a registry whose entries disagree, and one a decorator adds to: which
        # class runs is not known
        """
        import torch
        import torch.nn as nn
        class MLP(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.fc = nn.Linear(n, 1)
            def forward(self, x):
                return self.fc(x)
        class Prob(MLP):
            def forward(self, x):
                return torch.sigmoid(self.fc(x))
        MODELS = {"logits": MLP, "probs": Prob}
        loss = nn.BCELoss()(MODELS[cfg.model](8)(x), y)
        REGISTRY = {"mlp": MLP}
        def register(name):
            def add(cls):
                REGISTRY[name] = cls
                return cls
            return add
        loss = nn.BCELoss()(REGISTRY[cfg.model](8)(x), y)
        """,
        """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
        loss = nn.BCELoss()(model(x), y)
        """,
        """
        import torch
        import torch.nn as nn
        fc = nn.Linear(8, 1)
        loss = nn.BCELoss()(torch.sigmoid(fc(x)), y)
        """,
        """
        import torch.nn as nn
        fc = nn.Linear(8, 1)
        loss = nn.BCEWithLogitsLoss()(fc(x), y)
        """,
        """
        import torch.nn.functional as F
        loss = F.binary_cross_entropy(model(x), y)
        """,
        """
        import torch.nn as nn
        import torch.nn.functional as F
        fc = nn.Linear(8, 1)
        h = fc(x)
        h = h.sigmoid()
        loss = F.binary_cross_entropy(h, y)
        """,
        # the list may end in a sigmoid (only when asked): unknown, silent
        """
        import torch.nn as nn
        def mlp(dims, probabilities):
            layers = []
            for a, b in zip(dims[:-1], dims[1:]):
                layers += [nn.Linear(a, b), nn.ReLU()]
            layers.append(nn.Linear(dims[-1], 1))
            if probabilities:
                layers.append(nn.Sigmoid())
            return nn.Sequential(*layers)
        critic = mlp([16, 32], True)
        loss = nn.BCELoss()(critic(x), y)
        """,
        # another name for the same list adds the sigmoid
        """
        import torch.nn as nn
        layers = [nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 1)]
        head = layers
        head.append(nn.Sigmoid())
        model = nn.Sequential(*layers)
        loss = nn.BCELoss()(model(x), y)
        """,
        # a helper of another name adds the head: the list is not ours to read
        """
        import torch.nn as nn
        layers = [nn.Linear(16, 1)]
        add_head(layers)
        model = nn.Sequential(*layers)
        loss = nn.BCELoss()(model(x), y)
        """,
        # what follows the unpacked blocks is a layer that keeps its input kind
        """
        import torch.nn as nn
        model = nn.Sequential(*blocks, nn.Dropout(0.1))
        loss = nn.BCELoss()(model(x), y)
        """,
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in inputs_of_kind(model, (apis.BCE,), (Kind.LOGITS,)):
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{loss_label(model, loss)} needs values in [0, 1] but gets raw scores",
                "use BCEWithLogitsLoss / binary_cross_entropy_with_logits",
                fix=self._fix(loss),
            )

    def _fix(self, loss: LossCall) -> FixSpec | None:
        if loss.foreign is not None:
            return None  # the constructor is in another file: not this file's edit
        if loss.other_ctors:
            return None  # built in several branches: one rename would not do
        if loss.ctor is None:
            renamed = rename_call(
                loss.node, "binary_cross_entropy", "binary_cross_entropy_with_logits"
            )
            target = loss.node
        else:
            renamed = rename_call(loss.ctor, "BCELoss", "BCEWithLogitsLoss")
            target = loss.ctor
        if renamed is None:
            return None
        return FixSpec(
            Applicability.UNSAFE, "use the _with_logits loss", (NodeEdit(target, renamed),)
        )
