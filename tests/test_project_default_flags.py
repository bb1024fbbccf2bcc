"""A helper of another module branches on a flag its callers leave to the
default (``load_data(dataset=d)`` of ``def load_data(dataset,
standardize=True)``): its body runs with that branch decided, so what it
returns is known (AFAgarap/malware-classification, audit s195: LF601)."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

DATA = """
import numpy as np
from sklearn.preprocessing import StandardScaler


def load_data(dataset, standardize=True):
    features = np.asarray(dataset["x"])
    if standardize:
        features = StandardScaler().fit_transform(features)
    return features, np.asarray(dataset["y"])
"""

MAIN = """
import numpy as np
from sklearn.model_selection import train_test_split
from utils.data import load_data


def main(path):
    features, labels = load_data({call})
    return train_test_split(features, labels, test_size=0.3, stratify=labels)
"""


def _findings(root: Path, call: str) -> list[tuple[str, int, str]]:
    return project_findings(
        root,
        {
            "utils/__init__.py": "",
            "utils/data.py": DATA,
            "main.py": MAIN.replace("{call}", call),
        },
    )


def test_a_flag_every_caller_leaves_to_its_default_decides_the_branch(tmp_path: Path) -> None:
    assert ("data.py", 9, "LF601") in _findings(tmp_path, "dataset=np.load(path)")


def test_a_flag_a_caller_passes_is_not_decided(tmp_path: Path) -> None:
    found = _findings(tmp_path, "np.load(path), standardize=args.scale")
    assert not [f for f in found if f[2] == "LF601"]
