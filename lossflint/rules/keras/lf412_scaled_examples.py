"""LF412 examples of pixels scaled on one side only: ``X_train`` divided by
255 for ``fit`` but ``X_test`` handed to ``evaluate``/``predict`` as loaded
(Hands-On GANs with Keras, chapter 1, audit s127, where ``(X_test - 255.0) *
2 - 1`` is a typo for ``/ 255``); a shift or a multiplication by 2 leaves
pixels 0-255 in size, so the same typo on the training images reaches
``fit`` unscaled. Both sides scaled, or the test side scaled by a fraction,
stay silent, as does a function only called while the images are scaled."""

from __future__ import annotations

from lossflint.examples import Invalid

_SPLIT = """
from keras.datasets import mnist
from keras.layers import Dense
from keras.models import Sequential

(X_train, y_train), (X_test, y_test) = mnist.load_data()
X_train = X_train.reshape(X_train.shape[0], 784).astype("float32")
X_test = X_test.reshape(X_test.shape[0], 784).astype("float32")
X_train = {train}
X_test = {test}
model = Sequential()
model.add(Dense(128, activation="tanh", input_dim=784))
model.add(Dense(10, activation="softmax"))
model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
model.fit(X_train, y_train, epochs=10){fit_marker}
score = model.evaluate(X_test, y_test){marker}
"""

SCALED_INVALID = [
    Invalid(
        _SPLIT.format(
            train="(X_train / 255.0) * 2 - 1",
            test="(X_test - 255.0) * 2 - 1",
            fit_marker="",
            marker="  # error: LF412 at `model.evaluate(`",
        )
    ),
    Invalid(
        _SPLIT.format(
            train="(X_train - 255.0) * 2 - 1",
            test="(X_test - 255.0) * 2 - 1",
            fit_marker="  # error: LF412 at `model.fit(`",
            marker="",
        )
    ),
    Invalid(
        _SPLIT.format(
            train="X_train / 255",
            test="X_test",
            fit_marker="",
            marker="  # error: LF412 at `model.evaluate(`",
        )
    ),
]

SCALED_VALID = [
    _SPLIT.format(
        train="(X_train / 255.0) * 2 - 1", test="(X_test / 255.0) * 2 - 1", fit_marker="", marker=""
    ),
    _SPLIT.format(
        train="(X_train - 127.5) / 127.5", test="X_test * (1 / 255)", fit_marker="", marker=""
    ),
    # the function is only called while X_train is scaled; the raw CIFAR-10
    # X_train comes after the last call (handson-ml3 ch. 11)
    """
    import tensorflow as tf

    fashion_mnist = tf.keras.datasets.fashion_mnist.load_data()
    (X_train, y_train), (X_test, y_test) = fashion_mnist
    X_train, X_test = X_train / 255, X_test / 255


    def build_and_train_model():
        model = tf.keras.Sequential([
            tf.keras.layers.Flatten(input_shape=[28, 28]),
            tf.keras.layers.Dense(10, activation="softmax"),
        ])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        return model.fit(X_train, y_train, epochs=1)


    history = build_and_train_model()

    cifar10 = tf.keras.datasets.cifar10.load_data()
    (X_train, y_train), (X_test, y_test) = cifar10
    """,
    # the model rescales
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    (x, y), _ = keras.datasets.cifar10.load_data()
    model = keras.Sequential([layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(10)])
    model.fit(x, y)
    """,
]
