"""LF303 examples of session 8 (hand-written updates, a custom optimiser):
loops that clear their gradients; kept apart so the rule module stays small.
A helper stepping an optimiser of its own over the model a loop hands it
(trlx's tests, audit s140) accumulates only when the loop keeps one model."""

from __future__ import annotations

from lossflint.examples import Invalid

#: trlx's tests/test_peft.py (audit s140): a helper runs one backward and
#: one step with an optimiser of its own over the model it is handed
_BACKPROP = """
import torch


class TestPeft:
    def _backprop(self, model):
        loss = model(torch.randn(2, 3)).sum()
        loss.backward()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        optimizer.step(){marker}

    def test_backprop(self):
{loop}
"""

#: a new model each iteration: nothing carries over
_FRESH = """        for width in [3, 4]:
            model = torch.nn.Linear(3, width)
            self._backprop(model)"""
#: one model stepped again and again: its gradients pile up
_SHARED = """        model = torch.nn.Linear(3, 4)
        for _ in range(2):
            self._backprop(model)"""

AUDIT_INVALID = [
    Invalid(_BACKPROP.format(marker="  # error: LF303", loop=_SHARED)),
    # ignite's process function is the whole iteration (session-9 held-out H10)
    Invalid(
        """
        import torch
        from ignite.engine import Engine

        def make_trainer(model, optimizer, criterion):
            def update(engine, batch):
                model.train()
                x, y = batch
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()  # error: LF303
                return loss.item()

            return Engine(update)
        """
    ),
    # the discriminator's optimiser is never zeroed, the encoder's is (IDInvert's
    # encoder training; session-9 bug reports)
    Invalid(
        """
        import torch
        import torch.nn as nn

        E = nn.Linear(8, 8)
        D = nn.Linear(8, 1)
        optimizer_E = torch.optim.Adam(E.parameters(), lr=1e-4)
        optimizer_D = torch.optim.Adam(D.parameters(), lr=1e-4)
        for x in loader:
            D_loss = D(E(x).detach()).mean()
            D_loss.backward()
            optimizer_D.step()  # error: LF303
            optimizer_E.zero_grad()
            E_loss = -D(E(x)).mean()
            E_loss.backward()
            optimizer_E.step()
        """
    ),
    # an optimiser rebuilt every epoch over a model built once: its `.grad`
    # outlives the optimiser (H11 p10)
    Invalid(
        """
        import torch
        import torch.nn as nn
        net = nn.Linear(4, 3)
        for epoch in range(20):
            opt = torch.optim.SGD(net.parameters(), lr=0.01)
            loss = nn.functional.cross_entropy(net(X), y)
            loss.backward()
            opt.step()  # error: LF303 at `opt.step()`
        """
    ),
    # a torch optimiser written in the file: zero_grad is still the caller's
    Invalid(
        """
        import torch

        class MySGD(torch.optim.Optimizer):
            def __init__(self, params, lr=0.1):
                super().__init__(params, dict(lr=lr))

            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        p.data.add_(p.grad, alpha=-group["lr"])

        model = torch.nn.Linear(2, 1)
        optim = MySGD(model.parameters())
        for x, y in loader:
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            optim.step()  # error: LF303 at `optim.step()`
        """
    ),
]

AUDIT_VALID = [
    _BACKPROP.format(marker="", loop=_FRESH),
    # a hand-written MLP's ``zero_grads()`` clears its gradients (CMU 11-785's
    # autograder tests, audit s135)
    """
    import numpy as np
    from hw1 import hw1
    from mytorch.optim import adam

    def test_adam():
        mlp = hw1.MLP(784, 10, [64, 32], [hw1.ReLU(), hw1.ReLU(), hw1.Identity()])
        optim = adam.Adam(mlp)
        for _ in range(10):
            mlp.zero_grads()
            mlp.forward(x)
            mlp.backward(y)
            optim.step()
    """,
    # the model's forward clears its gradients on every call (audit R35,
    # threelittlemonkeys/seq2seq-pytorch: encoder and decoder optimisers)
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(4, 8)
            self.dec = nn.Linear(8, 3)

        def forward(self, x, y):
            self.zero_grad()
            return F.cross_entropy(self.dec(self.enc(x)), y)

    model = Net()
    enc_optim = torch.optim.Adam(model.enc.parameters(), lr=1e-3)
    dec_optim = torch.optim.Adam(model.dec.parameters(), lr=1e-3)
    for x, y in batches:
        loss = model(x, y)
        loss.backward()
        enc_optim.step()
        dec_optim.step()
    """,
    # the head's optimiser steps over a part of the model another one clears,
    # under another name (review of session 9)
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 2))
    head = model[1]
    opt_all = torch.optim.SGD(model.parameters(), lr=0.1)
    opt_head = torch.optim.Adam(head.parameters())
    for x in loader:
        opt_all.zero_grad()
        model(x).sum().backward()
        opt_all.step()
        opt_head.step()
    """,
    # ... whose gradients an event handler clears
    """
    import torch
    from ignite.engine import Engine, Events

    def update(engine, batch):
        x, y = batch
        criterion(model(x), y).backward()
        optimizer.step()

    trainer = Engine(update)

    @trainer.on(Events.ITERATION_STARTED)
    def clear(engine):
        optimizer.zero_grad()
    """,
    # MXNet writes the gradient on every backward (grad_req="write")
    """
    import torch
    from mxnet import autograd

    for X, y in data_iter:
        with autograd.record():
            l = loss(net(X), y)
        l.backward()
        for param in params:
            param[:] = param - lr * param.grad / batch_size
    """,
    # LBFGS: the closure clears the gradients
    """
    import torch

    def fit(model, x, y):
        opt = torch.optim.LBFGS(model.parameters())
        for _ in range(20):
            def closure():
                opt.zero_grad()
                loss = model(x, y)
                loss.backward()
                return loss
            opt.step(closure)
    """,
    # DCGAN: the models are cleared, each optimiser steps over one of them; an
    # optimiser whose model another one's zero_grad covers
    """
    import torch
    import torch.nn as nn

    netD, netG = nn.Linear(8, 1), nn.Linear(4, 8)
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4)
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4)
    for real in loader:
        netD.zero_grad()
        netD(real).mean().backward()
        optimizerD.step()
        netG.zero_grad()
        (-netD(netG(z)).mean()).backward()
        optimizerG.step()

    enc, head = nn.Linear(8, 8), nn.Linear(8, 2)
    opt_all = torch.optim.SGD(list(enc.parameters()) + list(head.parameters()), lr=0.1)
    opt_head = torch.optim.Adam(head.parameters())
    for x in loader:
        opt_all.zero_grad()
        head(enc(x)).sum().backward()
        opt_all.step()
        opt_head.step()
    """,
    # a custom optimiser whose step() is the hand-written update; the loop clears
    """
    import torch

    class PlainSGD(torch.optim.Optimizer):
        @torch.no_grad()
        def step(self):
            for group in self.param_groups:
                for p in group["params"]:
                    p.data.add_(p.grad, alpha=-group["lr"])

    opt = PlainSGD(model.parameters(), dict(lr=0.1))
    for x, y in loader:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    """,
    # the gradients filled with zeros by hand (d2l's conv-layer chapter)
    """
    import torch

    for i in range(20):
        l = ((conv2d(X) - Y) ** 2).sum()
        l.backward()
        conv2d.weight.data -= lr * conv2d.weight.grad
        conv2d.bias.data -= lr * conv2d.bias.grad
        conv2d.weight.grad.fill_(0)
        conv2d.bias.grad.fill_(0)
    """,
    # a hand-written SGD step that clears what it used (d2l's `sgd`)
    """
    import torch

    def sgd(params, lr, batch_size):
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    for epoch in range(3):
        for X, y in data_iter(batch_size, features, labels):
            l = squared_loss(net(X, w, b), y)
            l.sum().backward()
            sgd([w, b], lr, batch_size)
    """,
    # a model and its optimiser built fresh in each iteration (one per fold):
    # nothing carries over
    """
    import torch
    import torch.nn as nn
    for fold in range(5):
        net = nn.Linear(4, 3)
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        loss = nn.functional.cross_entropy(net(X), y)
        loss.backward()
        opt.step()
    """,
    # an optimiser of a NumPy framework built by hand (Grokking Deep Learning,
    # audit s109): its own step() clears the gradients, torch's rule is moot
    """
    import numpy as np

    class SGD(object):
        def __init__(self, parameters, alpha=0.1):
            self.parameters = parameters
            self.alpha = alpha

        def step(self, zero=True):
            for p in self.parameters:
                p.data -= p.grad.data * self.alpha
                if zero:
                    p.grad.data *= 0

    optim = SGD(parameters=w, alpha=0.1)
    for i in range(10):
        pred = data.mm(w[0]).mm(w[1])
        loss = ((pred - target) * (pred - target)).sum(0)
        loss.backward(Tensor(np.ones_like(loss.data)))
        optim.step()
    """,
]

# the model's optimiser built in both branches of a resume test, the centre
# loss's never cleared (maxliaops/kaggle-quickdraw, audit s209)
_CENTRE = """
import torch
import torch.nn as nn
import torch.optim as optim

model = nn.Linear(8, 5)
center = nn.Linear(5, 5)
if resume:
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
else:
    optimizer = optim.SGD({other}.parameters(), lr=0.1, momentum=0.9)
optimizer_centloss = torch.optim.SGD(center.parameters(), lr=0.01)
for x, y in loader:
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y) + center(model(x)).pow(2).mean()
    loss.backward()
    optimizer.step()
    optimizer_centloss.step(){marker}
"""

AUDIT_INVALID.append(
    Invalid(_CENTRE.format(other="model", marker="  # error: LF303 at `optimizer_centloss.step(`"))
)
# the branches build optimisers of different models: which clears what is unknown
AUDIT_VALID.append(_CENTRE.format(other="center", marker=""))
