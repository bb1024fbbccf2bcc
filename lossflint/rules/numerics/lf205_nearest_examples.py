"""LF205 examples of a Chamfer distance (vinits5/learning3d's fallback loss,
audit s142): the root of each point's nearest squared distance,
``sqrt(M.min(1)[0])``, where ``M`` comes from a helper summing ``|a - b| **
p`` with ``p`` left at its default 2: 0 wherever a point of one cloud
coincides with one of the other, and the root's gradient is infinite there.
The helper called with ``p=1`` sums absolute differences, not squares."""

from __future__ import annotations

from lossflint.examples import Invalid

_CHAMFER = """
import torch
import torch.nn as nn


def pairwise_distances(a, b, p=2):
    return (a.unsqueeze(2) - b.unsqueeze(1)).abs().pow(p).sum(3)


def chamfer(a, b):
    M = pairwise_distances(a, b{p})
    dist1 = torch.mean(torch.sqrt(M.min(1)[0]{eps})){marker}
    dist2 = torch.mean(torch.sqrt(torch.min(M, dim=2).values{eps})){marker}
    return (dist1 + dist2) / 2.0


class ChamferDistanceLoss(nn.Module):
    def forward(self, template, source):
        return chamfer(template, source)


def train(model, loader, optimizer):
    for points in loader:
        loss = ChamferDistanceLoss()(points, model(points))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

NEAREST_INVALID = [
    Invalid(_CHAMFER.format(p="", eps="", marker="  # error: LF205")),
]

NEAREST_VALID = [
    _CHAMFER.format(p="", eps=" + 1e-12", marker=""),
    _CHAMFER.format(p=", p=1", eps="", marker=""),
]

#: InsightFace_TF's ArcFace (audit s168): ``sin = sqrt(1 - cos²)`` written
#: with ``tf.subtract`` and ``tf.square``, 0 where a cosine reaches 1
_ARCFACE_TF = """
import math
import tensorflow as tf


def arcface_logits(embedding, weights, labels, s=64.0, m=0.5):
    embedding = tf.nn.l2_normalize(embedding, axis=1)
    cos_t = tf.matmul(embedding, tf.nn.l2_normalize(weights, axis=0))
    sin_t2 = tf.subtract({one}, tf.square(cos_t))
    sin_t = tf.sqrt(sin_t2{eps}){marker}
    cos_mt = s * (cos_t * math.cos(m) - sin_t * math.sin(m))
    mask = tf.one_hot(labels, depth=10)
    return s * cos_t * (1.0 - mask) + cos_mt * mask


def train_step(model, weights, opt, x, y):
    with tf.GradientTape() as tape:
        logits = arcface_logits(model(x), weights, y)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
"""

NEAREST_INVALID.append(Invalid(_ARCFACE_TF.format(one="1.0", eps="", marker="  # error: LF205")))
NEAREST_VALID.extend(
    [
        _ARCFACE_TF.format(one="1.0", eps=" + 1e-6", marker=""),
        # a difference of plain values, no square subtracted
        _ARCFACE_TF.format(one="1.0", eps="", marker="").replace("tf.square(cos_t)", "cos_t"),
    ]
)

#: depth-estimation losses (audit s170): BTS's SILog, a mean of squares less a
#: scaled squared mean (the scale an attribute), and AdaBins' variance plus a
#: scaled squared mean; both are 0 for a perfect prediction
_SILOG = """
import torch
import torch.nn as nn


class SILogLoss(nn.Module):
    def __init__(self, variance_focus=0.85):
        super().__init__()
        self.variance_focus = variance_focus

    def forward(self, depth_est, depth_gt, mask):
        d = torch.log(depth_est[mask]) - torch.log(depth_gt[mask])
        return torch.sqrt({silog}) * 10.0{marker}


class AdaBinsLoss(nn.Module):
    def forward(self, pred, target):
        g = torch.log(pred) - torch.log(target)
        return 10 * torch.sqrt({adabins}){marker}
"""

NEAREST_INVALID.append(
    Invalid(
        _SILOG.format(
            silog="(d ** 2).mean() - self.variance_focus * (d.mean() ** 2)",
            adabins="torch.var(g) + 0.15 * torch.pow(torch.mean(g), 2)",
            marker="  # error: LF205",
        )
    )
)
NEAREST_VALID.append(
    _SILOG.format(
        silog="(d ** 2).mean() - self.variance_focus * (d.mean() ** 2) + 1e-8",
        adabins="torch.var(g) + 0.15 * torch.pow(torch.mean(g), 2) + 1e-8",
        marker="",
    )
)

#: LLMs-from-scratch's chapter 4 (R29): a layer's outputs normalised by hand
#: and printed, in a notebook that back-propagates elsewhere (its shortcut
#: demo): no gradient is known to reach this root
NEAREST_VALID.append(
    """
import torch
import torch.nn as nn

torch.manual_seed(123)
batch_example = torch.randn(2, 5)
layer = nn.Sequential(nn.Linear(5, 6), nn.ReLU())
out = layer(batch_example)
mean = out.mean(dim=-1, keepdim=True)
var = out.var(dim=-1, keepdim=True)
out_norm = (out - mean) / torch.sqrt(var)
print("Normalized layer outputs:", out_norm)
var = out_norm.var(dim=-1, keepdim=True)
print("Variance:", var)


def print_gradients(model, x):
    loss = nn.MSELoss()(model(x), torch.tensor([[0.0]]))
    loss.backward()
"""
)

#: sliced_score_matching's kernel width (audit s174): the k-th largest pairwise
#: distance, picked by ``topk`` and handed back detached: no gradient reaches the root
_KERNEL_WIDTH = """
import torch


def heuristic_kernel_width(x_samples, x_basis):
    n_samples = x_samples.shape[-2]
    n_basis = x_basis.shape[-2]
    diff = torch.unsqueeze(x_samples, dim=-2) - torch.unsqueeze(x_basis, dim=-3)
    pairwise_dist = torch.sqrt(torch.sum(diff**2, dim=-1)){marker}
    k = n_samples * n_basis // 2
    top_k_values = torch.topk(pairwise_dist.view(-1, n_samples * n_basis), k=k, dim=-1)[0]
    kernel_width = top_k_values[:, -1].view(*(x_samples.shape[:-2]))
    return {returned}
"""

NEAREST_INVALID.append(
    Invalid(_KERNEL_WIDTH.format(marker="  # error: LF205", returned="kernel_width"))
)
NEAREST_VALID.append(_KERNEL_WIDTH.format(marker="", returned="kernel_width.detach()"))

#: EDM's preconditioning (NVlabs/edm, audit s164): ``sigma_data`` is a setting
#: with a positive default, so the root's argument is at least its square;
#: ``**model_kwargs`` of ``__init__`` takes no argument it names
_PRECOND = """
import torch


class EDMPrecond(torch.nn.Module):
    def __init__(self, model, sigma_data={default}, **model_kwargs):
        super().__init__()
        self.sigma_data = sigma_data
        self.model = model

    def forward(self, x, sigma):
        sigma = sigma.to(torch.float32).reshape(-1, 1, 1, 1)
        c_out = sigma * self.sigma_data / (sigma ** 2 + self.sigma_data ** 2).sqrt(){marker}
        return c_out * self.model(x)
"""

NEAREST_INVALID.append(Invalid(_PRECOND.format(default="0.0", marker="  # error: LF205")))
NEAREST_VALID.append(_PRECOND.format(default="0.5", marker=""))

#: a TF distance read only by ``argmin`` (an index: no gradient reaches the
#: root): Recursive-Cascaded-Networks' landmark matching, audit s220; returned
#: itself, the root is differentiated
_NEAREST_TF = """
import tensorflow as tf


def warp_points(moving_pts, pts):
    distance = tf.sqrt(tf.reduce_sum((moving_pts - tf.expand_dims(pts, axis=1)) ** 2, axis=-1)){marker}
    return {returned}
"""
NEAREST_VALID.append(
    _NEAREST_TF.format(marker="", returned="tf.cast(tf.argmin(distance, axis=1), tf.int32)")
)
NEAREST_INVALID.append(
    Invalid(_NEAREST_TF.format(marker="  # error: LF205 at `tf.sqrt(`", returned="distance"))
)

#: a TF1 reader's bone length, from bytes a record reader decoded (hand3d's
#: BinaryDbReader, audit s221): targets are normalised with it, no gradient
#: reaches the root
NEAREST_VALID.append(
    """
    import tensorflow as tf

    class BinaryDbReader(object):
        def get(self, value):
            record = tf.decode_raw(value, tf.float32)
            keypoint_xyz = tf.reshape(tf.slice(record, [0], [126]), [42, 3])
            kp_rel = keypoint_xyz - keypoint_xyz[0, :]
            bone_length = tf.sqrt(tf.reduce_sum(tf.square(kp_rel[12, :] - kp_rel[11, :])))
            return {"scale": bone_length, "normed": kp_rel / bone_length}

    data = BinaryDbReader().get(raw)
    pred = tf.layers.dense(tf.reshape(data["normed"], [1, 126]), 126)
    loss = tf.reduce_mean(tf.square(pred - tf.reshape(data["normed"], [1, 126])))
    train_op = tf.train.AdamOptimizer(1e-4).minimize(loss)
    """
)

#: a routing environment's tour length: coordinates drawn at random into a
#: slot ``__init__`` set to None, ordered by ``gather`` with the policy's
#: sampled indices (POMO's TSPEnv, pytorch-drl4vrp, audit s222): the reward
#: of REINFORCE, no gradient reaches the root; over the policy's own
#: probabilities it is differentiated
_TOUR = """
import torch


class TSPEnv:
    def __init__(self, size):
        self.size = size
        self.problems = None

    def load_problems(self, batch):
        self.problems = {problems}

    def travel_distance(self, selected):
        index = selected.unsqueeze(2).expand(-1, self.size, 2)
        ordered = self.problems.gather(dim=1, index=index)
        rolled = ordered.roll(dims=1, shifts=-1)
        return ((ordered - rolled) ** 2).sum(2).sqrt().sum(1){marker}


def train(policy, env, optimizer):
    env.load_problems(64)
    probs = policy(env.problems)
    selected = probs.multinomial(1).view(64, -1)
    reward = -env.travel_distance(selected)
    loss = -(reward * probs.log().sum()).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""
NEAREST_VALID.append(_TOUR.format(problems="torch.rand(size=(batch, self.size, 2))", marker=""))
NEAREST_INVALID.append(
    Invalid(
        _TOUR.format(
            problems="self.encoder(torch.rand(size=(batch, self.size, 2)))",
            marker="  # error: LF205 at `((ordered - rolled) ** 2).sum(2).sqrt(`",
        )
    )
)

#: the k nearest neighbours by distance, the sorted values thrown away
#: (ParticleNet's EdgeConv, audit s224): only the indices are kept
_NEIGHBOURS = """
import torch


def knn(x, k):
    d = ((x.unsqueeze(1) - x.unsqueeze(2)) ** 2).sum(-1)
    {unpacked} = torch.sqrt(d).sort(dim=-1){marker}
    return idx[:, :, 1:k + 1]{extra}
"""
NEAREST_VALID.append(_NEIGHBOURS.format(unpacked="_, idx", marker="", extra=""))
NEAREST_INVALID.append(
    Invalid(
        _NEIGHBOURS.format(
            unpacked="dist, idx", marker="  # error: LF205 at `torch.sqrt(`", extra=", dist"
        )
    )
)
