"""LF203 examples of a hand-written cross-entropy whose products are written
as calls (``tf.multiply``, ``torch.mul``), or whose probabilities come from a
task head picked out of an ``nn.ModuleList`` (lorenmt/mtan, audit R73); a
helper every caller hands clipped probabilities (audit s107); a test's
expected value computed with SciPy's softmax of literal scores (allRank,
audit s116); a prior-matching term on the batch's mean prediction
(PseudoLabeling, audit s120); kept
apart so the rule's example modules stay small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.numerics.lf201_helper_examples import REINFORCE

_HELPER = """
import numpy as np


def crossentropy(model, X, true):
    def _entropy(true, pred):
        return -(true * np.log(pred)){marker}

    pred_proba = model.predict_proba(X){clip}
    c_entropy = np.zeros(len(true))
    for c in range(pred_proba.shape[1]):
        c_entropy += _entropy(true == c, pred_proba[:, c])
    return c_entropy.mean()
"""

_PRIOR = """
import torch
import torch.nn.functional as F


def loss_soft_reg_ep(preds, soft_labels, num_classes):
    prob = F.softmax(preds, dim=1)
    prob_avg = torch.mean(prob, dim=0)
    p = torch.ones(num_classes) / num_classes
    L_c = -torch.mean(torch.sum(soft_labels * F.log_softmax(preds, dim=1), dim=1))
    L_p = -torch.sum(torch.log({probs}) * p){marker}
    return L_c + L_p
"""

CALL_INVALID = [
    Invalid(_PRIOR.format(probs="prob", marker="  # error: LF203")),
    # the products written with tf.multiply (Machine-Learning-Using-
    # TensorFlow-Cookbook, audit R49)
    Invalid(
        """
        import tensorflow as tf

        def xentropy(y_true, y_pred):
            return - tf.multiply(y_true, tf.math.log(y_pred)) - tf.multiply((1. - y_true), tf.math.log(1. - y_pred))  # error: LF203

        def train_step(model, x, y, opt):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(xentropy(y, model(x)))
            opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        """
    ),
    # per-task heads in a ModuleList, each ending in a softmax; picked by task index
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, num_classes):
                super().__init__()
                self.linear = nn.ModuleList(
                    [nn.Sequential(nn.Linear(16, num_classes), nn.Softmax(dim=1))]
                )

            def forward(self, x, k):
                return self.linear[k](x)

        def model_fit(x_pred, onehot):
            return torch.sum(-onehot * torch.log(x_pred + 1e-20), dim=1)  # error: LF203

        net = Net(10)
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
        for x, onehot in loader:
            loss = torch.mean(model_fit(net(x, 0), onehot))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    ),
    # a helper whose only caller passes unclipped probabilities
    Invalid(_HELPER.format(marker="  # error: LF203", clip="")),
    # the same SciPy softmax, of a model's scores: p can underflow
    Invalid(
        """
        import numpy as np
        from scipy.special import softmax

        def expected_loss(model, x, y_true):
            y_pred = model.predict(x)
            return - np.sum(y_true * np.log(softmax(y_pred)))  # error: LF203
        """
    ),
]

CALL_VALID = [
    # the log of the batch's mean prediction against a uniform prior
    _PRIOR.format(probs="prob_avg", marker=""),
    # ... clipped at the call: every value the helper gets is in [1e-5, 1 - 1e-5]
    # (cerlymarco's permutation importance, audit s107)
    _HELPER.format(marker="", clip=".clip(1e-5, 1 - 1e-5)"),
    # a unit test's expected value: softmax of literal scores cannot underflow
    """
    import numpy as np
    from scipy.special import softmax

    def test_listnet_simple(result):
        y_pred = [0.5, 0.2]
        y_true = [1.0, 0.0]
        expected = - np.sum(softmax(y_true) * np.log(softmax(y_pred)))
        assert result == expected
    """,
]

#: a uniform base density of a flow (normalizing-flows, audit s174): the log
#: of a box's width, no probability
_UNIFORM = """
import numpy as np
import torch
from torch import nn


class Uniform(nn.Module):
    def __init__(self, shape, low=-1.0, high=1.0):
        super().__init__()
        self.d = np.prod((shape,))
        self.low = torch.tensor(low)
        self.high = torch.tensor(high)
        self.log_prob_val = -self.d * np.log({argument}){marker}
"""

CALL_INVALID.append(
    # the complement of a probability: a cross-entropy term
    Invalid(_UNIFORM.format(argument="1 - self.high", marker="  # error: LF203"))
)
CALL_VALID.append(_UNIFORM.format(argument="self.high - self.low", marker=""))

#: forward loss correction (YisenWang's symmetric CE, loss-correction, audit
#: s175): a clipped probability vector times a noise transition matrix
_CORRECTED = """
from keras import backend as K


def forward(P):
    def loss(y_true, y_pred):
        {clip}
        return -K.sum(y_true * K.log(K.dot(y_pred, P)), axis=-1){marker}

    return loss
"""

CALL_INVALID.append(Invalid(_CORRECTED.format(clip="pass", marker="  # error: LF203")))
CALL_VALID += [
    _CORRECTED.format(clip="y_pred = K.clip(y_pred, K.epsilon(), 1.0 - K.epsilon())", marker=""),
    _CORRECTED.format(clip="y_pred = K.clip(y_pred, K.epsilon(), 1.0)", marker="").replace(
        "K.dot(y_pred, P)", "y_pred @ P"
    ),
]

# an AlphaZero policy loss on ``exp(log_softmax)`` output, its eps-guarded sum
# cast to float before the log (plkmo/AlphaZero_Connect4, audit s203)
_ALPHA_LOSS = """
import torch
import torch.nn as nn


class OutBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(42, 7)
        self.fc2 = nn.Linear(42, 1)
        self.logsoftmax = nn.LogSoftmax(dim=1)

    def forward(self, s):
        p = {policy}
        v = torch.tanh(self.fc2(s))
        return p, v


class AlphaLoss(torch.nn.Module):
    def forward(self, y_value, value, y_policy, policy):
        value_error = (value - y_value) ** 2
        policy_error = torch.sum((-policy * (1e-8 + y_policy.float()).float().log()), 1){marker}
        return (value_error.view(-1).float() + policy_error).mean()


def train(net, loader, optimizer):
    criterion = AlphaLoss()
    for state, policy, value in loader:
        policy_pred, value_pred = net(state)
        loss = criterion(value_pred[:, 0], value, policy_pred, policy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


train(OutBlock(), loader, optimizer)
"""

CALL_INVALID.append(
    Invalid(
        _ALPHA_LOSS.format(
            policy="self.logsoftmax(self.fc(s)).exp()", marker="  # error: LF203 at `torch.sum(`"
        )
    )
)
# the exponential of scores is a scale, not a probability
CALL_VALID.append(_ALPHA_LOSS.format(policy="self.fc(s).exp()", marker=""))

# the log bound to a name read once in the formula (matchmaker's ListNet, audit s206)
_LISTNET = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class ListNetLoss(nn.Module):
    def forward(self, y_pred, y_true, eps=1e-6):
        preds_smax = F.softmax(y_pred, dim=1)
        true_smax = F.softmax(y_true, dim=1)
        preds_smax = preds_smax + eps
        preds_log = torch.log(preds_smax)
        {extra}return torch.mean(-torch.sum(true_smax * preds_log, dim=1)){marker}
"""

CALL_INVALID.append(Invalid(_LISTNET.format(extra="", marker="  # error: LF203 at `torch.mean(`")))
# the log read twice: not one formula's
CALL_VALID.append(_LISTNET.format(extra="self.logged = preds_log\n        ", marker=""))
# the same named log of a picked softmax probability under a policy gradient:
# LF201 reports it where the log is taken
CALL_VALID.append(REINFORCE.format(marker=""))

#: the critic handed over in a factory's nested dict (polixir/OfflineRL's
#: ``algo_init``, audit s219): read back by key, still the softmax model; an
#: entry the trainer does not read is not what it calls
_FACTORY_DICT = """
import torch
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 51)

    def forward(self, obs):
        return torch.softmax(self.net(obs), dim=-1)


def algo_init():
    critic = Critic()
    return {{"critic": {{"net": critic, "target": nn.Linear(4, 51)}}}}


class Trainer:
    def __init__(self, init):
        self.critic = init["critic"]["{key}"]

    def train(self, batches):
        for obs, target_p in batches:
            p = self.critic(obs)
            loss = -(target_p * torch.log(p + 1e-8)).mean(){marker}
            loss.backward()


Trainer(algo_init())
"""
CALL_INVALID.append(
    Invalid(_FACTORY_DICT.format(key="net", marker="  # error: LF203 at `-(target_p`"))
)
CALL_VALID.append(_FACTORY_DICT.format(key="target", marker=""))
