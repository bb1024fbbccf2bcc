"""LF409 keras-categorical-on-sigmoid."""

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
from lossflint.rules.keras.heads_examples import LF409_INVALID, LF409_VALID
from lossflint.rules.keras.lf409_helper_examples import HELPER_INVALID, HELPER_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class CategoricalOnSigmoid(Rule):
    code = "LF409"
    name = "keras-categorical-on-sigmoid"
    severity = Severity.WARNING
    summary = "categorical cross-entropy on a multi-unit sigmoid output"
    needs = NEEDS
    what = """
Flags `categorical_crossentropy` / `sparse_categorical_crossentropy` (string,
class or function, `from_logits=False`) on a model whose output is a sigmoid
over more than one unit.
"""
    why = """
Categorical cross-entropy assumes the outputs sum to 1. Independent sigmoids do
not: Keras renormalises them and the loss pushes every unit up together. For
multi-label targets use `binary_crossentropy`; for one label per sample use a
softmax output.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
    model.compile(loss="categorical_crossentropy")   # error: LF409
    model.fit(x_train, y_train)
    model.compile(loss="binary_crossentropy")        # OK: multi-label
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")
    """
    references = (
        (
            "Keras: BinaryCrossentropy",
            "https://keras.io/api/losses/probabilistic_losses/#binarycrossentropy-class",
        ),
    )
    fix_safety = "There is no automatic fix: the choice depends on single- vs multi-label targets."
    INVALID = [
        *LF409_INVALID,
        *HELPER_INVALID,
        # one sigmoid logit per token, flattened: independent sigmoids over the
        # positions under a categorical loss (Tweet-Sentiment-Extraction, R34)
        Invalid(
            """
            from tensorflow.keras import layers, losses, Model
            hidden = layers.Input(shape=(96, 768))
            x = layers.Flatten()(layers.Dense(1)(hidden))
            y_start = layers.Activation('sigmoid', name='y_start')(x)
            model = Model(hidden, y_start)
            model.compile('adam', loss=losses.CategoricalCrossentropy())  # error: LF409 at `loss=`
            """,
        ),
        # a unit count not known here: with one unit the loss is identically 0
        # (LF404's case), with more it is this one (H11 p20: `tags.shape[1]`)
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(n_labels, activation='sigmoid')])
            model.compile(loss='categorical_crossentropy')  # error: LF409 at `loss=`
            """,
        ),
        # the same, but the second model is evaluated after its compile
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.keras import layers, losses
            model = tf.keras.Sequential([layers.Dense(3)])
            model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(x, y)
            export_model = tf.keras.Sequential([preprocess, model, layers.Activation('softmax')])
            export_model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=False))
            export_model.evaluate(x_test, y_test)
            export_model = tf.keras.Sequential([vectorize, model, layers.Activation('sigmoid')])
            export_model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=False))  # error: LF409 at `loss=`
            export_model.evaluate(x_test, y_test)
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(64, activation='relu'),
                layers.Dense(10, activation='sigmoid')])
            model.compile(loss='categorical_crossentropy', optimizer='adam')  # error: LF409 at `loss=`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            inp = tf.keras.Input(shape=(30,))
            out = tf.keras.layers.Dense(6, activation=tf.keras.activations.sigmoid)(inp)
            model = tf.keras.Model(inp, out)
            model.compile(loss=tf.keras.losses.CategoricalCrossentropy())  # error: LF409 at `loss=`
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense, Activation
            model = Sequential()
            model.add(Dense(4))
            model.add(Activation('sigmoid'))
            model.compile('adam', loss='categorical_crossentropy')  # error: LF409 at `loss=`
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense
            def build(sizes, deep):
                model = Sequential()
                for units in sizes:  # may not run: the earlier layers are unknown
                    model.add(Dense(units, activation='relu'))
                if deep:
                    model.add(Dense(32, activation='relu'))
                model.add(Dense(10, activation='sigmoid'))  # every path ends here
                model.compile(loss='categorical_crossentropy', optimizer='adam')  # error: LF409 at `loss=`
                return model
            """,
        ),
    ]
    VALID = [
        *LF409_VALID,
        *HELPER_VALID,
        # the branches end with different layers: the head is unknown
        """
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(64, activation='relu'))
        if multi_label:
            model.add(Dense(10, activation='sigmoid'))
        else:
            model.add(Dense(10, activation='softmax'))
        model.compile(loss='categorical_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10, activation='sigmoid')])
        model.compile(loss='binary_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy')
        """,
        # the second `export_model` is compiled, then only predicts: its loss
        # never runs; the `evaluate` above read the first model of that name
        # (tensorflow/docs text.ipynb, R30)
        """
        import tensorflow as tf
        from tensorflow.keras import layers, losses
        model = tf.keras.Sequential([layers.Dense(3)])
        model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y)
        export_model = tf.keras.Sequential([preprocess, model, layers.Activation('softmax')])
        export_model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=False))
        export_model.evaluate(x_test, y_test)
        export_model = tf.keras.Sequential([vectorize, model, layers.Activation('sigmoid')])
        export_model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=False))
        scores = export_model.predict(inputs)
        """,
        # from_logits=True on sigmoid is LF401's finding, not this one
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10, activation='sigmoid')])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in uses(model):
            if (
                use.loss.name in apis.CATEGORICAL_LOSSES
                and use.loss.from_logits is False
                and head.activation == "sigmoid"
                and (head.units is None or head.units > 1)
            ):
                if head.units is not None:
                    what = f"{head.units} independent sigmoid outputs"
                    harm = "the loss assumes they sum to 1"
                else:
                    # the builder's unit count differs between its calls: one
                    # unit makes the loss constant (LF404), several do not sum to 1
                    what = "sigmoid output"
                    harm = (
                        "the loss assumes a softmax over the classes (constant on one unit, "
                        "wrong on several independent ones)"
                    )
                yield Finding(
                    use.report,
                    f"{loss_text(model, use)} on {what} "
                    f"({layer_evidence(model, head.activation_layer)}): {harm}; "
                    "use `binary_crossentropy` (multi-label) or softmax (single label)",
                    related=output_related(head),
                )
