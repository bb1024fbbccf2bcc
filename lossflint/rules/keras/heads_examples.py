"""Examples of the LF40x rules on multi-output models (held-out s16 p11): a
loss (and metrics) given per output in ``compile``, kept apart so the rule
modules stay small. Each rule module adds the ones for its own code."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a functional model with three heads: a softplus count, a softmax over 10
#: bins, 6 presence logits (``name=`` gives each output its name)
_MODEL = """
from tensorflow import keras
from tensorflow.keras import layers

inp = keras.Input(shape=(64,))
x = layers.Dense(32, activation="relu")(inp)
count = layers.Dense(1, activation="softplus", name="count")(x)
bins = layers.Dense(10, activation="softmax", name="bins")(x)
presence = layers.Dense(6, {presence}name="presence")(x)
model = keras.Model(inp, {outputs})
model.compile(optimizer="adam",
              {compile}
"""


def _model(compile: str, outputs: str = "[count, bins, presence]", presence: str = "") -> str:
    return _MODEL.format(compile=compile, outputs=outputs, presence=presence)


_PER_POSITION = 'loss=["poisson", keras.losses.SparseCategoricalCrossentropy({bins}), {presence}])'

LF401_INVALID = [
    # the softmax head's loss is told it gets logits
    Invalid(
        _model(
            _PER_POSITION.format(
                bins="from_logits=True",
                presence="keras.losses.BinaryCrossentropy(from_logits=True)",
            )
            + "  # error: LF401 at `keras.losses.SparseCategoricalCrossentropy(`"
        )
    ),
]

LF401_VALID = [
    # the logits head gets `from_logits=True`, the softmax head the default
    _model(
        _PER_POSITION.format(bins="", presence="keras.losses.BinaryCrossentropy(from_logits=True)")
    ),
    # fewer losses than outputs: which loss is whose is not certain
    _model('loss=["poisson", keras.losses.SparseCategoricalCrossentropy(from_logits=True)])'),
    # a dict key naming no output, and one loss for every output
    _model('loss={"bin": keras.losses.SparseCategoricalCrossentropy(from_logits=True)})'),
    _model("loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))"),
]

LF402_INVALID = [
    # by the outputs' names: the logits head gets a loss on probabilities
    Invalid(
        _model(
            'loss={"count": "poisson", "bins": "sparse_categorical_crossentropy",\n'
            '                    "presence": "binary_crossentropy"})'
            '  # error: LF402 at `"binary_crossentropy"`'
        )
    ),
    # ... outputs given as a dict: its keys name them
    Invalid(
        _model(
            'loss={"n": "poisson", "p": "binary_crossentropy"})'
            '  # error: LF402 at `"binary_crossentropy"`',
            outputs='{"n": count, "p": presence}',
        )
    ),
]

LF402_VALID = [
    # the presence head is a sigmoid: probabilities
    _model(
        'loss={"count": "poisson", "bins": "sparse_categorical_crossentropy",\n'
        '                    "presence": "binary_crossentropy"})',
        presence='activation="sigmoid", ',
    ),
    # an output re-used as two heads, each given its loss in order
    _model(
        'loss=[keras.losses.BinaryCrossentropy(from_logits=True), "mse"])',
        outputs="[presence, presence]",
    ),
]

LF406_INVALID = [
    # mse on the softmax head, its own metrics
    Invalid(
        _model(
            'loss=["poisson", "mse", "binary_crossentropy"],'
            '  # error: LF406 at `"mse"`\n'
            '              metrics={"bins": ["accuracy"]})',
            presence='activation="sigmoid", ',
        )
    ),
]

LF406_VALID = [
    # a regression loss on the count head, accuracy on the classifier only
    _model(
        'loss=["mse", "sparse_categorical_crossentropy", "binary_crossentropy"],\n'
        '              metrics=[["mae"], ["accuracy"], []])',
        presence='activation="sigmoid", ',
    ),
]

LF409_INVALID = [
    Invalid(
        _model(
            'loss=["poisson", "sparse_categorical_crossentropy", "categorical_crossentropy"])'
            '  # error: LF409 at `"categorical_crossentropy"`',
            presence='activation="sigmoid", ',
        )
    ),
]

LF409_VALID = [
    # binary cross-entropy on the sigmoid head, categorical on the softmax one
    _model(
        'loss=["poisson", "categorical_crossentropy", "binary_crossentropy"])',
        presence='activation="sigmoid", ',
    ),
]
