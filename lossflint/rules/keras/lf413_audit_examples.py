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
model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(14, activation="softmax")])
{scale}
model.compile(optimizer="sgd", loss="{loss}", metrics=["accuracy"])
model.fit(X_train, {labels}, epochs=30)
"""

AUDIT_INVALID = [
    Invalid(
        _OCCUPATION.format(
            scale="y_train = y_train / y_train.max()  # error: LF413",
            loss="sparse_categorical_crossentropy",
            labels="y_train",
        )
    ),
    Invalid(
        _OCCUPATION.format(
            scale="y_max = y_train.max()\ny_train, y_test = y_train / y_max, y_test / y_max  # error: LF413",
            loss="sparse_categorical_crossentropy",
            labels="y_train",
        )
    ),
]

AUDIT_VALID = [
    # cast back to integers (coarser classes), divided by 1, floor-divided
    _OCCUPATION.format(
        scale="y_train = (y_train / 2).astype(int)",
        loss="sparse_categorical_crossentropy",
        labels="y_train",
    ),
    _OCCUPATION.format(
        scale="y_train = y_train / 1",
        loss="sparse_categorical_crossentropy",
        labels="y_train",
    ),
    # soft labels normalised to sum to 1, for the dense cross-entropy
    _OCCUPATION.format(
        scale="y_train = y_train / y_train.sum(axis=1, keepdims=True)",
        loss="categorical_crossentropy",
        labels="y_train",
    ),
    # a regression target scaled, trained with MSE; masks of 0/255 scaled for BCE
    _OCCUPATION.format(
        scale="y_train = y_train / 99.0", loss="mse", labels="y_train"
    ),
    _OCCUPATION.format(
        scale="y_train = y_train / 255.0", loss="binary_crossentropy", labels="y_train"
    ),
    # the divided labels never reach the fit
    _OCCUPATION.format(
        scale="y_frac = y_train / y_train.max()",
        loss="sparse_categorical_crossentropy",
        labels="y_train",
    ),
]
