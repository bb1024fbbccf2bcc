"""LF206 unguarded-division."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import numerics as num
from lossflint.analysis.denominators import (
    mask_tests,
    reduced_operands,
    selects_by_counted_mask,
    zero_able,
)
from lossflint.analysis.gradients import Reach, gradients
from lossflint.analysis.plain_classes import plain_class
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.rollout_returns import standardised_rollout
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.fixes import EPS_DIV, clamp_fix, clamp_hint
from lossflint.rules.numerics.lf206_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.numerics.lf206_basic_examples import BASIC_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class UnguardedDivision(Rule):
    code = "LF206"
    name = "unguarded-division"
    severity = Severity.WARNING
    summary = "division by a sum/norm/std/count that can be 0, unguarded"
    fix_kind = "unsafe"
    needs = ("sum", "norm", "std", "count_nonzero")
    about_its_value = True
    what = """
Flags `a / d` (also `a.div(d)`, `torch.div(a, d)`) where `d` is a reduction of tensors that can be 0: `.sum()`,
`.norm()`, `.std()` (and `torch.sum`, `torch.linalg.norm`, `tf.reduce_sum`,
`tf.norm`, ...), or a sum of such reductions, like `tp + fp` counts of a mask
or the `p.sum() + t.sum()` of a Dice loss. Where a gradient is known to flow
(a loss, a `forward`, the backward slice), also the masked mean over a mask
handed in by a caller, `(x * mask).sum() / mask.sum()` (0/0 for an
all-padding row), `h / h.norm()` of relu/abs output (0/0 for a dead row), and a division by the sum of
relu/abs/square output (`err / hr.abs().sum()`, an L1 norm: x/0 for an all-black crop); learned embeddings of
unknown sign (`e / e.norm()`), weights of unknown kind (`w / w.sum()`) are not reported. Followed through variables assigned
once. Silent when the denominator is guarded (`+ eps`, `+ smooth`, a clamp
with a positive bound), tested (`if d > 0:`, `torch.where(d > 0, ...)`), is
Python's `len(...)` (which raises instead of producing NaN) or a constant, or
when it sums probabilities or `exp` (positive; a naive softmax is LF204's).
Method reductions count only in files that import a tensor framework.

Only where a gradient can flow, or where an episode's returns, a tensor
made from a list filled step by step, are standardised by their own
`std()` (one step: NaN; equal returns: 0/0; the policy loss they weight
turns NaN): silent where none does (under `no_grad`,
counts of hard predictions and other integer/boolean/NumPy values, also
through a helper's parameters when every call of it in the file passes such
values, metric classes and evaluation code, a value only logged or turned
into a number, code of a unit test's file no backward is seen reaching).
There a zero denominator makes a NaN *metric*, which metric libraries define
away (sklearn's `zero_division`, LF503), not a NaN model. Unknown (a
snippet, a library function never called in the file) fires.
"""
    why = """
`0 / 0` is NaN and `x / 0` is inf: an empty mask, an all-zero prediction, a
zero feature vector or a constant batch (std 0) turns the loss NaN, and the
NaN spreads to every weight.
"""
    example = """
    import torch
    import torch.nn.functional as F

    dice = 2 * (p * t).sum() / (p.sum() + t.sum())  # error: LF206
    dice_ok = (2 * (p * t).sum() + 1) / (p.sum() + t.sum() + 1)  # OK: smoothed

    z = (a - b) / (a - b).norm(dim=-1, keepdim=True)  # error: LF206
    z_ok = F.normalize(a - b, dim=-1)  # OK
    """
    use_instead = """
    import torch.nn.functional as F

    dice = (2 * (p * t).sum() + 1) / (p.sum() + t.sum() + 1)
    z = F.normalize(a - b, dim=-1)
    """
    references = (
        (
            "PyTorch: torch.nn.functional.normalize",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.normalize.html",
        ),
        ("PyTorch: torch.div", "https://pytorch.org/docs/stable/generated/torch.div.html"),
    )
    fix_safety = """
Unsafe: the fix clamps the denominator, `d.clamp_min(1e-12)` (TensorFlow:
`tf.maximum(d, 1e-12)`), as `F.normalize` does; a zero denominator then gives
0 (or a large finite value) instead of NaN. Offered when the framework is
certain.
"""
    INVALID = [
        *AUDIT_INVALID,
        Invalid(
            """
            import torch
            recall = hits / (labels == c).sum()  # error: LF206 at `hits /`
            """,
            fixed="""
            import torch
            recall = hits / (labels == c).sum().clamp_min(1e-12)  # error: LF206 at `hits /`
            """,
        ),
        Invalid(
            """
            import torch

            def tversky_loss(p, y):
                tp = (p * y).sum()
                fp = (p * (1 - y)).sum()
                return 1 - tp / (tp + fp)  # error: LF206 at `tp /`
            """,
            fixed="""
            import torch

            def tversky_loss(p, y):
                tp = (p * y).sum()
                fp = (p * (1 - y)).sum()
                return 1 - tp / (tp + fp).clamp_min(1e-12)  # error: LF206 at `tp /`
            """,
        ),
        Invalid(
            """
            import torch
            z = (x - x.mean()) / torch.std(x)  # error: LF206 at `(x - x.mean()) /`
            """,
            fixed="""
            import torch
            z = (x - x.mean()) / torch.std(x).clamp_min(1e-12)  # error: LF206 at `(x - x.mean()) /`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            n = (a - b) / tf.norm(a - b, axis=-1, keepdims=True)  # error: LF206 at `(a - b) /`
            """,
            fixed="""
            import tensorflow as tf
            n = (a - b) / tf.maximum(tf.norm(a - b, axis=-1, keepdims=True), 1e-12)  # error: LF206 at `(a - b) /`
            """,
        ),
        Invalid(
            """
            import torch
            import numpy as np

            def dice(p, t):
                return 2 * (p * t).sum() / (p.sum() + t.sum())  # error: LF206 at `2 * (p`
            """
        ),
        Invalid(
            """
            import torch

            def masked_mean(loss, labels):
                mask = labels != -100
                n = mask.sum()
                return (loss * mask).sum() / n  # error: LF206 at `(loss`
            """,
            fixed="""
            import torch

            def masked_mean(loss, labels):
                mask = labels != -100
                n = mask.sum()
                return (loss * mask).sum() / n.clamp_min(1e-12)  # error: LF206 at `(loss`
            """,
        ),
        Invalid(
            """
            import torch

            def masked_loss(loss, mask):
                return (loss * mask).sum() / mask.sum()  # error: LF206 at `(loss`

            def reshaped_loss(loss, mask):
                mask = mask.view(loss.shape)
                return (loss * mask).sum() / mask.sum()  # error: LF206 at `(loss`

            class Pool(torch.nn.Module):
                def forward(self, x, attention_mask):
                    m = attention_mask.unsqueeze(-1).float()
                    return (x * m).sum(1) / attention_mask.sum(1, keepdim=True)  # error: LF206 at `(x * m)`
            """
        ),
        Invalid(
            """
            import torch

            class Head(torch.nn.Module):
                def forward(self, x):
                    h = torch.relu(self.fc(x))
                    return h / h.norm(dim=-1, keepdim=True)  # error: LF206 at `h / h`
            """
        ),
    ]
    VALID = [
        *AUDIT_VALID,
        *BASIC_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        any_framework = num.imports_framework(model)
        reported: set[tuple[int, str, int]] = set()
        for division in num.divisions(model):
            finding = self._check(model, division, any_framework)
            if finding is None:
                continue
            key = _denominator_key(model, division.right)
            if key is not None:
                # one denominator, one bug: ``n = mask.sum()`` divides the
                # loss and three logged statistics of one function (trlx)
                if key in reported:
                    continue
                reported.add(key)
            yield finding

    def _check(
        self, model: SemanticModel, found: num.Division, any_framework: bool
    ) -> Finding | None:
        division, denominator = found.node, found.right
        what, framework = zero_able(model, num.resolve(model, denominator), found.left)
        if what is None:
            return None
        if framework is None and not any_framework:
            return None
        if framework is None and what == _STD and _numpy_transform(model, division):
            return None
        if num.where_guarded(model, division, denominator):
            return None
        if selects_by_counted_mask(model, found.left, denominator):
            return None
        # a test of what is summed (``if not mask.any(): return``) guards too
        for operand in reduced_operands(model, num.resolve(model, denominator)):
            if any(
                num.where_guarded(model, division, tested) for tested in mask_tests(model, operand)
            ):
                return None
        if num.nan_to_num_guarded(model, division):
            return None
        no_gradient = gradients(model).reach(division) is Reach.NO
        if no_gradient and not standardised_rollout(model, found):
            return None  # metric/evaluation/NumPy code: see `what`
        if framework is None and num.only_torch(model):
            framework = "torch"
        message = f"clamp the denominator to at least {EPS_DIV}"
        fix = clamp_fix(model, denominator, framework, EPS_DIV, message)
        hint = clamp_hint(framework, "eps")
        return Finding(
            node=division,
            message=f"division by {what} that can be 0 (0/0 = NaN, x/0 = inf); "
            + (f"clamp it ({hint}) or add an eps" if hint else "clamp it or add an eps"),
            fix=fix,
        )


def _numpy_transform(model: SemanticModel, division: cst.CSTNode) -> bool:
    """``(seq - seq.mean()) / seq.std()`` in a method of a plain class, in a
    module that computes with NumPy and never reads its torch import: a data
    transform standardising a NumPy sample (DL-based Intelligent Diagnosis
    Benchmark's ``Normalize``, audit s210)."""
    cls = model.enclosing(division, cst.ClassDef)
    return (
        isinstance(cls, cst.ClassDef)
        and plain_class(model, cls)
        and num.uses_framework(model, ("numpy",))
        and not num.uses_framework(model)
    )


#: the label ``zero_able`` gives a standard deviation
_STD = "a standard deviation"


def _denominator_key(
    model: SemanticModel, denominator: cst.BaseExpression
) -> tuple[int, str, int] | None:
    """A name as denominator: its scope, its name and the assignment that
    gives it its value here (the same ``n`` divided twice is one finding)."""
    if not isinstance(denominator, cst.Name):
        return None
    bound = reaching_assignment(model, denominator)
    return (id(model.scope_of(denominator).node), denominator.value, id(bound))
