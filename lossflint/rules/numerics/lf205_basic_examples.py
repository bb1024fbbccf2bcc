"""LF205 VALID examples written with the rule: guards in every form, values
no gradient reaches; kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

BASIC_INVALID = [
    # the magnitude of a complex mask a transposed convolution predicts, in
    # the model's forward (DCCRN, audit s84)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.dec = nn.ConvTranspose2d(4, 2, 3, padding=1)

            def forward(self, x, spec_mags):
                out = self.dec(x)
                mask_real, mask_imag = out[:, 0], out[:, 1]
                mask_mags = (mask_real**2 + mask_imag**2) ** 0.5  # error: LF205
                return torch.tanh(mask_mags) * spec_mags
        """,
        fixed="""
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.dec = nn.ConvTranspose2d(4, 2, 3, padding=1)

            def forward(self, x, spec_mags):
                out = self.dec(x)
                mask_real, mask_imag = out[:, 0], out[:, 1]
                mask_mags = (mask_real**2 + mask_imag**2 + 1e-12) ** 0.5  # error: LF205
                return torch.tanh(mask_mags) * spec_mags
        """,
    ),
    # a masked RMSE loss: the masked sum over the count of rated items is 0
    # on a perfect row (MetaRec's NVIDIA-DeepRec in Keras)
    Invalid(
        """
        from keras import backend as K

        def masked_rmse(y_true, y_pred):
            mask = K.cast(K.not_equal(y_true, 0), K.floatx())
            sq = K.square(mask * (y_true - y_pred))
            return K.sqrt(K.sum(sq, axis=-1) / K.maximum(K.sum(mask, axis=-1), 1))  # error: LF205

        model.compile(optimizer="sgd", loss=masked_rmse)
        """,
        fixed="""
        from keras import backend as K

        def masked_rmse(y_true, y_pred):
            mask = K.cast(K.not_equal(y_true, 0), K.floatx())
            sq = K.square(mask * (y_true - y_pred))
            return K.sqrt(K.sum(sq, axis=-1) / K.maximum(K.sum(mask, axis=-1), 1) + 1e-12)  # error: LF205

        model.compile(optimizer="sgd", loss=masked_rmse)
        """,
    ),
    # an RMSE loss: the root of an MSELoss that is 0 on a perfect batch
    # (kozodoi/Kaggle_Readability, audit R69)
    Invalid(
        """
        import torch

        criterion = torch.nn.MSELoss()
        for inputs, labels in loader:
            loss = criterion(model(inputs).squeeze(-1), labels)
            loss = torch.sqrt(loss)  # error: LF205
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        """
    ),
    # a name given to the op changes nothing (peteryuX/arcface-tf2's ArcFace
    # head, audit R65)
    Invalid(
        """
        import tensorflow as tf

        class ArcMargin(tf.keras.layers.Layer):
            def call(self, embds, labels):
                cos_t = tf.matmul(tf.nn.l2_normalize(embds, axis=1), tf.nn.l2_normalize(self.w, axis=0))
                sin_t = tf.sqrt(1.0 - cos_t**2, name="sin_t")  # error: LF205 at `tf.sqrt(1.0 - cos_t**2, name="sin_t")`
                return cos_t * self.cos_m - sin_t * self.sin_m
        """
    ),
    # an RMSE loss over an MSELoss object the module keeps (flow-forecast's
    # RMSELoss, audit s107)
    Invalid(
        """
        import torch

        class RMSELoss(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.mse = torch.nn.MSELoss()

            def forward(self, output, target):
                return torch.sqrt(self.mse(target, output))  # error: LF205 at `torch.sqrt(self.mse(target, output))`

        crit = RMSELoss()
        for x, y in loader:
            opt.zero_grad()
            crit(model(x), y).backward()
            opt.step()
        """
    ),
    # a redraw under an ``if`` may not run: the argument may be what was passed
    Invalid(
        """
        import torch

        def normc(w, redraw):
            if redraw:
                w.normal_(0, 1)
            return w / torch.sqrt((w ** 2).sum(1, keepdim=True))  # error: LF205 at `torch.sqrt((w ** 2).sum(1, keepdim=True))`
        """
    ),
]

BASIC_VALID = [
    # the same RMSE over the module's MSELoss, only logged in validation_step
    """
    import pytorch_lightning as pl
    import torch

    class Regressor(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Linear(8, 1)
            self.mse = torch.nn.MSELoss()

        def training_step(self, batch, batch_idx):
            x, y = batch
            return self.mse(self.net(x), y)

        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("val_rmse", torch.sqrt(self.mse(self.net(x), y)))
    """,
    # the same RMSE as a metric, under no_grad
    """
    import torch

    class Evaluator:
        def __init__(self):
            self.mse = torch.nn.MSELoss()

        @torch.no_grad()
        def rmse(self, output, target):
            return torch.sqrt(self.mse(target, output)).item()
    """,
    # a per-sample data transform (Deep-SVDD-PyTorch's global contrast
    # normalisation, audit R73)
    """
    import torch
    import torchvision.transforms as transforms

    def global_contrast_normalization(x, scale="l2"):
        x = x - torch.mean(x)
        if scale == "l2":
            return x / torch.sqrt(torch.sum(x**2))
        return x / torch.mean(torch.abs(x))

    transform = transforms.Compose(
        [transforms.ToTensor(), transforms.Lambda(lambda x: global_contrast_normalization(x))]
    )
    """,
    # the update rule of an Optimizer subclass works on gradients already
    # taken (LAMB of lonePatient/BERT-NER-Pytorch, audit R69)
    """
    import torch
    from torch.optim.optimizer import Optimizer

    class Lamb(Optimizer):
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    state = self.state[p]
                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    weight_norm = p.data.pow(2).sum().sqrt().clamp(0, 10)
                    adam_step = exp_avg / exp_avg_sq.sqrt().add(group["eps"])
                    adam_norm = adam_step.pow(2).sum().sqrt()
                    p.data.add_(adam_step, alpha=-group["lr"] * weight_norm / adam_norm)
    """,
    # a positive term under the root in any form (issue 15)
    """
    import torch
    import tensorflow as tf
    a = tf.sqrt(tf.reduce_sum(tf.square(x - y), 1) + tf.square(1e-3))
    b = torch.sqrt(((x - y) ** 2).sum(1) + eps ** 2)
    c = torch.sqrt(eps + ((x - y) ** 2).sum(1) + (z ** 2).sum(1))
    d = torch.sqrt(((x - y) ** 2).sum(1) + torch.finfo(x.dtype).eps)
    e = torch.sqrt(((x - y) ** 2).sum(1) + 1e-8 * torch.ones_like(x[:, 0]))
    """,
    # TF1 graph: evaluation ops beside the minimised loss (word2vec)
    """
    import tensorflow as tf
    loss_op = tf.reduce_mean(tf.nn.nce_loss(weights=w, biases=b, labels=Y, inputs=e))
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss_op)
    norm = embedding / tf.sqrt(tf.reduce_sum(tf.square(embedding), 1, keepdims=True))
    """,
    # a gradient norm that is only logged (tensorflow/examples)
    """
    import tensorflow as tf
    def clip_gradient(grads_and_vars):
        for g, v in grads_and_vars:
            tf.summary.scalar(v.name, tf.sqrt(tf.reduce_sum(tf.square(g))))
    """,
    # a test computing a std from metrics (ignite)
    """
    import torch
    def test_std(state):
        std = torch.sqrt(state.metrics["mean2"] - state.metrics["mean"] ** 2)
        assert std.shape == ()
    """,
    # evaluation helper (TensorFlow-Examples word2vec, TF2)
    """
    import tensorflow as tf
    def evaluate(x_embed):
        return x_embed / tf.sqrt(tf.reduce_sum(tf.square(x_embed)))
    """,
    # turned into a Python number at once: no gradient flows (diffusers marigold)
    """
    import torch
    def cost(a, b):
        diff = a - b
        return (diff**2).mean().sqrt().item()
    """,
    """
    import torch
    d = torch.sqrt(((a - b) ** 2).sum(1) + 1e-8)
    """,
    """
    import torch
    d = torch.sqrt(((a - b) ** 2).sum(1) + eps)
    """,
    """
    import torch
    d = torch.sqrt(((a - b) ** 2).sum(1).clamp_min(1e-12))
    """,
    # x ** 2 + 1 cannot be 0
    """
    import torch
    d = torch.sqrt(x ** 2 + 1)
    """,
    # plain Python / NumPy: no gradient, no NaN
    """
    import math
    d = ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5
    r = math.sqrt(a * a)
    """,
    """
    import numpy as np
    d = np.sqrt(((a - b) ** 2).sum(axis=1))
    """,
    # sqrt of something that is not a square
    """
    import torch
    s = torch.sqrt(var)
    """,
    # guarded through a variable
    """
    import torch
    sq = ((a - b) ** 2).sum(1)
    sq = sq + 1e-9
    d = sq.sqrt()
    """,
    """
    import torch
    d2 = (x * x).sum(1)
    d = torch.where(d2 > 0, d2.sqrt(), d2)
    """,
    # a user function named sqrt, a shadowed torch
    """
    def sqrt(x):
        return x
    d = sqrt((a - b) ** 2)
    """,
    """
    import torch
    def f(torch, a, b):
        return torch.sqrt(((a - b) ** 2).sum(1))
    """,
    # no gradient flows: sqrt(0) = 0 is fine (e.g. a gradient-norm utility)
    """
    import torch

    @torch.no_grad()
    def total_norm(g):
        return torch.sqrt((g ** 2).sum())
    """,
    # the capsule lengths only pick the longest capsule: argmax, one_hot, a
    # shape (yongzhuo/Keras-TextClassification's CapsNet mask, audit R66)
    """
    import keras.backend as K
    from keras import layers

    class Mask(layers.Layer):
        def call(self, inputs, **kwargs):
            x = K.sqrt(K.sum(K.square(inputs), -1))
            mask = K.one_hot(indices=K.argmax(x, 1), num_classes=x.get_shape().as_list()[1])
            return K.batch_flatten(inputs * K.expand_dims(mask, -1))
    """,
    # a value the tape does not follow
    """
    import tensorflow as tf

    def lengths(v):
        return tf.stop_gradient(tf.sqrt(tf.reduce_sum(tf.square(v), -1)))
    """,
    # an initialiser redraws its argument in place before the root: fresh
    # random values carry no gradient, whatever the tensor was (baselines'
    # normc init, passed as a value to another module's ``init``; audit s99)
    """
    import torch

    def init_normc_(weight, gain=1):
        weight.normal_(0, 1)
        weight *= gain / torch.sqrt(weight.pow(2).sum(1, keepdim=True))
    """,
]

# a data set's item method prepares data before any model sees it
# (sudo_rm_rf's mixture energies, audit s191); the same norm of a model's
# output in the training step is still reported
_ENERGIES = """
import joblib
import torch
from torch.utils.data import Dataset


class MixDataset(Dataset):
    def __init__(self, paths):
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def {method}(self, idx):
        src = joblib.load(self.paths[idx])
        energy = torch.sqrt(torch.sum(src ** 2)){marker}
        return src / (energy + 1e-8)
"""

BASIC_VALID.append(_ENERGIES.format(method="__getitem__", marker=""))
BASIC_INVALID.append(
    Invalid(_ENERGIES.format(method="normalised", marker="  # error: LF205 at `torch.sqrt(`"))
)

# weight normalisation of a Keras layer's own kernel (``self.add_weight``,
# glorot by default: DingKe/nn_playground, audit s193); a kernel started at
# zeros can be 0
_KERAS_WEIGHT_NORM = """
from keras import backend as K
from keras.layers import Dense


class WeightNormDense(Dense):
    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), {init}name="kernel")
        self.g = self.add_weight(shape=(self.units,), initializer="one", name="g")
        self.built = True

    def call(self, inputs):
        kernel = self.kernel * self.g / K.sqrt(K.sum(K.square(self.kernel), axis=0)){marker}
        return K.dot(inputs, kernel)
"""

BASIC_VALID += [
    _KERAS_WEIGHT_NORM.format(init="", marker=""),
    _KERAS_WEIGHT_NORM.format(init="initializer=self.kernel_initializer, ", marker=""),
]
BASIC_INVALID.append(
    Invalid(
        _KERAS_WEIGHT_NORM.format(
            init='initializer="zeros", ', marker="  # error: LF205 at `K.sqrt(`"
        )
    )
)

# the square of a positive value (``exp``) is never 0 (norse, audit s193)
BASIC_VALID.append(
    """
    import torch

    def norm(log_scale):
        t = torch.exp(log_scale) ** 2
        return t ** 0.5
    """
)
