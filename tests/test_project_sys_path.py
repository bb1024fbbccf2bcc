"""Scripts that share code through ``sys.path`` edits (``sys.path.append(
"../toolbox")``): the folders are read from the text and searched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lossflint.api import lint_paths
from lossflint.project.layout import Layout
from lossflint.project.sys_path import NO_EDITS, search_edits

SCRIPT = "/p/course/02_classification/train.py"


@pytest.mark.parametrize(
    "line, folder",
    [
        ("sys.path.append('../toolbox')", "/p/course/toolbox"),
        ("sys.path.append('toolbox')", "/p/course/02_classification/toolbox"),
        ("sys.path.insert(0, '..')", "/p/course"),
        ("sys.path.insert(len(sys.path), '../lib')", "/p/course/lib"),
        (
            "sys.path.append(os.path.join(os.path.dirname(__file__), '..', 'toolbox'))",
            "/p/course/toolbox",
        ),
        (
            "sys.path.append(os.path.abspath(os.path.join(os.path.dirname(__file__), '../lib')))",
            "/p/course/lib",
        ),
        ("sys.path.append(str(Path(__file__).resolve().parent.parent / 'lib'))", "/p/course/lib"),
        ("sys.path.append(str(Path(__file__).parents[1] / 'lib'))", "/p/course/lib"),
        (
            "sys.path.append(os.path.join(os.getcwd(), 'utils'))",
            "/p/course/02_classification/utils",
        ),
        ("sys.path += ['../common']", "/p/course/common"),
        ("sys.path.extend(['../common'])", "/p/course/common"),
    ],
)
def test_the_folder_an_edit_adds(line: str, folder: str) -> None:
    edits = search_edits([f"import os, sys\nfrom pathlib import Path\n{line}\n"], SCRIPT)
    assert [*edits.front, *edits.back] == [os.path.normpath(folder)]


def test_names_bound_to_folders_and_guarded_edits() -> None:
    text = """\
import os, sys
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "lib")
if LIB not in sys.path:
    sys.path.insert(0, LIB)
try:
    sys.path.append(ROOT)
except Exception:
    pass
"""
    edits = search_edits([text], SCRIPT)
    assert edits.front == (os.path.normpath("/p/course/lib"),)
    assert edits.back == (os.path.normpath("/p/course"),)


@pytest.mark.parametrize(
    "line",
    [
        "sys.path.append(os.environ['LIB'])",  # known only when it runs
        "sys.path.append(args.lib)",
        "sys.path.append(os.path.join(base, 'lib'))",  # ``base`` is not bound here
        "sys.path.append(f'../{name}')",
        "sys.path.remove('../lib')",
        "path.append('../lib')",  # not ``sys.path``
    ],
)
def test_what_is_no_folder_we_can_tell(line: str) -> None:
    text = f"import os, sys\n{line}\n"
    edits = search_edits([text], SCRIPT)
    assert edits == NO_EDITS or (not edits.front and not edits.back)


def test_text_that_does_not_parse_has_no_edits() -> None:
    assert search_edits(["import sys\nsys.path.append('../x'\n"], SCRIPT) is NO_EDITS


MY_MODELS = """\
import torch
from torch import nn


class CircleModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 1)

    def forward(self, x):
        return torch.sigmoid(self.layer(x))
"""

TRAIN = """\
import sys

import torch
from torch import nn

sys.path.append("../toolbox")
from my_models import CircleModel

model = CircleModel()
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for X, y in loader:
    optimizer.zero_grad()
    loss = loss_fn(model(X).squeeze(), y)
    loss.backward()
    optimizer.step()
"""


def _course(root: Path, train: str) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'course'\n")
    (root / "toolbox").mkdir()
    (root / "toolbox" / "my_models.py").write_text(MY_MODELS)
    (root / "02_classification").mkdir()
    script = root / "02_classification" / "train.py"
    script.write_text(train)
    return script


def test_an_import_from_a_folder_the_script_adds(tmp_path: Path) -> None:
    script = _course(tmp_path, TRAIN)
    layout = Layout(tmp_path)
    found = layout.resolve("my_models", script)
    assert found is not None and found.rel == "toolbox/my_models.py"
    # another file of the same folder that does not edit its path does not see it
    other = script.with_name("eval.py")
    other.write_text("from my_models import CircleModel\n")
    assert layout.resolve("my_models", other) is None


def test_a_notebook_edits_its_path_in_one_cell_for_the_next(tmp_path: Path) -> None:
    import json

    _course(tmp_path, TRAIN)
    cells = [
        "%matplotlib inline\nimport os, sys\nLIB = os.path.join('..', 'toolbox')",
        "!pip install torch",  # IPython syntax: left out
        "sys.path.append(LIB)\nfrom my_models import CircleModel",
    ]
    notebook = tmp_path / "02_classification" / "explore.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "cells": [{"cell_type": "code", "source": c} for c in cells],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    found = Layout(tmp_path).resolve("my_models", notebook)
    assert found is not None and found.rel == "toolbox/my_models.py"


def test_a_folder_outside_the_project_is_never_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "my_models.py").write_text(MY_MODELS)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    script = project / "train.py"
    script.write_text(TRAIN.replace("../toolbox", "../outside"))
    assert Layout(project).resolve("my_models", script) is None


def test_the_model_of_a_sibling_folder_reaches_the_loss(tmp_path: Path) -> None:
    script = _course(tmp_path, TRAIN)
    found = [(d.code, d.location.row) for d in lint_paths([script], select=["LF1"], isolated=True)]
    assert found == [("LF103", 14)]
    # without the edit, ``my_models`` is not a module of the project: silence
    script.write_text(TRAIN.replace('sys.path.append("../toolbox")\n', ""))
    assert lint_paths([script], select=["LF1"], isolated=True) == []


def test_path_helpers_through_aliases_and_an_adder_function() -> None:
    text = """\
import os.path as osp
import sys
from os.path import join


def add_path(path):
    if path not in sys.path:
        sys.path.insert(0, path)


this_dir = osp.dirname(__file__)
add_path(osp.join(this_dir, '..', 'lib'))
add_path(join(this_dir, 'common'))
"""
    edits = search_edits([text], SCRIPT)
    assert edits.front == (
        os.path.normpath("/p/course/lib"),
        os.path.normpath("/p/course/02_classification/common"),
    )


INIT_PATHS = """\
import os.path as osp
import sys


def add_path(path):
    if path not in sys.path:
        sys.path.insert(0, path)


this_dir = osp.dirname(__file__)
add_path(osp.join(this_dir, '..', 'toolbox'))
"""


def test_a_sibling_module_imported_for_its_path_edits(tmp_path: Path) -> None:
    """human-pose-estimation.pytorch's ``import _init_paths`` (audit R58)."""
    script = _course(
        tmp_path, TRAIN.replace('sys.path.append("../toolbox")\n', "import _init_paths\n")
    )
    (script.parent / "_init_paths.py").write_text(INIT_PATHS)
    found = Layout(tmp_path).resolve("my_models", script)
    assert found is not None and found.rel == "toolbox/my_models.py"
    found_codes = [
        (d.code, d.location.row) for d in lint_paths([script], select=["LF1"], isolated=True)
    ]
    assert found_codes == [("LF103", 14)]
