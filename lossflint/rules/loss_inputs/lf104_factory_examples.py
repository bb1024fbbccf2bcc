"""LF104 examples of audit R54: pytorch-fm's ``get_model(name)`` returns one of
sixteen CTR models, every one ending in ``torch.sigmoid``, trained with
``BCELoss``; a factory of that many classes still has one kind when they all
agree, and none when one of them does not. Also ConvE's (audit R62): the
model is one of several classes picked by ``if``/``else``, each keeping its
own ``self.loss = BCELoss()``, trained with ``model.loss(model.forward(...), y)``.
A discriminator a plain class builds in a method (``self.disc =
self._discriminator()``, pyod, audit s112) is followed too, and so is a model
ignite's ``idist.auto_model`` wraps (pytorch-ignite's DCGAN template, audit
s133)."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.lf104_vision_head_examples import (
    LOCAL_BRANCH_INVALID,
    LOCAL_BRANCH_VALID,
    NONE_BRANCH_INVALID,
    NONE_BRANCH_VALID,
    VISION_HEAD_INVALID,
    VISION_HEAD_VALID,
)

#: ``count`` one-layer models; ``{last}`` is the last one's ``forward``
_FACTORY = """
import torch
import torch.nn as nn

{classes}

class Last(nn.Module):
    def forward(self, x):
        return {last}

def get_model(name):
{branches}
    return Last()

model = get_model(model_name)
criterion = torch.nn.BCELoss()
loss = criterion(model(fields), target.float()){marker}
"""

_COUNT = 15


def _factory(last: str, marker: str) -> str:
    classes = "\n".join(
        f"class M{i}(nn.Module):\n    def forward(self, x):\n        return torch.sigmoid(x.sum(1))\n"
        for i in range(_COUNT)
    )
    branches = "\n".join(f"    if name == 'm{i}':\n        return M{i}()" for i in range(_COUNT))
    return _FACTORY.format(classes=classes, last=last, branches=branches, marker=marker)


#: two classes, each with its own loss object; ``{out_b}`` ends ``B.forward``
_CHOSEN = """
import torch
import torch.nn as nn

class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.loss = nn.BCELoss()

    def forward(self, e):
        return torch.sigmoid(self.emb(e).sum(1))

class B(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.loss = {loss_b}

    def forward(self, e):
        return {out_b}

def main(name, e, y):
    if name == "a":
        model = A()
    else:
        model = B()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    pred = model.forward(e)
    loss = model.loss(pred, y){marker}
    loss.backward()
    opt.step()
"""


def _chosen(marker: str = "", loss_b: str = "nn.BCELoss()", out_b: str = "") -> str:
    out_b = out_b or "torch.sigmoid(self.emb(e).sum(1))"
    return _CHOSEN.format(marker=marker, loss_b=loss_b, out_b=out_b)


#: a plain class building its discriminator in a method other than
#: ``__init__`` (pyod's AnoGAN / ALAD, audit s112)
_BUILT_BY_METHOD = """
import torch
import torch.nn as nn


class AnoGAN:
    def __init__(self, n_features=8):
        self.n_features = n_features

    def _discriminator(self):
        return nn.Sequential(nn.Linear(self.n_features, 16), nn.ReLU(), nn.Linear(16, 1){head})

    def _build_model(self):
        self.disc = self._discriminator()
        self.opt = torch.optim.Adam(self.disc.parameters(), lr=1e-4)

    def train_step(self, x_real):
        self.opt.zero_grad()
        out = self.disc(x_real)
        loss = nn.BCELoss()(out, torch.ones_like(out)){marker}
        loss.backward()
        self.opt.step()
"""

#: ReChorus's DIEN auxiliary loss (audit s143): a block whose layers are
#: listed for ``nn.Sequential(*layers)``, its outputs joined by ``torch.cat``
_JOINED = """
import torch
import torch.nn as nn


class MLPBlock(nn.Module):
    def __init__(self, input_dim, output_dim):
        super().__init__()
        layers = [nn.Linear(input_dim, output_dim)]
        layers.append(nn.{last}())
        self.mlp = nn.Sequential(*layers)

    def forward(self, x):
        return self.mlp(x)


class DIEN(nn.Module):
    def __init__(self):
        super().__init__()
        self.aux_net = MLPBlock(32, 1)
        self.aux_fn = nn.BCELoss(reduction="none")

    def aux_loss(self, pos, neg):
        aux_prob = torch.cat([self.aux_net(pos), self.aux_net(neg)], dim=0).view(-1, 1)
        aux_label = torch.cat([torch.ones(len(pos), 1), torch.zeros(len(neg), 1)], dim=0)
        return self.aux_fn(aux_prob, aux_label).mean(){marker}
"""

FACTORY_INVALID = [
    # sigmoid scores with the padding sentences zeroed by the mask
    # (nlpyang/PreSumm's ExtSummarizer, audit s198)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Classifier(nn.Module):
            def __init__(self, hidden):
                super().__init__()
                self.linear = nn.Linear(hidden, 1)
                self.sigmoid = nn.Sigmoid()

            def forward(self, x, mask_cls):
                h = self.linear(x).squeeze(-1)
                return self.sigmoid(h) * mask_cls.float()

        clf = Classifier(8)
        loss_fn = nn.BCELoss(reduction="none")
        for x, mask, labels in batches:
            scores = clf(x, mask)
            loss = (loss_fn(scores, labels.float()) * mask.float()).sum()  # error: LF104
            loss.backward()
        """
    ),
    # a shape change after the decoder's sigmoid keeps its probabilities
    # (eecs498's VAE, audit s165)
    Invalid(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        decoder = nn.Sequential(nn.Linear(15, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))
        x_hat = decoder(z)
        loss = F.binary_cross_entropy(x_hat, x, reduction="sum")  # error: LF104 at `F.binary_cross_entropy(`
        """
    ),
    # sigmoid output packed and padded again before a BCE helper (GraphRNN, audit s151)
    Invalid(
        """
        import torch
        import torch.nn.functional as F
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        def bce(y_pred, y):
            return F.binary_cross_entropy(y_pred, y)  # error: LF104

        def train_step(rnn, output, x, y, y_len, optimizer):
            h, _ = rnn(x)
            y_pred = torch.sigmoid(output(h))
            y_pred = pack_padded_sequence(y_pred, y_len, batch_first=True)
            y_pred = pad_packed_sequence(y_pred, batch_first=True)[0]
            loss = bce(y_pred, y)
            loss.backward()
            optimizer.step()
        """
    ),
    Invalid(_JOINED.format(last="Sigmoid", marker="  # error: LF104 at `self.aux_fn(`")),
    Invalid(
        """
        import ignite.distributed as idist
        import torch
        from torch import nn

        netD = idist.auto_model(nn.Sequential(nn.Flatten(), nn.Linear(64, 1), nn.Sigmoid()))
        bce = nn.BCELoss()
        opt = torch.optim.Adam(netD.parameters(), lr=2e-4)
        for x, y in loader:
            loss = bce(netD(x).view(-1), y)  # error: LF104 at `bce(`
            opt.zero_grad()
            loss.backward()
            opt.step()
        """
    ),
    Invalid(
        _BUILT_BY_METHOD.format(head=", nn.Sigmoid()", marker="  # error: LF104 at `nn.BCELoss()(`")
    ),
    Invalid(_chosen("  # error: LF104 at `model.loss(`")),
    *VISION_HEAD_INVALID,
    *NONE_BRANCH_INVALID,
    *LOCAL_BRANCH_INVALID,
    Invalid(_factory("torch.sigmoid(x.sum(1))", "  # error: LF104 at `criterion(`")),
]

FACTORY_VALID = [
    # sigmoid scores times learned weights: no longer sigmoid outputs
    """
    import torch
    import torch.nn as nn

    head = nn.Linear(8, 1)
    loss_fn = nn.BCELoss()
    for x, weights, labels in batches:
        scores = torch.sigmoid(head(x)) * weights
        loss = loss_fn(scores.clamp(0, 1), labels)
        loss.backward()
    """,
    # the block ends in a layer of unknown range: no kind, no finding
    _JOINED.format(last="Tanh", marker=""),
    # the same discriminator ending in a logit, with the fused loss
    _BUILT_BY_METHOD.format(head="", marker="").replace("nn.BCELoss()", "nn.BCEWithLogitsLoss()"),
    *VISION_HEAD_VALID,
    *NONE_BRANCH_VALID,
    *LOCAL_BRANCH_VALID,
    # one of the sixteen gives logits: the model's kind is unknown
    _factory("x.sum(1)", ""),
    # the chosen classes give logits to the logits loss each keeps
    _chosen(loss_b="nn.BCEWithLogitsLoss()", out_b="self.emb(e).sum(1)")
    .replace("torch.sigmoid(self.emb(e).sum(1))", "self.emb(e).sum(1)")
    .replace("nn.BCELoss()", "nn.BCEWithLogitsLoss()"),
]

#: a GANomaly-style trainer (samet-akcay/skip-ganomaly, audit s177): one
#: method keeps the discriminator's sigmoid output on ``self`` by unpacking,
#: another feeds it to ``BCELoss``
_KEPT_BY_METHOD = """
import torch
import torch.nn as nn


class NetD(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1), nn.LeakyReLU(0.2))
        self.classifier = nn.Sequential(nn.Conv2d(8, 1, 16, 1, 0){head})

    def forward(self, x):
        features = self.features(x)
        return self.classifier(features).view(-1, 1).squeeze(1), features


class Ganomaly:
    def __init__(self):
        self.netd = NetD()
        self.l_bce = nn.BCELoss()
        self.optimizer_d = torch.optim.Adam(self.netd.parameters())

    def forward_d(self, x):
        self.pred_real, self.feat_real = self.netd(x)

    def backward_d(self, labels):
        self.err_d = self.l_bce(self.pred_real, labels){marker}
        self.err_d.backward()

    def optimize_params(self, x, labels):
        self.forward_d(x)
        self.optimizer_d.zero_grad()
        self.backward_d(labels)
        self.optimizer_d.step()
"""

FACTORY_INVALID.append(
    Invalid(
        _KEPT_BY_METHOD.format(head=", nn.Sigmoid()", marker="  # error: LF104 at `self.l_bce(`")
    )
)
# the classifier ends in logits: BCELoss is wrong in another way, not this rule's
FACTORY_VALID.append(_KEPT_BY_METHOD.format(head="", marker=""))

#: two factories through one device helper that wraps its model in
#: DataParallel when GPUs are given (skip-ganomaly's init_net, audit s177)
_INIT_NET = """
import torch
import torch.nn as nn


def init_net(net, gpu_ids=[]):
    if len(gpu_ids) > 0:
        net = torch.nn.DataParallel(net, gpu_ids)
    return net


def define_g():
    return init_net(nn.Sequential(nn.Conv2d(3, 3, 3, 1, 1), nn.Tanh()))


def define_d():
    return init_net(nn.Sequential(nn.Flatten(), nn.Linear(27, 1){head}))


netg = define_g()
netd = define_d()
opt = torch.optim.Adam(netd.parameters())
l_adv = nn.BCELoss()
for x in loader:
    loss = l_adv(netd(netg(x)), torch.ones(4)){marker}
    opt.zero_grad()
    loss.backward()
    opt.step()
"""
FACTORY_INVALID.append(
    Invalid(_INIT_NET.format(head=", nn.Sigmoid()", marker="  # error: LF104 at `l_adv(`"))
)
FACTORY_VALID.append(_INIT_NET.format(head="", marker=""))
