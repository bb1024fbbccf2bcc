"""LF602 examples of arrays put in a random order by indexing them with a
permutation before the loader is built (hsd1503/resnet1d, audit s154:
``X_train = X_train[np.random.permutation(n)]``, six false positives): the
whole permutation, a slice of it, ``torch.randperm``, an index array shuffled
in place, and the same in a helper that returns the arrays; a channel axis
added after (``np.expand_dims(X, 1)``) keeps the order. A permutation drawn but
never used to index the arrays, or an index array kept in order, still fires.
A helper of another module that shuffles: ``tests/test_project_shuffling_helpers.py``."""

from __future__ import annotations

from lossflint.examples import Invalid

_PERMUTED = """
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class Signals(Dataset):
    def __init__(self, data, label):
        self.data, self.label = data, label

    def __getitem__(self, index):
        return torch.tensor(self.data[index]), torch.tensor(self.label[index])

    def __len__(self):
        return len(self.data)


X_train, Y_train = np.load("x.npy"), np.load("y.npy")
{prepare}
loader = DataLoader(Signals(X_train, Y_train), batch_size=16){marker}
for xb, yb in loader:
    loss = loss_fn(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

_HELPER = """
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset


def read_data(n):
    all_X = np.random.rand(2 * n, 1, 30)
    all_Y = np.concatenate([np.zeros(n), np.ones(n)]).astype(int)
    shuffle_idx = np.random.permutation(all_Y.shape[0])
    all_X = all_X[shuffle_idx]
    all_Y = all_Y[shuffle_idx]
    return np.expand_dims(all_X, 1), all_Y


if __name__ == "__main__":
    data, label = read_data(100)
    loader = DataLoader(TensorDataset(torch.tensor(data), torch.tensor(label)), batch_size=64)
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

PERMUTED_VALID = [
    _PERMUTED.format(
        prepare="shuffle_pid = np.random.permutation(Y_train.shape[0])\n"
        "X_train = X_train[shuffle_pid]\n"
        "Y_train = Y_train[shuffle_pid]",
        marker="",
    ),
    # a random subset of the rows, in a random order
    _PERMUTED.format(
        prepare="perm = np.random.permutation(len(X_train))[:800]\n"
        "X_train, Y_train = X_train[perm], Y_train[perm]",
        marker="",
    ),
    _PERMUTED.format(
        prepare="perm = torch.randperm(len(X_train))\n"
        "X_train, Y_train = X_train[perm], Y_train[perm]",
        marker="",
    ),
    _PERMUTED.format(
        prepare="idx = np.arange(len(X_train))\n"
        "np.random.shuffle(idx)\n"
        "X_train, Y_train = X_train[idx], Y_train[idx]\n"
        "X_train = np.expand_dims(X_train, 1)",
        marker="",
    ),
    _HELPER,
]

PERMUTED_INVALID = [
    # a permutation drawn, the arrays kept in their order
    Invalid(
        _PERMUTED.format(
            prepare="perm = np.random.permutation(len(X_train))\nprint(perm[:10])",
            marker="  # error: LF602",
        )
    ),
    # indexed in order
    Invalid(
        _PERMUTED.format(
            prepare="idx = np.arange(len(X_train))\nX_train, Y_train = X_train[idx], Y_train[idx]",
            marker="  # error: LF602",
        )
    ),
    # a new first axis: one row holding every sample (not the rows' order)
    Invalid(
        _PERMUTED.format(
            prepare="perm = np.random.permutation(len(X_train))\n"
            "X_train = np.expand_dims(X_train[perm], 0)",
            marker="  # error: LF602",
        )
    ),
]

#: a Moving MNIST data set that draws a new random sequence per item in
#: training and reads its index only for the fixed test rows
#: (ConvLSTM-PyTorch, audit s176)
_MOVING = """
import random
import numpy as np
import torch
from torch import nn
import torch.utils.data as data


class MovingDigits(data.Dataset):
    def __init__(self, is_train):
        self.is_train = is_train
        self.fixed = np.zeros((20, 100, 64, 64), dtype=np.float32)

    def generate(self):
        frames = np.zeros((20, 64, 64), dtype=np.float32)
        x = random.randint(0, 36)
        frames[:, x:x + 28, x:x + 28] = 1.0
        return frames

    def __getitem__(self, idx):
        if self.is_train:
            images = self.generate()
        else:
            images = self.fixed[:, idx]
        images = torch.from_numpy(images)
        return images[:10], images[10:]

    def __len__(self):
        return 10000


train_set = MovingDigits(is_train={flag})
train_loader = torch.utils.data.DataLoader(train_set, batch_size=4, shuffle=False){marker}
net = nn.Conv2d(10, 10, 3, padding=1)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
for epoch in range(10):
    for inputs, label in train_loader:
        optimizer.zero_grad()
        nn.functional.mse_loss(net(inputs), label).backward()
        optimizer.step()
"""

PERMUTED_VALID += [
    _MOVING.format(flag="True", marker=""),
    # a flag tested with another condition, and the index handed back with the item
    _MOVING.format(flag="True", marker="")
    .replace("if self.is_train:", "if self.is_train or self.fixed.shape[0] != 20:")
    .replace("return images[:10], images[10:]", "return [idx, images[:10], images[10:]]"),
]
PERMUTED_INVALID.append(Invalid(_MOVING.format(flag="False", marker="  # error: LF602")))
