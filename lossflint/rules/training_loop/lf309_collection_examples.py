"""LF309 examples of models drawn from a collection inside the training loop
(PFLlib's FedGen server, audit R78): a generator is trained against the
clients' uploaded models, each put in eval mode as the loop scores with it.
No optimiser takes their parameters and nothing puts them in train mode:
they are frozen, and eval mode is what they should be in (silent). The twin
also optimises them, so eval mode leaks into their training. A teacher is
frozen by name, unless the function fine-tunes it, putting it in train mode
first (KD_Lib's BERT2LSTM, audit R78)."""

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

COLLECTION_INVALID = [
    Invalid(_TEACHER.format(marker="  # error: LF309")),
    Invalid(
        _FEDGEN.format(
            params="[*generator.parameters(), *(p for m in uploaded_models for p in m.parameters())]",
            marker="  # error: LF309",
        )
    ),
]

COLLECTION_VALID = [
    _FEDGEN.format(params="generator.parameters()", marker=""),
]
