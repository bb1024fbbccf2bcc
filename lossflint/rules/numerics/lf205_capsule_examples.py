"""LF205 examples of capsule networks: the lengths of the output capsules,
``sqrt((x ** 2).sum(2))``, softmaxed only to pick the class whose capsule the
decoder keeps (``_, idx = classes.max(dim=1)``; jindongwang/Pytorch-CapsuleNet,
audit s159): integer indices, no gradient reaches the root. The same lengths
in the margin loss are back-propagated: reported unless guarded."""

from __future__ import annotations

from lossflint.examples import Invalid

_DECODER = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(160, 784), nn.Sigmoid())

    def forward(self, x):
        classes = torch.sqrt((x ** 2).sum(2))
        classes = F.softmax(classes, dim=1)
        _, idx = classes.max(dim=1)
        masked = torch.eye(10).index_select(dim=0, index=idx.squeeze(1).data)
        return self.layers((x * masked[:, :, None, None]).view(x.size(0), -1)), masked


def margin_loss(x, labels):
    v_c = torch.sqrt((x ** 2).sum(dim=2, keepdim=True){eps}){marker}
    left = F.relu(0.9 - v_c).view(x.size(0), -1)
    return (labels * left).sum(dim=1).mean()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.caps = nn.Linear(784, 160)
        self.decoder = Decoder()

    def forward(self, data):
        out = self.caps(data.view(data.size(0), -1)).view(-1, 10, 16, 1)
        rec, masked = self.decoder(out)
        return out, rec, masked


model = Net()
opt = torch.optim.Adam(model.parameters())
for data, target in loader:
    opt.zero_grad()
    out, rec, masked = model(data)
    loss = F.mse_loss(rec, data.view(data.size(0), -1)) + {margin}
    loss.backward()
    opt.step()
"""

CAPSULE_INVALID = [
    Invalid(_DECODER.format(eps="", marker="  # error: LF205", margin="margin_loss(out, target)")),
]

CAPSULE_VALID = [
    # the decoder's lengths pick indices only; the margin loss guards its root
    _DECODER.format(eps=" + 1e-8", marker="", margin="margin_loss(out, target)"),
]
