"""LF204 naive-logsumexp."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import literal_value, positional
from lossflint.analysis.log_calls import log_calls
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.common import exp_call, negative
from lossflint.rules.numerics.fixes import logsumexp_fix, softmax_fix, softplus_fix

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class NaiveLogsumexp(Rule):
    code = "LF204"
    name = "naive-logsumexp"
    severity = Severity.WARNING
    summary = "`log(sum(exp(x)))`, `log(1 + exp(x))`, `exp(x) / exp(x).sum()` overflow"
    fix_kind = "safe"
    needs = ("exp",)
    what = """
Flags the naive forms of four fused functions: `log(sum(exp(x)))` (logsumexp),
`log(exp(a) + exp(b))` (logaddexp), `log(1 + exp(x))` / `log1p(exp(x))`
(softplus) and `exp(x) / exp(x).sum(dim)` (softmax), in torch and TensorFlow,
inline or through variables; logsumexp and logaddexp also in NumPy
(`np.log(np.sum(np.exp(x)))` overflows at x ≳ 709 in float64). `exp` of a
value that cannot be large (log-probabilities, a negated value, `x - x.max()`
also through a reassignment `x = x - m`, a constant such as `exp(30.)`) is not
reported, nor NumPy's softplus (curves plotted over small ranges), nor `math`
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
    lse = torch.logsumexp(scores, dim=1)  # OK

    sp = torch.log(1 + torch.exp(z))  # error: LF204
    sp = F.softplus(z)  # OK
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
    ]
    VALID = [
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
        # a user function named exp
        """
        import torch
        def exp(x):
            return x
        v = torch.log(1 + exp(x))
        """,
        # different operands: not a softmax
        """
        import torch
        r = torch.exp(a) / torch.exp(b).sum()
        """,
        # a shadowed torch
        """
        import torch
        def f(torch, s):
            return torch.log(torch.exp(s).sum(1))
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for log in log_calls(model):
            finding = self._log_form(model, log.node, log.argument, log.framework, False)
            if finding is not None:
                yield finding
        for qualname, framework in num.LOG1P.items():
            for site in model.calls_to(qualname):
                args = positional(site.node)
                if len(args) == 1 and len(site.node.args) == 1:
                    finding = self._log_form(model, site.node, args[0].value, framework, True)
                    if finding is not None:
                        yield finding
        for division in num.binary_operations(model, cst.Divide):
            finding = self._ratio_form(model, division)
            if finding is not None:
                yield finding

    def _log_form(
        self,
        model: SemanticModel,
        node: cst.Call,
        arg: cst.BaseExpression,
        framework: str,
        log1p: bool,
    ) -> Finding | None:
        resolved = num.resolve(model, arg)
        if log1p:
            exp = exp_call(model, resolved)
            if exp is None:
                return None
            return self._softplus(model, node, exp, framework, inline=exp is arg)
        operand = num.sum_operand(model, resolved)
        if operand is not None:
            exp = exp_call(model, operand)
            if exp is None:
                return None
            x = num.exp_operand(model, exp)
            assert x is not None
            if _bounded_exp(model, x) or not self._framework_ok(model, exp, framework):
                return None
            fix = None
            if resolved is arg and exp is operand:
                fix = logsumexp_fix(model, node, resolved, x, _exp_framework(model, exp), framework)
            if framework == "numpy":
                return Finding(
                    node=node,
                    message="log(sum(exp(x))) overflows once x ≳ 709 (float64; 88 in "
                    "float32); use scipy.special.logsumexp, which subtracts the maximum first",
                )
            return Finding(
                node=node,
                message="log(sum(exp(x))) overflows once x ≳ 88 (float32); "
                "use logsumexp, which subtracts the maximum first",
                fix=fix,
            )
        if num.is_binop(resolved, cst.Add):
            assert isinstance(resolved, cst.BinaryOperation)
            pair = self._log_add_exp(model, node, resolved, framework)
            if pair is not None:
                return pair
            for one, other in ((resolved.left, resolved.right), (resolved.right, resolved.left)):
                if literal_value(one) in (1, 1.0) and not isinstance(literal_value(one), bool):
                    exp = exp_call(model, other)
                    if exp is not None:
                        inline = resolved is arg and exp is other
                        return self._softplus(model, node, exp, framework, inline)
        return None

    def _log_add_exp(
        self, model: SemanticModel, node: cst.Call, added: cst.BinaryOperation, framework: str
    ) -> Finding | None:
        """``log(exp(a) + exp(b))``: logaddexp."""
        found = [exp_call(model, side) for side in (added.left, added.right)]
        exps = [e for e in found if e is not None]
        if len(exps) != 2:
            return None
        operands = [num.exp_operand(model, e) for e in exps]
        if all(o is None or _bounded_exp(model, o) for o in operands):
            return None
        if not all(self._framework_ok(model, e, framework) for e in exps):
            return None
        fused = {"torch": "torch.logaddexp", "numpy": "np.logaddexp"}.get(
            framework, "tf.math.reduce_logsumexp(tf.stack([a, b]), 0)"
        )
        limit = "709 (float64)" if framework == "numpy" else "88 (float32)"
        return Finding(
            node=node,
            message=f"log(exp(a) + exp(b)) overflows once a or b ≳ {limit}; use {fused}",
        )

    @staticmethod
    def _framework_ok(model: SemanticModel, exp: cst.Call, framework: str) -> bool:
        """The exp and the log compute on tensors of one framework: torch or
        TensorFlow, or NumPy throughout (``np.log(np.sum(np.exp(x)))``
        overflows the same way, at 709 in float64). ``math`` raises instead."""
        exp_framework = _exp_framework(model, exp)
        if exp_framework == "numpy":
            return framework == "numpy"
        return exp_framework in ("torch", "tensorflow")

    def _softplus(
        self, model: SemanticModel, node: cst.Call, exp: cst.Call, framework: str, inline: bool
    ) -> Finding | None:
        x = num.exp_operand(model, exp)
        assert x is not None
        if _bounded_exp(model, x) or not self._framework_ok(model, exp, framework):
            return None
        if _exp_framework(model, exp) == "numpy":
            return None  # NumPy softplus: plotted over small ranges in tutorials
        fix = None
        if inline:
            fix = softplus_fix(model, node, x, _exp_framework(model, exp), framework)
        return Finding(
            node=node,
            message="log(1 + exp(x)) overflows once x ≳ 88 (float32); use softplus",
            fix=fix,
        )

    def _ratio_form(self, model: SemanticModel, division: cst.BinaryOperation) -> Finding | None:
        denominator = num.resolve(model, division.right)
        operand = num.sum_operand(model, denominator)
        if operand is None:
            return None
        exp_below = exp_call(model, operand)
        exp_above = exp_call(model, division.left)
        if exp_below is None or exp_above is None:
            return None
        x_below = num.exp_operand(model, exp_below)
        x_above = num.exp_operand(model, exp_above)
        assert x_below is not None and x_above is not None
        if not num.same_code(model, x_below, x_above) or _bounded_exp(model, x_above):
            return None
        framework = _exp_framework(model, exp_above)
        if framework not in ("torch", "tensorflow"):
            return None
        fix = None
        if (
            exp_above is division.left
            and exp_below is operand
            and denominator is division.right
            and isinstance(denominator, cst.Call)
        ):
            fix = softmax_fix(model, division, denominator, x_above, framework)
        return Finding(
            node=division,
            message="exp(x) / exp(x).sum() overflows once x ≳ 88 (float32): inf / inf = NaN; "
            "use softmax",
            fix=fix,
        )


def _bounded_exp(model: SemanticModel, operand: cst.BaseExpression) -> bool:
    """``exp`` of something that cannot be large: log-probabilities or
    probabilities, a negated value, a shifted one (``x - x.max()``, also
    through a reassignment ``x = x - m``), or a constant (``exp(30.)`` cannot
    overflow later)."""
    if num.is_constant(model, operand):
        return True
    if isinstance(operand, cst.Name) and any(
        num.is_binop(value, cst.Subtract) for value in num.assignments(model, operand)
    ):
        return True
    operand = num.resolve(model, operand)
    value = model.value(operand)
    if isinstance(value, Tensor) and value.kind in (
        Kind.LOG_PROBS,
        Kind.PROBS,
        Kind.SIGMOID_PROBS,
    ):
        return True
    if negative(operand) or num.is_binop(operand, cst.Subtract):
        return True
    # a negated scale: ``-0.5 * d**2``, ``-d / (2 * s**2)`` (Gaussian kernels)
    if isinstance(operand, cst.BinaryOperation) and isinstance(
        operand.operator, (cst.Multiply, cst.Divide)
    ):
        if negative(operand.left) or (
            isinstance(operand.operator, cst.Multiply) and negative(operand.right)
        ):
            return True
    return literal_value(operand) is not NotImplemented


def _exp_framework(model: SemanticModel, call: cst.Call) -> str | None:
    qualname = model.qualname(call.func)
    if qualname is None:
        return "torch"  # x.exp(): NumPy arrays have no such method
    return num.framework(qualname)
