"""LF311 examples found by the held-out measurements: an optimiser rebuilt
every epoch through a same-file factory, or by the function that runs each
epoch (audit s19); not once per round of a method that runs whole epochs
itself (audit R78)."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.training_loop.lf311_handed_examples import HANDED_INVALID, HANDED_VALID

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

#: one epoch of training in a function the script calls once per epoch
#: (prakashpandey9/Text-Classification-Pytorch, audit s19)
_EPOCH_FUNCTION = """
import torch
import torch.nn.functional as F


def train_model(model, train_iter, epoch):
{build}
    model.train()
    for text, target in train_iter:
        optim.zero_grad()
        loss = F.cross_entropy(model(text), target)
        loss.backward()
        optim.step()


{main}
"""

_ADAM_IN_FUNCTION = (
    "    optim = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()))"
)
_EPOCHS = (
    "model = build_model()\nfor epoch in range(10):\n    train_model(model, train_iter, epoch)"
)

#: param groups rebuilt every epoch by a helper the counter is handed to
#: (held-out s18: a group unfrozen at a milestone, the optimiser built anew on
#: every pass)
_GROUPS = """
import torch
import torch.nn.functional as F


def groups_for(net, epoch, warm):
    body = [p for n, p in net.named_parameters() if not n.startswith("stem")]
    out = [{{"params": body}}]
{test}
    return out


def run(net, loader, warm=3, epochs=30):
    for epoch in range(epochs):
{build}
        net.train()
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
"""

_MILESTONE = (
    '    if epoch >= warm:\n        out.append({"params": net.stem.parameters(), "lr": 1e-4})'
)
_GROUPS_ADAM = "        opt = torch.optim.Adam(groups_for(net, epoch, warm), lr=1e-3)"

#: unfreezing the backbone at one epoch, the optimiser rebuilt {where}
_UNFREEZE = """
import torch

model = CRNN(80)
for p in model.cnn.parameters():
    p.requires_grad = False
for epoch in range(args.epochs):
    if {test}:
        for p in model.cnn.parameters():
            p.requires_grad = True
{build}
    for images, targets in train_loader:
        optimizer.zero_grad()
        loss = ctc(model(images), targets)
        loss.backward()
        optimizer.step()
"""
_EVERY_EPOCH = (
    "    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-4)"
)

AUDIT_INVALID = [
    *HANDED_INVALID,
    # a step decay by rebuilding Adam every few epochs (held-out H13 p05)
    Invalid(
        """
        import torch

        opt = torch.optim.Adam(net.parameters(), lr=2e-4)
        for epoch in range(100):
            if epoch > 0 and epoch % 20 == 0:
                opt = torch.optim.Adam(net.parameters(), lr=2e-4 * 0.5 ** (epoch // 20))  # error: LF311 at `torch.optim.Adam(`
            for x, y in loader:
                opt.zero_grad()
                loss_fn(net(x), y).backward()
                opt.step()
        """
    ),
    # the parameters change at one milestone; the Adam moments are reset at
    # every epoch (held-out s17 p04)
    Invalid(
        _UNFREEZE.format(
            where="every epoch",
            test="epoch == args.unfreeze_at",
            build=_EVERY_EPOCH + "  # error: LF311 at `torch.optim.AdamW(`",
        )
    ),
    Invalid(
        _GROUPS.format(
            test=_MILESTONE, build=_GROUPS_ADAM + "  # error: LF311 at `torch.optim.Adam(`"
        )
    ),
    # the counter chooses the parameters inline, at one milestone
    Invalid(
        _GROUPS.format(
            test="",
            build="        opt = torch.optim.AdamW(  # error: LF311 at `torch.optim.AdamW(`\n"
            "            net.parameters() if epoch >= warm else net.head.parameters()\n"
            "        )",
        )
    ),
    Invalid(
        _EPOCH_FUNCTION.format(
            build=_ADAM_IN_FUNCTION + "  # error: LF311 at `torch.optim.Adam(`", main=_EPOCHS
        )
    ),
    # a `while` loop counting epochs, the call inside a `with`
    Invalid(
        _EPOCH_FUNCTION.format(
            build="    optim = torch.optim.RMSprop(model.parameters(), lr=1e-3)"
            "  # error: LF311 at `torch.optim.RMSprop(`",
            main="def main(model, epochs):\n    epoch = 0\n    while epoch < epochs:\n"
            "        with timer():\n            train_model(model, loader, epoch)\n"
            "        epoch += 1",
        )
    ),
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
    *HANDED_VALID,
    # rebuilt once, at a milestone
    """
    import torch

    opt = torch.optim.Adam(net.parameters(), lr=2e-4)
    for epoch in range(100):
        if epoch == 50:
            opt = torch.optim.Adam(net.parameters(), lr=1e-5)
        for x, y in loader:
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()
    """,
    # ... rebuilt at the milestone only
    _UNFREEZE.format(
        where="there",
        test="epoch == args.unfreeze_at",
        build="    " + _EVERY_EPOCH,
    ).replace("for epoch in", _EVERY_EPOCH.strip() + "\nfor epoch in"),
    # ... toggled on a pattern of passes, not at one milestone: which passes
    # change the parameters is not known, silence
    _UNFREEZE.format(
        where="every epoch",
        test="epoch >= args.unfreeze_at and epoch % 2 == 0",
        build=_EVERY_EPOCH,
    ),
    # gradual unfreezing: a new layer on every pass
    _UNFREEZE.format(
        where="every epoch",
        test="True",
        build=_EVERY_EPOCH,
    ).replace(
        "model.cnn.parameters():\n            p.requires",
        "model.cnn[-(epoch + 1)].parameters():\n            p.requires",
    ),
    # gradual unfreezing: one more block of parameters on every pass
    _GROUPS.format(
        test='    out.append({"params": net.blocks[-(epoch + 1)].parameters()})',
        build=_GROUPS_ADAM,
    ),
    # several milestones: a new set of groups on (possibly) every pass
    _GROUPS.format(
        test=_MILESTONE + "\n    if epoch == 1:\n        out = out[:1]\n"
        "    if epoch == 2:\n        out.reverse()",
        build=_GROUPS_ADAM,
    ),
    # the same helper, built once before the loop, rebuilt at the milestone only
    _GROUPS.format(test=_MILESTONE, build="        if epoch == warm:\n    " + _GROUPS_ADAM).replace(
        "    for epoch in range(epochs):\n",
        "    opt = torch.optim.Adam(groups_for(net, 0, warm))\n    for epoch in range(epochs):\n",
    ),
    # a loop over stages, not epochs: one optimiser per stage
    _GROUPS.format(test=_MILESTONE, build=_GROUPS_ADAM.replace("epoch,", "stage,")).replace(
        "for epoch in range(epochs)", "for stage in range(epochs)"
    ),
    # a fresh optimiser per pruning round, each round fine-tuning whole epochs
    # through a method (KD_Lib's iterative pruning, audit R78)
    """
    import torch
    import torch.nn as nn


    class Pruner:
        def __init__(self, model, train_loader):
            self.model = model
            self.train_loader = train_loader
            self.loss_fn = nn.CrossEntropyLoss()
            self.optimizer = torch.optim.Adam(self.model.parameters())

        def train_model(self):
            for data, label in self.train_loader:
                loss = self.loss_fn(self.model(data), label)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()

        def finetune_model(self, epochs):
            for ep in range(epochs):
                self.train_model()

        def prune_model(self):
            pass

        def prune(self, num_iterations=10, train_epochs=10):
            for it in range(num_iterations):
                if it != 0:
                    self.prune_model()
                self.optimizer = torch.optim.Adam(self.model.parameters())
                self.finetune_model(train_epochs)
    """,
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
    # the function is called once
    _EPOCH_FUNCTION.format(build=_ADAM_IN_FUNCTION, main="train_model(build_model(), it, 0)"),
    # one call per fold or trial: a fresh optimiser for each run is right
    _EPOCH_FUNCTION.format(
        build=_ADAM_IN_FUNCTION,
        main="for fold in range(5):\n    train_model(model, folds[fold], 0)",
    ),
    # a new model per pass, handed to the function: a restart
    _EPOCH_FUNCTION.format(
        build=_ADAM_IN_FUNCTION,
        main="for epoch in range(10):\n    model = build_model()\n"
        "    train_model(model, it, epoch)",
    ),
    # the function builds the model too
    _EPOCH_FUNCTION.format(build="    model = build_model()\n" + _ADAM_IN_FUNCTION, main=_EPOCHS),
    # built on the first call only
    _EPOCH_FUNCTION.format(
        build="    global optim\n    if optim is None:\n" + "    " + _ADAM_IN_FUNCTION,
        main="optim = None\n" + _EPOCHS,
    ),
    # the function runs every epoch itself: called once per run
    """
    import torch
    import torch.nn.functional as F

    def fit(model, loader, epochs):
        opt = torch.optim.Adam(model.parameters())
        for epoch in range(epochs):
            for x, y in loader:
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()

    for run in range(3):
        fit(model, loader, 10)
    for _ in range(3):
        fit(model, loader, 10)
    """,
    # independent runs: each pass hands the function a new model, or another one
    _EPOCH_FUNCTION.format(
        build=_ADAM_IN_FUNCTION,
        main="for _ in range(5):\n    runs.append(train_model(build_model(), it, 0))",
    ),
    _EPOCH_FUNCTION.format(
        build=_ADAM_IN_FUNCTION,
        main="for epoch in range(2):\n    train_model(nets[epoch], it, epoch)",
    ),
    # a loop over learning rates, not epochs
    _EPOCH_FUNCTION.format(
        build=_ADAM_IN_FUNCTION,
        main="for lr in (1e-3, 1e-4):\n    train_model(model, it, lr)",
    ),
    # one optimiser per independent run of a model started afresh (ogb's
    # examples: model.reset_parameters(), then Adam, then the epochs; audit R62)
    """
    import torch
    import torch.nn.functional as F

    def train(model, x, y, optimizer):
        model.train()
        optimizer.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def main(model, x, y, runs=10, epochs=100):
        for run in range(runs):
            model.reset_parameters()
            optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
            for epoch in range(1, 1 + epochs):
                train(model, x, y, optimizer)
    """,
]
