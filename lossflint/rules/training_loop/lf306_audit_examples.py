"""LF306 examples from the multi-file audit of 2026-12-02: ``losses +=
[loss]`` is an append of the graph-holding loss; kept apart so the rule
module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.training_loop.lf306_evaluation_examples import (
    EVALUATION_INVALID,
    EVALUATION_VALID,
)
from lossflint.rules.training_loop.lf306_step_examples import STEP_INVALID, STEP_VALID

_METER = """
import torch
import torch.nn as nn


class AverageMeter:
    def __init__(self):
        self.sum = 0.0
        self.count = 0
        self.last = None

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    def remember(self, val):
        self.last = val


model = nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
meter = AverageMeter()
for x, y in batches:
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    {line}
"""

AUDIT_INVALID = [
    *STEP_INVALID,
    *EVALUATION_INVALID,
    # a list kept in a dict of the trainer (session-11 held-out H13 p02)
    Invalid(
        """
        import torch.nn as nn

        class Trainer:
            def __init__(self, model, optimizer):
                self.model, self.optimizer = model, optimizer
                self.criterion = nn.CrossEntropyLoss()
                self.history = {"step_loss": []}

            def train_one_epoch(self, loader):
                for inputs, targets in loader:
                    self.optimizer.zero_grad()
                    loss = self.criterion(self.model(inputs), targets)
                    loss.backward()
                    self.optimizer.step()
                    self.history["step_loss"].append(loss)  # error: LF306 at `self.history["step_loss"].append(`
        """,
        fixed="""
        import torch.nn as nn

        class Trainer:
            def __init__(self, model, optimizer):
                self.model, self.optimizer = model, optimizer
                self.criterion = nn.CrossEntropyLoss()
                self.history = {"step_loss": []}

            def train_one_epoch(self, loader):
                for inputs, targets in loader:
                    self.optimizer.zero_grad()
                    loss = self.criterion(self.model(inputs), targets)
                    loss.backward()
                    self.optimizer.step()
                    self.history["step_loss"].append(loss.detach())  # error: LF306 at `self.history["step_loss"].append(`
        """,
    ),
    # accelerate runs autograd on the loss it is given (session-9 held-out H10)
    Invalid(
        """
        from accelerate import Accelerator

        accelerator = Accelerator()
        model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
        for epoch in range(3):
            epoch_loss = 0.0
            for batch in loader:
                loss = model(**batch).loss
                accelerator.backward(loss)
                epoch_loss += loss  # error: LF306
                optimizer.step()
                optimizer.zero_grad()
        """
    ),
    # the step's outputs, loss included, kept per batch (packnet-sfm's horovod
    # trainer; session-9 bug reports): no `.detach()` fix for a dict
    Invalid(
        """
        import torch

        outputs = []
        for i, batch in enumerate(loader):
            optimizer.zero_grad()
            output = {"loss": model(batch).pow(2).mean(), "step": i}
            output["loss"].backward()
            optimizer.step()
            outputs.append(output)  # error: LF306
        """
    ),
    # Mastering-PyTorch's style transfer: style_losses += [epoch_style_loss]
    Invalid(
        """
        import torch.nn as nn

        def train(model, opt, loader):
            losses = []
            for x, y in loader:
                opt.zero_grad()
                loss = nn.functional.mse_loss(model(x), y)
                loss.backward()
                opt.step()
                losses += [loss]  # error: LF306 at `losses += [loss]`
            return losses
        """,
        fixed="""
        import torch.nn as nn

        def train(model, opt, loader):
            losses = []
            for x, y in loader:
                opt.zero_grad()
                loss = nn.functional.mse_loss(model(x), y)
                loss.backward()
                opt.step()
                losses += [loss.detach()]  # error: LF306 at `losses += [loss]`
            return losses
        """,
    ),
    # an AverageMeter whose update adds the loss tensor into its sum (H8 p01)
    Invalid(
        _METER.format(line="meter.update(loss, x.size(0))  # error: LF306 at `meter.update(`"),
        fixed=_METER.format(
            line="meter.update(loss.detach(), x.size(0))  # error: LF306 at `meter.update(`"
        ),
    ),
    # the loss of a loss function handed in, weighted by the batch size
    # (MultiBench's Supervised_Learning.train, B10)
    Invalid(
        """
        def train(model, loader, objective, op, epochs):
            for epoch in range(epochs):
                totalloss = 0.0
                for j in loader:
                    op.zero_grad()
                    loss = objective(model(j[0]), j[-1])
                    totalloss += loss * len(j[-1])  # error: LF306 at `totalloss +=`
                    loss.backward()
                    op.step()
                print(totalloss)
        """,
        fixed="""
        def train(model, loader, objective, op, epochs):
            for epoch in range(epochs):
                totalloss = 0.0
                for j in loader:
                    op.zero_grad()
                    loss = objective(model(j[0]), j[-1])
                    totalloss += (loss * len(j[-1])).item()  # error: LF306 at `totalloss +=`
                    loss.backward()
                    op.step()
                print(totalloss)
        """,
    ),
    # audit s19: one operand of the sum still has the graph, so the sum has it
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        m_lst = []
        for x in loader:
            d_loss = F.l1_loss(D(x), x)
            opt.zero_grad()
            d_loss.backward()
            opt.step()
            m = d_loss.detach() + torch.abs(d_loss)
            m_lst.append(m)  # error: LF306 at `m_lst.append(`
        """,
        fixed="""
        import torch
        import torch.nn.functional as F

        m_lst = []
        for x in loader:
            d_loss = F.l1_loss(D(x), x)
            opt.zero_grad()
            d_loss.backward()
            opt.step()
            m = d_loss.detach() + torch.abs(d_loss)
            m_lst.append(m.detach())  # error: LF306 at `m_lst.append(`
        """,
    ),
]

AUDIT_VALID = [
    *STEP_VALID,
    *EVALUATION_VALID,
    # the list kept in a dict is back-propagated as a whole
    """
    import torch
    import torch.nn as nn

    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    parts = {"main": []}
    for x, y in loader:
        parts["main"].append(nn.functional.cross_entropy(model(x), y))
        if len(parts["main"]) == 4:
            opt.zero_grad()
            torch.stack(parts["main"]).mean().backward()
            opt.step()
            parts = {"main": []}
    """,
    # a gradient accumulator: its add() sums the losses that its backward()
    # back-propagates once (detaching them would train nothing)
    """
    import torch
    import torch.nn as nn

    class LossAccumulator:
        def __init__(self):
            self.total = 0.0

        def add(self, loss):
            self.total += loss

        def backward(self):
            self.total.backward()
            self.total = 0.0

    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    acc = LossAccumulator()
    for i, (x, y) in enumerate(batches):
        acc.add(nn.functional.cross_entropy(model(x), y))
        if (i + 1) % 4 == 0:
            opt.zero_grad()
            acc.backward()
            opt.step()
    """,
    # `.data` has no autograd graph, inline and through a name (MorvanZhou, keon)
    """
    import torch
    import torch.nn as nn

    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_func = nn.CrossEntropyLoss()
    losses = []
    for step in range(10):
        x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
        loss = loss_func(model(x), y)
        losses.append(loss.data)
        losses.append(loss.data[0])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    """,
    """
    import torch
    import torch.nn as nn

    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_func = nn.CrossEntropyLoss()
    log = []
    for step in range(10):
        x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
        loss = loss_func(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_val = loss.data
        log.append(loss_val)
    """,
    # ... given the number, or a method that only keeps the last value
    _METER.format(line="meter.update(loss.item(), x.size(0))"),
    _METER.format(line="meter.remember(loss)"),
    # the method keeps `v.data.sum()`: the caller's loss is detached first
    # (clovaai/deep-text-recognition-benchmark's Averager, session-9 corpus)
    """
    import torch

    class Averager:
        def __init__(self):
            self.n_count = 0
            self.sum = 0

        def add(self, v):
            count = v.data.numel()
            v = v.data.sum()
            self.n_count += count
            self.sum += v

    loss_avg = Averager()
    for x, y in loader:
        cost = criterion(model(x), y)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        loss_avg.add(cost)
    """,
    # audit s19 (GAN-Tutorial BEGAN): arithmetic of detached values has no
    # graph, through names and elementwise torch functions
    """
    import torch
    import torch.nn.functional as F

    m_lst = []
    for x in loader:
        d_loss = F.l1_loss(D(x), x)
        g_loss = F.l1_loss(D(G(x)), x)
        opt.zero_grad()
        d_loss.backward()
        opt.step()
        bal = (gamma * d_loss - g_loss).detach()
        m_global = d_loss.detach() + torch.abs(bal)
        m_lst.append(m_global)
        scaled = d_loss.detach() * 2
        m_lst.append(scaled)
    """,
    # a number or a hyper-parameter times the detached loss, a negation, a
    # loss computed under no_grad then scaled
    """
    import torch
    import torch.nn.functional as F

    def train(model, loader, opt, weight):
        history, total = [], 0.0
        for x, y in loader:
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            weighted = loss.detach() * weight
            history.append(weighted)
            neg = -loss.detach()
            history.append(neg)
            total += loss.item() * x.size(0)
            with torch.no_grad():
                val = F.mse_loss(model(x), y)
            val_sum = val * x.size(0) + 1
            history.append(val_sum)
        return history, total
    """,
]
