"""LF208 eps-underflows-in-half."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, keyword, literal_value, positional
from lossflint.analysis.contexts import ContextIndex, contexts
from lossflint.analysis.optimizer_params import parameters_owner
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.lf208_examples import MOVED_INVALID, VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

#: float16's smallest subnormal is 2**-24 ≈ 5.96e-8: anything below rounds to 0
FP16_TINY = 2.0**-24 * 1.0001


class EpsUnderflowsInHalf(Rule):
    code = "LF208"
    name = "eps-underflows-in-half"
    severity = Severity.WARNING
    summary = "eps below 6e-8 on a float16 tensor (or Adam's default eps on a `.half()` model)"
    needs = ("half", "float16", "autocast", "amp", "16-true")
    about_its_value = True
    what = """
Flags an eps that float16 cannot represent (below its smallest subnormal,
≈ 6e-8: `1e-8`, `1e-10`, `1e-12`) where it guards a float16 tensor: added to
it (`x + 1e-8`) or as the lower bound of a clamp (`x.clamp(min=1e-10)`,
`clamp_min`). A tensor is float16 when it comes from `.half()`,
`.to(torch.float16)`, `dtype=torch.float16`, a model converted with `.half()` (or set
up by a `Fabric(precision="16-true")`),
or, under a float16 autocast region (`torch.autocast("cuda")`,
`torch.cuda.amp.autocast()`, `dtype=torch.float16`), from a linear/conv layer,
a matmul or a model ending in one — also a call of something named like a
model (`model(x)`, `self.net(x)`, `encoder`, `head`, ...) whose class is not in
the file, and `sigmoid`/`tanh`/`relu` of such outputs, which keep float16
(`log`, `sum`, `norm`, `softmax` run in float32 under autocast and are not
reported). Also flags an Adam-family
optimiser (`Adam`, `AdamW`, `Adamax`, `NAdam`, `RAdam`) over the parameters
of a `.half()` model with the default `eps=1e-8` or an explicit tiny eps.
"""
    why = """
In float16 `1e-8` rounds to exactly 0, so `x + 1e-8` is `x`, `clamp(min=1e-10)`
is `clamp(min=0)`: the guard guards nothing and the log/division/sqrt it
protects produces inf/NaN again. Adam's update divides by `sqrt(v) + eps`:
with float16 parameters that eps is 0 and parameters with a zero second moment
get inf/NaN updates.
"""
    example = """
    import torch
    from torch import nn

    model = nn.Linear(16, 4).half()
    opt = torch.optim.Adam(model.parameters())  # error: LF208 (eps=1e-8 is 0 in float16)
    opt_ok = torch.optim.Adam(model.parameters(), eps=1e-4)  # OK

    net = nn.Linear(16, 4)
    with torch.autocast("cuda", dtype=torch.float16):
        out = net(x)
        p = out.clamp(min=1e-10)  # error: LF208
        p_ok = out.clamp(min=torch.finfo(out.dtype).tiny)  # OK
    """
    use_instead = """
    import torch
    from torch import nn

    model = nn.Linear(16, 4).half()
    opt = torch.optim.Adam(model.parameters(), eps=1e-4)
    """
    references = (
        (
            "PyTorch: torch.optim.Adam",
            "https://pytorch.org/docs/stable/generated/torch.optim.Adam.html",
        ),
        ("PyTorch: Automatic Mixed Precision", "https://pytorch.org/docs/stable/amp.html"),
        ("PyTorch: torch.finfo", "https://pytorch.org/docs/stable/type_info.html"),
    )
    fix_safety = """
There is no automatic fix: the right eps depends on the scale of the values
(`torch.finfo(torch.float16).eps` ≈ 1e-3 is the safe generic choice; `1e-7` is
the smallest round value float16 keeps).
"""
    INVALID = [
        *MOVED_INVALID,
        Invalid(
            """
            import torch

            def step(model, x, y):
                with torch.cuda.amp.autocast():
                    out = model(x)
                    p = torch.sigmoid(out)
                    loss = -(y * torch.log(p + 1e-8)).mean()  # error: LF208 at `1e-8`
                    q = out.clamp(min=1e-10)  # error: LF208 at `1e-10`
                return loss, q
            """
        ),
        Invalid(
            """
            import torch
            x = torch.randn(8, dtype=torch.float16)
            y = x / (x.abs() + 1e-8)  # error: LF208 at `1e-8`
            """
        ),
        Invalid(
            """
            import torch
            net = torch.nn.Linear(4, 2)
            with torch.autocast("cuda", dtype=torch.float16):
                out = net(x)
                p = out.clamp(min=1e-10)  # error: LF208 at `1e-10`
            """
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Linear(4, 2)
            model.half()
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)  # error: LF208 at `torch.optim.Adam(`
            """
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Net(nn.Module):
                pass

            model = Net().half()
            opt = torch.optim.AdamW(model.parameters(), eps=1e-8)  # error: LF208 at `1e-8`
            """
        ),
        Invalid(
            """
            import torch

            def f(x):
                h = x.half()
                return torch.sqrt(h.clamp_min(1e-12))  # error: LF208 at `1e-12`
            """
        ),
    ]
    VALID = VALID

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        for addition in num.binary_operations(model, cst.Add):
            for lit, other in ((addition.right, addition.left), (addition.left, addition.right)):
                value = _tiny_literal(lit)
                if value is not None:
                    reason = self._half(model, ctx, other, addition)
                    if reason:
                        yield self._finding(lit, value, reason)
                    break
        for site in [*model.calls_to(*apis.CLAMP), *model.method_calls(*apis.CLAMP_METHODS)]:
            lower = num.clamp_lower(model, site.node)
            value = _tiny_literal(lower)
            if value is None or lower is None:
                continue
            info = num.call_info(model, site.node)
            assert info is not None
            subject = info.receiver or argument(site.node, 0, "input", "t")
            if subject is None:
                continue
            reason = self._half(model, ctx, subject, site.node)
            if reason:
                yield self._finding(lower, value, reason)
        yield from self._optimisers(model, ctx)

    @staticmethod
    def _finding(literal: cst.BaseExpression, value: float, reason: str) -> Finding:
        return Finding(
            node=literal,
            message=f"eps {value:g} rounds to 0 in float16 (smallest subnormal ≈ 6e-8): "
            f"{reason}, so the guard guards nothing; use an eps float16 can hold "
            "(e.g. `torch.finfo(x.dtype).eps`)",
        )

    def _half(
        self, model: SemanticModel, ctx: ContextIndex, expr: cst.BaseExpression, at: cst.CSTNode
    ) -> str:
        """Why ``expr`` is a float16 tensor ("" if it is not known to be)."""
        # reductions keep float16 too, except under autocast (which runs them in float32)
        reductions = ctx.autocast_dtype(at) is None
        expr = self._strip_elementwise(model, expr, reductions)
        if ctx.is_half(expr):
            return f"`{num.bare_code(model, expr)}` is float16"
        resolved = num.resolve(model, expr)
        resolved = self._strip_elementwise(model, resolved, reductions)
        if reductions and ctx.is_half(resolved):
            return f"`{num.bare_code(model, resolved)}` is float16"
        if ctx.autocast_dtype(resolved) != "float16" or ctx.autocast_dtype(at) != "float16":
            return ""
        if num.is_binop(resolved, cst.MatrixMultiply):
            return "a matmul under float16 autocast is float16"
        info = num.call_info(model, resolved)
        if info is not None and (
            info.qualname in apis.MATMUL or info.qualname in apis.FP16_UNDER_AUTOCAST
        ):
            return "a matmul under float16 autocast is float16"
        if not isinstance(resolved, cst.Call):
            return ""
        value = model.value(resolved)
        if isinstance(value, Tensor) and value.kind is Kind.LOGITS:
            return "a linear/conv output under float16 autocast is float16"
        if _model_call(model, resolved):
            return "a model's output under float16 autocast is float16"
        return ""

    @staticmethod
    def _strip_elementwise(
        model: SemanticModel, expr: cst.BaseExpression, reductions: bool = False
    ) -> cst.BaseExpression:
        """``x.abs()``, ``torch.relu(x)``, ``x ** 2`` (and, outside autocast,
        ``x.sum()``) keep ``x``'s dtype."""
        for _ in range(4):
            info = num.call_info(model, expr)
            if info is not None and reductions and info.method in apis.DTYPE_KEEPING_REDUCTIONS:
                if info.receiver is not None:
                    expr = info.receiver
                    continue
            if info is not None and info.method in apis.DTYPE_KEEPING_METHODS:
                if info.receiver is not None and not info.node.args:
                    expr = info.receiver
                    continue
            if (
                info is not None
                and not info.node.args
                and info.method in (apis.FP16_KEEPING_METHODS)
            ):
                if info.receiver is not None:
                    expr = num.resolve(model, info.receiver)
                    continue
            if info is not None and info.qualname in apis.FP16_KEEPING_ACTIVATIONS:
                first = argument(info.node, 0, "input")
                if first is not None:
                    expr = num.resolve(model, first)
                    continue
            if info is not None and info.qualname in apis.DTYPE_KEEPING_FUNCS:
                first = argument(info.node, 0, "input")
                if first is not None:
                    expr = first
                    continue
            if num.is_square(model, expr) and num.is_binop(expr, cst.Power):
                expr = expr.left  # type: ignore[attr-defined]
                continue
            shifted = _shifted_by_a_number(expr)
            if shifted is not None:
                expr = num.resolve(model, shifted)  # ``1 - probs``: a Python number keeps the dtype
                continue
            if info is not None and info.qualname in apis.torch.WHERE:
                chosen = _one_of_two(model, info.node)
                if chosen is not None:
                    expr = num.resolve(model, chosen)
                    continue
            break
        return expr

    # (the focal loss's ``pt = torch.where(y == 1, probs, 1 - probs)`` of a
    # float16 ``probs``: hanokalure's spam classifier, audit s195)

    def _optimisers(self, model: SemanticModel, ctx: ContextIndex) -> Iterator[Finding]:
        for site in model.calls_to(*apis.ADAM_FAMILY):
            call = site.node
            params = argument(call, 0, "params")
            owner = parameters_owner(model, params) if params is not None else None
            if owner is None:
                continue
            key = model.code(owner)
            if not (key in ctx.half_models or ctx.is_half(owner)):
                continue
            eps = keyword(call, "eps")
            if eps is None:
                if any(a.star for a in call.args) or len(positional(call)) > 3:
                    continue  # eps may be passed positionally or through **kwargs
                yield Finding(
                    node=call,
                    message=f"`{key}` is float16 and this optimiser keeps its "
                    "default eps=1e-8, which rounds to 0 in float16: updates of parameters "
                    "with a zero second moment divide by 0; pass `eps=1e-4` or keep "
                    "float32 master weights (autocast + GradScaler)",
                )
                continue
            value = _tiny_literal(eps.value)
            if value is not None:
                yield self._finding(eps.value, value, f"`{key}`'s parameters are float16")


def _shifted_by_a_number(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``1 - x``, ``x + 0.5``, ``x - 1`` → ``x``."""
    if not isinstance(expr, cst.BinaryOperation) or not isinstance(
        expr.operator, (cst.Add, cst.Subtract)
    ):
        return None
    for number, other in ((expr.left, expr.right), (expr.right, expr.left)):
        if isinstance(number, (cst.Integer, cst.Float)):
            return other
    return None


def _one_of_two(model: SemanticModel, call: cst.Call) -> cst.BaseExpression | None:
    """``torch.where(c, a, b)`` whose ``b`` is ``a`` shifted by a number (or a
    number): its dtype is ``a``'s."""
    first = argument(call, 1, "input")
    second = argument(call, 2, "other")
    if first is None or second is None:
        return None
    if isinstance(second, (cst.Integer, cst.Float)):
        return first
    shifted = _shifted_by_a_number(second)
    if shifted is not None and num.same_code(model, shifted, first):
        return first
    return None


def _tiny_literal(expr: cst.BaseExpression | None) -> float | None:
    if expr is None:
        return None
    value = literal_value(expr)
    if isinstance(value, float) and 0 < value < FP16_TINY:
        return value
    return None


#: names of callables that are models (their last layer is linear/conv in practice)
_MODEL_WORDS = (
    "model",
    "net",
    "encoder",
    "decoder",
    "backbone",
    "head",
    "classifier",
    "generator",
    "discriminator",
)


def _model_call(model: SemanticModel, call: cst.Call) -> bool:
    """``model(x)`` / ``self.net(x)``: a call of something named like a model
    that is neither a framework function nor a same-file function."""
    func = call.func
    if model.qualname(func) is not None:
        return False
    if isinstance(func, cst.Name):
        name = func.value
        bindings = model.bindings(func) or []
        if any(b.kind in ("def", "class", "import") for b in bindings):
            return False
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        if func.value.value != "self":
            return False
        name = func.attr.value
    else:
        return False
    lowered = name.lower()
    return any(lowered == w or lowered.endswith(w) or lowered.startswith(w) for w in _MODEL_WORDS)
