"""Shapes a held-out evaluation found missed (heldout-s5), beyond the rules'
own examples (a rule module's size is capped): the correct code next to them,
on which the rules stay silent, and the cross-module form of LF312."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint.api import lint_paths
from lossflint.examples import dedent
from lossflint.linter import RuleSet, lint_text


def _findings(code: str, source: str) -> list[str]:
    result = lint_text(dedent(source), "example.py", RuleSet([code]), [])
    assert not result.errors, result.errors
    return [f"{d.location.row}: {d.message}" for d in result.diagnostics if d.code == code]


LF603_SILENT = [
    # the epoch loop's validation pass after eval(); train() again at the epoch start
    """
        import torch
        import torch.nn as nn

        def run(model, optimizer, train_batches, dev_batches, n_epochs):
            for epoch in range(n_epochs):
                model.train()
                for x, y in train_batches:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    for x, y in dev_batches:
                        acc = (model(x).argmax(1) == y).float().mean()

        net = nn.Sequential(nn.Linear(30, 64), nn.Dropout(0.5), nn.Linear(64, 3))
        run(net, torch.optim.Adam(net.parameters()), train_batches, dev_batches, 5)
    """,
    # the same epoch loop over a model without dropout or batch norm
    """
        import torch
        import torch.nn as nn

        def run(model, optimizer, train_batches, dev_batches, n_epochs):
            for epoch in range(n_epochs):
                model.train()
                for x, y in train_batches:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                with torch.no_grad():
                    for x, y in dev_batches:
                        acc = (model(x).argmax(1) == y).float().mean()

        net = nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Linear(64, 3))
        run(net, torch.optim.Adam(net.parameters()), train_batches, dev_batches, 5)
    """,
    # a pass after the batches that only generates samples: no evaluation
    """
        import torch
        import torch.nn as nn

        def run(gen, disc, opt_g, noise_batches, epochs):
            for epoch in range(epochs):
                gen.train()
                for z in noise_batches:
                    opt_g.zero_grad()
                    (-disc(gen(z)).mean()).backward()
                    opt_g.step()
                with torch.no_grad():
                    for z in fixed_noise:
                        samples.append(gen(z).cpu())

        g = nn.Sequential(nn.Linear(16, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 2))
        run(g, critic, torch.optim.Adam(g.parameters()), noise_batches, 3)
    """,
    # the trainer class puts the network in eval mode before validating
    """
        import torch
        from torch import nn

        class Fitter:
            def __init__(self, network, optimizer):
                self.network = network
                self.optimizer = optimizer

            def one_epoch(self, batches):
                self.network.train()
                for images, targets in batches:
                    self.optimizer.zero_grad()
                    nn.functional.cross_entropy(self.network(images), targets).backward()
                    self.optimizer.step()

            @torch.no_grad()
            def validate(self, batches):
                self.network.eval()
                return sum((self.network(i).argmax(1) == t).sum().item() for i, t in batches)

            def run(self, train_batches, val_batches, epochs):
                for _ in range(epochs):
                    self.one_epoch(train_batches)
                    print(self.validate(val_batches))

        cnn = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
        Fitter(cnn, torch.optim.SGD(cnn.parameters(), lr=0.05)).run(train_batches, val_batches, 20)
    """,
    # Lightning puts the module in eval mode before validation_step
    """
        import torch
        import torch.nn as nn
        import lightning as L

        class Classifier(L.LightningModule):
            def __init__(self, backbone):
                super().__init__()
                self.backbone = backbone

            def training_step(self, batch, batch_idx):
                x, y = batch
                return nn.functional.cross_entropy(self.backbone(x), y)

            def validation_step(self, batch, batch_idx):
                x, y = batch
                with torch.no_grad():
                    acc = (self.backbone(x).argmax(1) == y).float().mean()
                self.log("val_acc", acc)

        mlp = nn.Sequential(nn.Linear(30, 64), nn.Dropout(0.5), nn.Linear(64, 3))
        Classifier(mlp)
    """,
    # the last training batch's accuracy after the batch loop: a training metric
    """
        import torch
        import torch.nn as nn

        def run(model, optimizer, train_batches, n_epochs):
            for epoch in range(n_epochs):
                model.train()
                for x, y in train_batches:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                with torch.no_grad():
                    batch_acc = (model(x).argmax(1) == y).float().mean()

        net = nn.Sequential(nn.Linear(30, 64), nn.Dropout(0.5), nn.Linear(64, 3))
        run(net, torch.optim.Adam(net.parameters()), train_batches, 5)
    """,
]


LF603_FIRES = [
    # an evaluate() helper called after the batch loop of the training function's epoch loop
    """
        import torch
        import torch.nn as nn

        encoder = nn.Sequential(nn.Linear(40, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 5))
        sgd = torch.optim.SGD(encoder.parameters(), lr=0.05)

        def score(batches):
            hits = 0
            with torch.no_grad():
                for feats, labels in batches:
                    hits += (encoder(feats).argmax(1) == labels).sum().item()  # LF603
            return hits

        def train(train_batches, val_batches, epochs):
            for epoch in range(epochs):
                encoder.train()
                for feats, labels in train_batches:
                    sgd.zero_grad()
                    nn.functional.cross_entropy(encoder(feats), labels).backward()
                    sgd.step()
                print(epoch, score(val_batches))
    """,
]


@pytest.mark.parametrize("source", LF603_FIRES)
def test_lf603_fires(source: str) -> None:
    lines = dedent(source).split("\n")
    expected = [i for i, line in enumerate(lines, start=1) if line.endswith("# LF603")]
    assert [int(f.split(":")[0]) for f in _findings("LF603", source)] == expected


@pytest.mark.parametrize("source", LF603_SILENT)
def test_lf603_silent(source: str) -> None:
    assert _findings("LF603", source) == []


LF313_SILENT = [
    # a forward decorated to leave autocast (custom_fwd(cast_inputs=...))
    """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class BCE32(nn.Module):
            @torch.amp.custom_fwd(device_type="cuda", cast_inputs=torch.float32)
            def forward(self, probs, target):
                return F.binary_cross_entropy(probs, target)

        crit = BCE32()
        with torch.autocast("cuda"):
            loss = crit(net(x).sigmoid(), y)
    """,
    # a function defined under autocast is not called there
    """
        import torch
        import torch.nn.functional as F

        def bce(p, y):
            return F.binary_cross_entropy(p, y)

        with torch.autocast("cuda"):
            z = net(x)
        loss = bce(torch.sigmoid(z.float()), y)
    """,
]


@pytest.mark.parametrize("source", LF313_SILENT)
def test_lf313_silent(source: str) -> None:
    assert _findings("LF313", source) == []


_NETS = """
import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self, z):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(z, 256), nn.ReLU(), nn.Linear(256, 784))

    def forward(self, noise):
        return self.body(noise)


class Recorder:
    def __init__(self, z):
        self.z = z

    def to(self, device):
        return self

    def half(self):
        return self

    def __call__(self, noise):
        return noise
"""

_TRAIN = """
import torch

from nets.models import {cls}

gen = {cls}(64).to("cuda").half()
opt = torch.optim.Adam(gen.parameters(), lr=2e-4, eps=1e-4)
for noise, real in batches:
    opt.zero_grad()
    loss = (gen(noise) - real).pow(2).mean()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(("cls", "expected"), [("Generator", [11]), ("Recorder", [])])
def test_lf312_half_on_construction_of_a_model_class_of_another_module(
    tmp_path: Path, cls: str, expected: list[int]
) -> None:
    """``Generator(64).to("cuda").half()`` with ``Generator`` an ``nn.Module``
    of another project module is a float16 model; a plain class with a
    ``half()`` method is not."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'gan'\n")
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "__init__.py").write_text("")
    (tmp_path / "nets" / "models.py").write_text(_NETS)
    (tmp_path / "train.py").write_text(_TRAIN.format(cls=cls))
    found = lint_paths([tmp_path / "train.py"], select=["LF312"], isolated=True)
    assert [d.location.row for d in found] == expected
