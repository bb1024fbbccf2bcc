"""LF206 examples of a soft IoU whose union has no smoothing term (audit s119,
Semantic-Segmentation-Loss-Functions' ``jacard_similarity``): the union of an
empty mask and an all-zero prediction is 0, written as one sum of ``t + p -
t * p`` or as ``t.sum() + p.sum() - intersection``; with a smoothing term it
is never 0. One denominator divided several times is one finding."""

from __future__ import annotations

from lossflint.examples import Invalid

_IOU = """
import keras.backend as K


def jacard_similarity(y_true, y_pred):
    y_true_f = K.flatten(y_true)
    y_pred_f = K.flatten(y_pred)
    intersection = K.sum(y_true_f * y_pred_f)
    union = {union}
    return intersection / union{marker}


def jacard_loss(y_true, y_pred):
    return 1 - jacard_similarity(y_true, y_pred)


model.compile(optimizer="adam", loss=jacard_loss)
"""

UNION_INVALID = [
    # one denominator divided four times in one loss (trlx's PPO loss, audit
    # s140): one finding, at the first division
    Invalid(
        """
        import torch

        def ppo_loss(logprobs, old_logprobs, advantages, values, returns, mask):
            n = mask.sum()
            ratio = torch.exp(logprobs - old_logprobs)
            pg_loss = torch.sum(-advantages * ratio * mask) / n  # error: LF206 at `torch.sum(`
            vf_loss = torch.sum((values - returns) ** 2 * mask) / n
            stats = dict(ratio=(ratio * mask).sum() / n, error=vf_loss / n)
            return pg_loss + vf_loss, stats
        """
    ),
    Invalid(
        _IOU.format(
            union="K.sum((y_true_f + y_pred_f) - (y_true_f * y_pred_f))",
            marker="  # error: LF206",
        )
    ),
    Invalid(
        _IOU.format(
            union="K.sum(y_true_f) + K.sum(y_pred_f) - intersection", marker="  # error: LF206"
        )
    ),
]

UNION_VALID = [
    _IOU.format(union="K.sum((y_true_f + y_pred_f) - (y_true_f * y_pred_f) + 1.0)", marker=""),
    _IOU.format(union="K.sum(y_true_f) + K.sum(y_pred_f) - intersection + 1e-6", marker=""),
]
