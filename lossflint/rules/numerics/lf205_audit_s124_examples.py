"""LF205 examples of audit s124 (Kaggle solutions): a target assigner whose
name is an acronym and a word (mmdet's ``ATSSAssigner``, vendored in a
HubMap solution) assigns targets, no gradient; the same distance in a loss
class does take one. Keras 2's backend re-exported as ``keras.layers.K``
(Avito's RMSE losses, ``from keras.layers import K`` and ``ks.layers.K``) is
the backend. A coordinate grid cast with ``grid.type_as(x)`` (DGMR's
CoordConv, audit s136) takes only ``x``'s dtype and device, not its gradient;
the same distance of ``x`` itself does. An RMS computed for a summary only
stays silent though the script calls ``vars(args)`` (WaveGAN, audit s138):
with an argument, ``vars`` reads that object's attributes, not local names.
A root of ``1 - p_norm_sq`` after ``if (p_norm_sq >= 1).any(): raise``
(NeRF++'s ``intersect_sphere``, audit s136) is guarded by that test. A PSNR
called nowhere (InstColorization's ``calculate_psnr_torch``, audit s160)
measures images; the same function a loss calls, or handed to ``compile``
as a loss, does take a gradient. EDM's samplers (audit s164) step through a
noise schedule of constants (``min()`` of numbers, a ``sigma = lambda t: t``)
with no gradient; its preconditioning adds ``self.sigma_data ** 2``, the
square of a setting that is 0.5, under the root: positive. Weight
normalisation through a name (``norms = tf.sqrt(...)`` then ``target_norms /
norms``, improved_wgan_training's ``tflib``, audit s166) divides by the norm
of a learned weight, as the inline form does; the same norm added to the loss
(a group lasso drives it to 0) still counts. fastai's DDIM step (course22p2,
audit s165) sets ``sig = 0.`` when ``bbar_t1 <= sig ** 2 + 0.01`` just before
``(bbar_t1 - sig ** 2).sqrt()``: what the test finds too small is replaced."""

from __future__ import annotations

from lossflint.examples import Invalid

_CENTRES = """
import torch


class {name}:
    def __init__(self, topk=9):
        self.topk = topk

    def {method}(self, bboxes, gt_bboxes):
        gt_points = (gt_bboxes[:, :2] + gt_bboxes[:, 2:]) / 2.0
        points = (bboxes[:, :2] + bboxes[:, 2:]) / 2.0
        distances = (points[:, None, :] - gt_points[None, :, :]).pow(2).sum(-1).sqrt(){marker}
        return distances.topk(self.topk, dim=0, largest=False)
"""

_COORDS = """
import torch
import torch.nn as nn


class AddCoords(nn.Module):
    def forward(self, input_tensor):
        batch_size, _, x_dim, y_dim = input_tensor.size()
        xx = torch.arange(x_dim).repeat(1, y_dim, 1).float() / (x_dim - 1)
        yy = torch.arange(y_dim).repeat(1, x_dim, 1).transpose(1, 2).float() / (y_dim - 1)
        rr = torch.sqrt(torch.pow({xx} - 0.5, 2) + torch.pow(yy.type_as(input_tensor) - 0.5, 2)){marker}
        return torch.cat([input_tensor, rr], dim=1)
"""

_SPHERE = """
import torch


def intersect_sphere(ray_o, ray_d):
    d1 = -torch.sum(ray_d * ray_o, dim=-1) / torch.sum(ray_d * ray_d, dim=-1)
    p = ray_o + d1.unsqueeze(-1) * ray_d
    p_norm_sq = torch.sum(p * p, dim=-1)
{check}    d2 = torch.sqrt(1.0 - p_norm_sq){marker}
    return d1 + d2
"""

_PSNR = """
import torch


def calculate_psnr_torch(img1, img2):
    se_map = (1.0 * img1 - img2) ** 2
    cur_mse = torch.mean(se_map)
    return 20 * torch.log10(1.0 / torch.sqrt(cur_mse)){marker}
{use}"""

_SAMPLER = """
import torch


def edm_sampler(net, latents, num_steps=18, S_churn=0):
    sigma = lambda t: t
    t_steps = {steps}
    x_next = latents.to(torch.float64) * sigma(t_steps[0])
    for i, (t_cur, t_next) in enumerate(zip(t_steps[:-1], t_steps[1:])):
        gamma = min(S_churn / num_steps, 0.414)
        t_hat = sigma(t_cur) + gamma * sigma(t_cur)
        x_hat = x_next + (sigma(t_hat) ** 2 - sigma(t_cur) ** 2).sqrt() * torch.randn_like(x_next){marker}
        denoised = net(x_hat, sigma(t_hat))
        x_next = x_hat + (t_next - t_hat) * (x_hat - denoised) / t_hat
    return x_next


def main(net, latents):
    return edm_sampler(net, latents)
"""

_PRECOND = """
import torch


class EDMPrecond(torch.nn.Module):
    def __init__(self, sigma_data={data}):
        super().__init__()
        self.sigma_data = sigma_data
        self.model = torch.nn.Linear(8, 8)

    def forward(self, x, sigma):
        sigma = sigma.reshape(-1, 1)
        c_out = sigma * self.sigma_data / (sigma ** 2 + self.sigma_data ** 2).sqrt(){marker}
        return x + c_out * self.model(x)
"""

_WEIGHT_NORM = """
import numpy as np
import tensorflow as tf


def Linear(name, input_dim, output_dim, inputs):
    weight_values = np.random.uniform(low=-0.1, high=0.1, size=(input_dim, output_dim)).astype("float32")
    weight = tf.Variable(weight_values, name=name + ".W")
    target_norms = tf.Variable(np.ones(output_dim, dtype="float32"), name=name + ".g")
    norms = tf.sqrt(tf.reduce_sum(tf.square(weight), reduction_indices=[0])){marker}
    {use}
    return tf.matmul(inputs, weight)


x = tf.placeholder(tf.float32, [None, 8])
loss = tf.reduce_mean(tf.square(Linear("D.1", 8, 4, x)))
train_op = tf.train.AdamOptimizer(1e-4).minimize(loss)
"""

_DDIM = """
import torch


def ddim_step(x_t, noise, abar_t, abar_t1, bbar_t, bbar_t1, eta):
    sig = ((bbar_t1 / bbar_t).sqrt() * (1 - abar_t / abar_t1).sqrt()) * eta
    x_0_hat = (x_t - (1 - abar_t).sqrt() * noise) / abar_t.sqrt()
{reset}    x_t = abar_t1.sqrt() * x_0_hat + (bbar_t1 - sig ** 2).sqrt() * noise{marker}
    return x_0_hat, x_t
"""

AUDIT_S124_INVALID = [
    # an L2 penalty of each trainable variable's norm: a zero-initialised
    # bias has norm 0 at the start (sjvasquez/handwriting-synthesis, audit s201)
    Invalid(
        """
        import tensorflow as tf

        def update_parameters(loss, c):
            l2_norm = tf.reduce_sum(
                [tf.sqrt(tf.reduce_sum(tf.square(p))) for p in tf.trainable_variables()]  # error: LF205
            )
            return tf.train.AdamOptimizer(1e-3).minimize(loss + c * l2_norm)
        """
    ),
    Invalid(_DDIM.format(reset="", marker="  # error: LF205")),
    # the test resets another name: the difference is still unguarded
    Invalid(
        _DDIM.format(
            reset="    if bbar_t1 <= sig ** 2 + 0.01:\n        eta = 0.\n",
            marker="  # error: LF205",
        )
    ),
    Invalid(
        _WEIGHT_NORM.format(
            marker="  # error: LF205",
            use="tf.add_to_collection('losses', tf.reduce_sum(norms))",
        )
    ),
    # a learned schedule does take a gradient
    Invalid(
        _SAMPLER.format(
            steps="torch.nn.Parameter(torch.linspace(80.0, 0.002, num_steps))",
            marker="  # error: LF205",
        )
    ),
    # a setting of 0 guards nothing
    Invalid(_PRECOND.format(data="0.0", marker="  # error: LF205")),
    Invalid(
        _PSNR.format(
            marker="  # error: LF205",
            use="\n\ndef psnr_loss(pred, target):\n    return -calculate_psnr_torch(pred, target)\n",
        )
    ),
    Invalid(
        _PSNR.format(
            marker="  # error: LF205",
            use="\n\nmodel.compile(optimizer='adam', loss=calculate_psnr_torch)\n",
        )
    ),
    Invalid(_SPHERE.format(check="", marker="  # error: LF205")),
    Invalid(_COORDS.format(xx="input_tensor[:, :1]", marker="  # error: LF205")),
    Invalid(
        _CENTRES.format(name="CentreDistanceLoss", method="forward", marker="  # error: LF205")
    ),
    Invalid(
        """
        from keras.layers import K

        def root_mean_squared_error(y_true, y_pred):
            return K.sqrt(K.mean(K.square(y_pred - y_true)))  # error: LF205

        model.compile(optimizer="adam", loss=root_mean_squared_error)
        """
    ),
    Invalid(
        """
        import keras as ks

        def root_mean_squared_error(y_true, y_pred):
            return ks.layers.K.sqrt(ks.layers.K.mean(ks.layers.K.square(y_pred - y_true)))  # error: LF205

        model.compile(optimizer="adam", loss=root_mean_squared_error)
        """
    ),
]

AUDIT_S124_VALID = [
    _DDIM.format(reset="    if bbar_t1 <= sig ** 2 + 0.01:\n        sig = 0.\n", marker=""),
    _DDIM.format(
        reset="    if bbar_t1 <= sig ** 2 + 0.01: sig = 0.  # very small or NaN\n", marker=""
    ),
    _WEIGHT_NORM.format(marker="", use="weight = weight * (target_norms / norms)"),
    _SAMPLER.format(steps="torch.linspace(80.0, 0.002, num_steps, dtype=torch.float64)", marker=""),
    _PRECOND.format(data="0.5", marker=""),
    _PSNR.format(marker="", use=""),
    # anchors picked for their targets: no gradient reaches the distances
    _CENTRES.format(name="ATSSAssigner", method="assign", marker=""),
    _COORDS.format(xx="xx.type_as(input_tensor)", marker=""),
    _SPHERE.format(
        check='    if (p_norm_sq >= 1.0).any():\n        raise ValueError("cameras outside the unit sphere")\n',
        marker="",
    ),
    """
    import tensorflow as tf


    def train(x, args):
        G_z = tf.layers.conv1d(tf.random_uniform([64, 16384, 1], -1.0, 1.0), 1, 25, padding="same")
        G_z_rms = tf.sqrt(tf.reduce_mean(tf.square(G_z[:, :, 0]), axis=1))
        tf.summary.scalar("G_z_rms", tf.reduce_mean(G_z_rms))
        G_loss = -tf.reduce_mean(G_z)
        return tf.train.AdamOptimizer(1e-4).minimize(G_loss)


    if __name__ == "__main__":
        args = parse_args()
        print(sorted(vars(args).items()))
        train(load(), args)
    """,
]

# a WGAN-GP penalty added to a loss kept on ``self`` by a graph-building
# method, minimised by another (musegan's discriminator, audit s230)
_KEPT_PENALTY = """
import tensorflow as tf


class Model:
    def build_optimizer(self, lr):
        self.d_optim = tf.train.AdamOptimizer(lr).minimize(self.d_loss)

    def build_discriminator(self, D, x, fake, lamda):
        self.d_loss = tf.reduce_mean(D(fake)) - tf.reduce_mean(D(x))
        eps = tf.random_uniform([], 0.0, 1.0)
        x_hat = eps * x + (1 - eps) * fake
        gp = tf.gradients(D(x_hat), x_hat)[0]
        gp = tf.sqrt(tf.reduce_sum(tf.square(gp), axis=1){eps}){marker}
        self.d_loss += lamda * tf.reduce_mean(tf.square(gp - 1.0))
"""
AUDIT_S124_INVALID.append(
    Invalid(_KEPT_PENALTY.format(eps="", marker="  # error: LF205 at `tf.sqrt(`"))
)
AUDIT_S124_VALID.append(_KEPT_PENALTY.format(eps=" + 1e-8", marker=""))

# treatment-effect errors reported by an evaluation class (CEVAE-pyro's
# ``Statistics``, audit s238): named so, and no loss uses them
_EFFECT_ERRORS = """
import torch


class Statistics(object):
    def {name}(self, y0, y1, true_ite):
        error = true_ite - (y1 - y0)
        return torch.sqrt(torch.mean(torch.mul(error, error))){marker}

    def calculate(self, y0, y1, true_ite):
        return self.{name}(y0, y1, true_ite)
"""
AUDIT_S124_VALID.append(_EFFECT_ERRORS.format(name="_RMSE_ITE", marker=""))
AUDIT_S124_VALID.append(_EFFECT_ERRORS.format(name="_PEHE", marker=""))
AUDIT_S124_INVALID.append(
    Invalid(_EFFECT_ERRORS.format(name="_distance", marker="  # error: LF205 at `torch.sqrt(`"))
)
# an RMSE the training loop minimises: its name is no excuse
AUDIT_S124_INVALID.append(
    Invalid(
        """
        import torch

        def rmse(pred, target):
            return torch.sqrt(torch.mean((pred - target) ** 2))  # error: LF205 at `torch.sqrt(`

        def train(model, loader, opt):
            for x, y in loader:
                loss = rmse(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
        """
    )
)
