"""LF204 naive-logsumexp."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis, exp_overflow
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.fixes import logsumexp_fix, softmax_fix, softplus_fix
from lossflint.rules.numerics.lf204_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class NaiveLogsumexp(Rule):
    code = "LF204"
    name = "naive-logsumexp"
    severity = Severity.WARNING
    summary = "`log(sum(exp(x)))`, `log(1 + exp(x))`, `exp(x) / exp(x).sum()` overflow"
    fix_kind = "safe"
    needs = ("exp",)
    about_its_value = True
    what = """
Flags the naive forms of four fused functions: `log(sum(exp(x)))` (logsumexp),
`log(exp(a) + exp(b))` (logaddexp), `log(1 + exp(x))` / `log1p(exp(x))`
(softplus) and `exp(x) / exp(x).sum(dim)` (softmax, also with the row sums
reshaped to broadcast: `.unsqueeze(1)`, `.view(-1, 1)`, `[:, None]`), and the
log-likelihood of one score against all, `log(exp(s) / sum(exp(S), 1))` (a
skip-gram's naive softmax), in torch and TensorFlow, inline or through variables; a running or weighted sum
(`log(cumsum(exp(x)))`, `log(sum(exp(x) * mask) / sum(mask))`: Cox partial likelihoods) and a
shifted softplus (`log(0.5 * exp(x) + 0.5)`) too (no fix); logsumexp and logaddexp also in NumPy
(`np.log(np.sum(np.exp(x)))` overflows at x ≳ 709 in float64). `exp` of a
value that cannot be large (log-probabilities, a negated value, `x - x.max()`
also through a reassignment `x = x - m`, a constant such as `exp(30.)`, a clamp
capped at 80 or below such as `x.clamp(max=50)`) is not
reported — but a tensor subtracted from a (scaled) matrix product that is
computed from none of its names and is no maximum is a correction, not a shift
(`u @ v.t() / T - logq.unsqueeze(0)`: log q only raises the scores) —, nor NumPy's softplus (curves plotted over small ranges), nor `math`
(it raises OverflowError instead of returning inf). A division reported here
is not reported again by LF206.
"""
    why = """
`exp` overflows to inf for x ≳ 88 in float32 (≈ 11 in float16): the result is
inf or NaN (`inf / inf`). `torch.logsumexp`, `F.softplus` and `softmax` compute
the same values with the maximum subtracted first and never overflow.
"""
    example = """
    import torch
    import torch.nn.functional as F

    lse = torch.log(torch.exp(scores).sum(dim=1))  # error: LF204
    lse_ok = torch.logsumexp(scores, dim=1)  # OK

    sp = torch.log(1 + torch.exp(z))  # error: LF204
    sp_ok = F.softplus(z)  # OK
    """
    use_instead = """
    import torch
    import torch.nn.functional as F

    lse = torch.logsumexp(scores, dim=1)
    sp = F.softplus(z)
    """
    references = (
        (
            "PyTorch: torch.logsumexp",
            "https://pytorch.org/docs/stable/generated/torch.logsumexp.html",
        ),
        (
            "PyTorch: torch.nn.functional.softplus",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.softplus.html",
        ),
    )
    fix_safety = """
Safe: the fused functions are mathematically identical. The fix is offered
for inline forms only: `logsumexp` needs the reduced `dim` (`torch.sum` without
`dim` is left alone), the softmax rewrite needs `keepdim=True`.
`torch.nn.functional` is imported as `F` when the file does not import it yet.
"""
    INVALID = [
        *AUDIT_INVALID,
        # written with transposes so the row sums broadcast (a course notebook)
        Invalid(
            """
            import torch
            def softmax(z):
                return (torch.exp(z.t()) / torch.sum(torch.exp(z), dim=1)).t()  # error: LF204
            probas = softmax(x @ w.t())
            """
        ),
        # log(mean(exp(x))) = logsumexp(x) - log(n) (a MINE bound); the Keras backend
        Invalid(
            """
            import torch
            def mine_bound(t_joint, t_marginal):
                return t_joint.mean() - torch.log(torch.mean(torch.exp(t_marginal)))  # error: LF204 at `torch.log(`
            """
        ),
        Invalid(
            """
            from tensorflow.keras import backend as K
            def mine_loss(y_true, y_pred):
                joint, marginal = y_pred[:64], y_pred[64:]
                return -(K.mean(joint) - K.log(K.mean(K.exp(marginal))))  # error: LF204 at `K.log(`
            def lse(x):
                return K.log(K.sum(K.exp(x), axis=-1))  # error: LF204 at `K.log(`
            """
        ),
        Invalid(
            """
            import torch
            lse = torch.log(torch.exp(s).sum(dim=1))  # error: LF204 at `torch.log(`
            """,
            fixed="""
            import torch
            lse = torch.logsumexp(s, dim=1)  # error: LF204 at `torch.log(`
            """,
        ),
        Invalid(
            """
            import torch
            sp = torch.log(1 + torch.exp(z))  # error: LF204 at `torch.log(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            sp = F.softplus(z)  # error: LF204 at `torch.log(`
            """,
        ),
        Invalid(
            """
            import torch
            p = torch.exp(x) / torch.exp(x).sum(-1, keepdim=True)  # error: LF204 at `torch.exp(`
            """,
            fixed="""
            import torch
            p = torch.softmax(x, -1)  # error: LF204 at `torch.exp(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            lse = tf.math.log(tf.reduce_sum(tf.exp(s), axis=1))  # error: LF204 at `tf.math.log(`
            """,
            fixed="""
            import tensorflow as tf
            lse = tf.math.reduce_logsumexp(s, axis=1)  # error: LF204 at `tf.math.log(`
            """,
        ),
        Invalid(
            """
            import torch

            def f(x):
                e = x.exp()
                return e / e.sum(1, keepdim=True)  # error: LF204 at `e / e`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            sp = torch.log1p(torch.exp(z))  # error: LF204 at `torch.log1p(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            sp = F.softplus(z)  # error: LF204 at `torch.log1p(`
            """,
        ),
        Invalid(
            """
            import numpy as np
            v = np.log(np.sum(np.exp(x)))  # error: LF204 at `np.log(`
            w = np.log(np.exp(s).sum(axis=1))  # error: LF204 at `np.log(`
            """
        ),
        Invalid(
            """
            import torch
            v = torch.log(torch.exp(a) + torch.exp(b))  # error: LF204 at `torch.log(`
            """
        ),
        # the sum reshaped and padded with an eps (gsasrec's XE-NDCG, audit R97):
        # the eps keeps the denominator off 0, not the exponentials off inf
        Invalid(
            """
            import tensorflow as tf

            def xendcg(pred, eps=1e-5):
                e = tf.exp(pred)
                return e / (tf.expand_dims(tf.math.reduce_sum(e, axis=1), 1) + eps)  # error: LF204
            """
        ),
    ]
    VALID = [
        # exp of a tanh is at most e (kaggle_jigsaw's attention, audit R98)
        """
        import torch

        def attend(scores, rnn_output):
            w = torch.tanh(scores)
            w = torch.exp(w)
            w = w / (torch.sum(w, dim=1, keepdim=True) + 1e-7)
            return torch.sum(w * rnn_output, dim=1)
        """,
        *AUDIT_VALID,
        # the fused form, and the mean of exp of a shifted value
        """
        import math
        import torch
        from tensorflow.keras import backend as K
        def mine_bound(t_joint, t_marginal):
            lme = torch.logsumexp(t_marginal, 0) - math.log(t_marginal.size(0))
            return t_joint.mean() - lme
        def shifted(x):
            m = K.max(x)
            return K.log(K.mean(K.exp(x - m))) + m
        """,
        # a NumPy exp summed by a torch log: mixed, not read
        """
        import numpy as np
        import torch
        v = torch.log(torch.tensor(np.exp(x).sum()))
        """,
        # constants cannot overflow later (issue 15)
        """
        import torch
        X = 30.0
        a = torch.log(torch.exp(torch.tensor(30.0)) + 1.0)
        b = torch.log(1 + torch.exp(torch.tensor(X)))
        c = torch.log(torch.exp(torch.tensor([1.0, 2.0])).sum())
        """,
        # the max-subtracted softmax and logsumexp, through a reassignment
        """
        import torch

        def softmax(x):
            x = x - x.max(dim=1, keepdim=True).values
            e = torch.exp(x)
            return e / e.sum(dim=1, keepdim=True)

        def lse(x):
            m = x.amax(dim=-1, keepdim=True)
            x = x - m
            return torch.log(torch.exp(x).sum(-1)) + m.squeeze(-1)
        """,
        # a Gaussian kernel: the exponent is never positive
        """
        import torch
        x = torch.linspace(-2.0, 2.0, steps=5)
        pdf = torch.exp(-0.5 * (x / 1.5).pow(2))
        kernel = pdf / pdf.sum()
        """,
        """
        import torch
        lse = torch.logsumexp(s, dim=1)
        """,
        # the max trick
        """
        import torch
        m = s.max(1, keepdim=True).values
        lse = torch.log(torch.exp(s - m).sum(1))
        """,
        # exp of log-probabilities cannot overflow
        """
        import torch
        lp = torch.log_softmax(z, 1)
        t = torch.log(torch.exp(lp).sum(1))
        """,
        # exp of a negated distance
        """
        import torch
        k = torch.log(1 + torch.exp(-d))
        """,
        # math on Python floats raises OverflowError instead of returning inf
        """
        import math
        v = math.log(1 + math.exp(x))
        """,
        # NumPy softplus: curves plotted over a small range (handson-ml3)
        """
        import numpy as np
        z = np.linspace(-5, 5, 200)
        s = np.log(1 + np.exp(z))
        """,
        # log(exp(a) + exp(b)) of bounded values
        """
        import torch
        v = torch.log(torch.exp(-a) + torch.exp(-b))
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for form in exp_overflow.naive_forms(model):
            yield _finding(model, form)


_VARIANT_MESSAGES = {
    "cumsum": "log(cumsum(exp(x))) overflows once x ≳ 88 (float32); use logcumsumexp "
    "(torch.logcumsumexp, tf.math.cumulative_logsumexp), which subtracts the maximum first",
    "weighted": "log(sum(exp(x) * w)) overflows once x ≳ 88 (float32), and inf * 0 is NaN; "
    "it is logsumexp(x + log(w)): use logsumexp, masked scores filled with -inf",
    "shifted": "log(0.5 * exp(x) + 0.5) overflows once x ≳ 88 (float32); it is "
    "softplus(x) - log(2): use softplus",
}


def _finding(model: SemanticModel, form: exp_overflow.NaiveForm) -> Finding:
    node, framework, x = form.node, form.framework, form.operand
    if form.kind == "logaddexp":
        fused = apis.LOGADDEXP.get(framework, apis.LOGADDEXP["tensorflow"])
        limit = "709 (float64)" if framework == "numpy" else "88 (float32)"
        if form.summed:
            return Finding(
                node=node,
                message=f"log(exp(a) + sum(exp(b))) overflows once a or b ≳ {limit}; it is "
                "the logsumexp of a and b together: use logsumexp over their concatenation",
            )
        return Finding(
            node=node,
            message=f"log(exp(a) + exp(b)) overflows once a or b ≳ {limit}; use {fused}",
        )
    assert x is not None
    if form.kind == "log_ratio":
        return Finding(
            node=node,
            message="log(exp(s) / sum(exp(x))) overflows once a score ≳ 88 (float32): "
            "inf / inf = NaN; use s - logsumexp(x) (log_softmax and gather)",
        )
    if form.variant:
        return Finding(node=node, message=_VARIANT_MESSAGES[form.variant])
    if form.kind == "logsumexp":
        assert isinstance(node, cst.Call) and form.total is not None
        if framework == "numpy":
            return Finding(
                node=node,
                message="log(sum(exp(x))) overflows once x ≳ 709 (float64; 88 in "
                "float32); use scipy.special.logsumexp, which subtracts the maximum first",
            )
        fix = None
        if form.inline:
            fix = logsumexp_fix(model, node, form.total, x, form.exp_framework, framework)
        if form.plus_one:
            return Finding(
                node=node,
                message="log(1 + sum(exp(x))) overflows once x ≳ 88 (float32); it is "
                "softplus(logsumexp(x)): use those, which subtract the maximum first",
            )
        if form.mean:
            return Finding(
                node=node,
                message="log(mean(exp(x))) overflows once x ≳ 88 (float32); it is "
                "logsumexp(x) - log(n): use logsumexp, which subtracts the maximum first",
            )
        return Finding(
            node=node,
            message="log(sum(exp(x))) overflows once x ≳ 88 (float32); "
            "use logsumexp, which subtracts the maximum first",
            fix=fix,
        )
    if form.kind == "softplus":
        assert isinstance(node, cst.Call)
        fix = None
        if form.inline:
            fix = softplus_fix(model, node, x, form.exp_framework, framework)
        return Finding(
            node=node,
            message="log(1 + exp(x)) overflows once x ≳ 88 (float32); use softplus",
            fix=fix,
        )
    fix = None
    if form.inline:
        assert isinstance(node, cst.BinaryOperation) and isinstance(form.total, cst.Call)
        fix = softmax_fix(model, node, form.total, x, framework)
    return Finding(
        node=node,
        message="exp(x) / exp(x).sum() overflows once x ≳ 88 (float32): inf / inf = NaN; "
        "use softmax",
        fix=fix,
    )
