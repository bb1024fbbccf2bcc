"""LF205 examples of squares added under a root: the pseudo-Huber loss
``sqrt((pred - target) ** 2 + c ** 2)`` (kohya-ss/sd-scripts, audit s133)
adds its constant squared, a guard like ``+ c * c``; a magnitude written with
products, ``sqrt(re * re + im * im)``, is 0 where both parts are, as its
``**`` spelling is, and so is a product of two sums of squares. Squares
added up with ``+=`` in a loop are a sum of squares too, and a root written
``** (1. / r)`` with ``r=2`` handed down from the caller's default is a square
root (NIMA's EMD loss, yunxiaoshi/Neural-IMage-Assessment, audit s197)."""

from __future__ import annotations

from lossflint.examples import Invalid

PSEUDO_HUBER_INVALID = [
    Invalid(
        """
        import torch

        def magnitude_loss(spec, target):
            re, im = spec[..., 0], spec[..., 1]
            mag = torch.sqrt(re * re + im * im)  # error: LF205 at `torch.sqrt(`
            return (mag - target).abs().mean()

        def l2_branch(rec, x):
            return torch.sum(torch.sqrt(rec * rec - x * x))  # error: LF205 at `torch.sqrt(`
        """
    ),
    # the product of two sums of squares under one root: 0 wherever either
    # centred feature is (torchdistill's channel-relation loss, audit s171)
    Invalid(
        """
        import torch

        def channel_relation(f_s, f_t, eps=1e-8):
            s = f_s - f_s.mean(dim=1, keepdim=True)
            t = f_t - f_t.mean(dim=1, keepdim=True)
            numerator = torch.sum(s * t, dim=1)
            denominator = torch.sqrt(torch.sum(s**2, dim=1) * torch.sum(t**2, dim=1))  # error: LF205 at `torch.sqrt(`
            return (numerator / (denominator + eps)).mean()

        def train_step(student, teacher, x, optimizer):
            with torch.no_grad():
                f_t = teacher(x)
            loss = channel_relation(student(x), f_t)
            loss.backward()
            optimizer.step()
        """
    ),
]

PSEUDO_HUBER_VALID = [
    """
    import torch

    def conditional_loss(model_pred, target, huber_c):
        huber_c = huber_c.view(-1, *([1] * (model_pred.ndim - 1)))
        loss = 2 * huber_c * (torch.sqrt((model_pred - target) ** 2 + huber_c**2) - huber_c)
        return loss.mean()

    def train_step(unet, x, target, optimizer):
        loss = conditional_loss(unet(x), target, torch.full((x.shape[0],), 0.1))
        loss.backward()
        optimizer.step()
    """,
]

#: BTS's TensorFlow model (audit s170): ``__init__`` calls
#: ``self.build_losses()``, which keeps the loss on ``self.total_loss`` for
#: a training script elsewhere; a method that keeps a value on ``self`` run
#: under ``no_grad``, or per sample by a hand-written update (a
#: self-organising map, R15), stays silent
_KEPT_ON_SELF = """
import tensorflow as tf
import torch


class BtsModel(object):
    def __init__(self, params):
        self.params = params
        self.build_losses()

    def build_losses(self):
        d = tf.log(self.depth_est) - tf.log(self.depth_gt)
        self.silog_loss = tf.sqrt(tf.reduce_mean(d**2) - 0.85 * (tf.reduce_mean(d) ** 2)) * 10.0{marker}
        self.total_loss = self.silog_loss


class Recorder:
    def __init__(self, model, x, y):
        with torch.no_grad():
            self.update(model(x), y)

    def update(self, pred, y):
        self.err = torch.sqrt(torch.mean((pred - y) ** 2))


class SelfOrganisingMap:
    def training(self, x):
        d = tf.sqrt(tf.reduce_sum(tf.pow(self._W - x, 2), 1))
        self.winner = tf.argmin(d, 0)

    def fit(self, X):
        for x in X:
            self.training(x)
"""

PSEUDO_HUBER_INVALID.append(Invalid(_KEPT_ON_SELF.format(marker="  # error: LF205")))
PSEUDO_HUBER_VALID.append(
    _KEPT_ON_SELF.format(marker="").replace(
        "- 0.85 * (tf.reduce_mean(d) ** 2)", "- 0.85 * (tf.reduce_mean(d) ** 2) + 1e-8"
    )
)

_EMD = """
import torch


def single_emd_loss(p, q, r=2):
    length = p.shape[0]
    emd_loss = {start}
    for i in range(1, length + 1):
        emd_loss += torch.abs(sum(p[:i] - q[:i])) ** r
    return (emd_loss / length) ** (1. / r){marker}


def emd_loss(p, q, r=2):
    loss_vector = []
    for i in range(p.shape[0]):
        loss_vector.append(single_emd_loss(p[i], q[i], r=r))
    return sum(loss_vector) / p.shape[0]


def train(model, loader, optimizer):
    for images, labels in loader:
        optimizer.zero_grad()
        loss = emd_loss(labels, model(images){r})
        loss.backward()
        optimizer.step()
"""

PSEUDO_HUBER_INVALID.append(Invalid(_EMD.format(start="0.0", r="", marker="  # error: LF205")))
PSEUDO_HUBER_VALID += [
    # an eps to start from
    _EMD.format(start="1e-8", r="", marker=""),
    # the first moment: no root
    _EMD.format(start="0.0", r=", r=1", marker=""),
]

# a data set's RMS handed to a same-file helper that detaches it (MACE's
# compute_rms_dipoles, audit s212)
PSEUDO_HUBER_VALID.append(
    """
    import torch


    def to_numpy(t):
        return t.cpu().detach().numpy()


    def compute_rms(data_loader):
        values = torch.cat([batch.dipole for batch in data_loader], dim=0)
        return to_numpy(torch.sqrt(torch.mean(torch.square(values)))).item()
    """
)
