"""A helper of another project module that shuffles the arrays it returns
(hsd1503/resnet1d's ``util.read_data_physionet_4``: ``X_train =
X_train[np.random.permutation(n)]``, audit s154): a loader built here over
them, with no ``shuffle=True``, reads rows already in a random order (LF602
silent). A helper that shuffles nothing leaves LF602 firing."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_UTIL = """
import numpy as np


def read_data(n):
    X = np.random.rand(n, 30)
    Y = (X.sum(1) > 15).astype(int)
    {shuffle}
    X_train, X_test = X[: n // 2], X[n // 2 :]
    Y_train, Y_test = Y[: n // 2], Y[n // 2 :]
    return X_train, X_test, Y_train, Y_test
"""

_DATA = """
import torch
from torch.utils.data import Dataset


class MyDataset(Dataset):
    def __init__(self, data, label):
        self.data, self.label = data, label

    def __getitem__(self, index):
        return torch.tensor(self.data[index]), torch.tensor(self.label[index])

    def __len__(self):
        return len(self.data)
"""

_TRAIN = """
import torch
from torch.utils.data import DataLoader

from data import MyDataset
from util import read_data

X_train, X_test, Y_train, Y_test = read_data(1000)
loader = DataLoader(MyDataset(X_train, Y_train), batch_size=32)
model = torch.nn.Linear(30, 2)
optimizer = torch.optim.Adam(model.parameters())
for xb, yb in loader:
    loss = torch.nn.functional.cross_entropy(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _run(tmp_path: Path, shuffle: str) -> list[tuple[str, int, str]]:
    files = {"util.py": _UTIL.format(shuffle=shuffle), "data.py": _DATA, "train.py": _TRAIN}
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF602"]


def test_arrays_a_helper_permuted_are_in_a_random_order(tmp_path: Path) -> None:
    permuted = "perm = np.random.permutation(n)\n    X, Y = X[perm], Y[perm]"
    assert _run(tmp_path, permuted) == []


def test_arrays_a_helper_shuffled_with_sklearn_are_in_a_random_order(tmp_path: Path) -> None:
    assert _run(tmp_path, "from sklearn.utils import shuffle\n    X, Y = shuffle(X, Y)") == []


def test_arrays_a_helper_keeps_in_order_still_fire(tmp_path: Path) -> None:
    assert _run(tmp_path, "X, Y = X[np.argsort(Y)], np.sort(Y)") == [("train.py", 9, "LF602")]
