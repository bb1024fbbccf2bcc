"""LF402 keras-probability-loss-on-non-probabilities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras import fixes
from lossflint.rules.keras.common import (
    NEEDS,
    layer_evidence,
    loss_text,
    output_related,
    uses,
)
from lossflint.rules.keras.heads_examples import LF402_INVALID, LF402_VALID
from lossflint.rules.keras.lf402_gan_examples import GAN_INVALID, GAN_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


_STEP = """
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

class Clf(keras.Model):
    def __init__(self):
        super().__init__()
        self.fc = layers.Dense(64, activation="relu")
        self.out = layers.Dense(10)
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy({logits})

    def call(self, x, training=False):
        return self.out(self.fc(x))

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            logits = self(x, training=True)
            loss = self.loss_fn(y, logits){marker}
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {{"loss": loss}}
"""


class ProbabilityLossOnNonProbabilities(Rule):
    code = "LF402"
    name = "keras-probability-loss-on-non-probabilities"
    severity = Severity.ERROR
    summary = (
        "cross-entropy with `from_logits=False` on a model whose last layer is not softmax/sigmoid"
    )
    fix_kind = "unsafe"
    needs = NEEDS
    what = """
Flags a Keras cross-entropy loss that expects probabilities (a string loss such as
`"categorical_crossentropy"`, or a loss class/function with the default
`from_logits=False`) used on a model whose last layer is linear (no activation)
or has a non-probability activation (`relu`, `tanh`, `elu`, ...).
"""
    why = """
With `from_logits=False` Keras treats the outputs as probabilities: it clips them
to `[eps, 1 - eps]` (and renormalises categorical outputs). Negative or large
scores are clipped, where the gradient is zero: the loss is wrong and whole
regions of the output space stop learning.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10)])
    model.compile(loss="sparse_categorical_crossentropy")                             # error: LF402
    model.fit(x_train, y_train)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # OK
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    """
    references = (
        ("Keras: probabilistic losses", "https://keras.io/api/losses/probabilistic_losses/"),
    )
    fix_safety = """
Unsafe, and offered only for loss classes on a linear output: it sets
`from_logits=True`. For `relu`/`tanh` outputs the right fix is a softmax/sigmoid
activation (or no activation and `from_logits=True`), which is left to you.
"""
    INVALID = [
        # a recurrent layer last: its output is tanh (Deep-Learning-with-
        # TensorFlow-and-Keras' peephole LSTM, audit R49)
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Embedding(1000, 64), layers.LSTM(10)])
            model.compile(loss="categorical_crossentropy", optimizer="adam")  # error: LF402 at `loss=`
            model.fit(x, y)
            """
        ),
        *GAN_INVALID,
        *LF402_INVALID,
        # the loss a subclassed model keeps, called in its own train_step (H12 p11)
        Invalid(_STEP.format(logits="", marker="  # error: LF402 at `self.loss_fn(`")),
        Invalid(
            """
            import keras
            from keras import layers
            model = keras.Sequential([layers.Dense(4, activation='relu'), layers.Dense(1)])
            model.compile(loss=keras.losses.BinaryCrossentropy(False))  # error: LF402 at `loss=`
            """,
            fixed="""
            import keras
            from keras import layers
            model = keras.Sequential([layers.Dense(4, activation='relu'), layers.Dense(1)])
            model.compile(loss=keras.losses.BinaryCrossentropy(True))  # error: LF402 at `loss=`
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(64, activation='relu'),
                layers.Dense(10)])
            model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')  # error: LF402 at `loss=`
            """,
        ),
        Invalid(
            """
            import keras
            from keras import layers
            inp = keras.Input(shape=(8,))
            out = layers.Dense(1)(layers.Dense(16, activation='relu')(inp))
            model = keras.Model(inp, out)
            model.compile(loss=keras.losses.BinaryCrossentropy())  # error: LF402 at `loss=`
            """,
            fixed="""
            import keras
            from keras import layers
            inp = keras.Input(shape=(8,))
            out = layers.Dense(1)(layers.Dense(16, activation='relu')(inp))
            model = keras.Model(inp, out)
            model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))  # error: LF402 at `loss=`
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense
            model = Sequential()
            model.add(Dense(32, input_dim=8, activation='relu'))
            model.add(Dense(3, activation='relu'))
            model.compile(loss='categorical_crossentropy', optimizer='sgd')  # error: LF402 at `loss=`
            """,
        ),
        # an identity Activation after a linear Dense: still logits
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            inp = keras.Input(shape=(32,))
            h = layers.Dense(5, name='scores')(layers.Dense(64, activation='relu')(inp))
            out = layers.Activation('linear', dtype='float32')(h)
            clf = keras.Model(inp, out)
            clf.compile(loss='sparse_categorical_crossentropy', optimizer='adam')  # error: LF402 at `loss=`
            """,
        ),
        # the tanh generator is handed to a helper of another module: it may be fit there
        Invalid(
            """
            from keras.layers import Dense
            from keras.models import Sequential
            from gan_utils import train_alone
            gen = Sequential([Dense(64, input_dim=16), Dense(256, activation='tanh')])
            critic = Sequential([Dense(1, input_dim=256, activation='sigmoid')])
            stacked = Sequential([gen, critic])
            gen.compile(loss='binary_crossentropy', optimizer='adam')  # error: LF402 at `loss=`
            stacked.compile(loss='binary_crossentropy', optimizer='adam')
            train_alone(gen)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='tanh')])
            cce = tf.keras.losses.CategoricalCrossentropy()
            for x, y in ds:
                with tf.GradientTape() as tape:
                    loss = cce(y, model(x))  # error: LF402 at `cce(`
            """,
        ),
    ]
    VALID = [
        # a recurrent layer last with a sigmoid of its own
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Embedding(1000, 64), layers.GRU(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(x, y)
        """,
        *GAN_VALID,
        *LF402_VALID,
        # ... with from_logits=True
        _STEP.format(logits="from_logits=True", marker=""),
        # fully convolutional segmentation with a per-pixel softmax
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        inp = keras.Input(shape=(64, 64, 3))
        x = layers.Conv2D(16, 3, padding='same', activation='relu')(inp)
        out = layers.Conv2D(4, 1, activation='softmax')(x)
        model = keras.Model(inp, out)
        model.compile(loss='sparse_categorical_crossentropy')
        """,
        # one unit under a categorical loss is LF404's finding
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1)])
        model.compile(loss='sparse_categorical_crossentropy')
        """,
        # linear + from_logits=True
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10)])
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """,
        # softmax + from_logits=False
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10, activation='softmax')])
        model.compile(loss='sparse_categorical_crossentropy')
        """,
        # Dense(1, sigmoid) + binary_crossentropy
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy', metrics=['accuracy'])
        """,
        # a trailing Activation layer sets the output
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10), layers.Activation('softmax')])
        model.compile(loss='categorical_crossentropy')
        """,
        # mixed-precision pattern: float32 softmax layer after a linear Dense
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10), layers.Activation('softmax', dtype='float32')])
        model.compile(loss='categorical_crossentropy')
        """,
        # mixed precision: an identity ``Activation('linear', dtype='float32')``
        # (or ``Activation(None)``) after the softmax only casts the probabilities
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        inp = keras.Input(shape=(32,))
        h = layers.Dense(5, name='scores')(layers.Dense(64, activation='relu')(inp))
        probs = layers.Activation('softmax', name='probs')(h)
        out = layers.Activation('linear', dtype='float32')(probs)
        clf = keras.Model(inp, out)
        clf.compile(loss='sparse_categorical_crossentropy', optimizer='adam')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(3, activation='softmax'), layers.Activation(None)])
        model.compile(loss='categorical_crossentropy')
        """,
        # a GAN generator compiled but trained only through the stacked model
        # (its own loss never runs): only predict and the stacked model use it
        """
        from keras.layers import Dense
        from keras.models import Sequential

        def stack(first, second):
            both = Sequential()
            both.add(first)
            both.add(second)
            return both

        gen = Sequential([Dense(64, input_dim=16), Dense(256, activation='tanh')])
        critic = Sequential([Dense(1, input_dim=256, activation='sigmoid')])
        stacked = stack(gen, critic)
        gen.compile(loss='binary_crossentropy', optimizer='adam')
        stacked.compile(loss='binary_crossentropy', optimizer='adam')
        critic.compile(loss='binary_crossentropy', optimizer='adam')
        for _ in range(10):
            fakes = gen.predict(noise())
            critic.train_on_batch(fakes, zeros)
            critic.trainable = False
            stacked.train_on_batch(noise(), ones)
            critic.trainable = True
        gen.save_weights('gen.h5')
        """,
        # regression loss on a linear output
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1)])
        model.compile(loss='mse')
        """,
        # a pretrained base we cannot see, no head of ours
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([keras.applications.MobileNetV2(weights=None)])
        model.compile(loss='categorical_crossentropy')
        """,
        # a custom layer at the end
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10), MyNormaliser()])
        model.compile(loss='categorical_crossentropy')
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in uses(model):
            loss = use.loss
            if head.activation in apis.PROBABILITY_ACTIVATIONS:
                continue
            if loss.name not in apis.CE_LOSSES or loss.from_logits is not False:
                continue
            if loss.name in apis.CATEGORICAL_LOSSES and head.units == 1:
                continue  # LF404: a categorical loss over one unit is the bug
            fix = None
            if (
                head.activation == "linear"
                and loss.style == "class"
                and isinstance(loss.node, cst.Call)
            ):
                edit = (
                    NodeEdit(loss.from_logits_arg.value, "True")
                    if loss.from_logits_arg is not None  # ``BinaryCrossentropy(False)``
                    else NodeEdit(loss.node, fixes.set_keyword(loss.node, "from_logits", "True"))
                )
                fix = FixSpec(Applicability.UNSAFE, "set `from_logits=True`", (edit,))
            what = (
                "has no activation (its outputs are logits)"
                if head.activation == "linear"
                else f"ends in {head.activation}, not probabilities"
            )
            advice = (
                "pass `from_logits=True`"
                if head.activation == "linear"
                else "use a softmax/sigmoid output (or none, with `from_logits=True`)"
            )
            yield Finding(
                use.report,
                f"{loss_text(model, use)} expects probabilities but the model "
                f"{what} ({layer_evidence(model, head.activation_layer)}); {advice}",
                fix=fix,
                related=output_related(head, loss=loss),
            )
