"""LF406 examples of a one-unit sigmoid scored with accuracy (session 18
held-out misses); kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_ACTIONS = """
from keras.layers import Dense, Input
from keras.models import Model

ACTIONS = ["forward", "forward_left", "forward_right", "brake", "brake_left", "brake_right"]
{change}

def model_head_hidden_dense(outputs):
    inputs = Input(shape=(16,))
    x = Dense(64, activation="relu")(inputs)
    return Model(inputs=inputs, outputs=Dense(outputs, activation="linear")(x))


class Agent:
    def create_model(self):
        model = model_head_hidden_dense(outputs=len(ACTIONS))
        model.compile(loss="mse", optimizer="adam", metrics=["accuracy"]){marker}
        return model
"""

AUDIT_INVALID = [
    # a width counted from a module's list of actions (Sentdex's Carla-RL, audit s162)
    Invalid(_ACTIONS.format(change="", marker="  # error: LF406 at `loss=`")),
    # image to image with mse and "accuracy" (bnsreenu's colourisation, audit s137):
    # categorical accuracy over the output's channels
    Invalid(
        """
        from keras.models import Sequential
        from keras.layers import Conv2D, MaxPooling2D, UpSampling2D

        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation="relu", padding="same", input_shape=(64, 64, 1)))
        model.add(MaxPooling2D((2, 2), padding="same"))
        model.add(UpSampling2D((2, 2)))
        model.add(Conv2D(2, (3, 3), activation="tanh", padding="same"))
        model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])  # error: LF406 at `loss=`
        model.fit(X, Y, epochs=5)
        """
    ),
    # a later section of the notebook reuses y_train for class labels: it cannot
    # reach this fit (HOML ch. 13 in TensorFlow-Developer-Certificate, audit R74)
    Invalid(
        """
        from sklearn.datasets import fetch_california_housing
        from sklearn.model_selection import train_test_split
        from tensorflow import keras

        housing = fetch_california_housing()
        X_train, X_valid, y_train, y_valid = train_test_split(housing.data, housing.target)
        model = keras.models.Sequential([keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="sgd", metrics=["accuracy"])  # error: LF406 at `loss=`
        model.fit(X_train, y_train, epochs=5)

        (X_train, y_train), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()
        """
    ),
    # an autoencoder of a variable width, fitted to reproduce its input
    # (chen0040/keras-anomaly-detection, audit R73)
    Invalid(
        """
        from keras.layers import Dense, Input
        from keras.models import Model

        def create_model(input_dim):
            inputs = Input(shape=(input_dim,))
            code = Dense(7, activation="relu")(inputs)
            decoded = Dense(input_dim, activation="relu")(code)
            model = Model(inputs=inputs, outputs=decoded)
            model.compile(optimizer="adam", loss="mean_squared_error", metrics=["accuracy"])  # error: LF406 at `loss=`
            return model

        def fit(data):
            x_train = data[:800]
            model = create_model(x_train.shape[1])
            model.fit(x_train, x_train, epochs=10)
        """
    ),
    # binary accuracy thresholds the sigmoid at 0.5 against 0/1 targets: the
    # compile itself says the unit is a classifier, whatever the labels are
    Invalid(
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        churn = keras.Sequential([
            layers.Input((20,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ])
        churn.compile(optimizer="rmsprop", loss="mean_absolute_error", metrics=["acc"])  # error: LF406 at `loss=`
        churn.fit(features, churned)
        """
    ),
    Invalid(
        """
        import keras

        inputs = keras.Input((8,))
        hidden = keras.layers.Dense(8, activation="tanh")(inputs)
        spam = keras.layers.Dense(1, activation="sigmoid")(hidden)
        model = keras.Model(inputs, spam)
        model.compile(loss=keras.losses.MeanSquaredError(), metrics=[keras.metrics.BinaryAccuracy()])  # error: LF406 at `loss=`
        """
    ),
]

AUDIT_VALID = [
    # the list grows: its length here is not known
    _ACTIONS.format(change='ACTIONS.append("noop")', marker=""),
    # class labels loaded before the one-unit model: they may be what it is fitted on
    """
    from sklearn.datasets import fetch_california_housing
    from tensorflow import keras

    (X_train, y_train), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()
    housing = fetch_california_housing()
    model = keras.models.Sequential([keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd", metrics=["accuracy"])
    model.fit(X_train, y_train == 0, epochs=5)
    """,
    # a width not known, fitted to targets of its own: they may be 0/1 labels
    """
    from keras.layers import Dense, Input
    from keras.models import Model

    def create_model(input_dim):
        inputs = Input(shape=(input_dim,))
        out = Dense(input_dim, activation="relu")(Dense(7, activation="relu")(inputs))
        model = Model(inputs=inputs, outputs=out)
        model.compile(optimizer="adam", loss="mean_squared_error", metrics=["accuracy"])
        return model

    model = create_model(x_train.shape[1])
    model.fit(x_train, y_train, epochs=10)
    """,
    # a mean squared error only reported by the evaluation step: nothing
    # trains on it (Qinbf/Deep-Learning-Tensorflow2, audit R26)
    """
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(10, activation="softmax")])
    optimizer = tf.keras.optimizers.SGD(0.1)
    test_loss = tf.keras.metrics.Mean()

    @tf.function
    def train_step(data, label):
        with tf.GradientTape() as tape:
            loss = tf.keras.losses.categorical_crossentropy(label, model(data))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    @tf.function
    def test_step(data, label):
        test_loss(tf.keras.losses.MSE(label, model(data)))
    """,
    # a sigmoid regression of a [0, 1] target, scored with an error metric
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    share = keras.Sequential([layers.Input((12,)), layers.Dense(1, activation="sigmoid")])
    share.compile(loss="mse", metrics=["mae"])
    """,
    # a sigmoid regression head and a classifier head: accuracy only on the
    # classifier, by output name
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    inp = keras.Input((32,))
    h = layers.Dense(32, activation="relu")(inp)
    fill = layers.Dense(1, activation="sigmoid", name="fill")(h)
    kind = layers.Dense(4, activation="softmax", name="kind")(h)
    model = keras.Model(inp, [fill, kind])
    model.compile(
        loss={"fill": "mse", "kind": "categorical_crossentropy"},
        metrics={"fill": ["mae"], "kind": ["accuracy"]},
    )
    """,
    # one linear unit fitted with mse to 0/1 targets, scored with accuracy:
    # a regression used as a classifier, the accuracy Keras picks is binary
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    scorer = keras.Sequential([layers.Input((6,)), layers.Dense(1)])
    scorer.compile(loss="mse", metrics=["accuracy"])
    """,
    # a GAN's discriminator trained with mse: the least-squares GAN objective
    # (LSGAN, SRGAN), on purpose (R19 Generative-Adversarial-Networks-Projects)
    """
    from keras.layers import Dense, Flatten, Input
    from keras.models import Model

    def build_discriminator():
        inp = Input((64, 64, 3))
        return Model(inp, Dense(1, activation="sigmoid")(Flatten()(inp)))

    discriminator = build_discriminator()
    discriminator.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
    """,
    # ... compiled in the discriminator's own class
    """
    from keras.layers import Dense, Flatten, Input
    from keras.models import Model

    class Discriminator:
        def __init__(self):
            inp = Input((28, 28, 1))
            self.model = Model(inp, Dense(1, activation="sigmoid")(Flatten()(inp)))
            self.model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
    """,
    # two configurations shown side by side: the second compile replaces the
    # first before anything trains (tensorflow/docs r1 keras guide, audit R30)
    """
    import tensorflow as tf
    from tensorflow.keras import layers

    model = tf.keras.Sequential([layers.Dense(64, activation="relu"),
                                 layers.Dense(10, activation="softmax")])
    # Configure a model for mean-squared error regression.
    model.compile(optimizer=tf.train.AdamOptimizer(0.01), loss="mse", metrics=["mae"])
    # Configure a model for categorical classification.
    model.compile(optimizer=tf.train.RMSPropOptimizer(0.01),
                  loss=tf.keras.losses.categorical_crossentropy,
                  metrics=[tf.keras.metrics.categorical_accuracy])
    model.fit(data, labels, epochs=10, batch_size=32)
    """,
    # the mean squared error between the student's softmax and a teacher's
    # predictions: a consistency term (ICT / Mean Teacher), the classifier
    # trains with cross-entropy (ryancheunggit/tensorflow2_model_zoo, audit R33)
    """
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras import layers

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.fc = layers.Dense(10)

        def call(self, x):
            return tf.nn.softmax(self.fc(x))

    model, teacher = Net(), Net()
    data_criterion = keras.losses.SparseCategoricalCrossentropy()
    consistency_criterion = keras.losses.MeanSquaredError()

    def train_step(x, y, u):
        q = teacher(u)
        with tf.GradientTape() as tape:
            loss = data_criterion(y, model(x)) + consistency_criterion(q, model(u))
            loss += consistency_criterion(tf.stop_gradient(model(x)), model(u))
        return tape.gradient(loss, model.trainable_variables)

    def mixup(u1, u2, lambd):
        q1 = teacher(u1, training=False)
        q2 = teacher(u2, training=False)
        return lambd * u1 + (1 - lambd) * u2, lambd * q1 + (1 - lambd) * q2

    def ict_step(u_batch_1, u_batch_2, lambd):
        u_mixed, q_guessed = mixup(u_batch_1, u_batch_2, lambd)
        with tf.GradientTape() as tape:
            loss = consistency_criterion(q_guessed, model(u_mixed))
        return tape.gradient(loss, model.trainable_variables)
    """,
    # one output channel: binary accuracy per pixel, meaningful on a binary mask
    """
    from keras.models import Sequential
    from keras.layers import Conv2D

    model = Sequential()
    model.add(Conv2D(32, (3, 3), activation="relu", padding="same", input_shape=(64, 64, 1)))
    model.add(Conv2D(1, (3, 3), activation="sigmoid", padding="same"))
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    model.fit(images, masks, epochs=5)
    """,
]
