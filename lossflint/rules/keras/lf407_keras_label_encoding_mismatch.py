"""LF407 keras-label-encoding-mismatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    loss_text,
    uses,
)
from lossflint.rules.keras.lf407_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class LabelEncodingMismatch(Rule):
    code = "LF407"
    name = "keras-label-encoding-mismatch"
    severity = Severity.ERROR
    summary = "one-hot labels with a sparse loss, or integer labels with `categorical_crossentropy`"
    needs = NEEDS
    what = """
Flags `sparse_categorical_crossentropy` when the labels handed to `fit` (or to
the loss in a custom loop) are one-hot (`to_categorical`, `tf.one_hot`), and
`categorical_crossentropy` when they are integer class labels (from a
`keras.datasets` loader, or `argmax` of one-hot labels), within one file. The
labels of a `compile` are those of the fits of that model that follow it in
program order (cell order in a notebook), up to the model's next `compile`; a
compile no fit follows is not judged.
"""
    why = """
The sparse loss expects one integer per sample, the dense one a distribution per
sample. The wrong pairing fails in `fit` with a shape error, or (with labels of
shape `(N, 1)`) silently computes a wrong loss.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    y_train = keras.utils.to_categorical(y_train, 10)

    model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")  # error: LF407
    model.fit(x_train / 255.0, y_train)

    fixed = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
    fixed.compile(loss="categorical_crossentropy")  # OK: one-hot labels
    fixed.fit(x_train / 255.0, y_train)
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    y_train = keras.utils.to_categorical(y_train, 10)

    model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy")
    model.fit(x_train / 255.0, y_train)
    """
    references = (
        (
            "Keras: SparseCategoricalCrossentropy",
            "https://keras.io/api/losses/probabilistic_losses/#sparsecategoricalcrossentropy-class",
        ),
        (
            "Keras: to_categorical",
            "https://keras.io/api/utils/python_utils/#tocategorical-function",
        ),
    )
    fix_safety = "There is no automatic fix: change the loss or the label encoding, not both."
    INVALID = [
        # the labels reach fit inside a tf.data dataset of (x, y) pairs
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras

            def to_dataset(x, y, batch_size=128):
                return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000).batch(batch_size)

            (x_train, y_train), _ = keras.datasets.mnist.load_data()
            y_train_oh = keras.utils.to_categorical(y_train, 10)
            model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # error: LF407
            model.fit(to_dataset(x_train / 255.0, y_train_oh), epochs=4)
            """
        ),
        # the one-hot labels go through scikit-learn's split first (a forum snippet)
        Invalid(
            """
            from sklearn.model_selection import train_test_split
            from tensorflow import keras
            from tensorflow.keras.utils import to_categorical

            y = to_categorical(digits.target, num_classes=10)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # error: LF407 at `loss=`
            model.fit(X_train, y_train, epochs=30)
            """
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            (x, y), _ = keras.datasets.mnist.load_data()
            y = keras.utils.to_categorical(y, 10)
            model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
            model.compile(loss='sparse_categorical_crossentropy')  # error: LF407 at `loss=`
            model.fit(x / 255.0, y)
            """,
        ),
        Invalid(
            """
            from keras.datasets import cifar10
            from keras.models import Sequential
            from keras.layers import Flatten, Dense
            (x_train, y_train), (x_test, y_test) = cifar10.load_data()
            x_train = x_train.astype('float32') / 255
            model = Sequential()
            model.add(Flatten())
            model.add(Dense(10, activation='softmax'))
            model.compile(optimizer='adam', loss='categorical_crossentropy')  # error: LF407 at `loss=`
            model.fit(x_train, y_train, epochs=5)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
            loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            def step(x, labels):
                y = tf.one_hot(labels, 10)
                return loss_fn(y, model(x))  # error: LF407 at `loss_fn(`
            """,
        ),
        # the one-hot labels reach this compile's fit; the next compile's fit is another one
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            (x, labels), _ = keras.datasets.mnist.load_data()
            model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
            model.compile(loss='sparse_categorical_crossentropy')  # error: LF407 at `loss=`
            model.fit(x / 255.0, keras.utils.to_categorical(labels))
            model.compile(loss='sparse_categorical_crossentropy')
            model.fit(x / 255.0, labels)
            """,
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        # a dataset of integer labels for the sparse loss
        """
        import tensorflow as tf
        from tensorflow import keras

        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        ds = tf.data.Dataset.from_tensor_slices((x_train / 255.0, y_train)).batch(32)
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(ds, epochs=4)
        """,
        # the integer labels come after the one-hot fit, and no fit follows this
        # compile (fchollet's Reuters notebooks: the sparse loss as the alternative)
        """
        import numpy as np
        from tensorflow import keras
        from keras.utils import to_categorical

        train_labels = np.random.randint(0, 46, size=1000)
        x_train = np.random.rand(1000, 100).astype("float32")

        y_train = to_categorical(train_labels)
        model = keras.Sequential([keras.layers.Dense(46, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, y_train, epochs=1)

        y_train = train_labels
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
        model.compile(loss='sparse_categorical_crossentropy')
        model.fit(x / 255.0, y)
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        y = keras.utils.to_categorical(y)
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        model.fit(x / 255.0, y)
        """,
        # labels re-encoded in one branch only: unknown
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        if one_hot:
            y = keras.utils.to_categorical(y)
        model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        model.fit(x / 255.0, y)
        """,
        # one-hot back to indices
        """
        import numpy as np
        from tensorflow import keras
        from tensorflow.keras import layers
        y = keras.utils.to_categorical(labels)
        idx = np.argmax(y, axis=1)
        model = keras.Sequential([layers.Dense(10, activation='softmax')])
        model.compile(loss='sparse_categorical_crossentropy')
        model.fit(x, idx)
        """,
        # labels from somewhere we cannot see
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(10, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        model.fit(x, load_labels())
        """,
        *AUDIT_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for use, head in uses(model):
            labels = use.labels
            if not isinstance(labels, K.Labels) or labels.predicted or head.units == 1:
                continue
            name = use.loss.name
            if name == "sparse_categorical_crossentropy" and labels.encoding == "onehot":
                problem = "the labels are one-hot"
                advice = "use `categorical_crossentropy` or integer labels"
            elif name in ("categorical_crossentropy", "categorical_focal_crossentropy") and (
                labels.encoding == "int"
            ):
                problem = "the labels are integer class indices"
                advice = "use `sparse_categorical_crossentropy` or one-hot the labels"
            else:
                continue
            yield Finding(
                use.report,
                f"{loss_text(model, use)} but {problem} (line {model.line_of(labels.origin)}); "
                f"{advice}",
                related=(RelatedNode("the labels", labels.origin),),
            )
