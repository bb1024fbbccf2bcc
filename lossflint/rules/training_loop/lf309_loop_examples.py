"""LF309 examples of audit R21 (jeffheaton/app_deep_learning): an ``eval()``
on the last pass of the batch loop (``if i == len(steps) - 1:``) or followed
by ``break`` runs after that loop's last training step, and the epoch loop's
``model.train()`` resets it (silent); the same without that reset, a test on
another counter or length, a step after the test, or a periodic test fire.
Kept apart so the rule module stays small. A head trained on purpose over a
frozen batch-norm backbone in eval mode (SSKD's ``student.py``, audit s92):
``t_model.eval()`` heads every epoch right before the batch loop, so no
epoch, the first included, trains in train mode (silent); its twins evaluate
the model in between (``validate(model)``, a ``no_grad`` pass) and fire."""

from __future__ import annotations

from lossflint.examples import Invalid

#: the Heaton notebooks (``05_2_cnn``, ``08_2_pytorch_ensembles``): validation
#: on the last batch, ``model.train()`` at the top of every epoch
_HEATON = """
import torch
import tqdm
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
opt = torch.optim.Adam(model.parameters())
loss_fn = nn.CrossEntropyLoss()
epoch, done = 0, False
while not done and epoch < 1000:
    epoch += 1
    steps = list(enumerate(dataloader_train))
    pbar = tqdm.tqdm(steps){top}
    for i, (x_batch, y_batch) in pbar:
        loss = loss_fn(model(x_batch), y_batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if {test}:
            model.eval(){marker}
            with torch.no_grad():
                vloss = loss_fn(model(x_val), y_val)
                done = es(model, vloss)
"""

#: the batch loop written three ways, the epoch loop resetting train mode
_EPOCH = """
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
n_batches = len(loader)
for epoch in range(10):{top}
    for {head}:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if {test}:
            model.eval(){marker}
            with torch.no_grad():
                print(model(x_val).argmax(-1))
{tail}"""

#: the last-batch validation through a same-file helper holding the ``eval()``
_HELPER = """
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def validate(net):
    net.eval(){marker}
    with torch.no_grad():
        print(net(x_val))


for epoch in range(10):{top}
    for i, (x, y) in enumerate(loader):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if i == len(loader) - 1:
            validate(model)
"""

_RESET = "\n    model.train()"
_ERROR = "  # error: LF309 at `model.eval(`"


def _heaton(test: str, top: str = _RESET, marker: str = "") -> str:
    return _HEATON.format(test=test, top=top, marker=marker)


def _epoch(head: str, test: str, top: str = _RESET, marker: str = "", tail: str = "") -> str:
    return _EPOCH.format(head=head, test=test, top=top, marker=marker, tail=tail)


_ENUM = "i, (x, y) in enumerate(loader)"

#: SSKD: ``t_model.eval()`` heads the epoch, before the training pass
_HEADED = """
import torch
import torch.nn.functional as F


def fit(t_model, t_optimizer, train_loader, val_loader, epochs, validate):
    for epoch in range(epochs):
        t_model.eval(){marker}
        meter = []{between}
        for x, y in train_loader:
            t_optimizer.zero_grad()
            loss = F.cross_entropy(t_model(x, bb_grad=False), y)
            loss.backward()
            t_optimizer.step()
            meter.append(loss.item())
        t_model.eval()
        with torch.no_grad():
            acc = [t_model(x).argmax(1) == y for x, y in val_loader]
"""

_SEEDS = """
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(10, 32), nn.Dropout(0.5), nn.Linear(32, 3))

        def forward(self, x):
            return self.body(x)

    {built_once}
    for seed in [0, 1, 2]:
        torch.manual_seed(seed)
        {built_each}
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        for epoch in range(5):
            for X, y in train_iter:
                optimizer.zero_grad()
                nn.functional.cross_entropy(net(X), y).backward()
                optimizer.step()
        with torch.no_grad():
            net.eval(){marker}
            accuracy = sum((net(X).argmax(1) == y).sum() for X, y in test_iter)
"""

LOOP_INVALID = [
    # one network trained on under every seed: the second seed trains it in
    # eval mode
    Invalid(_SEEDS.format(built_once="net = Net()", built_each="", marker="  # error: LF309")),
    Invalid(
        _HEADED.format(marker="  # error: LF309", between="\n        validate(t_model, val_loader)")
    ),
    Invalid(
        _HEADED.format(
            marker="  # error: LF309",
            between="\n        with torch.no_grad():\n"
            "            acc = [t_model(x).argmax(1) == y for x, y in val_loader]",
        )
    ),
    # the helper evaluates a model without dropout from one loop and one with
    # dropout from another: the second loop trains in eval mode
    Invalid(
        """
        import torch
        from torch import nn

        def train_step(model, loader, opt):
            for x, y in loader:
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()

        def test_step(model, loader):
            model.eval()  # error: LF309 at `model.eval()`
            with torch.inference_mode():
                for x, y in loader:
                    print(model(x))

        model_1 = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.ReLU(), nn.Linear(10, 10))
        opt_1 = torch.optim.SGD(model_1.parameters(), lr=0.1)
        for epoch in range(3):
            train_step(model=model_1, loader=train_dl, opt=opt_1)
            test_step(model=model_1, loader=test_dl)
        model_2 = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Dropout(0.2), nn.Linear(10, 10))
        opt_2 = torch.optim.SGD(model_2.parameters(), lr=0.1)
        for epoch in range(3):
            train_step(model=model_2, loader=train_dl, opt=opt_2)
            test_step(model=model_2, loader=test_dl)
        """
    ),
    # through a helper, and no reset in the epoch loop
    Invalid(_HELPER.format(top="", marker="  # error: LF309 at `net.eval(`")),
    # no `model.train()` in the epoch loop: from the second epoch on every
    # step runs in eval mode, whatever batch the eval came on
    Invalid(_heaton("i == len(steps) - 1", top="", marker=_ERROR)),
    # a periodic test: steps after it in the same epoch run in eval mode
    Invalid(_heaton("i % 2 == 0", marker=_ERROR)),
    # the test reads the epoch counter, not the batch loop's
    Invalid(_epoch(_ENUM, "epoch == len(loader) - 1", marker=_ERROR)),
    # the length of another collection than the loop runs over
    Invalid(_epoch(_ENUM, "i == len(val_loader) - 1", marker=_ERROR)),
    # counted from 1: `i == len(loader) - 1` is the second-to-last batch
    Invalid(_epoch("i, (x, y) in enumerate(loader, 1)", "i == len(loader) - 1", marker=_ERROR)),
    # the last pass, but its own step comes after the eval
    Invalid(
        """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(10):
            model.train()
            for i, (x, y) in enumerate(loader):
                if i == len(loader) - 1:
                    model.eval()  # error: LF309 at `model.eval(`
                    print(model(x_val))
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
        """
    ),
    # `break` only under a further test: the loop may go on in eval mode
    Invalid(
        _epoch(
            _ENUM,
            "i % 100 == 0",
            marker=_ERROR + "\n            if stop(model):\n                break",
        )
    ),
]

LOOP_VALID = [
    # a fresh network per seed: the eval() ends that seed's run
    # (Candy-CY's AMS-M2ESL process_dl, audit s194)
    _SEEDS.format(built_once="", built_each="net = Net()", marker=""),
    _HEADED.format(marker="", between=""),
    # through a helper, the epoch loop resetting train mode
    _HELPER.format(top=_RESET, marker=""),
    # the Heaton form: eval on the last batch, train() at the top of each epoch
    _heaton("i == len(steps) - 1"),
    # the same, counted from the other side and read through the name bound to it
    _epoch(_ENUM, "i + 1 == len(loader)"),
    _epoch(_ENUM, "i == n_batches - 1"),
    # a range loop over the batch count
    _epoch("i in range(n_batches)", "(i + 1) == n_batches").replace(
        "model(x), y", "model(xs[i]), ys[i]"
    ),
    _epoch("i in range(len(loader))", "i == len(loader) - 1").replace(
        "model(x), y", "model(loader[i][0]), loader[i][1]"
    ),
    # the eval ends the batch loop (`break`), the epoch loop resets train mode
    _epoch(_ENUM, "i >= max_steps", marker="\n            break"),
    # one loop, no pass after its last: training is over when the eval runs
    """
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for i, (x, y) in enumerate(loader):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if i == len(loader) - 1:
            model.eval()
            print(model(x_val))
    """,
    # a test helper evaluating two models, neither with dropout or batch norm,
    # from two epoch loops that train through a helper without train()
    # (mrdbourke's course: the helper's parameter joins both models)
    """
    import torch
    from torch import nn

    def train_step(model, loader, opt):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

    def test_step(model, loader):
        model.eval()
        with torch.inference_mode():
            for x, y in loader:
                print(model(x))

    model_1 = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.ReLU(), nn.Linear(10, 10))
    opt_1 = torch.optim.SGD(model_1.parameters(), lr=0.1)
    for epoch in range(3):
        train_step(model=model_1, loader=train_dl, opt=opt_1)
        test_step(model=model_1, loader=test_dl)
    model_2 = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.LazyLinear(10))
    opt_2 = torch.optim.SGD(model_2.parameters(), lr=0.1)
    for epoch in range(3):
        train_step(model=model_2, loader=train_dl, opt=opt_2)
        test_step(model=model_2, loader=test_dl)
    """,
    # the progress bar bound by ``with ... as t`` counts the loader's batches
    # (tqch/ddpm-torch's toy trainer, audit R63)
    """
    from tqdm import tqdm

    def train(model, optimizer, trainloader, epochs, evaluator):
        for e in range(epochs):
            model.train()
            with tqdm(trainloader) as t:
                for i, x in enumerate(t):
                    loss = model(x).pow(2).mean()
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    if i == len(trainloader) - 1:
                        model.eval()
                        evaluator(model)
    """,
    # a flow of convolutions and learned scales: eval mode changes nothing
    # (kamenbliznashki/normalizing_flows' Glow, audit R63)
    """
    import torch
    import torch.nn as nn

    class Actnorm(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(1, c, 1, 1))
            self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))

        def forward(self, x):
            return (x - self.bias) / self.scale

    class Flow(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), Actnorm(16), nn.Conv2d(16, 3, 3, padding=1))

        def forward(self, x):
            return self.net(x)

    @torch.no_grad()
    def generate(model, n):
        model.eval()
        return model(torch.randn(n, 3, 8, 8))

    def train_epoch(model, loader, optimizer):
        model.train()
        for i, x in enumerate(loader):
            loss = model(x).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i % 50 == 0:
                generate(model, 4)

    model = Flow()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(3):
        train_epoch(model, loader, optimizer)
    """,
    # test-time optimisation of a latent code (DeepSDF's reconstruct, audit s136):
    # ``decoder.eval()`` heads every step, so no step differs from the first
    """
    import torch
    import torch.nn as nn

    decoder = nn.Sequential(nn.Linear(259, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 1))
    latent = torch.zeros(1, 256, requires_grad=True)
    optimizer = torch.optim.Adam([latent], lr=5e-4)
    for e in range(100):
        decoder.eval()
        optimizer.zero_grad()
        pred = decoder(torch.cat([latent.expand(64, -1), xyz], 1))
        loss = (pred - sdf_gt).abs().mean()
        loss.backward()
        optimizer.step()
    """,
]
