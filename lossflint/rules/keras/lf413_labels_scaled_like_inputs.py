"""LF413 labels-scaled-like-inputs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    loss_text,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class LabelsScaledLikeInputs(Rule):
    code = "LF413"
    name = "labels-scaled-like-inputs"
    severity = Severity.ERROR
    summary = "class labels divided or normalised like the inputs"
    needs = NEEDS
    what = """
Flags a statement that divides class labels (from a `keras.datasets` loader, or
one-hot labels) like pixels (`y_train / 255`, `y_train /= 255`) or fits a scaler
on them (`StandardScaler().fit_transform(y_train)`), when those labels reach
`fit` (or a loss) of a model trained with a classification loss.
"""
    why = """
Labels are class indices or one-hot vectors. Divided by 255 they become small
fractions: the sparse loss truncates them to class 0, the dense loss gets
targets that do not sum to 1. The model learns the wrong classes, with no error.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    x_train, y_train = x_train / 255.0, y_train / 255.0   # error: LF413 (the labels too)
    # OK: x_train = x_train / 255.0
    model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    x_train = x_train / 255.0
    model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    """
    references = (
        ("Keras: MNIST dataset", "https://keras.io/api/datasets/mnist/"),
        (
            "Keras: SparseCategoricalCrossentropy",
            "https://keras.io/api/losses/probabilistic_losses/#sparsecategoricalcrossentropy-class",
        ),
    )
    fix_safety = "There is no automatic fix: scale only the inputs."
    INVALID = [
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            (x_train, y_train), _ = keras.datasets.mnist.load_data()
            x_train, y_train = x_train / 255.0, y_train / 255.0  # error: LF413 at `x_train`
            model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
            model.compile(loss='sparse_categorical_crossentropy')
            model.fit(x_train, y_train)
            """,
        ),
        Invalid(
            """
            from keras.datasets import cifar10
            from keras.models import Sequential
            from keras.layers import Flatten, Dense
            from keras.utils import to_categorical
            (x_train, y_train), _ = cifar10.load_data()
            x_train = x_train / 255
            y_train = to_categorical(y_train, 10)
            y_train /= 255  # error: LF413 at `y_train`
            model = Sequential()
            model.add(Flatten())
            model.add(Dense(10, activation='softmax'))
            model.compile(loss='categorical_crossentropy')
            model.fit(x_train, y_train)
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            from sklearn.preprocessing import MinMaxScaler
            (x, y), _ = keras.datasets.fashion_mnist.load_data()
            scaler = MinMaxScaler()
            y = scaler.fit_transform(y.reshape(-1, 1))  # error: LF413 at `y`
            model = keras.Sequential([layers.Flatten(), layers.Dense(10)])
            model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(x / 255.0, y)
            """,
        ),
    ]
    VALID = [
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        x = x / 255.0
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
        model.compile(loss='sparse_categorical_crossentropy')
        model.fit(x, y)
        """,
        # regression targets may be scaled
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.boston_housing.load_data()
        y = y / 50.0
        model = keras.Sequential([layers.Dense(1)])
        model.compile(loss='mse')
        model.fit(x, y)
        """,
        # scaled labels that never reach fit
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        frac = y / 9.0
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
        model.compile(loss='sparse_categorical_crossentropy')
        model.fit(x / 255.0, y)
        """,
        # 1-based to 0-based labels
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        y = y - 1
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
        model.compile(loss='sparse_categorical_crossentropy')
        model.fit(x / 255.0, y)
        """,
        # a regression loss on purpose (ordinal target)
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        y = y / 9.0
        model = keras.Sequential([layers.Flatten(), layers.Dense(1)])
        model.compile(loss='mse')
        model.fit(x / 255.0, y)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        seen: set[cst.CSTNode] = set()
        for use in facts.loss_uses():
            labels = use.labels
            if not isinstance(labels, K.ScaledLabels) or use.loss.name not in apis.CE_LOSSES:
                continue
            statement = labels.statement
            if statement in seen:
                continue
            seen.add(statement)
            yield Finding(
                statement,
                "class labels are scaled like inputs here (labels from line "
                f"{model.line_of(labels.labels.origin)}) and then trained with "
                f"{loss_text(model, use)}: they become fractions, not classes; scale only "
                "the inputs",
                related=(RelatedNode("the loss", use.report),),
            )
