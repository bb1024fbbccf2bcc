"""Keras accuracy of logits: ``compile(loss=BinaryCrossentropy(from_logits=True),
metrics=["accuracy"])``.

With a binary cross-entropy loss on a one-unit output Keras turns
``"accuracy"`` into binary accuracy (Keras 3 by the output's shape, Keras 2
by the loss too), which thresholds the model's output at 0.5. The loss says the
outputs are logits: 0.5 on the logit scale is probability 0.62, so the
reported accuracy counts the wrong predictions (TensorFlow's transfer-learning
tutorial had it, tensorflow/tensorflow#41413; the fix is
``BinaryAccuracy(threshold=0.0)``). LF504 reports the metric."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.calls import argument, literal_value

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


@dataclass(frozen=True)
class LogitAccuracy:
    #: the metric in ``metrics=[...]``
    metric: cst.BaseExpression
    loss: K.KLoss
    compile: cst.Call


def logit_accuracies(model: SemanticModel) -> Iterator[LogitAccuracy]:
    facts = K.keras_facts(model)
    if not facts.relevant:
        return
    for comp in facts.compiles:
        loss = comp.loss
        if loss is None or loss.name not in apis.BINARY_LOSSES or loss.from_logits is not True:
            continue
        if comp.heads:
            continue  # a loss per output: metrics may be per output too
        head = comp.model.head() if comp.model is not None else None
        if head is not None and head.activation not in (None, "linear"):
            continue  # a squashed output is LF402's mismatch, not this
        metrics = argument(comp.call, 2, "metrics")
        if not isinstance(metrics, (cst.List, cst.Tuple)):
            continue
        # Keras 3 picks binary accuracy for "accuracy" by the output's shape
        # (one unit), Keras 2 by the loss too: a one-unit head is binary in both
        one_unit = head is not None and head.units == 1
        for element in metrics.elements:
            if not isinstance(element, cst.Element):
                continue
            if isinstance(element.value, cst.SimpleString) and not one_unit:
                continue
            if _thresholds_at_half(model, element.value):
                yield LogitAccuracy(element.value, loss, comp.call)


def _thresholds_at_half(model: SemanticModel, metric: cst.BaseExpression) -> bool:
    """``"accuracy"``, or ``BinaryAccuracy()`` with the default 0.5 threshold."""
    if isinstance(metric, cst.SimpleString):
        return literal_value(metric) in apis.BINARY_ACCURACY_STRINGS
    if not isinstance(metric, cst.Call):
        return False
    qualname = model.qualname(metric.func) or ""
    if not qualname.startswith(apis.KERAS_ROOTS) or not qualname.endswith(
        f".{apis.BINARY_ACCURACY_CLASS}"
    ):
        return False
    if any(a.star for a in metric.args):
        return False
    threshold = argument(metric, 2, "threshold")
    return threshold is None or literal_value(threshold) == 0.5
