"""LF309 examples from the multi-file audit of 2026-12-02: a model that
computes the same in both modes, returned by a factory in a tuple with a
layer the analysis does not model (silent), next to its dropout twin; kept
apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_FACTORY = """
import torch
import torch.nn as nn


def get_model():
    model = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=3),
        nn.MaxPool2d(2),
        nn.ReLU(),{extra}
        nn.Flatten(),
        nn.Linear(10816, 10),
    )
    return model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-3)


@torch.no_grad()
def accuracy(x, y, model):
    model.eval(){marker}
    return (model(x).argmax(-1) == y).tolist()


def main(trn_dl, val_dl):
    model, loss_fn, optimizer = get_model()
    for epoch in range(5):
        for x, y in trn_dl:
            loss_fn(model(x), y).backward()
            optimizer.step()
            optimizer.zero_grad()
        for x, y in val_dl:
            accuracy(x, y, model)
"""

_SELF_EVAL = """
import torch
import torch.nn as nn


class WaveRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(80, 128, 5)
        self.bn = nn.BatchNorm1d(128)
        self.out = nn.Linear(128, 256)

    def forward(self, mels):
        return self.out(torch.relu(self.bn(self.conv(mels))).mean(-1))

    def generate(self, mels):
        self.eval(){marker}
        with torch.no_grad():
            return self.forward(mels).argmax(-1)
{restore}

def train(loader, mels):
    model = WaveRNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    for epoch in range(350):{top}
        for m, y in loader:
            loss = nn.functional.cross_entropy(model(m), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.generate(mels)
"""

AUDIT_INVALID = [
    Invalid(_FACTORY.format(extra="\n        nn.Dropout(0.2),", marker="  # error: LF309")),
    # the model's own method switches it to eval mode (Real-Time-Voice-Cloning's
    # vocoder): training goes on with frozen batch-norm statistics
    Invalid(_SELF_EVAL.format(marker="  # error: LF309", restore="", top="")),
]

AUDIT_VALID = [
    # ... and its twin that puts the model back in train mode each epoch
    _SELF_EVAL.format(marker="", restore="", top="\n        model.train()"),
    # model.train(mode) with a flag
    """
    import torch

    def fit(model, loader, optimizer, flag):
        for epoch in range(3):
            model.train(flag)
            for x in loader:
                optimizer.zero_grad()
                model(x).mean().backward()
                optimizer.step()
            model.eval()
    """,
    # Modern-Computer-Vision-with-PyTorch: no dropout, no batch norm, eval() changes nothing
    _FACTORY.format(extra="", marker=""),
]
