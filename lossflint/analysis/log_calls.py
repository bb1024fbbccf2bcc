"""Logarithm calls across frameworks, and the ``log`` of probabilities.

Several LF2xx rules start from the same question, "where is a logarithm taken
and of what": ``torch.log(e)``, ``e.log()``, ``tf.math.log(e)``, ``np.log(e)``,
the Keras backend's ``K.log(e)`` / ``keras.ops.log(e)``.
This module finds them once, with the framework each belongs to, and
recognises the ``log(softmax)`` / ``log(sigmoid)`` / ``log(1 - sigmoid)``
pattern that LF201 reports and the other rules leave to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import positional
from lossflint.analysis.keras import keras_facts
from lossflint.analysis.reaching import arm_assignments, reaching_assignment, value_reads
from lossflint.analysis.values import Tensor

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


@dataclass(frozen=True)
class LogCall:
    """``torch.log(e)`` / ``e.log()`` / ``tf.math.log(e)`` / ``np.log(e)`` / ``K.log(e)``."""

    node: cst.Call
    argument: cst.BaseExpression
    #: "torch", "tensorflow", "numpy"; "keras" for the Keras backend's
    #: ``K.log`` / ``keras.ops.log`` (no TensorFlow rewrite: Keras 3 may run
    #: on another backend, and Keras 2's backend has no fused log functions)
    framework: str
    method: bool
    #: 0 for the natural log; 2 / 10 for ``log2`` / ``log10`` (0 gives -inf in
    #: any base, but ``log_softmax`` or a built-in loss is no rewrite of them)
    base: int = 0


def log_calls(model: SemanticModel, bases: bool = False) -> Iterator[LogCall]:
    """The file's log calls, the Keras backend's ``K.log(e)`` /
    ``keras.ops.log(e)`` among them (framework "keras": a rule that writes or
    suggests a framework's clamp or fused function offers none for them);
    with ``bases`` also ``torch.log10(e)``, ``np.log2(e)``, ``e.log10()``
    (LF202 reads them: where a value is 0 their log is -inf too)."""
    for qualname, framework in apis.LOG_BY_FRAMEWORK.items():
        for site in model.calls_to(qualname):
            args = positional(site.node)
            if len(args) == 1 and len(site.node.args) == 1:
                yield LogCall(site.node, args[0].value, framework, False)
    for site in model.calls_to(*apis.KERAS_BACKEND_LOG):
        args = positional(site.node)
        if len(args) == 1 and len(site.node.args) == 1:
            yield LogCall(site.node, args[0].value, "keras", False)
    for site in model.method_calls("log"):
        call = site.node
        func = call.func
        # ``e.log()`` with no argument: a tensor method (NumPy arrays have none)
        if not call.args and isinstance(func, cst.Attribute):
            yield LogCall(call, func.value, "torch", True)
    if not bases:
        return
    for qualname, (framework, base) in apis.LOG_BASES_BY_FRAMEWORK.items():
        for site in model.calls_to(qualname):
            args = positional(site.node)
            if len(args) == 1 and len(site.node.args) == 1:
                yield LogCall(site.node, args[0].value, framework, False, base)
    for method, base in apis.LOG_BASE_METHODS.items():
        for site in model.method_calls(method):
            func = site.node.func
            if not site.node.args and isinstance(func, cst.Attribute):
                yield LogCall(site.node, func.value, "torch", True, base)


def log_index(model: SemanticModel, bases: bool = False) -> dict[cst.Call, LogCall]:
    """Every log call of the file, by its call node (``bases``: with the
    base-2/10 logs)."""
    return {log.node: log for log in log_calls(model, bases=bases)}


def probability_log(
    model: SemanticModel, log: LogCall
) -> tuple[Tensor, cst.BaseExpression, cst.BaseExpression | None] | None:
    """LF201's pattern: (the softmax/sigmoid value, the expression holding it,
    the ``1 - x`` operand or None), or None when ``log`` is not one."""
    inner = log.argument
    complement = num.one_minus(inner)
    target = complement if complement is not None else inner
    found = model.value(target)
    value = found if isinstance(found, Tensor) else _keras_output(model, target)
    if value is None:
        return None
    if complement is not None and value.kind is not Kind.SIGMOID_PROBS:
        return None
    if value.kind not in (Kind.PROBS, Kind.SIGMOID_PROBS):
        return None
    if num.clamped_in_place(model, target):
        return None  # ``p.data.clamp_(0.01, 0.99)`` just before: log never sees 0
    # numpy's log only counts on framework tensors (the producer must be one)
    if log.framework == "numpy" and not isinstance(value.origin, cst.Call):
        return None
    return value, target, complement


def branch_probabilities(model: SemanticModel, log: LogCall) -> tuple[Tensor, ...] | None:
    """``log(p)`` where branches bind ``p`` to softmax output on one arm and
    sigmoid output on another (``p = sigmoid(z) if multi_label else
    softmax(z, -1)``, neuralTPPs' mark probabilities, audit s218): each arm's
    value, in arm order; None unless every arm holds probabilities of a kind
    and the kinds differ (one kind on every arm is ``probability_log``'s)."""
    if not isinstance(log.argument, cst.Name) or log.framework == "numpy":
        return None
    arms = arm_assignments(model, log.argument)
    if arms is None:
        return None
    values = [model.value(arm) for arm in arms]
    tensors = tuple(v for v in values if isinstance(v, Tensor))
    if len(tensors) != len(values) or any(
        t.kind not in (Kind.PROBS, Kind.SIGMOID_PROBS) for t in tensors
    ):
        return None
    if len({t.kind for t in tensors}) < 2 or num.clamped_in_place(model, log.argument):
        return None
    return tensors


def _keras_output(model: SemanticModel, expr: cst.BaseExpression) -> Tensor | None:
    """The output of a Keras model ending in softmax or sigmoid (``model(x)``,
    or the ``y_pred`` a ``compile(loss=f)`` hands ``f``), as a tensor of that
    kind made by the layer setting the activation."""
    head = keras_facts(model).output_activation(expr)
    kind = _KERAS_HEAD_KINDS.get(head[0]) if head is not None else None
    if head is None or kind is None:
        return None
    found = head[1].head()
    layer = found.activation_layer if found is not None else None
    if layer is None:
        return None
    if layer.far:
        return Tensor(kind, origin=layer.node, site=layer.origin)
    return Tensor(kind, origin=layer.node)


#: the tensor kind a Keras model's final activation gives its output
_KERAS_HEAD_KINDS = {"softmax": Kind.PROBS, "sigmoid": Kind.SIGMOID_PROBS}


def probability_product(
    model: SemanticModel, log: LogCall
) -> tuple[Tensor, cst.BaseExpression, bool] | None:
    """``log(s(x) * (1 - s(x)))``: a product with a sigmoid output (or its
    complement) among its factors, which underflows to 0 with it (a sigmoid
    flow's log-determinant); the first such value, its factor and whether the
    product is reduced first (``log(mean(softmax(a) * sigmoid(d)))``, BPR-max:
    every term can underflow together). Followed through a name bound once."""
    # ``(P * class_mask).sum(1).view(-1, 1)``: a reshape keeps every value
    # (P2PNet's focal loss, audit s182)
    inner = num.strip_shape(model, _followed(model, log.argument))
    reduced = num.reduction(model, inner, apis.MEAN, "mean") or num.sum_operand(model, inner)
    if reduced is not None:
        inner = num.strip_shape(model, _followed(model, reduced))
    if not num.is_binop(inner, cst.Multiply):
        return None
    assert isinstance(inner, cst.BinaryOperation)
    for factor in (inner.left, inner.right):
        complement = num.one_minus(factor)
        target = complement if complement is not None else factor
        value = model.value(target)
        if (
            isinstance(value, Tensor)
            and value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS)
            and (complement is None or value.kind is Kind.SIGMOID_PROBS)
            and isinstance(value.origin, cst.Call)
            and not num.clamped_in_place(model, target)
        ):
            return value, factor, reduced is not None
    return None


def scattered_probabilities(model: SemanticModel, log: LogCall) -> Tensor | None:
    """``log(p.scatter_add(dim, ids, q))`` of probabilities ``p`` (or a
    product holding them: a pointer-generator's ``sigmoid(g) * softmax(z)``):
    the entries nothing is scattered onto keep ``p``'s, which underflow to 0
    (HLTCHKUST/MoEL's copy mechanism, audit s198). That probability value, or
    None."""
    call = num.strip_shape(model, _followed(model, log.argument))
    if not isinstance(call, cst.Call) or num.is_guarded(model, call):
        return None
    func = call.func
    if model.qualname(func) in apis.SCATTER_ADD_FUNCTIONS and call.args:
        base = call.args[0].value
    elif isinstance(func, cst.Attribute) and func.attr.value in apis.SCATTER_ADD_METHODS:
        base = func.value
    else:
        return None
    base = num.strip_shape(model, _followed(model, base))
    factors = [base]
    if num.is_binop(base, cst.Multiply):
        product = cast(cst.BinaryOperation, base)
        factors = [product.left, product.right]
    found = [
        value
        for factor in factors
        if isinstance(value := model.value(factor), Tensor)
        and value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS)
        and isinstance(value.origin, cst.Call)
        and not num.clamped_in_place(model, factor)
    ]
    # the softmax is the evidence that underflows, not the gate beside it
    found.sort(key=lambda value: value.kind is not Kind.PROBS)
    return found[0] if found else None


def _followed(model: SemanticModel, expr: cst.BaseExpression) -> cst.BaseExpression:
    """``num.resolve``, and through a name bound again step by step (``result =
    g * pi; result = torch.sum(result, 1); result = -torch.log(result)``:
    hardmaru's MDN notebook, audit s201) the assignment that surely reaches it."""
    for _ in range(4):
        if not isinstance(expr, cst.Name):
            break
        value = num.bound_value(model, expr) or reaching_assignment(model, expr)
        if value is None:
            break
        expr = value
    return expr


def sampling_logits(model: SemanticModel, node: cst.CSTNode) -> bool:
    """``tf.random.categorical(tf.math.log(p), 1)``, ``Categorical(logits=log(p))``:
    the log only draws a class, where -inf is a class of probability 0."""
    arg = model.parent(node)
    reads = value_reads(model, node) if isinstance(node, cst.BaseExpression) else None
    if reads is not None:
        # ``log_prob = tf.log(tf.nn.softmax(o_t))`` then ``tf.multinomial(log_prob, 1)``
        # (SeqGAN's generator, audit s166): every read of the name draws a class
        return bool(reads) and all(sampling_logits(model, use) for use in reads)
    call = model.parent(arg) if isinstance(arg, cst.Arg) else None
    if not isinstance(arg, cst.Arg) or not isinstance(call, cst.Call) or arg.value is not node:
        return False
    qualname = model.qualname(call.func)
    keyword = arg.keyword.value if arg.keyword is not None else None
    if qualname in apis.LOGIT_SAMPLERS:
        return keyword == "logits" or (keyword is None and call.args[0] is arg)
    return qualname in apis.LOGIT_DISTRIBUTIONS and keyword == "logits"
