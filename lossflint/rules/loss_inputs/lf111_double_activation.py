"""LF111 double-activation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import literal_value
from lossflint.analysis.kinds import activation_dim, activation_operand
from lossflint.analysis.values import Layer, Tensor
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.loss_inputs.common import PROBABILITY_KINDS, evidence, message, related

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
of softmax output, sigmoid of sigmoid output, softmax of sigmoid output —
inline, through variables, or in a layer (`self.act(x)` with `self.act =
nn.Softmax(dim=1)`).
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
    ]
    VALID = [
        # a sigmoid hidden layer feeding a softmax head: weights between them
        """
        from tensorflow import keras
        inp = keras.layers.Input(shape=(64,))
        hidden = keras.layers.Dense(256, activation="sigmoid")(inp)
        out = keras.layers.Dense(10, activation="softmax")(hidden)
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
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls:
            call = site.node
            outer = model.value(call)
            if not isinstance(outer, Tensor) or outer.kind not in PROBABILITY_KINDS:
                continue
            operand = activation_operand(model, call)
            if operand is None:
                operand = self._layer_operand(model, call)
            if operand is None:
                continue
            operand = _untempered(operand)
            inner = model.value(operand)
            if not isinstance(inner, Tensor):
                continue
            pair = (inner.kind, outer.kind)
            if pair not in (
                (Kind.PROBS, Kind.PROBS),
                (Kind.SIGMOID_PROBS, Kind.SIGMOID_PROBS),
                (Kind.SIGMOID_PROBS, Kind.PROBS),
            ):
                continue
            if pair == (Kind.PROBS, Kind.PROBS) and isinstance(inner.origin, cst.Call):
                outer_dim = activation_dim(model, call) if outer.origin is call else NotImplemented
                inner_dim = activation_dim(model, inner.origin)
                if NotImplemented not in (outer_dim, inner_dim) and outer_dim != inner_dim:
                    continue  # normalising over two different axes
            names = {Kind.PROBS: "softmax", Kind.SIGMOID_PROBS: "sigmoid"}
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


#: layers that only apply an activation: a ``Dense(10, activation="softmax")``
#: has weights between its input and the softmax (a sigmoid hidden layer
#: feeding a softmax head is an ordinary network)
_ACTIVATION_LAYERS = frozenset({"Softmax", "Sigmoid", "Activation", "Softmax2d", "LogSoftmax"})


#: the largest factor ``softmax(p / T)`` may stretch probabilities by and still
#: flatten them (inputs within [0, 4]: the largest ratio of outputs is e**4)
_FLAT_SCALE = 4.0


def _untempered(operand: cst.BaseExpression) -> cst.BaseExpression:
    """``p / 0.5`` or ``p * 2`` → ``p``: a mild constant temperature keeps
    probabilities in a range a softmax still flattens; a sharp one
    (``p / 0.05``) may be a deliberate sharpening and is left alone."""
    if not isinstance(operand, cst.BinaryOperation):
        return operand
    factor = literal_value(operand.right)
    if not isinstance(factor, (int, float)) or isinstance(factor, bool) or factor <= 0:
        return operand
    if isinstance(operand.operator, cst.Divide) and 1 / factor <= _FLAT_SCALE:
        return operand.left
    if isinstance(operand.operator, cst.Multiply) and factor <= _FLAT_SCALE:
        return operand.left
    return operand
