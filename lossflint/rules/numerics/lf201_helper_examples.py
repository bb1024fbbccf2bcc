"""LF201 examples of a model handed through a helper that gives its argument
back (``to_device(x, device)`` returning ``x`` or ``x.to(device)``), called on
tensors and on the model alike: each call is the value it is handed (skorch's
MNIST benchmark, audit s133). A helper that gives back something else on one
path is not followed. A log of softmax held in a name only ever drawn from
(``log_prob = tf.log(tf.nn.softmax(o_t))``, then ``tf.multinomial(log_prob,
1)``: SeqGAN's generator, audit s166) only draws a class, where -inf is a
class of probability 0; the same name also fed to a loss is not."""

from __future__ import annotations

from lossflint.examples import Invalid

_HELPER = """
import torch
from torch import nn


def to_device(X, device):
    if device is None:
        return X
    return {moved}


class ClassifierModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=-1))

    def forward(self, X):
        return self.out(X)


def train_step(model, iterator, device, criterion, optimizer):
    model.train()
    for Xi, yi in iterator:
        Xi, yi = to_device(Xi, device), to_device(yi, device)
        optimizer.zero_grad()
        y_pred = torch.log(model(Xi)){marker}
        loss = criterion(y_pred, yi)
        loss.backward()
        optimizer.step()


def train_torch(model, iterator, device):
    model = to_device(model, device)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=0.1)
    for epoch in range(3):
        train_step(model, iterator, device=device, criterion=nn.NLLLoss(), optimizer=optimizer)


def performance_torch(iterator, device):
    return train_torch(ClassifierModule(), iterator, device)
"""

_DRAWN = """
import tensorflow as tf


def step(o_t, tokens):
    log_prob = tf.log(tf.nn.softmax(o_t)){marker}
    next_token = tf.multinomial(log_prob, 1)
    {more}
    return next_token
"""

HELPER_INVALID = [
    # the probabilities of a categorical built from logits (tonyduan/mdn,
    # audit s201): ``pi.logits`` are its log-probabilities already
    Invalid(
        """
        import torch
        from torch.distributions import OneHotCategorical

        def mixture_nll(logits, loglik):
            pi = OneHotCategorical(logits=logits)
            return -torch.logsumexp(torch.log(pi.probs) + loglik, dim=1)  # error: LF201 at `torch.log(pi.probs)`
        """
    ),
    Invalid(
        _DRAWN.format(
            marker="  # error: LF201 at `tf.log(`",
            more="loss = -tf.reduce_mean(tf.reduce_sum(tokens * log_prob, 1))",
        )
    ),
    Invalid(_HELPER.format(moved="X.to(device)", marker="  # error: LF201 at `torch.log(`")),
    Invalid(_HELPER.format(moved="X.cuda()", marker="  # error: LF201 at `torch.log(`")),
]

HELPER_VALID = [
    # built from probabilities: their origin is not known here
    """
    import torch
    from torch.distributions import Categorical

    def entropy_of(p):
        dist = Categorical(probs=p)
        return -(dist.probs * torch.log(dist.probs)).sum(-1)
    """,
    _DRAWN.format(marker="", more="pass"),
    # on one path the helper gives back another module: the model is not known
    _HELPER.format(moved="nn.Sequential(*list(X.children())[:-1])", marker=""),
]

#: a sigmoid whose input is a probability times a label (DGFraud-TF2's GAS and
#: GEM, audit s172): its input lies in [0, 1], so its output is at least 0.5
_BOUNDED = """
import tensorflow as tf

class GAS(tf.keras.Model):
    def call(self, inputs):
        out, label = inputs
        logits = tf.nn.softmax(tf.matmul(out, self.u))
        return -tf.reduce_sum(tf.math.log(tf.nn.sigmoid({argument}))){marker}
"""

HELPER_INVALID.append(
    # a product with logits: the classic underflow
    Invalid(
        _BOUNDED.format(
            argument="label * tf.matmul(out, self.u)", marker="  # error: LF201 at `tf.math.log(`"
        )
    )
)
HELPER_VALID += [
    _BOUNDED.format(argument="label * logits", marker=""),
    _BOUNDED.format(argument="logits", marker=""),
    # a sigmoid of a torch softmax output, by method
    """
    import torch

    def bounded(z):
        p = torch.softmax(z, 1)
        return torch.log(p.sigmoid())
    """,
]

# REINFORCE's log of the picked softmax probability bound to a name, then
# weighted by the advantages: LF201's at the log, not a hand-written
# cross-entropy (held-out p14_rl_mixed)
REINFORCE = """
import torch
import torch.nn.functional as F


def update(policy, opt, obs, acts, advantages):
    probs = F.softmax(policy(obs), dim=1)
    log_probs = torch.log(probs.gather(1, acts[:, None]).squeeze(1)){marker}
    policy_loss = -(log_probs * advantages).mean()
    opt.zero_grad()
    policy_loss.backward()
    opt.step()
"""

HELPER_INVALID.append(Invalid(REINFORCE.format(marker="  # error: LF201 at `torch.log(`")))

#: greedy decoding's log of the largest probability of each softmax row
#: (pytorch-drl4vrp's pointer, audit s222): at least 1/n, no underflow; the
#: largest over the batch axis of one class may be as small as any entry
_GREEDY = """
import torch
import torch.nn.functional as F


def decode(scores, mask):
    probs = F.softmax(scores + mask.log(), dim=1)
    prob, ptr = torch.max(probs, {dim})
    return ptr, prob.log(){marker}
"""
HELPER_VALID.append(_GREEDY.format(dim="1", marker=""))
HELPER_VALID.append(
    """
    import torch
    import torch.nn.functional as F

    def confidence(scores):
        probs = F.softmax(scores, dim=-1)
        return probs.max(dim=-1).values.log() + torch.amax(probs, -1).log()
    """
)
HELPER_INVALID.append(Invalid(_GREEDY.format(dim="0", marker="  # error: LF201 at `prob.log(`")))

# the probabilities of the sampled actions, kept in a list and read back
# through ``zip`` with the actions (pemami's pointer network, audit s222)
_ZIPPED = """
import torch
import torch.nn as nn


class PointerNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)
        self.sm = nn.Softmax(dim=1)

    def forward(self, inputs):
        probs, idxs = [], []
        for i in range(10):
            p = self.sm(self.lin(inputs).squeeze(-1))
            probs.append(p)
            idxs.append(p.multinomial(1).squeeze(1))
        return probs, idxs


model = PointerNet()


def actor_loss(inputs, advantage):
    probs, actions = model(inputs)
    logprobs = 0
    for prob, action in zip(probs, actions):
        logprobs = logprobs + torch.log(prob.gather(1, action.unsqueeze(1)){eps}){marker}
    return -(advantage * logprobs).mean()
"""
HELPER_INVALID.append(Invalid(_ZIPPED.format(eps="", marker="  # error: LF201 at `torch.log(`")))
HELPER_VALID.append(_ZIPPED.format(eps=" + 1e-10", marker=""))

# static methods of a graph builder called through its class (perfect_match's
# GANITE builder, audit s238)
_BUILDER = """
import tensorflow as tf


class GANITEBuilder(object):
    @staticmethod
    def build(x, y_full):
        d_pred, d_true = GANITEBuilder.build_discriminators(x, y_full)
        return -tf.reduce_mean(tf.log(d_true{eps})){marker}

    @staticmethod
    def build_discriminators(x, y_full):
        h = tf.layers.dense(x, 2)
        return GANITEBuilder.discriminator(x, h), GANITEBuilder.discriminator(x, y_full)

    @staticmethod
    def discriminator(x, y):
        return tf.layers.dense(tf.concat([x, y], axis=-1), units=1, activation=tf.nn.sigmoid)
"""
HELPER_INVALID.append(Invalid(_BUILDER.format(eps="", marker="  # error: LF201 at `tf.log(`")))
HELPER_VALID.append(_BUILDER.format(eps=" + 1e-8", marker=""))
