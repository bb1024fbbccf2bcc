"""LF409 examples of a head chosen by a string handed through builders
(keras-unet-collection, audit R70): ``att_unet_2d(...,
output_activation="Sigmoid")`` hands the string to ``CONV_output``, which
branches on it; the call's literal decides the branch two calls deep."""

from __future__ import annotations

from lossflint.examples import Invalid

_BUILDERS = """
from tensorflow import keras
from tensorflow.keras.layers import Activation, Conv2D, Input
from tensorflow.keras.models import Model


def conv_output(x, n_labels, activation="Softmax"):
    x = Conv2D(n_labels, 1, padding="same")(x)
    if activation:
        if activation == "Sigmoid":
            x = Activation("sigmoid")(x)
        else:
            x = eval(activation)()(x)
    return x


def att_unet_2d(input_size, n_labels, output_activation="Softmax"):
    inputs = Input(input_size)
    x = Conv2D(16, 3, padding="same", activation="relu")(inputs)
    out = conv_output(x, n_labels, activation=output_activation)
    return Model(inputs=[inputs], outputs=[out])


model = att_unet_2d((128, 128, 3), n_labels=2, output_activation="{chosen}")
model.compile(
    loss=keras.losses.categorical_crossentropy,{marker}
    optimizer=keras.optimizers.SGD(learning_rate=1e-2),
)
"""

HELPER_INVALID = [
    Invalid(_BUILDERS.format(chosen="Sigmoid", marker="  # error: LF409 at `loss=`")),
]

HELPER_VALID = [
    # the string names another activation: the head is unknown
    _BUILDERS.format(chosen="Softmax", marker=""),
]
