"""The number of weights of a Keras model whose every layer's sizes are known
(LF307: a model under 1,000 weights is a toy, on which a large step is fine).

The shape (batch axis excluded) is followed layer by layer from the model's
input: ``Dense``/``SimpleRNN``/``LSTM``/``GRU`` (and ``Bidirectional`` of one,
``RNN`` of their cell, ``TimeDistributed`` of a layer) read its last axis, ``Embedding`` and the channels-last ``Conv1D``/``Conv2D``
their arguments, ``Flatten``/pooling reshape it; activations, dropout and
``InputLayer`` hold no weights. Anything else, a size the file does not give,
or a layer the Keras domain could not see: None (no exemption).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.calls import argument_node, literal_value

#: reads an ``int`` the file gives (a literal, a constant assigned once)
IntOf = Callable[[cst.BaseExpression], "int | None"]
Shape = tuple["int | None", ...]


def keras_parameter_count(kmodel: K.KModel, int_of: IntOf) -> int | None:
    if not kmodel.complete:
        return None
    shape = kmodel.input_shape
    first = kmodel.layers[0]
    if shape is None and first is not None:
        # a wrapped layer or an RNN's cell may carry the model's input shape
        inner = first.inner.input_shape if first.inner is not None else None
        shape = first.input_shape or _input_dim(first, int_of) or inner
    if shape is None:
        return None
    total = 0
    for layer in kmodel.layers:
        assert layer is not None
        found = _layer(layer, shape, int_of)
        if found is None:
            return None
        count, shape = found
        total += count
    return total


def _input_dim(layer: K.KLayer, int_of: IntOf) -> Shape | None:
    """``Dense(5, input_dim=10)``: the input shape ``(10,)``."""
    arg = argument_node(layer.node, None, "input_dim")
    size = int_of(arg.value) if arg is not None else None
    return (size,) if size is not None else None


def _layer(layer: K.KLayer, shape: Shape, int_of: IntOf) -> tuple[int, Shape] | None:
    """The layer's weights and its output shape, from its input shape."""
    name = layer.name
    last = shape[-1] if shape else None
    if name == "InputLayer":
        return (0, layer.input_shape) if layer.input_shape is not None else None
    if (
        name in ("Activation", "Dropout")
        or name in apis.ACTIVATION_LAYERS
        or name in apis.DROPOUT_LAYERS
    ):
        return 0, shape
    if name == "Flatten":
        known = all(isinstance(d, int) for d in shape)
        return 0, ((math.prod(d for d in shape if d is not None),) if known else (None,))
    if name in apis.KERAS_GLOBAL_POOLINGS:
        return 0, (last,)
    if last is None:
        return None
    bias = _uses_bias(layer)
    if name == "Dense":
        units = layer.units
        if units is None:
            return None
        return last * units + (units if bias else 0), (*shape[:-1], units)
    if name == "BatchNormalization":
        return 4 * last, shape  # gamma, beta and the two moving statistics
    if name == "Embedding":
        sizes = _sizes(layer.node, int_of, (0, "input_dim"), (1, "output_dim"))
        return None if sizes is None else (sizes[0] * sizes[1], (*shape, sizes[1]))
    if name in apis.KERAS_RNN_GATES or (
        name in ("Bidirectional", "RNN") and layer.inner is not None
    ):
        return _recurrent(layer, shape, last, int_of)
    if name == "TimeDistributed" and layer.inner is not None and len(shape) > 1:
        found = _layer(layer.inner, shape[1:], int_of)
        return None if found is None else (found[0], (shape[0], *found[1]))
    if name in apis.KERAS_CONVOLUTIONS:
        return _convolution(layer, shape, last, int_of)
    if name in apis.KERAS_POOLINGS:
        return _pooling(layer, shape, int_of)
    return None


def _recurrent(layer: K.KLayer, shape: Shape, last: int, int_of: IntOf) -> tuple[int, Shape] | None:
    copies = 1
    return_sequences = layer.return_sequences
    if layer.name == "RNN":
        assert layer.inner is not None
        cell = apis.KERAS_RNN_CELLS.get(layer.inner.name)
        if cell is None:
            return None
        # ``RNN(LSTMCell(n))`` holds the weights of ``LSTM(n)``
        layer = replace(layer.inner, name=cell)
    elif layer.name == "Bidirectional":
        assert layer.inner is not None
        merge = argument_node(layer.node, 1, "merge_mode")
        if merge is not None and literal_value(merge.value) != "concat":
            return None
        copies, layer = 2, layer.inner
        return_sequences = layer.return_sequences
    gates = apis.KERAS_RNN_GATES.get(layer.name)
    sizes = _sizes(layer.node, int_of, (0, "units"))
    if gates is None or sizes is None or len(shape) != 2:
        return None
    units = sizes[0]
    biases = gates * units * (2 if layer.name == "GRU" else 1) if _uses_bias(layer) else 0
    count = copies * (gates * (last * units + units * units) + biases)
    out = copies * units
    return count, ((shape[0], out) if return_sequences else (out,))


def _convolution(
    layer: K.KLayer, shape: Shape, last: int, int_of: IntOf
) -> tuple[int, Shape] | None:
    spatial = len(shape) - 1
    if layer.channels_first is not False or spatial not in (1, 2):
        return None
    if layer.name.startswith("Convolution") and spatial == 2:
        return None  # Keras 1: ``Convolution2D(filters, rows, cols)``
    sizes = _sizes(layer.node, int_of, (0, "filters"))
    kernel = _tuple(layer.node, (1, "kernel_size"), spatial, int_of)
    strides = _tuple(layer.node, (2, "strides"), spatial, int_of, default=1)
    padding = _padding(layer.node, 3)
    if sizes is None or kernel is None or strides is None or padding is None:
        return None
    filters = sizes[0]
    count = math.prod(kernel) * last * filters + (filters if _uses_bias(layer) else 0)
    return count, (*_spatial(shape[:-1], kernel, strides, padding), filters)


def _pooling(layer: K.KLayer, shape: Shape, int_of: IntOf) -> tuple[int, Shape] | None:
    spatial = len(shape) - 1
    if layer.channels_first is not False or spatial not in (1, 2):
        return None
    pool = _tuple(layer.node, (0, "pool_size"), spatial, int_of, default=2)
    padding = _padding(layer.node, 2)
    if pool is None or padding is None:
        return None
    strides: tuple[int, ...] | None = pool  # Keras: the strides default to the window
    if argument_node(layer.node, 1, "strides") is not None:
        strides = _tuple(layer.node, (1, "strides"), spatial, int_of)
    if strides is None:
        return None
    return 0, (*_spatial(shape[:-1], pool, strides, padding), shape[-1])


def _spatial(dims: Shape, window: tuple[int, ...], strides: tuple[int, ...], padding: str) -> Shape:
    out: list[int | None] = []
    for size, k, s in zip(dims, window, strides, strict=True):
        if size is None:
            out.append(None)
        elif padding == "same":
            out.append(-(-size // s))
        else:
            out.append((size - k) // s + 1 if size >= k else None)
    return tuple(out)


def _uses_bias(layer: K.KLayer) -> bool:
    arg = argument_node(layer.node, None, "use_bias")
    return arg is None or literal_value(arg.value) is not False


def _sizes(call: cst.Call, int_of: IntOf, *where: tuple[int, str]) -> tuple[int, ...] | None:
    found = []
    for index, keyword in where:
        arg = argument_node(call, index, keyword)
        value = int_of(arg.value) if arg is not None else None
        if value is None:
            return None
        found.append(value)
    return tuple(found)


def _tuple(
    call: cst.Call,
    where: tuple[int, str],
    spatial: int,
    int_of: IntOf,
    default: int | None = None,
) -> tuple[int, ...] | None:
    """A window or stride: one int for every axis, or a tuple of them."""
    arg = argument_node(call, *where)
    if arg is None:
        return None if default is None else (default,) * spatial
    value = arg.value
    if isinstance(value, (cst.Tuple, cst.List)):
        items = [int_of(e.value) for e in value.elements]
        if len(items) != spatial or any(i is None for i in items):
            return None
        return tuple(i for i in items if i is not None)
    single = int_of(value)
    return None if single is None else (single,) * spatial


def _padding(call: cst.Call, index: int) -> str | None:
    arg = argument_node(call, index, "padding")
    if arg is None:
        return "valid"
    value = literal_value(arg.value)
    return value if value in ("valid", "same") else None
