"""LF104 examples: a trainer whose base class keeps what the subclass's
``__init__`` hands it through ``super().__init__(...)`` (or Python 2's
``BaseTrainer.__init__(self, ...)``): the base's attributes hold what the
constructions pass (voqtuyen/deep-pix-bis-pad.pytorch, audit s200). A
knowledge-tracing model's sigmoid output picked at the next question by a
one-hot product summed over the questions is still sigmoid output
(hcnoh/knowledge-tracing-collection-pytorch's DKT, audit s204). A loss kept in
a dict of training parameters is read back by its key
(tsugumi-sys/SA-ConvLSTM-Pytorch, audit s207)."""

from __future__ import annotations

from lossflint.examples import Invalid

_TRAINER = """
import torch
from torch import nn
import torch.nn.functional as F


class PixWiseBCELoss(nn.Module):
    def __init__(self, beta):
        super().__init__()
        self.criterion = nn.BCELoss()
        self.beta = beta

    def forward(self, net_mask, net_label, target_mask, target_label):
        loss_pixel_map = self.criterion(net_mask, target_mask){marker}
        loss_bce = self.criterion(net_label, target_label){marker}
        return self.beta * loss_bce + (1 - self.beta) * loss_pixel_map


class DeepPixBis(nn.Module):
    def __init__(self):
        super().__init__()
        self.dec = nn.Conv2d(384, 1, kernel_size=1)
        self.linear = nn.Linear(14 * 14, 1)

    def forward(self, x):
        out_map = {head}(self.dec(x))
        dec = {head}(self.linear(out_map.view(-1, 14 * 14)))
        return out_map, dec


class BaseTrainer:
    def __init__(self, network, optimizer, loss, trainloader):
        self.network = network
        self.optimizer = optimizer
        self.loss = loss
        self.trainloader = trainloader


class Trainer(BaseTrainer):
    def __init__(self, network, optimizer, loss, trainloader):
        {forward}

    def train_one_epoch(self):
        self.network.train()
        for img, mask, label in self.trainloader:
            net_mask, net_label = self.network(img)
            self.optimizer.zero_grad()
            loss = self.loss(net_mask, net_label, mask, label)
            loss.backward()
            self.optimizer.step()


network = DeepPixBis()
optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
trainer = Trainer(network=network, optimizer=optimizer, loss=PixWiseBCELoss(beta=0.5), trainloader=loader)
trainer.train_one_epoch()
"""

_SUPER = "super(Trainer, self).__init__(network, optimizer, loss, trainloader)"
_PY2 = "BaseTrainer.__init__(self, network, optimizer, loss, trainloader)"
# everything handed on unseen: what the base keeps is unknown
_STARRED = "super().__init__(*[network, optimizer, loss, trainloader])"

TRAINER_INVALID = [
    Invalid(_TRAINER.format(forward=_SUPER, head="F.sigmoid", marker="  # error: LF104")),
    Invalid(_TRAINER.format(forward=_PY2, head="F.sigmoid", marker="  # error: LF104")),
]

TRAINER_VALID = [
    # a model ending in no sigmoid
    _TRAINER.format(forward=_SUPER, head="F.tanh", marker=""),
    _TRAINER.format(forward=_STARRED, head="F.sigmoid", marker=""),
]

_DKT = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class DKT(nn.Module):
    def __init__(self, num_q, hidden):
        super().__init__()
        self.num_q = num_q
        self.interaction_emb = nn.Embedding(num_q * 2, hidden)
        self.lstm_layer = nn.LSTM(hidden, hidden, batch_first=True)
        self.out_layer = nn.Linear(hidden, num_q)

    def forward(self, q, r):
        h, _ = self.lstm_layer(self.interaction_emb(q + self.num_q * r))
        return torch.sigmoid(self.out_layer(h))


def train(model, loader, opt):
    for q, r, qshft, rshft, m in loader:
        y = model(q.long(), r.long())
        y = {pick}
        y = torch.masked_select(y, m)
        t = torch.masked_select(rshft, m)
        opt.zero_grad()
        loss = F.binary_cross_entropy(y, t){marker}
        loss.backward()
        opt.step()


train(DKT(100, 64), loader, opt)
"""

TRAINER_INVALID += [
    Invalid(
        _DKT.format(
            pick="(y * F.one_hot(qshft.long(), model.num_q)).sum(-1)", marker="  # error: LF104"
        )
    ),
    Invalid(
        _DKT.format(
            pick="torch.sum(y * F.one_hot(qshft.long(), model.num_q), dim=-1)",
            marker="  # error: LF104",
        )
    ),
]
TRAINER_VALID += [
    # summed over every question: no longer one probability per row
    _DKT.format(pick="(y * F.one_hot(qshft.long(), model.num_q)).sum()", marker=""),
    _DKT.format(pick="y.sum(-1)", marker=""),
]

_PARAMS = """
import torch
from torch import nn

model = nn.Sequential(nn.Conv3d(1, 1, 3, padding="same"), nn.Sigmoid())
training_params = {{"epochs": 10, "loss_criterion": {loss}}}
crit = training_params["loss_criterion"]
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
for x, y in loader:
    loss = crit(model(x), y){marker}
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

TRAINER_INVALID.append(
    Invalid(_PARAMS.format(loss='nn.BCELoss(reduction="sum")', marker="  # error: LF104"))
)
TRAINER_VALID.append(_PARAMS.format(loss="nn.MSELoss()", marker=""))

# re-wrapped in DataParallel by the method that built it (ZhaoZhibin/UDTL, audit s210)
_REWRAPPED = """
import torch
from torch import nn


class AdversarialNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Sequential(nn.Linear(64, 1), {head})

    def forward(self, x):
        return self.out(x)


class Trainer(object):
    def setup(self):
        self.net = AdversarialNet()
        if torch.cuda.device_count() > 1:
            self.net = torch.nn.DataParallel(self.net)
        self.criterion = nn.BCELoss()
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=0.01)

    def train(self, loader):
        for features, label in loader:
            loss = self.criterion(self.net(features).squeeze(), label){marker}
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
"""

TRAINER_INVALID.append(Invalid(_REWRAPPED.format(head="nn.Sigmoid()", marker="  # error: LF104")))
TRAINER_VALID.append(_REWRAPPED.format(head="nn.Identity()", marker=""))

# a decoder's sigmoid adjacency with the diagonal masked out by ``1 - eye``
# (vgsatorras/egnn's graph autoencoder, audit s212)
_ADJACENCY = """
import torch
from torch import nn
from torch.nn import functional as F


class AE(nn.Module):
    def __init__(self, nf=16):
        super().__init__()
        self.enc = nn.Linear(1, nf)

    def forward(self, nodes):
        x = self.enc(nodes)
        n = x.size(0)
        d = ((x.unsqueeze(0) - x.unsqueeze(1)) ** 2).sum(-1)
        return torch.sigmoid(-d + 1.0) * {mask}


model = AE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
for nodes, adj in loader:
    optimizer.zero_grad()
    loss = F.binary_cross_entropy(model(nodes).view(-1, 1), adj.view(-1, 1)){marker}
    loss.backward()
    optimizer.step()
"""

TRAINER_INVALID.append(
    Invalid(_ADJACENCY.format(mask="(1 - torch.eye(n))", marker="  # error: LF104"))
)
# weighted by anything but a mask: not known to stay in [0, 1]
TRAINER_VALID.append(_ADJACENCY.format(mask="(1 - torch.rand(n, n))", marker=""))

# the discriminator handed through Opacus's privacy engine (its DCGAN example,
# audit s228): ``make_private`` gives back the same module, wrapped in a
# ``GradSampleModule`` whose calls run its forward
_PRIVATE = """
import torch
import torch.nn as nn
from opacus import PrivacyEngine


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(64, 1), nn.{head}())

    def forward(self, x):
        return self.main(x).view(-1)


def train(dataloader, epochs):
    netD = Discriminator()
    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4)
    privacy_engine = PrivacyEngine()
    netD, optimizerD, dataloader = privacy_engine.make_private(
        module=netD, optimizer=optimizerD, data_loader=dataloader,
        noise_multiplier=1.0, max_grad_norm=1.0,
    )
    for epoch in range(epochs):
        for real, _ in dataloader:
            optimizerD.zero_grad()
            output = netD(real)
            loss = criterion(output, torch.ones_like(output)){marker}
            loss.backward()
            optimizerD.step()
"""
TRAINER_INVALID.append(Invalid(_PRIVATE.format(head="Sigmoid", marker="  # error: LF104")))
TRAINER_VALID.append(
    _PRIVATE.format(head="Identity", marker="").replace("nn.BCELoss()", "nn.BCEWithLogitsLoss()")
)

# the sigmoid appended under an ``__init__`` flag that every construction of
# the file leaves on (PerceptualSimilarity's ``Dist2LogitLayer``, audit s234)
_FLAGGED_HEAD = """
import torch
import torch.nn as nn


class Dist2LogitLayer(nn.Module):
    def __init__(self, chn_mid=32, use_sigmoid=True):
        super(Dist2LogitLayer, self).__init__()
        layers = [nn.Conv2d(5, chn_mid, 1), nn.LeakyReLU(0.2, True), nn.Conv2d(chn_mid, 1, 1)]
        if use_sigmoid:
            layers += [nn.Sigmoid()]
        self.model = nn.Sequential(*layers)

    def forward(self, d0, d1):
        return self.model(torch.cat((d0, d1, d0 - d1), dim=1))


class BCERankingLoss(nn.Module):
    def __init__(self, chn_mid=32):
        super(BCERankingLoss, self).__init__()
        self.net = Dist2LogitLayer(chn_mid=chn_mid{flag})
        self.loss = torch.nn.BCELoss()

    def forward(self, d0, d1, judge):
        logit = self.net(d0, d1)
        return self.loss(logit, (judge + 1.0) / 2.0){marker}
"""
TRAINER_INVALID.append(Invalid(_FLAGGED_HEAD.format(flag="", marker="  # error: LF104")))
TRAINER_VALID.append(_FLAGGED_HEAD.format(flag=", use_sigmoid=False", marker=""))
