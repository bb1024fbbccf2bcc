"""LF203 hand-written-cross-entropy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.apis import Kind
from lossflint.analysis.log_calls import log_index
from lossflint.analysis.positive_rates import rates
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import Finding, RelatedNode, RelatedSite, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.activation_inputs import of_constants
from lossflint.rules.numerics.fixed_target_formula import hand_written_formula
from lossflint.rules.numerics.lf203_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.numerics.log_terms import a_width, cannot_underflow

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class HandWrittenCrossEntropy(Rule):
    code = "LF203"
    name = "hand-written-cross-entropy"
    severity = Severity.WARNING
    summary = "hand-written cross-entropy `-(y * log(p))`: use the built-in loss on logits"
    needs = ("log",)
    about_its_value = True
    what = """
Flags a cross-entropy written out by hand: `-(y * torch.log(p)).sum(dim)`,
`-torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))`, the TensorFlow
spellings `-tf.reduce_sum(y * tf.math.log(p))` / `tf.log(p)` (TF1), and the Keras
backend's `-K.sum(y_true * K.log(y_pred), axis=-1)` (or `keras.ops`). The
negation may come where the log-likelihood's name is used
(`like = y * tf.log(p) + ...`, then `loss = -tf.reduce_mean(like)`). The finding points at the formula and, when `p` is known softmax/sigmoid
output (a variable, a model's output, a parameter every caller fills so, also
in another file), names where it comes from. Only a log of inline softmax
(`y * torch.log(torch.softmax(z, 1))`) is LF201's instead: its fix makes the
formula stable as it stands. A softmax or sigmoid written by hand
(`1 / (1 + tf.exp(-z))`) is reported here.

A guarded log (`clamp`, `+ eps`, `tf.clip_by_value`, `K.clip`, `maximum(p, eps)`) is
reported only when the built-in loss on logits can replace the formula: the
log is torch's, TensorFlow's or the Keras backend's (never NumPy's or `math`'s) and `p`, with its guard stripped, is known to be softmax/sigmoid
output (here, a model's output, a parameter every caller fills so, a Keras
model ending in softmax, or written by hand). There the guard keeps the loss
finite but costs it: a clamp zeroes the gradient wherever `p` saturates past
its bounds, an eps biases the loss. A guarded `p` of unknown origin, a NumPy
formula and a clamp by assignment (`if p < eps: p = eps`, `p[p < eps] = eps`)
are not reported: the guard is the fix there. Entropy terms
(`-(p * log(p + eps))`, the same `p` on both sides) are not cross-entropies.
A GAN's binary cross-entropy written with its targets fixed,
`-(tf.log(d_real + eps) + tf.log(1 - d_fake + eps))` or `-tf.log(d_fake + eps)`
on sigmoid output, is reported too (unguarded, each log is LF201's).
The formula illustrated on literal probabilities
(`np.log(np.array([0.7, 0.2, 0.1]))`) is not reported: a constant cannot
underflow.
"""
    why = """
The textbook formula is the numerically unstable one: once a probability
underflows to 0, `log(p)` is `-inf` and `0 * -inf` is NaN. The built-in losses
(`F.cross_entropy`, `F.binary_cross_entropy_with_logits`,
`tf.nn.softmax_cross_entropy_with_logits`) take logits and compute the same
value in log space.
"""
    example = """
    import torch
    import torch.nn.functional as F

    loss = -(y * torch.log(p)).sum(dim=1).mean()  # error: LF203
    loss_ok = F.cross_entropy(logits, y)  # OK: on logits, stable

    bce = -(t * torch.log(q) + (1 - t) * torch.log(1 - q)).mean()  # error: LF203
    bce_ok = F.binary_cross_entropy_with_logits(z, t)  # OK
    """
    use_instead = """
    import torch.nn.functional as F

    loss = F.cross_entropy(logits, y)
    bce = F.binary_cross_entropy_with_logits(z, t)
    """
    references = (
        (
            "PyTorch: torch.nn.functional.cross_entropy",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html",
        ),
        (
            "PyTorch: torch.nn.functional.binary_cross_entropy_with_logits",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy_with_logits.html",
        ),
    )
    fix_safety = """
There is no automatic fix: the built-in loss needs the logits, which the
formula no longer sees.
"""
    INVALID = [
        # the same function once called with a model's output: p can underflow
        Invalid(
            """
            from numpy import log

            def cross_entropy(y, a):
                return -1 * (y * log(a) + (1 - y) * log(1 - a))  # error: LF203 at `-1 * (`

            cross_entropy(1, 0.9997)
            cross_entropy(labels, model.predict_proba(x)[:, 1])
            """
        ),
        Invalid(
            """
            import torch

            def loss(p, y):
                return -(y * torch.log(p)).sum(dim=1).mean()  # error: LF203 at `-(y`
            """
        ),
        Invalid(
            """
            import torch

            def bce(q, t):
                return -torch.mean(t * torch.log(q) + (1 - t) * torch.log(1 - q))  # error: LF203 at `-torch.mean(`
            """
        ),
        Invalid(
            """
            import tensorflow as tf

            def xent(y_, y):
                return tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))  # error: LF203 at `tf.reduce_mean(`
            """
        ),
        Invalid(
            """
            import tensorflow as tf
            ce = -tf.reduce_sum(labels * tf.math.log(pred))  # error: LF203 at `-tf.reduce_sum(`
            """
        ),
        Invalid(
            """
            import torch

            def bce(q, t):
                return (-t * q.log() - (1 - t) * (1 - q).log()).mean()  # error: LF203 at `(-t`
            """
        ),
        # a softmax written by hand is still a probability
        Invalid(
            """
            import torch

            def xent(x, y):
                p = torch.exp(x) / torch.exp(x).sum(1, keepdim=True)
                return -(y * torch.log(p)).sum(1).mean()  # error: LF203
            """
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        *AUDIT_VALID,
        # the logit of a setting: `-1 * log(x)` weighs no label (a bug report's LabelModel)
        """
        import numpy as np
        import torch

        class LabelModel(torch.nn.Module):
            def __init__(self, num_lfs, init_acc=0.7):
                super().__init__()
                init_acc = -1 * np.log(1.0 / init_acc - 1) / 2
                self.accuracy = torch.nn.Parameter(torch.full((num_lfs,), init_acc))
        """,
        # a teaching cell: the formula only ever called with literal probabilities
        """
        from numpy import log

        def cross_entropy(y, a):
            return -1 * (y * log(a) + (1 - y) * log(1 - a))

        cross_entropy(1, 0.9997)
        cross_entropy(0, 0.1192)
        cross_entropy(1, 1 - 0.1192)
        """,
        # every element clipped into [eps, 1 - eps] first (codebasics' log loss)
        """
        import numpy as np

        def log_loss(y_true, y_predicted):
            epsilon = 1e-15
            clipped = [max(i, epsilon) for i in y_predicted]
            clipped = [min(i, 1 - epsilon) for i in clipped]
            clipped = np.array(clipped)
            return -np.mean(y_true * np.log(clipped) + (1 - y_true) * np.log(1 - clipped))
        """,
        # the formula illustrated on literal probabilities (PyTorchZeroToAll)
        """
        import numpy as np
        Y = np.array([1, 0, 0])
        Y_pred1 = np.array([0.7, 0.2, 0.1])
        print(f"Loss1: {np.sum(-Y * np.log(Y_pred1)):.4f}")
        """,
        """
        import torch
        loss = -(y * torch.log(p + 1e-8)).sum()
        """,
        """
        import torch
        loss = -(y * torch.log(p.clamp(min=1e-7))).sum()
        """,
        """
        import torch
        loss = -(y * torch.log_softmax(z, dim=1)).sum(1).mean()
        """,
        # entropy, not a cross-entropy
        """
        import torch
        h = -(p * torch.log(p)).sum(1)
        """,
        # ... written with the sign on the factor (a pandas transition table's
        # entropy in a Kaggle notebook, session-9 corpus)
        """
        import numpy as np
        P = (counts / counts.sum()).unstack()
        caliber = (- P * np.log(P)).sum().sum()
        """,
        # KL divergence term: not negated
        """
        import torch
        kl = (p * torch.log(p / q)).sum()
        """,
        # math.log on floats
        """
        import math
        nll = -(w * math.log(0.5))
        """,
        # a user function called log
        """
        def log(x):
            return x
        loss = -(y * log(p)).sum()
        """,
        # clipped in a reassignment of the parameter (Keras' own backend)
        """
        import tensorflow as tf

        def xent(target, output, eps):
            output = tf.clip_by_value(output, eps, 1.0 - eps)
            return -tf.reduce_sum(target * tf.math.log(output), -1)
        """,
        # focal loss: clamped, then the target class picked (the bound holds)
        """
        import torch
        import torch.nn.functional as F
        def focal(logits, target, gamma=2.0):
            probs = F.softmax(logits, dim=1).clamp(min=1e-6)
            pt = probs.gather(1, target.unsqueeze(1)).squeeze(1)
            return (-((1 - pt) ** gamma) * torch.log(pt)).mean()
        """,
        # an energy score: the log of a sum of exponentials is no probability (LF204's)
        """
        import torch
        def energy(x, t):
            return -t * torch.log(torch.sum(torch.exp(x), dim=-1))
        """,
        # softmax inline: LF201 reports the log and fixes it
        """
        import torch
        loss = -(y * torch.log(torch.softmax(z, 1))).sum()
        """,
        # a KL divergence between the policy before and after a step, logged
        # (Deep-Reinforcement-Learning-Hands-On): the log of a ratio, not of p
        """
        import torch.nn.functional as F

        def kl(prob_v, new_logits_v):
            new_prob_v = F.softmax(new_logits_v, dim=1)
            return -((new_prob_v / prob_v).log() * prob_v).sum(dim=1).mean()
        """,
        # clipped by the project's own helper first (bubbliiiing's YOLO losses)
        """
        import torch

        class YOLOLoss(torch.nn.Module):
            def clip_by_tensor(self, t, t_min, t_max):
                result = (t >= t_min).float() * t + (t < t_min).float() * t_min
                return (result <= t_max).float() * result + (result > t_max).float() * t_max

            def bce(self, pred, target):
                epsilon = 1e-7
                pred = self.clip_by_tensor(pred, epsilon, 1.0 - epsilon)
                return -target * torch.log(pred) - (1.0 - target) * torch.log(1.0 - pred)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        logs = log_index(model)
        seen: set[cst.CSTNode] = set()
        for log in logs.values():
            formula = hand_written_formula(model, log, logs)
            if formula is None or formula.top in seen:
                continue
            seen.add(formula.top)
            arguments = [m.argument for m in formula.logs]
            if cannot_underflow(model, arguments) or rates(model, arguments):
                continue
            if any(a_width(model, m.argument) for m in formula.logs):
                continue  # ``-d * log(high - low)``: a uniform density, no probability
            known = formula.probabilities
            if known is not None and of_constants(model, known.origin):
                # softmax of fixed numbers (a uniform prior ``softmax(ones_like(p))``):
                # far from 0, and no gradient reaches it
                continue
            framework = formula.logs[0].framework
            what = "binary cross-entropy" if formula.binary else "cross-entropy"
            binary = (
                formula.binary
                or (known is not None and known.kind is Kind.SIGMOID_PROBS)
                or formula.source == "sigmoid"
            )
            use = _USE[framework if framework in _USE else "torch"][binary]
            if formula.guard:
                harm = _GUARD_HARM[formula.guard]
                message = (
                    f"hand-written {what} on {formula.source} output: the {formula.guard} "
                    f"keeps log(p) finite but {harm}; use {use}"
                )
            else:
                message = f"hand-written {what}{_evidence(model, known)}: log(p) is -inf once p underflows to 0, and 0 * -inf is NaN; use {use}"
            related = _related(known) if not formula.guard else ()
            yield Finding(node=formula.top, message=message, related=related)


def _evidence(model: SemanticModel, known: Tensor | None) -> str:
    """`` on softmax output (it comes from ...)`` for a formula whose ``p`` is
    known softmax/sigmoid output, else ``""``."""
    if known is None:
        return ""
    what = "softmax" if known.kind is Kind.PROBS else "sigmoid"
    described = model.kinds.describe(known)
    return f" on {what} output" + (f" (it comes from {described})" if described else "")


def _related(known: Tensor | None) -> tuple[RelatedNode | RelatedSite, ...]:
    if known is None:
        return ()
    what = "softmax" if known.kind is Kind.PROBS else "sigmoid"
    if known.site is not None:  # produced in another project module
        site = known.site
        return (RelatedSite(f"{what} applied here", site.file, site.line, site.column),)
    if known.origin is not None:
        return (RelatedNode(f"{what} applied here", known.origin),)
    return ()


#: what a guard costs a formula on softmax/sigmoid output
_GUARD_HARM = {
    "clamp": "zeroes the gradient wherever p saturates past its bounds",
    "eps": "biases the loss and its gradient",
}


#: the stable form to suggest, per framework of the log: (categorical, binary: sigmoid's too)
_USE = {
    "torch": (
        "`F.cross_entropy` on the logits",
        "`F.binary_cross_entropy_with_logits` on the logits",
    ),
    "tensorflow": (
        "`tf.nn.softmax_cross_entropy_with_logits`",
        "`tf.nn.sigmoid_cross_entropy_with_logits`",
    ),
    "keras": (
        "`keras.losses.categorical_crossentropy(y, logits, from_logits=True)` on the logits",
        "`keras.losses.binary_crossentropy(y, logits, from_logits=True)` on the logits",
    ),
    "numpy": (
        "`scipy.special.log_softmax` on the scores, or clip p to [eps, 1] first",
        "`sklearn.metrics.log_loss`, or clip p to [eps, 1 - eps] first",
    ),
}
