"""The hand-written cross-entropy formula several LF2xx rules recognise (LF203
reports it, LF202 leaves its logs alone)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import literal_value
from lossflint.analysis.exp_overflow import exp_call, negative
from lossflint.analysis.gradients import gradients
from lossflint.analysis.keras import keras_facts
from lossflint.analysis.log_calls import LogCall, probability_log
from lossflint.analysis.reaching import reaching_assignment, value_reads
from lossflint.analysis.values import Tensor
from lossflint.analysis.walk import memo_of, names_in
from lossflint.rules.numerics.activation_inputs import of_constants
from lossflint.rules.numerics.log_terms import (
    named_scale,
    named_weights,
    numeric_factor,
    plain_number,
    without_sign,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


@dataclass(frozen=True)
class Formula:
    top: cst.CSTNode
    logs: tuple[LogCall, ...]
    binary: bool
    #: the guard on its log ("clamp" or "eps"), "" when unguarded; a guarded
    #: formula is one on softmax/sigmoid output (``source``) of a framework log
    guard: str = ""
    source: str = ""
    #: an unguarded log of softmax/sigmoid output held in a variable, a
    #: parameter or a model's output (LF201 reports only the inline
    #: ``log(softmax(z))``, which its fix rewrites): the value
    probabilities: Tensor | None = None


def _log_product(
    model: SemanticModel, expr: cst.BaseExpression, logs: dict[cst.Call, LogCall]
) -> tuple[cst.BaseExpression, LogCall] | None:
    """``y * log(p)`` / ``log(p) * y`` / ``tf.multiply(y, tf.math.log(p))`` → (y, the log)."""
    sides = _factors(model, expr)
    if sides is None:
        return None
    left, right = sides
    for factor, other in ((right, left), (left, right)):
        held = _named_log(model, factor, logs)
        if held is not None:
            return other, held
    return None


def _named_log(
    model: SemanticModel, factor: cst.BaseExpression, logs: dict[cst.Call, LogCall]
) -> LogCall | None:
    """The log ``factor`` is: inline, or a name bound once to it, read only
    there and no log of softmax output LF201 reports where it is taken
    (``preds_log = torch.log(p + eps)``, then ``-sum(t * preds_log)``: ListNet)."""
    if isinstance(factor, cst.UnaryOperation) and isinstance(factor.operator, cst.Minus):
        factor = factor.expression  # ``y * -log(p)``
    if isinstance(factor, cst.Call):
        return logs.get(factor)
    if not isinstance(factor, cst.Name):
        return None
    value = num.bound_value(model, factor)
    if not isinstance(value, cst.Call) or value not in logs:
        return None
    once = len(value_reads(model, value) or ()) == 1
    return logs[value] if once and probability_log(model, logs[value]) is None else None


def _factors(
    model: SemanticModel, expr: cst.BaseExpression
) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    if num.is_binop(expr, cst.Multiply):
        assert isinstance(expr, cst.BinaryOperation)
        return expr.left, expr.right
    if isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.MULTIPLY:
        args = [a.value for a in expr.args if a.keyword is None and not a.star]
        if len(args) == 2 == len(expr.args):
            return args[0], args[1]
    return None


def cross_entropy_formula(
    model: SemanticModel, log: LogCall, logs: dict[cst.Call, LogCall]
) -> Formula | None:
    """The hand-written CE/BCE formula ``log`` is part of (LF203), if any."""
    if num.is_constant(model, log.argument, 6):
        return None  # ``log(2 * pi)``: a normaliser; the formula's other log is asked itself
    product = model.parent(log.node)
    reads = value_reads(model, log.node) if isinstance(product, cst.Assign) else None
    if reads is not None and len(reads) == 1:
        product = model.parent(reads[0])  # ``preds_log = log(p)``, read once in the formula
    if isinstance(product, cst.Arg):
        product = model.parent(product)  # ``tf.multiply(y, tf.math.log(p))``
    # ``labels * -torch.log(output)``: the sign on the log (SoccerNet's
    # sn-spotting losses, audit s214)
    above = model.parent(product) if product is not None else None
    sign_on_log = isinstance(product, cst.UnaryOperation) and isinstance(
        product.operator, cst.Minus
    )
    sign_on_log = sign_on_log and isinstance(above, cst.BinaryOperation)
    if sign_on_log:
        product = above
    if not isinstance(product, (cst.BinaryOperation, cst.Call)):
        return None
    first = _log_product(model, product, logs)
    if first is None:
        return None
    members = [first]
    core: cst.BaseExpression = product
    parent = model.parent(product)
    # ``- tf.multiply(y, log(p)) - ...``: the product's sign is written apart
    lead_negated = isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Minus)
    term: cst.BaseExpression = product
    #: ``-a * log(b) - c``: one term of some other formula (a Gamma density's
    #: log-normaliser), a cross-entropy only where ``b`` is known
    loose = False
    if lead_negated:
        assert isinstance(parent, cst.UnaryOperation)
        term = parent
        parent = model.parent(parent)
    if isinstance(parent, cst.BinaryOperation) and isinstance(
        parent.operator, (cst.Add, cst.Subtract)
    ):
        other = parent.right if parent.left is term else parent.left
        second = _log_product(model, other, logs)
        if second is not None and num.is_constant(model, second[1].argument, 6):
            second = None  # ``- 0.5 * k * log(2 * pi)``: a normaliser, no probability
        if second is not None:
            core = parent
            members = [first, second] if parent.left is term else [second, first]
        else:
            loose = True
            if lead_negated:
                core = term
    elif lead_negated:
        core = term
    if sign_on_log and len(members) < 2:
        return None  # ``-log(p) * advantage``: a policy-gradient term, not a cross-entropy
    node, negated, stop = climb_formula(model, core)
    negated = negated or negative(members[0][0]) or lead_negated or sign_on_log
    if not negated and isinstance(stop, cst.Assign) and stop.value is node:
        # ``like = y * log(p) + (1 - y) * log(1 - p)``, then ``-mean(like)``
        negated = _negated_later(model, stop, subtracted=_reduced(model, node))
    if not negated:
        return None
    if len(members) == 1 and plain_number(members[0][0]):
        return None  # `-1 * log(x)` is `-log(x)`: no label weighs it (a logit of a setting)
    passed_to = gradients(model).passed_to
    if len(members) == 1 and numeric_factor(model, without_sign(members[0][0]), passed_to):
        # ``-no_dim * log(sigma)`` with ``no_dim`` a number every caller passes:
        # a Gaussian likelihood's normaliser, no label weighs it
        return None
    guarded = False
    probabilities: Tensor | None = None
    for factor, member in members:
        known = probability_log(model, member)
        if known is not None and known[0].origin is known[1]:
            return None  # LF201 rewrites the inline ``log(softmax(z))`` itself
        if known is not None and probabilities is None:
            probabilities = known[0]
        stripped = num.guard_operand(model, member.argument)
        argument = stripped[0] if stripped is not None else member.argument
        if _log_of_exponentials(model, argument):
            return None  # -t * log(sum(exp(x))): a log-sum-exp (LF204's), not of a probability
        value = model.value(argument)
        if (
            known is None
            and isinstance(value, Tensor)
            and value.kind not in (Kind.PROBS, Kind.SIGMOID_PROBS)  # ``log_softmax(z).exp()``
            and num.positive_value(model, value)
        ):
            return None  # ``log(sigma)`` of ``sigma = out.exp()``: a scale, not a probability
        if known is None and named_scale(argument):
            return None  # ``-no_dim * log(sigma)``: a Gaussian likelihood's normaliser
        unsigned = (
            factor.expression
            if isinstance(factor, cst.UnaryOperation) and isinstance(factor.operator, cst.Minus)
            else factor
        )
        if num.same_code(model, unsigned, member.argument) or num.same_code(
            model, unsigned, argument
        ):
            return None  # entropy -p*log(p) (or `- p * log(p + eps)`), not a cross-entropy
        if _log_of_ratio(model, argument):
            return None  # -q*log(p/q): a KL divergence or importance weight, not a CE
        guarded = guarded or num.is_guarded(model, member.argument, passed_to=passed_to)
    member_logs = tuple(m for _, m in members)
    if loose and probabilities is None:
        return None
    if len(members) == 1 and probabilities is None and named_weights(members[0][0]):
        return None  # ``-sum(self.weights * log(lhs))``: a weighted log-likelihood (a KDE's)
    if not guarded:
        return Formula(node, member_logs, len(members) == 2, probabilities=probabilities)
    found = guarded_source(model, member_logs)
    if found is None:
        return None  # p of unknown origin, or a NumPy formula: the guard is the fix
    return Formula(node, member_logs, len(members) == 2, guard=found[1], source=found[0])


def guarded_source(model: SemanticModel, logs: tuple[LogCall, ...]) -> tuple[str, str] | None:
    """A guarded formula still worth replacing: every log a framework's
    (torch, TensorFlow, the Keras backend's; never NumPy or ``math``), of a
    probability known to be softmax/sigmoid output once its guard is
    stripped (``sigmoid(z).clamp(eps, 1 - eps)``, ``p + eps`` with ``p`` a
    model's softmax): (``"softmax"``/``"sigmoid"``, the guard), or None."""
    sources: set[str] = set()
    guards: list[str] = []
    for log in logs:
        if log.framework not in _FRAMEWORK_LOGS:
            return None
        found = num.guard_operand(model, log.argument)
        probability = found[0] if found is not None else log.argument
        if found is not None:
            guards.append(found[1])
        complement = num.one_minus(probability)
        if complement is not None:
            inner = num.guard_operand(model, complement)
            probability = inner[0] if inner is not None else complement
            if inner is not None:
                guards.append(inner[1])
        # a compiled loss's clipped ``y_pred`` is Keras's own recipe (its
        # ``categorical_crossentropy`` on probabilities clips the same way)
        source = probability_source(model, probability, handed=False)
        if source is None:
            return None
        value = model.value(probability)
        if isinstance(value, Tensor) and of_constants(model, value.origin):
            return None  # ``softmax(ones_like(p))``: a fixed prior, nothing to replace
        sources.add(source)
    if not guards or len(sources) != 1:
        return None
    return sources.pop(), "clamp" if "clamp" in guards else "eps"


#: the logs whose formula a built-in loss on logits can replace ("keras": the
#: backend's ``K.log`` / ``keras.ops.log``, guarded by ``K.clip`` / ``ops.clip``)
_FRAMEWORK_LOGS = frozenset({"torch", "tensorflow", "keras"})


def probability_source(
    model: SemanticModel, expr: cst.BaseExpression, handed: bool = True
) -> str | None:
    """``"softmax"``/``"sigmoid"`` when ``expr`` is known to be such output:
    its kind (this file, a model's output, a parameter every caller fills so),
    or a softmax/sigmoid written by hand; ``handed``: also the ``y_pred`` a
    Keras ``compile(loss=f)`` gives ``f``."""
    value = model.value(expr)
    if isinstance(value, Tensor) and value.kind is Kind.PROBS:
        return "softmax"
    if isinstance(value, Tensor) and value.kind is Kind.SIGMOID_PROBS:
        return "sigmoid"
    head = keras_facts(model).output_activation(expr, handed)
    if head is not None and head[0] in ("softmax", "sigmoid"):
        return head[0]  # ``probs = model(x)`` of a Keras model ending in softmax
    resolved = num.resolve(model, expr)
    if not num.is_binop(resolved, cst.Divide):
        return None
    assert isinstance(resolved, cst.BinaryOperation)
    if _hand_written_sigmoid(model, resolved):
        return "sigmoid"
    operand = num.sum_operand(model, num.resolve(model, resolved.right))
    if (
        exp_call(model, resolved.left) is not None
        and operand is not None
        and exp_call(model, operand) is not None
    ):
        return "softmax"
    return None


def climb_formula(
    model: SemanticModel, core: cst.BaseExpression, subtracted: bool = False
) -> tuple[cst.CSTNode, bool, cst.CSTNode | None]:
    """From the formula's core up through signs, products, divisions, sums
    and means: (the formula's top, whether a sign on the way negates it, the
    node the climb stopped at). ``subtracted``: a subtraction of it negates
    it too (only for a log-likelihood named first, whose shape is already
    that of a cross-entropy: ``- b * log(a)`` inline is any formula's term)."""
    negated = False
    node: cst.CSTNode = core
    while True:
        up = model.parent(node)
        if isinstance(up, cst.UnaryOperation) and isinstance(up.operator, cst.Minus):
            negated = True
        elif isinstance(up, cst.BinaryOperation) and isinstance(up.operator, cst.Multiply):
            other_side = up.right if up.left is node else up.left
            negated = negated or negative(other_side)
        elif isinstance(up, cst.BinaryOperation) and isinstance(up.operator, cst.Divide):
            if up.left is not node:
                return node, negated, up
        elif (
            subtracted
            and isinstance(up, cst.BinaryOperation)
            and isinstance(up.operator, cst.Subtract)
            and up.right is node
        ):
            # ``J = L - alpha * ce + U``: subtracted, the log-likelihood is
            # negated (the formula ends here, the rest is other terms)
            return node, not negated, up
        elif isinstance(up, cst.Arg):
            call = model.parent(up)
            if not (
                isinstance(call, cst.Call)
                and call.args
                and call.args[0] is up
                and model.qualname(call.func) in (apis.SUM | apis.MEAN)
            ):
                return node, negated, up
            up = call
        elif (
            isinstance(up, cst.Attribute) and up.value is node and up.attr.value in ("sum", "mean")
        ):
            call = model.parent(up)
            if not (isinstance(call, cst.Call) and call.func is up):
                return node, negated, up
            up = call
        else:
            return node, negated, up
        node = up


def _reduced(model: SemanticModel, node: cst.CSTNode) -> bool:
    """``node`` is a sum or mean (``torch.sum(y * log(p), 1).mean()``)."""
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("sum", "mean"):
        return True
    return model.qualname(func) in (apis.SUM | apis.MEAN)


def _negated_later(model: SemanticModel, assign: cst.Assign, subtracted: bool = False) -> bool:
    """The log-likelihood named by ``assign`` (``like = ...``) is negated
    where that value reaches (``loss = -tf.reduce_mean(like)``); with
    ``subtracted`` (a summed log-likelihood), also where it is subtracted
    (``J = L - alpha * ce``: a flow's ``logdet - dlogdet`` of an unsummed
    ``h * w * log|det W|`` is no cross-entropy)."""
    if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
        return False
    name = assign.targets[0].target.value
    scope = model.scope_of(assign).node
    for use in names_in(scope, name, memo_of(model)):
        if use is assign.targets[0].target or reaching_assignment(model, use) is not assign.value:
            continue
        if climb_formula(model, use, subtracted=subtracted)[1]:
            return True
    return False


def _log_of_ratio(model: SemanticModel, argument: cst.BaseExpression) -> bool:
    """``new_p / p``: the log of a ratio of two distributions (a KL term, a
    policy's importance weight); a hand-written softmax ``exp(x) / sum(...)``
    or sigmoid ``1 / (1 + exp(-z))`` is still a probability."""
    resolved = num.resolve(model, argument)
    if not num.is_binop(resolved, cst.Divide):
        return False
    assert isinstance(resolved, cst.BinaryOperation)
    if exp_call(model, num.resolve(model, resolved.left)) is not None:
        return False
    return not _hand_written_sigmoid(model, resolved)


def _hand_written_sigmoid(model: SemanticModel, division: cst.BinaryOperation) -> bool:
    """``1 / (1 + exp(-z))`` (any framework's ``exp``, terms in either order)."""
    one = literal_value(division.left)
    if isinstance(one, bool) or one not in (1, 1.0):
        return False
    terms = num.add_terms(num.resolve(model, division.right))
    if len(terms) != 2:
        return False
    ones = [
        t for t in terms if not isinstance(literal_value(t), bool) and literal_value(t) in (1, 1.0)
    ]
    return len(ones) == 1 and any(exp_call(model, t) is not None for t in terms)


def _log_of_exponentials(model: SemanticModel, argument: cst.BaseExpression) -> bool:
    """``sum(exp(x))`` or ``1 + exp(x)``: a normaliser, never a probability."""
    resolved = num.resolve(model, argument)
    operand = num.sum_operand(model, resolved)
    if operand is not None and exp_call(model, operand) is not None:
        return True
    return num.is_binop(resolved, cst.Add) and any(
        exp_call(model, term) is not None for term in num.add_terms(resolved)
    )
