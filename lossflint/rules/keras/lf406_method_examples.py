"""LF406 examples: a model kept on ``self`` by one method and compiled by
another (VivekPa/AIAlpha's ``make_model`` / ``train_model``, audit s172)."""

from __future__ import annotations

from lossflint.examples import Invalid

_KEPT = """
import keras.layers as kl
from keras.models import Model


class NNModel:
    def __init__(self, input_shape):
        self.input_shape = input_shape

    def make_model(self):
        inputs = kl.Input(shape=(1, self.input_shape))
        hidden = kl.LSTM(5)(inputs)
        out = kl.Dense({units}, activation="sigmoid")(hidden)
        {kept}

    def train_model(self, x, y, epochs):
        self.model.compile(optimizer="adam", loss="mean_squared_error", metrics=["acc"]){marker}
        self.model.fit(x, y, epochs=epochs)
"""

METHOD_INVALID = [
    Invalid(
        _KEPT.format(
            units=1,
            kept="self.model = Model(inputs, out)",
            marker="  # error: LF406 at `loss=`",
        )
    ),
    # an autoencoder kept on ``self`` and fitted to its input by the caller
    Invalid(
        """
        import numpy as np
        from keras.layers import Dense, Input
        from keras.models import Model

        class AutoEncoder:
            def build(self, width):
                inputs = Input(shape=(width,))
                code = Dense(8, activation="relu")(inputs)
                self.net = Model(inputs, Dense(width, activation="sigmoid")(code))

            def train(self, data):
                self.net.compile(loss="mse", optimizer="adam", metrics=["acc"])  # error: LF406 at `loss=`
                self.net.fit(data, data, epochs=5)
        """
    ),
]

METHOD_VALID = [
    # a regression head (a linear unit): MSE is the loss it wants
    _KEPT.format(
        units=1, kept="self.model = Model(inputs, kl.Dense(1)(hidden))", marker=""
    ).replace('metrics=["acc"]', 'metrics=["mae"]'),
    # the method keeps another model on one path: not known which one is compiled
    _KEPT.format(
        units=1,
        kept="self.model = Model(inputs, out) if self.input_shape else self.loaded\n"
        "        self.model = self.loaded if self.input_shape > 3 else self.model",
        marker="",
    ),
    # the method always returns before the assignment's end state is known
    _KEPT.format(
        units=1,
        kept="self.model = Model(inputs, out)\n        return self.other()",
        marker="",
    ).replace("self.model.compile", "self.other_model.compile"),
]

# a sigmoid head of ``nb_classes`` units scored with accuracy: one unit or
# several, a classifier (ijcnn19ensemble's Time-CNN, audit s192); the same
# head of a discriminator is a least-squares GAN's
_TIME_CNN = """
import keras


def {name}(input_shape, nb_classes):
    input_layer = keras.layers.Input(input_shape)
    conv1 = keras.layers.Conv1D(filters=6, kernel_size=7, activation="sigmoid")(input_layer)
    flat = keras.layers.Flatten()(keras.layers.AveragePooling1D(pool_size=3)(conv1))
    output_layer = keras.layers.Dense(units=nb_classes, activation="sigmoid")(flat)
    model = keras.models.Model(inputs=input_layer, outputs=output_layer)
    model.compile(loss="mean_squared_error", optimizer="adam", metrics={metrics}){marker}
    return model
"""

METHOD_INVALID.append(
    Invalid(
        _TIME_CNN.format(
            name="build_model", metrics='["accuracy"]', marker="  # error: LF406 at `loss=`"
        )
    )
)
METHOD_VALID += [
    _TIME_CNN.format(name="build_discriminator", metrics='["accuracy"]', marker=""),
    # no accuracy: a regression onto [0, 1] targets, for all the file says
    _TIME_CNN.format(name="build_model", metrics='["mae"]', marker=""),
]

# the method keeps its local model and returns it (arashk7/DispNet_Keras's
# ``init_model``, audit s225): what ``self.model`` holds is known at the return
METHOD_INVALID.append(
    Invalid(
        _KEPT.format(
            units=4,
            kept="model = Model(inputs, out)\n        self.model = model\n        return model",
            marker="  # error: LF406 at `loss=`",
        )
    )
)
METHOD_VALID.append(
    _KEPT.format(
        units=4,
        kept="model = Model(inputs, out)\n        self.model = model\n        return model",
        marker="",
    ).replace('metrics=["acc"]', 'metrics=["mae"]')
)
