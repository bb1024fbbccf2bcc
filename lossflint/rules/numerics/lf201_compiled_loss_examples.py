"""LF201 examples of a Keras loss function given to ``compile(loss=f)``: Keras
calls ``f(y_true, y_pred)`` with the model's output as ``y_pred``, so a model
ending in softmax makes ``y_pred`` probabilities (an entropy bonus in a
distillation notebook's loss, audit R92); kept apart so the rule's example
modules stay small."""

from __future__ import annotations

from lossflint.examples import Invalid

COMPILED_INVALID = [
    # clipped to a wide range: the softmax may still underflow
    Invalid(
        """
        from keras import backend as K

        def mdn_nll(y_true, parameters, m=3):
            components = K.reshape(parameters, [-1, 3, m])
            alpha = K.softmax(K.clip(components[:, 2, :], -1000.0, 1000.0))
            return -K.mean(K.log(alpha) - K.square(y_true - components[:, 0, :]))  # error: LF201
        """
    ),
    # an entropy bonus on the softmax output of a functional model
    Invalid(
        """
        from keras import backend as K
        from keras.layers import Activation, Dense, GlobalAveragePooling2D, Input
        from keras.losses import categorical_crossentropy
        from keras.models import Model

        img = Input(shape=(32, 32, 3))
        logits = Dense(10)(GlobalAveragePooling2D()(img))
        model = Model(img, Activation("softmax")(logits))

        def loss(y_true, y_pred):
            entropy = -K.mean(K.sum(y_pred * K.log(y_pred), 1))  # error: LF201 at `K.log(`
            return categorical_crossentropy(y_true, y_pred) - 0.1 * entropy

        model.compile(optimizer="sgd", loss=loss)
        """
    ),
    # the model called directly in a custom step (a Sequential ending in softmax)
    Invalid(
        """
        import tensorflow as tf
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])

        def train_step(x):
            p = model(x)
            return tf.reduce_mean(tf.math.log(p))  # error: LF201 at `tf.math.log(`
        """
    ),
]

COMPILED_VALID = [
    # mixing weights of a softmax over inputs clipped to [1e-8, 1]: at least
    # 1 / (m * e) each (axelbrando's MDN notebooks, audit s201)
    """
    from keras import backend as K

    def mdn_nll(y_true, parameters, m=3):
        components = K.reshape(parameters, [-1, 3, m])
        alpha = K.softmax(K.clip(components[:, 2, :], 1e-8, 1.0))
        return -K.mean(K.log(alpha) - K.square(y_true - components[:, 0, :]))
    """,
    # the log guarded by an eps, and a regression model's loss (no probabilities)
    """
    from keras import backend as K
    from keras.layers import Dense
    from keras.models import Sequential

    model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")])
    reg = Sequential([Dense(8, activation="relu"), Dense(1)])

    def entropy_bonus(y_true, y_pred):
        return -K.mean(K.sum(y_pred * K.log(y_pred + 1e-7), 1))

    def log_error(y_true, y_pred):
        return K.mean(K.square(K.log(y_pred) - K.log(y_true)))

    model.compile(optimizer="adam", loss=entropy_bonus)
    reg.compile(optimizer="adam", loss=log_error)
    """,
    # a metric gets y_pred too, but a -inf metric trains nothing wrong; and
    # predict() returns NumPy arrays, not the tensors a loss sees
    """
    import numpy as np
    from keras import backend as K
    from keras.layers import Dense
    from keras.models import Sequential

    model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")])

    def mean_log_p(y_true, y_pred):
        return K.mean(K.log(y_pred))

    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[mean_log_p])
    scores = np.log(model.predict(x_test))
    """,
    # a method given as the loss: Keras calls it bound, its first parameter is y_true
    """
    from keras import backend as K
    from keras.layers import Dense
    from keras.models import Sequential

    class Losses:
        def loss(self, y_true, y_pred):
            return K.mean(K.log(y_true))

    model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=Losses().loss)
    """,
]
