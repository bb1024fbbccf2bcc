"""A module named for tests that only the project's test files load is the
test suite's helpers (tensorflow/privacy's ``common_test_utils.py``, audit
s228): it compiles models whose optimisers never step, so LF307 stays
silent there; a training script loading it too makes it code that trains."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_HELPERS = """
import tensorflow as tf


def get_model(model_generator, input_dims, output_dims):
    model = model_generator(input_dims, output_dims)
    model.compile(
        optimizer=tf.keras.optimizers.SGD(learning_rate=1.0),
        loss=tf.keras.losses.MeanSquaredError(),
    )
    return model
"""

_TEST = """
from pkg import common_test_utils


def test_norms():
    model = common_test_utils.get_model(None, 1, 1)
    assert model is not None
"""

_TRAIN = """
from pkg import common_test_utils

model = common_test_utils.get_model(None, 1, 1)
model.fit(x, y, epochs=10)
"""


def _files(train: bool) -> dict[str, str]:
    files = {
        "pkg/__init__.py": "",
        "pkg/common_test_utils.py": _HELPERS,
        "pkg/clip_test.py": _TEST,
    }
    if train:
        files["train.py"] = _TRAIN
    return files


def test_helpers_only_tests_load_are_test_code(tmp_path: Path) -> None:
    found = project_findings(tmp_path, _files(train=False))
    assert not [f for f in found if f[2] == "LF307"]


def test_helpers_a_training_script_loads_are_checked(tmp_path: Path) -> None:
    found = project_findings(tmp_path, _files(train=True))
    assert ("common_test_utils.py", 8, "LF307") in found
