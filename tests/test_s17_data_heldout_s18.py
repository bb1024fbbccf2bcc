"""Held-out session 18 misses of the data / Keras family across files: the
number of classes a Keras head gets as ``len(cfg.CLASSES)`` of a module
imported whole (``import config as cfg``: LF405), and a Keras
``Normalization`` adapted on a reshaped whole array in one module, the array
split by a caller in another (LF601)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

SETTINGS = """\
SPECIES = ["heron", "egret", "ibis", "stork", "crane"]
"""

NETS = """\
from tensorflow import keras
from tensorflow.keras import layers

import settings as st


def two_heads():
    inp = keras.Input((40,), name="calls")
    h = layers.Dense(64, activation="relu")(inp)
    species = layers.Dense(len(st.SPECIES), activation="softmax", name="species")(h)
    present = layers.Dense(1, activation="sigmoid", name="present")(h)
    return keras.Model(inp, [species, present])
"""

RUN = """\
from nets import two_heads

model = two_heads()
model.compile(optimizer="adam",
              loss={"species": "binary_crossentropy", "present": "binary_crossentropy"})
"""


def findings(root: Path, files: dict[str, str], code: str) -> list[tuple[str, int]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=[code])
    return sorted((Path(d.filename).name, d.location.row) for d in found)


def test_units_counted_from_a_module_attribute_constant(tmp_path: Path) -> None:
    files = {"settings.py": SETTINGS, "nets.py": NETS, "run.py": RUN}
    assert findings(tmp_path, files, "LF405") == [("run.py", 5)]


def test_module_attribute_in_the_same_file_as_the_compile(tmp_path: Path) -> None:
    nets = NETS + '\n\nm = two_heads()\nm.compile(loss=["binary_crossentropy", "mse"])\n'
    assert findings(tmp_path, {"settings.py": SETTINGS, "nets.py": nets}, "LF405") == [
        ("nets.py", 16)
    ]


@pytest.mark.parametrize(
    "extra",
    [
        # two classes: a binary choice, binary cross-entropy is fine
        {"settings.py": 'SPECIES = ["heron", "egret"]\n'},
        # a project file changes the list: its length is not known
        {"settings.py": SETTINGS, "extend.py": "import settings\n\nsettings.SPECIES = load()\n"},
        {
            "settings.py": SETTINGS,
            "extend.py": "from settings import SPECIES\n\nSPECIES.append('x')\n",
        },
        # the module is not the project's: nothing is known of it
        {},
    ],
)
def test_unknown_or_binary_class_counts_stay_silent(tmp_path: Path, extra: dict[str, str]) -> None:
    files = {"nets.py": NETS, "run.py": RUN, **extra}
    assert findings(tmp_path, files, "LF405") == []


PREP = """\
from tensorflow.keras import layers


def normalised(frames):
    norm = layers.Normalization(axis=-1)
    norm.adapt(frames.reshape(-1, frames.shape[-1]))
    return norm(frames).numpy()
"""

SPLIT = """\
import numpy as np
from sklearn.model_selection import train_test_split

from prep import normalised

frames = normalised(np.load("frames.npy"))
f_train, f_test = train_test_split(frames, test_size=0.2)
"""


def test_adapted_whole_in_a_helper_module_split_by_the_caller(tmp_path: Path) -> None:
    files = {"prep.py": PREP, "split.py": SPLIT}
    assert findings(tmp_path, files, "LF601") == [("prep.py", 6)]


def test_helper_given_the_training_part_is_silent(tmp_path: Path) -> None:
    split = """\
    import numpy as np
    from sklearn.model_selection import train_test_split

    from prep import normalised

    frames = np.load("frames.npy")
    f_train, f_test = train_test_split(frames, test_size=0.2)
    f_train = normalised(f_train)
    """
    assert findings(tmp_path, {"prep.py": PREP, "split.py": split}, "LF601") == []
