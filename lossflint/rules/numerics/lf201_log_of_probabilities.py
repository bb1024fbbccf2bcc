"""LF201 log-of-probabilities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.apis import Kind
from lossflint.analysis.distribution_peaks import softmax_peak
from lossflint.analysis.log_calls import (
    LogCall,
    branch_probabilities,
    log_calls,
    log_index,
    probability_log,
    probability_product,
    sampling_logits,
)
from lossflint.diagnostics import Finding, RelatedNode, RelatedSite, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.activation_inputs import of_bounded_input, of_constants
from lossflint.rules.numerics.fixed_target_formula import hand_written_formula
from lossflint.rules.numerics.fixes import log_probability_fix
from lossflint.rules.numerics.lf201_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.numerics.lf201_branch_examples import BRANCH_INVALID, BRANCH_VALID
from lossflint.rules.numerics.lf201_compiled_loss_examples import COMPILED_INVALID, COMPILED_VALID
from lossflint.rules.numerics.lf201_helper_examples import HELPER_INVALID, HELPER_VALID
from lossflint.rules.numerics.lf201_product_examples import PRODUCT_INVALID, PRODUCT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class LogOfProbabilities(Rule):
    code = "LF201"
    name = "log-of-probabilities"
    severity = Severity.ERROR
    summary = "`log(softmax(x))` / `log(sigmoid(x))`: use the fused log-space function"
    fix_kind = "safe"
    needs = ("log",)
    about_its_value = True
    what = """
Flags the logarithm of softmax or sigmoid output: `torch.log(torch.softmax(x, 1))`,
`x.softmax(1).log()`, `torch.log(torch.sigmoid(z))`, `torch.log(1 - torch.sigmoid(z))`,
`tf.math.log(tf.nn.softmax(x))`, the Keras backend's `K.log` / `keras.ops.log`, and
`np.log` applied to such framework tensors, inline or through a variable that holds
softmax/sigmoid output on every path (also a Keras layer's: `Softmax()(x)`,
`Activation("sigmoid")(x)`, `Dense(n, activation="softmax")(x)`, `K.softmax(x)`).
Also the log of a product holding such output (`log(s(x) * (1 - s(x)))`), or of
its mean or sum (GRU4Rec's BPR-max `-log(mean(softmax(a) * sigmoid(d)))`), with no
eps inside the log. A log of such a
variable inside a hand-written cross-entropy (`-(y * torch.log(p)).sum(1)`) is
LF203's: that finding points at the formula, whose fix is the built-in loss on
the logits.
"""
    why = """
Softmax and sigmoid underflow to exactly 0 for large negative inputs (a logit
gap of ~100 in float32 is enough). `log(0)` is `-inf`, the loss becomes inf and
the gradient NaN. The fused functions (`log_softmax`, `logsigmoid`) compute the
same value in log space and never underflow.
"""
    example = """
    import torch
    import torch.nn.functional as F

    log_p = torch.log(torch.softmax(logits, dim=1))  # error: LF201
    stable_log_p = torch.log_softmax(logits, dim=1)  # OK: stable

    log_q = torch.log(1 - torch.sigmoid(z))  # error: LF201
    stable_log_q = F.logsigmoid(-z)  # OK: stable
    """
    use_instead = """
    import torch
    import torch.nn.functional as F

    log_p = torch.log_softmax(logits, dim=1)
    log_q = F.logsigmoid(-z)  # log(1 - sigmoid(z))
    """
    references = (
        (
            "PyTorch: torch.log_softmax",
            "https://pytorch.org/docs/stable/generated/torch.log_softmax.html",
        ),
        (
            "PyTorch: torch.nn.functional.logsigmoid",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.logsigmoid.html",
        ),
    )
    fix_safety = """
Safe for the inline forms: `log_softmax(x, dim)` and `logsigmoid(x)` are
mathematically identical and only remove the underflow. `torch.nn.functional`
is imported as `F` when the file does not import it yet. When the softmax sits
in another statement, the finding has no automatic fix.
"""
    INVALID = [
        # the decoder reaches the loss helper through two calls (a chatbot
        # notebook's trainIters -> train -> decoder)
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            def masked_nll(out, t):
                return -torch.log(torch.gather(out, 1, t.view(-1, 1))).mean()  # error: LF201

            class Decoder(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.out = torch.nn.Linear(4, 3)

                def forward(self, h):
                    return F.softmax(self.out(h), dim=1), h

            def train(decoder, h, t):
                out, hidden = decoder(h)
                masked_nll(out, t).backward()

            def train_iters(decoder, h, t):
                train(decoder, h, t)

            train_iters(Decoder(), torch.randn(2, 4), torch.tensor([0, 1]))
            """
        ),
        # a selection of probabilities is still probabilities (d2l-style
        # softmax regression, the TF1 REINFORCE estimator)
        Invalid(
            """
            import torch
            p = torch.softmax(x @ w + b, dim=1)
            nll = -torch.log(p.gather(1, y.view(-1, 1))).sum()  # error: LF201 at `torch.log(`
            picked = -torch.log(torch.gather(p, 1, y[:, None])).mean()  # error: LF201 at `torch.log(`
            """
        ),
        Invalid(
            """
            import tensorflow as tf

            def policy_loss(out, action, target):
                probs = tf.squeeze(tf.nn.softmax(out))
                picked = tf.gather(probs, action)
                return -tf.math.log(picked) * target  # error: LF201 at `tf.math.log(`
            """
        ),
        Invalid(
            """
            import torch
            lp = torch.log(torch.softmax(x, dim=1))  # error: LF201 at `torch.log(`
            """,
            fixed="""
            import torch
            lp = torch.log_softmax(x, dim=1)  # error: LF201 at `torch.log(`
            """,
        ),
        Invalid(
            """
            import torch
            lp = torch.softmax(x, 1).log()  # error: LF201 at `torch.softmax(`
            """,
            fixed="""
            import torch
            lp = torch.log_softmax(x, 1)  # error: LF201 at `torch.softmax(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            lq = torch.log(1 - torch.sigmoid(z))  # error: LF201 at `torch.log(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            lq = F.logsigmoid(-z)  # error: LF201 at `torch.log(`
            """,
        ),
        Invalid(
            """
            import torch
            lq = torch.log(torch.sigmoid(a + b))  # error: LF201 at `torch.log(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            lq = F.logsigmoid(a + b)  # error: LF201 at `torch.log(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            lp = tf.math.log(tf.nn.softmax(logits))  # error: LF201 at `tf.math.log(`
            """,
            fixed="""
            import tensorflow as tf
            lp = tf.nn.log_softmax(logits)  # error: LF201 at `tf.math.log(`
            """,
        ),
        Invalid(
            """
            import numpy as np
            import torch
            p = np.log(torch.sigmoid(t))  # error: LF201 at `np.log(`
            """
        ),
        *AUDIT_INVALID,
        *BRANCH_INVALID,
        *PRODUCT_INVALID,
        *COMPILED_INVALID,
        *HELPER_INVALID,
    ]
    VALID = [
        # clamped in place just before the log (C51 / Rainbow DQN)
        """
        import torch.nn.functional as F

        def td_loss(logits, proj_dist):
            dist = F.softmax(logits, dim=1)
            dist.data.clamp_(0.01, 0.99)
            return -(proj_dist * dist.log()).sum(1).mean()
        """,
        # the selection taken of log-probabilities, or guarded
        """
        import torch
        lp = torch.log_softmax(x @ w + b, dim=1)
        nll = -lp.gather(1, y.view(-1, 1)).sum()
        p = torch.softmax(x @ w + b, dim=1)
        picked = -torch.log(p.gather(1, y.view(-1, 1)).clamp_min(1e-8)).mean()
        """,
        # an illustration on fixed numbers (rasbt ch14): the softmax is far from 0
        """
        import torch
        logits = torch.tensor([[1.5, 0.8, 2.1]])
        print(torch.log(torch.softmax(logits, dim=1)))
        print(torch.log(torch.tensor([[1.5, 0.8, 2.1]]).softmax(dim=1)))
        """,
        """
        import torch
        lp = torch.log_softmax(x, dim=1)
        """,
        """
        import torch
        import torch.nn.functional as F
        lq = F.logsigmoid(z)
        """,
        # guarded: clamp keeps the argument away from 0
        """
        import torch
        lp = torch.log(torch.softmax(x, 1).clamp_min(1e-8))
        """,
        """
        import torch
        lp = torch.log(torch.softmax(x, 1) + 1e-8)
        """,
        # a user-defined softmax is not the framework's
        """
        import torch
        def softmax(x):
            return x
        lp = torch.log(softmax(y))
        """,
        # a branch where the kind differs
        """
        import torch
        if cond:
            p = torch.softmax(x, 1)
        else:
            p = x
        lp = torch.log(p)
        """,
        # shadowed torch
        """
        import torch
        def f(torch):
            return torch.log(torch.softmax(x, 1))
        """,
        """
        import math
        y = math.log(2.0)
        """,
        """
        import torch
        p = torch.softmax(x, 1)
        p = p.clamp(1e-6, 1.0)
        lp = torch.log(p)
        """,
        *AUDIT_VALID,
        *BRANCH_VALID,
        *PRODUCT_VALID,
        *COMPILED_VALID,
        *HELPER_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        logs: dict[cst.Call, LogCall] = {}
        for log in log_calls(model):
            finding = self._check_log(model, log, logs)
            if finding is not None:
                yield finding

    def _check_log(
        self, model: SemanticModel, log: LogCall, logs: dict[cst.Call, LogCall]
    ) -> Finding | None:
        found = probability_log(model, log)
        if found is None and not sampling_logits(model, log.node):
            product = probability_product(model, log)
            if product is not None and not of_constants(model, product[0].origin):
                if product[2]:
                    return Finding(
                        node=log.node,
                        message="log of a mean or sum of products holding probabilities "
                        "underflows to log(0) = -inf once every term does; add an eps "
                        "inside the log or compute it in log space (logsumexp of the "
                        "factors' fused logs)",
                    )
                fused = (
                    "log_softmax"
                    if product[0].kind is Kind.PROBS
                    else "logsigmoid: log(s(x) * (1 - s(x))) = logsigmoid(x) + logsigmoid(-x)"
                )
                return Finding(
                    node=log.node,
                    message="log of a product holding probabilities underflows to "
                    f"log(0) = -inf with them; take the sum of the factors' logs, each fused "
                    f"({fused})",
                )
        if found is None and not sampling_logits(model, log.node):
            return self._branches(model, log, logs)
        if found is None or sampling_logits(model, log.node):
            return None
        value, target, complement = found
        if of_constants(model, value.origin):
            return None  # a printed illustration: softmax of fixed numbers is far from 0
        if of_bounded_input(model, value.origin):
            return None  # sigmoid(label * p): its input is in [0, 1], its output far from 0
        if complement is None and softmax_peak(model, log.argument):
            return None  # the largest probability of a softmax row is at least 1/n
        inline = value.origin is target
        if not inline:
            if not logs:
                logs.update(log_index(model))
            formula = hand_written_formula(model, log, logs)
            if formula is not None and log in formula.logs:
                return None  # `-(y * log(p))` with p softmax output: LF203 reports the formula
        what = "softmax" if value.kind is Kind.PROBS else "sigmoid"
        evidence = "" if inline else model.kinds.describe(value)
        subject = f"1 - {what}" if complement is not None else what
        message = f"log of {subject} output underflows to log(0) = -inf"
        if evidence:
            message += f" (it comes from {evidence})"
        if isinstance(target, cst.Attribute) and target.attr.value == "probs":
            # ``torch.log(pi.probs)`` of a distribution built from logits
            message += f"; use `{model.code(target.value)}.logits` (normalised log-probabilities)"
        elif value.kind is Kind.PROBS:
            message += "; use log_softmax"
        else:
            # TensorFlow spells it ``tf.math.log_sigmoid`` (Keras ``ops.log_sigmoid``);
            # torch ``F.logsigmoid``
            fused = "log_sigmoid" if log.framework in ("tensorflow", "keras") else "logsigmoid"
            message += f"; use {fused}" + ("(-x)" if complement is not None else "")
        fix = (
            log_probability_fix(model, log, target, value.kind, complement is not None)
            if inline
            else None
        )
        related: tuple[RelatedNode | RelatedSite, ...] = ()
        if value.site is not None:  # produced in another project module
            site = value.site
            related = (RelatedSite(f"{what} applied here", site.file, site.line, site.column),)
        elif not inline and value.origin is not None:
            related = (RelatedNode(f"{what} applied here", value.origin),)
        return Finding(node=log.node, message=message, fix=fix, related=related)

    def _branches(
        self, model: SemanticModel, log: LogCall, logs: dict[cst.Call, LogCall]
    ) -> Finding | None:
        """Softmax on one arm of an ``if`` and sigmoid on the other: the log
        of either underflows, each arm has its own fused function."""
        arms = branch_probabilities(model, log)
        if arms is None or any(
            of_constants(model, arm.origin) or of_bounded_input(model, arm.origin) for arm in arms
        ):
            return None
        if not logs:
            logs.update(log_index(model))
        formula = hand_written_formula(model, log, logs)
        if formula is not None and log in formula.logs:
            return None  # a cross-entropy written out: LF203's
        sigmoid = "log_sigmoid" if log.framework in ("tensorflow", "keras") else "logsigmoid"
        evidence = ", ".join(model.kinds.describe(arm) for arm in arms)
        names = {Kind.PROBS: "softmax applied here", Kind.SIGMOID_PROBS: "sigmoid applied here"}
        related = tuple(RelatedNode(names[a.kind], a.origin) for a in arms if a.origin is not None)
        return Finding(
            node=log.node,
            message=f"log of softmax or sigmoid output (by branch: {evidence}) underflows "
            f"to log(0) = -inf; take log_softmax on the softmax arm and {sigmoid} on the "
            "sigmoid arm",
            related=related,
        )
