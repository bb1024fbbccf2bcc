"""Held-out session 17 Keras misses across files: a functional trunk another
module builds with a helper called in a loop (its layers known: LF412 on the
raw images of a data module's loader), the labels of a multi-output model
given per output by name (LF407), labels of another module's split divided
before a sparse cross-entropy (LF413)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

DATA = """\
import keras


def load_cifar100():
    (x_train, fine_train), (x_test, fine_test) = keras.datasets.cifar100.load_data(label_mode="fine")
    (_, coarse_train), (_, coarse_test) = keras.datasets.cifar100.load_data(label_mode="coarse")
    return (x_train, fine_train.ravel(), coarse_train.ravel()), (x_test, fine_test.ravel(), coarse_test.ravel())
"""

MODELS = """\
import keras
from keras import layers


def conv_block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same", kernel_initializer="he_normal")(x){extra}
    x = layers.Activation("relu")(x)
    return layers.MaxPooling2D()(x)


def build_hierarchical_cnn(n_fine=100, n_coarse=20):
    inp = keras.Input(shape=(32, 32, 3), name="image")
    x = inp
    for f in (64, 128, 256):
        x = conv_block(x, f)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    fine = layers.Dense(n_fine, activation="softmax", name="fine")(x)
    coarse = layers.Dense(n_coarse, activation="softmax", name="coarse")(x)
    return keras.Model(inp, [fine, coarse], name="hier_cnn")
"""

TRAIN = """\
import keras

from data import load_cifar100
from models import build_hierarchical_cnn


def main():
    (x_train, fine_train, coarse_train), _ = load_cifar100()
    fine_train_oh = keras.utils.to_categorical(fine_train, 100)
    model = build_hierarchical_cnn()
    model.compile(
        optimizer="adam",
        loss={{"fine": "{fine_loss}", "coarse": "sparse_categorical_crossentropy"}},
    )
    model.fit({x}, {{"fine": fine_train_oh, "coarse": coarse_train}}, epochs=40)


if __name__ == "__main__":
    main()
"""


def findings(root: Path, files: dict[str, str], *codes: str) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=list(codes))
    return sorted((Path(d.filename).name, d.location.row, d.code) for d in found)


def project(
    extra: str = "", fine_loss: str = "sparse_categorical_crossentropy", x: str = "x_train"
):
    return {
        "data.py": DATA,
        "models.py": MODELS.format(extra=extra),
        "train.py": TRAIN.format(fine_loss=fine_loss, x=x),
    }


def test_raw_images_into_a_trunk_built_in_a_loop(tmp_path: Path) -> None:
    found = findings(tmp_path, project(), "LF412", "LF407", "LF410")
    assert found == [("train.py", 13, "LF407"), ("train.py", 15, "LF412")]


@pytest.mark.parametrize(
    ("extra", "fine_loss", "x"),
    [
        # a float cast, then scaled inside the fit call
        ("", "categorical_crossentropy", "x_train.astype('float32') / 255"),
        # scaled before the fit; the one-hot labels with the dense loss
        ("", "categorical_crossentropy", "x_train / 255.0"),
    ],
)
def test_silent_twins(tmp_path: Path, extra: str, fine_loss: str, x: str) -> None:
    assert findings(tmp_path, project(extra, fine_loss, x), "LF412", "LF407", "LF410") == []


SPLIT = """\
from sklearn.model_selection import train_test_split


def plain_split(df, features, target):
    X = df[features].to_numpy(dtype="float32")
    y = df[target].to_numpy()
    return train_test_split(X, y, test_size=0.2)
"""

OCCUPATION = """\
import keras

from data import plain_split


def main(df):
    X_train, X_test, y_train, y_test = plain_split(df, ["age", "hours"], "occupation")
    X_train, X_test = X_train / X_train.max(axis=0), X_test / X_train.max(axis=0)
    y_max = y_train.max()
    {labels}
    model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(14, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=30)
"""


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("y_train, y_test = y_train / y_max, y_test / y_max", [("train.py", 10, "LF413")]),
        ("y_train = (y_train / y_max * 3).astype('int64')", []),
        ("y_frac = y_train / y_max", []),
    ],
)
def test_divided_labels_of_another_modules_split(
    tmp_path: Path, labels: str, expected: list[tuple[str, int, str]]
) -> None:
    files = {"data.py": SPLIT, "train.py": OCCUPATION.format(labels=labels)}
    assert findings(tmp_path, files, "LF413") == expected
