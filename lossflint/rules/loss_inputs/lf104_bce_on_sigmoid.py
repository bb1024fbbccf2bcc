"""LF104 bce-on-sigmoid."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.kinds import LossCall, activation_operand
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import LossInputRule, inputs_of_kind, loss_label
from lossflint.rules.loss_inputs.fixes import rename_call
from lossflint.rules.loss_inputs.lf104_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.loss_inputs.lf104_clamped import clamped_sigmoid_inputs
from lossflint.rules.loss_inputs.lf104_factory_examples import FACTORY_INVALID, FACTORY_VALID
from lossflint.rules.loss_inputs.lf104_repeats import without_evaluation_repeats
from lossflint.rules.loss_inputs.lf104_trainer_examples import TRAINER_INVALID, TRAINER_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


#: one of two models from a factory (the examples: both end in sigmoid, or one does not)
_FACTORY_MODELS = """
import torch


class FM(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.lin = torch.nn.Linear(n, 1)

    def forward(self, x):
        return torch.sigmoid(self.lin(x).squeeze(1))


class LR(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.lin = torch.nn.Linear(n, 1)

    def forward(self, x):
        return {last}


def get_model(name):
    if name == "fm":
        return FM(10)
    return LR(10)


model = get_model(args.model)
criterion = torch.nn.BCELoss()
loss = criterion(model(x), t.float()){marker}
"""


class BceOnSigmoid(LossInputRule):
    code = "LF104"
    name = "bce-on-sigmoid"
    severity = Severity.WARNING
    summary = "BCELoss on sigmoid output: use BCEWithLogitsLoss on the logits"
    fix_kind = "safe"
    needs = ("binary_cross_entropy", "BCELoss")
    what = """
Flags `nn.BCELoss` / `F.binary_cross_entropy` applied to sigmoid output, also
clamped first (`torch.sigmoid(z).clamp(1e-7, 1 - 1e-7)`: the clamp keeps the log
finite and zeroes the gradient wherever the sigmoid saturates). A sigmoid
of a value the code fixes (literals, `torch.tensor([...])` of them, arithmetic of
those) is an illustration with no weight to train: silent.
"""
    why = """
`log(sigmoid(x))` saturates: for confident wrong predictions the sigmoid rounds to
0 or 1, PyTorch clamps the log at -100 and the gradient vanishes. It is also
refused under CUDA autocast. `binary_cross_entropy_with_logits` fuses both in a
numerically stable way.
"""
    example = """
    import torch
    import torch.nn.functional as F

    loss = F.binary_cross_entropy(torch.sigmoid(z), y)   # error: LF104
    loss = F.binary_cross_entropy_with_logits(z, y)      # stable
    """
    use_instead = """
    import torch.nn.functional as F

    loss = F.binary_cross_entropy_with_logits(z, y)
    """
    references = (
        (
            "PyTorch: torch.nn.BCEWithLogitsLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html",
        ),
        (
            "PyTorch: torch.nn.functional.binary_cross_entropy",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy.html",
        ),
    )
    fix_safety = """
Safe for the inline functional form: `binary_cross_entropy(sigmoid(x), y)` and
`binary_cross_entropy_with_logits(x, y)` are the same function, minus the
saturation. Loss objects (`nn.BCELoss()`) are not rewritten automatically.
"""
    INVALID = [
        # a focal loss stacking 1 - p and p (1 - sigmoid(z) is sigmoid(-z)):
        # pytorch-widedeep's FocalLoss, audit R46
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            from torch import nn

            class FocalLoss(nn.Module):
                def forward(self, input, target):
                    input_prob = torch.sigmoid(input)
                    if input.size(1) == 1:
                        input_prob = torch.cat([1 - input_prob, input_prob], axis=1)
                    return F.binary_cross_entropy(input_prob, target)  # error: LF104
            """
        ),
        # the sigmoid is in the block a helper builds for ``last_block=True``
        # (lightning-bolts' DCGAN discriminator)
        Invalid(
            """
            import torch.nn as nn
            class Discriminator(nn.Module):
                def __init__(self, width):
                    super().__init__()
                    self.disc = nn.Sequential(
                        self._block(3, width),
                        self._block(width, 1, last_block=True),
                    )

                @staticmethod
                def _block(cin, cout, batch_norm=True, last_block=False):
                    if not last_block:
                        return nn.Sequential(
                            nn.Conv2d(cin, cout, 4),
                            nn.BatchNorm2d(cout) if batch_norm else nn.Identity(),
                            nn.LeakyReLU(0.2),
                        )
                    return nn.Sequential(nn.Conv2d(cin, cout, 4), nn.Sigmoid())

                def forward(self, x):
                    return self.disc(x).view(-1)

            disc = Discriminator(64)
            criterion = nn.BCELoss()
            loss = criterion(disc(images), labels)  # error: LF104 at `criterion(`
            """
        ),
        # a loss function reached through a registry dict (H10 p09)
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            def bce(p, y):
                return F.binary_cross_entropy(p, y)  # error: LF104 at `F.binary_cross_entropy(`
            def weighted(p, y):
                return F.binary_cross_entropy(p, y, weight=w)  # error: LF104 at `F.binary_cross_entropy(`
            LOSSES = {"bce": bce, "weighted": weighted}
            loss = LOSSES[cfg.loss](torch.sigmoid(model(x)), y)
            """
        ),
        # a factory returning one of several models, every one ending in sigmoid
        # (rixwew/pytorch-fm)
        Invalid(
            _FACTORY_MODELS.format(
                last="torch.sigmoid(self.lin(x).squeeze(1))",
                marker="  # error: LF104 at `criterion(`",
            )
        ),
        # the same criterion built on both branches (znxlwm's GAN collection)
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Discriminator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Sequential(nn.Linear(784, 1), nn.Sigmoid())

                def forward(self, x):
                    return self.fc(x)

            def train(loader, gpu_mode):
                D = Discriminator()
                if gpu_mode:
                    bce = nn.BCELoss().cuda()
                else:
                    bce = nn.BCELoss()
                for x in loader:
                    loss = bce(D(x), torch.ones(x.size(0), 1))  # error: LF104 at `bce(`
                    loss.backward()
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            loss = F.binary_cross_entropy(torch.sigmoid(z), y, weight=w)  # error: LF104 at `F.binary_cross_entropy(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            loss = F.binary_cross_entropy_with_logits(z, y, weight=w)  # error: LF104 at `F.binary_cross_entropy(`
            """,
        ),
        Invalid(
            """
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
            crit = nn.BCELoss()
            for x, y in loader:
                loss = crit(model(x), y)  # error: LF104 at `crit(`
            """
        ),
        Invalid(
            """
            import torch.nn.functional as F
            import torch
            def loss_fn(logits, y):
                p = logits.sigmoid()
                return F.binary_cross_entropy(p, y)  # error: LF104 at `F.binary_cross_entropy(`
            """
        ),
        # the discriminator's sigmoid reaches three calls: each is reported,
        # naming the others
        Invalid(
            """
            import torch
            import torch.nn as nn
            d = nn.Sequential(nn.Linear(784, 1), nn.Sigmoid())
            bce = nn.BCELoss()
            loss_real = bce(d(real), ones)  # error: LF104 at `bce(`
            loss_fake = bce(d(fake.detach()), zeros)  # error: LF104 at `bce(`
            loss_g = bce(d(fake), ones)  # error: LF104 at `bce(`
            """
        ),
        # forward through nn.parallel.data_parallel on some devices (pytorch/examples dcgan)
        Invalid(
            """
            import torch
            import torch.nn as nn


            class Discriminator(nn.Module):
                def __init__(self, ngpu):
                    super().__init__()
                    self.ngpu = ngpu
                    self.main = nn.Sequential(nn.Linear(10, 1), nn.Sigmoid())

                def forward(self, input):
                    if input.is_cuda and self.ngpu > 1:
                        output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
                    else:
                        output = self.main(input)
                    return output.view(-1, 1).squeeze(1)


            netD = Discriminator(1)
            criterion = nn.BCELoss()
            optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4)
            for real in loader:
                netD.zero_grad()
                output = netD(real)
                errD_real = criterion(output, torch.ones(4))  # error: LF104 at `criterion(`
                errD_real.backward()
                optimizerD.step()
            """,
        ),
        # a DataParallel wrapper runs the wrapped module
        Invalid(
            """
            import torch
            import torch.nn as nn

            net = nn.DataParallel(nn.Sequential(nn.Linear(10, 1), nn.Sigmoid()))
            criterion = nn.BCELoss()
            loss = criterion(net(x), y)  # error: LF104 at `criterion(`
            """,
        ),
        *AUDIT_INVALID,
        *FACTORY_INVALID,
        *TRAINER_INVALID,
    ]
    VALID = [
        # the registry is handed away: its functions may be called with anything
        """
        import torch
        import torch.nn.functional as F
        def bce(p, y):
            return F.binary_cross_entropy(p, y)
        LOSSES = {"bce": bce}
        trainer = Trainer(losses=LOSSES)
        loss = LOSSES["bce"](torch.sigmoid(model(x)), y)
        """,
        # ... one of which returns raw scores: what the model gives is not known
        _FACTORY_MODELS.format(last="self.lin(x).squeeze(1)", marker=""),
        # the formula illustrated on literal tensors: sigmoid(2.42), nothing trains
        # (rasbt LLMs-from-scratch appendix A)
        """
        import torch
        import torch.nn.functional as F

        y = torch.tensor([1.0])
        x1 = torch.tensor([1.1])
        w1 = torch.tensor([2.2])
        b = torch.tensor([0.0])

        z = x1 * w1 + b
        a = torch.sigmoid(z)
        loss = F.binary_cross_entropy(a, y)
        print(loss)
        """,
        """
        import torch.nn.functional as F
        loss = F.binary_cross_entropy_with_logits(z, y)
        """,
        """
        import torch.nn.functional as F
        loss = F.binary_cross_entropy(p, y)
        """,
        """
        import torch.nn.functional as F
        import torch
        loss = F.binary_cross_entropy(torch.softmax(z, 1)[:, 1], y)
        """,
        """
        import torch
        def binary_cross_entropy(a, b):
            return a
        loss = binary_cross_entropy(torch.sigmoid(z), y)
        """,
        *AUDIT_VALID,
        *FACTORY_VALID,
        *TRAINER_VALID,
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        plain = [
            (loss, expr, value)
            for loss, expr, value in inputs_of_kind(model, (apis.BCE,), (Kind.SIGMOID_PROBS,))
            if not _of_constant_logits(model, value)
        ]
        clamped = [f for f in clamped_sigmoid_inputs(model) if not _of_constant_logits(model, f[2])]
        for found, what in (
            (plain, "on sigmoid output saturates"),
            (
                clamped,
                "on clamped sigmoid output: the clamp keeps log(p) finite but zeroes the "
                "gradient wherever the sigmoid saturates",
            ),
        ):
            for loss, expr, value in without_evaluation_repeats(model, found):
                yield self.report(
                    model,
                    loss,
                    expr,
                    value,
                    f"{loss_label(model, loss)} {what}",
                    "use binary_cross_entropy_with_logits / BCEWithLogitsLoss on the logits",
                    fix=self._fix(model, loss, expr, value) if found is plain else None,
                )

    def _fix(
        self, model: SemanticModel, loss: LossCall, expr: cst.BaseExpression, value: Tensor
    ) -> FixSpec | None:
        if loss.is_object or value.origin is not expr or not isinstance(expr, cst.Call):
            return None
        operand = activation_operand(model, expr)
        renamed = rename_call(loss.node, "binary_cross_entropy", "binary_cross_entropy_with_logits")
        if operand is None or renamed is None:
            return None
        args = [a.with_changes(value=operand) if a.value is expr else a for a in renamed.args]
        return FixSpec(
            Applicability.SAFE,
            "use binary_cross_entropy_with_logits on the logits",
            (NodeEdit(loss.node, renamed.with_changes(args=args)),),
        )


def _of_constant_logits(model: SemanticModel, value: Tensor) -> bool:
    """The sigmoid is of a value fixed by the code (``torch.sigmoid(torch.tensor([1.1])
    * 2.2)``): an illustration of the formula, with no weight for a vanishing
    gradient to starve."""
    origin = value.origin
    if not isinstance(origin, cst.Call):
        return False
    operand = activation_operand(model, origin)
    return operand is not None and num.is_constant(model, operand, depth=10)
