"""LF402 examples of a head behind an upsampling (audit R69) and of GAN generators built and compiled by a builder function
that returns them (Deep-Learning-Quick-Reference's Chapter 13, audit R43);
kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_GAN = """
import numpy as np
from keras.layers import Activation, Dense, Input
from keras.models import Model


def build_generator():
    z = Input((100,))
    return Model(z, Activation("tanh")(Dense(784)(z)))


def build_discriminator():
    img = Input((784,))
    return Model(img, Dense(1, activation="sigmoid")(Dense(128, activation="relu")(img)))


def build_models():
    discriminator = build_discriminator()
    discriminator.compile(loss="binary_crossentropy", optimizer="adam")
    generator = build_generator()
    generator.compile(loss="binary_crossentropy", optimizer="adam"){marker}
    z = Input((100,))
    discriminator.trainable = False
    combined = Model(z, discriminator(generator(z)))
    combined.compile(loss="binary_crossentropy", optimizer="adam")
    return generator, discriminator, combined


def train(generator, discriminator, combined, real, steps=100):
    for _ in range(steps):
        noise = np.random.normal(0, 1, (32, 100))
        fake = generator.predict(noise)
        discriminator.train_on_batch(real, np.ones((32, 1)))
        discriminator.train_on_batch(fake, np.zeros((32, 1)))
        combined.train_on_batch(noise, np.ones((32, 1)))
{tail}
"""

GAN_INVALID = [
    # the layers named through ``keras = tf.keras`` (Lornatang/TensorFlow2-tutorials, R74)
    Invalid(
        """
        import tensorflow as tf

        keras = tf.keras
        base = tf.keras.applications.MobileNetV2(include_top=False, weights="imagenet")
        model = tf.keras.Sequential([base, tf.keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)])
        model.compile(optimizer="rmsprop", loss="binary_crossentropy")  # error: LF402 at `loss=`
        model.fit(train_batches, epochs=10)
        """
    ),
    # an upsampling after the ReLU head keeps its values (gmihaila/ml_things'
    # FCN notebook, audit R69)
    Invalid(
        """
        from keras.layers import Conv2D, Conv2DTranspose, Input, MaxPooling2D, UpSampling2D
        from keras.models import Model

        model_input = Input(shape=(228, 228, 3))
        x = Conv2D(32, 3, activation="relu", padding="same")(model_input)
        x = MaxPooling2D(pool_size=(2, 2))(x)
        x = Conv2DTranspose(1, 3, activation="relu", padding="same")(x)
        model_output = UpSampling2D(size=(2, 2))(x)
        model = Model([model_input], model_output)
        model.compile(loss="binary_crossentropy", optimizer="adam")  # error: LF402 at `loss=`
        """
    ),
    # the generator is fit on its own compiled loss
    Invalid(
        _GAN.format(
            marker="  # error: LF402",
            tail="\n\ngenerator, discriminator, combined = build_models()\n"
            "generator.fit(np.random.rand(32, 100), np.random.rand(32, 784))\n",
        )
    ),
]

GAN_VALID = [
    # the builder's results unpacked into other names, whose uses (a function
    # that only predicts with the generator) are followed too
    _GAN.format(
        marker="",
        tail="\n\ng, d, c = build_models()\ntrain(g, d, c, np.random.rand(32, 784))\n",
    ),
    # each factory's local is named `model`; the generator, returned as `gen`,
    # only predicts and trains inside `gan` (amingolnari/Deep-Learning-Course, R74)
    """
    import numpy as np
    from keras.layers import Activation, Dense
    from keras.models import Sequential

    def generator():
        model = Sequential()
        model.add(Dense(784, input_shape=[100]))
        model.add(Activation("tanh"))
        model.compile(loss="binary_crossentropy", optimizer="adam")
        return model

    def discriminator():
        model = Sequential()
        model.add(Dense(1, input_shape=[784], activation="sigmoid"))
        model.compile(loss="binary_crossentropy", optimizer="adam")
        return model

    dis = discriminator()
    gen = generator()
    gan = Sequential()
    gan.add(gen)
    gan.add(dis)
    gan.compile(loss="binary_crossentropy", optimizer="adam")
    for it in range(100):
        noise = np.random.uniform(-1, 1, size=[32, 100])
        fake = gen.predict(noise)
        dis.train_on_batch(np.concatenate([real, fake]), labels)
        gan.train_on_batch(noise, np.ones(32))
    """,
    # trained only through the combined model, the builder's results unpacked
    # into the names it returns
    _GAN.format(
        marker="",
        tail="\n\ndef main():\n    generator, discriminator, combined = build_models()\n"
        "    train(generator, discriminator, combined, np.random.rand(32, 784))\n",
    ),
]
