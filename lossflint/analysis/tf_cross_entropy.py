"""What the arguments of TF's ``*_cross_entropy_with_logits`` hold: labels or a model's scores.

Each argument is read twice, by the Keras facts (``keras_value``: labels of a
dataset loader, a Keras model's output, TF logits) and by the value kinds
(``kind_value``: one-hot labels, class indices, logits); either is enough.
``drawn_class_indices`` reads the expression itself: class indices drawn at
random for synthetic data (``rng.integers(0, k, size=n)``), which neither
value analysis follows through a NumPy generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.values import Tensor
from lossflint.analysis.walk import calls_in, memo_of

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


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
        last = keras_value.chain[-1] if keras_value.chain else None
        if isinstance(last, K.KLayer) and last.activation not in (None, "linear"):
            # ``policy = tf.nn.softmax(logits)`` of the model's output: its
            # probabilities (an entropy bonus: ``labels=policy, logits=logits``)
            return False
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


def drawn_class_indices(model: ModuleIndex, expr: cst.BaseExpression) -> cst.Call | None:
    """The draw, when ``expr`` holds class indices drawn at random: a rank-1
    draw of integers (``np.random.randint(0, k, size=(n,))``,
    ``np.random.default_rng(0).integers(0, k, n)``, ``tf.random.uniform((n,),
    maxval=k, dtype=tf.int32)``), maybe cast to an integer type, reached
    through names bound once. A 2-D draw (``size=(n, k)``: multi-hot rows)
    or a size the file does not spell out is not sure."""
    current: cst.BaseExpression | None = expr
    for _ in range(_HOPS):
        if current is None:
            return None
        current = _without_int_cast(model, current)
        if isinstance(current, cst.Name):
            current = _only_value(model, current)
            continue
        if isinstance(current, cst.Call) and _rank1_integer_draw(model, current):
            return current
        return None
    return None


#: names followed back to the draw
_HOPS = 4


def integer_labels(model: ModuleIndex, expr: cst.BaseExpression) -> cst.CSTNode | None:
    """What makes ``expr`` integer labels, reached through names bound once:
    a cast to an integer type (``tf.cast(y, tf.int32)``: a dense
    cross-entropy's float ``labels`` are never that) or a rank-1 list of
    integer literals (``tf.constant([0, 2, 1])``)."""
    current: cst.BaseExpression | None = expr
    for _ in range(_HOPS):
        if current is None:
            return None
        if isinstance(current, cst.Name):
            current = _only_value(model, current)
            continue
        if isinstance(current, cst.Call):
            if _without_int_cast(model, current) is not current:
                return current
            if model.qualname(current.func) in apis.CONSTANT_TENSORS and current.args:
                items = current.args[0].value
                if (
                    isinstance(items, (cst.List, cst.Tuple))
                    and items.elements
                    and all(
                        isinstance(e, cst.Element) and type(literal_value(e.value)) is int
                        for e in items.elements
                    )
                ):
                    return current
        return None
    return None


def _without_int_cast(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression:
    """``x.astype("int32")`` / ``x.astype(np.int64)`` / ``tf.cast(x, tf.int32)`` → ``x``."""
    while isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value == "astype":
            dtype = argument(expr, 0, "dtype")
            if dtype is None or not _int_dtype(model, dtype):
                return expr
            expr = func.value
        elif model.qualname(func) == apis.TF_CAST:
            value, dtype = argument(expr, 0, "x"), argument(expr, 1, "dtype")
            if value is None or dtype is None or not _int_dtype(model, dtype):
                return expr
            expr = value
        else:
            return expr
    return expr


def _int_dtype(model: ModuleIndex, dtype: cst.BaseExpression) -> bool:
    text = literal_value(dtype)
    if isinstance(text, str):
        return text in apis.INT_DTYPE_STRINGS
    return model.qualname(dtype) in apis.INT_DTYPES


def _only_value(model: ModuleIndex, name: cst.Name) -> cst.BaseExpression | None:
    """What ``name`` is assigned, when that is its only binding."""
    bindings = model.bindings(name) or []
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    node = bindings[0].node
    return node if isinstance(node, cst.BaseExpression) else None


def _rank1_integer_draw(model: ModuleIndex, call: cst.Call) -> bool:
    qualname = model.qualname(call.func)
    if qualname in apis.NUMPY_RANDINT:
        return _rank1(model, argument(call, apis.NUMPY_RANDINT[qualname], *apis.SIZE_KEYWORDS))
    if qualname == apis.TF_RANDOM_UNIFORM:
        dtype = argument(call, 3, "dtype")
        return (
            dtype is not None
            and model.qualname(dtype) in apis.INT_DTYPES
            and _rank1(model, argument(call, 0, "shape"))
        )
    func = call.func
    if qualname is not None or not isinstance(func, cst.Attribute):
        return False
    position = apis.GENERATOR_INTEGER_METHODS.get(func.attr.value)
    if position is None:
        return False
    generator: cst.BaseExpression | None = func.value
    if isinstance(generator, cst.Name):
        generator = _only_value(model, generator)
    return (
        isinstance(generator, cst.Call)
        and model.qualname(generator.func) in apis.NUMPY_GENERATORS
        and _rank1(model, argument(call, position, *apis.SIZE_KEYWORDS))
    )


def _rank1(model: ModuleIndex, size: cst.BaseExpression | None) -> bool:
    """A size of one dimension: ``64``, ``n`` bound once to an integer, ``(n,)``."""
    if isinstance(size, cst.Name):
        size = _only_value(model, size)
    if isinstance(size, cst.Integer):
        return True
    if isinstance(size, (cst.Tuple, cst.List)):
        return len(size.elements) == 1 and not isinstance(size.elements[0], cst.StarredElement)
    return False


def version_fallback(model: ModuleIndex, call: cst.Call) -> bool:
    """``try: f(logits=..., labels=...)`` / ``except ...: f(a, b)``: the
    positional call runs only where the keyword one failed, on a TensorFlow
    older than 1.0 whose positional order it follows (improved_wgan_training's
    "tf pre-1.0 (bottom) vs 1.0 (top)", audit s166)."""
    handler = model.enclosing(call, cst.ExceptHandler, cst.FunctionDef)
    attempt = model.parent(handler) if isinstance(handler, cst.ExceptHandler) else None
    if not isinstance(attempt, cst.Try):
        return False
    qualname = model.qualname(call.func)
    return any(
        model.qualname(other.func) == qualname and any(a.keyword is not None for a in other.args)
        for other in calls_in(attempt.body, memo_of(model))
    )
