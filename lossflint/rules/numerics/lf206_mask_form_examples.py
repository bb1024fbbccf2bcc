"""LF206 examples of masks written as function calls and of standardised
maps: ``tf.less``/``torch.gt`` comparisons, ``tf.where(c, zeros, ones)`` and a
list of masks (GeoNet, audit s225); a saliency map divided by its std
(samyak0210/saliency, audit s229)."""

from __future__ import annotations

from lossflint.examples import Invalid

MASK_FORM_INVALID: list[Invalid] = []
MASK_FORM_VALID: list[str] = []

# a consistency mask built with TensorFlow's function-form comparison, kept
# per scale in a list (GeoNet's ``noc_masks_tgt[s]``, audit s225), or as
# ``tf.where(cond, zeros, ones)``: no pixel may pass, and the mean is 0/0
_FUNCTION_MASKS = """
import tensorflow as tf


class FlowLoss:
    def build(self, diffs, bounds):
        self.noc_masks = [tf.cast({test}, tf.float32) for s in range(4)]

    def loss(self, errors):
        total = 0.0
        for s in range(4):
            total += tf.reduce_sum(errors[s] * self.noc_masks[s]) / {count}{marker}
        return total
"""
MASK_FORM_INVALID += [
    Invalid(
        _FUNCTION_MASKS.format(
            test="tf.less(diffs[s], bounds[s])",
            count="tf.reduce_sum(self.noc_masks[s])",
            marker="  # error: LF206",
        )
    ),
    Invalid(
        """
        import tensorflow as tf

        def masked_l1(pred, gt):
            valid = tf.where(tf.equal(gt, 0), tf.zeros_like(gt), tf.ones_like(gt))
            return tf.reduce_sum(valid * tf.abs(pred - gt)) / tf.reduce_sum(valid)  # error: LF206
        """
    ),
    Invalid(
        """
        import torch

        def masked_l1(pred, gt):
            keep = torch.gt(gt, 0).float()
            return (keep * (pred - gt).abs()).sum() / keep.sum()  # error: LF206
        """
    ),
]
MASK_FORM_VALID += [
    _FUNCTION_MASKS.format(
        test="tf.less(diffs[s], bounds[s])",
        count="tf.maximum(tf.reduce_sum(self.noc_masks[s]), 1.0)",
        marker="",
    ),
    # ``tf.where`` keeping the values on one side: a weight, not a 0/1 mask
    """
    import tensorflow as tf

    def weighted_l1(pred, gt, w):
        weights = tf.where(tf.equal(gt, 0), tf.zeros_like(gt), w)
        return tf.reduce_sum(weights * tf.abs(pred - gt)) / tf.reduce_sum(weights)
    """,
]

# a saliency map standardised by its std: a saturated sigmoid map is constant,
# its std 0 (samyak0210/saliency's ``cc``, audit s229); the statistics
# reshaped to the map's size first
_STANDARDISED_MAP = """
import torch


def cc(s_map, gt):
    b, w, h = s_map.size(0), s_map.size(1), s_map.size(2)
    mean_s = torch.mean(s_map.view(b, -1), 1).view(b, 1, 1).expand(b, w, h)
    std_s = torch.std(s_map.view(b, -1), 1).view(b, 1, 1).expand(b, w, h){eps}
    s_map = (s_map - mean_s) / std_s{marker}
    return torch.sum((s_map * gt).view(b, -1), 1).mean()


def train_step(model, opt, img, gt):
    loss = -cc(torch.sigmoid(model(img)), gt)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""
MASK_FORM_INVALID.append(Invalid(_STANDARDISED_MAP.format(eps="", marker="  # error: LF206")))
MASK_FORM_VALID.append(_STANDARDISED_MAP.format(eps=" + 1e-7", marker=""))

# a class-balanced BCE's weight: ``sum(1 - y) + sum(y)`` counts every voxel
# (xinwucwp/faultSeg, audit s231)
MASK_FORM_VALID.append(
    """
    import tensorflow as tf

    def cross_entropy_balanced(y_true, y_pred):
        y_true = tf.cast(y_true, tf.float32)
        count_neg = tf.reduce_sum(1.0 - y_true)
        count_pos = tf.reduce_sum(y_true)
        beta = count_neg / (count_neg + count_pos)
        cost = tf.nn.weighted_cross_entropy_with_logits(labels=y_true, logits=y_pred, pos_weight=beta)
        return tf.reduce_mean(cost * (1 - beta))
    """
)

# a DataFrame's columns standardised before a TF network (seg 2016 contest's
# ``cleanup_csv``, audit s231): pandas preprocessing, told by ``fillna``
MASK_FORM_VALID.append(
    """
    import tensorflow as tf

    def cleanup_csv(data, standardize=True):
        data = data.drop("Well Name", axis=1)
        data["PE"] = data["PE"].fillna(value=0)
        for name in data:
            data[name] = (data[name] - data[name].mean()) / data[name].std()
        return data

    def network():
        x = tf.placeholder(tf.float32, shape=[None, 9])
        return tf.matmul(x, tf.Variable(tf.zeros([9, 9])))
    """
)
