"""LF205 examples of audit s117 (speech): a root whose value is never read
(RawNet's ``inputs_norm``, computed and thrown away in a Keras layer's
``call``) takes no part in any gradient; its twin, read by the loss, does.
A model's root of its own input (CMGAN's input magnitude in ``forward``) has
no gradient when every call hands the model data: a loop over a loader, by
name (``self.train_ds``) when where it is built is out of sight; the same
model fed another model's output differentiates it. The clean target's
magnitude (CMGAN's ``train.py``), of batches moved with ``.to(self.gpu_id)``,
has no gradient either: a device move takes none from its argument."""

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

#: CMGAN's train.py: batches moved with ``.to(self.gpu_id)`` (a device of
#: unknown origin: ``.to`` takes no gradient from its argument), the clean
#: target's magnitude next to the estimate's; ``self.model.train()`` in
#: ``Trainer.train`` is no call of it, and ``main`` runs from ``mp.spawn``
_TARGET = """
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F

from data import load_data
from models import TSCNet


class Trainer:
    def __init__(self, train_ds, gpu_id):
        self.train_ds = train_ds
        self.model = TSCNet().cuda()
        self.gpu_id = gpu_id
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=5e-4)

    def forward_generator_step(self, clean, noisy):
        clean_spec = torch.stft(clean, 400, 100, return_complex=False)
        clean_real, clean_imag = clean_spec[..., 0], clean_spec[..., 1]
        est_real, est_imag = self.model(noisy)
        est_mag = torch.sqrt(est_real**2 + est_imag**2{eps}){marker}
        clean_mag = torch.sqrt(clean_real**2 + clean_imag**2)
        return est_mag, clean_mag

    def train_step(self, batch):
        clean = batch[0].to(self.gpu_id)
        noisy = batch[1].to(self.gpu_id)
        est_mag, clean_mag = self.forward_generator_step(clean, noisy)
        loss = F.mse_loss(est_mag, clean_mag)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def train(self):
        for epoch in range(10):
            self.model.train()
            for idx, batch in enumerate(self.train_ds):
                self.train_step(batch)
{main}"""

_BUILT = """

trainer = Trainer(load_data(0), 0)
"""

_SPAWNED = """

def main(rank, world_size):
    trainer = Trainer(load_data(rank), rank)
    trainer.train()


if __name__ == "__main__":
    mp.spawn(main, args=(2,), nprocs=2)
"""

AUDIT_S117_INVALID = [
    # the same correlation without the standardisation: a map of zeros
    Invalid(
        """
        import torch

        def cc(s_map, gt):
            aa = torch.sum(s_map * s_map)
            bb = torch.sum(gt * gt)
            return torch.sum(s_map * gt) / torch.sqrt(aa * bb)  # error: LF205 at `torch.sqrt(aa * bb)`
        """
    ),
    Invalid(_TARGET.format(eps="", marker="  # error: LF205", main=_SPAWNED)),
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
    # a Pearson correlation of standardised maps: each sum of squares is n - 1
    # (samyak0210/saliency's ``cc``, audit s229)
    """
    import torch

    def cc(s_map, gt):
        b = s_map.size(0)
        s_map = (s_map - s_map.mean()) / torch.std(s_map.view(b, -1), 1).view(b, 1, 1)
        gt = (gt - gt.mean()) / gt.std()
        ab = torch.sum((s_map * gt).view(b, -1), 1)
        aa = torch.sum((s_map * s_map).view(b, -1), 1)
        bb = torch.sum((gt * gt).view(b, -1), 1)
        return torch.mean(ab / torch.sqrt(aa * bb))
    """,
    # NumPy code: ``x ** 2`` is no tensor (hamiltonian-nn's data generator, audit s226)
    """
    import numpy as np

    def get_accelerations(state, epsilon=0):
        other = state[1:, :]
        displacements = other[:, 1:3] - state[0, 1:3]
        distances = (displacements**2).sum(1, keepdims=True) ** 0.5
        return other[:, 0:1] * displacements / (distances**3 + epsilon)
    """,
    # the normalised input is never read: the root's value is thrown away
    _LAYER.format(marker="", used="inputs_x"),
    _FORWARD.format(marker="", used="h"),
    # the model only ever sees the batches of the training data set
    _INPUT.format(fed="noisy", marker=""),
    # the estimate guarded; the clean target's root has no gradient
    _TARGET.format(eps=" + 1e-9", marker="", main=_SPAWNED),
    # ``Trainer.train`` run from another file: nothing here calls it
    _TARGET.format(eps=" + 1e-9", marker="", main=_BUILT),
]
