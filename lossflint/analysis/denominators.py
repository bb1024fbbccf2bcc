"""Denominators that are exactly 0 in ordinary training (LF206's question).

Only shapes that are 0 in practice count: a count of a mask (an empty class or
an all-padding batch), a sum of sums (dice/IoU of empty masks), the norm of a
difference (identical embeddings), and the std in a standardisation (a
constant batch). ``x / x.norm()`` of learned embeddings and ``w / w.sum()`` of
weights are left alone: on real code they are essentially never 0 and
flagging them is noise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.attribute_constants import number
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.gradients import Reach, gradients
from lossflint.analysis.loops import loops
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.risk_sets import keeps_its_diagonal
from lossflint.analysis.unpacked_returns import unpacked_items
from lossflint.analysis.values import Tensor
from lossflint.analysis.walk import memo_of, nodes_in, own_returns

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def zero_able(
    model: SemanticModel, expr: cst.BaseExpression, numerator: cst.BaseExpression
) -> tuple[str | None, str | None]:
    """(what the denominator ``expr`` is, its framework when known), or
    (None, None) when it is not a denominator that is 0 in practice."""
    # ``torch.std(s, 1).view(b, 1, 1).expand(b, w, h)``: the std, reshaped
    expr = _union_total(model, num.strip_shape(model, _unscaled(model, expr)))
    for functions, method, label in (
        (apis.SUM, "sum", "a sum"),
        (apis.NORM, "norm", "a norm"),
        (apis.STD, "std", "a standard deviation"),
    ):
        operand = num.reduction(model, expr, functions, method)
        if operand is None:
            continue
        # positive values make a sum or a norm positive; a spread only by what
        # else makes them so (a saturated sigmoid map has std 0:
        # samyak0210/saliency, audit s229)
        if _positive(model, operand, probabilities=method != "std") or (
            method == "sum"
            and (
                _hot_total(model, expr, operand)
                or _self_matched(model, operand)
                or keeps_its_diagonal(model, operand)
            )
        ):
            return None, None
        info = num.call_info(model, expr)
        assert info is not None
        framework = num.framework(info.qualname) if info.qualname else None
        if framework == "numpy":
            return None, None
        if info.receiver is not None and num.numpy_attribute(model, info.receiver):
            return None, None  # ``self.adv_buf.std()`` of a NumPy buffer
        if method == "std" and info.receiver is not None and num.frame_like(model, info.receiver):
            return None, None  # a DataFrame's column standardised (pandas preprocessing)
        if num.is_count(model, expr) or (method == "sum" and _unpacked_mask(model, operand)):
            label = "a count"
        elif method == "sum":
            if _caller_mask_count(model, operand, numerator):
                label = "the count of a mask"
            elif _union(model, operand):
                label = "a sum"  # ``sum(t + p - t * p)``: an IoU's union, 0 for empty masks
            else:
                found = _zero_able_magnitude(model, operand, numerator, "sum")
                if found is None:
                    return None, None
                label = found
        elif method == "norm" and not num.is_binop(num.resolve(model, operand), cst.Subtract):
            found = _zero_able_magnitude(model, operand, numerator, "norm")
            if found is None:
                return None, None
            label = found or label
        elif method == "std" and (
            not _centred(model, num.resolve(model, numerator)) or _random_draws(model, operand)
        ):
            return None, None
        return label, framework
    if num.is_binop(expr, cst.Add):
        # ``i + j + smooth`` with ``smooth = 0.0``: a zero term guards nothing
        terms = [t for t in _add_terms(expr) if not _zero_number(model, t)]
        if not terms:
            return None, None
        frameworks: set[str | None] = set()
        for term in terms:
            term = num.resolve(model, _unweighted(num.resolve(model, term)))
            operand = num.sum_operand(model, term)
            if operand is None or _positive(model, operand, probabilities=False):
                return None, None
            info = num.call_info(model, term)
            assert info is not None
            frameworks.add(num.framework(info.qualname) if info.qualname else None)
        if "numpy" in frameworks:
            return None, None
        counts = all(
            num.is_count(model, num.resolve(model, _unweighted(num.resolve(model, t))))
            for t in terms
        )
        if _complementary(model, terms):
            return None, None  # ``n_pos + n_neg``: every sample is counted once
        label = "a sum of counts" if counts else "a sum"
        known = frameworks - {None}
        return label, (known.pop() if len(known) == 1 and None not in frameworks else None)
    return None, None


def _unscaled(model: SemanticModel, expr: cst.BaseExpression, depth: int = 3) -> cst.BaseExpression:
    """``count * 3`` (CRAFT's OHEM, audit s208), ``int(mask.sum())`` (DB's
    BalanceL1Loss, audit s208), through a name bound once: what is 0 when
    the whole is (a positive factor, a cast to a Python number)."""
    for _ in range(depth):
        resolved = num.resolve(model, expr)
        inner = _zero_keeping_operand(model, resolved)
        if inner is None:
            return resolved
        expr = inner
    return num.resolve(model, expr)


def _zero_keeping_operand(
    model: SemanticModel, expr: cst.BaseExpression
) -> cst.BaseExpression | None:
    if isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.BUILTIN_NUMBER_CASTS:
        arg = expr.args[0] if len(expr.args) == 1 else None
        return arg.value if arg is not None and not arg.keyword and not arg.star else None
    if num.is_binop(expr, cst.Multiply):
        product = cast(cst.BinaryOperation, expr)
        for factor, other in ((product.left, product.right), (product.right, product.left)):
            value = number(model, factor)
            if value is not None and value > 0:
                return other
    return None


def _union_total(model: SemanticModel, expr: cst.BaseExpression) -> cst.BaseExpression:
    """``t.sum() + p.sum() - inter`` with ``inter`` the sum of a product (an
    IoU's union): as zero-able as ``t.sum() + p.sum()``, which it is read as."""
    if not num.is_binop(expr, cst.Subtract):
        return expr
    assert isinstance(expr, cst.BinaryOperation)
    if not num.is_binop(expr.left, cst.Add):
        return expr
    inter = num.resolve(model, expr.right)
    operand = num.reduction(model, inter, apis.SUM, "sum")
    if operand is None or not num.is_binop(num.resolve(model, operand), cst.Multiply):
        return expr
    return expr.left


def _union(model: SemanticModel, operand: cst.BaseExpression) -> bool:
    """``t + p`` or ``t + p - t * p`` summed in one reduction (a soft IoU's
    union, a Dice denominator written as one sum): 0 when both maps are,
    like ``t.sum() + p.sum()``; not when a term is a number (a smoothing eps)
    or known positive."""
    resolved = num.resolve(model, operand)
    if num.is_binop(resolved, cst.Subtract):
        assert isinstance(resolved, cst.BinaryOperation)
        if not num.is_binop(resolved.right, cst.Multiply):
            return False
        resolved = resolved.left
    terms = _add_terms(resolved)
    if len(terms) != 2:
        return False
    for term in terms:
        if isinstance(term, (cst.Integer, cst.Float)) or num.is_constant(model, term):
            return False
        if _positive(model, term, probabilities=False):
            return False
    return True


def _random_draws(model: SemanticModel, expr: cst.BaseExpression, depth: int = 4) -> bool:
    """``expr`` holds continuous random draws (``torch.randn(5000)``, also
    wrapped: ``K.variable(np.random.normal(size=5000))``, ``.float()``)."""
    for _ in range(depth):
        expr = num.resolve(model, expr)
        if not isinstance(expr, cst.Call):
            return False
        qualname = model.qualname(expr.func)
        if qualname in apis.CONTINUOUS_RANDOM_DRAWS:
            return True
        func = loops(model).resolve_function(expr)
        if func is not None:
            # ``ref = reference_scores(5000)`` of a same-file function drawing them
            returns = [r.value for r in own_returns(func)]
            return bool(returns) and all(
                value is not None and _random_draws(model, value, depth - 1) for value in returns
            )
        if isinstance(expr.func, cst.Attribute) and qualname is None:
            expr = expr.func.value  # ``.float()``, ``.to(device)``
        elif expr.args and not expr.args[0].keyword:
            expr = expr.args[0].value  # ``K.variable(...)``, ``torch.tensor(...)``
        else:
            return False
    return False


def _hot_total(
    model: SemanticModel, total: cst.BaseExpression, operand: cst.BaseExpression
) -> bool:
    """``mask.sum()`` over all of a tensor with ones in every row (one-hot
    labels, MAE's mask of k patches per image): at least one per row."""
    if not isinstance(total, cst.Call) or any(a.keyword is not None for a in total.args):
        return False
    if len(total.args) != (
        0 if isinstance(total.func, cst.Attribute) and total.func.value is operand else 1
    ):
        return False
    value = model.value(num.resolve(model, operand))
    return isinstance(value, Tensor) and value.kind in (Kind.ONE_HOT, Kind.ROW_HOT)


def _self_matched(model: SemanticModel, operand: cst.BaseExpression) -> bool:
    """``torch.eq(idx, idx_all)`` with ``idx_all = torch.cat([idx.t(), queue],
    dim=1)``: each row of the matches has its own column, so its sum is at
    least 1 (ALBEF's and BLIP's retrieval targets)."""
    compared = _comparison(model, num.strip_shape(model, num.resolve(model, operand)))
    if compared is None or compared[1] != "==":
        return False
    own, _, every = compared
    joined = num.resolve(model, every)
    info = num.call_info(model, joined)
    if info is None or info.qualname not in apis.CONCATENATIONS or not info.node.args:
        return False
    parts = info.node.args[0].value
    if not isinstance(parts, (cst.List, cst.Tuple)) or not parts.elements:
        return False
    first = parts.elements[0].value
    return num.same_code(model, num.untransposed(model, first), num.untransposed(model, own))


def _unweighted(term: cst.BaseExpression) -> cst.BaseExpression:
    """``alpha * fp`` → ``fp``: a weighted count (Tversky's ``tp + a*fp + b*fn``)
    is 0 when the count is, whatever the weight."""
    if isinstance(term, cst.BinaryOperation) and isinstance(term.operator, cst.Multiply):
        for weight, other in ((term.left, term.right), (term.right, term.left)):
            if isinstance(weight, (cst.Name, cst.Integer, cst.Float)) or (
                isinstance(weight, cst.Attribute) and isinstance(weight.value, cst.Name)
            ):
                return other
    return term


def _joined_with_ones(model: SemanticModel, mask: cst.BaseExpression) -> bool:
    """``mask = torch.cat([mask.new_full((n, 1), 1), mask[:, :-1]], 1)``: a
    column of ones joined to the mask (a caption's first token always
    counts; ruotianluo's ImageCaptioning): no row of it sums to 0."""
    if isinstance(mask, cst.Name):
        reached = reaching_assignment(model, mask)
        if reached is None:
            return False
        mask = reached
    if not isinstance(mask, cst.Call) or model.qualname(mask.func) not in apis.CONCATENATIONS:
        return False
    parts = mask.args[0].value if mask.args else None
    if not isinstance(parts, (cst.List, cst.Tuple)):
        return False
    for element in parts.elements:
        part = element.value
        if not isinstance(part, cst.Call):
            continue
        if model.qualname(part.func) in apis.ONES_FACTORIES:
            return True
        func = part.func
        if isinstance(func, cst.Attribute) and func.attr.value == "new_ones":
            return True
        if isinstance(func, cst.Attribute) and func.attr.value == "new_full":
            fill = argument(part, 1, "fill_value")
            value = literal_value(fill) if fill is not None else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                return True
    return False


def _caller_mask_count(
    model: SemanticModel, operand: cst.BaseExpression, numerator: cst.BaseExpression
) -> bool:
    """``(loss * mask).sum() / mask.sum()`` in code a gradient reaches: a masked
    mean over a mask handed in by a caller, 0 for an all-padding batch. Where
    the gradient fact is unknown (a helper never called in the file) the mask's
    emptiness is anybody's guess: silent."""
    if not num.is_mask(model, operand):
        return False
    if _joined_with_ones(model, num.strip_shape(model, operand)):
        return False
    masked = num.masked_sum(model, numerator)
    if masked is None or not any(
        # ``mask_ = mask.expand_as(target)`` divides: the mask it reshapes
        num.same_code(model, masked, num.strip_shape(model, side))
        for side in (operand, num.resolve(model, operand))
    ):
        return False
    if _computed_by_callers(model, masked):
        return False
    return gradients(model).reach(numerator) is Reach.YES


def _computed_by_callers(model: SemanticModel, mask: cst.BaseExpression) -> bool:
    """The mask is a parameter that a same-file caller fills with a mask it
    computed itself (MAE's ``forward_loss(imgs, pred, mask)`` gets the random
    mask of ``forward_encoder``, never empty): what it holds is known there,
    so it is not "handed in" from outside. Reshaped first (``mask =
    mask.view(loss.shape)``: HSIMAE, SpectralGPT, audit s194), the same."""
    if not isinstance(mask, cst.Name):
        return False
    passed_in = gradients(model).passed_to(mask)
    if passed_in is None:
        if reaching_assignment(model, mask) is not None:
            mask = num.strip_shape(model, num.resolve(model, mask))  # type: ignore[assignment]
        if isinstance(mask, cst.Name) and reaching_assignment(model, mask) is None:
            passed_in = gradients(model).passed_to(mask, rebound=True)
    for passed in passed_in or []:
        if isinstance(passed, cst.Name):
            caller = model.bindings(passed) or []
            if caller and all(b.kind != "param" for b in caller):
                return True
    return False


def _unpacked_mask(model: SemanticModel, operand: cst.BaseExpression) -> bool:
    """``loss, mask = masked_loss(...)`` then ``mask.sum()``: the item is a
    mask in every tuple the same-file function returns (understandingbdl's
    ``seg_ale_cross_entropy``, audit s158)."""
    operand = num.strip_shape(model, operand)
    items = unpacked_items(model, operand) if isinstance(operand, cst.Name) else None
    return bool(items) and all(num.is_boolean(model, item) for item in items or ())


def _zero_able_magnitude(
    model: SemanticModel, operand: cst.BaseExpression, numerator: cst.BaseExpression, method: str
) -> str | None:
    """Where a gradient flows, a norm or a sum (the L1 norm of non-negative
    values: ``x.abs().sum()`` is ``x.norm(p=1)``) that is 0 for an all-zero
    input. A norm: ``x / x.norm()`` where ``x`` is relu/abs output (all-zero
    for a dead row: x/||x|| has a 0/0 gradient there), or another numerator
    over the norm of a relu/abs/square output (``||S - S'|| / ||S||`` of a
    magnitude ``S = stft(clean).abs()``: x/0 for a silent crop). A sum: of
    relu/abs/square output only, with any numerator (``err / hr.abs().sum()``
    of a relative L1: x/0 for an all-black crop). Learned embeddings and
    weights of unknown kind are left alone (essentially never all-zero). The
    label of the reduction ("" for the plain norm), or None."""
    value = model.value(num.resolve(model, operand))
    if not (isinstance(value, Tensor) and value.kind is Kind.NON_NEGATIVE):
        return None
    label = ""
    if method == "sum" or not num.same_code(model, operand, numerator):
        function = num.origin_function(model, value)
        if function not in num.ZERO_PRESERVING:
            return None  # exp output (never 0), or an origin not known
        where = f" ({value.site.describe()})" if value.site is not None else ""
        label = f"the {method} of {function} output{where}"
    return label if gradients(model).reach(numerator) is Reach.YES else None


def reduced_operands(model: SemanticModel, expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """What the sum/norm/std reductions added up in ``expr`` reduce."""
    found = []
    for term in _add_terms(expr):
        term = num.resolve(model, term)
        for functions, method in ((apis.SUM, "sum"), (apis.NORM, "norm"), (apis.STD, "std")):
            operand = num.reduction(model, term, functions, method)
            if operand is not None:
                found.append(operand)
    return found


def _positive(
    model: SemanticModel, operand: cst.BaseExpression, depth: int = 2, probabilities: bool = True
) -> bool:
    """Sums of these are > 0: probabilities, exp, guarded values, and the
    magnitude of one (``w.abs().sum()`` of softmax weights: an L1 norm of
    values that are never 0). Without ``probabilities``, a sum of
    probabilities may be 0: a Dice loss's ``p.sum() + t.sum()`` over a map
    the loss drives to 0 wherever the target is empty, where they underflow."""
    resolved = num.resolve(model, operand)
    inner = num.abs_operand(model, resolved)
    if inner is not None and depth > 0:
        return _positive(model, inner, depth - 1, probabilities)
    value = model.value(resolved)
    if isinstance(value, Tensor) and value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS):
        return probabilities
    exp = num.resolve(model, resolved)
    if isinstance(exp, cst.Call) and num.exp_operand(model, exp) is not None:
        return True
    return num.is_guarded(model, resolved)


def _centred(model: SemanticModel, numerator: cst.BaseExpression) -> bool:
    """``x - x.mean()`` / ``x - torch.mean(x)`` / ``x - tf.reduce_mean(x)``:
    the numerator of a standardisation (the mean possibly reshaped, through a
    name: ``mean_s = torch.mean(s, 1).view(b, 1, 1).expand(b, w, h)``)."""
    if not num.is_binop(numerator, cst.Subtract):
        return False
    assert isinstance(numerator, cst.BinaryOperation)
    right = num.strip_shape(model, num.resolve(model, numerator.right))
    if isinstance(right, cst.Call):
        func = right.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MEANS:
            return True
        if isinstance(func, cst.Name) and func.value in _MEANS:
            return True
    return False


_MEANS = frozenset({"mean", "reduce_mean"})


def _zero_number(model: SemanticModel, term: cst.BaseExpression) -> bool:
    """``0.0``, or a name bound only to it."""
    numbers = num.numbers_bound(model, term)
    return numbers is not None and all(n == 0 for n in numbers)


def _add_terms(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if num.is_binop(expr, cst.Add):
        assert isinstance(expr, cst.BinaryOperation)
        return [*_add_terms(expr.left), *_add_terms(expr.right)]
    return [expr]


#: comparison names → their operator; the pairs of operators that split every value
_COMPARISONS = {
    "equal": "==",
    "eq": "==",
    "not_equal": "!=",
    "ne": "!=",
    "greater": ">",
    "gt": ">",
    "less": "<",
    "lt": "<",
    "greater_equal": ">=",
    "ge": ">=",
    "less_equal": "<=",
    "le": "<=",
}
_OPERATORS = {
    cst.Equal: "==",
    cst.NotEqual: "!=",
    cst.GreaterThan: ">",
    cst.LessThan: "<",
    cst.GreaterThanEqual: ">=",
    cst.LessThanEqual: "<=",
}
_SPLITS = ({"==", "!="}, {">", "<="}, {"<", ">="})


def _complementary(model: SemanticModel, terms: list[cst.BaseExpression]) -> bool:
    """Two counts of masks that split the same values (``y == c`` and ``y !=
    c``, ``y > t`` and ``y <= t``, or ``y == 1`` and ``y == 0`` of binary
    labels): their sum is the number of values, never 0 for a batch."""
    if len(terms) != 2:
        return False
    operands = [
        num.sum_operand(model, num.resolve(model, _unweighted(num.resolve(model, t))))
        for t in terms
    ]
    first, second = operands
    if first is not None and second is not None:
        for one, other in ((first, second), (second, first)):
            rest = num.one_minus(num.resolve(model, one))
            if rest is not None and num.same_code(
                model, num.resolve(model, rest), num.resolve(model, other)
            ):
                # ``sum(1 - y) + sum(y)``: the number of values (faultSeg's
                # class-balanced BCE, audit s231)
                return True
    tests = []
    for term in terms:
        # ``n_pos * class_num + n_neg`` (HashNet, audit s184): a weight on a
        # count is a class weight, positive
        operand = num.sum_operand(model, num.resolve(model, _unweighted(num.resolve(model, term))))
        mask = _positively_weighted_mask(model, operand) if operand is not None else None
        if mask is not None:
            operand = mask  # ``(sim * pos_mask).sum(1)`` with ``sim = exp(...)``
        test = _comparison(model, num.resolve(model, operand)) if operand is not None else None
        if test is None and isinstance(operand, cst.Name):
            # a mask changed in place after it was made (``pos_mask.fill_diagonal_(0)``):
            # the comparison it was made from still says what it splits
            made = _made_from(model, operand)
            test = _comparison(model, made) if made is not None else None
        if test is None:
            return False
        tests.append(test)
    (left_a, op_a, value_a), (left_b, op_b, value_b) = tests
    if not num.same_code(model, left_a, left_b):
        return False
    value_a_code, value_b_code = model.code(value_a).strip(), model.code(value_b).strip()
    if {op_a, op_b} in _SPLITS:
        return value_a_code == value_b_code
    return op_a == op_b == "==" and {value_a_code, value_b_code} in ({"0", "1"}, {"0.", "1."})


def _positively_weighted_mask(
    model: SemanticModel, operand: cst.BaseExpression
) -> cst.BaseExpression | None:
    """``mask`` of ``values * mask`` (either order) where every value is > 0
    (exponentials): the weighted sums of complementary masks add up to the
    sum of all values (SimCLR's ``pos + neg`` over the off-diagonal pairs)."""
    resolved = num.resolve(model, operand)
    if not num.is_binop(resolved, cst.Multiply):
        return None
    assert isinstance(resolved, cst.BinaryOperation)
    for values, mask in ((resolved.left, resolved.right), (resolved.right, resolved.left)):
        if _positive(model, values, probabilities=False):
            return mask
    return None


def _made_from(model: SemanticModel, name: cst.Name) -> cst.BaseExpression | None:
    """The value of the one plain assignment of ``name`` in its scope, the
    only other writes being in-place method calls on it (``m.fill_diagonal_(0)``)."""
    bindings = model.bindings(name) or []
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    scope = model.scope_of(name).node
    for node in nodes_in(scope, cst.Attribute, memo=memo_of(model)):
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == name.value
            and node.attr.value.endswith("_")
            and node.attr.value != "fill_diagonal_"
        ):
            return None  # ``m.zero_()`` may empty it
    value = bindings[0].node
    return value if isinstance(value, cst.BaseExpression) else None


def _comparison(
    model: SemanticModel, expr: cst.BaseExpression, depth: int = 3
) -> tuple[cst.BaseExpression, str, cst.BaseExpression] | None:
    """``(y, "==", 1)`` of ``y == 1``, ``tf.math.equal(y, 1)``, ``y.eq(1)``,
    also under a cast (``tf.cast(..., 'float32')``, ``(y == 1).float()``)."""
    if isinstance(expr, cst.Name) and depth > 0:
        return _comparison(model, num.resolve(model, expr), depth - 1)
    if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
        target = expr.comparisons[0]
        op = _OPERATORS.get(type(target.operator))
        return (expr.left, op, target.comparator) if op is not None else None
    info = num.call_info(model, expr)
    if info is None or depth <= 0:
        return None
    args = [a.value for a in info.node.args if a.keyword is None and not a.star]
    if info.method in apis.CAST_METHODS and info.receiver is not None:
        return _comparison(model, info.receiver, depth - 1)
    if info.qualname is not None and info.qualname.rsplit(".", 1)[-1] == "cast" and args:
        return _comparison(model, args[0], depth - 1)
    name = info.method or (info.qualname.rsplit(".", 1)[-1] if info.qualname else None)
    op = _COMPARISONS.get(name or "")
    if op is None:
        return None
    if info.method is not None and info.receiver is not None and len(args) == 1:
        return info.receiver, op, args[0]
    if info.method is None and len(args) == 2:
        return args[0], op, args[1]
    return None


def mask_tests(model: SemanticModel, operand: cst.BaseExpression) -> list[cst.BaseExpression]:
    """What a test of the summed mask ``operand`` may name: the mask itself
    (casts and reshapes dropped: ``pos_inds.float()``) and the values it selects, bound
    once in the same function (``pos_pred = pred[pos_inds]`` is empty
    exactly when the mask is: CenterNet's ``if pos_pred.nelement() == 0:``)."""
    operand = num.strip_shape(model, operand)
    if not isinstance(operand, (cst.Name, cst.Attribute)):
        return []
    found: list[cst.BaseExpression] = [operand]
    if not isinstance(operand, cst.Name):
        return found
    function = model.enclosing(operand, cst.FunctionDef)
    if not isinstance(function, cst.FunctionDef):
        return found
    for assign in nodes_in(function.body, cst.Assign, memo=memo_of(model)):
        value = assign.value  # type: ignore[attr-defined]
        targets = assign.targets  # type: ignore[attr-defined]
        if (
            isinstance(value, cst.Subscript)
            and len(value.slice) == 1
            and isinstance(value.slice[0].slice, cst.Index)
            and isinstance(value.slice[0].slice.value, cst.Name)
            and value.slice[0].slice.value.value == operand.value
            and len(targets) == 1
            and isinstance(targets[0].target, cst.Name)
            and num.bound_value(model, targets[0].target) is value
        ):
            found.append(targets[0].target)
    return found


def selects_by_counted_mask(
    model: SemanticModel, numerator: cst.BaseExpression, denominator: cst.BaseExpression
) -> bool:
    """The numerator takes the entries of ``x[mask]`` and the denominator
    counts ``mask`` (``loss[pos] * S / pos.float().sum()``, HashNet's
    re-weighting in DeepHash-pytorch, audit s184): with a count of 0 the
    selection is empty, and so is the quotient, with no NaN in it."""
    operand = num.sum_operand(model, num.resolve(model, denominator))
    if operand is None:
        return False
    mask = num.strip_shape(model, num.resolve(model, operand))
    for node in num.expression_nodes(numerator):
        if (
            isinstance(node, cst.Subscript)
            and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index)
            and num.same_code(model, num.strip_shape(model, node.slice[0].slice.value), mask)
        ):
            return True
    return False
