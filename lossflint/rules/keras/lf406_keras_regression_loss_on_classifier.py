"""LF406 keras-regression-loss-on-classifier."""

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
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class RegressionLossOnClassifier(Rule):
    code = "LF406"
    name = "keras-regression-loss-on-classifier"
    severity = Severity.WARNING
    summary = "regression loss (`mse`/`mae`) on a classifier, or accuracy with a regression loss"
    needs = NEEDS
    what = """
Flags `mse`/`mae` (and the other regression losses: `mape`, `msle`, `huber`,
`log_cosh`) on a model with a softmax output, or with a sigmoid output trained
on class labels of the file (dataset labels, `to_categorical`); and a
regression loss compiled with `metrics=["accuracy"]`.
"""
    why = """
A squared error on probabilities is a poor classification objective (weak
gradients when the model is confidently wrong), and accuracy of a regression
output compares floats to labels: a meaningless number that looks like a metric.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(10, activation="softmax")])
    model.compile(loss="mse", metrics=["accuracy"])                       # error: LF406
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])  # OK
    """
    fix_safety = (
        "There is no automatic fix: pick a cross-entropy loss, or drop the accuracy metric."
    )
    INVALID = [
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(64, activation='relu'),
                layers.Dense(10, activation='softmax')])
            model.compile(optimizer='sgd', loss='mean_squared_error')  # error: LF406 at `loss=`
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([layers.Dense(1)])
            model.compile(optimizer='adam', loss='mse', metrics=['accuracy'])  # error: LF406 at `loss=`
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
    VALID = [
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
        # regression with a tolerance metric, not accuracy
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1)])
        model.compile(loss='huber', metrics=[keras.metrics.RootMeanSquaredError()])
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for use in facts.loss_uses():
            if use.loss.name not in apis.KERAS_REGRESSION_LOSSES:
                continue
            head = use.model.head() if use.model is not None else None
            labels = use.labels
            reason = None
            if head is not None and head.activation == "softmax" and head.units != 1:
                reason = (
                    f"the model ends in softmax ({layer_evidence(model, head.activation_layer)})"
                )
            elif (
                head is not None
                and head.activation == "sigmoid"
                and isinstance(labels, K.Labels)
                and not labels.predicted
            ):
                reason = (
                    f"the model ends in sigmoid ({layer_evidence(model, head.activation_layer)}) "
                    "and is trained on class labels"
                )
            elif use.compile is not None and set(use.compile.metrics) & apis.ACCURACY_METRICS:
                yield Finding(
                    use.report,
                    f"{loss_text(model, use)} is a regression loss but the model is compiled "
                    "with an accuracy metric: accuracy of a regression output is meaningless",
                )
                continue
            if reason is not None:
                yield Finding(
                    use.report,
                    f"{loss_text(model, use)} is a regression loss on a classifier: {reason}; "
                    "use a cross-entropy loss",
                    related=output_related(head) if head is not None else (),
                )
