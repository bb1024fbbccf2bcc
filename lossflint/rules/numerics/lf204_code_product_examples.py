"""LF204 examples of the pairwise likelihood of deep hashing (HashNet, CSQ's
``pairwise_loss``, audit s184): ``log(1 + exp(s * u @ v.T))`` of two tanh
codes is at most the code length times ``s``, a scale the author sets
against it (``10 / hash_bit``). Unscaled, or scaled up by a literal, the
code length decides: reported."""

from __future__ import annotations

from lossflint.examples import Invalid

_PAIRWISE = """
import torch
import torch.nn as nn


def pairwise_loss(outputs1, outputs2, similarity, sigmoid_param=1.0):
    dot_product = {scaled}
    exp_loss = torch.log(1 + torch.exp(dot_product)) - similarity * dot_product{marker}
    return exp_loss.mean()


class Hash(nn.Module):
    def __init__(self, bits):
        super().__init__()
        self.hash_layer = nn.Sequential(nn.Linear(64, bits), nn.Tanh())

    def forward(self, x):
        return self.hash_layer(x)


def train(loader, bits):
    model = Hash(bits)
    optimizer = torch.optim.Adam(model.parameters())
    for x, s in loader:
        optimizer.zero_grad()
        y = model(x)
        loss = pairwise_loss(y, y, s, sigmoid_param=10.0 / bits)
        loss.backward()
        optimizer.step()
"""

CODE_PRODUCT_VALID = [
    _PAIRWISE.format(scaled="sigmoid_param * torch.mm(outputs1, outputs2.t())", marker=""),
    _PAIRWISE.format(scaled="0.5 * (torch.tanh(outputs1) @ torch.tanh(outputs2).T)", marker=""),
]

CODE_PRODUCT_INVALID = [
    Invalid(
        _PAIRWISE.format(
            scaled="torch.mm(outputs1, outputs2.t())", marker="  # error: LF204 at `torch.log(`"
        )
    ),
    Invalid(
        _PAIRWISE.format(
            scaled="4 * torch.mm(outputs1, outputs2.t())", marker="  # error: LF204 at `torch.log(`"
        )
    ),
]
