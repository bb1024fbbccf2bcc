"""LF405 keras-binary-loss-on-multiclass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import apis
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    layer_evidence,
    loss_text,
    output_related,
    uses,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class BinaryLossOnMulticlass(Rule):
    code = "LF405"
    name = "keras-binary-loss-on-multiclass"
    severity = Severity.WARNING
    summary = "`binary_crossentropy` on a softmax output with more than 2 units"
    # a pasted snippet names neither framework, but its loss
    needs = (*NEEDS, "binary_crossentropy", "BinaryCrossentropy")
    what = """
Flags `binary_crossentropy` (string, class or function, and the focal variant)
on a model whose output is a softmax over more than two units.
"""
    why = """
Binary cross-entropy treats every unit as an independent yes/no problem, while a
softmax output is one categorical choice: the objective is not the one the model
was built for. With tf.keras 2, `metrics=["accuracy"]` then silently becomes
binary accuracy, which is inflated (about 0.8 at chance level for 5 classes).
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(5, activation="softmax")])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])       # error: LF405
    model.fit(x_train, y_train)
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])  # OK
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(5, activation="softmax")])
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    """
    references = (
        (
            "Keras: CategoricalCrossentropy",
            "https://keras.io/api/losses/probabilistic_losses/#categoricalcrossentropy-class",
        ),
        ("Keras: accuracy metrics", "https://keras.io/api/metrics/accuracy_metrics/"),
    )
    fix_safety = "There is no automatic fix: use `categorical_crossentropy` (or sigmoid outputs for multi-label)."
    INVALID = [
        # Keras 2.0-2.2's import path of the functional Model (dipanjanS' transfer
        # learning notebooks, audit R43)
        Invalid(
            """
            from keras.engine import Model
            from keras.layers import Dense, Input

            inputs = Input((512,))
            x = Dense(256, activation="relu")(inputs)
            model = Model(inputs, Dense(10, activation="softmax")(x))
            model.compile(loss="binary_crossentropy", optimizer="adam")  # error: LF405
            """
        ),
        # the number of units counted from a tuple of class names (held-out s16 p09)
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            CLASSES = ("world", "sports", "business", "tech")
            model = keras.Sequential([layers.Dense(64, activation="relu"),
                                      layers.Dense(len(CLASSES), activation="softmax")])
            model.compile(loss="binary_crossentropy", metrics=["accuracy"])  # error: LF405 at `loss=`
            """
        ),
        # a pasted snippet that starts at `model.add(...)` (Stack Overflow 42081257)
        Invalid(
            """
            model.add(Flatten())
            model.add(Dense(256, activation="relu"))
            model.add(Dense(10))
            model.add(Activation("softmax"))
            model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])  # error: LF405 at `loss=`
            """
        ),
        # the loss's name kept in a module-level constant
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            LOSS = "binary_crossentropy"

            def build():
                model = keras.Sequential([
                    layers.Dense(64, activation="relu"),
                    layers.Dense(5, activation="softmax"),
                ])
                model.compile(optimizer="adam", loss=LOSS)  # error: LF405 at `loss=LOSS`
                return model
            """
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(32, activation='relu'),
                layers.Dense(5, activation='softmax')])
            model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])  # error: LF405 at `loss=`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            inp = tf.keras.Input(shape=(10,))
            out = tf.keras.layers.Dense(4, activation=tf.keras.activations.softmax)(inp)
            model = tf.keras.Model(inp, out)
            model.compile(loss=tf.keras.losses.BinaryCrossentropy())  # error: LF405 at `loss=`
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense, Activation
            model = Sequential()
            model.add(Dense(3))
            model.add(Activation('softmax'))
            model.compile('rmsprop', 'binary_crossentropy')  # error: LF405 at `'binary_crossentropy'`
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            stack = [layers.Flatten()]
            for units in (256, 128):
                stack.append(layers.Dense(units, activation='relu'))
            stack.extend([layers.Dropout(0.3), layers.Dense(5, activation='softmax')])
            model = keras.Sequential(stack)
            model.compile(loss='binary_crossentropy', optimizer='adam')  # error: LF405 at `loss=`
            """,
        ),
    ]
    VALID = [
        # ... two names: a two-unit softmax is a binary choice; a list may grow
        # before the model is built, so its length is not known
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        CLASSES = ("negative", "positive")
        TAGS = ["a", "b", "c"]
        TAGS.extend(extra_tags)
        binary = keras.Sequential([layers.Dense(len(CLASSES), activation="softmax")])
        binary.compile(loss="binary_crossentropy")
        tagger = keras.Sequential([layers.Dense(len(TAGS), activation="softmax")])
        tagger.compile(loss="binary_crossentropy")
        """,
        # `model` bound by a call the file does not know: not a fresh Sequential
        """
        model = load_pretrained("base")
        model.add(Dense(10))
        model.add(Activation("softmax"))
        model.compile(loss="binary_crossentropy", optimizer="adam")
        """,
        # a call may change the list: its last layer is unknown
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        stack = [layers.Flatten(), layers.Dense(5, activation='softmax')]
        add_binary_head(stack)
        model = keras.Sequential(stack)
        model.compile(loss='binary_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(5, activation='sigmoid')])
        model.compile(loss='binary_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(2, activation='softmax')])
        model.compile(loss='binary_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(5, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy', metrics=['accuracy'])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(k, activation='softmax')])
        model.compile(loss='binary_crossentropy')
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in uses(model):
            if (
                use.loss.name in apis.BINARY_LOSSES
                and head.activation == "softmax"
                and head.units is not None
                and head.units > 2
                and head.dense is not None
            ):
                yield Finding(
                    use.report,
                    f"{loss_text(model, use)} on a softmax over {head.units} classes "
                    f"({layer_evidence(model, head.dense)}): each class is scored as an "
                    "independent binary problem; use `categorical_crossentropy` (or, for "
                    "multi-label targets, a sigmoid output)",
                    related=output_related(head),
                )
