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

#: sagieppel's FCN (audit s167): every 2000 iterations, inside the training
#: loop, a loop draws validation batches from a reader and sums a loss
#: written by hand; ``Net.eval()`` is called nowhere
_PERIODIC_READER = """
import torch
import torch.nn as nn
import torch.nn.functional as F

import Data_Reader


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.head = nn.Conv2d(8, 4, 1)

    def forward(self, images):
        return F.softmax(self.head(F.relu(self.bn(self.conv(images)))), dim=1)


TrainReader = Data_Reader.Data_Reader("train/")
ValidReader = Data_Reader.Data_Reader("valid/")
net = Net()
optimizer = torch.optim.Adam(params=net.parameters(), lr=1e-5)
for itr in range(1, 100000):
    Images, OneHot = TrainReader.ReadAndAugmentNextBatch()
    Prob = net.forward(Images)
    net.zero_grad()
    Loss = -torch.mean(OneHot * torch.log(Prob + 1e-7))
    Loss.backward()
    optimizer.step()
    if itr % 2000 == 0:
{switch}        SumLoss = 0.0
        for i in range(10):
            Images, OneHot = ValidReader.ReadNextBatchClean()
            Prob = net.forward(Images){marker}
            {bound} = -torch.mean(OneHot * torch.log(Prob + 1e-7))
            SumLoss += float({bound})
        print("Validation Loss:", SumLoss / 10)
"""

METHOD_INVALID.append(
    Invalid(
        _PERIODIC_READER.format(
            switch="", bound="TLoss", marker="  # error: LF603 at `net.forward(Images)`"
        )
    )
)
METHOD_VALID.extend(
    [
        _PERIODIC_READER.format(switch="        net.eval()\n", bound="TLoss", marker="").replace(
            "    Images, OneHot = TrainReader", "    net.train()\n    Images, OneHot = TrainReader"
        ),
        # nothing named or computed as a loss or a metric: a pass of unknown purpose
        _PERIODIC_READER.format(switch="", bound="total", marker="")
        .replace("-torch.mean(OneHot * torch.log(Prob + 1e-7))", "Prob.sum()")
        .replace("SumLoss", "mass"),
    ]
)

#: CMU 11-785's recitation 3 (audit s165): a hand-written ``Trainer`` keeps
#: the model and measures the validation error by ``inference()`` after each
#: epoch; ``eval()`` is called nowhere
_RECITATION = """
import torch
import torch.nn as nn
import torch.nn.functional as F
{imports}

class FashionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.dp1 = nn.Dropout(p=0.2)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        return F.log_softmax(self.fc3(self.dp1(F.relu(self.fc1(x)))), dim=1)


def inference(model, loader, n_members):
    correct = 0
    for data, label in loader:
        pred = model(data).max(1, keepdim=True)[1]{marker}
        correct += pred.eq(label.view_as(pred)).sum()
    return correct.numpy() / n_members


class Trainer({base}):
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def run(self, epochs, train_loader, val_loader, val_size):
        for e in range(epochs):
{train}            for data, label in train_loader:
                self.optimizer.zero_grad()
                F.nll_loss(self.model(data), label).backward()
                self.optimizer.step()
{switch}            print(1.0 - inference(self.model, val_loader, val_size))


def main(train_loader, val_loader):
    model = FashionModel()
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9))
    trainer.run(10, train_loader, val_loader, 12000)
"""

METHOD_INVALID.append(
    Invalid(
        _RECITATION.format(
            imports="",
            base="",
            train="",
            switch="",
            marker="  # error: LF603 at `model(data)`",
        )
    )
)
METHOD_VALID.extend(
    [
        _RECITATION.format(
            imports="",
            base="",
            train="            self.model.train()\n",
            switch="            self.model.eval()\n",
            marker="",
        ),
        # the trainer hands the model to a function out of sight, which may switch it
        _RECITATION.format(
            imports="from toolkit import report\n",
            base="",
            train="",
            switch="            report(self.model)\n",
            marker="",
        ),
        # a trainer built on a library class, which may switch the model itself
        _RECITATION.format(
            imports="from toolkit import BaseTrainer\n",
            base="BaseTrainer",
            train="",
            switch="",
            marker="",
        ),
    ]
)

#: a plain trainer class whose own method is named ``train(epochs)``
#: (samet-akcay/skip-ganomaly, audit s177): ``Model(data).train(2)`` puts no
#: module in any mode, so the no_grad test pass runs the generator in train mode
_NETG = """
import torch
import torch.nn as nn


class NetG(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU())

    def forward(self, x):
        return self.main(x)
"""

_PLAIN_TRAINER = (
    _NETG
    + """

class Model:
    def __init__(self, train_data, valid_data):
        self.netg = NetG()
        self.opt = torch.optim.Adam(self.netg.parameters())
        self.train_data = train_data
        self.valid_data = valid_data

    def train_one_epoch(self):
        self.netg.train()
        for x in self.train_data:
            self.opt.zero_grad()
            ((self.netg(x) - x) ** 2).mean().backward()
            self.opt.step()

    def test(self):
        {switch}
        with torch.no_grad():
            scores = []
            for x in self.valid_data:
                fake = self.netg(x){marker}
                scores.append(((fake - x) ** 2).mean(dim=(1, 2, 3)))
            return torch.cat(scores)

    def train(self, epochs):
        for epoch in range(epochs):
            self.train_one_epoch()
            self.test()


Model(data, data).train(2)
"""
)

METHOD_INVALID.append(
    Invalid(_PLAIN_TRAINER.format(switch="pass", marker="  # error: LF603 at `self.netg(x)`"))
)
METHOD_VALID.append(_PLAIN_TRAINER.format(switch="self.netg.eval()", marker=""))

# the base class's methods use a model only its subclasses build
# (skip-ganomaly's ``BaseModel.test``, audit s177): what every subclass agrees on
_BASE_MODEL = (
    _NETG
    + """

class BaseModel:
    def __init__(self, data):
        self.data = data

    def train_one_epoch(self):
        self.netg.train()
        for x in self.data:
            self.opt.zero_grad()
            ((self.netg(x) - x) ** 2).mean().backward()
            self.opt.step()

    def test(self):
        with torch.no_grad():
            scores = []
            for x in self.data:
                fake = self.netg(x){marker}
                scores.append(((fake - x) ** 2).mean(dim=(1, 2, 3)))
            return torch.cat(scores)

    def train(self, epochs):
        for epoch in range(epochs):
            self.train_one_epoch()
            self.test()


class Ganomaly(BaseModel):
    def __init__(self, data):
        super().__init__(data)
        self.netg = NetG()
        self.opt = torch.optim.Adam(self.netg.parameters())
{other}

Ganomaly(data).train(2)
"""
)

_PLAIN_SUBCLASS = """
class Plain(BaseModel):
    def __init__(self, data):
        super().__init__(data)
        self.netg = nn.Conv2d(3, 3, 3, 1, 1)
        self.opt = torch.optim.Adam(self.netg.parameters())
"""

METHOD_INVALID.append(
    Invalid(_BASE_MODEL.format(marker="  # error: LF603 at `self.netg(x)`", other=""))
)
# another subclass builds a model without batch norm or dropout: which one runs is unknown
METHOD_VALID.append(_BASE_MODEL.format(marker="", other=_PLAIN_SUBCLASS))
