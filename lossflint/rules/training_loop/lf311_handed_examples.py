"""LF311 examples of an optimiser handed to the function that trains with it
(kennyleung-su/cs231n-sl-classification, audit R96): built on every epoch and
passed to a same-file ``train_model`` stepping it per batch, its state is
reset every epoch; one optimiser per model of a list is a choice (audit R96's
probe), and so is one per random restart that re-initialises the model in
place (``model.apply(init_weights)``, also through a method of the trainer,
haowei01/pytorch-examples, audit s116);
kept apart so the audit examples module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_TRAIN = """
import torch

def train_model(model, data, loss_fn, optimizer):
    model.train()
    for X, y in data:
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

"""

_TRAINER = """
import torch
from torch import nn


class Trainer:
    def __init__(self, ranker, x, y):
        self.ranker, self.x, self.y = ranker, x, y

    def {method}(self):
        def init_weights(m):
            if type(m) == nn.Linear:
                nn.init.xavier_uniform_(m.weight)
        {body}

    def train(self, steps):
        for step in range(steps):
            self.optimizer.zero_grad()
            nn.functional.mse_loss(self.ranker(self.x), self.y).backward()
            self.optimizer.step()

    def init_and_train(self, train_rounds=3, steps=100):
        for train_round in range(train_rounds):
            self.{method}()
            self.optimizer = torch.optim.Adam(self.ranker.parameters(), lr=1e-3){marker}
            self.train(steps)
"""

HANDED_INVALID = [
    Invalid(
        _TRAIN
        + """
for epoch in range(1, 20):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)  # error: LF311 at `torch.optim.Adam(`
    train_model(model, data, loss_fn, optimizer)
"""
    ),
    Invalid(
        _TRAIN
        + """
for epoch in range(1, 20):
    train_model(
        model, data, loss_fn,
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-3),  # error: LF311 at `torch.optim.Adam(`
    )
"""
    ),
    # the method called on every round restarts nothing
    Invalid(
        _TRAINER.format(
            method="log_round",
            body="print(init_weights)",
            marker="  # error: LF311 at `torch.optim.Adam(`",
        )
    ),
]

_RESTARTS = """
import torch
from torch import nn


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.xavier_uniform_(m.weight)


def freeze_norms(m):
    if isinstance(m, nn.BatchNorm1d):
        m.eval()


def train(model, opt, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def restarts(model, x, y, rounds=3):
    for r in range(rounds):
        model.apply({fn})
        opt = torch.optim.Adam(model.parameters(), lr=1e-3){marker}
        train(model, opt, x, y, 100)
"""

HANDED_VALID = [
    # one task per pass, each a training run of its own (GMvandeVen's
    # continual-learning tutorial, audit s134): the loop picks the data set
    """
import torch
import torch.nn.functional as F


def train(model, dataset, iters, lr):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = iter(torch.utils.data.DataLoader(dataset, batch_size=128, shuffle=True))
    for _ in range(iters):
        x, y = next(batches)
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


for context_id in range(5):
    train(model, train_datasets[context_id], iters=2, lr=0.01)

for t in range(5):
    train(model, permuted[t], iters=2, lr=0.01)
""",
    # each round re-initialises the model through a method of the trainer
    # (haowei01/pytorch-examples, audit s116)
    _TRAINER.format(
        method="uniform_init_weight", body="self.ranker.apply(init_weights)", marker=""
    ),
    # random restarts: each round re-initialises the model's weights in place
    _RESTARTS.format(fn="init_weights", marker=""),
    _RESTARTS.format(fn="weights_init_normal", marker=""),
    # a fresh optimiser per fold or restart, handed to a trainer that runs whole
    # epochs itself: each run starts anew on purpose
    """
import torch

def fit(model, loader, opt, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

for fold in range(5):
    net = torch.nn.Linear(10, 3)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    fit(net, loader, opt, 10)

for restart in range(3):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    fit(model, loader, opt, 10)
""",
    # one optimiser per model trained, and one per run of whole epochs
    _TRAIN
    + """
for model in [torch.nn.Linear(10, 3), torch.nn.Linear(10, 3)]:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for X, y in data:
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()

for lr in (1e-3, 1e-2):
    net = torch.nn.Linear(10, 3)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    train_model(net, data, loss_fn, opt)
""",
]
