"""LF311 examples found by the held-out measurements: an optimiser rebuilt
every epoch through a same-file factory."""

from __future__ import annotations

from lossflint.examples import Invalid

_FACTORY = """
import torch
import torch.nn.functional as F


def make_optimizer(model, lr, momentum=0.9):
    \"\"\"Adam over the trainable parameters.\"\"\"
    return torch.optim.{ctor}


def train(loader, epochs):
    model = build_model()
    for epoch in range(epochs):
{body}
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
"""

_ADAM = "Adam(model.parameters(), lr=lr)"

#: a hand-written Learner: the epoch loop rebuilds ``self.opt``, a method
#: runs the batches (H15 p05)
_LEARNER = """
import torch
import torch.nn.functional as F


class Learner:
    def one_batch(self, xb, yb):
        loss = F.cross_entropy(self.model(xb), yb)
        loss.backward()
        self.opt.step()
        self.opt.zero_grad()

    def all_batches(self, dl):
        for xb, yb in dl:
            self.one_batch(xb, yb)

    def fit(self, n_epoch):
        for epoch in range(n_epoch):
{body}
            self.model.train()
            self.all_batches(self.train_dl)
"""

AUDIT_INVALID = [
    Invalid(
        _LEARNER.format(
            body="            self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)"
            "  # error: LF311 at `torch.optim.SGD(`"
        )
    ),
    # rebuilt at the top of every epoch by a factory of the file
    Invalid(
        _FACTORY.format(
            ctor=_ADAM,
            body="        optimizer = make_optimizer(model, 1e-3)"
            "  # error: LF311 at `make_optimizer(model, 1e-3)`",
        )
    ),
]

AUDIT_VALID = [
    # one model per fold, its optimiser with it
    _LEARNER.format(
        body="            self.model = build_model()\n"
        "            self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)"
    ),
    # rebuilt only when the backbone is unfrozen
    _FACTORY.format(
        ctor=_ADAM,
        body="        if epoch in (0, 5):\n            optimizer = make_optimizer(model, 1e-3)",
    ),
    # a new model per fold, and its optimiser with it
    _FACTORY.format(
        ctor=_ADAM,
        body="        model = build_model()\n        optimizer = make_optimizer(model, 1e-3)",
    ),
    # plain SGD keeps no state
    _FACTORY.format(
        ctor="SGD(model.parameters(), lr=lr)",
        body="        optimizer = make_optimizer(model, 1e-2)",
    ),
]
