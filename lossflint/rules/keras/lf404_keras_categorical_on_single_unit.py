"""LF404 keras-categorical-on-single-unit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    layer_evidence,
    loss_text,
    output_related,
    short,
    uses,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


#: a Keras model factory called twice, the second time for one sigmoid unit
_FACTORY = """
from tensorflow import keras
from tensorflow.keras import layers

def make_model(n_classes=10, head_activation="softmax"):
    inputs = keras.Input(shape=(32,))
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(n_classes, activation=head_activation)(x)
    return keras.Model(inputs, outputs)

model = make_model()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
binary = make_model(n_classes=1, head_activation="sigmoid")
binary.compile(optimizer="adam", loss="{loss}"){marker}
"""


class CategoricalOnSingleUnit(Rule):
    code = "LF404"
    name = "keras-categorical-on-single-unit"
    severity = Severity.ERROR
    summary = "categorical cross-entropy on a one-unit output: the loss is constant"
    needs = NEEDS
    what = """
Flags `categorical_crossentropy` / `sparse_categorical_crossentropy` (string,
class or function) on a model whose output layer has a single unit, and
TensorFlow's `tf.nn.(sparse_)softmax_cross_entropy_with_logits` given such a
model's output as `logits` in a custom loop.
"""
    why = """
Categorical cross-entropy compares a distribution over classes. Over one unit
Keras renormalises the output to 1.0 and the loss is identically 0 (or, for the
sparse loss on a linear unit, log-softmax of one value is 0): nothing trains.
TensorFlow's softmax cross-entropy does the same over the last axis: the
softmax of one logit is 1 whatever the logit.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
    model.compile(loss="categorical_crossentropy")   # error: LF404 (the loss is always 0)
    model.fit(x_train, y_train)
    model.compile(loss="binary_crossentropy")        # OK
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")
    """
    references = (
        (
            "Keras: BinaryCrossentropy",
            "https://keras.io/api/losses/probabilistic_losses/#binarycrossentropy-class",
        ),
        (
            "Keras: CategoricalCrossentropy",
            "https://keras.io/api/losses/probabilistic_losses/#categoricalcrossentropy-class",
        ),
    )
    fix_safety = "There is no automatic fix: use `binary_crossentropy` with a sigmoid output."
    INVALID = [
        # one factory, two calls: each call's literals give its own model
        Invalid(
            _FACTORY.format(loss="categorical_crossentropy", marker="  # error: LF404 at `loss=`")
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(8, activation='relu'),
                layers.Dense(1, activation='sigmoid')])
            model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])  # error: LF404 at `loss=`
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense
            import keras
            model = Sequential()
            model.add(Dense(1, activation='sigmoid'))
            model.compile(loss=keras.losses.categorical_crossentropy)  # error: LF404 at `loss=`
            """,
        ),
        Invalid(
            """
            import keras
            from keras import layers
            inp = keras.Input(shape=(3,))
            out = layers.Dense(1)(inp)
            model = keras.Model(inputs=inp, outputs=out)
            model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # error: LF404 at `loss=`
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense
            model = Sequential()
            model.add(Dense(64, input_dim=20, activation='relu'))
            if use_hidden:
                model.add(Dense(32, activation='relu'))
            model.add(Dense(1, activation='sigmoid'))
            model.compile(loss='categorical_crossentropy', optimizer='adam')  # error: LF404 at `loss=`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(1,))])
            def train_step(features, labels):
                with tf.GradientTape() as tape:
                    logits = model(features)
                    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))  # error: LF404 at `tf.nn.softmax_cross_entropy_with_logits`
                return tape.gradient(loss, model.trainable_variables)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(1,))])
            strategy = tf.distribute.MirroredStrategy()
            def train_step(dist_inputs):
                def step_fn(inputs):
                    features, labels = inputs
                    logits = model(features)
                    cross_entropy = tf.nn.softmax_cross_entropy_with_logits(  # error: LF404 at `tf.nn.softmax_cross_entropy_with_logits`
                        logits=logits, labels=labels)
                    return tf.reduce_sum(cross_entropy)
                return strategy.run(step_fn, args=(dist_inputs,))
            """,
        ),
    ]
    VALID = [
        # the same factory, the one-unit call compiled with a binary loss
        _FACTORY.format(loss="binary_crossentropy", marker=""),
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(2, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1)])
        model.compile(loss='mse')
        """,
        # units unknown
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(n_classes, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        """,
        # the output is a model we cannot see
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1), backbone])
        model.compile(loss='categorical_crossentropy')
        """,
        # a different model object is compiled
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        a = keras.Sequential([layers.Dense(1)])
        b = keras.Sequential([layers.Dense(5, activation='softmax')])
        b.compile(loss='categorical_crossentropy')
        """,
        # one logit per token, flattened: the softmax runs over the token
        # positions (a span-extraction head; dimitreOliveira/Tweet-Sentiment-
        # Extraction, audit R34)
        """
        from tensorflow.keras import layers, losses, Model
        MAX_LEN = 96
        hidden = layers.Input(shape=(MAX_LEN, 768))
        x = layers.Dense(1)(hidden)
        x = layers.Flatten()(x)
        y_start = layers.Activation('softmax', name='y_start')(x)
        model = Model(hidden, y_start)
        model.compile('adam', loss=losses.CategoricalCrossentropy())
        """,
        # a softmax over another axis: one score per time step, normalised
        # over the steps (pointer networks, attention pooling)
        """
        import tensorflow as tf
        scorer = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        def loss_fn(x, target):
            scores = scorer(x)
            return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=scores, axis=1)
        """,
        # a sigmoid cross-entropy on one logit is the right loss
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        def loss_fn(x, y):
            return tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=model(x))
        """,
        # the logits of several one-unit models put side by side: two classes
        """
        import tensorflow as tf
        a = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        b = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        def loss_fn(x, y):
            logits = tf.concat([a(x), b(x)], axis=-1)
            return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in uses(model):
            if use.loss.name in apis.CATEGORICAL_LOSSES and head.units == 1 and head.dense:
                yield Finding(
                    use.report,
                    f"{loss_text(model, use)} on a one-unit output "
                    f"({layer_evidence(model, head.dense)}): the loss is constant and nothing "
                    "trains; use `binary_crossentropy` with a sigmoid output",
                    related=output_related(head),
                )
        facts = K.keras_facts(model)
        for fact in facts.tf_losses if facts.relevant else ():
            one = _one_unit_logits(fact)
            if one is not None and one.dense:
                yield Finding(
                    fact.call,
                    f"`{short(model, fact.call.func, 60)}(...)` on a one-unit output "
                    f"({layer_evidence(model, one.dense)}): the softmax of one logit is "
                    "always 1, the loss is constant and nothing trains; use "
                    "`tf.nn.sigmoid_cross_entropy_with_logits` for one output",
                    related=output_related(one),
                )


def _one_unit_logits(fact: K.TfCrossEntropy) -> K.Head | None:
    """The one-unit head of the model whose output is ``fact``'s softmax
    logits, normalised over their last axis."""
    if not fact.softmax_over_last_axis:
        return None
    logits = fact.logits
    if not isinstance(logits, K.KTensor) or logits.model is None or logits.predicted:
        return None
    head = logits.model.head()
    return head if head is not None and head.units == 1 else None
