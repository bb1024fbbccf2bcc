"""LF309 examples of flow models (normalizing_flows' Glow, audit R63): the
steps live in a subclass of ``nn.Sequential`` and the model is wrapped in
DistributedDataParallel or DataParallel. Nothing in it depends on the mode,
so a sampler's ``model.eval()`` inside the batch loop changes nothing. Its
classes nest five deep (a level holds a container of steps, each a container
subclass of layer classes): mode-free all the way down (silent), and the twin
whose innermost class holds a dropout. A mode-free UNet built in a helper
method and moved with ``self.model = self.model.cuda()`` is still known
(joeylitalien's noise2noise, audit R82); its twin with a batch norm fires.
A bare ``nn.Linear`` is mode-free too (anyscale's Ray Train notebook, audit
R81); an ``nn.Sequential`` with a dropout is not."""

from __future__ import annotations

from lossflint.examples import Invalid

_FLOW = """
import math

import torch
import torch.nn as nn


class Actnorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1, c, 1, 1))

    def forward(self, x):
        return x * self.scale, self.scale.abs().log().sum() - math.log(256)


class FlowSequential(nn.Sequential):
    def __init__(self, *args, **kwargs):
        self.checkpoint_grads = kwargs.pop("checkpoint_grads", None)
        super().__init__(*args, **kwargs)

    def forward(self, x):
        total = 0.0
        for module in self:
            x, logdet = module(x)
            total = total + logdet
        return x, total


class FlowStep(FlowSequential):
    def __init__(self, c):
        super().__init__(Actnorm(c), {second})


class Glow(nn.Module):
    def __init__(self, {params}):
        super().__init__()
        self.flowstep = {steps}

    def forward(self, x):
        return self.flowstep(x)

    def log_prob(self, x):
        z, logdet = self(x)
        return -(z**2).flatten(1).sum(1) + logdet


@torch.no_grad()
def generate(model, n):
    model.eval(){marker}
    return model(torch.randn(n, 3, 8, 8))


def train_epoch(model, loader, optimizer):
    model.train()
    for i, (x, _) in enumerate(loader):
        loss = -model.log_prob(x).mean(0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % 50 == 0:
            generate(model, 4)


def main(args, loader):
    model = Glow({built})
    if args.distributed:
        model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[args.local_rank])
    else:
        model = torch.nn.parallel.DataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(3):
        train_epoch(model, loader, optimizer)
"""

_STEPS = "FlowSequential(*[FlowStep(c) for _ in range(depth)], checkpoint_grads=checkpoint_grads)"


def _flow(marker: str = "", second: str = "Actnorm(c)", **given: str) -> str:
    parts = {"params": "c, depth, checkpoint_grads=False", "steps": _STEPS, "built": "3, 4"}
    parts.update(given)
    return _FLOW.format(marker=marker, second=second, **parts)


_GLOW = """
import torch
import torch.nn as nn


class Actnorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1, c, 1, 1))

    def forward(self, x):
        return x * self.scale


class Coupling(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(){extra})
        self.norm = Actnorm(c)

    def forward(self, x):
        return x + self.norm(self.net(x))


class FlowSequential(nn.Sequential):
    def __init__(self, *args, **kwargs):
        self.checkpoint_grads = kwargs.pop("checkpoint_grads", None)
        super().__init__(*args, **kwargs)


class FlowStep(FlowSequential):
    def __init__(self, c):
        super().__init__(Actnorm(c), Coupling(c))


class FlowLevel(nn.Module):
    def __init__(self, c, depth):
        super().__init__()
        self.steps = FlowSequential(*[FlowStep(c) for _ in range(depth)], checkpoint_grads=False)

    def forward(self, x):
        return self.steps(x)


class Glow(nn.Module):
    def __init__(self, c, depth, levels):
        super().__init__()
        self.levels = nn.ModuleList([FlowLevel(c, depth) for _ in range(levels)])

    def forward(self, x):
        for level in self.levels:
            x = level(x)
        return x


@torch.no_grad()
def generate(model, n):
    model.eval(){marker}
    return model(torch.randn(n, 3, 8, 8))


def train_epoch(model, loader, optimizer):
    model.train()
    for i, x in enumerate(loader):
        loss = model(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % 50 == 0:
            samples = generate(model, 4)


model = Glow(3, 4, 3)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    train_epoch(model, loader, optimizer)
"""

_NESTED_INVALID = [
    Invalid(_GLOW.format(extra=", nn.Dropout2d(0.1)", marker="  # error: LF309")),
]

_NESTED_VALID = [
    _GLOW.format(extra="", marker=""),
]


_MOVED = """
import torch
import torch.nn as nn


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 48, 3, padding=1), {norm}nn.Conv2d(48, 3, 3, padding=1))

    def forward(self, x):
        return self.body(x)


class Noise2Noise:
    def __init__(self, use_cuda):
        self._compile(use_cuda)

    def _compile(self, use_cuda):
        self.model = UNet()
        self.optim = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss = nn.L1Loss()
        if use_cuda:
            self.model = self.model.cuda()

    def eval(self, valid_loader):
        self.model.train(False){marker}
        return [self.loss(self.model(s), t).item() for s, t in valid_loader]

    def train(self, train_loader, valid_loader, epochs):
        self.model.train(True)
        for epoch in range(epochs):
            for source, target in train_loader:
                loss = self.loss(self.model(source), target)
                self.optim.zero_grad()
                loss.backward()
                self.optim.step()
            self.eval(valid_loader)
"""

_BARE = """
import torch
from torch import nn


def train_epoch(dataloader, model, loss_fn, optimizer):
    for X, y in dataloader:
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def validate_epoch(dataloader, model, loss_fn):
    model.eval(){marker}
    with torch.no_grad():
        return sum(loss_fn(model(X), y).item() for X, y in dataloader)


def train_func(train_loader, validation_loader, epochs=20):
    model = {model}
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    for e in range(epochs):
        train_epoch(train_loader, model, loss_fn, optimizer)
        validate_epoch(validation_loader, model, loss_fn)
"""


#: linear evaluation over a frozen encoder: ``eval()`` heads every epoch, and an
#: ``if`` between it and the batch loop picks the loader (AidenDurrant/MoCo-Pytorch,
#: audit s147); an ``if`` that evaluates there puts the epoch's model in eval mode
_HEADED = """
import torch
import torch.nn as nn
from tqdm import tqdm


def finetune(encoder, dataloaders, args, evaluate):
    optimiser = torch.optim.SGD(encoder.fc.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(args.finetune_epochs):
        encoder.eval(){marker}
        if {test}:
            {branch}
        else:
            train_dataloader = dataloaders["train"]
        for inputs, target in train_dataloader:
            optimiser.zero_grad()
            loss = criterion(encoder(inputs), target)
            loss.backward()
            optimiser.step()
"""

FLOW_INVALID = [
    Invalid(
        _HEADED.format(
            marker="  # error: LF309",
            test="epoch % 5 == 0",
            branch="with torch.no_grad():\n                evaluate(encoder)\n"
            '            train_dataloader = dataloaders["train"]',
        )
    ),
    Invalid(
        _BARE.format(
            model="nn.Sequential(nn.Linear(1, 8), nn.Dropout(0.2), nn.Linear(8, 1))",
            marker="  # error: LF309",
        )
    ),
    Invalid(_MOVED.format(norm="nn.BatchNorm2d(48), ", marker="  # error: LF309")),
    *_NESTED_INVALID,
    # a step holds dropout
    Invalid(_flow("  # error: LF309", second="nn.Dropout(0.1)")),
    # the container holds steps handed in from outside
    Invalid(
        _flow(
            "  # error: LF309",
            params="steps",
            steps="FlowSequential(*steps)",
            built="[nn.Dropout(0.5)]",
        )
    ),
]

FLOW_VALID = [
    _HEADED.format(
        marker="",
        test="args.print_progress",
        branch='train_dataloader = tqdm(dataloaders["train"])',
    ),
    _BARE.format(model="nn.Linear(1, 1)", marker=""),
    # ... wrapped by Ray Train for distributed training
    _BARE.format(model="train.torch.prepare_model(nn.Linear(1, 1))", marker="").replace(
        "from torch import nn\n", "from ray import train\nfrom torch import nn\n"
    ),
    _MOVED.format(norm="nn.LeakyReLU(0.1), ", marker=""),
    *_NESTED_VALID,
    _flow(),
    # a generator whose optional norm is None: nothing eval mode changes,
    # put in eval mode by a helper method (segan's shape, audit s84)
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(1, 8, 3, padding=1)
            self.norm = None
            self.out = nn.Conv1d(8, 1, 3, padding=1)

        def forward(self, x):
            h = self.conv(x)
            if self.norm is not None:
                h = self.norm(h)
            return self.out(torch.relu(h))

    class Trainer:
        def __init__(self):
            self.G = Generator()

        def evaluate(self, x):
            self.G.eval()
            with torch.no_grad():
                return self.G(x).mean()

        def train(self, data):
            opt = torch.optim.Adam(self.G.parameters(), lr=1e-3)
            for it, (x, y) in enumerate(data):
                opt.zero_grad()
                F.l1_loss(self.G(x), y).backward()
                opt.step()
                if it % 100 == 0:
                    self.evaluate(x)
    """,
]
