"""Held-out session 16 misses across files: the number of classes a Keras
factory's head gets as ``len(CLASSES)`` of another module's constant (LF405),
and the model output / labels of a Hugging Face trainer's ``compute_loss`` in
a subclass of a project base trainer (LF604)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lossflint import lint_paths

DATA = """\
CLASSES = ["World", "Sports", "Business", "Sci/Tech"]
"""

MODELS = """\
from tensorflow import keras
from tensorflow.keras import layers


def char_cnn(max_len, n_classes):
    model = keras.Sequential(name="char_cnn")
    model.add(layers.Conv1D(256, 7, activation="relu", input_shape=(max_len, 1)))
    model.add(layers.GlobalMaxPooling1D())
    model.add(layers.Dense(n_classes, activation="softmax"))
    return model
"""

TRAIN = """\
from tensorflow import keras

from data import CLASSES
from models import char_cnn

model = char_cnn(1014, len(CLASSES))
model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
"""


def findings(root: Path, files: dict[str, str], code: str) -> list[tuple[str, int]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=[code])
    return [(Path(d.filename).name, d.location.row) for d in found]


def test_units_counted_from_another_modules_constant(tmp_path: Path) -> None:
    files = {"data.py": DATA, "models.py": MODELS, "train.py": TRAIN}
    assert findings(tmp_path, files, "LF405") == [("train.py", 7)]


def test_constant_changed_by_a_project_file_is_not_counted(tmp_path: Path) -> None:
    extend = "from data import CLASSES\n\nCLASSES.append('Other')\n"
    files = {"data.py": DATA, "models.py": MODELS, "train.py": TRAIN, "extend.py": extend}
    assert findings(tmp_path, files, "LF405") == []


def test_two_classes_are_a_binary_choice(tmp_path: Path) -> None:
    files = {"data.py": 'CLASSES = ["neg", "pos"]\n', "models.py": MODELS, "train.py": TRAIN}
    assert findings(tmp_path, files, "LF405") == []


BASE = """\
from transformers import {base}


class BaseTrainer({base}):
    def log_extra(self):
        pass
"""

TRAINER = """\
import torch.nn.functional as F

from base import BaseTrainer


class IntentTrainer(BaseTrainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        logits, _ = model(**inputs)
        return F.cross_entropy(labels, logits)
"""


def test_compute_loss_of_a_subclass_of_a_project_trainer(tmp_path: Path) -> None:
    files = {"base.py": BASE.format(base="Trainer"), "trainer.py": TRAINER}
    assert findings(tmp_path, files, "LF604") == [("trainer.py", 10)]


def test_compute_loss_of_a_class_that_is_no_hf_trainer(tmp_path: Path) -> None:
    files = {
        "base.py": BASE.format(base="object").replace("from transformers import object\n", ""),
        "trainer.py": TRAINER,
    }
    assert findings(tmp_path, files, "LF604") == []
