"""LF406 examples: regression losses on classifiers and accuracy with a
regression loss, the rule's first examples."""

from __future__ import annotations

from lossflint.examples import Invalid

BASIC_INVALID = [
    Invalid(
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(64, activation='relu'),
            layers.Dense(10, activation='softmax')])
        model.compile(optimizer='sgd', loss='mean_squared_error')  # error: LF406 at `loss=`
        """,
    ),
    # a one-unit regression on continuous targets: binary accuracy of prices
    Invalid(
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x_train, y_train), _ = keras.datasets.boston_housing.load_data()
        model = keras.Sequential([layers.Dense(64, activation='relu'), layers.Dense(1)])
        model.compile(optimizer='adam', loss='mse', metrics=['accuracy'])  # error: LF406 at `loss=`
        model.fit(x_train, y_train)
        """,
    ),
    # ten classes regressed onto one unit
    Invalid(
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        model = keras.Sequential([layers.Flatten(), layers.Dense(1)])
        model.compile(loss='mae', metrics=['acc'])  # error: LF406 at `loss=`
        model.fit(x_train / 255.0, y_train)
        """,
    ),
    # several output units: categorical accuracy of a reconstruction
    Invalid(
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        autoencoder = keras.Sequential([layers.Dense(32, activation='relu'), layers.Dense(784)])
        autoencoder.compile(optimizer='adam', loss='mse', metrics=['accuracy'])  # error: LF406 at `loss=`
        """,
    ),
    Invalid(
        """
        import numpy as np
        from tensorflow import keras
        (x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=1000)
        model = keras.Sequential()
        model.add(keras.layers.Embedding(1000, 16))
        model.add(keras.layers.GlobalAveragePooling1D())
        model.add(keras.layers.Dense(1, activation='sigmoid'))
        model.compile(loss=keras.losses.MeanSquaredError())  # error: LF406 at `loss=`
        model.fit(x_train, y_train)
        """,
    ),
]

BASIC_VALID = [
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([layers.Dense(1)])
    model.compile(loss='mse', metrics=['mae'])
    """,
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([layers.Dense(10, activation='softmax')])
    model.compile(loss='categorical_crossentropy', metrics=['accuracy'])
    """,
    # autoencoder: sigmoid pixels reconstructed with mse
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([layers.Dense(32, activation='relu'), layers.Dense(784, activation='sigmoid')])
    model.compile(loss='mse')
    """,
    # sigmoid regression of targets in [0, 1]
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([layers.Dense(1, activation='sigmoid')])
    model.compile(loss='mae')
    model.fit(x, y_scaled)
    """,
    # one linear unit fitted with mse to 0/1 targets: "accuracy" is binary accuracy
    """
    import numpy as np
    import keras
    negatives = np.random.multivariate_normal([0, 3], [[1, 0.5], [0.5, 1]], 1000)
    positives = np.random.multivariate_normal([3, 0], [[1, 0.5], [0.5, 1]], 1000)
    inputs = np.vstack((negatives, positives)).astype(np.float32)
    targets = np.vstack((np.zeros((1000, 1)), np.ones((1000, 1)))).astype(np.float32)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mean_squared_error", metrics=["accuracy"])
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss=keras.losses.MeanSquaredError(),
        metrics=[keras.metrics.BinaryAccuracy()],
    )
    model.fit(inputs, targets, epochs=5)
    """,
    # a sigmoid unit on binary labels, with the accuracy Keras picks for it
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    (x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=1000)
    model = keras.Sequential([layers.Embedding(1000, 16), layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile(loss='mse', metrics=['accuracy'])
    model.fit(x_train, y_train)
    """,
    # the output is not known: "accuracy" may be binary accuracy
    """
    from tensorflow import keras
    model = keras.models.load_model('model.keras')
    model.compile(loss='mse', metrics=['accuracy'])
    """,
    # regression with a tolerance metric, not accuracy
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([layers.Dense(1)])
    model.compile(loss='huber', metrics=[keras.metrics.RootMeanSquaredError()])
    """,
]

# a one-channel relu/tanh map scored with accuracy: binary accuracy of a
# regression (DispNet_Keras's disparity, audit s225; a video autoencoder's
# tanh reconstruction fitted to a copy of its input, audit s236)
_ONE_UNIT = """
from keras.layers import Conv2D, Input
from keras.models import Model

inputs = Input(shape=(64, 64, 2))
hidden = Conv2D(16, 3, padding="same", activation="relu")(inputs)
out = Conv2D(1, 3, padding="same", activation="{act}")(hidden)
model = Model(inputs, out)
model.compile(optimizer="adam", loss="mean_squared_error", metrics=["accuracy"]){marker}
model.fit(x, y, epochs=10)
"""
BASIC_INVALID += [
    Invalid(_ONE_UNIT.format(act="relu", marker="  # error: LF406 at `loss=`")),
    Invalid(_ONE_UNIT.format(act="tanh", marker="  # error: LF406 at `loss=`")),
    Invalid(
        """
        import numpy as np
        from keras.layers import Conv2D, Input
        from keras.models import Model

        inputs = Input(shape=(64, 64, 1))
        hidden = Conv2D(8, 3, padding="same", activation="relu")(inputs)
        model = Model(inputs, Conv2D(1, 3, padding="same")(hidden))
        model.compile(loss="mean_squared_error", optimizer="adam", metrics=["accuracy"])  # error: LF406 at `loss=`
        X = np.load("clips.npy")
        Y = X.copy()
        model.fit(X, Y, epochs=5)
        """
    ),
]
# sigmoid or linear units: a regression used as a classifier on 0/1 targets
BASIC_VALID += [
    _ONE_UNIT.format(act="sigmoid", marker=""),
    _ONE_UNIT.format(act="linear", marker=""),
]
