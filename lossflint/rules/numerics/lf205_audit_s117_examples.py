"""LF205 examples of audit s117 (speech): a root whose value is never read
(RawNet's ``inputs_norm``, computed and thrown away in a Keras layer's
``call``) takes no part in any gradient; its twin, read by the loss, does.
A model's root of its own input (CMGAN's input magnitude in ``forward``) has
no gradient when every call hands the model data: a loop over a loader, by
name (``self.train_ds``) when where it is built is out of sight; the same
model fed another model's output differentiates it."""

from __future__ import annotations

from lossflint.examples import Invalid

_LAYER = """
import keras.backend as K
from keras.layers import Dense


class SpkBasisLoss(Dense):
    def call(self, inputs):
        inputs_x = inputs[0]
        input_length = K.sum(inputs_x**2., axis=1, keepdims=True)**0.5{marker}
        input_length += 0.0001
        inputs_norm = inputs_x / input_length
        return K.mean(K.dot({used}, self.kernel))
"""

_FORWARD = """
import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 16)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        h = self.proj(x)
        length = torch.sum(h ** 2, dim=1, keepdim=True) ** 0.5{marker}
        scaled = h / length
        return self.fc({used})


model = Head()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for x, y in loader:
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

_INPUT = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class TSCNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(3, 1, 1)

    def forward(self, x):
        mag = torch.sqrt(x[:, 0] ** 2 + x[:, 1] ** 2).unsqueeze(1){marker}
        mask = torch.sigmoid(self.enc(torch.cat([mag, x], dim=1)))
        return mask * mag


class Trainer:
    def __init__(self, train_ds):
        self.model = TSCNet()
        self.front = nn.Conv2d(2, 2, 1)
        self.train_ds = train_ds
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=5e-4)

    def train_step(self, batch):
        clean, noisy = batch[0], batch[1]
        est = self.model({fed})
        loss = F.mse_loss(est, clean)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def train(self):
        for idx, batch in enumerate(self.train_ds):
            self.train_step(batch)
"""

AUDIT_S117_INVALID = [
    # a bare ``ds`` is no data set: an arc length of the model's curve
    Invalid(
        """
        import torch

        def curve_length(model, t):
            s = model(t)
            ds = s[1:] - s[:-1]
            return torch.sqrt((ds ** 2).sum())  # error: LF205

        for t in batches:
            loss = curve_length(model, t)
            loss.backward()
            opt.step()
        """
    ),
    Invalid(_INPUT.format(fed="self.front(noisy)", marker="  # error: LF205")),
    Invalid(_LAYER.format(marker="  # error: LF205", used="inputs_norm")),
    Invalid(_FORWARD.format(marker="  # error: LF205", used="scaled")),
]

AUDIT_S117_VALID = [
    # the normalised input is never read: the root's value is thrown away
    _LAYER.format(marker="", used="inputs_x"),
    _FORWARD.format(marker="", used="h"),
    # the model only ever sees the batches of the training data set
    _INPUT.format(fed="noisy", marker=""),
]
