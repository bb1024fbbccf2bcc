"""LF603 examples of a validation pass the training batch loop calls every
step (eagle705/pytorch-bert-crf-ner's ``evaluate(model, val_dl)``, audit
s187): the helper runs its own loop over the validation batches under
``no_grad``, with the model left in train mode by the batch loop's
``model.train()``. A metric of the training batch computed by a helper is no
such pass, and an ``evaluate`` that switches the model to eval mode is right."""

from __future__ import annotations

from lossflint.examples import Invalid

_STEP_EVAL = """
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.dropout = nn.Dropout(0.1)
        self.ff = nn.Linear(8, 5)

    def forward(self, x):
        return self.ff(self.dropout(x))


def evaluate(model, val_dl):
    {switch}
    correct = 0
    for x, y in val_dl:
        with torch.no_grad():
            pred = model(x).argmax(-1){marker}
        correct += (pred == y).float().sum()
    {back}
    return correct


def main(tr_dl, val_dl):
    model = Tagger()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
    for epoch in range(3):
        for step, (x, y) in enumerate(tr_dl):
            model.train()
            loss = nn.functional.cross_entropy(model(x).view(-1, 5), y.view(-1))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if step % 100 == 0:
                print(evaluate(model, val_dl))
"""

STEP_EVALUATION_INVALID = [
    Invalid(_STEP_EVAL.format(switch="pass", back="", marker="  # error: LF603 at `model(x)`")),
]

STEP_EVALUATION_VALID = [
    _STEP_EVAL.format(switch="model.eval()", back="model.train()", marker=""),
    # ``eval()`` gives the module back (snntorch's autoencoder tutorial, audit s193)
    _STEP_EVAL.format(switch="model = model.eval()", back="model.train()", marker=""),
    # the training batch's own accuracy, in train mode on purpose
    _STEP_EVAL.format(switch="pass", back="", marker="").replace(
        "evaluate(model, val_dl)", "evaluate(model, [(x, y)])"
    ),
]
