"""LF601 through a project's splitting helper: ``split(X, y)`` of another
module that hands its parameters to ``train_test_split`` or takes a random
mask of rows and its complement, or slices a head and the tail after it
(``FunctionSummary.splits``). An array scaled whole and handed to it is split
(held-out s18 p10, audit R25's Michelucci examples, audit s122's
``divideTrainTest``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

SPLIT_TTS = """\
from sklearn.model_selection import train_test_split


def split(X, y, test_size=0.2):
    return train_test_split(X, y, test_size=test_size, stratify=y)
"""

SPLIT_MASK = """\
import numpy as np


def split(X, y, train_proportion=0.8):
    rnd = np.random.rand(len(y)) < train_proportion
    return (X[rnd], y[rnd]), (X[~rnd], y[~rnd])
"""

SPLIT_SLICES = """\
def split(X, y, rate=0.75):
    n = int(len(X) * rate)
    return (X[0:n], y[0:n]), (X[n:], y[n:])
"""

SCALE = """\
from sklearn.preprocessing import RobustScaler


def scale_features(X):
    scaler = RobustScaler()
    return scaler.fit_transform(X), scaler
"""

MAIN = """\
import numpy as np
from sklearn.preprocessing import StandardScaler

from prep import scale_features
from splits import split

X = np.load("x.npy")
y = np.load("y.npy")
{body}
"""


def lf601(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    return sorted(
        (Path(d.filename).name, d.location.row, d.message)
        for d in lint_paths([root], select=["LF601"])
    )


@pytest.mark.parametrize("splits", [SPLIT_TTS, SPLIT_MASK, SPLIT_SLICES])
def test_scaled_in_one_module_split_by_another_s_helper(tmp_path: Path, splits: str) -> None:
    body = "X, scaler = scale_features(X)\nparts = split(X, y)"
    files = {"prep.py": SCALE, "splits.py": splits, "main.py": MAIN.format(body=body)}
    found = lf601(tmp_path, files)
    assert [(name, row) for name, row, _ in found] == [("prep.py", 6)]
    assert "the split at main.py:10" in found[0][2]


def test_scaled_here_split_by_another_module_s_helper(tmp_path: Path) -> None:
    body = "X = StandardScaler().fit_transform(X)\nparts = split(X, y)"
    files = {"prep.py": SCALE, "splits.py": SPLIT_TTS, "main.py": MAIN.format(body=body)}
    found = lf601(tmp_path, files)
    assert [(name, row) for name, row, _ in found] == [("main.py", 9)]
    assert "`split()`, which splits it, at line 10" in found[0][2]


@pytest.mark.parametrize(
    ("splits", "body"),
    [
        # split first, scaled on the training part
        (
            SPLIT_TTS,
            "(X_tr, X_te, y_tr, y_te) = split(X, y)\nX_tr = StandardScaler().fit_transform(X_tr)",
        ),
        # a head and the shifted tail of a sequence (inputs and next-step
        # targets) is no split
        (
            "def split(X, y):\n    return X[:-1], X[1:]\n",
            "X = StandardScaler().fit_transform(X)\nparts = split(X, y)",
        ),
        # a helper that takes one side only is no split
        (
            "import numpy as np\n\ndef split(X, y):\n    m = np.random.rand(len(y)) < 0.5\n    return X[m], y[m]\n",
            "X = StandardScaler().fit_transform(X)\nparts = split(X, y)",
        ),
        # a helper that rebinds its parameter first divides something else
        (
            "from sklearn.model_selection import train_test_split\n\n"
            "def split(X, y):\n    X = X[:, :4]\n    return train_test_split(X, y)\n",
            "X = np.load('z.npy')\nparts = split(X, y)",
        ),
    ],
)
def test_silent(tmp_path: Path, splits: str, body: str) -> None:
    files = {"prep.py": SCALE, "splits.py": splits, "main.py": MAIN.format(body=body)}
    assert lf601(tmp_path, files) == []
