"""LF311 examples of an optimiser built again for new parameters: a
classifier head replaced by a new module each round (cluster-based
re-identification, Transfer-Learning-Library, audit s155: inline, in a helper
given the model, in a helper looping over the models it is given), and a loop
that trains nothing. And of an optimiser built in the arm of an ``if`` whose
test no pass changes, stepped in that arm (pytorch_DANN's ``elif
training_mode == 'source':``, audit s155): a new optimiser every batch
whenever that arm trains; a lazily built one (``if opt is None:``) is silent."""

from __future__ import annotations

from lossflint.examples import Invalid

_CLUSTERED = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class ReIdNet(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.backbone = nn.Linear(32, 16)
        self.head = nn.Linear(16, n, bias=False)

    def forward(self, x):
        return self.head(F.relu(self.backbone(x)))


def run_dbscan(model_1, model_2, x):
    k = int(torch.randint(5, 10, (1,)))
    {replace}
    return torch.randint(0, k, (x.shape[0],))


def train_one_epoch(model, optimizer, x, y):
    for i in range(0, x.shape[0], 8):
        loss = F.cross_entropy(model(x[i : i + 8]), y[i : i + 8])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


model, peer = ReIdNet(10), ReIdNet(10)
for epoch in range(5):
    labels = run_dbscan(model, peer, x)
    {inline}
    optimizer = torch.optim.Adam(model.parameters(), 3.5e-4){marker}
    train_one_epoch(model, optimizer, x, labels)
"""

_MODES = """
import torch.optim as optim


def train(mode, net, criterion, loader, optimizer):
    for step, (x, y) in enumerate(loader):
        if mode == "dann":
            pass
        elif {test}:
            optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9){marker}
            optimizer.zero_grad()
            criterion(net(x), y).backward()
            optimizer.step()
"""

REBUILT_VALID = [
    # groups over a model built again in each pass (a fresh run per fold)
    """
    import torch
    from torch import nn

    for fold in range(5):
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        groups = [{"params": model[0].parameters(), "lr": 1e-4}, {"params": model[2].parameters()}]
        opt = torch.optim.Adam(groups, lr=1e-3)
        for x, y in loaders[fold]:
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    """,
    _CLUSTERED.format(replace="pass", inline="model.head = nn.Linear(16, 7)", marker=""),
    _CLUSTERED.format(
        replace="model_1.head = nn.Linear(16, k, bias=False).to(x.device)", inline="", marker=""
    ),
    _CLUSTERED.format(
        replace="for m in (model_1, model_2):\n        m.head = nn.Linear(16, k)",
        inline="",
        marker="",
    ),
    # built lazily, once
    _MODES.format(test="optimizer is None", marker=""),
    # a flag the arm itself turns off: built on the first batch only
    """
    import torch.optim as optim

    def train(net, criterion, loader, optimizer):
        fresh = True
        for step, (x, y) in enumerate(loader):
            if fresh:
                optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
                fresh = False
                optimizer.zero_grad()
                criterion(net(x), y).backward()
                optimizer.step()
            else:
                optimizer.zero_grad()
                criterion(net(x), y).backward()
                optimizer.step()
    """,
    # no training in the loop
    """
    import torch

    for lr in (1e-3, 1e-4):
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        run(opt)
    """,
]

REBUILT_INVALID = [
    Invalid(
        """
        import torch.optim as optim

        class Net:
            def fit(self, loader):
                for x in loader:
                    self.opt = optim.SGD(self.parameters(), lr=0.1, momentum=0.9)  # error: LF311 at `optim.SGD(`
                    self.opt.zero_grad()
                    self(x).mean().backward()
                    self.opt.step()
        """,
    ),
    # the head's weights copied, the module kept: the same parameters
    Invalid(
        _CLUSTERED.format(
            replace="model_1.head.weight.data.copy_(torch.randn(k, 16))",
            inline="",
            marker="  # error: LF311",
        )
    ),
    # another model's head replaced
    Invalid(
        _CLUSTERED.format(
            replace="model_2.head = nn.Linear(16, k)", inline="", marker="  # error: LF311"
        )
    ),
    Invalid(_MODES.format(test='mode == "source"', marker="  # error: LF311")),
    # SGD rebuilt over param groups with decayed rates, every 10 epochs when
    # decay is on (yunxiaoshi/Neural-IMage-Assessment, audit s197)
    Invalid(
        """
        import torch.optim as optim

        def main(config, model, loader, emd_loss):
            conv_lr, dense_lr = config.conv_lr, config.dense_lr
            optimizer = optim.SGD([{"params": model.features.parameters(), "lr": conv_lr}], momentum=0.9)
            for epoch in range(config.epochs):
                for x, y in loader:
                    optimizer.zero_grad()
                    emd_loss(y, model(x)).backward()
                    optimizer.step()
                if config.decay:
                    if (epoch + 1) % 10 == 0:
                        conv_lr, dense_lr = conv_lr * 0.95, dense_lr * 0.95
                        optimizer = optim.SGD(  # error: LF311
                            [
                                {"params": model.features.parameters(), "lr": conv_lr},
                                {"params": model.classifier.parameters(), "lr": dense_lr},
                            ],
                            momentum=0.9,
                        )
        """
    ),
    # the groups bound in the loop, then Adam rebuilt over them every epoch
    # (SSL92/hyperIQA, audit s197)
    Invalid(
        """
        import torch

        class Solver:
            def train(self, loader, lr, epochs):
                self.solver = torch.optim.Adam(self.net.parameters(), lr=lr)
                for t in range(epochs):
                    for x, y in loader:
                        self.solver.zero_grad()
                        torch.nn.functional.l1_loss(self.net(x), y).backward()
                        self.solver.step()
                    self.paras = [
                        {"params": self.net.head.parameters(), "lr": lr / 10 ** (t // 6)},
                        {"params": self.net.res.parameters(), "lr": lr},
                    ]
                    self.solver = torch.optim.Adam(self.paras)  # error: LF311
        """
    ),
]

#: a learning-rate drop written as a new Adam in the batch loop, guarded by the
#: epoch only (CVPR21Chal-SLR's SSTCN, audit s215): every batch of epoch 50
#: starts from fresh moments; the same guard in the epoch loop builds it once
_LR_DROP = """
import torch
import torch.nn as nn


def train(model, loader, epochs=100):
    crit = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        {epoch_guard}
        for x, y in loader:
            {batch_guard}
            optimizer.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            optimizer.step()
"""
_NEW_ADAM = "optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)"
REBUILT_INVALID.append(
    Invalid(
        _LR_DROP.format(
            epoch_guard="pass",
            batch_guard=f"if epoch == 50:\n                {_NEW_ADAM}  # error: LF311",
        )
    )
)
REBUILT_VALID.append(
    _LR_DROP.format(epoch_guard=f"if epoch == 50:\n            {_NEW_ADAM}", batch_guard="pass")
)
# the same drop also keyed on the batch counter: built once, at the first batch of epoch 50
REBUILT_VALID.append(
    """
    import torch
    import torch.nn as nn

    def train(model, loader, epochs=100):
        crit = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for epoch in range(epochs):
            for i, (x, y) in enumerate(loader):
                if epoch == 50 and i == 0:
                    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
                optimizer.zero_grad()
                loss = crit(model(x), y)
                loss.backward()
                optimizer.step()
    """
)
