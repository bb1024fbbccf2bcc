"""LF401 keras-from-logits-on-probabilities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import apis
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    layer_evidence,
    loss_text,
    output_related,
    uses,
)
from lossflint.rules.keras.heads_examples import LF401_INVALID, LF401_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


#: a subclassed model whose base is the project's own ``keras.Model`` subclass
_BASE_CLASS = """
from tensorflow import keras
from tensorflow.keras import layers


class Model(keras.Model):
    def my_summary(self, shape):
        x = keras.layers.Input(shape=shape)
        return keras.Model(inputs=x, outputs=self.call(x)).summary()


class ConvNet(Model):
    def __init__(self):
        super().__init__()
        self.pool = layers.GlobalAveragePooling2D()
        self.classifier = layers.Dense({head})

    def call(self, inputs):
        return self.classifier(self.pool(inputs))


model = ConvNet()
model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True)){marker}
"""


class FromLogitsOnProbabilities(Rule):
    code = "LF401"
    name = "keras-from-logits-on-probabilities"
    severity = Severity.ERROR
    summary = "`from_logits=True` on a model whose last layer already applies softmax/sigmoid"
    fix_kind = "unsafe"
    needs = NEEDS
    what = """
Flags a Keras cross-entropy loss built with `from_logits=True`
(`CategoricalCrossentropy`, `SparseCategoricalCrossentropy`, `BinaryCrossentropy`,
the focal variants, or the loss functions) used on a model whose last layer has a
softmax or sigmoid activation: `compile(loss=...)` of that model, or a loss object
called on the model's output in a custom training loop.
"""
    why = """
`from_logits=True` tells the loss to apply softmax/sigmoid itself. On outputs that
already are probabilities the activation is applied twice: the predicted
distribution is squashed towards uniform, gradients shrink and the model
trains slowly or not at all, with no error.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # error: LF401
    model.fit(x_train, y_train)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy())                  # OK
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    """
    references = (
        (
            "Keras: SparseCategoricalCrossentropy",
            "https://keras.io/api/losses/probabilistic_losses/#sparsecategoricalcrossentropy-class",
        ),
    )
    fix_safety = """
Unsafe: the fix sets `from_logits=False`, which changes what is computed (it is
what the model needs). Removing the activation from the last layer instead is
equally right (and numerically better); choose one.
"""
    INVALID = [
        *LF401_INVALID,
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(64, activation='relu'),
                layers.Dense(10, activation='softmax')])
            model.compile(optimizer='adam',
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # error: LF401 at `loss=`
            """,
            fixed="""
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(64, activation='relu'),
                layers.Dense(10, activation='softmax')])
            model.compile(optimizer='adam',
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False))  # error: LF401 at `loss=`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            inp = tf.keras.Input(shape=(20,))
            h = tf.keras.layers.Dense(32, activation='relu')(inp)
            out = tf.keras.layers.Dense(1, activation=tf.nn.sigmoid)(h)
            model = tf.keras.Model(inputs=inp, outputs=out)
            bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
            model.compile('adam', loss=bce, metrics=['accuracy'])  # error: LF401 at `loss=`
            """,
        ),
        Invalid(
            """
            import keras
            from keras import layers
            model = keras.Sequential()
            model.add(layers.Dense(10))
            model.add(layers.Softmax())
            loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
            opt = keras.optimizers.Adam()
            def train_step(x, y):
                probs = model(x, training=True)
                return loss_fn(y, probs)  # error: LF401 at `loss_fn(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.keras import layers

            class Net(tf.keras.Model):
                def __init__(self):
                    super().__init__()
                    self.hidden = layers.Dense(64, activation='relu')
                    self.out = layers.Dense(10, activation='softmax')
                def call(self, x):
                    return self.out(self.hidden(x))

            net = Net()
            net.compile(loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))  # error: LF401 at `loss=`
            """,
        ),
        # the loss function with its flag bound by ``functools.partial``
        Invalid(
            """
            from functools import partial
            import tensorflow as tf

            cce = partial(tf.keras.losses.categorical_crossentropy, from_logits=True)
            model = tf.keras.Sequential([
                tf.keras.layers.Dense(64, activation="relu"),
                tf.keras.layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss=cce)  # error: LF401 at `loss=`
            """,
        ),
        # a list named ``layers`` next to ``keras.layers``: the attribute is no
        # use of the list
        Invalid(
            """
            from tensorflow import keras

            layers = [keras.layers.Flatten(input_shape=(28, 28))]
            for units in (128, 64):
                layers.append(keras.layers.Dense(units, activation="relu"))
            layers.append(keras.layers.Dense(10, activation="softmax"))
            model = keras.Sequential(layers=layers)
            model.compile(
                optimizer="adam",
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),  # error: LF401
            )
            """,
        ),
        # a subclassed model reached through the project's own base class
        # (a summary helper on ``keras.Model``, audit s224)
        Invalid(_BASE_CLASS.format(head='1, activation="sigmoid"', marker="  # error: LF401")),
    ]
    VALID = [
        *LF401_VALID,
        # the same base class, a logit head
        _BASE_CLASS.format(head="1", marker=""),
        # ... on a model that ends in logits
        """
        from functools import partial
        import tensorflow as tf

        cce = partial(tf.keras.losses.categorical_crossentropy, from_logits=True)
        model = tf.keras.Sequential([
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(10),
        ])
        model.compile(optimizer="adam", loss=cce)
        """,
        # one unit under a categorical loss is LF404's finding
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1, activation='softmax')])
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """,
        # softmax + from_logits=False (the default)
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10, activation='softmax')])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=False))
        """,
        # linear + from_logits=True: the right pairing
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10)])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
        # the last layer is a pretrained model we cannot see
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        base = keras.applications.ResNet50(weights=None, classes=10)
        base.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
        # different models in branches: unknown
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        if cfg.probs:
            model = keras.Sequential([layers.Dense(10, activation='softmax')])
        else:
            model = keras.Sequential([layers.Dense(10)])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
        # a custom activation function we cannot read
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10, activation=my_act)])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
        # softmax over a non-last axis (attention), then a linear head
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Softmax(axis=1), layers.Dense(10)])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
        # from_logits from a variable
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10, activation='softmax')])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=args.logits))
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in uses(model):
            loss = use.loss
            if head.activation not in apis.PROBABILITY_ACTIVATIONS:
                continue
            if loss.name not in apis.CE_LOSSES or loss.from_logits is not True:
                continue
            if loss.name in apis.CATEGORICAL_LOSSES and head.units == 1:
                continue  # LF404: a categorical loss over one unit is the bug
            fix = None
            arg = loss.from_logits_arg
            if arg is not None:
                fix = FixSpec(
                    Applicability.UNSAFE,
                    "set `from_logits=False`",
                    (NodeEdit(arg.value, "False"),),
                )
            yield Finding(
                use.report,
                f"{loss_text(model, use)} has `from_logits=True` but the model already ends in "
                f"{head.activation} ({layer_evidence(model, head.activation_layer)}): the "
                "activation is applied twice; use `from_logits=False` or drop the activation",
                fix=fix,
                related=output_related(head, loss=loss),
            )
