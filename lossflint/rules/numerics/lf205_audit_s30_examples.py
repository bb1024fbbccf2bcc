"""LF205 examples of session 30's audits: what never meets a gradient -- a
filter precomputed into a buffer (neuraloperator's DISCO convolution), the
norm of an integer wavenumber grid (its spectrum helper), a Keras metric
whose name a local variable reuses (LSTNet's ``loss, rse =
model.evaluate(...)``) or registered in ``custom_objects`` -- and WGAN-GP's
penalty in a method whose name its own local reuses (MorvanZhou's
mnistGANs) and neuraloperator's H1 loss (``diff = diff ** 0.5`` of a sum of
squared differences) and a Keras 2 graph-mode WGAN-GP whose loss goes to
``get_updates`` (tjwei's GANotebooks), which do. A TF1 optimiser's
``compute_gradients`` pairs, zipped, whose norm only sets a clipping
threshold (KD_methods_with_TF, audit s92): no loss is differentiated
through them; the twin is a ``tf.gradients`` penalty that the loss adds."""

from __future__ import annotations

from lossflint.examples import Invalid

_BUFFER = """
import torch
import torch.nn as nn


def precompute_filter(grid_in, grid_out):
    diffs = grid_in.reshape(2, 1, -1) - grid_out.reshape(2, -1, 1)
    return torch.sqrt(diffs[0] ** 2 + diffs[1] ** 2){marker}


class DiscoConv(nn.Module):
    def __init__(self, grid_in, grid_out):
        super().__init__()
        self.register_buffer("psi", precompute_filter(grid_in, grid_out), persistent=False)
        self.weight = nn.Parameter(torch.randn(4))

    def forward(self, x{args}):
        return x @ {psi} * self.weight.sum()
"""

_METRIC = """
from tensorflow.keras import backend as K
from tensorflow.keras.models import load_model


def rse(y_true, y_pred):
    num = K.sqrt(K.mean(K.square(y_true - y_pred))){marker}
    return num / K.std(y_true)


def compile_model(model):
    model.compile(optimizer="adam", loss={loss}, metrics=[rse])


def report(model, x, y):
    loss, rse = model.evaluate(x, y)
    print(loss, rse)


def restore(path):
    return load_model(path, custom_objects={{"rse": rse}})
"""

_TF1_CLASS = """
import tensorflow.compat.v1 as tf


class NNMF:
    def __init__(self, n_users, n_items, d):
        self.users = tf.placeholder(tf.int32, [None])
        self.items = tf.placeholder(tf.int32, [None])
        self.target = tf.placeholder(tf.float32, [None])
        self._init_vars(n_users, n_items, d)
        self.rmse = tf.sqrt(tf.reduce_mean(tf.square(self.r - self.target))){marker}
        self._init_ops()

    def _init_vars(self, n_users, n_items, d):
        self.U = tf.Variable(tf.truncated_normal([n_users, d], stddev=0.1))
        self.V = tf.Variable(tf.truncated_normal([n_items, d], stddev=0.1))
        u = tf.nn.embedding_lookup(self.U, self.users)
        v = tf.nn.embedding_lookup(self.V, self.items)
        self.r = tf.reduce_sum(u * v, axis=1)

    def _init_ops(self):
        self.loss = {loss}
        self.train_step = tf.train.RMSPropOptimizer(1e-3).minimize(self.loss)
"""

_TF1_CLIP = """
import tensorflow as tf


def optimizer_w_distillation(class_loss, dist_loss, lr):
    variables = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)
    optimize = tf.train.MomentumOptimizer(lr, 0.9)
    gradients = optimize.compute_gradients(class_loss, var_list=variables)
    gradient_dist = optimize.compute_gradients(dist_loss, var_list=variables)
    for i, (gc, gd) in enumerate(zip(gradients, gradient_dist)):
        if gd[0] is not None:
            {norm}
            gradients[i] = (gc[0] + tf.clip_by_norm(gd[0], norm), gc[1])
    return optimize.apply_gradients(gradients)
"""

AUDIT_S30_INVALID = [
    Invalid(
        """
        import tensorflow as tf


        def optimizer_w_penalty(class_loss, lr, x_hat, critic):
            optimize = tf.train.MomentumOptimizer(lr, 0.9)
            grads = tf.gradients(critic(x_hat), [x_hat])[0]
            slopes = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1))  # error: LF205
            loss = class_loss + tf.reduce_mean((slopes - 1.0) ** 2)
            gradients = optimize.compute_gradients(loss)
            for i, (g, v) in enumerate(gradients):
                gradients[i] = (tf.clip_by_norm(g, 5.0), v)
            return optimize.apply_gradients(gradients)
        """
    ),
    # the class minimises its RMSE itself
    Invalid(_TF1_CLASS.format(marker="  # error: LF205", loss="self.rmse")),
    Invalid(
        """
        import keras.backend as K
        from keras.layers import Conv2D, Dense, Flatten, Input
        from keras.models import Sequential
        from keras.optimizers import Adam

        netD = Sequential([Conv2D(8, 3, input_shape=(32, 32, 3)), Flatten(), Dense(1)])
        real_input = Input(shape=(32, 32, 3))
        fake_input = Input(shape=(32, 32, 3))
        eps_input = K.placeholder(shape=(None, 1, 1, 1))
        mixed_input = eps_input * real_input + (1 - eps_input) * fake_input
        loss_real = K.mean(netD(real_input))
        loss_fake = K.mean(netD(fake_input))
        grad_mixed = K.gradients(netD(mixed_input), [mixed_input])[0]
        norm_grad_mixed = K.sqrt(K.sum(K.square(grad_mixed), axis=[1, 2, 3]))  # error: LF205
        loss = loss_fake - loss_real + 10 * K.mean(K.square(norm_grad_mixed - 1))
        updates = Adam(lr=1e-4).get_updates(netD.trainable_weights, [], loss)
        netD_train = K.function([real_input, fake_input, eps_input], [loss], updates)
        """
    ),
    Invalid(
        """
        import torch


        class H1Loss:
            def abs(self, x, y):
                diff = torch.sum((x - y) ** 2, dim=-1, keepdim=False)
                diff = diff**0.5  # error: LF205
                return diff.sum()


        def train(model, loader, opt):
            loss_fn = H1Loss()
            for x, y in loader:
                loss = loss_fn.abs(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
        """
    ),
    # the same helper run in forward on what the model computes
    Invalid(
        _BUFFER.format(
            marker="  # error: LF205",
            args=", grid_out",
            psi="precompute_filter(self.weight.reshape(2, 2), grid_out)",
        )
    ),
    # the metric is also the loss
    Invalid(_METRIC.format(marker="  # error: LF205", loss="rse")),
    Invalid(
        """
        import tensorflow as tf
        from tensorflow import keras


        class WGANgp(keras.Model):
            def gp(self, real_img, fake_img):
                e = tf.random.uniform((len(real_img), 1, 1, 1), 0, 1)
                noise_img = e * real_img + (1.0 - e) * fake_img
                with tf.GradientTape() as tape:
                    tape.watch(noise_img)
                    o = self.d(noise_img)
                g = tape.gradient(o, noise_img)
                g_norm2 = tf.sqrt(tf.reduce_sum(tf.square(g), axis=[1, 2, 3]))  # error: LF205
                gp = tf.square(g_norm2 - 1.0)
                return tf.reduce_mean(gp)

            def train_d(self, real_img, fake_img):
                with tf.GradientTape() as tape:
                    gp = self.gp(real_img, fake_img)
                    loss = tf.reduce_mean(self.d(fake_img)) - tf.reduce_mean(self.d(real_img)) + 10.0 * gp
                grads = tape.gradient(loss, self.d.trainable_variables)
                self.opt.apply_gradients(zip(grads, self.d.trainable_variables))
        """
    ),
    # TF1's update by hand: the loss goes to ``compute_gradients`` and the
    # pairs to ``apply_gradients`` (tdeboissiere's WGAN-GP, audit s102)
    Invalid(
        """
        import tensorflow as tf

        def penalty(D, real, fake):
            eps = tf.random_uniform([64, 1, 1, 1], 0.0, 1.0)
            x_hat = real + eps * (fake - real)
            grad = tf.gradients(D(x_hat), [x_hat])[0]
            slopes = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=[1, 2, 3]))  # error: LF205 at `tf.sqrt(tf.reduce_sum(tf.square(grad), axis=[1, 2, 3]))`
            return tf.reduce_mean((slopes - 1.0) ** 2)

        d_loss = tf.reduce_mean(D(fake)) - tf.reduce_mean(D(real))
        d_loss += 10 * penalty(D, real, fake)
        opt = tf.train.AdamOptimizer(1e-4)
        update = opt.apply_gradients(opt.compute_gradients(d_loss, var_list=d_vars))
        """
    ),
]

AUDIT_S30_VALID = [
    _TF1_CLIP.format(norm="norm = tf.sqrt(tf.reduce_sum(tf.square(gc[0])))"),
    # the filter precomputed in a constructor, unpacked and copied into a
    # dense matrix before it is registered (neuraloperator's local DISCO)
    """
    import torch
    import torch.nn as nn


    def precompute_filter(grid_in, grid_out):
        diffs = grid_in.reshape(2, 1, -1) - grid_out.reshape(2, -1, 1)
        r = torch.sqrt(diffs[0] ** 2 + diffs[1] ** 2)
        idx = torch.nonzero(r < 1.0).T
        return idx, r[r < 1.0]


    class LocalDisco(nn.Module):
        def __init__(self, grid_in, grid_out, n):
            super().__init__()
            idx, vals = precompute_filter(grid_in, grid_out)
            dense = torch.zeros(n, n)
            for k in range(len(vals)):
                dense[idx[0, k], idx[1, k]] = vals[k]
            self.register_buffer("psi", dense)
            self.weight = nn.Parameter(torch.randn(n))

        def forward(self, x):
            return x @ self.psi * self.weight
    """,
    # an initialiser rescaling a random tensor (state-spaces' S4D init)
    """
    import torch


    def init_ssm(H, N, w):
        B = torch.randn(H, N // 2, dtype=torch.cfloat)
        norm = -B / w
        zeta = 2 * torch.sum(torch.abs(norm) ** 2, dim=-1, keepdim=True)
        B = B / zeta**0.5
        return w, B
    """,
    _BUFFER.format(marker="", args="", psi="self.psi"),
    _METRIC.format(marker="", loss='"mean_absolute_error"'),
    # |k| of an integer wavenumber grid, tiled with .repeat(n, 1)
    """
    import torch


    def spectrum_2d(signal, n):
        signal = torch.fft.fft2(signal, norm="ortho")
        k = torch.cat((torch.arange(0, n // 2), torch.arange(-n // 2, 0)), 0).repeat(n, 1)
        return torch.sqrt(k.transpose(0, 1) ** 2 + k**2), signal
    """,
    # a Keras filter-visualisation script: the gradient of each filter's
    # activation, normalised, is only evaluated through K.function; the
    # ``img, loss = kept[i]`` of the outer loop's end never reaches the
    # ``loss`` the next round assigns before K.gradients (Hyperopt-Keras-CNN)
    """
    import numpy as np
    from keras import backend as K


    def normalize(x):
        return x / (K.sqrt(K.mean(K.square(x))) + 1e-5)


    input_img = model.input
    for layer_name in ["add_1", "add_2"]:
        kept = []
        for index in range(16):
            if K.image_data_format() == "channels_first":
                loss = K.mean(model.get_layer(layer_name).output[:, index])
            else:
                loss = K.mean(model.get_layer(layer_name).output[..., index])
            grads = normalize(K.gradients(loss, input_img)[0])
            iterate = K.function([input_img], [loss, grads])
            data = np.random.random((1, 32, 32, 3))
            for _ in range(20):
                loss_value, grads_value = iterate([data])
                data += grads_value
            kept.append((data[0], loss_value))
        for i in range(len(kept)):
            img, loss = kept[i]
    """,
    # a Keras optimiser wrapper normalising each gradient by its norm in
    # ``apply_gradients``, through a helper kept in ``self.fn``: an update
    # rule is never differentiated (handwritten-text-recognition)
    """
    import tensorflow as tf


    class GradientNormalization(tf.keras.optimizers.Optimizer):
        def __init__(self, optimizer, **kwargs):
            super().__init__(learning_rate=0.001, **kwargs)
            self.optimizer = optimizer
            self.fn = self._l2_norm

        def apply_gradients(self, grads_and_vars):
            grads_and_vars = [
                (tf.math.divide_no_nan(g, self.fn(g)), v) for g, v in grads_and_vars
            ]
            return self.optimizer.apply_gradients(grads_and_vars)

        def _l2_norm(self, grad):
            return tf.sqrt(tf.reduce_sum(tf.square(grad)))
    """,
    # a TF1 class minimising its own loss in one method, its RMSE kept in
    # another for reports (MetaRec's NNMF)
    _TF1_CLASS.format(marker="", loss="tf.reduce_sum(tf.square(self.target - self.r))"),
    # an RMSE only logged beside the loss handed to ``compute_gradients``
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    pred = tf.layers.dense(x, 1)
    rmse = tf.sqrt(tf.reduce_mean(tf.square(pred - y)))
    loss = tf.reduce_mean(tf.square(pred - y))
    opt = tf.train.AdamOptimizer(1e-3)
    train_op = opt.apply_gradients(opt.compute_gradients(loss))
    """,
]
