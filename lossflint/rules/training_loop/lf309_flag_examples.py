"""LF309 examples of evaluations behind a test flag (the DQN agents of
rainbow-is-all-you-need, audit R44): ``if self.is_test: self.dqn.eval()``
never runs while ``train()``, which set ``self.is_test = False``, loops. A
hand-written GCN layer keeping its sizes (``self.input_dim = input_dim``) and
its activation function (``activation=F.relu``) holds no module that eval
mode changes (FighterLYL/GraphNeuralNetwork, audit s123); kept apart so the
rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_AGENT = """
import torch
import torch.nn as nn


class Agent:
    def __init__(self):
        self.dqn = nn.Sequential(nn.Linear(4, 64), nn.Dropout(0.1), nn.Linear(64, 2))
        self.optimizer = torch.optim.Adam(self.dqn.parameters(), lr=1e-3)
        self.is_test = False

    def select_action(self, state):
        if self.is_test:
            self.dqn.eval(){marker}
        return self.dqn(state).argmax()

    def update_model(self, x, y):
        loss = ((self.dqn(x) - y) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step(){extra}

    def train(self, states, targets):
{before}        for state, target in zip(states, targets):
            self.select_action(state)
            self.update_model(state, target)
"""

_GCN = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class GraphConvolution(nn.Module):
    def __init__(self, input_dim, output_dim, activation=F.relu{extra_param}):
        super().__init__()
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.activation = activation
{extra}        self.weight = nn.Parameter(torch.Tensor(input_dim, output_dim))

    def forward(self, adjacency, x):
        h = torch.sparse.mm(adjacency, torch.mm({x}, self.weight))
        return self.activation(h)

    def extra_repr(self):
        return f"{{self.input_dim}} -> {{self.output_dim}}"


model = GraphConvolution(1433, 7)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)


def test(adj, x):
    model.eval(){marker}
    with torch.no_grad():
        return model(adj, x).argmax(1)


for epoch in range(200):
    loss = F.cross_entropy(model(adj, x)[mask], y[mask])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    test(adj, x)
"""

FLAG_INVALID = [
    # a dropout handed in and run: eval mode switches it off for good
    Invalid(
        _GCN.format(
            extra_param=", dropout=None",
            extra="        self.dropout = dropout\n",
            x="self.dropout(x)",
            marker="  # error: LF309",
        )
    ),
    # nothing clears the flag before the loop: a test run before leaves it on
    Invalid(_AGENT.format(marker="  # error: LF309", extra="", before="")),
    # the loop's own update switches it on
    Invalid(
        _AGENT.format(
            marker="  # error: LF309",
            extra="\n        self.is_test = loss.item() < 0.01",
            before="        self.is_test = False\n",
        )
    ),
]

FLAG_VALID = [
    # sizes and an activation function kept: nothing eval mode changes
    _GCN.format(extra_param="", extra="", x="x", marker=""),
    _AGENT.format(marker="", extra="", before="        self.is_test = False\n"),
]

#: a head warm-up (FACIL's incremental learning, audit s178): only the new head
#: is optimised and put back in train mode each epoch, the frozen backbone
#: stays in eval mode on purpose
_WARMUP = """
import torch
import torch.nn as nn


def warmup(model, trn_loader, epochs=5):
    optimizer = torch.optim.SGD(model.heads[-1].parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    for e in range(epochs):
        {restore}
        for images, targets in trn_loader:
            loss = loss_fn(model(images)[-1], targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            model.eval(){marker}
            total = sum(loss_fn(model(x)[-1], y).item() for x, y in trn_loader)
        print(e, total)
"""

FLAG_VALID.append(_WARMUP.format(restore="model.heads[-1].train()", marker=""))
FLAG_INVALID.append(Invalid(_WARMUP.format(restore="pass", marker="  # error: LF309")))

#: optimisers in a dict by part (molecularsets/moses' ORGAN trainer, R151): the
#: discriminator's loop samples from the generator in eval mode and steps only
#: ``optimizer["discriminator"]``; the generator's own loop puts it back in train mode
_PARTS = """
import torch


def train(model, loader, criterion, optimizer, epochs):
    model.generator.train()
    for epoch in range(epochs):
        for _ in range(5):
            model.generator.eval(){marker}
            fake = model.generator.sample(len(loader))
            for real in loader:
                loss = criterion(model.discriminator(fake), model.discriminator(real))
                optimizer["{part}"].zero_grad()
                loss.backward()
                optimizer["{part}"].step()
"""
FLAG_VALID.append(_PARTS.format(part="discriminator", marker=""))
FLAG_INVALID.append(Invalid(_PARTS.format(part="generator", marker="  # error: LF309")))

#: a model whose blocks keep an activation function (``self.relu = torch.relu``)
#: and whose ``__init__`` logs (BruceBinBoxing/ST-ResNet-Pytorch, audit s211):
#: only convolutions, nothing eval mode changes; with a dropout, LF309
_ACTIVATION_KEPT = """
import logging

import torch
import torch.nn as nn


class Unit(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.relu = torch.relu
        self.conv = nn.Conv2d(c, c, 3, padding=1){extra}

    def forward(self, x):
        return x + self.conv(self.relu(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        logging.getLogger(__name__).info("building")
        self.body = nn.Sequential(nn.Conv2d(6, 64, 3, padding=1), Unit(64), nn.Conv2d(64, 2, 1))

    def forward(self, x):
        return torch.tanh(self.body(x))


def valid(model, loader):
    model.eval(){marker}
    return sum(((model(x) - y) ** 2).mean().item() for x, y in loader)


def train(train_loader, val_loader):
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)
    for e in range(500):
        for x, y in train_loader:
            loss = nn.MSELoss()(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(valid(model, val_loader))
"""
FLAG_VALID.append(_ACTIVATION_KEPT.format(extra="", marker=""))
FLAG_INVALID.append(
    Invalid(
        _ACTIVATION_KEPT.format(
            extra="\n        self.drop = nn.Dropout(0.1)", marker="  # error: LF309"
        )
    )
)

#: a compiled model whose name reads as an optimiser's (``opt_model``:
#: minChatGPT's trainers, audit s217): its ``train()`` and ``eval()`` are read alike
FLAG_VALID.append(
    """
    import torch

    def fit(model, train_dl, test_dl, epochs=3):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
        opt_model = torch.compile(model)
        for epoch in range(epochs):
            opt_model.train()
            for x, y in train_dl:
                loss = torch.nn.functional.mse_loss(opt_model(x), y)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
            opt_model.eval()
            with torch.no_grad():
                for x, y in test_dl:
                    opt_model(x)
    """
)

#: batch norm only behind a builder method's flag that its calls leave off
#: (LKU-Net's ``encoder(..., batchnorm=False)``, audit s220); passed on, LF309
_BUILDER_FLAG = """
import torch
import torch.nn as nn


class UNet(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.enc = self.encoder(cin, 8{flag})
        self.out = nn.Conv2d(8, cout, 3, padding=1)

    def encoder(self, cin, cout, batchnorm=False):
        if batchnorm:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout))
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.PReLU())

    def forward(self, x):
        return self.out(self.enc(x))


model = UNet(2, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
for step, (mov, fix) in enumerate(loader):
    loss = ((model(mov) - fix) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        with torch.no_grad():
            model.eval(){marker}
            model(mov)
"""
FLAG_VALID.append(_BUILDER_FLAG.format(flag="", marker=""))
FLAG_INVALID.append(
    Invalid(_BUILDER_FLAG.format(flag=", batchnorm=True", marker="  # error: LF309"))
)

#: sizes kept on the model and handed to its own builder methods, and a
#: batch-norm flag kept as ``self.batchnorm`` from an ``__init__`` default
#: (LKU-Net's UNet and LK_encoder, audit s220); constructed with the flag on, LF309
_KEPT_FLAG = """
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout, batchnorm=False):
        super().__init__()
        self.batchnorm = batchnorm
        self.layer = self.build(cin, cout, batchnorm=self.batchnorm)

    def build(self, cin, cout, batchnorm=False):
        if batchnorm:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout))
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.PReLU())

    def forward(self, x):
        return self.layer(x)


class UNet(nn.Module):
    def __init__(self, in_channel, start_channel):
        super().__init__()
        self.in_channel = in_channel
        self.start_channel = start_channel
        self.enc = self.encoder(self.in_channel, self.start_channel * 2)
        self.mid = Block(self.start_channel * 2, self.start_channel * 2{flag})

    def encoder(self, cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.PReLU())

    def forward(self, x):
        return self.mid(self.enc(x))


model = UNet(2, 8)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
for step, (mov, fix) in enumerate(loader):
    loss = ((model(mov) - fix) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        with torch.no_grad():
            model.eval(){marker}
            model(mov)
"""
FLAG_VALID.append(_KEPT_FLAG.format(flag="", marker=""))
FLAG_INVALID.append(Invalid(_KEPT_FLAG.format(flag=", batchnorm=True", marker="  # error: LF309")))
