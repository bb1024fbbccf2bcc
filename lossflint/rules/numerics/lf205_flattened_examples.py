"""LF205 examples of squares flattened before they are summed: a WGAN-GP
gradient norm written with Keras 2's backend, ``K.sqrt(K.sum(K.batch_flatten(
K.square(grad)), axis=1))`` (Hands-On GANs with Keras, chapter 7, audit s127),
and its torch spelling; a reshape keeps every square, so the sum is still 0
for a zero gradient. Guarded twins stay silent. And a group-lasso penalty spelt
through TF 1's internal op modules (tensorlayer's ``standard_ops``/``math_ops``,
akaraspt/deepsleepnet, audit s154): the same ops as ``tf.sqrt``/``tf.reduce_sum``."""

from __future__ import annotations

from lossflint.examples import Invalid

_GRAD_NORM = """
from keras import backend as K
from keras.layers import Layer


class GradNorm(Layer):
    def call(self, inputs):
        target, wrt = inputs
        grad = K.gradients(target, wrt)[0]
        return K.sqrt(K.sum(K.batch_flatten(K.square(grad)), axis=1, keepdims=True){eps}){marker}
"""

_TORCH = """
import torch


def gradient_penalty(critic, real, fake):
    mixed = (real + fake) / 2
    mixed.requires_grad_(True)
    grad = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)[0]
    norm = torch.sqrt(torch.flatten(grad ** 2, 1).sum(1){eps}){marker}
    return ((norm - 1) ** 2).mean()
"""

_GROUP_LASSO = """
import tensorflow as tf
from tensorflow.python.ops import {module}


def li_regularizer(scale):
    def li(weights):
        rows = {module}.reduce_sum(tf.square(weights), 1){eps}
        return scale * {module}.reduce_sum({module}.sqrt(rows)){marker}
    return li
"""

FLATTENED_INVALID = [
    Invalid(
        _GROUP_LASSO.format(
            module="standard_ops", eps="", marker="  # error: LF205 at `standard_ops.sqrt(`"
        )
    ),
    Invalid(
        _GROUP_LASSO.format(
            module="math_ops", eps="", marker="  # error: LF205 at `math_ops.sqrt(`"
        )
    ),
    Invalid(_GRAD_NORM.format(eps="", marker="  # error: LF205 at `K.sqrt(`")),
    Invalid(_TORCH.format(eps="", marker="  # error: LF205 at `torch.sqrt(`")),
]

FLATTENED_VALID = [
    _GROUP_LASSO.format(module="standard_ops", eps=" + 1e-12", marker=""),
    _GRAD_NORM.format(eps=" + K.epsilon()", marker=""),
    _TORCH.format(eps=" + 1e-12", marker=""),
]

#: a WGAN-GP critic's penalty layer wired into a model a function compiles,
#: the function called as a statement (izikgo/AnomalyDetectionTransformations,
#: audit s177): the compiled loss trains through the root
_PENALTY_LAYER = """
import keras.backend as K
from keras.layers import Dense, Input, Layer
from keras.models import Model


class GradPenLayer(Layer):
    def call(self, inputs, **kwargs):
        interp_in, score = inputs[0], inputs[1]
        grad = K.batch_flatten(K.gradients(score, [interp_in])[0])
        grad_norm = K.sqrt(K.sum(K.square(grad), axis=-1, keepdims=True){eps}){marker}
        return K.square(grad_norm - 1.0)


def train_wgan(batch_size):
    interp_in = Input(shape=(4,))
    score = Dense(1)(interp_in)
    gp = GradPenLayer()([interp_in, score])
    mdl = Model(interp_in, gp)
    mdl.compile(optimizer="adam", loss=lambda y_true, y_pred: y_pred)


train_wgan(128)
"""

FLATTENED_INVALID.append(Invalid(_PENALTY_LAYER.format(eps="", marker="  # error: LF205")))
FLATTENED_VALID.append(_PENALTY_LAYER.format(eps=" + K.epsilon()", marker=""))
