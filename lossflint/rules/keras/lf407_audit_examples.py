"""LF407 examples of a multi-output model's labels given per output (held-out
session 17, p09 and p12); kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_TWO_HEADS = """
import keras
from keras import layers

inp = keras.Input(shape=(32, 32, 3))
x = layers.GlobalAveragePooling2D()(layers.Conv2D(32, 3)(inp))
fine = layers.Dense(100, activation="softmax", name="fine")(x)
coarse = layers.Dense(20, activation="softmax", name="coarse")(x)
model = keras.Model(inp, [fine, coarse])
(x_train, fine_train), _ = keras.datasets.cifar100.load_data(label_mode="fine")
(_, coarse_train), _ = keras.datasets.cifar100.load_data(label_mode="coarse")
fine_oh = keras.utils.to_categorical(fine_train, 100)
model.compile(optimizer="adam", loss={losses}){mark}
model.fit(x_train / 255.0, {labels}, epochs=5)
"""

_SPARSE = '"sparse_categorical_crossentropy"'
_DENSE = '"categorical_crossentropy"'


def _two_heads(losses: str, labels: str, mark: str = "") -> str:
    """The two-head CIFAR-100 model compiled with ``losses``, fitted on ``labels``."""
    return _TWO_HEADS.format(losses=losses, labels=labels, mark=mark)


def _by_name(fine: str, coarse: str) -> str:
    return f'{{"fine": {fine}, "coarse": {coarse}}}'


def _in_order(fine: str, coarse: str) -> str:
    return f"[{fine}, {coarse}]"


AUDIT_INVALID = [
    # one-hot labels for the `fine` output, given by output name
    Invalid(
        _two_heads(
            _by_name(_SPARSE, _SPARSE),
            _by_name("fine_oh", "coarse_train"),
            mark='  # error: LF407 at `"sparse_categorical_crossentropy", "coarse"`',
        )
    ),
    # ... or as a list in the order of the outputs
    Invalid(
        _two_heads(
            _in_order(_DENSE, _DENSE),
            _in_order("fine_oh", "coarse_train"),
            mark='  # error: LF407 at `"categorical_crossentropy"]`',
        )
    ),
    # a dict of every output's labels, each sliced by a comprehension
    Invalid(
        """
        import keras
        import numpy as np
        from keras import layers

        inp = keras.Input(shape=(9,), name="features")
        h = layers.Dense(64, activation="relu")(inp)
        income = layers.Dense(1, activation="sigmoid", name="income")(h)
        occupation = layers.Dense(14, activation="softmax", name="occupation")(h)
        model = keras.Model(inp, [income, occupation])
        y_occ = keras.utils.to_categorical(occupations, 14)
        targets = {"income": y_income, "occupation": y_occ}
        model.compile(
            optimizer="adam",
            loss={"income": "binary_crossentropy", "occupation": "sparse_categorical_crossentropy"},  # error: LF407 at `"sparse_categorical_crossentropy"`
        )
        model.fit(X[idx_tr], {k: v[idx_tr] for k, v in targets.items()}, epochs=10)
        """
    ),
]

AUDIT_VALID = [
    # each output gets the encoding its loss takes
    _two_heads(_by_name(_DENSE, _SPARSE), _by_name("fine_oh", "coarse_train")),
    # a key that names no output: which labels go where is not known
    _two_heads(_by_name(_SPARSE, _SPARSE), '{"fine_labels": fine_oh, "coarse": coarse_train}'),
    # fewer labels than outputs; the labels of two fits that disagree
    _two_heads(_in_order(_SPARSE, _SPARSE), "[fine_oh]"),
    _two_heads(
        _in_order(_SPARSE, _SPARSE),
        "[fine_train, coarse_train])\nmodel.fit(x_train, [fine_oh, coarse_train]",
    ),
]
