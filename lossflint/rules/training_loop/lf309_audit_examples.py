"""LF309 examples from the multi-file audit of 2026-12-02: a model that
computes the same in both modes, returned by a factory in a tuple with a
layer the analysis does not model (silent), next to its dropout twin; kept
apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.training_loop.lf309_collection_examples import (
    COLLECTION_INVALID,
    COLLECTION_VALID,
)
from lossflint.rules.training_loop.lf309_loop_examples import LOOP_INVALID, LOOP_VALID

_FACTORY = """
import torch
import torch.nn as nn


def get_model():
    model = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=3),
        nn.MaxPool2d(2),
        nn.ReLU(),{extra}
        nn.Flatten(),
        nn.Linear(10816, 10),
    )
    return model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-3)


@torch.no_grad()
def accuracy(x, y, model):
    model.eval(){marker}
    return (model(x).argmax(-1) == y).tolist()


def main(trn_dl, val_dl):
    model, loss_fn, optimizer = get_model()
    for epoch in range(5):
        for x, y in trn_dl:
            loss_fn(model(x), y).backward()
            optimizer.step()
            optimizer.zero_grad()
        for x, y in val_dl:
            accuracy(x, y, model)
"""

_SELF_EVAL = """
import torch
import torch.nn as nn


class WaveRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(80, 128, 5)
        self.bn = nn.BatchNorm1d(128)
        self.out = nn.Linear(128, 256)

    def forward(self, mels):
        return self.out(torch.relu(self.bn(self.conv(mels))).mean(-1))

    def generate(self, mels):
        self.eval(){marker}
        with torch.no_grad():
            return self.forward(mels).argmax(-1)
{restore}

def train(loader, mels):
    model = WaveRNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    for epoch in range(350):{top}
        for m, y in loader:
            loss = nn.functional.cross_entropy(model(m), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.generate(mels)
"""

#: a wrapper class whose methods switch its encoders' modes (vsepp's VSE:
#: ``val_start``/``train_start``), validated every few hundred iterations
_WRAPPER = """
import torch
import torch.nn as nn


class VSE:
    def __init__(self):
        self.img_enc = nn.Sequential(nn.Linear(10, 10), nn.Dropout(0.5))
        self.optimizer = torch.optim.Adam(self.img_enc.parameters(), lr=2e-4)

    def train_start(self):
        self.img_enc.train()

    def val_start(self):
        self.img_enc.eval(){marker}

    def train_emb(self, images, targets):
        self.optimizer.zero_grad()
        (self.img_enc(images) - targets).pow(2).sum().backward()
        self.optimizer.step()


def validate(val_loader, model):
    model.val_start()
    with torch.no_grad():
        out = [model.img_enc(images) for images, _ in val_loader]{restore}
    return out


def train(train_loader, model, val_loader):
    for i, (images, targets) in enumerate(train_loader):
        model.train_emb(images, targets)
        if i % 500 == 0:
            validate(val_loader, model)


vse = VSE()
for epoch in range(30):
    vse.train_start()
    train(train_loader, vse, val_loader)
"""

#: a module-level ``test()`` switching the global model, called every few
#: steps from the training loop (coRNN's adding task, issue #1; session-9 B9)
_GLOBAL_TEST = """
import torch
from torch import nn, optim

model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 1))
objective = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=1e-3)

def test():
    model.eval(){marker}
    with torch.no_grad():
        out = model(torch.randn(4, 2)){restore}
    return out

def train():
    model.train()
    for i in range(100):
        optimizer.zero_grad()
        loss = objective(model(torch.randn(4, 2)), torch.randn(4, 1))
        loss.backward()
        optimizer.step()
        if i % 10 == 0:
            test()

train()
"""

_CLOSURES = """
import torch
import torch.nn as nn

def main(loader, eval_loader, eval_steps):
    model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.1), nn.Linear(8, 2))
    optim = torch.optim.Adam(model.parameters())

    def _train_epoch():
        model.train()
        for step, (x, y) in enumerate(loader):
            optim.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optim.step()
            if step % eval_steps == 0:
                _eval_epoch(){restore}

    @torch.no_grad()
    def _eval_epoch():
        model.eval(){marker}
        for x, y in eval_loader:
            print((model(x).argmax(1) == y).float().mean())

    for _ in range(3):
        _train_epoch()
"""

_INSTANCE_NORM = """
import torch
import torch.nn as nn

class ResidualBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch{extra}), nn.ReLU(),
        )

    def forward(self, x):
        return x + self.block(x)

G = nn.Sequential(nn.Conv2d(3, 8, 7), nn.InstanceNorm2d(8), ResidualBlock(8), nn.Tanh())
opt = torch.optim.Adam(G.parameters(), lr=2e-4)
for epoch in range(5):
    for x in loader:
        opt.zero_grad()
        G(x).abs().mean().backward()
        opt.step()
    G.eval(){marker}
    sample = G(x)
"""

#: the epoch loop trains through a same-file function running one epoch
#: (held-out s18: ``train_one_epoch(...)`` called from the loop in ``main``)
_EPOCH_FUNCTION = """
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(net, batches, opt):
{head}    for x, y in batches:
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()


def check(net, batches):
{check}    with torch.no_grad():
        total = sum(F.cross_entropy(net(x), y).item() for x, y in batches)
{after}    return total


def main(train_batches, val_batches, n_epochs=20):
{build}    for ep in range(n_epochs):
{top}        run_epoch(net, train_batches, opt)
{eval}        print(ep, check(net, val_batches))
"""

_NET = (
    "    net = nn.Sequential(nn.Linear(16, 64), nn.Dropout(0.3), nn.Linear(64, 4))\n"
    "    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)\n"
)


def _epoch_function(
    head: str = "",
    check: str = "",
    after: str = "",
    build: str = _NET,
    top: str = "",
    eval: str = "",
) -> str:
    return _EPOCH_FUNCTION.format(
        head=head, check=check, after=after, build=build, top=top, eval=eval
    )


#: a class whose epoch loop runs the batches in a method of its own
_METHOD_EPOCHS = """
import torch
import torch.nn.functional as F


class Fitter:
    def __init__(self, net, loader):
        self.net, self.loader = net, loader
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)

    def one_epoch(self):
{head}        for x, y in self.loader:
            self.opt.zero_grad()
            F.mse_loss(self.net(x), y).backward()
            self.opt.step()

    def fit(self, epochs):
        for epoch in range(epochs):
            self.one_epoch()
            self.net.eval(){marker}
            self.report()
"""

AUDIT_INVALID = [
    *LOOP_INVALID,
    *COLLECTION_INVALID,
    Invalid(_epoch_function(eval="        net.eval()  # error: LF309 at `net.eval(`\n")),
    # the `.eval()` in the evaluation helper the loop calls
    Invalid(_epoch_function(check="    net.eval()  # error: LF309 at `net.eval(`\n")),
    # a `while` loop over epochs
    Invalid(
        _epoch_function(eval="        net.eval()  # error: LF309 at `net.eval(`\n").replace(
            "    for ep in range(n_epochs):\n",
            "    ep = 0\n    while ep < n_epochs:\n        ep += 1\n",
        )
    ),
    Invalid(_METHOD_EPOCHS.format(head="", marker="  # error: LF309 at `self.net.eval(`")),
    Invalid(_GLOBAL_TEST.format(marker="  # error: LF309", restore="")),
    # the step method clips only when configured: its backward and step still
    # run on every call, so the loop over batches trains (session-9 held-out)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        class Trainer:
            def __init__(self, model, optimizer, grad_clip=None):
                self.model, self.optimizer, self.grad_clip = model, optimizer, grad_clip

            def _step(self, ids, labels):
                loss = F.cross_entropy(self.model(ids), labels)
                self.optimizer.zero_grad()
                loss.backward()
                if self.grad_clip:
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
                self.optimizer.step()
                return loss.item()

            @torch.no_grad()
            def evaluate(self, loader):
                self.model.eval()  # error: LF309
                return sum((self.model(x).argmax(-1) == y).sum().item() for x, y in loader)

            def fit(self, train_dl, valid_dl, epochs):
                self.model.train()
                for epoch in range(epochs):
                    for ids, labels in train_dl:
                        self._step(ids, labels)
                    self.evaluate(valid_dl)
        """
    ),
    # validation every 500 iterations leaves the encoder in eval mode for the
    # rest of the epoch (two calls deep: validate → model.val_start)
    Invalid(_WRAPPER.format(marker="  # error: LF309", restore="")),
    Invalid(_FACTORY.format(extra="\n        nn.Dropout(0.2),", marker="  # error: LF309")),
    # the model's own method switches it to eval mode (Real-Time-Voice-Cloning's
    # vocoder): training goes on with frozen batch-norm statistics
    Invalid(_SELF_EVAL.format(marker="  # error: LF309", restore="", top="")),
    # closures of main() sharing its model: the evaluation every N steps of
    # the batch loop leaves it in eval mode for the rest of the epoch (texar's
    # bert_classifier_main.py, B10)
    Invalid(_CLOSURES.format(marker="  # error: LF309", restore="")),
    # ... an instance norm that keeps running statistics uses them in eval mode
    Invalid(_INSTANCE_NORM.format(extra=", track_running_stats=True", marker="  # error: LF309")),
    # ... given by position (num_features, eps, momentum, affine, track_running_stats)
    Invalid(_INSTANCE_NORM.format(extra=", 1e-5, 0.1, False, True", marker="  # error: LF309")),
]

AUDIT_VALID = [
    *LOOP_VALID,
    *COLLECTION_VALID,
    # the epoch function puts the model in train mode itself
    _epoch_function(head="    net.train()\n", eval="        net.eval()\n"),
    _METHOD_EPOCHS.format(head="        self.net.train()\n", marker=""),
    # the evaluation helper switches back to train mode at its end
    _epoch_function(check="    net.eval()\n", after="    net.train()\n"),
    # a new model on every pass (one run per trial), in train mode when built
    _epoch_function(build="", top=_NET.replace("    ", "        ", 2), eval="        net.eval()\n"),
    # the loop evaluates another model than the one the function trains
    _epoch_function(
        build=_NET
        + "    clf = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))\n"
        "    clf_opt = torch.optim.Adam(clf.parameters())\n",
        eval="        clf.eval()\n",
    ),
    # the function runs every epoch itself: the outer loop repeats whole runs
    _epoch_function(head="    for _ in range(10):\n", eval="        net.eval()\n")
    .replace(
        "    for x, y in batches:\n        opt", "        for x, y in batches:\n            opt"
    )
    .replace(
        "\n        F.cross_entropy(net(x), y).backward()\n        opt.step()",
        "\n            F.cross_entropy(net(x), y).backward()\n            opt.step()",
    ),
    _GLOBAL_TEST.format(marker="", restore="\n    model.train()"),
    # ... and its twin whose validate() puts the encoder back through the wrapper
    _WRAPPER.format(marker="", restore="\n    model.train_start()"),
    # ... and its twin that puts the model back in train mode each epoch
    _SELF_EVAL.format(marker="", restore="", top="\n        model.train()"),
    # ... and the closures' twin that puts the model back after evaluating
    _CLOSURES.format(marker="", restore="\n                model.train()"),
    # model.train(mode) with a flag
    """
    import torch

    def fit(model, loader, optimizer, flag):
        for epoch in range(3):
            model.train(flag)
            for x in loader:
                optimizer.zero_grad()
                model(x).mean().backward()
                optimizer.step()
            model.eval()
    """,
    # Modern-Computer-Vision-with-PyTorch: no dropout, no batch norm, eval() changes nothing
    _FACTORY.format(extra="", marker=""),
    # ... its CycleGAN: instance norms keep no running statistics by default
    _INSTANCE_NORM.format(extra="", marker=""),
    # ... an affine instance norm (learned scale and shift) keeps none either
    _INSTANCE_NORM.format(extra=", affine=True", marker=""),
    _INSTANCE_NORM.format(extra=", 1e-5, 0.1, True", marker=""),
]
