"""LF413 examples of labels of any origin divided before a loss that takes
class indices (held-out session 17, p09); kept apart so the rule module stays
small."""

from __future__ import annotations

from lossflint.examples import Invalid

_OCCUPATION = """
import keras
from sklearn.model_selection import train_test_split

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
X_train, X_test = X_train / X_train.max(axis=0), X_test / X_train.max(axis=0)
model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense({classes}, activation="softmax")])
{scale}
model.compile(optimizer="sgd", loss="{loss}", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=30)
"""


def _occupation(
    scale: str, loss: str = "sparse_categorical_crossentropy", classes: int = 14
) -> str:
    """The occupation classifier, its labels changed by ``scale`` before ``loss``."""
    return _OCCUPATION.format(scale=scale, loss=loss, classes=classes)


AUDIT_INVALID = [
    Invalid(_occupation("y_train = y_train / y_train.max()  # error: LF413")),
    Invalid(
        _occupation(
            "y_max = y_train.max()\ny_train, y_test = y_train / y_max, y_test / y_max  # error: LF413"
        )
    ),
]

AUDIT_VALID = [
    # cast back to integers (coarser classes), divided by 1
    _occupation("y_train = (y_train / 2).astype(int)"),
    _occupation("y_train = y_train / 1"),
    # soft labels normalised to sum to 1, for the dense cross-entropy
    _occupation(
        "y_train = y_train / y_train.sum(axis=1, keepdims=True)", loss="categorical_crossentropy"
    ),
    # a regression target scaled, trained with MSE; masks of 0/255 scaled for BCE
    _occupation("y_train = y_train / 99.0", loss="mse"),
    _occupation("y_train = y_train / 255.0", loss="binary_crossentropy"),
    # two classes: labels 0/255 (a mask's) or 0/1 divided by their maximum are
    # 0 and 1 still, the classes the sparse loss casts them back to
    _occupation("y_train = y_train / 255.0", classes=2),
    _occupation("y_train = y_train / y_train.max()", classes=2),
    # the divided labels never reach the fit
    _occupation("y_frac = y_train / y_train.max()"),
]
