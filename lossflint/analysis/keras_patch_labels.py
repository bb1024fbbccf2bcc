"""Labels made for every position of a feature map.

A patch discriminator (SRGAN, pix2pix in Keras) applies ``Dense`` to a
convolution's output on purpose and trains it on labels with the same axes:
``valid = np.ones((batch_size, 16, 16, 1))`` given to ``train_on_batch``. A
``Dense`` head without ``Flatten`` is then no bug (LF410): such labels in the
file are the evidence, and so are images as targets (``fit(x, x)``, an
autoencoder; ``y.reshape(n, 28, 28, 1)``): a per-pixel reconstruction.
The evidence holds for the model those calls train; a call whose model is
not known holds for every model of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument
from lossflint.analysis.numerics import bound_value

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: the Keras methods whose second argument holds the targets
_TRAINING_METHODS = frozenset({"fit", "train_on_batch", "test_on_batch", "evaluate"})
#: more than (batch, units): labels per position
_MIN_RANK = 3


def per_position_fits(model: ModuleIndex) -> list[cst.Call]:
    """The ``fit``/``train_on_batch`` calls of the file given targets made with
    a shape of three or more axes (``np.ones((n, 16, 16, 1))``, ``np.zeros((n,)
    + patch)`` with a literal ``patch``), directly, by a name bound once, or as
    one of a multi-output model's targets, or given their inputs as targets."""
    found = []
    for site in model.method_calls(*_TRAINING_METHODS):
        if _per_position(model, site.node):
            found.append(site.node)
    return found


def _per_position(model: ModuleIndex, call: cst.Call) -> bool:
    target = argument(call, 1, "y")
    if target is None:
        return False
    if any(_shaped(model, t, 0) for t in _targets(target)):
        return True
    inputs = argument(call, 0, "x")
    # ``fit(x, x)``: the inputs reconstructed, position by position
    return (
        isinstance(inputs, cst.Name)
        and isinstance(target, cst.Name)
        and inputs.value == target.value
    )


def _targets(target: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(target, (cst.List, cst.Tuple)):
        for element in target.elements:
            yield element.value
    elif isinstance(target, cst.Dict):
        for item in target.elements:
            if isinstance(item, cst.DictElement):
                yield item.value
    else:
        yield target


def _shaped(model: ModuleIndex, expr: cst.BaseExpression, depth: int) -> bool:
    if depth > 2:
        return False
    if isinstance(expr, cst.Name):
        value = bound_value(model, expr)
        return value is not None and _shaped(model, value, depth + 1)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "reshape"
    ):
        # ``x_train.reshape(60000, 28, 28, 1)`` / ``.reshape((n, 28, 28, 1))``
        args = [a for a in expr.args if a.keyword is None and not a.star]
        if len(args) == 1:
            return _rank(model, args[0].value, depth) >= _MIN_RANK
        return len(args) >= _MIN_RANK and len(args) == len(expr.args)
    if not isinstance(expr, cst.Call) or model.qualname(expr.func) not in apis.FILLED_ARRAYS:
        return False
    shape = argument(expr, 0, "shape")
    return shape is not None and _rank(model, shape, depth) >= _MIN_RANK


def _rank(model: ModuleIndex, shape: cst.BaseExpression, depth: int) -> int:
    """How many axes a shape literal has (0: not known)."""
    if isinstance(shape, cst.Tuple):
        if any(isinstance(e, cst.StarredElement) for e in shape.elements):
            return 0
        return len(shape.elements)
    if isinstance(shape, cst.BinaryOperation) and isinstance(shape.operator, cst.Add):
        left, right = _rank(model, shape.left, depth), _rank(model, shape.right, depth)
        return left + right if left and right else 0
    if isinstance(shape, cst.Name) and depth < 2:
        value = bound_value(model, shape)
        return _rank(model, value, depth + 1) if value is not None else 0
    return 0
