"""LF309 examples of models drawn from a collection inside the training loop
(PFLlib's FedGen server, audit R78): a generator is trained against the
clients' uploaded models, each put in eval mode as the loop scores with it.
No optimiser takes their parameters and nothing puts them in train mode:
they are frozen, and eval mode is what they should be in (silent). The twin
also optimises them, so eval mode leaks into their training."""

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

COLLECTION_INVALID = [
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
