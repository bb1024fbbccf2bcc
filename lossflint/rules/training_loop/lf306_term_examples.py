"""LF306 examples of the terms of a back-propagated loss accumulated apart
(SsnL/align_uniform's per-term meters, audit s147): each term is a part of
the same graph; a number the loss is weighted by is not. And a list of loss
parts whose back-propagated item is replaced by its number before it is kept
(lfz/DSB2017, read since PyTorch 0.3's ``async=`` no longer hides the file).
A term added to the loss in place, under an ``if`` (``loss_G += loss_contrastive_G``,
Transfer-Learning-Library's SPGAN, audit s155), also from a loss module of the file."""

from __future__ import annotations

from lossflint.examples import Invalid

_METERS = """
import torch
import torch.nn as nn


class AverageMeter(object):
    def __init__(self):
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n


def align_loss(x, y, alpha=2):
    return (x - y).norm(p=2, dim=1).pow(alpha).mean()


def uniform_loss(x, t=2):
    return torch.pdist(x, p=2).pow(2).mul(-t).exp().mean().log()


def warmup(epoch):
    return min(1.0, epoch / 10)


def main(loader, epochs):
    encoder = nn.Linear(32, 8)
    optim = torch.optim.SGD(encoder.parameters(), lr=0.1)
    align_meter = AverageMeter()
    unif_meter = AverageMeter()
    weight_meter = AverageMeter()
    for epoch in range(epochs):
        for im_x, im_y in loader:
            optim.zero_grad()
            x, y = encoder(torch.cat([im_x, im_y])).chunk(2)
            align_loss_val = align_loss(x, y)
            unif_loss_val = (uniform_loss(x) + uniform_loss(y)) / 2
            w = warmup(epoch)
            loss = align_loss_val + w * unif_loss_val
            align_meter.update({align}, x.shape[0]){marker}
            unif_meter.update({unif}){marker}
            weight_meter.update(w)
            loss.backward()
            optim.step()
"""

_PARTS = """
import torch


def train(net, loss, data_loader, optimizer):
    metrics = []
    for data, target in data_loader:
        loss_output = loss(net(data), target)
        optimizer.zero_grad()
        loss_output[0].backward()
        optimizer.step(){replaced}
        metrics.append(loss_output){marker}
    return metrics
"""

_ADDED = """
import torch
import torch.nn as nn


class AverageMeter(object):
    def __init__(self):
        self.sum = 0

    def update(self, val, n=1):
        self.sum += val * n


class ContrastiveLoss(nn.Module):
    def forward(self, a, b, label):
        d = torch.pairwise_distance(a, b)
        return torch.mean((1 - label) * d.pow(2))


def train(netG, siamese, criterion_gan, criterion_contrastive, optimizer_G, loader, epoch):
    meter = AverageMeter()
    for real_S, real_T in loader:
        fake_T = netG(real_S)
        loss_G = criterion_gan(fake_T, real_T)
        loss_contrastive_G = criterion_contrastive(siamese(fake_T), siamese(real_S), 0)
        if epoch > 1:
            loss_G += loss_contrastive_G
        netG.zero_grad()
        loss_G.backward()
        optimizer_G.step()
        meter.update({kept}, real_S.size(0)){marker}


train(nn.Linear(8, 8), nn.Linear(8, 4), nn.MSELoss(), ContrastiveLoss(), opt, loader, 3)
"""

TERM_INVALID = [
    Invalid(_ADDED.format(kept="loss_contrastive_G", marker="  # error: LF306")),
    Invalid(_PARTS.format(replaced="", marker="  # error: LF306")),
    Invalid(
        _METERS.format(align="align_loss_val", unif="unif_loss_val", marker="  # error: LF306")
    ),
]

TERM_VALID = [
    _ADDED.format(kept="loss_contrastive_G.item()", marker=""),
    # a KL weight annealed from the config, kept for a plot
    """
    import torch

    def train(model, loader, optimizer, cfg, get_beta):
        betas = []
        for step, (x, y) in enumerate(loader):
            rec, kl = model(x)
            beta = get_beta(step, cfg)
            loss = rec + beta * kl
            betas.append(beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return betas
    """,
    _PARTS.format(replaced="\n        loss_output[0] = loss_output[0].data[0]", marker=""),
    _METERS.format(align="align_loss_val.item()", unif="unif_loss_val.detach()", marker=""),
]

#: a log-likelihood the model returns beside its prediction, a term of the
#: back-propagated loss, summed for a log (Multimodal-Infomax's ``ba_loss``,
#: audit s216); an attention map returned beside it is no term of the loss
_RETURNED_TERM = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.mu = nn.Linear(8, 8)
        self.head = nn.Linear(8, 1)

    def forward(self, x, y):
        lld = -((self.mu(x) - y) ** 2).sum(-1).mean()
        return lld, self.head(x), torch.softmax(self.mu(x), dim=-1)


def train(model, loader, optimizer, criterion):
    running = 0.0
    for x, v, y in loader:
        model.zero_grad()
        lld, preds, attn = model(x, v)
        loss = criterion(preds, y) - 0.1 * lld
        loss.backward()
        optimizer.step()
        running += {kept} * x.size(0){marker}
    return running


net = Net()
train(net, LOADER, torch.optim.Adam(net.parameters()), nn.L1Loss())
"""
TERM_INVALID.append(Invalid(_RETURNED_TERM.format(kept="-lld", marker="  # error: LF306")))
TERM_VALID.append(_RETURNED_TERM.format(kept="-lld.item()", marker=""))
TERM_VALID.append(_RETURNED_TERM.format(kept="attn.mean().item()", marker=""))

#: a per-batch list of the criteria's terms, made afresh at the top of each
#: batch and appended in a loop over the criteria (TransMorph's 19 train
#: scripts, audit s220); made once per epoch instead, it keeps every batch's graph
_PER_BATCH_TERMS = """
import torch
import torch.nn as nn


def main(model, optimizer, loader, criterions, weights):
    for epoch in range(2):
        {epoch_reset}
        for x, y in loader:
            output = model(x)
            loss = 0
            {batch_reset}
            for n, loss_function in enumerate(criterions):
                curr_loss = loss_function(output, y) * weights[n]
                loss_vals.append(curr_loss){marker}
                loss += curr_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""
TERM_VALID.append(
    _PER_BATCH_TERMS.format(epoch_reset="pass", batch_reset="loss_vals = []", marker="")
)
TERM_INVALID.append(
    Invalid(
        _PER_BATCH_TERMS.format(
            epoch_reset="loss_vals = []", batch_reset="pass", marker="  # error: LF306"
        )
    )
)
