"""LF111 double-activation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import literal_value
from lossflint.analysis.gradients import gradients
from lossflint.analysis.keras import KLayer, keras_facts
from lossflint.analysis.kinds import activation_dim, activation_operand, keras_layer_axis
from lossflint.analysis.values import Layer, Tensor
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.loss_inputs.common import (
    PROBABILITY_KINDS,
    evidence,
    expr_label,
    message,
    related,
)
from lossflint.rules.loss_inputs.lf111_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class DoubleActivation(Rule):
    code = "LF111"
    name = "double-activation"
    severity = Severity.WARNING
    summary = "softmax of softmax, sigmoid of sigmoid, or softmax of sigmoid"
    needs = ("softmax", "sigmoid", "Softmax", "Sigmoid")
    what = """
Flags an activation applied to a value that already went through one: softmax
(or `log_softmax`) of softmax output, sigmoid of sigmoid output, softmax of sigmoid output —
inline, through variables, or in a layer (`self.act(x)` with `self.act =
nn.Softmax(dim=1)`; in Keras an `Activation("softmax")` or `Softmax()` layer
right after `Dense(n, activation="softmax")`, in the functional API or a
`Sequential`, only dropout between them).
"""
    why = """
A second softmax flattens the distribution towards uniform (all inputs lie in
[0, 1]); a second sigmoid squashes everything into (0.5, 0.73). It is almost
always a forgotten activation in the model plus another in the training code.
"""
    example = """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(20, 10), nn.Softmax(dim=1))
    probs = torch.softmax(model(x), dim=1)  # error: LF111: model(x) already ends in softmax
    """
    use_instead = """
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(20, 10), nn.Softmax(dim=1))
    probs = model(x)  # already probabilities
    """
    references = (
        (
            "PyTorch: torch.nn.Softmax",
            "https://pytorch.org/docs/stable/generated/torch.nn.Softmax.html",
        ),
    )
    INVALID = [
        Invalid(
            """
            import torch
            p = torch.softmax(torch.softmax(z, dim=1), dim=1)  # error: LF111 at `torch.softmax(`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 1)
                def forward(self, x):
                    return torch.sigmoid(self.fc(x))
            net = Net()
            pred = torch.sigmoid(net(x))  # error: LF111 at `torch.sigmoid(`
            """
        ),
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F
            act = nn.Softmax(dim=-1)
            s = F.sigmoid(h)
            out = act(s)  # error: LF111 at `act(`
            """
        ),
        # a mild temperature keeps the inputs within [0, 2]: still flattened
        Invalid(
            """
            import torch
            p = torch.softmax(torch.softmax(z, dim=1) / 0.5, dim=1)  # error: LF111 at `torch.softmax(`
            """
        ),
        # a Keras functional model's softmax head followed by another softmax
        # (audit s18: omerbsezer/LSTM_RNN_Tutorials_with_Demo)
        Invalid(
            """
            from keras.layers import Activation, Dense, Input, LSTM
            from keras.models import Model

            sentence = Input(shape=(10, 50))
            X = LSTM(128)(sentence)
            X = Dense(5, activation="softmax")(X)
            X = Activation("softmax")(X)  # error: LF111 at `Activation("softmax")(X)`
            model = Model(inputs=sentence, outputs=X)
            model.compile(loss="categorical_crossentropy", optimizer="adam")
            """
        ),
        # ... and in a Sequential, dropout between them or not
        Invalid(
            """
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(5, activation="softmax"),
                keras.layers.Dropout(0.1),
                keras.layers.Softmax(),  # error: LF111 at `keras.layers.Softmax()`
            ])
            tagger = keras.Sequential()
            tagger.add(keras.layers.Dense(1, activation="sigmoid"))
            tagger.add(keras.layers.Activation("sigmoid"))  # error: LF111 at `keras.layers.Activation("sigmoid")`
            """
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        # a sigmoid hidden layer feeding a softmax head: weights between them
        """
        from tensorflow import keras
        inp = keras.layers.Input(shape=(64,))
        hidden = keras.layers.Dense(256, activation="sigmoid")(inp)
        out = keras.layers.Dense(10, activation="softmax")(hidden)
        gated = keras.layers.Dense(10)(hidden)
        probs = keras.layers.Softmax()(gated)
        """,
        # the Keras head written as a linear Dense and an activation layer; a
        # softmax over another axis (the time steps) of per-step probabilities
        """
        from keras.layers import Activation, Dense, Input, LSTM, Softmax
        from keras.models import Sequential

        sentence = Input(shape=(10, 50))
        X = Dense(5)(LSTM(128)(sentence))
        X = Activation("softmax")(X)
        steps = Dense(5, activation="softmax")(LSTM(128, return_sequences=True)(sentence))
        over_time = Softmax(axis=1)(steps)
        model = Sequential([Dense(64, activation="sigmoid"), Dense(5), Activation("softmax")])
        """,
        """
        import torch
        p = torch.softmax(z, dim=1)
        lp = torch.log_softmax(z, dim=1)
        """,
        # a sharp temperature on probabilities (inputs spread over [0, 20]): a choice
        """
        import torch
        p = torch.softmax(torch.softmax(z, dim=1) / 0.05, dim=1)
        q = torch.softmax(torch.softmax(z, dim=1) * 10, dim=1)
        """,
        """
        import torch
        g = torch.sigmoid(gate)
        p = torch.softmax(scores * g, dim=-1)
        """,
        """
        import torch
        def softmax(x, dim):
            return x
        p = torch.softmax(softmax(z, 1), 1)
        """,
        """
        import torch
        p = torch.softmax(z, 1)
        p = z
        q = torch.softmax(p, 1)
        """,
        """
        import torch
        a = torch.softmax(torch.softmax(s, dim=-1), dim=1)
        """,
        *AUDIT_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        yield from _in_keras_stacks(model)
        for site in model.calls:
            call = site.node
            outer = model.value(call)
            # ``F.log_softmax(p)`` is a softmax too (``activation_operand`` only
            # reads activations: ``torch.log(p)`` is LF201's)
            if not isinstance(outer, Tensor) or outer.kind not in (
                *PROBABILITY_KINDS,
                Kind.LOG_PROBS,
            ):
                continue
            operand = activation_operand(model, call)
            if operand is None:
                operand = self._layer_operand(model, call)
            if operand is None:
                continue
            operand = _untempered(model, operand)
            inner = model.value(operand)
            if not isinstance(inner, Tensor):
                continue
            pair = (inner.kind, outer.kind)
            if pair not in (
                (Kind.PROBS, Kind.PROBS),
                (Kind.SIGMOID_PROBS, Kind.SIGMOID_PROBS),
                (Kind.SIGMOID_PROBS, Kind.PROBS),
                (Kind.PROBS, Kind.LOG_PROBS),
                (Kind.SIGMOID_PROBS, Kind.LOG_PROBS),
            ):
                continue
            if pair[0] is Kind.PROBS and isinstance(inner.origin, cst.Call):
                outer_dim = (
                    activation_dim(model, call)
                    if outer.origin is call
                    else keras_layer_axis(model, outer.origin)  # ``Softmax(axis=1)(p)``
                )
                inner_dim = activation_dim(model, inner.origin)
                if NotImplemented not in (outer_dim, inner_dim) and outer_dim != inner_dim:
                    continue  # normalising over two different axes
            names = {
                Kind.PROBS: "softmax",
                Kind.SIGMOID_PROBS: "sigmoid",
                Kind.LOG_PROBS: "log_softmax",
            }
            yield Finding(
                node=call,
                message=message(
                    f"{names[outer.kind]} applied to {names[inner.kind]} output",
                    evidence(model, operand, inner),
                    "apply the activation once",
                ),
                related=related(model, operand, inner),
            )

    @staticmethod
    def _layer_operand(model: SemanticModel, call: cst.Call) -> cst.BaseExpression | None:
        callee = model.value(call.func)
        if (
            isinstance(callee, Layer)
            and callee.output in PROBABILITY_KINDS
            and callee.qualname.rsplit(".", 1)[-1] in _ACTIVATION_LAYERS
            and len(call.args) == 1
        ):
            return call.args[0].value
        return None


#: (inner, outer) activations that flatten: softmax of softmax, sigmoid of
#: sigmoid, softmax of sigmoid
_DOUBLE = frozenset({("softmax", "softmax"), ("sigmoid", "sigmoid"), ("sigmoid", "softmax")})


def _in_keras_stacks(model: SemanticModel) -> Iterator[Finding]:
    """A Keras ``Sequential`` whose activation layer (``Activation("softmax")``,
    ``Softmax()``) follows a layer that already applied one (``Dense(5,
    activation="softmax")``), only dropout between them. A functional model's
    layer calls are read through the value kinds (``check``)."""
    facts = keras_facts(model)
    if not facts.relevant:
        return
    seen: set[cst.CSTNode] = set()
    for kmodel in facts.models.values():
        if kmodel.style != "sequential":
            continue
        layers = kmodel.layers
        for index, layer in enumerate(layers):
            outer = _keras_activation(layer, alone=True)
            if layer is None or outer is None or layer.node in seen:
                continue
            before = index - 1
            while before >= 0 and _dropout(layers[before]):
                before -= 1
            prev = layers[before] if before >= 0 else None
            inner = _keras_activation(prev, alone=False)
            if prev is None or inner is None or (inner, outer) not in _DOUBLE:
                continue
            seen.add(layer.node)
            yield Finding(
                node=layer.node,
                message=message(
                    f"{outer} applied to {inner} output",
                    f"the layer before it, `{expr_label(model, prev.node)}` at line "
                    f"{model.line_of(prev.node)}, already applies {inner}",
                    "apply the activation once",
                ),
                related=(RelatedNode(f"{inner} applied here", prev.node),),
            )


def _dropout(layer: KLayer | None) -> bool:
    return layer is not None and layer.name in apis.DROPOUT_LAYERS


def _keras_activation(layer: KLayer | None, alone: bool) -> str | None:
    """The probability activation a Keras layer ends in: an activation layer's
    (over the last axis), or, unless ``alone``, a ``Dense`` layer's."""
    if layer is None or layer.far or layer.activation not in ("softmax", "sigmoid"):
        return None
    if layer.name == "Activation" or layer.name in apis.ACTIVATION_LAYERS:
        return None if layer.other_axis else layer.activation
    return layer.activation if not alone and layer.name == "Dense" else None


#: layers that only apply an activation: a ``Dense(10, activation="softmax")``
#: has weights between its input and the softmax (a sigmoid hidden layer
#: feeding a softmax head is an ordinary network)
_ACTIVATION_LAYERS = frozenset({"Softmax", "Sigmoid", "Activation", "Softmax2d", "LogSoftmax"})


#: the largest factor ``softmax(p / T)`` may stretch probabilities by and still
#: flatten them (inputs within [0, 4]: the largest ratio of outputs is e**4)
_FLAT_SCALE = 4.0


def _untempered(model: SemanticModel, operand: cst.BaseExpression) -> cst.BaseExpression:
    """``p / 0.5`` or ``p * 2`` → ``p``: a mild constant temperature keeps
    probabilities in a range a softmax still flattens; a sharp one
    (``p / 0.05``) may be a deliberate sharpening and is left alone. The
    factor may be a parameter every caller passes a mild literal for
    (``def sample(model, temperature=1.0)`` called with ``temperature=0.9``):
    one unknown or sharp value at any call keeps it."""
    if not isinstance(operand, cst.BinaryOperation):
        return operand
    factors = _factors(model, operand.right)
    if not factors:
        return operand
    if isinstance(operand.operator, cst.Divide) and all(1 / f <= _FLAT_SCALE for f in factors):
        return operand.left
    if isinstance(operand.operator, cst.Multiply) and all(f <= _FLAT_SCALE for f in factors):
        return operand.left
    return operand


def _factors(model: SemanticModel, expr: cst.BaseExpression) -> list[float]:
    """The positive numbers ``expr`` may hold: a literal, or what every caller
    passes for a parameter (its default where a call leaves it out); empty
    when any of them is not a positive literal."""
    candidates: list[cst.BaseExpression] = [expr]
    if isinstance(expr, cst.Name):
        candidates = gradients(model).passed_to(expr) or []
    found: list[float] = []
    for candidate in candidates:
        factor = literal_value(candidate)
        if not isinstance(factor, (int, float)) or isinstance(factor, bool) or factor <= 0:
            return []
        found.append(float(factor))
    return found
