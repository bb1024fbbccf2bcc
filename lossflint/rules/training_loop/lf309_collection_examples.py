"""LF309 examples of models drawn from a collection inside the training loop
(PFLlib's FedGen server, audit R78): a generator is trained against the
clients' uploaded models, each put in eval mode as the loop scores with it.
No optimiser takes their parameters and nothing puts them in train mode:
they are frozen, and eval mode is what they should be in (silent). The twin
also optimises them, so eval mode leaks into their training. A teacher is
frozen by name, unless the function fine-tunes it, putting it in train mode
first (KD_Lib's BERT2LSTM, audit R78). An evaluation helper inherited from a
same-file base class (KD_Lib's TAKD) is followed like the class's own, and
so is a self-less method called on its class (``Trainer.epochVal(model,
...)`` in gaetandi's cheXpert notebook, audit R80)."""

from __future__ import annotations

from lossflint.examples import Invalid

_FEDGEN = """
import torch
import torch.nn as nn


class Server:
    def __init__(self, generator, uploaded_models):
        self.generative_model = generator
        self.uploaded_models = uploaded_models
        self.generative_optimizer = torch.optim.Adam({params}, lr=1e-3)
        self.loss = nn.CrossEntropyLoss()

    def train_generator(self, labels):
        self.generative_model.train()
        for _ in range(100):
            z = self.generative_model(labels)
            logits = 0
            for model in self.uploaded_models:
                model.eval(){marker}
                logits += model(z)
            self.generative_optimizer.zero_grad()
            loss = self.loss(logits, labels)
            loss.backward()
            self.generative_optimizer.step()
"""

_TEACHER = """
import torch


class BERT2LSTM:
    def __init__(self, teacher_model, train_loader, val_loader, optimizer_teacher):
        self.teacher_model = teacher_model
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.optimizer_teacher = optimizer_teacher

    def train_teacher(self, epochs=1):
        self.teacher_model.train()
        for ep in range(epochs):
            for batch in self.train_loader:
                self.optimizer_teacher.zero_grad()
                loss, logits = self.teacher_model(batch[0], labels=batch[1])
                loss.backward()
                self.optimizer_teacher.step()
            acc = self.evaluate_teacher()

    def evaluate_teacher(self):
        self.teacher_model.eval(){marker}
        with torch.no_grad():
            return [self.teacher_model(b[0])[1].argmax(1) for b in self.val_loader]
"""

_INHERITED = """
import torch
import torch.nn.functional as F


class BaseClass:
    def __init__(self, train_loader, val_loader):
        self.train_loader = train_loader
        self.val_loader = val_loader

    def _evaluate_model(self, model):
        model.eval(){marker}
        with torch.no_grad():
            return sum((model(x).argmax(1) == y).sum().item() for x, y in self.val_loader)


class TAKD(BaseClass):
    def train_distil(self, model, optimizer, epochs=20):
        model.train()
        for epoch in range(epochs):{top}
            for data, target in self.train_loader:
                loss = F.cross_entropy(model(data), target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            acc = self._evaluate_model(model)
"""

_CLASS_CALLS = """
import torch
import torch.nn as nn


class Trainer:
    def epochTrain(model, loader_train, loader_val, optimizer, loss):
        model.train()
        for batchID, (x, y) in enumerate(loader_train):
            lossvalue = loss(model(x), y)
            optimizer.zero_grad()
            lossvalue.backward()
            optimizer.step()
            if batchID % 35 == 0:
                Trainer.epochVal(model, loader_val, loss)

    def epochVal(model, loader_val, loss):
        model.eval(){marker}
        with torch.no_grad():
            total = sum(loss(model(x), y).item() for x, y in loader_val){restore}
        return total
"""

COLLECTION_INVALID = [
    Invalid(_CLASS_CALLS.format(marker="  # error: LF309", restore="")),
    Invalid(_INHERITED.format(marker="  # error: LF309", top="")),
    Invalid(_TEACHER.format(marker="  # error: LF309")),
    Invalid(
        _FEDGEN.format(
            params="[*generator.parameters(), *(p for m in uploaded_models for p in m.parameters())]",
            marker="  # error: LF309",
        )
    ),
    Invalid(
        _FEDGEN.format(
            params="[*generator.parameters(), *(p for u in uploaded_models for p in u.model.parameters())]",
            marker="  # error: LF309",
        )
        .replace("for model in self.uploaded_models:", "for user in self.uploaded_models:")
        .replace("model.eval()", "user.model.eval()")
        .replace("logits += model(z)", "logits += user.model(z)")
    ),
]

COLLECTION_VALID = [
    _CLASS_CALLS.format(marker="", restore="\n        model.train()"),
    _INHERITED.format(marker="", top="\n            model.train()"),
    _FEDGEN.format(params="generator.parameters()", marker=""),
    # ... weighted, drawn through zip (PFLlib's own code)
    _FEDGEN.format(params="generator.parameters()", marker="")
    .replace(
        "for model in self.uploaded_models:", "for w, model in zip(weights, self.uploaded_models):"
    )
    .replace("logits += model(z)", "logits += model(z) * w")
    .replace("def train_generator(self, labels):", "def train_generator(self, labels, weights):"),
    # ... each a user's model (zhuangdizhu/FedGen's own server, audit s111)
    _FEDGEN.format(params="generator.parameters()", marker="")
    .replace("for model in self.uploaded_models:", "for user in self.uploaded_models:")
    .replace("model.eval()", "user.model.eval()")
    .replace("logits += model(z)", "logits += user.model(z)"),
]

# branches built as nn.Sequential(OrderedDict([...])): their layers are read,
# none behaves differently in eval mode (ST-ResNet-Pytorch, audit s211)
_ORDERED = """
import torch
import torch.nn as nn
from collections import OrderedDict


class STResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_way = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(6, 64, 3, padding=1)),
            ("relu", nn.ReLU()),
            {extra}("conv2", nn.Conv2d(64, 2, 3, padding=1)),
        ]))

    def forward(self, x):
        return torch.tanh(self.c_way(x))


def valid(model, val_loader):
    model.eval(){marker}
    return sum(((model(x) - y) ** 2).mean().item() for x, y in val_loader)


def train(train_loader, val_loader):
    model = STResNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)
    for epoch in range(10):
        for x, y in train_loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        valid(model, val_loader)
"""

COLLECTION_VALID.append(_ORDERED.format(extra="", marker=""))
COLLECTION_INVALID.append(
    Invalid(
        _ORDERED.format(
            extra='("bn", nn.BatchNorm2d(64)),\n            ',
            marker="  # error: LF309",
        )
    )
)

# an evaluation helper putting its own linear probe in train mode: not the
# encoder the epoch loop trains (lehaifeng/T-GCN's iGCL, audit s211)
_PROBE = """
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(16, 32)
        self.bn = nn.BatchNorm1d(32)

    def forward(self, x):
        return self.bn(self.lin(x))


def infer_embeddings(model, loader):
    model.train(False){marker}
    return torch.cat([model(x).detach() for x in loader])


def evaluate_node(embeddings, labels, {probe}):
    {setup}
    opt = torch.optim.Adam(classifier.parameters(), lr=0.005)
    for _ in range(100):
        classifier.train()
        loss = nn.functional.cross_entropy(classifier(embeddings), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()


def main(loader, labels, model):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    for epoch in range(1, 1001):
        for x in loader:
            loss = model(x).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if epoch % 5 == 0:
            evaluate_node(infer_embeddings(model, loader), labels, {argument})
"""

COLLECTION_INVALID.append(
    Invalid(
        _PROBE.format(
            probe="dim",
            setup="classifier = nn.Linear(dim, 7)",
            argument="32",
            marker="  # error: LF309",
        )
    )
)
# the helper is handed the model and puts it back in train mode
COLLECTION_VALID.append(
    _PROBE.format(probe="classifier", setup="pass", argument="model", marker="")
)
