"""LF310 examples of scheduler steps under a configuration switch (BERT4Rec-VAE's
``if self.args.enable_lr_schedule:``, audit R42): a setting fixed for the run
is taken the same way on every pass; a test that may count passes is not;
kept apart so the rule module stays small. A warm-up stepped under a test
that holds on the run's first pass (Teacher-free-KD's ``if epoch <= 0:``
with the epoch counted from 0 by its caller, audit s92; ``if i <
warmup_iters:``) runs before the first optimiser step; a test false on the
first pass (``if epoch >= 5:``, epochs counted from 1) or a counter not
known to start at 0 stays silent. A key of a settings dict
(``if bool(parser["do_lr_decay"]):``, RawNet, audit s117) is a switch unless
the file writes that key; an epoch loop that steps the scheduler, then calls
a training function in one branch of a dispatch (``if algo == BASELINE:
baseline_loop(...)``, haowei01/pytorch-examples, audit s116), steps it before
the optimiser whichever branch trains."""

from __future__ import annotations

from lossflint.examples import Invalid

_WARMUP = """
import torch


def train(model, optimizer, loader, warmup_scheduler, epoch):
    model.train()
    for x, y in loader:
        if {test}:
            warmup_scheduler.step(){marker}
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main(model, optimizer, loader, warmup_scheduler, epochs):
    for epoch in range({epochs}):
        train(model, optimizer, loader, warmup_scheduler, epoch)
"""

_DICT = """
import torch

parser = {{"do_lr_decay": 1, "lr_decay": "keras"}}


def train_model(model, db_gen, optimizer, lr_scheduler, criterion):
    model.train()
    for m_batch, m_label in db_gen:
        if bool(parser["do_lr_decay"]):
            if parser["lr_decay"] == "keras": lr_scheduler.step(){marker}
        loss = criterion(model(m_batch), m_label)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
{after}"""

_DISPATCH = """
import torch

BASELINE = "baseline"


def baseline_loop(net, loss_func, optimizer, loader):
    for x, y in loader:
        optimizer.zero_grad()
        loss_func(net(x), y).backward()
        optimizer.{step}()


def train(net, loader, train_algo, epochs=100):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)
    for i in range(epochs):
        scheduler.step(){marker}
        net.train()
        if train_algo == BASELINE:
            baseline_loop(net, torch.nn.MSELoss(), optimizer, loader)
        else:
            print("unknown algorithm")
"""

SWITCH_INVALID = [
    Invalid(_DICT.format(marker="  # error: LF310", after="")),
    Invalid(_DISPATCH.format(step="step", marker="  # error: LF310")),
    Invalid(_WARMUP.format(test="epoch <= 0", marker="  # error: LF310", epochs="epochs")),
    Invalid(_WARMUP.format(test="epoch < 1", marker="  # error: LF310", epochs="0, epochs")),
    Invalid(
        """
        import torch

        def fit(model, optimizer, loader, warmup_scheduler, warmup_iters):
            for i, (x, y) in enumerate(loader):
                if i < warmup_iters:
                    warmup_scheduler.step()  # error: LF310
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(model(x), y).backward()
                optimizer.step()
        """
    ),
    # the epoch function steps the scheduler first whenever it is enabled
    Invalid(
        """
        class Trainer:
            def __init__(self, args, model, loader, optimizer, lr_scheduler):
                self.args, self.model, self.loader = args, model, loader
                self.optimizer, self.lr_scheduler = optimizer, lr_scheduler

            def train_one_epoch(self, epoch):
                self.model.train()
                if self.args.enable_lr_schedule:
                    self.lr_scheduler.step()  # error: LF310
                for x, y in self.loader:
                    self.optimizer.zero_grad()
                    self.model(x, y).backward()
                    self.optimizer.step()
        """
    ),
    # two settings joined by ``and`` (char-cnn-text-classification, audit s121)
    Invalid(
        """
        def train(args, model, loader, optimizer, scheduler):
            for epoch in range(args.epochs):
                if args.dynamic_lr and args.optimizer != "Adam":
                    scheduler.step()  # error: LF310
                for x, y in loader:
                    optimizer.zero_grad()
                    model(x, y).backward()
                    optimizer.step()
        """
    ),
    # the same at the top of an epoch loop, the switch compared with a name
    Invalid(
        """
        def train(args, model, loader, optimizer, scheduler):
            for epoch in range(args.epochs):
                if args.schedule == "step":
                    scheduler.step()  # error: LF310
                for x, y in loader:
                    optimizer.zero_grad()
                    model(x, y).backward()
                    optimizer.step()
        """
    ),
    # the switch names the scheduler it picks, then a function of the file
    # trains one epoch (tugstugi/pytorch-speech-commands, audit R60)
    Invalid(
        """
        import torch

        if args.lr_scheduler == "plateau":
            lr_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)
        else:
            lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)


        def train(epoch):
            model.train()
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()


        for epoch in range(30):
            if args.lr_scheduler == "step":
                lr_scheduler.step()  # error: LF310
            train(epoch)
            if args.lr_scheduler == "plateau":
                lr_scheduler.step(metrics=0.0)
        """
    ),
]

SWITCH_VALID = [
    # the key is switched on by the training itself, after some passes
    _DICT.format(
        marker="",
        after="""

def on_plateau():
    parser["do_lr_decay"] = 1
""",
    ),
    # the branch only zeroes gradients: no optimiser step follows
    _DISPATCH.format(step="zero_grad", marker=""),
    _WARMUP.format(test="epoch >= 5", marker="", epochs="epochs"),
    _WARMUP.format(test="epoch <= 1", marker="", epochs="2, epochs"),
    _WARMUP.format(test="epoch <= 0", marker="", epochs="1, epochs + 1"),
    # resumed from a start not known to be 0 (``range(start_epoch, n)``): unsure
    _WARMUP.format(test="epoch <= 0", marker="", epochs="epochs // 2, epochs"),
    # a setting and a counter: the first epoch is skipped
    """
    def train(args, model, loader, optimizer, scheduler):
        for epoch in range(args.epochs):
            if args.dynamic_lr and epoch > 0:
                scheduler.step()
            for x, y in loader:
                optimizer.zero_grad()
                model(x, y).backward()
                optimizer.step()
    """,
    # tests that count passes: the first epoch is skipped on purpose
    """
    def train(model, loader, optimizer, scheduler, epochs):
        for epoch in range(epochs):
            if epoch > 0:
                scheduler.step()
            for x, y in loader:
                optimizer.zero_grad()
                model(x, y).backward()
                optimizer.step()

    def train_one_epoch(model, loader, optimizer, scheduler, epoch):
        if epoch:
            scheduler.step()
        for x, y in loader:
            optimizer.zero_grad()
            model(x, y).backward()
            optimizer.step()
    """,
    # a flag the loop itself sets, and one a trainer changes in its epochs
    """
    def train(model, loader, optimizer, scheduler, epochs):
        for epoch in range(epochs):
            use_scheduler = epoch >= 5
            if use_scheduler:
                scheduler.step()
            for x, y in loader:
                optimizer.zero_grad()
                model(x, y).backward()
                optimizer.step()

    class Trainer:
        def fit(self, loader, epochs):
            self.decay = False
            for epoch in range(epochs):
                if self.decay:
                    self.scheduler.step()
                for x, y in loader:
                    self.optimizer.zero_grad()
                    self.model(x, y).backward()
                    self.optimizer.step()
                self.decay = True
    """,
    # switched on between passes by the caller: the first scheduler step comes
    # after the optimiser steps of the epochs before it
    """
    class Trainer:
        def __init__(self, model, loader, optimizer, scheduler):
            self.model, self.loader = model, loader
            self.optimizer, self.scheduler = optimizer, scheduler
            self.decay = False

        def train_one_epoch(self):
            if self.decay:
                self.scheduler.step()
            for x, y in self.loader:
                self.optimizer.zero_grad()
                self.model(x, y).backward()
                self.optimizer.step()

        def fit(self, epochs):
            for epoch in range(epochs):
                if epoch == 5:
                    self.decay = True
                self.train_one_epoch()

    def run_epoch(model, loader, optimizer, scheduler, decay):
        if decay:
            scheduler.step()
        for x, y in loader:
            optimizer.zero_grad()
            model(x, y).backward()
            optimizer.step()

    def fit(model, loader, optimizer, scheduler):
        for epoch in range(10):
            run_epoch(model, loader, optimizer, scheduler, decay=epoch >= 5)
    """,
]

#: a scheduler chosen by a setting, with an ``elif`` and an ``else`` beside its
#: arm (PC-DARTS's train_imagenet.py, audit s179): the cosine arm, once
#: chosen, steps before every epoch's training
_CHOSEN = """
import sys

import torch


def train(queue, model, criterion, optimizer):
    for x, y in queue:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()


def main(args, model, queue):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, float(args.epochs))
    for epoch in range(args.epochs):
        if args.lr_scheduler == "cosine":
            scheduler.step(){marker}
        elif args.lr_scheduler == "linear":
            pass
        else:
            sys.exit(1)
        train(queue, model, torch.nn.CrossEntropyLoss(), optimizer)
        {after}
"""

SWITCH_INVALID.append(Invalid(_CHOSEN.format(marker="  # error: LF310", after="pass")))
SWITCH_VALID.append(
    _CHOSEN.format(marker="", after="pass")
    .replace(
        "        if args.lr_scheduler",
        "        train(queue, model, torch.nn.CrossEntropyLoss(), optimizer)\n        if args.lr_scheduler",
    )
    .replace(
        "        train(queue, model, torch.nn.CrossEntropyLoss(), optimizer)\n        pass",
        "        pass",
    )
)
