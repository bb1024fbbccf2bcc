"""Loss arguments in swapped roles (LF604).

PyTorch losses take ``(input, target)``: the model's output first. Keras losses
and metrics take ``(y_true, y_pred)``: the labels first. A call is swapped when
both arguments' roles are known and each sits in the other's place.

Public API::

    from lossflint.analysis.loss_roles import swapped_losses

    swapped_losses(model)   # [SwappedLoss]: the call, the two argument expressions
                            # (as written: first, second) and the framework

Roles come from the value analyses: in PyTorch, labels are class indices / one-hot
values (``argmax``, ``.long()``, ``one_hot``) and outputs are a layer's or model's
output (logits, probabilities, log-probabilities); in Keras, outputs are
``model(x)`` and targets the labels of a ``keras.datasets`` loader (or their
``to_categorical``), its images, or the very input the output was computed
from (``decoded = model(x)``, ``loss(decoded, x)``: an autoencoder's target).
Only losses whose result depends on the order (cross-entropy, NLL, BCE, margin
losses; not the symmetric MSE/L1 or cosine similarity) count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, literal_value, positional
from lossflint.analysis.gradients import gradients
from lossflint.analysis.keras import Images, KLoss, KTensor, Labels, keras_facts
from lossflint.analysis.kinds import hf_trainer_class, kinds_of
from lossflint.analysis.names import dotted_text, literal_item
from lossflint.analysis.reaching import may_bind, reaching_assignment, unpacked_value
from lossflint.analysis.values import Tensor
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_LABEL_KINDS = frozenset({Kind.CLASS_INDICES, Kind.ONE_HOT})
_OUTPUT_KINDS = frozenset(
    {Kind.LOGITS, Kind.PROBS, Kind.LOG_PROBS, Kind.SIGMOID_PROBS, Kind.BOUNDED}
)


@dataclass(frozen=True)
class SwappedLoss:
    call: cst.Call
    first: cst.BaseExpression
    second: cst.BaseExpression
    framework: str  # "torch" / "keras"
    loss: str
    #: what the second argument is, for the message of a Keras call
    target: str = "the labels"


def swapped_losses(model: ModuleIndex) -> list[SwappedLoss]:
    return model.analysis(_find)


def _find(model: ModuleIndex) -> list[SwappedLoss]:
    found: list[SwappedLoss] = []
    kinds = kinds_of(model)
    for loss in kinds.loss_calls.values():
        if loss.functional not in apis.ORDERED_TORCH_LOSSES:
            continue
        first, second = loss.input_expr, loss.target_expr
        if first is None or second is None:
            continue
        a, b = kinds.value_of(first), kinds.value_of(second)
        if not isinstance(b, Tensor) or b.kind not in _OUTPUT_KINDS:
            if (isinstance(b, Tensor) and b.kind is not Kind.UNKNOWN) or not _trainer_output(
                model, second
            ):
                continue
        known = a.kind if isinstance(a, Tensor) else None
        if known in _LABEL_KINDS or (
            known is None
            and (
                _labels_by_key(model, first)
                or _batch_target_first(model, first, second)
                or _labels_param(model, first)
            )
        ):
            found.append(
                SwappedLoss(loss.node, first, second, "torch", apis.short_loss(loss.functional))
            )
    facts = keras_facts(model)
    if not facts.relevant:
        return found
    for site in model.calls:
        call = site.node
        name = _keras_loss(
            model, site.qualname, facts.value(call.func) or facts.loss_called_at(call)
        )
        if name is None and site.method == "update_state":
            name = _ordered_metric(model, call)  # ``acc.update_state(preds, labels)``
        if name is None or name in apis.KERAS_ORDER_FREE_LOSSES:
            continue
        first = argument(call, 0, "y_true")
        second = argument(call, 1, "y_pred")
        if first is None or second is None:
            continue
        pred, true = facts.value(first), facts.value(second)
        if not (isinstance(pred, KTensor) and pred.model is not None):
            continue
        if (isinstance(true, Labels) and not true.predicted) or _labels_param(model, second):
            found.append(SwappedLoss(call, first, second, "keras", name))
        elif facts.in_tape(call) and _batch_item_param(model, second):
            target = "an item of the training batch (the target)"
            found.append(SwappedLoss(call, first, second, "keras", name, target))
        elif _model_input(model, first, second):
            target = "its own input (the reconstruction target)"
            found.append(SwappedLoss(call, first, second, "keras", name, target))
        elif isinstance(true, Images):
            target = "the input images (the target)"
            found.append(SwappedLoss(call, first, second, "keras", name, target))
    return found


def _model_input(model: ModuleIndex, first: cst.BaseExpression, second: cst.BaseExpression) -> bool:
    """``decoded = model(x)`` then ``loss(decoded, x)``: the second argument is
    the input the first (a Keras model's output) was computed from, so it is
    the target (an autoencoder's), never the prediction. ``x`` must hold data:
    bound once in its scope, as a parameter or the target of a ``for`` loop
    around the call, and no model's output."""
    if not isinstance(second, cst.Name):
        return False
    produced: cst.BaseExpression | None = first
    if isinstance(first, cst.Name):
        produced = reaching_assignment(model, first)
    if not isinstance(produced, cst.Call) or not produced.args:
        return False
    fed = produced.args[0]
    if fed.keyword is not None or fed.star or not isinstance(fed.value, cst.Name):
        return False
    if fed.value.value != second.value:
        return False
    facts = keras_facts(model)
    made = facts.value(produced)
    if not (isinstance(made, KTensor) and made.model is not None):
        return False  # not the model call whose output the first argument holds
    if isinstance(facts.value(second), KTensor):
        return False  # another model's output: it may be the prediction
    bindings = model.bindings(second) or []
    if len(bindings) != 1 or [id(b) for b in model.bindings(fed.value) or []] != [id(bindings[0])]:
        return False
    if bindings[0].kind == "param":
        return True
    return _loop_variable(model, second)


def _batch_item_param(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``count[:, None]`` where ``count`` is a parameter of a step function
    that every call (all in this file) fills with an item of the batch a
    ``for`` loop unpacks (``for images, count, bins in ds: train_step(images,
    count, bins)``), not rebound in the loop: data the step trains toward,
    never a model's prediction."""
    name = _reshaped(expr)
    if not isinstance(name, cst.Name):
        return False
    passed = gradients(model).passed_to(name)
    if not passed:
        return False
    facts = keras_facts(model)
    return all(
        isinstance(given, cst.Name)
        and _unpacked_batch_item(model, given)
        and not isinstance(facts.value(given), KTensor)
        for given in passed
    )


def _reshaped(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``y[:, None]`` / ``y[..., None]`` / ``y[:]`` → ``y``: the same values,
    another shape."""
    expr = _unmoved(expr)
    while isinstance(expr, cst.Subscript) and all(
        _new_axis_or_all(element.slice) for element in expr.slice
    ):
        expr = _unmoved(expr.value)
    return expr


def _new_axis_or_all(index: cst.BaseSlice) -> bool:
    """``:`` / ``None`` / ``...`` in a subscript: every value kept."""
    if isinstance(index, cst.Slice):
        return index.lower is None and index.upper is None and index.step is None
    if not isinstance(index, cst.Index):
        return False
    value = index.value
    return isinstance(value, cst.Ellipsis) or (
        isinstance(value, cst.Name) and value.value == "None"
    )


def _unpacked_batch_item(model: ModuleIndex, name: cst.Name) -> bool:
    """``name`` is one of two or more plain names a ``for`` loop around it
    unpacks each item into, and nothing in the loop's body binds it again."""
    loop = _binding_loop(model, name)
    return (
        loop is not None
        and isinstance(loop.target, (cst.Tuple, cst.List))
        and len(loop.target.elements) >= 2
        and not may_bind(loop.body, name.value)
    )


def _loop_variable(model: ModuleIndex, name: cst.Name) -> bool:
    """``name`` is the target (or one name of the target) of a ``for`` loop
    around it, in its own function."""
    return _binding_loop(model, name) is not None


def _binding_loop(model: ModuleIndex, name: cst.Name) -> cst.For | None:
    """The innermost ``for`` loop around ``name``, in its own function, whose
    target is ``name`` or names it among others (``for x, y in loader``)."""
    at: cst.CSTNode | None = model.parent(name)
    while at is not None and not isinstance(at, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if isinstance(at, cst.For):
            target = at.target
            names = (
                [e.value for e in target.elements]
                if isinstance(target, (cst.Tuple, cst.List))
                else [target]
            )
            if any(isinstance(n, cst.Name) and n.value == name.value for n in names):
                return at
        at = model.parent(at)
    return None


#: the keys a batch (a dict, a namedtuple, a torchtext batch) keeps its labels under
_LABEL_KEYS = frozenset({"labels", "label", "targets", "target", "y"})


def _labels_by_key(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """``batch["labels"]`` / ``batch.label`` (moved or cast: ``.to(device)``,
    ``.float()``), directly or through the assignment that surely reaches a
    name: what a batch holds under its labels' key (a role whose kind is
    unknown)."""
    if depth > 4:
        return False
    expr = _unmoved(expr)
    if isinstance(expr, (cst.Comparison, cst.BinaryOperation)):
        return _derived_mask(model, expr, depth)
    if isinstance(expr, cst.Call):
        return _key_taken(expr) in _LABEL_KEYS
    found = literal_item(expr)
    if found is not None:
        return found[1] in _LABEL_KEYS
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value != "self"
    ):
        return expr.attr.value in _LABEL_KEYS
    if isinstance(expr, cst.Name):
        value = reaching_assignment(model, expr)
        return value is not None and _labels_by_key(model, value, depth + 1)
    return False


def _derived_mask(
    model: ModuleIndex, expr: cst.Comparison | cst.BinaryOperation, depth: int
) -> bool:
    """A 0/1 target computed from the labels alone: ``labels > 0``,
    ``(labels > 0) & (labels % 2 == 1)`` (a boundary or positive-class mask
    built from the tags), never from a model's output."""
    if isinstance(expr, cst.Comparison):
        return (
            len(expr.comparisons) == 1
            and literal_value(expr.comparisons[0].comparator) is not NotImplemented
            and _labels_arithmetic(model, expr.left, depth)
        )
    if isinstance(expr.operator, (cst.BitAnd, cst.BitOr)):
        sides = (_unmoved(expr.left), _unmoved(expr.right))
        return all(
            isinstance(side, (cst.Comparison, cst.BinaryOperation))
            and _derived_mask(model, side, depth + 1)
            for side in sides
        )
    return False


def _labels_arithmetic(model: ModuleIndex, expr: cst.BaseExpression, depth: int) -> bool:
    """The labels, or their remainder or quotient by a number (``labels % 2``)."""
    if (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, (cst.Modulo, cst.FloorDivide))
        and literal_value(expr.right) is not NotImplemented
    ):
        expr = expr.left
    return not isinstance(expr, (cst.Comparison, cst.BinaryOperation)) and _labels_by_key(
        model, expr, depth + 1
    )


def _key_taken(call: cst.Call) -> str | None:
    """``batch.pop("labels")`` / ``batch.get("labels")`` → "labels": the
    literal key a dict method takes the value of (not on ``self``)."""
    func = call.func
    if (
        not isinstance(func, cst.Attribute)
        or func.attr.value not in _KEY_METHODS
        or not isinstance(func.value, cst.Name)
        or func.value.value == "self"
        or not call.args
        or call.args[0].keyword is not None
        or call.args[0].star
        or not isinstance(call.args[0].value, cst.SimpleString)
    ):
        return None
    key = call.args[0].value.evaluated_value
    return key if isinstance(key, str) else None


_KEY_METHODS = frozenset({"pop", "get"})


def _trainer_output(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """What the model a Hugging Face trainer's ``compute_loss(self, model,
    inputs, ...)`` is handed returns (the trainer's contract: ``model`` is the
    model being trained): ``model(**inputs).logits``, the call itself, or an
    item unpacked from it (``logits, aux = model(**inputs)``) when the labels
    were popped out of the batch first (else an HF model returns its own loss
    first)."""
    if depth > 4:
        return False
    expr = _unmoved(expr)
    if isinstance(expr, cst.Name):
        bindings = model.bindings(expr) or []
        if len(bindings) != 1:
            return False
        value = reaching_assignment(model, expr)
        if value is not None:
            return _trainer_output(model, value, depth + 1)
        call = _unpacked_from(model, expr)
        return call is not None and _labels_popped(model, call)
    if isinstance(expr, cst.Attribute) and expr.attr.value == apis.HF_LOGITS_FIELD:
        inner = _unmoved(expr.value)
        if isinstance(inner, cst.Name):
            if len(model.bindings(inner) or []) != 1:
                return False
            inner = reaching_assignment(model, inner) or inner
        return isinstance(inner, cst.Call) and _trainer_model_call(model, inner)
    found = literal_item(expr)
    if found is not None and isinstance(found[1], str) and found[1] != "loss":
        # ``outputs["boundary_logits"]``: an output the model returns under its
        # key, once the labels were popped (no loss of its own in the dict)
        assert isinstance(expr, cst.Subscript)
        inner = _unmoved(expr.value)
        if isinstance(inner, cst.Name) and len(model.bindings(inner) or []) == 1:
            inner = reaching_assignment(model, inner) or inner
        return (
            isinstance(inner, cst.Call)
            and _trainer_model_call(model, inner)
            and _labels_popped(model, inner)
        )
    return isinstance(expr, cst.Call) and _trainer_model_call(model, expr)


def _unpacked_from(model: ModuleIndex, name: cst.Name) -> cst.Call | None:
    """The model call a name is unpacked from, in the one assignment of its
    function binding it (``logits, aux = model(**inputs)``)."""
    found = unpacked_value(model, name)
    if not isinstance(found, cst.Call):
        return None
    return found if _trainer_model_call(model, found) else None


def _labels_popped(model: ModuleIndex, call: cst.Call) -> bool:
    """``inputs.pop("labels")`` in the function before ``model(**inputs)``:
    the batch the model gets holds no labels, so it returns no loss."""
    splatted = [
        a.value.value for a in call.args if a.star == "**" and isinstance(a.value, cst.Name)
    ]
    func = model.enclosing(call, cst.FunctionDef)
    if len(splatted) != 1 or not isinstance(func, cst.FunctionDef):
        return False
    for site in model.calls:
        node = site.node
        if (
            _key_taken(node) == apis.HF_LABELS_KEY
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "pop"
            and isinstance(node.func.value, cst.Name)
            and node.func.value.value == splatted[0]
            and model.enclosing(node, cst.FunctionDef) is func
            and _before(model, func, node, call)
        ):
            return True
    return False


def _before(
    model: ModuleIndex, func: cst.FunctionDef, first: cst.CSTNode, then: cst.CSTNode
) -> bool:
    """``first`` sits in a statement of ``func``'s body (at its top level)
    that runs before the one holding ``then``."""
    body = list(func.body.body) if isinstance(func.body, cst.IndentedBlock) else []

    def index(node: cst.CSTNode) -> int | None:
        at: cst.CSTNode | None = node
        while at is not None and model.parent(at) is not func.body:
            at = model.parent(at)
        return next((i for i, stmt in enumerate(body) if stmt is at), None)

    a, b = index(first), index(then)
    return a is not None and b is not None and a < b


def _trainer_model_call(model: ModuleIndex, call: cst.Call) -> bool:
    """``model(...)`` where ``model`` is the model parameter of a Hugging Face
    trainer subclass's ``compute_loss``, never rebound."""
    if not isinstance(call.func, cst.Name):
        return False
    bindings = model.bindings(call.func) or []
    if len(bindings) != 1 or bindings[0].kind != "param":
        return False
    func = model.enclosing(call, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or func.name.value != apis.HF_COMPUTE_LOSS:
        return False
    params = [*func.params.posonly_params, *func.params.params]
    if len(params) < 3 or params[1].name.value != call.func.value:
        return False
    cls = model.parent(func)
    while cls is not None and not isinstance(cls, (cst.ClassDef, cst.FunctionDef, cst.Module)):
        cls = model.parent(cls)
    return isinstance(cls, cst.ClassDef) and hf_trainer_class(model, cls, 0)


def _labels_param(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """A step function's parameter named for the labels (``def
    train_step(images, labels)``), never rebound: what the loop hands it
    beside the inputs."""
    if not isinstance(expr, cst.Name) or expr.value not in _LABEL_KEYS:
        return False
    bindings = model.bindings(expr) or []
    return len(bindings) == 1 and bindings[0].kind == "param"


def _batch_target_first(
    model: ModuleIndex, first: cst.BaseExpression, second: cst.BaseExpression
) -> bool:
    """``for images, masks in loader: probs = model(images); bce(masks, probs)``:
    the second item of a two-item batch passed first, the model's output on
    the batch's first item second."""
    target = _batch_slot(model, first)
    if target is None or target[1] != 1:
        return False
    output = second
    if isinstance(output, cst.Name):
        output = reaching_assignment(model, output)  # type: ignore[assignment]
    if not isinstance(output, cst.Call):
        return False
    args = positional(output)
    if len(args) != 1:
        return False
    source = _batch_slot(model, args[0].value)
    return source is not None and source == (target[0], 0)


def _batch_slot(
    model: ModuleIndex, expr: cst.BaseExpression, depth: int = 0
) -> tuple[cst.For, int] | None:
    """The loop and the position of ``expr`` in its two-name target (``for x,
    y in loader``), through moves and casts (``y = y.to(device).float()``)."""
    if depth > 6:
        return None
    expr = _unmoved(expr)
    if not isinstance(expr, cst.Name):
        return None
    value = reaching_assignment(model, expr)
    if value is not None:
        return _batch_slot(model, value, depth + 1)
    loop = model.enclosing(expr, cst.For)
    if not isinstance(loop, cst.For) or not isinstance(loop.target, cst.Tuple):
        return None
    names = [e.value.value if isinstance(e.value, cst.Name) else None for e in loop.target.elements]
    if len(names) != 2 or None in names or expr.value not in names:
        return None
    position = names.index(expr.value)
    # every other binding of the name in the loop is a move or cast of itself
    for node in cast("list[cst.Assign]", nodes_in(loop, cst.Assign, memo=memo_of(model))):
        for t in node.targets:
            if isinstance(t.target, cst.Name) and t.target.value == expr.value:
                kept = _unmoved(node.value)
                if not (isinstance(kept, cst.Name) and kept.value == expr.value):
                    return None
    return loop, position


def _unmoved(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``y.to(device).float()`` → ``y``: the value under moves and casts."""
    while (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in apis.VALUE_KEEPING_METHODS | apis.CAST_METHODS
    ):
        expr = expr.func.value
    return expr


def _ordered_metric(model: ModuleIndex, call: cst.Call) -> str | None:
    """``acc.update_state(...)`` of ``acc = keras.metrics.SparseCategoricalAccuracy()``
    (bound once): a metric whose value depends on which argument is the labels."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    if isinstance(func.value, cst.Name):
        bindings = model.bindings(func.value) or []
        if len(bindings) != 1 or not isinstance(bindings[0].node, cst.Call):
            return None
        built: cst.Call = bindings[0].node
    else:
        found = _metric_attribute(model, call, func.value)
        if found is None:
            return None
        built = found
    qualname = model.qualname(built.func) or ""
    if not qualname.startswith(apis.METRICS_PREFIX):
        return None
    short = qualname.rsplit(".", 1)[-1]
    return short if short in apis.ORDERED_KERAS_METRICS else None


def _metric_attribute(
    model: ModuleIndex, call: cst.Call, receiver: cst.BaseExpression
) -> cst.Call | None:
    """``self.val_acc`` assigned once in its class, by a call
    (``self.val_acc = keras.metrics.SparseCategoricalAccuracy()``)."""
    if not (
        isinstance(receiver, cst.Attribute)
        and isinstance(receiver.value, cst.Name)
        and receiver.value.value == "self"
    ):
        return None
    cls = model.enclosing(call, cst.ClassDef)
    if cls is None:
        return None
    values = [
        node.value
        for scope, statements in model.assignments.items()
        if isinstance(scope, cst.FunctionDef) and model.enclosing(scope, cst.ClassDef) is cls
        for node in statements
        for target in node.targets
        if isinstance(target.target, cst.Attribute)
        and dotted_text(target.target) == f"self.{receiver.attr.value}"
    ]
    return values[0] if len(values) == 1 and isinstance(values[0], cst.Call) else None


def ordered_metric(model: ModuleIndex, call: cst.Call) -> str | None:
    """The order-dependent Keras metric whose ``update_state`` ``call`` runs."""
    return _ordered_metric(model, call)


def _keras_loss(model: ModuleIndex, qualname: str | None, value: object) -> str | None:
    """The Keras loss (or metric) a call runs: a loss object, or a function of
    ``keras.losses`` / ``keras.metrics``."""
    if isinstance(value, KLoss):
        return value.name if value.style == "class" else None
    if qualname is None or not qualname.startswith(apis.LOSS_MODULES):
        return None
    short = qualname.rsplit(".", 1)[-1]
    if short in apis.LOSS_CLASS_NAMES:
        return None  # the constructor, not a call of the loss
    return apis.LOSS_STRINGS.get(short.lower())
