"""What the arguments of TF's ``*_cross_entropy_with_logits`` hold: labels or a model's scores.

Each argument is read twice, by the Keras facts (``keras_value``: labels of a
dataset loader, a Keras model's output, TF logits) and by the value kinds
(``kind_value``: one-hot labels, class indices, logits); either is enough.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from lossflint.analysis import keras as K
from lossflint.analysis.apis import Kind
from lossflint.analysis.values import Tensor


def labels_description(keras_value: Any, kind_value: Any) -> str | None:
    """How the finding names the labels the argument holds (``None``: not labels)."""
    if isinstance(keras_value, K.Labels) and not keras_value.predicted:
        return "class indices" if keras_value.encoding == "int" else "one-hot labels"
    if isinstance(kind_value, Tensor) and kind_value.kind in (Kind.ONE_HOT,):
        return "one-hot labels"
    return None


def holds_logits(keras_value: Any, kind_value: Any) -> bool:
    """A model's raw scores. Probabilities are not counted: soft labels
    (``labels=tf.nn.softmax(teacher_logits)``) are a valid ``labels=``."""
    if isinstance(keras_value, K.TfLogits):
        return True
    if isinstance(keras_value, K.KTensor) and keras_value.model is not None:
        head = keras_value.model.head()
        return head is not None and head.activation == "linear"
    return isinstance(kind_value, Tensor) and kind_value.kind is Kind.LOGITS


def class_index_origin(keras_value: Any, kind_value: Any) -> cst.CSTNode | None:
    """Where the class-index labels the argument holds come from (``None``: not
    known to be class indices)."""
    if (
        isinstance(keras_value, K.Labels)
        and keras_value.encoding == "int"
        and not keras_value.predicted
    ):
        return keras_value.origin
    if isinstance(kind_value, Tensor) and kind_value.kind is Kind.CLASS_INDICES:
        return kind_value.origin  # ``labels=tf.argmax(y, 1)``
    return None
