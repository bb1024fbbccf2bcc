"""LF307 examples of a model written as one weight matrix (SGC in
CrawlScript/tf_geometric's demo, audit s123: a logistic regression on
features propagated over the graph, trained with Adam at 0.2 as its paper
does): as convex as one ``nn.Linear`` or ``Dense``; two matrices with a
non-linearity between them are a network."""

from __future__ import annotations

from lossflint.examples import Invalid

_KERAS = """
import tensorflow as tf


class SGC(tf.keras.Model):
    def __init__(self, units, k=2):
        super().__init__()
        self.units = units
        self.k = k

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", shape=[input_shape[0][-1], self.units])
        self.bias = self.add_weight("bias", shape=[self.units], initializer="zeros")
{more}
    def call(self, inputs):
        x, adj = inputs
        h = x @ self.kernel
{hidden}        for _ in range(self.k):
            h = tf.sparse.sparse_dense_matmul(adj, h)
        return h + self.bias


model = SGC(7, k=2)
optimizer = tf.keras.optimizers.Adam(learning_rate=0.2){marker}

for step in range(200):
    with tf.GradientTape() as tape:
        logits = model([x, adj], training=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""

_TORCH = """
import torch
import torch.nn as nn


class SGC(nn.Module):
    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_dim, out_dim))
        self.bias = nn.Parameter(torch.zeros(out_dim))
{more}
    def forward(self, x, adj):
        h = adj @ (adj @ x)
{hidden}        return h @ self.weight + self.bias


model = SGC(1433, 7)
optimizer = torch.optim.Adam(model.parameters(), lr=0.2){marker}
"""

SINGLE_WEIGHT_INVALID = [
    Invalid(
        _KERAS.format(
            more='        self.hidden = self.add_weight("hidden", shape=[self.units, self.units])\n',
            hidden="        h = tf.nn.relu(h @ self.hidden)\n",
            marker="  # error: LF307",
        )
    ),
    Invalid(
        _TORCH.format(
            more="        self.hidden = nn.Parameter(torch.randn(in_dim, in_dim))\n",
            hidden="        h = torch.relu(h @ self.hidden)\n",
            marker="  # error: LF307",
        )
    ),
]

SINGLE_WEIGHT_VALID = [
    _KERAS.format(more="", hidden="", marker=""),
    _TORCH.format(more="", hidden="", marker=""),
]

# one Linear beside scalar parameters: a Weibull regression's linear predictor
# and shape (georgehc/survival-intro, audit s202); a matrix beside it is a layer
_WEIBULL = """
import torch
import torch.nn as nn


class WeibullTimeToEventModel(nn.Module):
    def __init__(self, num_input_features):
        super().__init__()
        self.phi = nn.Parameter({phi})
        self.psi = nn.Parameter(.01 * torch.randn(1))
        self.linear = nn.Linear(num_input_features, 1, bias=False)

    def forward(self, inputs):
        return -self.linear(inputs) - self.psi * (-self.phi).exp().sum()


weibull_model = WeibullTimeToEventModel(12)
optimizer = torch.optim.Adam(weibull_model.parameters(), lr=1e-1){marker}
"""

SINGLE_WEIGHT_INVALID.append(
    Invalid(_WEIBULL.format(phi="torch.randn(12, 12)", marker="  # error: LF307"))
)
SINGLE_WEIGHT_VALID.append(_WEIBULL.format(phi=".01 * torch.randn(1)", marker=""))

#: a rigid transform's six scalars optimised by Adam at 0.1 (airlab's
#: classical registration examples, audit s220): a few numbers, no network;
#: the same rate with a network beside them is reported
_RIGID = """
import torch as th


class Transformation(th.nn.Module):
    def __init__(self):
        super().__init__()
        self.angles = th.nn.Parameter(th.zeros(3))
        self.shift = th.nn.Parameter(th.tensor(0.0)){extra}

    def forward(self, grid):
        return {grid} + self.shift + self.angles.sum()


transformation = Transformation()
optimizer = th.optim.Adam(transformation.parameters(), lr=0.1){marker}
for it in range(500):
    optimizer.zero_grad()
    transformation(th.zeros(1, 512)).pow(2).sum().backward()
    optimizer.step()
"""
SINGLE_WEIGHT_VALID.append(_RIGID.format(extra="", grid="grid", marker=""))
SINGLE_WEIGHT_INVALID.append(
    Invalid(
        _RIGID.format(
            extra=(
                "\n        self.net = th.nn.Sequential("
                "th.nn.Linear(512, 512), th.nn.ReLU(), th.nn.Linear(512, 3))"
            ),
            grid="self.net(grid)",
            marker="  # error: LF307 at `lr=0.1`",
        )
    )
)
