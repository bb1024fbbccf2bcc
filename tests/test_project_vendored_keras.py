"""A project that ships its own Keras package (Riashat's active-learning
repository vendors Keras 0.3.1, whose ``Convolution2D`` is channels-first by
default, audit s235): Keras 1's ``Convolution2D`` with a ``(1, 28, 28)`` input
shape is not known to be channels-last there. The same script in a project
using the installed Keras keeps LF411 (held-out H13 p11)."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_SCRIPT = """
from keras.models import Sequential
from keras.layers import Convolution2D, Dense, Flatten

model = Sequential()
model.add(Convolution2D(32, 3, 3, border_mode="valid", input_shape=(1, 28, 28)))
model.add(Flatten())
model.add(Dense(10, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adadelta")
model.fit(X_train, Y_train, nb_epoch=10)
"""


def test_a_vendored_keras_leaves_the_ordering_unknown(tmp_path: Path) -> None:
    files = {
        "keras/__init__.py": "",
        "keras/layers/__init__.py": "",
        "train.py": _SCRIPT,
    }
    found = project_findings(tmp_path, files)
    assert not [f for f in found if f[2] == "LF411"]


def test_the_installed_keras_reads_it_as_today(tmp_path: Path) -> None:
    found = project_findings(tmp_path, {"train.py": _SCRIPT})
    assert ("train.py", 6, "LF411") in found


def test_a_keras_package_one_folder_down_counts_too(tmp_path: Path) -> None:
    """``ConvNets/keras`` beside the scripts' folder: installed from the repository."""
    files = {
        "ConvNets/keras/__init__.py": "",
        "experiments/train.py": _SCRIPT,
    }
    found = project_findings(tmp_path, files)
    assert not [f for f in found if f[2] == "LF411"]
