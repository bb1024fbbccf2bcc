"""LF602 examples of training lists already in a random order before the
loader is built: ``random.shuffle`` in place, ``random.sample`` (SimCSE-Chinese,
audit s87) and ``sklearn.utils.shuffle`` of one array, a loss pairing
neighbouring rows; and a list shuffled only after its loader was built, which
still fires; a loader built unshuffled on each branch of an ``if``. Also the
rule's own simple silences: a weighted sampler given by
position, an iterable data set, a loader only evaluated on."""

from __future__ import annotations

from lossflint.examples import Invalid

_LIST = """
import random

import torch
from sklearn.utils import shuffle
from torch.utils.data import DataLoader, Dataset, TensorDataset


class Pairs(Dataset):
    def __init__(self, data):
        self.data = data

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return self.data[index]


corpus = [torch.randn(16) for _ in range(1000)]
{prepare}
loader = DataLoader({dataset}, batch_size=8){marker}
for batch in loader:
    loss = model(batch).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
{after}
"""

_BRANCHES = """
import torch
from torch.utils.data import DataLoader, TensorDataset


def load(kind, x, y):
    if kind == "imdb":
        loader = DataLoader(TensorDataset(x, y), batch_size=32){first}
        return loader, x, y
    else:
        loader = DataLoader(TensorDataset(x, y), batch_size=64{shuffle}){second}
        return loader, y, x


def train(model, loader, criterion, opt):
    for xb, yb in loader:
        opt.zero_grad()
        criterion(model(xb), yb).backward()
        opt.step()


loader, _, _ = load(args.dataset, x, y)
train(model, loader, torch.nn.BCEWithLogitsLoss(), torch.optim.Adam(model.parameters()))
"""

_SAMPLED = """
import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class Pairs(Dataset):
    def __init__(self, groups, n):
        self.groups = groups
        self.rows = []
        for _ in range(n):
            a = np.random.choice(len(groups))
            b = np.random.choice(len(groups))
            self.rows.append({row})

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        {pick}


loader = DataLoader(Pairs(groups, 1000), batch_size=32){marker}
for x in loader:
    opt.zero_grad()
    model(x).sum().backward()
    opt.step()
"""

SHUFFLED_LIST_INVALID = [
    # shuffled after the loader read it in order
    Invalid(
        _LIST.format(
            prepare="train = list(corpus)",
            dataset="Pairs(train)",
            marker="  # error: LF602",
            after="random.shuffle(train)",
        )
    ),
    # a loader built on each branch, neither shuffled: whichever is returned
    # trains in data-set order (Structured-Self-Attention, audit s104)
    Invalid(
        _BRANCHES.format(
            first="  # error: LF602 at `DataLoader(`",
            shuffle="",
            second="  # error: LF602 at `DataLoader(`",
        )
    ),
    # the rows kept in the data's order, picked by the index (wrapped round)
    Invalid(
        _SAMPLED.format(
            row="groups[_]",
            pick="return self.rows[index % len(self.rows)]",
            marker="  # error: LF602 at `DataLoader(`",
        )
    ),
    Invalid(
        _SAMPLED.format(
            row="(groups[_], a)",
            pick="return self.rows[index]",
            marker="  # error: LF602 at `DataLoader(`",
        )
    ),
    # one epoch helper shared by the training and the validation loader:
    # only the training one is trained on (PyTorch-Computer-Vision-Cookbook,
    # audit s109); val_dl reaches the loop only under no_grad, opt=None
    Invalid(
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=8)  # error: LF602 at `DataLoader(`
        val_dl = DataLoader(TensorDataset(x_val, y_val), batch_size=8)

        def loss_batch(loss_func, yb, yb_h, opt=None):
            loss = loss_func(yb_h, yb)
            if opt is not None:
                loss.backward()
                opt.step()
                opt.zero_grad()
            return loss.item()

        def loss_epoch(model, loss_func, dataset_dl, opt=None):
            total = 0.0
            for xb, yb in dataset_dl:
                total += loss_batch(loss_func, yb, model(xb), opt)
            return total

        for epoch in range(5):
            model.train()
            loss_epoch(model, loss_func, train_dl, opt)
            model.eval()
            with torch.no_grad():
                loss_epoch(model, loss_func, val_dl)
        """
    ),
]

SHUFFLED_LIST_VALID = [
    _LIST.format(
        prepare="train = list(corpus)\nrandom.shuffle(train)",
        dataset="Pairs(train)",
        marker="",
        after="",
    ),
    _LIST.format(
        prepare="train = random.sample(corpus, 100)", dataset="Pairs(train)", marker="", after=""
    ),
    _LIST.format(
        prepare="X = shuffle(torch.stack(corpus), random_state=0)",
        dataset="TensorDataset(X)",
        marker="",
        after="",
    ),
    # the loss pairs neighbouring rows (``y[::2]`` with ``y[1::2]``): the
    # items must keep their order (CoSENT_Pytorch, audit s87)
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    def cosent_loss(y_true, y_pred):
        y_pred = torch.nn.functional.normalize(y_pred, dim=1)
        cos = torch.sum(y_pred[::2] * y_pred[1::2], dim=1) * 20
        diff = cos[:, None] - cos[None, :]
        mask = (y_true[::2][:, None] < y_true[::2][None, :]).float()
        return torch.logsumexp((diff - (1 - mask) * 1e12).view(-1), dim=0)

    loader = DataLoader(TensorDataset(x, y), shuffle=False, batch_size=16)
    for xb, yb in loader:
        loss = cosent_loss(yb, model(xb))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    """,
    # a weighted sampler given by position
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

    ds = TensorDataset(x, y)
    sampler = WeightedRandomSampler(weights, num_samples=len(ds))
    loader = DataLoader(ds, 64, False, sampler)
    for xb, yb in loader:
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
    """,
    # an iterable data set cannot be shuffled by the loader
    """
    import torch
    from torch.utils.data import DataLoader, IterableDataset

    class Stream(IterableDataset):
        def __iter__(self):
            yield from read_shards()

    loader = DataLoader(Stream(), batch_size=32)
    for xb, yb in loader:
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
    """,
    # the loader is only evaluated on
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(x, y), batch_size=64)
    model.eval()
    with torch.no_grad():
        for xb, yb in loader:
            preds = model(xb).argmax(1)
    """,
    # ... one of them shuffled: which one is trained on is not known
    _BRANCHES.format(first="", shuffle=", shuffle=True", second=""),
    # rows drawn at random in __init__ (a triplet set regenerated each epoch,
    # facenet-pytorch-glint360k), or items drawn at random with only the
    # index's parity read (siamese-pytorch's balanced pairs; audit s106)
    _SAMPLED.format(row="(a, b)", pick="return self.rows[index]", marker=""),
    _SAMPLED.format(
        row="(a, b)",
        pick="same = index % 2 == 1\n        return random.choice(self.groups), same",
        marker="",
    ),
    # one inverse problem per sample: a fresh optimiser fits each batch in an
    # inner loop (PDEBench's inverse training, audit s114)
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(u0s, targets), batch_size=1, shuffle=False)
    for x, y in loader:
        optimizer = torch.optim.Adam(model_ic.parameters(), lr=1e-2)
        for _ in range(100):
            loss = loss_fn(surrogate(model_ic()), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    """,
    # full-batch gradient descent: one batch holds every sample (udlbook, s109)
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    ds = TensorDataset(x_train, y_train)
    data_loader = DataLoader(ds, batch_size=len(ds), shuffle=False)
    # (czifan/DeepSurv.pytorch, audit s202)
    spelt_out = DataLoader(ds, batch_size=ds.__len__())
    full = x_train.shape[0]
    whole = DataLoader(ds, batch_size=full, shuffle=False)
    for x_batch, y_batch in whole:
        optimizer.zero_grad()
        loss_function(model(x_batch), y_batch).backward()
        optimizer.step()
    for epoch in range(100):
        for x_batch, y_batch in data_loader:
            optimizer.zero_grad()
            loss_function(model(x_batch), y_batch).backward()
            optimizer.step()
        for x_batch, y_batch in spelt_out:
            optimizer.zero_grad()
            loss_function(model(x_batch), y_batch).backward()
            optimizer.step()
    """,
]
