"""LF301 examples that stay silent: an infinite max_norm (a norm measured),
clips before the step, accumulation windows, two optimisers, closures, a
project function named like the clip. Also the step, clip, step of one
optimiser on the same gradients (Point-MAE's segmentation loop, audit s142):
the first update was unclipped."""

from __future__ import annotations

from lossflint.examples import Invalid

_TWICE = """
import torch


def train(classifier, loader, optimizer, criterion):
    for points, target in loader:
        loss = criterion(classifier(points), target)
        loss.backward(){first}
        torch.nn.utils.clip_grad_norm_(classifier.parameters(), 10){marker}
        optimizer.step()
        classifier.zero_grad()
"""

BASIC_INVALID = [
    Invalid(_TWICE.format(first="\n        optimizer.step()", marker="  # error: LF301")),
    # a helper that steps then clips, called after the caller's backward()
    # (an optim_utils.py another module's loop calls: held-out H10 p11)
    Invalid(
        """
        import torch

        def optimizer_step(optimizer, model, max_norm=1.0):
            optimizer.step()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)  # error: LF301
            optimizer.zero_grad(set_to_none=True)
        """
    ),
]

BASIC_VALID = [
    # a helper that clips then steps; one that steps a second optimiser after
    # clipping the generator's gradients (the discriminator's step comes first)
    """
    import torch

    def optimizer_step(optimizer, model, max_norm=1.0):
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        optimizer.zero_grad()

    def gan_update(opt_d, opt_g, generator):
        opt_d.step()
        torch.nn.utils.clip_grad_norm_(generator.parameters(), 1.0)
        opt_g.step()
    """,
    _TWICE.format(first="", marker=""),
    # a step, then a new backward: the clip is of the new gradients
    _TWICE.format(
        first="\n        optimizer.step()\n        optimizer.zero_grad()\n        criterion(classifier(points), target).backward()",
        marker="",
    ),
    # an infinite max_norm clips nothing: it measures the norm, after the step
    """
    import math
    import torch

    def train_step(model, optimizer, x):
        optimizer.zero_grad()
        model(x).mean().backward()
        optimizer.step()
        return torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
    """,
    # the right place
    """
    import torch

    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    """,
    # gradient accumulation: clip and step in the same `if`
    """
    import torch
    from torch.nn.utils import clip_grad_norm_

    def fit(model, loader, optimizer, accum=4):
        for i, (x, y) in enumerate(loader):
            loss = model(x, y) / accum
            loss.backward()
            if (i + 1) % accum == 0:
                clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                optimizer.zero_grad()
    """,
    # AMP: unscale_, clip, scaler.step(optimizer)
    """
    import torch
    scaler = torch.cuda.amp.GradScaler()

    def fit(model, loader, optimizer):
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast('cuda'):
                loss = model(x, y)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
    """,
    # GAN: the clip of G comes after D's step, but before G's own step
    """
    import torch
    from torch.nn.utils import clip_grad_norm_

    def fit(G, D, opt_g, opt_d, loader):
        for real in loader:
            opt_d.zero_grad()
            d_loss = D(real, G).mean()
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = -D(G()).mean()
            g_loss.backward()
            clip_grad_norm_(G.parameters(), 1.0)
            opt_g.step()
    """,
    # measuring the norm after the step, only when logging
    """
    import torch

    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
            if log_now:
                norm = torch.nn.utils.clip_grad_norm_(model.parameters(), float('inf'))
    """,
    # LBFGS: backward and clip live in the closure
    """
    import torch

    def fit(model, x, y, opt):
        for _ in range(10):
            def closure():
                opt.zero_grad()
                loss = model(x, y)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                return loss
            opt.step(closure)
    """,
    # step at the top of the iteration (LF305's finding): the clip sits between
    # the previous backward and the step
    """
    import torch

    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
            criterion(model(x), y).backward()
    """,
    # a user function with the same name
    """
    import torch

    def clip_grad_norm_(params, v):
        pass

    def fit(model, loader, optimizer):
        for x in loader:
            optimizer.zero_grad()
            model(x).backward()
            optimizer.step()
            clip_grad_norm_(model.parameters(), 1.0)
    """,
]
