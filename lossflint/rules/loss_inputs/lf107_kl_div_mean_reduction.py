"""LF107 kl-div-mean-reduction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.calls import argument, has_star_args, keyword, literal_value
from lossflint.analysis.class_counts import scaled_by_class_count
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.loss_inputs.fixes import set_keyword

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


_LWF = """
import torch.nn.functional as F


def distillation_loss(y, teacher_scores, T, scale):
    return F.kl_div(F.log_softmax(y / T, dim=1), F.softmax(teacher_scores / T, dim=1)) * {scale}{marker}


def do_batch(model, old_model, optimizer, batch, label, T=2.0):
    target_logits = old_model(batch).detach()
    scale = target_logits.size(-1)
    optimizer.zero_grad()
    out = model(batch)
    loss = distillation_loss(out, target_logits, T, scale) + F.cross_entropy(out, label)
    loss.backward()
    optimizer.step()
"""


class KlDivMeanReduction(Rule):
    code = "LF107"
    name = "kl-div-mean-reduction"
    severity = Severity.WARNING
    summary = "KLDivLoss with reduction='mean' is not the KL divergence: use 'batchmean'"
    fix_kind = "unsafe"
    needs = ("kl_div", "KLDivLoss")
    what = """
Flags `nn.KLDivLoss()` and `F.kl_div(...)` with the default or an explicit
`reduction="mean"`.
"""
    why = """
`reduction="mean"` averages over every element, not over the batch, so the value
is the KL divergence divided by the number of classes: gradients are scaled
down by C and temperature-scaled distillation recipes silently break. PyTorch's
documentation says to use `reduction="batchmean"`.
"""
    example = """
    import torch.nn as nn

    kl = nn.KLDivLoss()                       # error: LF107
    kl = nn.KLDivLoss(reduction="batchmean")  # the real KL per sample
    """
    use_instead = """
    import torch.nn as nn

    kl = nn.KLDivLoss(reduction="batchmean")
    """
    references = (
        (
            "PyTorch: torch.nn.KLDivLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html",
        ),
    )
    fix_safety = """
Unsafe: `reduction="batchmean"` changes the loss value by a factor of the number
of elements per sample (which is the point).
"""
    INVALID = [
        # a distillation loss scaled by T * T only: still a mean over classes too
        Invalid(_LWF.format(scale="T * T", marker="  # error: LF107 at `F.kl_div(`")),
        Invalid(
            """
            import torch.nn as nn
            kl = nn.KLDivLoss()  # error: LF107 at `nn.KLDivLoss(`
            """,
            fixed="""
            import torch.nn as nn
            kl = nn.KLDivLoss(reduction="batchmean")  # error: LF107 at `nn.KLDivLoss(`
            """,
        ),
        Invalid(
            """
            import torch.nn.functional as F
            loss = F.kl_div(lp, q, reduction='mean')  # error: LF107 at `F.kl_div(`
            """,
            fixed="""
            import torch.nn.functional as F
            loss = F.kl_div(lp, q, reduction="batchmean")  # error: LF107 at `F.kl_div(`
            """,
        ),
        Invalid(
            """
            from torch.nn import KLDivLoss
            class T:
                def __init__(self):
                    self.crit = KLDivLoss(log_target=True)  # error: LF107 at `KLDivLoss(`
            """
        ),
    ]
    VALID = [
        # times the number of classes, passed in or inline: the batch mean
        # (arunmallya/packnet's LwF, audit s130)
        _LWF.format(scale="scale", marker=""),
        _LWF.format(scale="y.size(1)", marker=""),
        """
        import torch.nn as nn
        kl = nn.KLDivLoss(reduction='batchmean')
        """,
        """
        import torch.nn.functional as F
        loss = F.kl_div(lp, q, reduction='sum') / n
        """,
        """
        import torch.nn.functional as F
        loss = F.kl_div(lp, q, reduction='none').sum(-1).mean()
        """,
        """
        import torch.nn.functional as F
        loss = F.kl_div(lp, q, reduction=red)
        """,
        """
        import torch.nn as nn
        kl = nn.KLDivLoss(size_average=False)
        """,
        """
        def kl_div(a, b):
            return a
        loss = kl_div(p, q)
        """,
        # a symmetric BCE over (N, 1) columns: one element per row, so 'mean'
        # is 'batchmean' (pudae/kaggle-understanding-clouds, audit R52)
        """
        import torch
        import torch.nn.functional as F

        def symmetric_bce(input, target):
            y_true = target
            y_true = y_true.view(-1, 1)
            y_pred = torch.sigmoid(input).view(-1, 1)
            loss_ce = F.kl_div(torch.log(torch.clamp(y_pred, 1e-7, 1.0)), y_true)
            loss_rce = F.kl_div(torch.log(torch.clamp(y_true, 1e-4, 1.0)), y_pred)
            return 0.1 * loss_ce + 0.1 * loss_rce
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(apis.KL_DIV_LOSS, apis.KL_DIV):
            call = site.node
            if has_star_args(call) or keyword(call, "size_average", "reduce") is not None:
                continue
            position = 0 if site.qualname == apis.KL_DIV_LOSS else 2
            reduction_arg = argument(call, None, "reduction")
            if (
                reduction_arg is None
                and any(a.keyword is None for a in call.args[position:])
                and len([a for a in call.args if a.keyword is None]) > position
            ):
                continue  # positional legacy arguments: LF113 territory
            reduction = "mean" if reduction_arg is None else literal_value(reduction_arg)
            if reduction != "mean":
                continue
            if site.qualname == apis.KL_DIV and num.one_column(model, argument(call, 1, "target")):
                continue  # (N, 1): one element per row, 'mean' is 'batchmean'
            if scaled_by_class_count(model, call):
                continue  # mean over N x C, times C: the batch mean (packnet's LwF)

            fixed = set_keyword(call, "reduction", cst.SimpleString('"batchmean"'))
            yield Finding(
                node=call,
                message="reduction='mean' averages over every element, not the batch: "
                "this is not the KL divergence; use reduction='batchmean'",
                fix=FixSpec(
                    Applicability.UNSAFE, "use reduction='batchmean'", (NodeEdit(call, fixed),)
                ),
            )
