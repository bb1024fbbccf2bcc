"""LF206 examples of session 27's audits and held-out misses: a test of which
arguments were given (``mask is not None``) guards nothing (setfit's
SupConLoss, R53); a count read through ``.data`` (kuangliu's RetinaNet,
R53); a Dice loss without smoothing over sigmoid output (H12 p02); a
TensorFlow standardisation (Barlow Twins in Keras, audit R61); a rollout
buffer's advantages standardised in place (deep_rl, audit R68): a tensor
buffer counts, a NumPy one carries no gradient. CornerNet's focal loss as
CenterNet copies it (audit R76): divided by the count of positives only in
the ``else`` of ``if num_pos == 0:``, or of a test that the positives'
selection is empty; its twin divides whatever the count. A caption mask
joined to a column of ones (ruotianluo's ImageCaptioning, audit R79): no row
sums to 0; its twin without the column. Regression targets a generator network made
under ``no_grad`` into a dict of parts, standardised by the train part's
std (rtdl-revisiting-models, audit R86): no gradient; the twin stores the
trained model's outputs. A mask's count taken before the mask is reshaped
(channel-distillation, audit R92)."""

from __future__ import annotations

from lossflint.examples import Invalid

_BUFFER = """
import numpy as np
import torch


class Buffer:
    def __init__(self, size):
        self.adv_buf = {made}

    def finish_path(self):
        self.adv_buf = (self.adv_buf - self.adv_buf.mean()) / self.adv_buf.std(){marker}

    def get(self):
        return torch.Tensor(self.adv_buf)

"""

_FOCAL = """
import torch


def neg_loss(pred, gt):
    pos_inds = gt.eq(1)
    pos_pred = pred[pos_inds]
    pos_loss = (torch.log(pos_pred.clamp_min(1e-4)) * torch.pow(1 - pos_pred, 2)).sum()
    neg_loss = (torch.log((1 - pred).clamp_min(1e-4)) * torch.pow(pred, 2) * gt.lt(1)).sum()
    num_pos = pos_inds.float().sum()
{body}
"""

_CAPTION_MASK = """
import torch
import torch.nn as nn


class LanguageModelCriterion(nn.Module):
    def forward(self, logp, seq):
        mask = (seq > 0).to(logp){joined}
        out = -logp.gather(2, seq.unsqueeze(2)).squeeze(2)
        return ((out * mask).sum(1) / mask.sum(1)).mean(){marker}
"""

_PARTS = """
import torch
import torch.nn as nn


def targets(gen, model, X, opt):
    Y = {{}}
    for part in ["train", "val"]:
{store}
    Y = {{k: (v - Y["train"].mean()) / Y["train"].std() for k, v in Y.items()}}{marker}
    loss = (model(X["train"]).squeeze(1) - Y["train"]).pow(2).mean()
    loss.backward()
    opt.step()
"""

S27_VALID = [
    # MAE's mask scattered into zeros, k patches per image, returned by the
    # model: its total is at least one per image (CS182's q_mae, audit R96)
    """
    import torch
    import torch.nn as nn

    class MaskedAutoEncoder(nn.Module):
        def __init__(self, num_patches=64, mask_ratio=0.75, dim=48):
            super().__init__()
            self.masked_length = int(num_patches * mask_ratio)
            self.num_patches = num_patches
            self.proj = nn.Linear(dim, dim)

        def forward(self, patches):
            ids = torch.rand(patches.shape[0], self.num_patches).argsort(dim=1)
            mask = torch.zeros(patches.shape[0], self.num_patches)
            mask.scatter_(1, ids[:, : self.masked_length], 1.0)
            return self.proj(patches), mask

    model = MaskedAutoEncoder()
    for patches in loader:
        pred, mask = model(patches)
        loss = torch.sum(torch.mean(torch.square(patches - pred), dim=-1) * mask) / mask.sum()
        loss.backward()
    """,
    _PARTS.format(
        store="        with torch.no_grad():\n            Y[part] = gen(X[part]).squeeze(1)",
        marker="",
    ),
    _PARTS.format(store="        Y[part] = X[part].detach().sum(1)", marker=""),
    # moved to the CPU after it was made under no_grad (rtdl's ``Y_mlp``)
    _PARTS.format(
        store="        with torch.no_grad():\n            Y[part] = gen(X[part]).cpu()", marker=""
    ),
    _CAPTION_MASK.format(
        joined="\n        mask = torch.cat([mask.new_full((mask.size(0), 1), 1), mask[:, :-1]], 1)",
        marker="",
    ),
    _FOCAL.format(
        body="    if num_pos == 0:\n        return -neg_loss\n    else:\n"
        "        return -(pos_loss + neg_loss) / num_pos"
    ),
    _FOCAL.format(
        body="    if pos_pred.nelement() == 0:\n        loss = -neg_loss\n    else:\n"
        "        loss = -(pos_loss + neg_loss) / num_pos\n    return loss"
    ),
    _BUFFER.format(made="np.zeros(size, dtype=np.float32)", marker=""),
    # ... the draws made by a same-file helper
    """
    import torch

    def reference_scores(n):
        return torch.randn(n)

    def deviation_loss(y_true, y_pred):
        ref = reference_scores(5000)
        dev = (y_pred - ref.mean()) / ref.std()
        return torch.mean((1 - y_true) * dev.abs())
    """,
    # DevNet's deviation loss: the std of 5000 fresh N(0, 1) draws is ~1 (pyod,
    # deviation-network, audit s112)
    """
    import numpy as np
    import torch
    from keras import backend as K

    def deviation_loss(y_true, y_pred):
        ref = torch.randn(5000, device=y_pred.device)
        dev = (y_pred - ref.mean()) / ref.std()
        return torch.mean((1 - y_true) * dev.abs() + y_true * torch.clamp(5.0 - dev, min=0))

    def keras_deviation_loss(y_true, y_pred):
        ref = K.variable(np.random.normal(loc=0.0, scale=1.0, size=5000), dtype="float32")
        dev = (y_pred - K.mean(ref)) / K.std(ref)
        return K.mean((1 - y_true) * K.abs(dev))
    """,
]

S27_INVALID = [
    # the helper hands back scores of unknown spread: their std can be 0
    Invalid(
        """
        import torch

        def reference_scores(n):
            return scorer(torch.zeros(n))

        def deviation_loss(y_true, y_pred):
            ref = reference_scores(5000)
            dev = (y_pred - ref.mean()) / ref.std()  # error: LF206 at `(y_pred`
            return torch.mean((1 - y_true) * dev.abs())
        """
    ),
    # advantages normalised in the loop, read by the closure handed to the
    # TRPO step that differentiates it (Deep-RL Hands-On's TRPO, R39)
    Invalid(
        """
        import torch
        import torch.nn.functional as F


        def train(net_act, net_crt, batches, trpo_step, opt_crt):
            for states, adv, ref in batches:
                adv = (adv - torch.mean(adv)) / torch.std(adv)  # error: LF206
                opt_crt.zero_grad()
                loss_value = F.mse_loss(net_crt(states).squeeze(-1), ref)
                loss_value.backward()
                opt_crt.step()

                def get_loss():
                    return (-adv.unsqueeze(-1) * net_act(states)).mean()

                trpo_step(net_act, get_loss)
        """
    ),
    # a smoothing term bound to 0.0 adds nothing (DeepGlobe's dice loss,
    # audit s91)
    Invalid(
        """
        import torch

        def soft_dice_coeff(y_true, y_pred):
            smooth = 0.0  # may change
            i = torch.sum(y_true)
            j = torch.sum(y_pred)
            intersection = torch.sum(y_true * y_pred)
            score = (2.0 * intersection + smooth) / (i + j + smooth)  # error: LF206
            return score.mean()
        """
    ),
    Invalid(_CAPTION_MASK.format(joined="", marker="  # error: LF206")),
    Invalid(
        _PARTS.format(
            store="        Y[part] = model(X[part]).squeeze(1)", marker="  # error: LF206 at `(v"
        )
    ),
    Invalid(
        _PARTS.format(
            store="        with torch.no_grad():\n            Y[part] = gen(X[part]).squeeze(1)\n"
            "        Y.setdefault('all', model(X[part]))",
            marker="  # error: LF206 at `(v",
        )
    ),
    Invalid(_FOCAL.format(body="    return -(pos_loss + neg_loss) / num_pos  # error: LF206")),
    Invalid(_BUFFER.format(made="torch.zeros(size)", marker="  # error: LF206 at `(self")),
    # a soft Dice loss without smoothing: on an image with an empty mask the
    # loss drives every sigmoid to 0, where they underflow (held-out H12 p02)
    Invalid(
        """
        import torch

        def soft_dice(logits, target):
            probs = torch.sigmoid(logits)
            inter = (probs * target).sum(dim=(2, 3))
            denom = probs.sum(dim=(2, 3)) + target.sum(dim=(2, 3))
            dice = 2.0 * inter / denom  # error: LF206 at `2.0 * inter`
            return 1.0 - dice.mean()

        def train_step(model, x, y, opt):
            loss = soft_dice(model(x), y)
            loss.backward()
            opt.step()
        """
    ),
    # the number of positive anchors, read through ``.data``, is 0 for an
    # image with no object (kuangliu/pytorch-retinanet, audit R53)
    Invalid(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class FocalLoss(nn.Module):
            def forward(self, loc_preds, loc_targets, cls_preds, cls_targets):
                pos = cls_targets > 0
                num_pos = pos.data.long().sum()
                loc_loss = F.smooth_l1_loss(loc_preds[pos], loc_targets[pos], reduction="sum")
                cls_loss = F.binary_cross_entropy_with_logits(cls_preds, cls_targets, reduction="sum")
                loss = (loc_loss + cls_loss) / num_pos  # error: LF206 at `(loc_loss`
                return loss
        """
    ),
    # a test of which arguments were given guards nothing (SupConLoss in
    # huggingface/setfit, audit R53: an anchor alone in its class is 0/0)
    Invalid(
        """
        import torch
        from torch import nn

        class SupConLoss(nn.Module):
            def forward(self, features, labels=None, mask=None):
                if labels is not None and mask is not None:
                    raise ValueError("Cannot define both `labels` and `mask`")
                elif labels is not None:
                    mask = torch.eq(labels, labels.T).float()
                else:
                    mask = mask.float()
                log_prob = torch.log_softmax(features @ features.T, dim=1)
                mean_log_prob_pos = (mask * log_prob).sum(1) / mask.sum(1)  # error: LF206 at `(mask`
                return -mean_log_prob_pos.mean()
        """
    ),
    # Barlow Twins' batch standardisation in TensorFlow: a projection feature
    # constant over the batch has std 0 (beresandras/contrastive-classification-keras)
    Invalid(
        """
        import tensorflow as tf

        def normalize_repr(z):
            return (z - tf.reduce_mean(z, axis=0)) / tf.math.reduce_std(z, axis=0)  # error: LF206

        def train_step(encoder, optimizer, x1, x2):
            with tf.GradientTape() as tape:
                c = tf.matmul(normalize_repr(encoder(x1)), normalize_repr(encoder(x2)), transpose_a=True)
                loss = tf.reduce_sum((tf.eye(128) - c) ** 2)
            grads = tape.gradient(loss, encoder.trainable_weights)
            optimizer.apply_gradients(zip(grads, encoder.trainable_weights))
        """
    ),
    # the count taken before the mask is reshaped for broadcasting (a KD loss
    # over the samples the teacher gets right, channel-distillation, audit R92):
    # a batch the teacher gets all wrong divides by 0
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def kd_on_correct(stu_pred, tea_pred, label, t=4.0):
            s = F.log_softmax(stu_pred / t, dim=1)
            p = F.softmax(tea_pred / t, dim=1)
            mask = torch.eq(label, torch.argmax(p, dim=1)).float()
            count = mask.sum()
            mask = mask.unsqueeze(-1)
            return F.kl_div(s * mask, p * mask, reduction="sum") / count  # error: LF206 at `F.kl_div(`
        """
    ),
    # counts of TensorFlow's count_nonzero (PetarV-'s GAT micro-F1, audit R97)
    Invalid(
        """
        import tensorflow as tf

        def micro_f1(predicted, labels):
            tp = tf.count_nonzero(predicted * labels)
            fp = tf.count_nonzero(predicted * (labels - 1))
            return tp / (tp + fp)  # error: LF206 at `tp / (tp + fp)`
        """
    ),
    # the mask reshaped under another name first (r9y9/wavenet_vocoder's
    # masked losses, audit s101): its count is still the mask's
    Invalid(
        """
        import torch.nn as nn

        class MaskedMSELoss(nn.Module):
            def forward(self, input, target, mask):
                mask_ = mask.expand_as(target)
                losses = nn.functional.mse_loss(input, target, reduction="none")
                return (losses * mask_).sum() / mask_.sum()  # error: LF206 at `(losses * mask_).sum() / mask_.sum()`
        """
    ),
]
