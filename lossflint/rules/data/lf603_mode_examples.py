"""LF603 examples about which models count and which mode they are in: an
``eval()`` on a receiver the analysis cannot identify, dropout switched on by
hand, and torchvision's classifiers, built in train mode with batch norm and
dropout (Python-Deep-Learning-Third-Edition's mixed-precision fine-tuning,
audit s109); and which passes evaluate: a reconstruction error is an anomaly
score (GANomaly, audit s112); an LSTM's dropout read from the config dict
every construction passes, and predictions of a loaded model written to a
file (Demfier's emotion classifier, audit s161); kept
apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_TORCHVISION = """
import torch
import torch.nn as nn
from torchvision.models import {builder}


def train_model(model, loss_function, optimizer, data_loader):
    for inputs, labels in data_loader:
        optimizer.zero_grad()
        loss_function(model(inputs), labels).backward()
        optimizer.step()


def test_model(model, loss_function, data_loader):
    correct = 0
    for inputs, labels in data_loader:
        outputs = model(inputs){marker}
        correct += torch.sum(outputs.argmax(1) == labels)
    return correct


model = {builder}(weights="DEFAULT")
model.classifier = nn.Linear(model.classifier[0].in_features, 10)
optimizer = torch.optim.Adam(model.parameters())
for epoch in range(5):
    {before}train_model(model, nn.CrossEntropyLoss(), optimizer, train_loader)
    {between}test_model(model, nn.CrossEntropyLoss(), val_loader)
"""

#: ``{score}``: what the no_grad pass computes from the reconstruction
_SCORES = """
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(20, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 20))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
model.train()
for x in train_loader:
    opt.zero_grad()
    ((model(x) - x) ** 2).mean().backward()
    opt.step()
scores = []
with torch.no_grad():
    for x in test_loader:
        recon = model(x){marker}
        scores.append({score})
"""

#: the model is one of two classes, both with batch norm (PDEBench's UNets, audit s114)
_CHOSEN = """
import torch
from torch import nn


class UNet1d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv1d(c, 32, 3, padding=1), nn.BatchNorm1d(32), nn.Tanh())

    def forward(self, x):
        return self.enc(x)


class UNet2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(c, 32, 3, padding=1), nn.BatchNorm2d(32), nn.Tanh())

    def forward(self, x):
        return self.enc(x)


def run_training(train_loader, val_loader, epochs, c, dims):
    if dims == 1:
        model = UNet1d(c)
    elif dims == 2:
        model = UNet2d(c)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(epochs):
        model.train()
        for xx, yy in train_loader:
            loss = nn.functional.mse_loss(model(xx), yy)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        {before}val_l2 = 0
        with torch.no_grad():
            for xx, yy in val_loader:
                val_l2 += nn.functional.mse_loss(model(xx), yy).item(){marker}
"""

_CONFIG = """
import torch
import torch.nn as nn

config = {{"n_layers": 2, "dropout": {rate}, "input_dim": 8, "hidden_dim": 50, "output_dim": 6}}
{change}

class LSTMClassifier(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dropout = config["dropout"]
        self.rnn = nn.LSTM(config["input_dim"], config["hidden_dim"], num_layers=2, dropout=self.dropout)
        self.out = nn.Linear(config["hidden_dim"], config["output_dim"])

    def forward(self, x):
        rnn_output, _ = self.rnn(x)
        return self.out(rnn_output[0])


model = LSTMClassifier(config)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    for inputs, targets in train_batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()
    with torch.no_grad():
        predictions = torch.argmax(model(test_x), dim=1){marker}
        print((predictions == test_y).float().mean())
"""

_WRITTEN = """
import pickle
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(8, 50), nn.Dropout(0.2), nn.Linear(50, 6))
model.load_state_dict(torch.load("runs/best_model.pth")["model"])
{switch}
with torch.no_grad():
    predict_probas = model(inputs).cpu().numpy(){marker}
    with open("pred_probas.pkl", "wb") as f:
        pickle.dump(predict_probas, f)
"""

MODE_INVALID = [
    Invalid(_WRITTEN.format(switch="", marker="  # error: LF603")),
    Invalid(_CONFIG.format(rate="0.2", change="", marker="  # error: LF603")),
    Invalid(_CHOSEN.format(before="", marker="  # error: LF603 at `model(xx)`")),
    # an anomaly score (a reconstruction error) is an evaluation too (GANomaly, audit s112)
    Invalid(
        _SCORES.format(
            marker="  # error: LF603 at `model(x)`", score="((recon - x) ** 2).mean(dim=1)"
        )
    ),
    Invalid(
        _SCORES.format(marker="  # error: LF603 at `model(x)`", score="(recon - x).abs().sum(1)")
    ),
    # outputs kept for later over a loader's batches (audit s141: SCARF's
    # embeddings): computed with batch statistics and dropout on
    Invalid(_SCORES.format(marker="  # error: LF603 at `model(x)`", score="recon.cpu()")),
    Invalid(
        _TORCHVISION.format(
            builder="mobilenet_v3_small",
            marker="  # error: LF603 at `model(inputs)`",
            before="",
            between="",
        )
    ),
]

MODE_VALID = [
    # the inputs written, not the outputs: a GAN's noise vectors saved beside
    # images sampled in train mode (Hands-On GANs' dcgan_test, audit R17)
    """
import numpy as np
import torch
import torch.nn as nn
import torchvision.utils as vutils

netG = nn.Sequential(nn.ConvTranspose2d(100, 64, 4), nn.BatchNorm2d(64), nn.ReLU(), nn.ConvTranspose2d(64, 3, 4))
netG.load_state_dict(torch.load("netG_24.pth"))
viz_tensor = torch.randn(64, 100, 1, 1)
with torch.no_grad():
    viz_sample = netG(viz_tensor)
    viz_vector = viz_tensor.cpu().numpy().reshape(64, 100)
    np.savetxt("vec.txt", viz_vector)
    vutils.save_image(viz_sample, "img.png", nrow=8, normalize=True)
""",
    _WRITTEN.format(switch="model.eval()", marker=""),
    # no dropout between the layers, or a rate the file does not know
    _CONFIG.format(rate="0.0", change="", marker=""),
    _CONFIG.format(rate="0.2", change='config["dropout"] = float(sys.argv[1])', marker=""),
    _CONFIG.format(rate="0.2", change="config.update(json.load(open('c.json')))", marker=""),
    _CHOSEN.format(before="model.eval()\n        ", marker=""),
    # outputs computed over noise, not a loader's batches: samples, no pass
    _SCORES.format(marker="", score="recon.cpu()").replace("test_loader", "fixed_noise"),
    # an eval() on a model the analysis cannot identify: nothing is sure
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.5), nn.Linear(64, 2))
    for m in model.modules():
        m.eval()
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == y_test).float().mean()
    """,
    # dropout switched on by hand right before the pass: sampled predictions on purpose
    """
    import torch
    import torch.nn as nn

    def run(model, optimizer, train_batches, dev_batches, n_epochs):
        for epoch in range(n_epochs):
            for x, y in train_batches:
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            model.train()
            with torch.no_grad():
                for x, y in dev_batches:
                    votes = torch.stack([model(x).argmax(1) for _ in range(8)])

    net = nn.Sequential(nn.Linear(30, 64), nn.Dropout(0.5), nn.Linear(64, 3))
    run(net, torch.optim.Adam(net.parameters()), train_batches, dev_batches, 5)
    """,
    # the torchvision model is put in eval mode before the test, and back
    _TORCHVISION.format(
        builder="mobilenet_v3_small",
        marker="",
        before="model.train()\n    ",
        between="model.eval()\n    ",
    ),
    # a notebook's cells in order: eval() on the torchvision model (its head
    # replaced) right before the predictions (rcprati's lec03, R74)
    """
    import torch
    import torch.nn as nn
    from torchvision import models

    base = models.resnet18(weights="DEFAULT")
    base.fc = nn.Linear(base.fc.in_features, 10)
    optimizer = torch.optim.Adam(base.fc.parameters())
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(base(x), y).backward()
        optimizer.step()
    base.eval()
    with torch.no_grad():
        preds = base(sample_imgs).argmax(dim=1)
    """,
    # eval() on the model switches its torchvision encoder too (MONAI's
    # diffusion autoencoder tutorial, R94)
    """
    import torch
    import torchvision

    class DiffusionAE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.semantic_encoder = torchvision.models.resnet18()
            self.head = torch.nn.Linear(1000, 1)

        def forward(self, x):
            return self.head(self.semantic_encoder(x))

    model = DiffusionAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
    for epoch in range(10):
        for x, y in train_loader:
            model.train()
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for x, y in val_loader:
                latent = model.semantic_encoder(x)
                val_loss = torch.nn.functional.mse_loss(model.head(latent), y)
    """,
    # a script trained once, then an epoch loop that puts the model in eval
    # mode before each validation (jeffheaton's LSTM notebook, rasbt's
    # resnet-blocks, R96)
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.2), nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in warmup_loader:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    for epoch in range(100):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_losses = [nn.functional.mse_loss(model(x), y).item() for x, y in test_loader]
    """,
    # a notebook redefining its model class: the helper gets either, and each
    # is put in eval mode before it runs (rasbt's 2-resnet-example, R16)
    """
    import torch


    class ConvNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 1), torch.nn.BatchNorm2d(4))

        def forward(self, x):
            return self.block(x).mean((2, 3))


    model = ConvNet()
    optimizer = torch.optim.Adam(model.parameters())


    def compute_accuracy(model, data_loader):
        correct = 0
        for features, targets in data_loader:
            correct += (model(features).argmax(1) == targets).sum()
        return correct


    for epoch in range(3):
        model = model.train()
        for features, targets in train_loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(features), targets).backward()
            optimizer.step()
        model = model.eval()
        with torch.set_grad_enabled(False):
            print(compute_accuracy(model, train_loader))

    print(compute_accuracy(model, test_loader))


    class ConvNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 1), torch.nn.BatchNorm2d(8))

        def forward(self, x):
            return self.block(x).mean((2, 3))


    model = ConvNet()
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(3):
        model = model.train()
        for features, targets in train_loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(features), targets).backward()
            optimizer.step()
        model = model.eval()

    print(compute_accuracy(model, test_loader))
    """,
    # a ViT's dropout is 0 by default: both modes compute the same
    _TORCHVISION.format(builder="vit_b_16", marker="", before="", between=""),
]
