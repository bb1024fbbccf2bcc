"""LF413 labels-scaled-like-inputs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.pixels import pixel_facts
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import NEEDS, loss_text, short
from lossflint.rules.keras.lf413_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class LabelsScaledLikeInputs(Rule):
    code = "LF413"
    name = "labels-scaled-like-inputs"
    severity = Severity.ERROR
    summary = "class labels divided or normalised like the inputs"
    needs = (*NEEDS, "torchvision")
    what = """
Flags a statement that divides class labels (from a `keras.datasets` loader, or
one-hot labels) like pixels (`y_train / 255`, `y_train /= 255`) or fits a scaler
on them (`StandardScaler().fit_transform(y_train)`), when those labels reach
`fit` (or a loss) of a model trained with a classification loss, also through
a `tf.data` dataset to a loss object in a custom loop. Labels of any origin
divided by something other than 1 (`y_train / y_train.max()`) and given as they
are to `fit` under `sparse_categorical_crossentropy`, which takes class indices
only, are flagged too (an `astype`, rounding or `//` on the way: silent). A loader
helper of another project module that scales the labels it returns is reported
there, at the scaling statement, when a caller trains a classifier on them.

PyTorch loops too: the labels of those loaders or of a torchvision data set
(`.targets`), followed like LF412's pixels (`torch.tensor`, `.long()`,
`TensorDataset`, `DataLoader`, ...) to the target of `cross_entropy`/`nll_loss`
(or their loss classes). `y // k` (coarser classes) is no scaling.
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
        # another fit of the same model on a pipeline whose labels are unknown
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(10, activation="softmax")])
            model.compile("adam", "sparse_categorical_crossentropy")
            model.fit(pipeline, epochs=1)
            (x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
            x_train, y_train = x_train / 255.0, y_train / 255.0  # error: LF413 at `x_train`
            model.fit(x_train, y_train)
            """,
        ),
        # a custom training loop over a tf.data dataset
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras
            (x, y), _ = keras.datasets.mnist.load_data()
            x, y = x / 255.0, y / 255.0  # error: LF413 at `x, y`
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)
            model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
            loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            for xb, yb in ds:
                with tf.GradientTape() as tape:
                    loss = loss_fn(yb, model(xb, training=True))
            """,
        ),
        # a PyTorch loop: `.long()` truncates the fractions to class 0
        Invalid(
            """
            import torch
            from torch import nn
            from torch.utils.data import DataLoader, TensorDataset
            from tensorflow import keras
            (x, y), _ = keras.datasets.mnist.load_data()
            x, y = x / 255.0, y / 255.0  # error: LF413 at `x, y`
            ds = TensorDataset(torch.tensor(x).float(), torch.tensor(y).long())
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
            criterion = nn.CrossEntropyLoss()
            for xb, yb in DataLoader(ds, batch_size=64, shuffle=True):
                criterion(model(xb), yb).backward()
            """,
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        # a PyTorch loop: only the inputs are scaled
        """
        import torch
        import torch.nn.functional as F
        from torch import nn
        from torchvision import datasets
        train = datasets.MNIST("data", train=True)
        X, Y = train.data.float() / 255, train.targets
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        for xb, yb in zip(X.split(64), Y.split(64)):
            F.cross_entropy(model(xb), yb).backward()
        """,
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
        *AUDIT_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        seen: set[cst.CSTNode] = set()
        facts = K.keras_facts(model)
        for use in facts.loss_uses() if facts.relevant else ():
            if use.loss.name not in apis.CE_LOSSES:
                continue
            # each fit on its own: scaled labels in one are a bug whatever another fits on
            for labels in facts.labels_of(use):
                if not isinstance(labels, (K.ScaledLabels, K.Divided)) or labels.far is not None:
                    continue  # scaled in another module: reported there
                if labels.statement in seen:
                    continue
                if isinstance(labels, K.ScaledLabels):
                    seen.add(labels.statement)
                    yield _finding(
                        model,
                        labels.statement,
                        labels.labels.origin,
                        use.report,
                        loss_text(model, use),
                    )
                elif use.loss.name == K.SPARSE_CE and not K.two_classes(use):
                    seen.add(labels.statement)
                    yield _divided(labels.statement, loss_text(model, use), use.report)
        for statement, used, where in facts.scaled_for_callers() if facts.relevant else ():
            if statement not in seen:
                seen.add(statement)
                yield Finding(
                    statement,
                    "labels scaled here are returned to a caller that trains a classifier "
                    f"on them (`{used}` at {where}): they become fractions, not classes; "
                    "scale only the inputs",
                )
        for loss, scaled in pixel_facts(model).scaled_label_losses():
            if scaled.statement not in seen:
                seen.add(scaled.statement)
                yield _finding(
                    model,
                    scaled.statement,
                    scaled.labels.origin,
                    loss,
                    f"`{short(model, loss.func, 60)}`",
                )


def _divided(statement: cst.CSTNode, loss_name: str, loss: cst.CSTNode) -> Finding:
    return Finding(
        statement,
        f"the labels are divided here and then trained with {loss_name}, which takes "
        "integer class indices: they become fractions (cast back to the wrong classes); "
        "scale only the inputs",
        related=(RelatedNode("the loss", loss),),
    )


def _finding(
    model: SemanticModel,
    statement: cst.CSTNode,
    origin: cst.CSTNode,
    loss: cst.CSTNode,
    loss_name: str,
) -> Finding:
    return Finding(
        statement,
        f"class labels are scaled like inputs here (labels from line {model.line_of(origin)}) "
        f"and then trained with {loss_name}: they become fractions, not classes; scale only "
        "the inputs",
        related=(RelatedNode("the loss", loss),),
    )
