"""LF111 examples found by the held-out measurements (session 18): the
temperature of a sampling softmax given as a parameter. A focal loss taking
``F.log_softmax`` of a model that already ends in ``nn.Softmax``
(voice-activity-detection, audit s117). ``log_softmax`` of the average of
three classifiers' softmax outputs, still probabilities (MFSAN, audit s155);
a sum not divided by the count, or a weighted average, is not known to be."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a token model whose head is ``{head}``, sampled with a temperature that
#: is a parameter of the sampling function
_SAMPLER = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class TokenGRU(nn.Module):
    def __init__(self, vocab=100, hidden=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.head = {head}

    def forward(self, ids, h=None):
        out, h = self.rnn(self.emb(ids), h)
        return self.head(out), h

def generate(net, start, n=50, temp=1.0):
    ids, h = torch.tensor([[start]]), None
    for _ in range(n):
        scores, h = net(ids, h)
        probs = F.softmax(scores[0, -1] / temp, dim=-1){marker}
        ids = torch.multinomial(probs, 1).view(1, 1)
    return ids

gru = TokenGRU()
{calls}
"""

_SOFTMAX_HEAD = "nn.Sequential(nn.Linear(hidden, vocab), nn.Softmax(dim=-1))"
_MARKER = "  # error: LF111 at `F.softmax(`"

_FOCAL = """
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(40, 2)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return {returned}


class FocalLoss(nn.Module):
    def forward(self, input, target):
        logpt = F.log_softmax(input, dim=1).gather(1, target.view(-1, 1)).view(-1){marker}
        return -((1 - logpt.exp()) ** 2 * logpt).mean()


net = Net()
criterion = FocalLoss()
for X, y in batches:
    loss = criterion(net(X), y)
    loss.backward()
"""

_ENSEMBLE = """
import torch
import torch.nn.functional as F


def test(model, loader):
    test_loss = 0
    with torch.no_grad():
        for data, target in loader:
            pred1, pred2, pred3 = model(data)
            pred1 = F.softmax(pred1, dim=1)
            pred2 = F.softmax(pred2, dim=1)
            pred3 = F.softmax(pred3, dim=1)
            pred = {average}
            test_loss += F.nll_loss(F.log_softmax(pred, dim=1), target).item(){marker}
    return test_loss
"""

AUDIT_INVALID = [
    Invalid(
        _ENSEMBLE.format(
            average="(pred1 + pred2 + pred3) / 3", marker="  # error: LF111 at `F.log_softmax(`"
        )
    ),
    Invalid(_FOCAL.format(returned="self.softmax(self.lin(x))", marker="  # error: LF111")),
    # every call passes a mild temperature (or keeps the default 1.0)
    Invalid(
        _SAMPLER.format(
            head=_SOFTMAX_HEAD,
            marker=_MARKER,
            calls="a = generate(gru, 3, temp=0.8)\nb = generate(gru, 4)",
        )
    ),
]

AUDIT_VALID = [
    _ENSEMBLE.format(average="(pred1 + pred2 + pred3) / 2", marker=""),
    _ENSEMBLE.format(average="0.5 * pred1 + 0.3 * pred2 + 0.2 * pred3", marker=""),
    _FOCAL.format(returned="self.lin(x)", marker=""),
    # the head is linear: the sampling softmax is the only one
    _SAMPLER.format(
        head="nn.Linear(hidden, vocab)", marker="", calls="a = generate(gru, 3, temp=0.8)"
    ),
    # one call sharpens hard (0.05): possibly a deliberate choice
    _SAMPLER.format(
        head=_SOFTMAX_HEAD,
        marker="",
        calls="a = generate(gru, 3, temp=0.8)\nb = generate(gru, 4, temp=0.05)",
    ),
    # a temperature not known at one call
    _SAMPLER.format(
        head=_SOFTMAX_HEAD, marker="", calls="a = generate(gru, 3, temp=float(input()))"
    ),
    # the function is handed on: its callers are not all seen
    _SAMPLER.format(head=_SOFTMAX_HEAD, marker="", calls="run = [generate]"),
]

#: a reconstruction loss choosing its form by a parameter every call of the
#: file leaves at its default (acids-ircam's pytorch_flows notebook, audit
#: s174): the multinomial branch never gets the sigmoid decoder's output
_BRANCHED = """
import torch
import torch.nn as nn
import torch.nn.functional as F


def multinomial_loss(x_logit, x, num_classes):
    x_logit = x_logit.view(x.shape[0], num_classes, x.shape[1])
    x_logit = F.log_softmax(x_logit, 1){marker}
    return F.nll_loss(x_logit, (x * (num_classes - 1)).long())


def reconstruction_loss(x_tilde, x, num_classes=1):
    if num_classes == 1:
        return F.mse_loss(x_tilde, x)
    else:
        return multinomial_loss(x_tilde, x, num_classes)


decoder = nn.Sequential(nn.Linear(16, 784), nn.Sigmoid())
for z, x in loader:
    loss = reconstruction_loss(decoder(z), x{given})
    loss.backward()
"""

AUDIT_INVALID.append(
    Invalid(
        _BRANCHED.format(given=", num_classes=256", marker="  # error: LF111 at `F.log_softmax(`")
    )
)
AUDIT_VALID += [
    _BRANCHED.format(given="", marker=""),
    _BRANCHED.format(given=", 1", marker=""),
]
