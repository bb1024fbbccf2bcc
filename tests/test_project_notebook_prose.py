"""A notebook that only mentions another one in a comment does not run it
(audit s30, tensorflow/docs: ``# Make sure to run the snippet in `Save a TF2
checkpoint in TF1`.`` made ``checkpoint.ipynb``'s helpers look called with
anything, and a linear model's ``Adam(0.1)`` lost its exemption)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossflint import lint_paths

HELPER = (
    "import numpy as np\nimport torch\n\n"
    "def normalize(arr): return (arr - arr.mean()) / arr.std()\n\n"
    "filts = normalize(np.random.rand(8, 4, 4))\n"
)
TRAINING = "loss = model(x).sum()\nloss.backward()\n"


def notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": c,
                    "outputs": [],
                    "execution_count": None,
                }
                for c in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def lf206(root: Path, other: str) -> list[str]:
    (root / "pyproject.toml").write_text("")
    (root / "digits.ipynb").write_text(notebook(HELPER, TRAINING))
    (root / "other.ipynb").write_text(notebook(other))
    found = lint_paths([root / "digits.ipynb"], select=["LF206"])
    return [f"{Path(d.filename).name}:{d.location.row}" for d in found]


@pytest.mark.parametrize(
    "line",
    [
        "# run the snippet in digits first",
        "x = 1  # run digits before this cell",
        "    # (make sure to run digits)",
    ],
)
def test_a_comment_naming_the_notebook_runs_nothing(tmp_path: Path, line: str) -> None:
    assert lf206(tmp_path, f"{line}\nnormalize(model(x))\n") == []


@pytest.mark.parametrize(
    "line",
    [
        "%run digits.ipynb",
        "exec(open('digits.py').read())",
        "get_ipython().run_line_magic('run', 'digits.ipynb')",
    ],
)
def test_a_line_that_may_run_it_is_still_a_caller_out_of_sight(tmp_path: Path, line: str) -> None:
    assert lf206(tmp_path, f"{line}\nnormalize(model(x))\n") == ["digits.ipynb:4"]
