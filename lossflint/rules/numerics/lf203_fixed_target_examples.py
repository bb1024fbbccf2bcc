"""LF203 examples of GAN losses written with their targets fixed (affinelayer's
pix2pix-tensorflow, audit s160): ``-(log(D(x) + EPS) + log(1 - D(G(z)) + EPS))``
for the discriminator and ``-log(D(G(z)) + EPS)`` for the generator, over a
discriminator that ends in ``tf.sigmoid`` and hands its output back through
its list of layers (``layers.append(output); return layers[-1]``). A log of
a value not known to be sigmoid output (a scale, a softmax probability of a
policy) is no such formula; an unguarded log of sigmoid output is LF201's.
Also here: the focal-loss curve plotted over a fixed grid (d2l, audit s13),
and a focal matching cost (its log weighted by a power of the same probability)."""

from __future__ import annotations

from lossflint.examples import Invalid

_PIX2PIX = """
import tensorflow as tf

EPS = 1e-12


def create_model(inputs, targets, outputs):
    def create_discriminator(discrim_inputs, discrim_targets):
        layers = []
        convolved = tf.layers.conv2d(tf.concat([discrim_inputs, discrim_targets], axis=3), 64, 4)
        layers.append(tf.nn.leaky_relu(convolved, 0.2))
        convolved = tf.layers.conv2d(layers[-1], 1, 4, strides=1, padding="same")
        output = tf.{head}(convolved)
        layers.append(output)
        return layers[-1]

    with tf.variable_scope("discriminator"):
        predict_real = create_discriminator(inputs, targets)
    with tf.variable_scope("discriminator", reuse=True):
        predict_fake = create_discriminator(inputs, outputs)

    discrim_loss = tf.reduce_mean(-(tf.log(predict_real + EPS) + tf.log(1 - predict_fake + EPS))){marker}
    gen_loss_GAN = tf.reduce_mean(-tf.log(predict_fake + EPS)){marker}
    return discrim_loss, gen_loss_GAN
"""

FIXED_TARGET_INVALID = [
    Invalid(_PIX2PIX.format(head="sigmoid", marker="  # error: LF203")),
    Invalid(
        """
        import torch

        def d_loss(D, x, fake):
            d_real = torch.sigmoid(D(x))
            d_fake = torch.sigmoid(D(fake))
            return -(torch.log(d_real + 1e-8) + torch.log(1 - d_fake + 1e-8)).mean()  # error: LF203
        """
    ),
]

FIXED_TARGET_VALID = [
    # a focal matching cost (mmdet's FocalLossCost, R124): the log weighted by a
    # power of the same probability is another formula
    """
    import torch

    def focal_cost(cls_pred, gt_labels, alpha=0.25, gamma=2.0, eps=1e-12):
        cls_pred = cls_pred.sigmoid()
        neg_cost = -(1 - cls_pred + eps).log() * (1 - alpha) * cls_pred.pow(gamma)
        pos_cost = -(cls_pred + eps).log() * alpha * (1 - cls_pred).pow(gamma)
        return pos_cost[:, gt_labels] - neg_cost[:, gt_labels]
    """,
    # the discriminator's head is not known to be a sigmoid
    _PIX2PIX.format(head="tanh", marker=""),
    """
    import torch

    def policy_loss(logits, action, sigma):
        probs = torch.softmax(logits, -1)
        return -torch.log(probs[action]) - torch.log(sigma)
    """,
    """
    import torch

    def nll(z):
        return -torch.log(torch.sigmoid(z)).mean()
    """,
    # the focal-loss curve plotted over a fixed grid (d2l, audit s13)
    """
    import numpy as np

    def focal_loss(gamma, x):
        return -(1 - x) ** gamma * np.log(x)

    x = np.arange(0.01, 1, 0.01)
    for gamma in [0, 1, 5]:
        plt.plot(x, focal_loss(gamma, x))
    """,
    # ... in a notebook where ``x`` held a batch in an earlier cell
    """
    import numpy as np

    for x, y in loader:
        pass

    def focal_loss(gamma, p):
        return -(1 - p) ** gamma * np.log(p)

    x = np.arange(0.01, 1, 0.01)
    for gamma in [0, 1, 5]:
        plt.plot(x, focal_loss(gamma, x))
    """,
]
