"""Naive forms of the fused exp functions, which overflow where the fused ones do
not (LF204): ``log(sum(exp(x)))`` (logsumexp), ``log(exp(a) + exp(b))``
(logaddexp), ``log(1 + exp(x))`` / ``log1p(exp(x))`` (softplus) and
``exp(x) / exp(x).sum()`` (softmax).

An ``exp`` of something that cannot be large (log-probabilities, a negated or
shifted value, a constant) is no overflow; the ``exp`` and the ``log`` must
compute in one framework (torch, TensorFlow, or NumPy throughout: ``math``
raises instead of returning inf).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.attribute_constants import only_self_write
from lossflint.analysis.calls import argument, literal_value, positional
from lossflint.analysis.log_calls import log_calls
from lossflint.analysis.masked_caps import capped_in_place
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment, reaching_line
from lossflint.analysis.values import Tensor
from lossflint.analysis.walk import calls_in, own_returns

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

FormKind = Literal["logsumexp", "logaddexp", "softplus", "softmax", "log_ratio"]


@dataclass(frozen=True)
class NaiveForm:
    """One naive form; ``inline`` when it is written in one expression (a fix
    can rewrite it in place)."""

    kind: FormKind
    #: the ``log`` call, or the division of the softmax form
    node: cst.CSTNode
    #: the framework of the ``log`` (of the ``exp`` for the softmax form)
    framework: str
    #: the framework of the ``exp``; ``None`` for the logaddexp form
    exp_framework: str | None = None
    #: ``x`` of ``exp(x)``
    operand: cst.BaseExpression | None = None
    #: the summed expression (logsumexp) or the denominator call (softmax)
    total: cst.BaseExpression | None = None
    inline: bool = False
    #: ``log(mean(exp(x)))``: logsumexp(x) - log(n), overflowing the same way
    mean: bool = False
    #: ``log(1 + sum(exp(x)))``: softplus(logsumexp(x)) (an N-pair loss)
    plus_one: bool = False
    #: ``log(exp(a) + sum(exp(b)))``: one side of the logaddexp form is summed
    summed: bool = False
    #: a form written otherwise (no fix): ``"cumsum"`` for ``log(cumsum(exp(x)))``,
    #: ``"weighted"`` for ``log(sum(exp(x) * w))`` (a Cox partial likelihood's risk
    #: set), ``"shifted"`` for ``log(0.5 * exp(x) + 0.5)`` (a shifted softplus)
    variant: str = ""


def exp_call(model: SemanticModel, expr: cst.BaseExpression) -> cst.Call | None:
    """``expr`` (followed through names) when it is an ``exp`` call; a name
    rebound on the way (``x = torch.exp(x)``, then ``log(1 + x.sum(1))``) is
    followed to the binding every path to it passes last."""
    expr = num.resolve(model, expr)
    if isinstance(expr, cst.Name):
        expr = reaching_assignment(model, expr) or expr
    if isinstance(expr, cst.Call) and exp_operand(model, expr) is not None:
        return expr
    return None


def exp_operand(model: SemanticModel, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``x`` of ``exp(x)``, the Keras backend's ``K.exp(x)`` too."""
    found = num.exp_operand(model, expr)
    if found is None and isinstance(expr, cst.Call) and len(expr.args) == 1:
        if model.qualname(expr.func) in apis.KERAS_BACKEND_EXP:
            return expr.args[0].value
    return found


def _reduced(
    model: SemanticModel, expr: cst.BaseExpression
) -> tuple[cst.BaseExpression, bool] | None:
    """(what is summed or averaged, whether it is a mean)."""
    for functions, method, mean in (
        (apis.SUM | apis.KERAS_BACKEND_SUM, "sum", False),
        (apis.MEAN | apis.KERAS_BACKEND_MEAN, "mean", True),
    ):
        operand = num.reduction(model, expr, functions, method)
        if operand is not None:
            return operand, mean
    return None


def negative(expr: cst.BaseExpression) -> bool:
    """``-e``, a negative number, or a negative number divided by a count
    (``-1 / m``, the mean cost of Ng's course)."""
    if _negative_number(expr):
        return True
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return True
    # a negative number divided by a count (``-1 / m``, ``-1.0 / x.shape[0]``),
    # not a product (``-1 * discount * delta * log(p)``, a policy-gradient term)
    return (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, cst.Divide)
        and _negative_number(expr.left)
        and isinstance(expr.right, (cst.Name, cst.Attribute, cst.Subscript, cst.Integer, cst.Float))
    )


def _negative_number(expr: cst.BaseExpression) -> bool:
    """``-1``, ``-1.0``: a negative literal."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return isinstance(expr.expression, (cst.Integer, cst.Float))
    value = literal_value(expr)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0


def naive_forms(model: SemanticModel) -> Iterator[NaiveForm]:
    """The forms through ``log`` calls, then through ``log1p``, then the
    divisions."""
    for log in log_calls(model):
        if log.framework == "keras":
            # the Keras backend's log computes on TensorFlow's tensors (Keras 2)
            form = _log_form(model, log.node, log.argument, "tensorflow", False)
            if form is not None and form.kind in ("logsumexp", "softplus"):
                # no K.logsumexp / K.softplus rewrite (``K.log(1 + K.exp(s))``,
                # a Gaussian layer's sigma, audit s158)
                yield replace(form, inline=False)
            continue
        form = _log_form(model, log.node, log.argument, log.framework, False)
        if form is not None:
            yield form
    for site in model.method_calls("log_"):
        # ``(torch.exp(s).sum(2) + 1e-6).log_()``: in place, the same log
        func = site.node.func
        if not site.node.args and isinstance(func, cst.Attribute):
            form = _log_form(model, site.node, func.value, "torch", False)
            if form is not None and form.kind == "logsumexp":
                yield replace(form, inline=False)  # no in-place rewrite
    for qualname, framework in apis.LOG1P_BY_FRAMEWORK.items():
        for site in model.calls_to(qualname):
            args = positional(site.node)
            if len(args) == 1 and len(site.node.args) == 1:
                form = _log_form(model, site.node, args[0].value, framework, True)
                if form is not None:
                    yield form
    for division in num.binary_operations(model, cst.Divide):
        form = _ratio_form(model, division, division.left, division.right)
        if form is not None:
            yield form
    for node in model.nodes_of_type(cst.AugAssign):
        # ``at = K.exp(et); at /= K.repeat(K.sum(at, axis=1), n)`` (keras-attention's
        # AttentionDecoder, audit s166): the division written in place
        augmented = cast(cst.AugAssign, node)
        if isinstance(augmented.operator, cst.DivideAssign) and isinstance(
            augmented.target, cst.Name
        ):
            form = _ratio_form(model, augmented, augmented.target, augmented.value)
            if form is not None:
                yield replace(form, inline=False)
    for site in model.calls_to(*sorted(apis.DIVIDE_FUNCS)):
        # ``tf.div(tf.exp(x), tf.reduce_sum(tf.exp(x), 1))``: no rewrite of the call
        args = positional(site.node)
        if len(args) == 2 and len(site.node.args) == 2:
            form = _ratio_form(model, site.node, args[0].value, args[1].value)
            if form is not None:
                yield replace(form, inline=False)


def _log_form(
    model: SemanticModel,
    node: cst.Call,
    arg: cst.BaseExpression,
    framework: str,
    log1p: bool,
) -> NaiveForm | None:
    resolved = num.resolve(model, arg)
    if log1p:
        exp = exp_call(model, resolved)
        if exp is None:
            return None
        return _softplus(model, node, exp, framework, inline=exp is arg)
    if isinstance(resolved, cst.Name):
        # ``log_loss = torch.sum(log_loss, dim=0)``: one name rebound step by step
        resolved = reaching_assignment(model, resolved) or resolved
    reduced = _reduced(model, resolved)
    if reduced is not None:
        operand, mean = reduced
        exp = exp_call(model, operand)
        if exp is None:
            return _other_logsumexp(model, node, resolved, framework)
        x = exp_operand(model, exp)
        assert x is not None
        if bounded_exp(model, x) or not _framework_ok(model, exp, framework):
            return None
        return NaiveForm(
            "logsumexp",
            node,
            framework,
            exp_framework(model, exp),
            x,
            resolved,
            inline=resolved is arg and exp is operand and not mean,
            mean=mean,
        )
    if num.is_binop(resolved, cst.Divide):
        assert isinstance(resolved, cst.BinaryOperation)
        ratio = _log_ratio(model, node, resolved, framework)
        if ratio is None and exp_call(model, resolved.right) is None:
            # ``log(sum(exp(r) * mask) / sum(mask))``: a mean over a risk set
            # (czifan/DeepSurv.pytorch, audit s202): log n apart, a logsumexp
            return _other_logsumexp(model, node, num.resolve(model, resolved.left), framework)
        return ratio
    if num.reduction(model, resolved, apis.CUMSUM, "cumsum") is not None:
        return _other_logsumexp(model, node, resolved, framework)
    if num.is_binop(resolved, cst.Add):
        assert isinstance(resolved, cst.BinaryOperation)
        pair = _log_add_exp(model, node, resolved, framework)
        if pair is not None:
            return pair
        for one, other in ((resolved.left, resolved.right), (resolved.right, resolved.left)):
            padded = num.resolve(model, other)
            if _an_eps(model, one) and num.is_binop(padded, cst.Divide):
                # ``log(pos / denom + 1e-20)``: the eps keeps the log off 0, not
                # the exponentials off inf (CLIP-Tensorflow, audit s213)
                return _log_ratio(model, node, cast(cst.BinaryOperation, padded), framework)
            if _an_eps(model, one) and _reduced(model, num.resolve(model, other)) is not None:
                # ``log(exp(x).sum() + 1e-6)``: the eps keeps the log off 0,
                # not the sum off inf
                form = _log_form(model, node, other, framework, False)
                if form is not None and form.kind == "logsumexp":
                    return replace(form, inline=False)
        for one, other in ((resolved.left, resolved.right), (resolved.right, resolved.left)):
            shifted = _weighted_exp(model, other, True) if num.positive_literal(one) else None
            if shifted is not None:
                # ``log(0.5 * exp(x) + 0.5)``: SchNet's shifted softplus,
                # softplus(x) - log 2 (dmol-book, tensorfieldnetworks: audit s212)
                form = _softplus(model, node, shifted, framework, inline=False)
                return replace(form, variant="shifted") if form is not None else None
            if literal_value(one) in (1, 1.0) and not isinstance(literal_value(one), bool):
                exp = exp_call(model, other)
                if exp is not None:
                    inline = resolved is arg and exp is other
                    return _softplus(model, node, exp, framework, inline)
                summed = _log_one_plus_sum(model, node, other, framework)
                if summed is not None:
                    return summed
    return None


def _other_logsumexp(
    model: SemanticModel, node: cst.Call, total: cst.BaseExpression, framework: str
) -> NaiveForm | None:
    """``log(cumsum(exp(x)))`` (DeepSurvK's Cox loss, audit s202) and
    ``log(sum(exp(x) * w))`` (pysurvival's N-MTLR): a log-sum-exp that
    overflows with ``exp(x)`` whatever weighs it; no fix rewrites them."""
    if isinstance(total, cst.Name):
        total = reaching_assignment(model, total) or total
    variant = "cumsum"
    operand = num.reduction(model, total, apis.CUMSUM, "cumsum")
    if operand is None:
        reduced = _reduced(model, total)
        if reduced is None:
            return None
        variant, operand = "weighted", reduced[0]
    exp = exp_call(model, operand)
    mean = False
    if exp is None and variant == "weighted":
        exp = _weighted_exp(model, operand)
    elif variant == "weighted":
        variant, mean = "", True  # ``sum(exp(x)) / n``: the mean form
    unbounded = _unbounded(model, exp, framework)
    if unbounded is None or unbounded[1] not in ("torch", "tensorflow"):
        return None
    x, found = unbounded
    return NaiveForm("logsumexp", node, framework, found, x, total, mean=mean, variant=variant)


def _weighted_exp(
    model: SemanticModel, expr: cst.BaseExpression, by_a_number: bool = False
) -> cst.Call | None:
    """The ``exp`` call of ``exp(x) * w`` (through a name), ``w`` no ``exp``;
    ``by_a_number``: ``w`` a positive literal (``0.5 * exp(x)``)."""
    expr = num.resolve(model, expr)
    if isinstance(expr, cst.Name):
        expr = reaching_assignment(model, expr) or expr
    if not num.is_binop(expr, cst.Multiply):
        return None
    product = cast(cst.BinaryOperation, expr)
    found = [
        exp
        for side, weight in ((product.left, product.right), (product.right, product.left))
        if (exp := exp_call(model, side)) is not None
        and (not by_a_number or num.positive_literal(weight))
    ]
    return found[0] if len(found) == 1 else None


def _tiny(expr: cst.BaseExpression) -> bool:
    """A small positive literal (``1e-6``): an eps."""
    value = literal_value(expr)
    return isinstance(value, float) and 0 < value < 1e-2


def _log_ratio(
    model: SemanticModel, node: cst.Call, division: cst.BinaryOperation, framework: str
) -> NaiveForm | None:
    """``log(exp(s) / sum(exp(S), 1))``: the log-likelihood of one score
    against all (a skip-gram's naive softmax), both overflowing; the division
    of one tensor's own exps is the softmax form, reported at the division."""
    diagonal = _diagonal_of(model, division.left)
    exp_above = exp_call(model, diagonal if diagonal is not None else division.left)
    operand = num.sum_operand(model, num.strip_shape(model, num.resolve(model, division.right)))
    exp_below = exp_call(model, operand) if operand is not None else None
    if exp_above is None or exp_below is None:
        return None
    above, below = exp_operand(model, exp_above), exp_operand(model, exp_below)
    assert above is not None and below is not None
    if diagonal is None and num.same_code(model, _untransposed(above), _untransposed(below)):
        return None
    if bounded_exp(model, above, cosine=True) or bounded_exp(model, below, cosine=True):
        return None
    if not (
        _framework_ok(model, exp_above, framework) and _framework_ok(model, exp_below, framework)
    ):
        return None
    if exp_framework(model, exp_below) not in ("torch", "tensorflow"):
        return None
    return NaiveForm("log_ratio", node, framework, exp_framework(model, exp_below), above)


def _diagonal_of(model: SemanticModel, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``m`` of ``torch.diag(m)`` / ``m.diagonal()`` / ``tf.linalg.diag_part(m)``
    (through a name): the matched pairs' scores of a contrastive loss, whose
    log against the row sums is a log-softmax's diagonal (CLIP's loss written
    out: taki0112/CLIP-Tensorflow, audit s213)."""
    expr = num.resolve(model, expr)
    if isinstance(expr, cst.Name):
        expr = reaching_assignment(model, expr) or expr
    if not isinstance(expr, cst.Call):
        return None
    if model.qualname(expr.func) in apis.DIAGONALS and expr.args:
        return expr.args[0].value
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value in apis.DIAGONAL_METHODS:
        return func.value if model.qualname(func) is None else None
    return None


def _log_one_plus_sum(
    model: SemanticModel, node: cst.Call, other: cst.BaseExpression, framework: str
) -> NaiveForm | None:
    """``log(1 + sum(exp(x)))``: the log-sum-exp of x with a zero appended,
    overflowing as soon as one x does (no fix: it is softplus(logsumexp(x)))."""
    total = num.resolve(model, other)
    reduced = _reduced(model, total)
    if reduced is None or reduced[1]:
        return None
    unbounded = _unbounded(model, exp_call(model, reduced[0]), framework)
    if unbounded is None or unbounded[1] == "numpy":
        return None  # (as the NumPy softplus: plotted over small ranges)
    x, found = unbounded
    return NaiveForm("logsumexp", node, framework, found, x, total, plus_one=True)


def _unbounded(
    model: SemanticModel, exp: cst.Call | None, framework: str
) -> tuple[cst.BaseExpression, str | None] | None:
    """(``x`` of ``exp(x)``, the ``exp``'s framework) when ``exp`` can
    overflow in a log of ``framework``; None otherwise."""
    if exp is None:
        return None
    x = exp_operand(model, exp)
    assert x is not None
    if bounded_exp(model, x) or not _framework_ok(model, exp, framework):
        return None
    return x, exp_framework(model, exp)


def _log_add_exp(
    model: SemanticModel, node: cst.Call, added: cst.BinaryOperation, framework: str
) -> NaiveForm | None:
    """``log(exp(a) + exp(b))``: logaddexp; also ``log(exp(a) + sum(exp(b)))``
    (an additive-margin softmax by hand: the target's score against the
    others'), a log-sum-exp over both."""
    found = [exp_call(model, side) for side in (added.left, added.right)]
    summed = False
    for at, side in enumerate((added.left, added.right)):
        reduced = _reduced(model, num.resolve(model, side)) if found[at] is None else None
        if reduced is not None and not reduced[1]:
            found[at], summed = exp_call(model, reduced[0]), True
    exps = [e for e in found if e is not None]
    if len(exps) != 2:
        return None
    operands = [exp_operand(model, e) for e in exps]
    # a scaled cosine (``s * cos``) bounds the margin form as it does a ratio
    if all(o is None or bounded_exp(model, o, cosine=summed) for o in operands):
        return None
    if not all(_framework_ok(model, e, framework) for e in exps):
        return None
    return NaiveForm("logaddexp", node, framework, summed=summed)


def _softplus(
    model: SemanticModel, node: cst.Call, exp: cst.Call, framework: str, inline: bool
) -> NaiveForm | None:
    x = exp_operand(model, exp)
    assert x is not None
    if not _negated_logits(model, x) and not _margin(model, x) and bounded_exp(model, x):
        return None
    if not _framework_ok(model, exp, framework):
        return None
    found = exp_framework(model, exp)
    if found == "numpy":
        return None  # NumPy softplus: plotted over small ranges in tutorials
    return NaiveForm("softplus", node, framework, found, x, inline=inline)


def _margin(model: SemanticModel, x: cst.BaseExpression) -> bool:
    """``pos - neg`` under a softplus (a soft-margin triplet or BPR loss
    written ``log1p(exp(d_ap - d_an))``): a difference of two scores, as large
    as they are apart. Not the max trick, which has no place in a softplus
    (``x - x.max()``, a maximum subtracted, stays bounded)."""
    if isinstance(x, cst.UnaryOperation) and isinstance(x.operator, cst.Minus):
        x = x.expression  # ``-(s_i - s_j)``: the other side's margin
    if isinstance(x, cst.BinaryOperation) and isinstance(x.operator, cst.Multiply):
        # ``sign(t_i - t_j) * (s_i - s_j)``: RankNet's pairwise margin, either
        # sign; ``-sigma * (s - s.t())`` scaled by a positive number (DRhard's
        # RankNet, audit s206)
        for factor, other in ((x.left, x.right), (x.right, x.left)):
            resolved = num.resolve(model, factor)
            if (_is_sign(model, resolved) or _positive_scale(model, factor)) and _margin(
                model, num.resolve(model, other)
            ):
                return True
        return False
    if not num.is_binop(x, cst.Subtract):
        return False
    assert isinstance(x, cst.BinaryOperation)
    if _max_like(model, x.right) or num.is_constant(model, x.right):
        return False
    if _names_in(model, x.left) & _names_in(model, x.right):
        # ``s - s.T``: every pair of scores, as large as two are apart
        return _pairwise(model, x.left, x.right)
    return True


def _positive_scale(model: SemanticModel, factor: cst.BaseExpression) -> bool:
    """A number other than 0, its sign aside (``-sigma`` of ``sigma = 1``)."""
    if isinstance(factor, cst.UnaryOperation) and isinstance(factor.operator, cst.Minus):
        factor = factor.expression
    value = num.number(model, factor)
    if value is None and isinstance(factor, cst.Name):
        found = num.numbers_bound(model, factor)
        value = found[0] if found and len(set(found)) == 1 else None
    return value is not None and value > 0


def _pairwise(model: SemanticModel, left: cst.BaseExpression, right: cst.BaseExpression) -> bool:
    """``s - s.T`` / ``s - K.transpose(s)``: one side the other transposed, of
    scores that can be far apart (not cosines or probabilities: their pairwise
    differences stay within 2)."""
    for plain, moved in ((left, right), (right, left)):
        inner = num.untransposed(model, moved)
        if inner is not moved and model.code(inner) == model.code(plain):
            value = model.value(num.resolve(model, plain))
            bounded = isinstance(value, Tensor) and value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS)
            return not bounded and not num.unit_bounded(model, plain)
    return False


def _is_sign(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``torch.sign(...)`` / ``K.sign(...)`` / ``d.sign()``: -1, 0 or 1."""
    if not isinstance(expr, cst.Call):
        return False
    if model.qualname(expr.func) in apis.SIGN_FUNCTIONS:
        return True
    return isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "sign" and not expr.args


def _negated_logits(model: SemanticModel, x: cst.BaseExpression) -> bool:
    """``-logits``, ``-y * logits`` (the logistic loss ``log(1 + exp(-y f))``):
    a negated score of either sign, as large as the score is negative (a
    negated distance or square stays bounded)."""
    factors = [x]
    if isinstance(x, cst.BinaryOperation) and isinstance(x.operator, cst.Multiply):
        factors = [x.left, x.right]
    negated = False
    for i, factor in enumerate(factors):
        if isinstance(factor, cst.UnaryOperation) and isinstance(factor.operator, cst.Minus):
            negated, factors[i] = True, factor.expression
    if not negated:
        return False
    if len(factors) == 1:
        inner = num.resolve(model, factors[0])
        if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Multiply):
            factors = [inner.left, inner.right]
    return any(_is_logits(model, factor) or _handed_as_logits(model, factor) for factor in factors)


def _cast_of_itself(model: SemanticModel, node: object, name: str) -> bool:
    """``name = tf.cast(name, ...)`` / ``name = name.float()``: the same values."""
    if not isinstance(node, cst.Call):
        return False
    if model.qualname(node.func) == apis.TF_CAST and node.args:
        first = node.args[0].value
        return isinstance(first, cst.Name) and first.value == name
    func = node.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in apis.FLOAT_CASTS
        and isinstance(func.value, cst.Name)
        and func.value.value == name
    )


def _handed_as_logits(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``expr`` is a parameter its function also hands to a loss on logits
    as the logits (``F.binary_cross_entropy_with_logits(input=logits, ...)``
    next to ``log(1 + exp(-logits))``: vandit15's class-balanced focal loss,
    audit s175): whatever the callers pass, it is read as logits there."""
    if not isinstance(expr, cst.Name):
        return False
    bindings = model.bindings(expr) or []
    if sum(b.kind == "param" for b in bindings) != 1 or not all(
        b.kind == "param" or _cast_of_itself(model, b.node, expr.value) for b in bindings
    ):
        return False  # (``logits = tf.cast(logits, tf.float32)`` keeps it: richardaecn's)
    func = model.enclosing(expr, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef):
        return False
    for call in calls_in(func):
        qualname = model.qualname(call.func)
        if qualname in (apis.BCE_LOGITS, apis.CROSS_ENTROPY):
            given = argument(call, 0, "input")
        elif qualname in apis.TF_SIGMOID_CE or qualname in apis.TF_SOFTMAX_CE:
            given = argument(call, None, "logits")
        else:
            continue
        if isinstance(given, cst.Name) and given.value == expr.value:
            return True
    return False


def _is_logits(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    value = model.value(num.resolve(model, expr))
    return isinstance(value, Tensor) and value.kind is Kind.LOGITS


def _ratio_form(
    model: SemanticModel,
    division: cst.BinaryOperation | cst.Call | cst.AugAssign,
    left: cst.BaseExpression,
    right: cst.BaseExpression,
) -> NaiveForm | None:
    denominator = num.resolve(model, right)
    if (
        isinstance(denominator, cst.Call)
        and model.qualname(denominator.func) == apis.TF_CAST
        and denominator.args
    ):
        # ``tf.cast(K.sum(a, 1) + K.epsilon(), K.floatx())``: the same values
        # (self-attention-HAR's attentive pooling, audit s181)
        denominator = num.resolve(model, denominator.args[0].value)
    padded = _eps_padded(model, denominator)
    summed = num.resolve(model, padded) if padded is not None else denominator
    # ``K.repeat(at_sum, n)`` of ``at_sum = K.sum(at, axis=1)``: the sum, repeated
    operand = num.sum_operand(model, num.resolve(model, num.strip_shape(model, summed)))
    if operand is None:
        return None
    exp_below = exp_call(model, operand) or _masked_exp(model, operand)
    exp_above = exp_call(model, left) or _masked_exp(model, left)
    if exp_below is None or exp_above is None:
        return None
    x_below = exp_operand(model, exp_below)
    x_above = exp_operand(model, exp_above)
    assert x_below is not None and x_above is not None
    below, above = _untransposed(x_below), _untransposed(x_above)
    if not num.same_code(model, below, above) or bounded_exp(model, above, cosine=True):
        return None
    framework = exp_framework(model, exp_above)
    if framework not in ("torch", "tensorflow"):
        return None
    inline = (
        padded is None
        and below is x_below
        and above is x_above
        and exp_above is left
        and exp_below is operand
        and denominator is right
        and isinstance(denominator, cst.Call)
    )
    return NaiveForm("softmax", division, framework, framework, x_above, denominator, inline)


def _masked_exp(model: SemanticModel, expr: cst.BaseExpression) -> cst.Call | None:
    """The ``exp`` of ``exp(x) * mask`` (either order, through a name bound
    once), or of a name bound to ``exp(x)`` and then only multiplied in place
    (``alpha = K.exp(x); alpha *= dp_mask[0]``: MLSTM-FCN's attention, audit
    s192): a masked softmax written by hand overflows as the plain one does."""
    resolved = num.resolve(model, expr)
    if isinstance(resolved, cst.Name):
        values = _assignments_before(model, resolved, reaching=False)
        made = [v for v in values if not isinstance(model.parent(v), cst.AugAssign)]
        scaled = [v for v in values if isinstance(model.parent(v), cst.AugAssign)]
        if len(made) != 1 or not all(
            isinstance(cast(cst.AugAssign, model.parent(v)).operator, cst.MultiplyAssign)
            for v in scaled
        ):
            return None
        resolved = made[0]
        if scaled and isinstance(resolved, cst.Call) and exp_operand(model, resolved) is not None:
            return resolved
    if num.is_binop(resolved, cst.Multiply):
        product = cast(cst.BinaryOperation, resolved)
        found = [exp_call(model, side) for side in (product.left, product.right)]
        if sum(call is not None for call in found) == 1:
            return next(call for call in found if call is not None)
    return None


def _eps_padded(model: SemanticModel, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``s`` of ``s + eps``: an eps keeps the denominator off 0, not the
    exponentials off inf (gsasrec's XE-NDCG, audit R97)."""
    if not num.is_binop(expr, cst.Add):
        return None
    assert isinstance(expr, cst.BinaryOperation)
    for one, other in ((expr.left, expr.right), (expr.right, expr.left)):
        if _an_eps(model, one):
            return other
    return None


def _an_eps(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``1e-6``, a name bound to one, ``self.eps`` set once to one (scMDC's
    pooling, audit s223), ``K.epsilon()``, ``torch.finfo(x.dtype).eps``."""
    if _tiny(expr) or (isinstance(expr, cst.Name) and _tiny(_named_value(model, expr))):
        return True
    if isinstance(expr, cst.Attribute) and dotted_text(expr.value) == "self":
        written = only_self_write(model, expr.attr.value)
        if written is not None and _tiny(written[1]):
            return True
    return _eps_call(model, expr)  # (audit s181)


def _eps_call(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """A framework's machine epsilon: ``K.epsilon()``, ``torch.finfo(t).eps``."""
    if isinstance(expr, cst.Call) and not expr.args:
        return model.qualname(expr.func) in apis.keras.KERAS_EPSILON
    return num.finfo_attr(model, expr)


def _named_value(model: SemanticModel, name: cst.Name) -> cst.BaseExpression:
    """What ``name`` is bound to once, or a parameter's default (``eps=1e-5``)."""
    bindings = model.bindings(name) or []
    node = bindings[0].node if len(bindings) == 1 else None
    if isinstance(node, cst.Param) and node.default is not None:
        return node.default
    return num.resolve(model, name)


def _untransposed(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``z`` of ``z.t()``, ``z.T``, ``z.transpose(0, 1)``: the same values,
    so ``exp(z.t()) / exp(z).sum(1)`` is the naive softmax written with
    transposes for the row sums to broadcast."""
    if isinstance(expr, cst.Attribute) and expr.attr.value in ("T", "mT"):
        return expr.value
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        name = expr.func.attr.value
        if (name == "t" and not expr.args) or (name == "transpose" and len(expr.args) == 2):
            return expr.func.value
    return expr


def _framework_ok(model: SemanticModel, exp: cst.Call, framework: str) -> bool:
    """The exp and the log compute on tensors of one framework: torch or
    TensorFlow, or NumPy throughout (``np.log(np.sum(np.exp(x)))`` overflows
    the same way, at 709 in float64). ``math`` raises instead."""
    found = exp_framework(model, exp)
    if found == "numpy":
        return framework == "numpy"
    return found in ("torch", "tensorflow")


def bounded_exp(model: SemanticModel, operand: cst.BaseExpression, cosine: bool = False) -> bool:
    """``exp`` of something that cannot be large: log-probabilities or
    probabilities, a negated value, a shifted one (``x - x.max()``, also
    through a reassignment ``x = x - m``), or a constant (``exp(30.)`` cannot
    overflow later). With ``cosine``, also a cosine similarity over a
    temperature: asked by the ratio forms (SimCLR's ``log(exp(s_ii) /
    sum(exp(s_ij)))``, ``exp(s) / exp(s).sum(1)``); the plain
    ``log(sum(exp(x)))`` is the textbook pattern the rule names, reported
    whatever bounds ``x`` (the held-out SimCSE and InfoNCE losses)."""
    if num.is_constant(model, operand):
        return True
    if isinstance(operand, cst.Name) and _shifted_name(model, operand):
        return True
    if isinstance(operand, cst.Name) and _squashed(model, reaching_assignment(model, operand)):
        return True  # ``a = torch.tanh(a); a = torch.exp(a)``: at most e
    if _capped_value(model, operand):
        return True
    if num.is_binop(operand, cst.Add):
        # ``exp(config["m"] + inner_product)`` of a clamped product: a margin
        # setting added to a capped value (DeepHash-pytorch's DFH, audit s184)
        add = cast(cst.BinaryOperation, operand)
        for side, other in ((add.left, add.right), (add.right, add.left)):
            if _capped_value(model, side) and _setting(model, other):
                return True
    operand = num.resolve(model, operand)
    if _squashed(model, operand) or _scaled_code_product(model, operand):
        return True
    value = model.value(operand)
    if isinstance(value, Tensor) and value.kind in (
        Kind.LOG_PROBS,
        Kind.PROBS,
        Kind.SIGMOID_PROBS,
    ):
        return True
    if negative(operand) or _negated(model, operand, 3):
        return True
    if cosine and num.unit_bounded(model, operand):
        return True  # ``exp(F.normalize(q))``: at most e
    if (
        isinstance(operand, cst.Call)
        and isinstance(operand.func, cst.Attribute)
        and "log_prob" in operand.func.attr.value
    ):
        return True  # ``d.log_prob(x)`` of a distribution: <= 0 for probabilities
    factors = _scaled_by_call(model, operand)
    if factors is not None and any(negative(factor) for factor in factors):
        return True  # ``d.mul(-t)``, ``torch.mul(d, -t)``: a negated scale
    if isinstance(operand, cst.BinaryOperation) and isinstance(operand.operator, cst.Subtract):
        return _shift(model, operand)
    # (a negated scale, ``-0.5 * d**2``, ``-d / (2 * s**2)``: ``_negated`` above)
    if isinstance(operand, cst.BinaryOperation) and isinstance(
        operand.operator, (cst.Multiply, cst.Divide)
    ):
        # a scaled shift: ``r * (x - x_max)``, ``(x - m) / T`` (LSE pooling, tempered)
        scaled = [operand.left]
        if isinstance(operand.operator, cst.Multiply):
            scaled.append(operand.right)
        if any(num.is_binop(side, cst.Subtract) for side in scaled):
            return True
        # ``reg = losses - max_term`` then ``exp(reg / mu)`` (LibMTL's STCH)
        if any(isinstance(side, cst.Name) and _shifted_name(model, side) for side in scaled):
            return True
        # a cosine similarity over a temperature (SimCLR's ``exp(sim(a, b) / tau)``):
        # in [-1, 1], large only for a temperature below 1/88 written nowhere here
        if (
            cosine
            and isinstance(operand.operator, cst.Divide)
            and num.unit_bounded(model, operand.left)
        ):
            tau = literal_value(operand.right)
            return not (isinstance(tau, (int, float)) and 0 < tau < 1 / 88)
        # a scaled cosine (``s * cos``, an additive-margin softmax's logits):
        # at most s, large only for a scale above 88 written here
        if cosine and isinstance(operand.operator, cst.Multiply):
            for scale, other in ((operand.left, operand.right), (operand.right, operand.left)):
                if num.unit_bounded(model, other):
                    factor = num.number(model, scale)
                    return factor is None or abs(factor) < 88
    return literal_value(operand) is not NotImplemented


def _shifted_name(model: SemanticModel, name: cst.Name) -> bool:
    """``name`` was bound, before this use, to a max-shifted value (``x - x.max()``),
    or shifted in place (``x -= m``)."""
    return any(
        (
            isinstance(value, cst.BinaryOperation)
            and isinstance(value.operator, cst.Subtract)
            and _shift(model, value)
        )
        or _shifted_in_place(model, name, value)
        or _cleaned_shift(model, value)
        for value in _assignments_before(model, name)
    )


def _cleaned_shift(model: SemanticModel, value: cst.BaseExpression) -> bool:
    """``nan_to_zero(x - x_max)``: a max-shifted value handed to a same-file
    helper whose every ``return`` is a ``where`` choosing between its
    parameter and a literal or zeros (TensorFlowASR's stable
    ``reduce_logsumexp``, audit R146): the values stay at most 0."""
    if not isinstance(value, cst.Call) or len(value.args) != 1 or value.args[0].keyword:
        return False
    shifted = value.args[0].value
    if not (
        num.is_binop(shifted, cst.Subtract) and _shift(model, cast(cst.BinaryOperation, shifted))
    ):
        return False
    if not isinstance(value.func, cst.Name):
        return False
    helper = next(
        (b.node for b in model.bindings(value.func) or () if isinstance(b.node, cst.FunctionDef)),
        None,
    )
    if helper is None:
        return False
    params = [p.name.value for p in helper.params.params]
    returns = own_returns(helper)
    if len(params) != 1 or not returns:
        return False
    for ret in returns:
        call = ret.value
        if not isinstance(call, cst.Call) or model.qualname(call.func) not in apis.WHERE:
            return False
        picks = [a.value for a in call.args[1:3]]
        if len(picks) != 2 or not any(
            isinstance(p, cst.Name) and p.value == params[0] for p in picks
        ):
            return False
        if not any(
            literal_value(p) is not NotImplemented
            or (isinstance(p, cst.Call) and model.qualname(p.func) in apis.ZERO_STARTS)
            for p in picks
        ):
            return False
    return True


def _negated(model: SemanticModel, expr: cst.BaseExpression, depth: int) -> bool:
    """A negated value, scaled or divided, written in steps: ``-d2 / (2 *
    s**2)``, ``neg = -d2; e = neg / k``, ``h *= -1; h /= 2 * s**2`` (a
    Gaussian heatmap's exponent, lightning-pose)."""
    if negative(expr):
        return True
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.Multiply, cst.Divide)
    ):
        sides = [expr.left, expr.right] if isinstance(expr.operator, cst.Multiply) else [expr.left]
        return any(negative(side) or _negated(model, side, depth - 1) for side in sides)
    if depth <= 0 or not isinstance(expr, cst.Name):
        return False
    for value in _assignments_before(model, expr, reaching=False):
        statement = model.parent(value)
        if isinstance(statement, cst.AugAssign):
            if isinstance(statement.operator, cst.MultiplyAssign) and negative(value):
                return True  # ``h *= -1``
            continue
        if _negated(model, value, depth - 1):
            return True
    return False


def _scaled_code_product(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``sigmoid_param * torch.mm(u, v.t())`` of tanh codes (HashNet's
    pairwise loss with ``10 / hash_bit``, audit s184): at most the code length
    times a scale set against it (a setting, or a number at most 1). Unscaled,
    the code length is not known here: reported."""
    if not isinstance(expr, cst.BinaryOperation) or not isinstance(
        expr.operator, (cst.Multiply, cst.Divide)
    ):
        return False
    sides = [(expr.left, expr.right)]
    if isinstance(expr.operator, cst.Multiply):
        sides.append((expr.right, expr.left))
    for product, scale in sides:
        if not _code_product(model, num.resolve(model, product)):
            continue
        factor = num.number(model, scale)
        if factor is None:
            return not _tensor_valued(model, scale)
        if isinstance(expr.operator, cst.Divide):
            return abs(factor) >= 1
        return abs(factor) <= 1
    return False


def _code_product(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``u @ v.t()``, ``torch.mm(u, v.t())``: a product of two tanh outputs."""
    if num.is_binop(expr, cst.MatrixMultiply):
        factors = [cast(cst.BinaryOperation, expr).left, cast(cst.BinaryOperation, expr).right]
    else:
        info = num.call_info(model, expr)
        if info is None or info.qualname not in apis.MATMUL or info.qualname == apis.EINSUM:
            return False
        factors = [a.value for a in info.node.args if a.keyword is None and not a.star]
    if len(factors) != 2:
        return False
    for factor in factors:
        value = model.value(_untransposed(factor))
        if not isinstance(value, Tensor) or value.kind is not Kind.BOUNDED:
            return False
    return True


def _capped_value(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``_capped`` written inline, or the value reaching a name (``theta =
    torch.clamp(theta, max=50)`` before ``exp(theta)``: DSDH, audit s184)."""
    if isinstance(expr, cst.Name):
        bound = reaching_assignment(model, expr)
        if bound is not None and _capped(model, bound):
            return True
        if capped_in_place(model, expr, _LARGEST_SAFE_CAP):
            return True  # ``temp[temp > 20] = 20``
    return _capped(model, num.resolve(model, expr))


def _setting(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """A number of at most ``_LARGEST_SAFE_CAP`` written here, or a scalar
    read from a configuration (``config["m"]``, ``cfg.margin``,
    ``args.m``): a hyperparameter, not a tensor computed here."""
    value = num.number(model, expr)
    if value is not None:
        return abs(value) <= _LARGEST_SAFE_CAP
    return num.run_setting(expr)


def _capped(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``x.clamp(max=50)``, ``torch.clamp(x, -50, 50)``: an upper bound the
    author set against overflow (one written here above 80 does not keep a sum
    of exps finite in float32; one not written here is trusted)."""
    bounds = num.clamp_bounds(model, expr)
    if bounds is None or bounds[1] is None:
        return False
    cap = num.number(model, bounds[1])
    return cap is None or cap <= _LARGEST_SAFE_CAP


#: exp(80) * 1e3 terms is still below float32's largest value (3.4e38)
_LARGEST_SAFE_CAP = 80


def _squashed(model: SemanticModel, expr: cst.BaseExpression | None) -> bool:
    """``torch.tanh(x)``, ``x.tanh()``, ``torch.sigmoid(x)``: in [-1, 1]."""
    if not isinstance(expr, cst.Call):
        return False
    if model.qualname(expr.func) in apis.BOUNDED_ACTIVATIONS:
        return True
    func = expr.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in ("tanh", "sigmoid")
        and not expr.args
        and model.qualname(func) is None
    )


def _scaled_by_call(
    model: SemanticModel, expr: cst.BaseExpression
) -> tuple[cst.BaseExpression, ...] | None:
    """The factors of ``a.mul(b)``/``a.multiply(b)``/``torch.mul(a, b)``."""
    if not isinstance(expr, cst.Call):
        return None
    args = [a.value for a in expr.args if a.keyword is None and not a.star]
    func = expr.func
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value in ("mul", "multiply")
        and model.qualname(func) is None
        and len(args) == 1
    ):
        return func.value, args[0]
    if model.qualname(func) in apis.MULTIPLY and len(args) == 2:
        return args[0], args[1]
    return None


def _assignments_before(
    model: SemanticModel, use: cst.Name, reaching: bool = True
) -> list[cst.BaseExpression]:
    """What may be bound to ``use`` where it is read: the assignment reaching
    it when that is certain (and asked), else every assignment but the one
    whose own right-hand side reads it (``z = -log(sum(exp(z)))`` reads the
    ``z`` of before, not its own negated result)."""
    last = reaching_assignment(model, use) if reaching else None
    if last is not None:
        return [last]
    around = set(map(id, model.ancestors(use)))
    return [v for v in num.assignments(model, use) if id(model.parent(v)) not in around]


def _shifted_in_place(model: SemanticModel, name: cst.Name, value: cst.BaseExpression) -> bool:
    """``x -= x.max(...)`` (also ``x -= tf.reduce_max(x, ...)``): the max trick
    written as an augmented assignment, whose binding holds only the
    subtracted side."""
    statement = model.parent(value)
    return (
        isinstance(statement, cst.AugAssign)
        and statement.value is value
        and isinstance(statement.operator, cst.SubtractAssign)
        and _max_like(model, value)
    )


def _shift(model: SemanticModel, sub: cst.BinaryOperation) -> bool:
    """``a - b`` in an exponent keeps ``exp`` from overflowing (the max trick:
    ``x - x.max()``, ``x - m``, ``x - lse``, a constant bound ``s - 1 / T``)
    unless it corrects raw scores: ``a`` a (scaled) matrix product and ``b`` a
    tensor computed from none of its names and no maximum
    (``u @ v.t() / T - logq.unsqueeze(0)``, a sampling-bias correction: log q
    is at most 0, so it only raises the scores)."""
    if not _product_scores(model, sub.left):
        return True
    if _max_like(model, sub.right):
        return True
    if _names_in(model, sub.left) & _names_in(model, sub.right):
        return True  # computed from the scores themselves
    return not _tensor_valued(model, sub.right)


#: reductions whose value is the largest of what they reduce (or above it)
_MAX_REDUCTIONS = frozenset(
    {"max", "amax", "nanmax", "logsumexp", "reduce_max", "reduce_logsumexp", "cummax"}
)
#: methods and attributes that keep the values of a maximum (reshaped, detached)
_KEEPS_VALUES = frozenset(
    {"unsqueeze", "view", "reshape", "detach", "expand", "expand_as", "squeeze", "values"}
)


def _max_like(model: SemanticModel, expr: cst.BaseExpression, depth: int = 6) -> bool:
    """``expr`` (through names, reshapes, ``.values``, ``[0]``) is a maximum."""
    for _ in range(depth):
        expr = num.resolve(model, expr)
        if isinstance(expr, cst.Name):
            unpacked = _first_of_unpacked(model, expr)
            if unpacked is None:
                return False
            expr = unpacked  # ``m, _ = torch.max(x, dim=1)``: m is the values
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Attribute) and expr.attr.value in _KEEPS_VALUES:
            expr = expr.value
        elif isinstance(expr, cst.Call):
            func = expr.func
            name = func.attr.value if isinstance(func, cst.Attribute) else None
            qualname = model.qualname(func)
            if qualname is not None:
                name = qualname.rsplit(".", 1)[-1]
            if name in _MAX_REDUCTIONS:
                return True
            if name in _KEEPS_VALUES and isinstance(func, cst.Attribute) and qualname is None:
                expr = func.value
            else:
                return False
        else:
            return False
    return False


def _first_of_unpacked(model: SemanticModel, name: cst.Name) -> cst.BaseExpression | None:
    """For ``name, _ = value`` binding ``name`` last (first of the targets),
    ``value[0]``'s stand-in: ``value`` itself, whose first item a maximum's
    ``(values, indices)`` is; None otherwise."""
    line = reaching_line(model, name)
    if line is None or len(line.body) != 1 or not isinstance(line.body[0], cst.Assign):
        return None
    assign = line.body[0]
    target = assign.targets[0].target if len(assign.targets) == 1 else None
    if not isinstance(target, cst.Tuple) or not target.elements:
        return None
    first = target.elements[0].value
    if not (isinstance(first, cst.Name) and first.value == name.value):
        return None
    return assign.value if isinstance(assign.value, cst.Call) else None


def _product_scores(model: SemanticModel, expr: cst.BaseExpression, depth: int = 4) -> bool:
    """``expr`` (through names) is a matrix product, maybe scaled by a name or
    a number: ``u @ v.t() / T``, ``scale * torch.matmul(q, k)``."""
    for _ in range(depth):
        expr = num.resolve(model, expr)
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.MatrixMultiply):
                return True
            if isinstance(expr.operator, cst.Divide) and _scale(expr.right):
                expr = expr.left
                continue
            if isinstance(expr.operator, cst.Multiply):
                if _scale(expr.right):
                    expr = expr.left
                    continue
                if _scale(expr.left):
                    expr = expr.right
                    continue
            return False
        if isinstance(expr, cst.Call):
            if model.qualname(expr.func) in apis.MATMUL:
                return True
            func = expr.func
            return (
                model.qualname(func) is None
                and isinstance(func, cst.Attribute)
                and func.attr.value in ("matmul", "mm", "bmm")
            )
        return False
    return False


def _scale(expr: cst.BaseExpression) -> bool:
    """A temperature or a scale: a name, ``self.t``, a number."""
    if isinstance(expr, (cst.Name, cst.Integer, cst.Float)):
        return True
    return isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)


def _names_in(model: SemanticModel, expr: cst.BaseExpression, depth: int = 4) -> set[str]:
    """The names ``expr`` reads, and those the names bound once read."""
    found: set[str] = set()
    todo = [(expr, depth)]
    while todo:
        node, left = todo.pop()
        for inner in _read_names(node):
            if inner.value in found:
                continue
            found.add(inner.value)
            if left > 0:
                value = num.bound_value(model, inner)
                if value is not None:
                    todo.append((value, left - 1))
    return found


def _tensor_valued(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    """``expr`` is a tensor, not a number (a constant bound such as ``1 / T``
    is a shift): a tensor's method or an index in it, or a framework call."""
    if num.is_tensor_expr(model, expr):
        return True
    for node in num.expression_nodes(expr):
        if isinstance(node, cst.Subscript):
            return True
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in apis.TENSOR_VALUE_METHODS
            and model.qualname(node.func) is None
        ):
            return True
    return False


def _read_names(expr: cst.CSTNode) -> Iterator[cst.Name]:
    """The names ``expr`` reads (not attribute names or keywords)."""
    skip: set[int] = set()
    for node in num.expression_nodes(expr):  # a node comes before its children
        if isinstance(node, cst.Attribute):
            skip.add(id(node.attr))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            skip.add(id(node.keyword))
        elif isinstance(node, cst.Name) and id(node) not in skip:
            yield node


def exp_framework(model: SemanticModel, call: cst.Call) -> str | None:
    qualname = model.qualname(call.func)
    if qualname in apis.KERAS_BACKEND_EXP:
        return "tensorflow"
    if qualname is None:
        return "torch"  # x.exp(): NumPy arrays have no such method
    return num.framework(qualname)
