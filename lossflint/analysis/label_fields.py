"""A batch's label field cast to float in the target of a cross-entropy.

``F.cross_entropy(logits, batch["label"].float())``: a data set's ``label``
field (Hugging Face's ``ClassLabel``, a ``Dataset`` returning a dict) holds
class indices, and the cast in the loss call says it was not float before. A
value known to be one-hot or probabilities is not one (LF109)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import literal_value
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.values import Tensor

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

#: words of a field that holds class indices, and of one that holds
#: distributions over classes (``batch["soft_labels"]``: a valid float target)
_LABEL_WORDS = ("label", "class")
_SOFT_WORDS = ("soft", "prob", "smooth", "dist", "onehot", "one_hot", "mix")
#: kinds that are no class indices whatever the field is called
_SOFT = frozenset({Kind.ONE_HOT, Kind.PROBS, Kind.SIGMOID_PROBS, Kind.LOG_PROBS, Kind.LOGITS})


def cast_label_field(model: SemanticModel, target: cst.BaseExpression) -> str | None:
    """The key of the label field ``target`` casts to float
    (``batch["label"].float()``, ``labels.float()`` after ``labels =
    inputs.pop("labels")``), or None."""
    if not (
        isinstance(target, cst.Call)
        and not target.args
        and isinstance(target.func, cst.Attribute)
        and target.func.attr.value in apis.FLOAT_CASTS
    ):
        return None
    receiver = target.func.value
    value = model.value(receiver)
    if isinstance(value, Tensor) and value.kind in _SOFT:
        return None
    if isinstance(receiver, cst.Name):
        bound = reaching_assignment(model, receiver)
        if bound is None:
            return None
        receiver = bound
    key = _field_key(receiver)
    lowered = key.lower() if key is not None else ""
    if not any(w in lowered for w in _LABEL_WORDS) or any(w in lowered for w in _SOFT_WORDS):
        return None
    return key


def _field_key(expr: cst.BaseExpression) -> str | None:
    """``batch["label"]`` / ``inputs.pop("labels")`` / ``batch.get("label")``."""
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if isinstance(index, cst.Index):
            key = literal_value(index.value)
            return key if isinstance(key, str) else None
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in ("pop", "get")
        and expr.args
    ):
        key = literal_value(expr.args[0].value)
        return key if isinstance(key, str) else None
    return None
