"""LF201 examples from the real-code audit of session 18 (Keras functional
models: the output of a ``Softmax()`` / ``Activation("softmax")`` layer, the
Keras backend's ``K.log``); kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a confidence penalty on a Keras model's softmax output, trained through
#: ``add_loss`` (kpot/keras-transformer example/models.py)
_PENALTY = """
import tensorflow as tf
from keras import backend as K
from keras.layers import Dense, Input, Softmax
from keras.models import Model


def gpt_model(seq_len, vocab, weight=0.1):
    word_ids = Input(shape=(seq_len,), dtype="int32")
    output_softmax_layer = Softmax(name="word_predictions")
    hidden = Dense(vocab)(word_ids)
    word_predictions = output_softmax_layer(hidden)
    model = Model(inputs=[word_ids], outputs=[word_predictions])
    confidence_penalty = K.mean(weight * K.sum(word_predictions * {log}, axis=-1)){marker}
    model.add_loss(confidence_penalty)
    return model
"""

AUDIT_INVALID = [
    # the Keras 2 backend's K.log of K.softmax in an ordinal NADE loss
    # (MetaRec's NADE-CF-Keras); no fix: that backend has no log_softmax
    Invalid(
        """
        from keras import backend as K

        def rating_cost(args):
            scores, ratings = args
            prob = K.softmax(K.cumsum(scores, axis=2))
            acc = K.cumsum(prob, axis=2)
            return -K.sum((K.log(prob) - K.log(acc)) * ratings, axis=2)  # error: LF201 at `K.log(prob)`
        """
    ),
    Invalid(
        """
        from keras import backend as K
        lp = K.log(K.softmax(scores))  # error: LF201 at `K.log(`
        """
    ),
    # a sigmoid flow's log-determinant (ikostrikov/pytorch-flows, audit R63)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Sigmoid(nn.Module):
            def forward(self, inputs):
                s = torch.sigmoid
                return s(inputs), torch.log(s(inputs) * (1 - s(inputs))).sum(-1)  # error: LF201 at `torch.log(s(inputs) * (1 - s(inputs)))`
        """
    ),
    # a discriminator kept on self under an ``if`` in a file with a star
    # import (GraphCL's deepinfomax, audit R45): no star import binds an
    # attribute, so the branch's value stands where it is read
    Invalid(
        """
        import torch
        import torch.nn as nn
        from utils import *

        class PriorDiscriminator(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.l0 = nn.Linear(d, 1)

            def forward(self, x):
                return torch.sigmoid(self.l0(x))

        class Infomax(nn.Module):
            def __init__(self, d, prior):
                super().__init__()
                self.prior = prior
                if self.prior:
                    self.prior_d = PriorDiscriminator(d)

            def forward(self, y):
                if self.prior:
                    term_a = torch.log(self.prior_d(torch.rand_like(y))).mean()  # error: LF201
                    return -term_a
                return 0
        """
    ),
    # the unguarded log is read before the guarded one replaces it
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def evaluate(logits, eps=1e-8):
            probs = F.softmax(logits, dim=-1)
            log_probs = torch.log(probs)  # error: LF201
            entropy = -(probs * log_probs).sum(-1)
            log_probs = torch.log(probs + eps)
            return log_probs, entropy
        """
    ),
    # ``torch.multinomial`` takes weights, not logits: the log of the softmax
    # is no sampler's input there (and -inf makes it raise)
    Invalid(
        """
        import torch

        def act(net, s):
            p = torch.softmax(net(s), dim=-1)
            return torch.multinomial(torch.log(p), 1)  # error: LF201 at `torch.log(p)`
        """
    ),
    # the output of a Keras subclassed layer whose ``call`` ends in a sigmoid
    # (shenweichen/DeepCTR DIEN auxiliary loss, audit R32)
    Invalid(
        """
        import tensorflow as tf
        from tensorflow.keras.layers import Dense, Layer

        class ClickNet(Layer):
            def __init__(self):
                super().__init__()
                self.dense = Dense(1)

            def call(self, inputs):
                return tf.sigmoid(self.dense(inputs))

        def auxiliary_loss(h):
            p = ClickNet()(h)
            return -tf.reduce_mean(tf.math.log(p))  # error: LF201 at `tf.math.log(p)`
        """
    ),
    # a clamp from above only keeps a 0 at 0 (and 1 - 1e-20 is 1.0 in float32):
    # no guard (higgsfield/RL-Adventure-2 ACER, audit R31)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class ActorCritic(nn.Module):
            def __init__(self, n_in, n_act):
                super().__init__()
                self.actor = nn.Sequential(nn.Linear(n_in, 64), nn.Linear(64, n_act), nn.Softmax(dim=1))

            def forward(self, x):
                return self.actor(x).clamp(max=1 - 1e-20)

        model = ActorCritic(4, 2)
        p = model(torch.randn(8, 4))
        entropy = -(p.log() * p).sum(1).mean(0)  # error: LF201 at `p.log()`
        entropy.backward()
        """
    ),
    # a rollout collects each step's policy in a list and reads it back by
    # index and by iteration (ACER, higgsfield/RL-Adventure-2, audit R31)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Actor(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=1))

            def forward(self, x):
                return self.net(x)

        def entropies(policies):
            return [-(p.log() * p).sum(1) for p in policies]

        model = Actor()
        policies = []
        for step in range(5):
            policies.append(model(torch.randn(1, 4)))
        loss = 0
        for step in range(5):
            loss += -(policies[step].log() * policies[step]).sum(1).mean()  # error: LF201 at `policies[step].log()`
        for i, p in enumerate(policies):
            loss += p.log().mean()  # error: LF201 at `p.log()`
        loss = loss + torch.stack(policies).log().sum()  # error: LF201 at `torch.stack(policies).log()`
        loss.backward()
        """
    ),
    # the rows of a softmax, one by one
    Invalid(
        """
        import torch.nn.functional as F

        def entropy_loss(logits):
            total = 0
            for row in F.softmax(logits, dim=1):
                total = total - (row * row.log()).sum()  # error: LF201 at `row.log()`
            return total
        """
    ),
    # ... built by a comprehension, read by another
    Invalid(
        """
        import torch
        import torch.nn as nn

        net = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=1))
        policies = [net(torch.randn(1, 4)) for _ in range(5)]
        loss = sum(-(p.log() * p).sum() for p in policies)  # error: LF201 at `p.log()`
        loss.backward()
        """
    ),
    Invalid(_PENALTY.format(log="K.log(word_predictions)", marker="  # error: LF201 at `K.log(`")),
    Invalid(
        _PENALTY.format(
            log="tf.math.log(word_predictions)", marker="  # error: LF201 at `tf.math.log(`"
        )
    ),
    # ``Activation("softmax")`` / ``Activation(tf.nn.sigmoid)`` layers, tf.keras spelling
    Invalid(
        """
        import tensorflow as tf

        inputs = tf.keras.Input(shape=(16,))
        probs = tf.keras.layers.Activation("softmax")(tf.keras.layers.Dense(5)(inputs))
        entropy = -tf.reduce_sum(probs * tf.math.log(probs), axis=-1)  # error: LF201 at `tf.math.log(`
        gate = tf.keras.layers.Activation(tf.nn.sigmoid)(tf.keras.layers.Dense(1)(inputs))
        off = tf.keras.backend.log(1.0 - gate)  # error: LF201 at `tf.keras.backend.log(`
        """
    ),
    # the functional ``Dense(n, activation="softmax")``, through ``keras.ops.log``
    Invalid(
        """
        import keras

        inputs = keras.Input(shape=(16,))
        p = keras.layers.Dense(10, activation="softmax")(inputs)
        lp = keras.ops.log(p)  # error: LF201 at `keras.ops.log(`
        """
    ),
    # inline inside a formula: LF201's fix makes the formula stable as it stands
    Invalid(
        """
        import torch

        def soft_ce(z, y):
            return -(y * torch.log(torch.softmax(z, dim=1))).sum(1).mean()  # error: LF201 at `torch.log(`
        """
    ),
]

AUDIT_VALID = [
    # the product of clamped or guarded sigmoid outputs never reaches 0
    """
    import torch

    p = torch.sigmoid(x).clamp(1e-6, 1 - 1e-6)
    logdet = torch.log(p * (1 - p)).sum()
    q = torch.sigmoid(x)
    ld = torch.log(q * (1 - q) + 1e-12).sum()
    """,
    # a dead store: overwritten by the guarded log before any read
    # (quantumiracle/Popular-RL-Algorithms' discrete SAC, audit R44)
    """
    import torch
    import torch.nn.functional as F

    def evaluate(logits, epsilon=1e-8):
        probs = F.softmax(logits, dim=-1)
        log_probs = torch.log(probs)

        z = (probs == 0.0).float() * epsilon
        log_probs = torch.log(probs + z)
        return log_probs
    """,
    # the log of a policy's softmax only draws an action: a -inf logit is an
    # action of probability 0 (REINFORCE samplers, audits R12 and R33)
    """
    import tensorflow as tf
    import torch
    from torch.distributions import Categorical

    def act(policy, s):
        prob = tf.nn.softmax(policy(s), axis=1)
        return tf.random.categorical(tf.math.log(prob), 1)[0]

    def act_torch(net, s):
        p = torch.softmax(net(s), dim=-1)
        return Categorical(logits=torch.log(p)).sample()
    """,
    # a class whose own ``__call__`` is what calling it runs (``call`` is a helper)
    """
    import tensorflow as tf

    class Scorer:
        def call(self, x):
            return tf.sigmoid(x)

        def __call__(self, x):
            return tf.nn.log_softmax(x)

    def loss(z):
        return -tf.reduce_mean(tf.math.log(Scorer()(z)))
    """,
    # a list holding scores as well as probabilities, a list kept on the
    # object (other methods add to it unseen): what an item holds is not known
    """
    import torch

    class Agent:
        def __init__(self, net):
            self.net = net
            self.saved = []

        def act(self, s):
            self.saved.append(torch.softmax(self.net(s), dim=1))

        def finish(self):
            return sum(p.log().sum() for p in self.saved) + self.saved[0].log().sum()

    def mixed(net, s):
        outs = [torch.softmax(net(s), dim=1)]
        outs.append(net(s))
        return outs[-1].log()

    def side_by_side(p, q):
        return torch.cat([p, q.softmax(dim=1)], dim=1).log()
    """,
    # bounded from below as well: the clamp is the guard
    """
    import torch
    import torch.nn.functional as F

    p = F.softmax(logits, dim=1).clamp(min=1e-8, max=1.0)
    entropy = -(p.log() * p).sum(1).mean()
    """,
    # a hand-written BCE on sigmoid output held in a variable: LF203 reports the formula
    """
    import torch

    def bce(z, t):
        p = torch.sigmoid(z)
        return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()
    """,
    # guarded: an eps added, or clipped away from 0 (as Keras's own losses do)
    _PENALTY.format(log="K.log(word_predictions + K.epsilon())", marker=""),
    _PENALTY.format(log="K.log(K.clip(word_predictions, K.epsilon(), 1.0))", marker=""),
    # the stable form: log_softmax of the scores
    """
    import tensorflow as tf

    inputs = tf.keras.Input(shape=(16,))
    scores = tf.keras.layers.Dense(5)(inputs)
    log_probs = tf.nn.log_softmax(scores)
    entropy = -tf.reduce_sum(tf.exp(log_probs) * log_probs, axis=-1)
    """,
    # an activation that is no probability, or named by a variable: not known
    """
    from keras import backend as K
    from keras.layers import Activation, Dense, Input

    inputs = Input(shape=(16,))
    positive = Activation("softplus")(Dense(5)(inputs))
    act = "softmax" if multi_class else "sigmoid"
    scores = Activation(act)(Dense(5)(inputs))
    penalty = K.sum(K.log(positive)) + K.sum(K.log(scores))
    """,
    # a project's own layer called Softmax (it clips) is not Keras's
    """
    import tensorflow as tf

    class Softmax(tf.keras.layers.Layer):
        def call(self, x):
            return tf.clip_by_value(tf.nn.softmax(x), 1e-7, 1.0)

    inputs = tf.keras.Input(shape=(16,))
    p = Softmax()(tf.keras.layers.Dense(5)(inputs))
    nll = -tf.math.log(p)
    """,
]
