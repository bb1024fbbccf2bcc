"""LF202 unguarded-log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.attribute_constants import learned_parameter_view
from lossflint.analysis.gradients import Reach, gradients
from lossflint.analysis.log_calls import (
    LogCall,
    log_index,
    probability_log,
    scattered_probabilities,
)
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import Finding, FixSpec, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.fixed_target_formula import hand_written_formula
from lossflint.rules.numerics.fixes import EPS_LOG, clamp_fix, clamp_hint
from lossflint.rules.numerics.lf202_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class UnguardedLog(Rule):
    code = "LF202"
    name = "unguarded-log"
    severity = Severity.WARNING
    summary = "`log` of a value that can be 0 (probabilities, relu/abs/square, a ratio) unguarded"
    fix_kind = "unsafe"
    needs = ("log",)
    about_its_value = True
    what = """
Flags `log(x)` (`torch.log`, `x.log()`, `tf.math.log`, the Keras backend's `K.log` / `keras.ops.log`, `np.log` on
framework tensors; base 2 and 10 too: `torch.log10`, `x.log2()`) when `x` can be exactly 0 and nothing keeps it from 0:
`log(1 - p)` of softmax output, the output of `relu`/`abs`/`square`/an even
power, or a ratio whose numerator is one of those (or a count); where a
gradient is known to flow (a loss, a `forward`, the backward slice) also a
ratio whose numerator is a sum over a mask (`(e * pos_mask).sum(1) / ...`,
0 for a row without positives) or a difference. The value is followed
through variables (where a gradient is known to flow, also a ratio whose
numerator is a sum of squares: an SI-SDR of a silent reference). `log1p` is
no log of 0. A clamp/clip (`clamp_min(eps)`, `K.clip(x, min_value=eps, ...)`), an added positive term
(`+ eps`, `+ 1e-8`, `+ torch.finfo(dtype).eps`) or `torch.where(x > 0, ...)`
silences the rule. `log(softmax)` / `log(sigmoid)` are LF201's, and a log
inside a hand-written cross-entropy formula is LF203's.

Only where a gradient can flow: silent where the semantic model knows none
does (under `no_grad`/`inference_mode`, on detached/NumPy/integer values, in
metric classes and evaluation code, a value that only becomes `.item()`, a
function only called from such places). There `log(0)` gives `-inf` in a
reported number, not a poisoned model, and the metric's own definition
decides what it should be. Where it is unknown (a snippet, a library
function never called in the file) the rule fires.
"""
    why = """
`log(0)` is `-inf`: the loss becomes inf and every gradient NaN after one
backward pass. ReLU and `abs` outputs are exactly 0 on a whole region, squares
of equal values are 0, and softmax probabilities saturate to exactly 1, so
`1 - p` is 0.
"""
    example = """
    import torch

    gap = torch.relu(margin - d)
    loss = -torch.log(gap).mean()  # error: LF202
    loss_ok = -torch.log(gap.clamp_min(1e-7)).mean()  # OK: guarded
    """
    use_instead = """
    import torch

    gap = torch.relu(margin - d)
    loss = -torch.log(gap.clamp_min(1e-7)).mean()
    """
    references = (
        ("PyTorch: torch.log", "https://pytorch.org/docs/stable/generated/torch.log.html"),
        ("PyTorch: torch.clamp", "https://pytorch.org/docs/stable/generated/torch.clamp.html"),
    )
    fix_safety = """
Unsafe: the fix clamps the argument, `x.clamp_min(1e-7)` (TensorFlow:
`tf.maximum(x, 1e-7)`), which changes the value where `x < 1e-7`. 1e-7 is
representable in float16; `torch.finfo(x.dtype).eps` is a dtype-aware choice.
"""
    INVALID = [
        *AUDIT_INVALID,
        Invalid(
            """
            import torch
            h = torch.relu(x - 1)
            loss = -torch.log(h).mean()  # error: LF202 at `torch.log(`
            """,
            fixed="""
            import torch
            h = torch.relu(x - 1)
            loss = -torch.log(h.clamp_min(1e-7)).mean()  # error: LF202 at `torch.log(`
            """,
        ),
        Invalid(
            """
            import torch
            p = torch.softmax(z, dim=1)
            q = torch.log(1 - p)  # error: LF202 at `torch.log(`
            """,
            fixed="""
            import torch
            p = torch.softmax(z, dim=1)
            q = torch.log((1 - p).clamp_min(1e-7))  # error: LF202 at `torch.log(`
            """,
        ),
        Invalid(
            """
            import torch

            def f(a, b):
                d = (a - b).abs()
                return d.log()  # error: LF202 at `d.log(`
            """,
            fixed="""
            import torch

            def f(a, b):
                d = (a - b).abs()
                return d.clamp_min(1e-7).log()  # error: LF202 at `d.log(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            r = tf.math.log(tf.square(x) / s)  # error: LF202 at `tf.math.log(`
            """,
            fixed="""
            import tensorflow as tf
            r = tf.math.log(tf.maximum(tf.square(x) / s, 1e-7))  # error: LF202 at `tf.math.log(`
            """,
        ),
        Invalid(
            """
            import numpy as np
            import torch
            v = np.log(torch.abs(t))  # error: LF202 at `np.log(`
            """
        ),
    ]
    VALID = [
        *AUDIT_VALID,
        """
        import torch
        h = torch.relu(x)
        l = torch.log(h + 1e-8)
        """,
        """
        import torch
        h = torch.relu(x)
        l = torch.log(h.clamp_min(eps))
        """,
        """
        import torch
        h = x.abs()
        l = torch.log(h + torch.finfo(h.dtype).eps)
        """,
        """
        import torch
        h = torch.relu(x)
        l = torch.where(h > 0, torch.log(h), h)
        """,
        # log of exp is not "relu/abs/square"
        """
        import torch
        l = torch.log(torch.exp(x))
        """,
        # math.log on a Python float, np.log on NumPy data
        """
        import math
        import numpy as np
        a = math.log(abs(x))
        b = np.log(np.abs(y))
        """,
        """
        import numpy as np
        b = np.log(x ** 2)
        """,
        # a user function named log
        """
        import torch
        def log(x):
            return x
        l = log(torch.relu(x))
        """,
        # shadowed torch
        """
        import torch
        def f(torch, x):
            return torch.log(torch.relu(x))
        """,
        # a square plus one cannot be 0
        """
        import torch
        l = torch.log(x ** 2 + 1)
        """,
        # log(1 - sigmoid) is LF201's, log(softmax) too
        """
        import torch
        l = torch.log(1 - torch.sigmoid(z))
        """,
        """
        import torch
        l = torch.log(torch.softmax(z, 1))
        """,
        # the variable is reassigned with a guard
        """
        import torch
        h = torch.relu(x)
        h = h + 1e-6
        l = torch.log(h)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        logs = log_index(model, bases=True)
        natural = {node: log for node, log in logs.items() if not log.base}
        for log in logs.values():
            if not log.base and probability_log(model, log) is not None:
                continue  # LF201
            if not log.base and hand_written_formula(model, log, natural) is not None:
                continue  # LF203
            subject = self._zero_source(model, log)
            if subject is None:
                continue
            if num.where_guarded(model, log.node, log.argument) or num.nan_to_num_guarded(
                model, log.node
            ):
                continue
            if num.cast_to_int(model, log.node):
                continue  # a bucket index (T5-style relative positions)
            if gradients(model).reach(log.node) is Reach.NO:
                continue  # metric/evaluation code: -inf there is not a poisoned model
            hint = clamp_hint(log.framework, EPS_LOG, "torch.finfo(x.dtype).eps")
            yield Finding(
                node=log.node,
                message=f"log of {subject}: log(0) = -inf (NaN gradients); clamp it, "
                + (f"e.g. {hint}, or add an eps" if hint else "or add an eps"),
                fix=self._fix(model, log),
            )

    def _zero_source(self, model: SemanticModel, log: LogCall) -> str | None:
        arg = log.argument
        complement = num.one_minus(arg)
        if complement is not None:
            value = model.value(complement)
            if isinstance(value, Tensor) and value.kind is Kind.PROBS:
                if log.framework == "numpy" and not _framework_origin(model, value.origin):
                    return None
                subject = "1 - softmax output, which is 0 where softmax saturates"
                return subject + self._evidence(model, value, complement)
            return None
        scattered = scattered_probabilities(model, log)
        if scattered is not None:
            return _SCATTERED + self._evidence(model, scattered, arg)
        value = model.value(arg)
        if self._can_be_zero(model, log, value) and not num.clamped_in_place(model, arg):
            assert isinstance(value, Tensor)
            return f"{_zero_label(value)}, which can be 0" + self._evidence(model, value, arg)
        if num.is_binop(arg, cst.Divide):
            assert isinstance(arg, cst.BinaryOperation)
            numerator = arg.left
            if num.is_guarded(model, numerator):
                return None
            value = model.value(numerator)
            if isinstance(value, Tensor) and value.kind is Kind.PROBS:
                if log.framework == "numpy" and not _framework_origin(model, value.origin):
                    return None
                return "a ratio whose numerator (softmax output) can be 0"
            if self._can_be_zero(model, log, value):
                assert isinstance(value, Tensor)
                subject = f"a ratio whose numerator ({_zero_label(value)}) can be 0"
                return subject + self._evidence(model, value, numerator)
            if log.framework != "numpy" and num.is_count(model, numerator):
                return "a ratio whose numerator (a count) can be 0"
        return self._ratio_in_loss(model, log, num.resolve(model, arg))

    @staticmethod
    def _ratio_in_loss(model: SemanticModel, log: LogCall, ratio: cst.BaseExpression) -> str | None:
        """Where a gradient is known to flow: a ratio (inline or through a name)
        whose numerator is a sum over a mask (SupCon-style positives, 0 for a
        row without any) or a difference."""
        if log.framework == "numpy" or not num.is_binop(ratio, cst.Divide):
            return None
        assert isinstance(ratio, cst.BinaryOperation)
        numerator = ratio.left
        if num.is_guarded(model, numerator) or num.is_guarded(model, ratio):
            return None
        facts = gradients(model)
        if facts.reach(log.node) is not Reach.YES:
            return None
        if num.masked_sum(model, numerator) is not None:
            return "a ratio whose numerator (a sum over a mask) can be 0"
        if num.is_sum_of_squares(model, numerator) and not num.square_of_a_setting(
            model, num.resolve(model, numerator), facts.passed_to
        ):
            squares = "a square" if num.is_square(model, numerator) else "a sum of squares"
            return f"a ratio whose numerator ({squares}) can be 0"
        diff = num.resolve(model, numerator)
        if (
            num.is_binop(diff, cst.Subtract)
            and not num.is_constant(model, diff, 6, facts.passed_to)
            and not num.probability_off_a_number(model, diff, facts.passed_to)
        ):
            return "a ratio whose numerator (a difference) can be 0"
        return None

    @staticmethod
    def _can_be_zero(model: SemanticModel, log: LogCall, value: object) -> bool:
        if not isinstance(value, Tensor) or value.kind is not Kind.NON_NEGATIVE:
            return False
        if value.float_cast and not num.relu_output(model, value):
            return False  # abs of integers cast to float: positions/counts (bucketing)
        if num.positive_value(model, value):
            return False  # exp(x) > 0 (LF204 covers its overflow), here or in another module
        if isinstance(value.origin, cst.BaseExpression):
            if num.squares_shifted_by_eps(model, value.origin):
                return False  # ``log(square(std + 1e-2))``: at least 1e-4
            if num.square_of_a_setting(model, value.origin, gradients(model).passed_to):
                return False  # ``self.prior.sigma ** 2``: a fixed prior's variance
            operand = num.abs_operand(model, value.origin)
            if operand is not None and num.nonzero_by_construction(model, operand):
                return False  # |where(c, ones, 100 * ones)|: never 0
            if operand is not None and learned_parameter_view(model, operand):
                return False  # log|S| of a learned diagonal (a flow's log-determinant)
        if log.framework == "numpy" and not _framework_origin(model, value.origin):
            return False
        return True

    @staticmethod
    def _evidence(model: SemanticModel, value: Tensor, expr: cst.CSTNode) -> str:
        if value.origin is expr:
            return ""
        described = model.kinds.describe(value)
        return f" ({described})" if described else ""

    @staticmethod
    def _fix(model: SemanticModel, log: LogCall) -> FixSpec | None:
        message = f"clamp the argument to at least {EPS_LOG}"
        return clamp_fix(model, log.argument, log.framework, EPS_LOG, message)


_SCATTERED = "probabilities with values scattered onto some entries: the others can underflow to 0"


def _framework_origin(model: SemanticModel, origin: cst.CSTNode | None) -> bool:
    """The value was produced by a torch/TF call or a tensor method (not by
    an operator that could act on NumPy data)."""
    if not isinstance(origin, cst.Call):
        return False
    qualname = model.qualname(origin.func)
    if qualname is None:
        return isinstance(origin.func, cst.Attribute)
    return num.framework(qualname) in ("torch", "tensorflow", "keras")


def _zero_label(value: Tensor) -> str:
    """ "relu output" / "a square" for a NON_NEGATIVE value."""
    origin = value.origin
    if isinstance(origin, cst.BinaryOperation):
        return "a square"
    if isinstance(origin, cst.Call):
        func = origin.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if name in ("square", "pow"):
            return "a square"
        if name:
            return f"{name} output"
    return "a non-negative value"
