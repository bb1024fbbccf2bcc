"""LF306 examples of a loss stored by index: a tensor allocated before the
epoch loop receives each batch's loss at the batch's index
(KristopherGeorge/Pytorch-Entity-Embedding-DNN-Regressor, audit s141): every
slice write joins the buffer to that iteration's graph, so all of them stay
alive; a list filled at a loop's counter holds them the same way. A value
already a number, a slot overwritten under one key, and slots summed and
back-propagated in the step are no leak."""

from __future__ import annotations

from lossflint.examples import Invalid

_BUFFER = """
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.005)
criterion = nn.MSELoss()


def train(epochs, train_loader):
    loss_in_one_epoch = torch.zeros(len(train_loader))
    for epoch in range(epochs):
        for batch_index, (batch_x, batch_y) in enumerate(train_loader):
            loss_temp = criterion(model(batch_x), batch_y)
            optimizer.zero_grad()
            loss_temp.backward()
            optimizer.step()
            {store}
        print(epoch, float(loss_in_one_epoch.mean()))
"""

_SLOTS = """
import torch
import torch.nn.functional as F


def train(model, loader, optimizer, steps):
    losses = [0.0] * steps
    logs = {{}}
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        {store}
    return losses, logs
"""

INDEXED_INVALID = [
    Invalid(
        _BUFFER.format(
            store="loss_in_one_epoch[batch_index] = loss_temp  # error: LF306",
        ),
        fixed=_BUFFER.format(
            store="loss_in_one_epoch[batch_index] = loss_temp.detach()  # error: LF306",
        ),
    ),
    Invalid(_SLOTS.format(store="losses[i] = loss  # error: LF306")),
    # a slot counted by hand: the buffer a torch factory made keeps every graph
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def train(model, loader, optimizer, n):
            history = torch.zeros(n)
            step = 0
            for x, y in loader:
                loss = F.mse_loss(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                history[step] = loss  # error: LF306
                step += 1
            return history
        """
    ),
]

INDEXED_VALID = [
    # one slot per head, the same slots every pass: the last graphs only
    """
    import torch.nn.functional as F

    def train(model, heads, loader, optimizer, logs):
        for x, ys in loader:
            feats = model(x)
            for name, head in heads.items():
                loss = F.cross_entropy(head(feats), ys[name])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                logs[name] = loss
    """,
    # slots for one update's micro-batches, made anew for each update
    # (vwxyzjn/lm-human-preference-details, audit s140)
    """
    import torch

    def train(model, updates, optimizer, micro_batches):
        for update in updates:
            losses = torch.zeros(micro_batches)
            for step, (x, y) in enumerate(update):
                loss = torch.nn.functional.cross_entropy(model(x), y)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                losses[step] = loss
            print(losses.mean().item())
    """,
    _BUFFER.format(store="loss_in_one_epoch[batch_index] = loss_temp.item()"),
    # one key, overwritten every step: only the last graph is kept
    _SLOTS.format(store='logs["loss"] = loss'),
    # per-part losses stored by index and back-propagated together
    """
    import torch

    def train(model, loader, optimizer, heads):
        for x, ys in loader:
            parts = torch.zeros(len(heads))
            for k, head in enumerate(heads):
                parts[k] = torch.nn.functional.mse_loss(head(model(x)), ys[k])
            optimizer.zero_grad()
            parts.sum().backward()
            optimizer.step()
    """,
]
