"""LF106 kl-div-input-not-log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import LossInputRule, inputs_of_kind, loss_label
from lossflint.rules.loss_inputs.fixes import rename_call

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class KlDivInputNotLog(LossInputRule):
    code = "LF106"
    name = "kl-div-input-not-log"
    severity = Severity.ERROR
    summary = "KLDivLoss / F.kl_div input is probabilities, not log-probabilities"
    fix_kind = "unsafe"
    needs = ("kl_div", "KLDivLoss")
    what = """
Flags `nn.KLDivLoss` / `F.kl_div` whose *input* (first argument) holds softmax
output instead of log-probabilities.
"""
    why = """
`kl_div(input, target)` computes `target * (log(target) - input)`: the input must
already be in log space. With probabilities the result is meaningless and often
negative, and distillation silently learns nothing useful.
"""
    example = """
    import torch.nn.functional as F

    loss = F.kl_div(F.softmax(student, 1), teacher_probs, reduction="batchmean")      # error: LF106
    loss = F.kl_div(F.log_softmax(student, 1), teacher_probs, reduction="batchmean")  # right
    """
    use_instead = """
    import torch.nn.functional as F

    loss = F.kl_div(F.log_softmax(student, 1), teacher_probs, reduction="batchmean")
    """
    references = (
        (
            "PyTorch: torch.nn.functional.kl_div",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.kl_div.html",
        ),
        (
            "PyTorch: torch.nn.KLDivLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html",
        ),
    )
    fix_safety = """
Unsafe: an inline `softmax(...)` input becomes `log_softmax(...)`; the loss value
changes because the original was wrong.
"""
    INVALID = [
        Invalid(
            """
            import torch.nn.functional as F
            loss = F.kl_div(F.softmax(s, dim=1), t, reduction='batchmean')  # error: LF106 at `F.kl_div(`
            """,
            fixed="""
            import torch.nn.functional as F
            loss = F.kl_div(F.log_softmax(s, dim=1), t, reduction='batchmean')  # error: LF106 at `F.kl_div(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            kl = nn.KLDivLoss(reduction='batchmean')
            p_s = torch.softmax(student_logits / T, dim=-1)
            p_t = torch.softmax(teacher_logits / T, dim=-1)
            loss = kl(p_s, p_t) * T * T  # error: LF106 at `kl(`
            """
        ),
        Invalid(
            """
            import torch.nn as nn
            class Distill(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.kl = nn.KLDivLoss(reduction='batchmean')
                    self.sm = nn.Softmax(dim=1)
                def forward(self, s, t):
                    return self.kl(self.sm(s), t)  # error: LF106 at `self.kl(`
            """
        ),
    ]
    VALID = [
        """
        import torch.nn.functional as F
        loss = F.kl_div(F.log_softmax(s, 1), F.softmax(t, 1), reduction='batchmean')
        """,
        """
        import torch
        import torch.nn.functional as F
        loss = F.kl_div(torch.log(p.clamp_min(1e-8)), q, reduction='batchmean')
        """,
        """
        import torch.nn.functional as F
        loss = F.kl_div(s.log_softmax(-1), t.log_softmax(-1), reduction='batchmean', log_target=True)
        """,
        """
        import torch.nn.functional as F
        loss = F.kl_div(inp, tgt, reduction='batchmean')
        """,
        """
        import torch.nn.functional as F
        def kl_div(a, b, reduction):
            return a
        loss = kl_div(F.softmax(s, 1), t, reduction='sum')
        """,
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in inputs_of_kind(model, (apis.KL_DIV,), (Kind.PROBS,)):
            fix = None
            if value.origin is expr and isinstance(expr, cst.Call):
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
                f"{loss_label(model, loss)} input is probabilities; it expects log-probabilities",
                "apply log_softmax to the input",
                fix=fix,
            )
