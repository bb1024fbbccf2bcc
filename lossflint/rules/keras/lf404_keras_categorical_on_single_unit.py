"""LF404 keras-categorical-on-single-unit."""

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


class CategoricalOnSingleUnit(Rule):
    code = "LF404"
    name = "keras-categorical-on-single-unit"
    severity = Severity.ERROR
    summary = "categorical cross-entropy on a one-unit output: the loss is constant"
    needs = NEEDS
    what = """
Flags `categorical_crossentropy` / `sparse_categorical_crossentropy` (string,
class or function) on a model whose output layer has a single unit.
"""
    why = """
Categorical cross-entropy compares a distribution over classes. Over one unit
Keras renormalises the output to 1.0 and the loss is identically 0 (or, for the
sparse loss on a linear unit, log-softmax of one value is 0): nothing trains.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
    model.compile(loss="categorical_crossentropy")   # error: LF404 (the loss is always 0)
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
    ]
    VALID = [
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
