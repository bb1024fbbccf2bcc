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

#: priyammaz/PyTorch-Adventures' GPT notebook (R26): a sample written every
#: few hundred iterations by an ``@torch.no_grad()`` method, printed
_SAMPLE = """
import torch
import torch.nn as nn


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32)
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(32, 100)

    def forward(self, x):
        return self.head(self.drop(self.emb(x)))

    @torch.no_grad()
    def write(self, tokens, n):
        for _ in range(n):
            nxt = self(tokens)[:, -1].argmax(-1, keepdim=True)
            tokens = torch.cat([tokens, nxt], dim=-1)
        return tokens


model = GPT()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)
for iteration in range(5000):
    for step in range(2):
        x, y = grab_random_batch()
        loss = nn.functional.cross_entropy(model(x).flatten(0, 1), y.flatten()) / 2
        loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    if iteration % 100 == 0:
        print(loss.item(), decode(model.write(sample_tokens, 200)[0]))
"""

METHOD_VALID = [
    _SCARF.format(switch="model.eval()\n    ", marker=""),
    # a sample printed while training: no evaluation pass
    _SAMPLE,
]
