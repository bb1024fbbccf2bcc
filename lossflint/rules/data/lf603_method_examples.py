"""LF603 examples of a model run through a method of its own: SCARF's
``model.get_embeddings(x)`` (clabrugere/pytorch-scarf, audit s141), an
``@torch.inference_mode()`` method running the encoder, called over a loader of
bare tensors (``for x in loader:``) after training, with ``model.eval()``
nowhere: batch norm and dropout still in train mode."""

from __future__ import annotations

from lossflint.examples import Invalid

_SCARF = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.1))
        self.head = nn.Linear(16, 16)

    def forward(self, x):
        return self.head(self.encoder(x))

    @torch.inference_mode()
    def get_embeddings(self, x):
        return self.encoder(x)


def train_epoch(model, loader, optimizer):
    model.train()
    for x in loader:
        loss = model(x).pow(2).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def dataset_embeddings(model, loader):
    {switch}embeddings = []
    for x in loader:
        embeddings.append(model.get_embeddings(x)){marker}
    return torch.cat(embeddings).numpy()


model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    train_epoch(model, train_loader, optimizer)
train_embeddings = dataset_embeddings(model, eval_loader)
"""

METHOD_INVALID = [
    Invalid(_SCARF.format(switch="", marker="  # error: LF603 at `model.get_embeddings(x)`")),
]

METHOD_VALID = [
    _SCARF.format(switch="model.eval()\n    ", marker=""),
]
