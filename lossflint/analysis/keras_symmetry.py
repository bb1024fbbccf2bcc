"""Whether a Keras layer with a constant kernel still trains (LF315's premise).

A hidden layer whose kernel is one constant starts with identical units, but
the gradient each unit gets is scaled by its own outgoing weights: when the
next weight layer is randomly initialised, the units drift apart on the first
step and the layer trains (an XOR net with a ``"ones"`` hidden layer solves
XOR: audit R43). The symmetry is never broken only when the next layer is
constant too; a zero kernel under ReLU is dead whatever follows (``relu'(0)
= 0``: no gradient ever reaches it), and a large constant blows activations up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import keyword, literal_value
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.walk import names_in

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

#: activations whose derivative at 0 is 0: a zero kernel (and bias) never moves
_DEAD_AT_ZERO = frozenset({"relu", "relu6"})


def drifts_apart(
    model: SemanticModel, layer: cst.Call, constant: float, next_constant: bool | None
) -> bool:
    """The constant-kernel ``layer`` trains anyway: a small constant (not a zero
    kernel under ReLU) followed by a weight layer whose kernel is not constant
    (``next_constant`` False; None: no next layer known)."""
    if abs(constant) > 1 or next_constant is not False:
        return False
    if constant == 0:
        # a zero kernel under ReLU is dead; without an activation of its own
        # an ``Activation("relu")`` layer may follow: not known to train
        name = _activation_name(model, layer)
        if name is None or name in _DEAD_AT_ZERO:
            return False
    return True


#: activations given as functions (``tf.nn.sigmoid``) whose derivative at 0 is
#: not 0: a zero kernel under them trains
_LIVE_AT_ZERO = frozenset(
    {"sigmoid", "tanh", "softmax", "linear", "elu", "selu", "softplus", "softsign", "gelu"}
    | {"swish", "silu", "hard_sigmoid", "exponential", "leaky_relu"}
)


def _activation_name(model: SemanticModel, layer: cst.Call) -> str | None:
    """The layer's activation, lower-cased: ``activation="tanh"``, or a
    function (``tf.nn.sigmoid``, also as ``Dense``'s second argument) among
    those known; None when not known."""
    activation = keyword(layer, "activation")
    if activation is None and layer.args[1:] and not layer.args[1].keyword:
        qualname = model.qualname(layer.func) or ""
        if qualname.rsplit(".", 1)[-1] == "Dense" and not layer.args[1].star:
            activation = layer.args[1]  # ``Dense(20, tf.nn.sigmoid)``
    if activation is None:
        return None
    name = literal_value(activation.value)
    if isinstance(name, str):
        return name.lower()
    if isinstance(activation.value, (cst.Name, cst.Attribute)):
        text = model.qualname(activation.value) or dotted_text(activation.value) or ""
        last = text.rsplit(".", 1)[-1].lower()
        return last if last in _LIVE_AT_ZERO else None
    return None


def next_weight_layer(model: SemanticModel, layer: cst.Call) -> cst.Call | None:
    """The weight layer right after ``layer`` in a ``Sequential([...])`` list,
    a ``model.add(...)`` chain, or a functional chain (``x = Dense(...)(x)``)."""
    parent = model.parent(layer)
    if isinstance(parent, cst.Element):
        container = model.parent(parent)
        if isinstance(container, cst.List):
            elements = [e.value for e in container.elements]
            later = elements[elements.index(layer) + 1 :] if layer in elements else []
            return next(
                (e for e in later if isinstance(e, cst.Call) and _weight_layer(model, e)), None
            )
        return None
    if isinstance(parent, cst.Arg):
        add = model.parent(parent)
        if isinstance(add, cst.Call) and isinstance(add.func, cst.Attribute):
            return next_added(model, add)
        return None
    if isinstance(parent, cst.Call) and parent.func is layer:
        return next_applied(model, parent)
    return None


def _weight_layer(model: SemanticModel, expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.KERAS_WEIGHT_LAYERS


def next_added(model: SemanticModel, add: cst.Call) -> cst.Call | None:
    """``model.add(layer)``: the weight layer a later ``model.add(...)`` of the
    same model adds first."""
    assert isinstance(add.func, cst.Attribute)
    receiver = dotted_text(add.func.value)
    later = False
    for site in model.method_calls("add"):
        other = site.node
        if other is add:
            later = True
            continue
        if not later or not isinstance(other.func, cst.Attribute) or not other.args:
            continue
        if dotted_text(other.func.value) != receiver:
            continue
        if not _same_binding(model, add.func.value, other.func.value):
            continue  # ``model = Sequential()`` again: another model's layers
        value = other.args[0].value
        if isinstance(value, cst.Call) and _weight_layer(model, value):
            return value
    return None


def next_applied(model: SemanticModel, applied: cst.Call) -> cst.Call | None:
    """Functional API: the first weight layer applied, later in the same block,
    to what ``x = layers.Dense(...)(x)`` returns (directly or through layers
    without weights, ``x = layers.Dropout(0.3)(x)``)."""
    line = model.parent(applied)
    statement = model.parent(line) if isinstance(line, cst.Assign) else None
    if (
        not isinstance(line, cst.Assign)
        or len(line.targets) != 1
        or not isinstance(line.targets[0].target, cst.Name)
        or not isinstance(statement, cst.SimpleStatementLine)
    ):
        return None
    block = model.parent(statement)
    body = getattr(block, "body", None)
    if not isinstance(body, (list, tuple)) or statement not in body:
        return None
    names = {line.targets[0].target.value}
    for later in body[body.index(statement) + 1 :]:
        if not isinstance(later, cst.SimpleStatementLine):
            continue
        for small in later.body:
            value = small.value if isinstance(small, (cst.Assign, cst.Return, cst.Expr)) else None
            if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Call):
                continue
            if not any(names_in(arg.value, name) for arg in value.args for name in names):
                continue
            if _weight_layer(model, value.func):
                return value.func
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, cst.Name):
                    names.add(target.value)
    return None


def _same_binding(model: SemanticModel, one: cst.BaseExpression, other: cst.BaseExpression) -> bool:
    """Two uses of a receiver name see the same assignment (a notebook that
    builds a second ``model = Sequential()`` starts a new list of layers)."""
    if not isinstance(one, cst.Name) or not isinstance(other, cst.Name):
        return True
    return reaching_assignment(model, one) is reaching_assignment(model, other)
