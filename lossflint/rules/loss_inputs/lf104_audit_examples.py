"""LF104 examples found by the held-out measurements (session 18): a model
built by a registry of builder lambdas; and by audit R27: the validation pass
that calls the training's loss object again is the same finding."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a gate model and a registry of zero-argument builders over ``{entries}``
_BUILDERS = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class Gate(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))

head = Gate
BUILDERS = {{{entries}}}

def build(name):
    return BUILDERS[name]()

net = build(config_name)
loss = F.binary_cross_entropy(net(x), y){marker}
"""

#: a training loop and its validation pass over one ``loss_fn`` (rasbt's
#: machine-learning-book ch13-15, audit R27); ``{valid}``: the validation pass
_VALIDATED = """
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(100):
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)[:, 0]
        loss = loss_fn(pred, y_batch)  # error: LF104 at `loss_fn(`
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
{valid}
"""

AUDIT_INVALID = [
    # the loss bound under one `if`, used under another: wherever the use runs,
    # the name holds the BCELoss (stefan-jansen's TimeGAN, audit R43)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Discriminator(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 1)

            def forward(self, h):
                return torch.sigmoid(self.fc(h))

        discriminator = Discriminator()
        SKIP_TRAINING = False
        if not SKIP_TRAINING:
            opt = torch.optim.Adam(discriminator.parameters(), lr=1e-3)
            bce_loss = nn.BCELoss()
        if not SKIP_TRAINING:
            for h in batches:
                y_real = discriminator(h)
                d_loss = bce_loss(y_real, torch.ones_like(y_real))  # error: LF104
                opt.zero_grad()
                d_loss.backward()
                opt.step()
        """
    ),
    # every layer's output through the sigmoid, in a loop sure to run
    # (shenweichen/DeepCTR-Torch DNN with activation='sigmoid', audit R32)
    Invalid(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class AuxNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.act = nn.Sigmoid()

            def forward(self, x):
                for _ in range(3):
                    x = self.act(self.fc(x))
                return x

        aux = AuxNet()

        def aux_loss(h, y):
            return F.binary_cross_entropy(aux(h), y)  # error: LF104 at `F.binary_cross_entropy`
        """
    ),
    # a clamped sigmoid is still sigmoid output (argus-freesound, audit s29):
    # through a parameter rebound by the clamp, and inline
    Invalid(
        """
        import torch
        import torch.nn.functional as F
        from torch import nn

        def l_soft(y_pred, y_true, beta):
            y_pred = torch.clamp(y_pred, 1e-7, 1.0)
            with torch.no_grad():
                y_true_update = beta * y_true + (1 - beta) * y_pred
            return F.binary_cross_entropy(y_pred, y_true_update)  # error: LF104

        class LSoftLoss(nn.Module):
            def forward(self, output, target):
                return l_soft(torch.sigmoid(output), target, 0.5)

        def clamped(output, target):
            p = torch.sigmoid(output).clamp(1e-7, 1 - 1e-7)
            return F.binary_cross_entropy(p, target)  # error: LF104
        """
    ),
    # the training step defined in the script's main block, handed to an ignite
    # Engine (Deep RL Hands-On ch. 3, audit R27): it reads what the block binds
    Invalid(
        """
        import torch
        import torch.nn as nn
        from ignite.engine import Engine

        class Discriminator(nn.Module):
            def __init__(self):
                super().__init__()
                self.pipe = nn.Sequential(nn.Linear(64, 1), nn.Sigmoid())

            def forward(self, x):
                return self.pipe(x).view(-1)

        if __name__ == "__main__":
            net = Discriminator()
            objective = nn.BCELoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)

            def process_batch(trainer, batch):
                optimizer.zero_grad()
                loss = objective(net(batch), torch.ones(batch.shape[0]))  # error: LF104 at `objective(`
                loss.backward()
                optimizer.step()
                return loss.item()

            Engine(process_batch).run(data)
        """
    ),
    # a discriminator grown by add_module in a loop, ending in a sigmoid after
    # it (audit R27): whatever the loop adds, the model ends in probabilities
    Invalid(
        """
        import torch
        import torch.nn as nn

        def build(sizes):
            model = nn.Sequential()
            for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
                model.add_module(f"fc{i}", nn.Linear(a, b))
                model.add_module(f"act{i}", nn.ReLU())
            model.add_module("out", nn.Linear(sizes[-1], 1))
            model.add_module("sigmoid", nn.Sigmoid())
            return model

        disc = build([64, 32, 16])
        criterion = nn.BCELoss()
        opt = torch.optim.Adam(disc.parameters())
        for x, y in loader:
            opt.zero_grad()
            loss = criterion(disc(x).squeeze(1), y)  # error: LF104 at `criterion(`
            loss.backward()
            opt.step()
        """
    ),
    # the validation loss (only logged) is the training's finding again: one
    # report, whether the pass runs under no_grad or not
    Invalid(
        _VALIDATED.format(
            valid="    pred = model(x_valid)[:, 0]\n"
            "    loss = loss_fn(pred, y_valid)\n"
            "    history.append(loss.item())"
        )
    ),
    Invalid(
        _VALIDATED.format(
            valid="    with torch.no_grad():\n"
            "        for x, y in valid_dl:\n"
            "            valid_loss = loss_fn(model(x)[:, 0], y)\n"
            "            history.append(valid_loss.item())"
        )
    ),
    # ... but a pass that trains on it under no_grad by mistake (pseudo-labels,
    # LF308) is no validation: its own report (H11 p09)
    Invalid(
        _VALIDATED.format(
            valid="    with torch.no_grad():\n"
            "        for x, y in unlabelled_dl:\n"
            "            pseudo_loss = loss_fn(model(x)[:, 0], y)  # error: LF104 at `loss_fn(`\n"
            "            pseudo_loss.backward()  # error: LF308\n"
            "            optimizer.step()"
        )
    ),
    # ... but a functional BCE in the validation pass needs its own fix
    Invalid(
        _VALIDATED.format(
            valid="    with torch.no_grad():\n"
            "        out = model(x_valid)[:, 0]\n"
            "        valid_loss = torch.nn.functional.binary_cross_entropy(out, y_valid)"
            "  # error: LF104"
        )
    ),
    # the loss chosen by a factory that returns one function (PANNs'
    # ``get_loss_func``, audit R34)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        class Tagger(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(64, 527)

            def forward(self, x):
                return {"clipwise_output": torch.sigmoid(self.fc(x))}

        def clip_bce(output_dict, target):
            return F.binary_cross_entropy(output_dict["clipwise_output"], target)  # error: LF104

        def get_loss_func(loss_type):
            if loss_type == "clip_bce":
                return clip_bce

        def train(args, loader):
            model = Tagger()
            optimizer = torch.optim.Adam(model.parameters())
            loss_func = get_loss_func(args.loss_type)
            for x, y in loader:
                loss = loss_func(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        """
    ),
    # the activation handed to the constructor as a value
    # (devnag/pytorch-generative-adversarial-networks, audit R40)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Discriminator(nn.Module):
            def __init__(self, n_in, f):
                super().__init__()
                self.map = nn.Linear(n_in, 1)
                self.f = f

            def forward(self, x):
                return self.f(self.map(x))

        D = Discriminator(4, f=torch.sigmoid)
        criterion = nn.BCELoss()
        opt = torch.optim.SGD(D.parameters(), lr=1e-3)
        for x, y in loader:
            opt.zero_grad()
            criterion(D(x), y).backward()  # error: LF104 at `criterion(`
            opt.step()
        """
    ),
    # every builder makes a sigmoid gate
    Invalid(
        _BUILDERS.format(
            entries='"small": lambda: Gate(8), "large": lambda: Gate(32)',
            marker="  # error: LF104 at `F.binary_cross_entropy(`",
        )
    ),
]

AUDIT_VALID = [
    # a star import may bind the name on the other path: unknown there
    """
    import torch
    import torch.nn as nn
    from losses import *

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 1)

        def forward(self, h):
            return torch.sigmoid(self.fc(h))

    discriminator = Discriminator()
    if USE_BCE:
        bce_loss = nn.BCELoss()
    for h in batches:
        y_real = discriminator(h)
        bce_loss(y_real, torch.ones_like(y_real)).backward()
    """,
    # a loop that may not run (no layers) returns its input as it came
    """
    import torch.nn as nn
    import torch.nn.functional as F

    class Stack(nn.Module):
        def __init__(self, blocks):
            super().__init__()
            self.blocks = blocks
            self.act = nn.Sigmoid()

        def forward(self, x):
            for block in self.blocks:
                x = self.act(block(x))
            return x

    def loss(net, h, y):
        return F.binary_cross_entropy(Stack(net)(h), y)
    """,
    # a clamped value of unknown origin: the clamp is the guard
    """
    import torch
    import torch.nn.functional as F

    def loss_fn(p, y):
        return F.binary_cross_entropy(torch.clamp(p, 1e-7, 1 - 1e-7), y)
    """,
    # one class built with two activations: which one a call runs is not known
    """
    import torch
    import torch.nn as nn

    class Head(nn.Module):
        def __init__(self, f):
            super().__init__()
            self.map = nn.Linear(4, 1)
            self.f = f

        def forward(self, x):
            return self.f(self.map(x))

    heads = {"p": Head(torch.sigmoid), "z": Head(torch.tanh)}
    criterion = nn.BCELoss()
    loss = criterion(Head(act)(x), y)
    """,
    # a factory choosing between two losses: which one runs is not known here
    """
    import torch
    import torch.nn.functional as F

    def clip_bce(out, target):
        return F.binary_cross_entropy(out, target)

    def clip_bce_logits(out, target):
        return F.binary_cross_entropy_with_logits(out, target)

    def get_loss_func(loss_type):
        if loss_type == "clip_bce":
            return clip_bce
        return clip_bce_logits

    def train(args, model, loader, optimizer):
        loss_func = get_loss_func(args.loss_type)
        for x, y in loader:
            loss = loss_func(torch.sigmoid(model(x)), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    """,
    # one builder makes a linear layer: which one runs is not known here
    _BUILDERS.format(
        entries='"small": lambda: Gate(8), "linear": lambda: nn.Linear(8, 1)', marker=""
    ),
    # a builder reading a name bound twice: what it calls depends on when it runs
    _BUILDERS.format(entries='"small": lambda: head(8)', marker="") + "head = nn.Linear\n",
    # a builder taking an argument
    _BUILDERS.format(entries='"small": lambda width=8: Gate(width)', marker=""),
]
