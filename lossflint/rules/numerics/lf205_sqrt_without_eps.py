"""LF205 sqrt-without-eps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.attribute_constants import learned_parameter
from lossflint.analysis.calls import argument
from lossflint.analysis.gradients import Reach, gradients
from lossflint.analysis.reaching import value_reads
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.fixes import EPS_SQRT, method_fix
from lossflint.rules.numerics.lf205_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.numerics.lf205_audit_s20_examples import AUDIT_S20_INVALID, AUDIT_S20_VALID
from lossflint.rules.numerics.lf205_audit_s30_examples import AUDIT_S30_INVALID, AUDIT_S30_VALID
from lossflint.rules.numerics.lf205_audit_s37_examples import AUDIT_S37_INVALID, AUDIT_S37_VALID
from lossflint.rules.numerics.lf205_audit_s117_examples import (
    AUDIT_S117_INVALID,
    AUDIT_S117_VALID,
)
from lossflint.rules.numerics.lf205_audit_s124_examples import (
    AUDIT_S124_INVALID,
    AUDIT_S124_VALID,
)
from lossflint.rules.numerics.lf205_basic_examples import BASIC_INVALID, BASIC_VALID
from lossflint.rules.numerics.lf205_capsule_examples import CAPSULE_INVALID, CAPSULE_VALID
from lossflint.rules.numerics.lf205_dispatcher_examples import DISPATCHER_INVALID, DISPATCHER_VALID
from lossflint.rules.numerics.lf205_flattened_examples import FLATTENED_INVALID, FLATTENED_VALID
from lossflint.rules.numerics.lf205_function_value_examples import (
    FUNCTION_VALUE_INVALID,
    FUNCTION_VALUE_VALID,
)
from lossflint.rules.numerics.lf205_nearest_examples import NEAREST_INVALID, NEAREST_VALID
from lossflint.rules.numerics.lf205_pseudo_huber_examples import (
    PSEUDO_HUBER_INVALID,
    PSEUDO_HUBER_VALID,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class SqrtWithoutEps(Rule):
    code = "LF205"
    name = "sqrt-without-eps"
    severity = Severity.WARNING
    summary = "`sqrt` of a sum of squares or a difference that can be 0, without eps"
    fix_kind = "unsafe"
    # (``** (1. / r)`` of a norm parameter handed down as 2: NIMA, audit s197)
    needs = ("sqrt", ".5", "pow", "/ 2", "/2", "** (1")
    about_its_value = True
    what = """
Flags a square root (`torch.sqrt(x)`, `x.sqrt()`, `tf.sqrt(x)`, `x ** 0.5`,
`torch.pow(x, 0.5)`, `x.pow(0.5)`) of a value that is exactly 0 in ordinary
training: a sum (or mean) of squares such as a Euclidean distance
`((a - b) ** 2).sum(1)`, a square, a difference from a square
(`1 - c ** 2`, `E[x²] - E[x]²`, a distance written out `|a|² + |b|² - 2 a·b`). Followed through variables assigned once. An
added positive term (`+ eps`, `+ 1e-12`, `+ 1`), a clamp with a positive lower
bound or `torch.where(d > 0, ...)` silences it; a clamp at 0 keeps the 0 and is
looked through (`sqrt((1 - cos ** 2).clamp(0, 1))`, ArcFace). Only where a gradient can flow
(without a gradient, `sqrt(0) = 0` is harmless): silent under `no_grad` /
`inference_mode`, on detached/NumPy/integer values (also a loss module's
argument that every call in the file passes detached or computed under
`no_grad`: the teacher side of a distillation loss), in metric and evaluation
code, in a script no file loads that trains nothing (no backward, optimiser,
fit or word of training in it or the project modules it imports: an RBM
trained by hand printing its RMSE), on a value that is only logged or turned
into a number (`.item()`), in a
function only called from such places, and beside a backpropagated loss it
never reaches. In a unit test's file (`tests/`, a `test_*.py` holding tests) only code a test is
seen differentiating counts. Where it is unknown (a snippet, a library function never called
in the file) it fires: on the corpora those are distances and norms of
model outputs. `** 0.5` counts only on tensors (a framework call or a tensor
method in the expression); NumPy's `np.sqrt` has no gradient and is not
reported.
"""
    why = """
The derivative of `sqrt(x)` is `1 / (2 sqrt(x))`, infinite at 0: the distance
of identical embeddings (an anchor equal to its positive, a padded row, a
collapsed model) gives `inf * 0 = NaN` gradients that poison every parameter
after one step.
"""
    example = """
    import torch

    d = torch.sqrt(((a - b) ** 2).sum(dim=1))  # error: LF205
    d_ok = torch.sqrt(((a - b) ** 2).sum(dim=1) + 1e-12)  # OK: finite gradient
    d_ok = torch.linalg.vector_norm(a - b, dim=1)  # OK too (subgradient 0 at 0)
    """
    use_instead = """
    import torch

    d = torch.sqrt(((a - b) ** 2).sum(dim=1) + 1e-12)
    """
    references = (
        ("PyTorch: torch.sqrt", "https://pytorch.org/docs/stable/generated/torch.sqrt.html"),
        (
            "PyTorch: torch.linalg.vector_norm",
            "https://pytorch.org/docs/stable/generated/torch.linalg.vector_norm.html",
        ),
    )
    fix_safety = """
Unsafe: the fix adds `1e-12` under the root (for a difference, torch only:
`.clamp_min(1e-12)`, since rounding can also make it negative), which changes
the value by at most 1e-6.
"""
    INVALID = [
        Invalid(
            """
            import torch
            d = torch.sqrt(((a - b) ** 2).sum(dim=1))  # error: LF205 at `torch.sqrt(`
            """,
            fixed="""
            import torch
            d = torch.sqrt(((a - b) ** 2).sum(dim=1) + 1e-12)  # error: LF205 at `torch.sqrt(`
            """,
        ),
        Invalid(
            """
            import torch

            def dist(a, b):
                sq = (a - b).pow(2).sum(-1)
                return sq.sqrt()  # error: LF205 at `sq.sqrt(`
            """,
            fixed="""
            import torch

            def dist(a, b):
                sq = (a - b).pow(2).sum(-1)
                return (sq + 1e-12).sqrt()  # error: LF205 at `sq.sqrt(`
            """,
        ),
        Invalid(
            """
            import torch
            n = (x ** 2 + y ** 2).sum(dim=1) ** 0.5  # error: LF205 at `(x ** 2`
            """,
            fixed="""
            import torch
            n = ((x ** 2 + y ** 2).sum(dim=1) + 1e-12) ** 0.5  # error: LF205 at `(x ** 2`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            d = tf.sqrt(tf.reduce_sum(tf.square(a - b), axis=1))  # error: LF205 at `tf.sqrt(`
            """,
            fixed="""
            import tensorflow as tf
            d = tf.sqrt(tf.reduce_sum(tf.square(a - b), axis=1) + 1e-12)  # error: LF205 at `tf.sqrt(`
            """,
        ),
        # a squared difference named like a step is not an eps
        Invalid(
            """
            import torch
            d = torch.sqrt(delta_x ** 2 + delta_y ** 2)  # error: LF205 at `torch.sqrt(`
            """,
            fixed="""
            import torch
            d = torch.sqrt(delta_x ** 2 + delta_y ** 2 + 1e-12)  # error: LF205 at `torch.sqrt(`
            """,
        ),
        Invalid(
            """
            import torch
            sin = torch.sqrt(1 - cos ** 2)  # error: LF205 at `torch.sqrt(`
            """,
            fixed="""
            import torch
            sin = torch.sqrt((1 - cos ** 2).clamp_min(1e-12))  # error: LF205 at `torch.sqrt(`
            """,
        ),
        Invalid(
            """
            import torch
            r = torch.pow(torch.square(x).mean(), 0.5)  # error: LF205 at `torch.pow(`
            """,
            fixed="""
            import torch
            r = torch.pow(torch.square(x).mean() + 1e-12, 0.5)  # error: LF205 at `torch.pow(`
            """,
        ),
        *AUDIT_INVALID,
        *AUDIT_S20_INVALID,
        *AUDIT_S37_INVALID,
        *AUDIT_S117_INVALID,
        *AUDIT_S124_INVALID,
        *FLATTENED_INVALID,
        *CAPSULE_INVALID,
        *NEAREST_INVALID,
        *DISPATCHER_INVALID,
        *PSEUDO_HUBER_INVALID,
        *AUDIT_S30_INVALID,
        *FUNCTION_VALUE_INVALID,
        *BASIC_INVALID,
    ]
    VALID = [
        *AUDIT_VALID,
        *AUDIT_S20_VALID,
        *AUDIT_S37_VALID,
        *AUDIT_S117_VALID,
        *AUDIT_S124_VALID,
        *FLATTENED_VALID,
        *CAPSULE_VALID,
        *NEAREST_VALID,
        *DISPATCHER_VALID,
        *PSEUDO_HUBER_VALID,
        *AUDIT_S30_VALID,
        *FUNCTION_VALUE_VALID,
        *BASIC_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for root in _square_roots(model):
            finding = self._check(model, root)
            if finding is not None:
                yield finding

    def _check(self, model: SemanticModel, root: _Root) -> Finding | None:
        operand = root.operand
        if num.is_guarded(model, operand, passed_to=gradients(model).passed_to):
            return None
        resolved = num.resolve(model, operand)
        clamped = num.clamped_at_zero(model, resolved)
        if clamped is not None:
            # ``(1 - cos ** 2).clamp(0, 1)``: a 0 stays 0 under the root
            resolved = num.resolve(model, clamped)
        nearest = num.minimum_operand(model, resolved)
        if nearest is not None:
            # ``M.min(1)[0]`` of squared distances: 0 where two points meet
            resolved = num.resolve(model, nearest)
        difference = False
        subtracted: cst.BaseExpression | None = None
        if num.is_sum_of_squares(model, resolved):
            if num.squares_shifted_by_eps(model, resolved) or num.positive_squared(model, resolved):
                # ``torch.pow(d + eps, 2).sum().sqrt()``; ``(scale ** 2) ** 0.5`` of
                # ``scale = torch.exp(log_scale)`` (norse's receptive field, audit s193)
                return None
            if _normalises_a_weight(model, root.node, resolved):
                return None
            if num.squares_of_standardised(model, resolved):
                return None  # n - 1 unless the std is 0, where the forward is NaN already
            what = "a sum of squares"
        elif (sides := num.difference(model, resolved)) is not None and (
            num.is_scaled_square(model, sides[1])
            or num.is_expanded_squared_distance(model, resolved)
        ):
            what = "a difference"
            difference = True
            subtracted = sides[1]
        else:
            return None
        # ``d ** 0.5`` is a tensor's root when the expression shows a tensor;
        # when only the value reaching ``d`` does, only where a gradient is
        # known to flow (s4's initialisers rescale random tensors so)
        # a variance alone under the root (a layer norm written out) is
        # reported where a gradient is known to flow: a notebook's demo
        # normalising a printed batch is not (LLMs-from-scratch, R29)
        followed = num.is_variance(model, resolved)
        if not root.framework and not num.is_tensor_expr(model, operand):
            if not num.is_tensor_expr(model, operand, depth=2):
                return None
            followed = True
        if num.where_guarded(model, root.node, operand):
            return None
        if subtracted is not None and num.where_guarded(model, root.node, subtracted):
            # ``if (p_norm_sq >= 1).any(): raise`` before ``sqrt(1 - p_norm_sq)``
            return None
        reach = gradients(model).reach(root.node)
        if reach is Reach.NO or (followed and reach is not Reach.YES):
            return None  # sqrt(0) = 0 is fine; only its gradient is not
        fix: FixSpec | None
        if difference:
            fix = None
            if root.framework == "torch" or (root.framework == "" and num.only_torch(model)):
                fix = method_fix(model, operand, f"clamp_min({EPS_SQRT})", f"clamp at {EPS_SQRT}")
        else:
            text = f"{num.bare_code(model, operand)} + {EPS_SQRT}"
            if not num.binds_tighter_than_add(operand):
                text = f"({num.bare_code(model, operand)}) + {EPS_SQRT}"
            text = num.as_operand(model, operand, text, root.atom)
            fix = FixSpec(Applicability.UNSAFE, f"add {EPS_SQRT}", (NodeEdit(operand, text),))
        return Finding(
            node=root.node,
            message=f"sqrt of {what} that can be 0: its gradient is infinite there "
            "(NaN after backward); add an eps under the root",
            fix=fix,
        )


@dataclass(frozen=True)
class _Root:
    node: cst.CSTNode  # what is reported
    operand: cst.BaseExpression  # what is square-rooted
    atom: bool  # the operand must bind like an atom (receiver, power base)
    framework: str  # "torch", "tensorflow" or "" (an operator)


def _normalises_a_weight(
    model: SemanticModel, node: cst.CSTNode, squares: cst.BaseExpression
) -> bool:
    """``g / sqrt(sum(V ** 2))`` of a learned weight ``V`` (weight
    normalisation): a divisor whose gradient pushes ``V`` sideways, 0 only by
    accident. A norm the loss minimises (``loss + sqrt(sum(w ** 2))``, a group
    lasso) drives ``w`` to 0: still reported."""
    if not _divisor(model, node):
        return False
    base = num.squared_base(model, squares)
    return base is not None and learned_parameter(model, num.strip_shape(model, base))


def _divisor(model: SemanticModel, node: cst.CSTNode) -> bool:
    """``node`` divides: inline, or through a name every read of which is a
    divisor (``norms = tf.sqrt(...)`` then ``W * (g / norms)``, the weight
    norm of improved_wgan_training's ``tflib``, audit s166)."""
    reads = value_reads(model, node) if isinstance(node, cst.BaseExpression) else None
    if reads is not None:
        return bool(reads) and all(_divides(model, use) for use in reads)
    return _divides(model, node)


def _divides(model: SemanticModel, node: cst.CSTNode) -> bool:
    parent = model.parent(node)
    return (
        isinstance(parent, cst.BinaryOperation)
        and isinstance(parent.operator, cst.Divide)
        and parent.right is node
    )


def _naming_argument(arg: cst.Arg) -> bool:
    """``name="..."`` or ``out=None``: no change to what is rooted."""
    if arg.keyword is None or arg.star:
        return False
    if arg.keyword.value in apis.NAMING_KEYWORDS:
        return True
    return (
        arg.keyword.value == apis.NO_OUTPUT_KEYWORD
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "None"
    )


def _is_half_power(model: SemanticModel, expr: cst.BaseExpression | None) -> bool:
    """``0.5``, ``1 / 2``, ``1. / self.power`` of ``Normalize(power=2)``."""
    return expr is not None and num.number(model, expr) == 0.5


def _square_roots(model: SemanticModel) -> Iterator[_Root]:
    for qualname, framework in apis.SQRT_BY_FRAMEWORK.items():
        for site in model.calls_to(qualname):
            arg = argument(site.node, 0, "input", "x")
            # ``tf.sqrt(x, name="sin_t")``, ``torch.sqrt(x, out=None)``: still the root of x
            others = [a for a in site.node.args if a.value is not arg]
            if arg is not None and all(_naming_argument(a) for a in others):
                yield _Root(site.node, arg, False, framework)
    for qualname, framework in apis.POW_BY_FRAMEWORK.items():
        for site in model.calls_to(qualname):
            base = argument(site.node, 0, "input", "x")
            if base is not None and _is_half_power(model, argument(site.node, 1, "exponent", "y")):
                yield _Root(site.node, base, False, framework)
    # ``x.sqrt()`` is a torch tensor's in a file using a tensor framework or
    # importing nothing (a snippet); elsewhere (polars' ``pl.col(c).sqrt()``)
    # only what is surely a tensor counts
    methods = "torch" if num.tensor_methods_possible(model) else ""
    for site in model.method_calls("sqrt", "pow"):
        func = site.node.func
        assert isinstance(func, cst.Attribute)
        if site.method == "sqrt" and site.node.args:
            continue
        if site.method == "pow" and not _is_half_power(model, argument(site.node, 0, "exponent")):
            continue
        yield _Root(site.node, func.value, True, methods)
    for power in num.binary_operations(model, cst.Power):
        if _is_half_power(model, power.right):
            yield _Root(power, power.left, True, "")
