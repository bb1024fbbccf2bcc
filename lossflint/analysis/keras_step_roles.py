"""Loss arguments in swapped roles inside a Keras ``train_step`` / ``test_step`` (LF604).

Keras runs an overridden ``train_step(self, data)`` with what ``fit`` was
given: ``data`` is ``(x, y)`` or ``(x, y, sample_weight)``, so ``x, y = data``
binds the labels (``y_true``) to its second name, and ``self(x, ...)`` is the
model's prediction (``y_pred``). That is Keras's documented contract for a
custom training step, so the roles are known without knowing the data. A
Keras loss function or loss object called there as ``loss(<prediction>,
<labels>)`` has its ``(y_true, y_pred)`` swapped.

Only sure shapes count: the step is a method of a ``keras.Model`` subclass of
this file with exactly ``(self, data)``; the labels name is bound once in it,
by unpacking ``data`` itself into two or three plain names; the prediction is
``self(...)`` or a name bound once in the method to it. Losses whose value does
not depend on the order (MSE, MAE, ...) are left out.

Public API::

    from lossflint.analysis.keras_step_roles import swapped_in_keras_steps

    swapped_in_keras_steps(model)   # [SwappedLoss] (framework "keras")
    swapped_in_loss_functions(model)  # ... in a custom ``def loss(y_true, y_pred)``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument
from lossflint.analysis.keras import KLoss, keras_facts
from lossflint.analysis.loss_roles import SwappedLoss, ordered_metric
from lossflint.analysis.values import Instance
from lossflint.analysis.walk import calls_in, descendants

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: the methods Keras calls with one batch of what ``fit``/``evaluate`` read
_STEP_METHODS = frozenset({"train_step", "test_step"})


def swapped_in_keras_steps(model: ModuleIndex) -> list[SwappedLoss]:
    return model.analysis(_find)


def _find(model: ModuleIndex) -> list[SwappedLoss]:
    found: list[SwappedLoss] = []
    if not any(
        type(node) is cst.FunctionDef and node.name.value in _STEP_METHODS  # type: ignore[attr-defined]
        for node in model.scopes
    ):
        return found  # no step method: no call's function is one (not a walk up per call)
    roles: dict[cst.FunctionDef, tuple[str, str] | None] = {}
    for site in model.calls:
        call = site.node
        step = model.enclosing(call, cst.FunctionDef)
        if not isinstance(step, cst.FunctionDef) or step.name.value not in _STEP_METHODS:
            continue
        if step not in roles:
            roles[step] = _step_roles(model, step)
        known = roles[step]
        if known is None:
            continue
        name = _keras_loss(model, site.qualname, call)
        if name is None and site.method == "update_state":
            name = ordered_metric(model, call)  # ``self.val_acc.update_state(...)``
        if name is None or name in apis.KERAS_ORDER_FREE_LOSSES:
            continue
        first = argument(call, 0, "y_true")
        second = argument(call, 1, "y_pred")
        if first is None or second is None:
            continue
        self_name, labels = known
        if _is_prediction(model, step, first, self_name) and _is_labels(model, second, labels, 0):
            found.append(SwappedLoss(call, first, second, "keras", name))
    return found


def swapped_in_loss_functions(model: ModuleIndex) -> list[SwappedLoss]:
    """A custom Keras loss or metric ``def loss(y_true, y_pred)`` -- Keras's
    documented signature, so the roles of its parameters are known -- that
    calls a Keras loss with them swapped: ``binary_crossentropy(y_pred, y_true)``."""
    return model.analysis(_find_in_loss_functions)


def _find_in_loss_functions(model: ModuleIndex) -> list[SwappedLoss]:
    found: list[SwappedLoss] = []
    functions = [
        node
        for node in model.scopes
        if type(node) is cst.FunctionDef
        and [p.name.value for p in (*node.params.posonly_params, *node.params.params)][:2]  # type: ignore[attr-defined]
        == ["y_true", "y_pred"]
    ]
    for func in functions:
        assert isinstance(func, cst.FunctionDef)
        if _binding_count(model, func, "y_true") != 1 or _binding_count(model, func, "y_pred") != 1:
            continue  # rebound in the function: the names no longer say the roles
        for call in calls_in(func.body):
            if model.enclosing(call, cst.FunctionDef, cst.Lambda) is not func:
                continue
            name = _keras_loss(model, model.qualname(call.func), call)
            if name is None or name in apis.KERAS_ORDER_FREE_LOSSES:
                continue
            first = argument(call, 0, "y_true")
            second = argument(call, 1, "y_pred")
            if first is None or second is None:
                continue
            # a part of either is still what it is a part of (a detection
            # loss packs its anchors' mask into ``y_true[..., :n]``)
            pred, true = _sliced_name(first), _sliced_name(second)
            if (
                isinstance(pred, cst.Name)
                and pred.value == "y_pred"
                and isinstance(true, cst.Name)
                and true.value == "y_true"
            ):
                found.append(SwappedLoss(call, first, second, "keras", name))
    return found


def _sliced_name(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``y_true[:, :, :, n:]`` → ``y_true``."""
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    return expr


def _step_roles(model: ModuleIndex, step: cst.FunctionDef) -> tuple[str, str] | None:
    """``(self, labels)``: the step's receiver and the name ``data``'s labels
    are bound to, when the step is a Keras model's and both are sure."""
    cls = model.enclosing(step, cst.ClassDef)
    if not isinstance(cls, cst.ClassDef) or model.enclosing(cls, cst.FunctionDef) is not None:
        return None
    if not any(model.qualname(base.value) in apis.FUNCTIONAL_MODEL for base in cls.bases):
        return None
    params = step.params
    if params.star_arg not in (None, cst.MaybeSentinel.DEFAULT) or params.kwonly_params:
        return None
    positional = [*params.posonly_params, *params.params]
    if len(positional) != 2 or any(p.default is not None for p in positional):
        return None
    self_name, data = (p.name.value for p in positional)
    if _binding_count(model, step, data) != 1:
        return None  # `data` rebound in the step
    for node in descendants(step.body):
        if not (isinstance(node, cst.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0].target
        if not (isinstance(node.value, cst.Name) and node.value.value == data):
            continue
        if not isinstance(target, (cst.Tuple, cst.List)) or len(target.elements) not in (2, 3):
            return None
        names = [e.value for e in target.elements]
        if not all(
            isinstance(n, cst.Name) and not isinstance(e, cst.StarredElement)
            for n, e in zip(names, target.elements, strict=True)
        ):
            return None
        labels = names[1]
        assert isinstance(labels, cst.Name)
        if _binding_count(model, step, labels.value) != 1:
            return None
        return self_name, labels.value
    return None


def _binding_count(model: ModuleIndex, step: cst.FunctionDef, ident: str) -> int:
    """How many bindings the step's scope holds for ``ident``."""
    scope = model.scopes.get(step)
    if scope is None:
        return 0
    return len(scope.bindings.get(ident, ()))


def _is_labels(model: ModuleIndex, expr: cst.BaseExpression, ident: str, depth: int) -> bool:
    """The labels name, or it reshaped or cast (``y[:, None]``,
    ``tf.cast(y, tf.float32)``, ``y.reshape(-1, 1)``): still the labels."""
    if isinstance(expr, cst.Name):
        return expr.value == ident
    if depth > 3:
        return False
    if isinstance(expr, cst.Subscript):
        return all(_new_axis_or_full(e.slice) for e in expr.slice) and _is_labels(
            model, expr.value, ident, depth + 1
        )
    if not isinstance(expr, cst.Call):
        return False
    func = expr.func
    if model.qualname(func) in apis.PRESERVING_FUNCS:
        value = argument(expr, 0, "x", "tensor", "a")
        return value is not None and _is_labels(model, value, ident, depth + 1)
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in apis.PRESERVING_METHODS
        and _is_labels(model, func.value, ident, depth + 1)
    )


def _new_axis_or_full(part: cst.BaseSlice) -> bool:
    """``:``, ``None`` or ``...`` in a subscript: the elements stay the same."""
    if isinstance(part, cst.Slice):
        return part.lower is None and part.upper is None and part.step is None
    value = part.value if isinstance(part, cst.Index) else None
    return isinstance(value, cst.Ellipsis) or (
        isinstance(value, cst.Name) and value.value == "None"
    )


def _is_prediction(
    model: ModuleIndex, step: cst.FunctionDef, expr: cst.BaseExpression, self_name: str
) -> bool:
    """``self(x, ...)``, or a name bound once in the step to it."""
    if _is_self_call(expr, self_name):
        return True
    if not isinstance(expr, cst.Name) or _binding_count(model, step, expr.value) != 1:
        return False
    bindings = model.bindings(expr) or []
    return (
        len(bindings) == 1
        and bindings[0].kind == "assign"
        and bindings[0].node is not None
        and _is_self_call(bindings[0].node, self_name)
    )


def _is_self_call(node: cst.CSTNode, self_name: str) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == self_name
        and bool(node.args)
    )


def _keras_loss(model: ModuleIndex, qualname: str | None, call: cst.Call) -> str | None:
    """The Keras loss a call runs: a loss object, or a function of
    ``keras.losses`` / ``keras.metrics``."""
    if qualname is None:
        facts = keras_facts(model)
        value = facts.value(call.func)
        func = call.func
        if value is None and isinstance(func, cst.Attribute):
            # ``self.loss_fn(...)``: the func of a method-style call has no
            # recorded value; the attribute is what the class assigned
            owner = facts.value(func.value)
            if isinstance(owner, Instance) and facts.method(owner.cls, func.attr.value) is None:
                value = facts.class_attrs(owner.cls).get(func.attr.value)
        if isinstance(value, KLoss) and value.style == "class":
            return value.name
        return None
    if not qualname.startswith(apis.LOSS_MODULES):
        return None
    short = qualname.rsplit(".", 1)[-1]
    if short in apis.LOSS_CLASS_NAMES:
        return None  # the constructor, not a call of the loss
    return apis.LOSS_STRINGS.get(short.lower())
