"""LF206 examples of matches normalised into soft targets: ``torch.eq(idx,
idx_all).float()`` divided by its row sums, where ``idx_all`` starts with
``idx`` itself, has a 1 in every row (salesforce/ALBEF's retrieval loss,
audit s132); without that column a row can be all zeros and the loss NaN. A
mask counting a loss's valid entries (``torch.ne(labels, -100)``) divides a
loss that can be all padding. A count of a comparison over a mask handed in
(trlx's clipped fraction, audit s140) carries no gradient: a parameter named
a mask is data."""

from __future__ import annotations

from lossflint.examples import Invalid

COMPARISON_INVALID = [
    # the same-class mask without the diagonal, under a name of its own: an
    # anchor alone in its class has no positive (SSMTR's supervised
    # contrastive loss, audit s194)
    Invalid(
        """
        import torch

        class SupCon(torch.nn.Module):
            def forward(self, projections, targets):
                dot = torch.mm(projections, projections.T) / 0.07
                exp_dot = torch.exp(dot - torch.max(dot, dim=1, keepdim=True)[0]) + 1e-5
                same = targets.unsqueeze(1).repeat(1, targets.shape[0]) == targets
                off_diagonal = 1 - torch.eye(exp_dot.shape[0])
                mask_combined = same * off_diagonal
                count = torch.sum(mask_combined, dim=1)
                log_prob = -torch.log(exp_dot / torch.sum(exp_dot * off_diagonal, dim=1, keepdim=True))
                per_sample = torch.sum(log_prob * mask_combined, dim=1) / count  # error: LF206
                return torch.mean(per_sample)
        """
    ),
    Invalid(
        """
        import torch

        class Head(torch.nn.Module):
            def forward(self, x, labels):
                loss = torch.nn.functional.cross_entropy(x, labels, reduction="none")
                mask = torch.ne(labels, -100).float()
                return (loss * mask).sum() / mask.sum()  # error: LF206 at `(loss * mask)`
        """
    ),
]

_RETRIEVAL = """
import torch
import torch.nn.functional as F


class Retrieval(torch.nn.Module):
    def __init__(self, dim=16, queue_size=64):
        super().__init__()
        self.proj = torch.nn.Linear(dim, dim)
        self.register_buffer("idx_queue", torch.full((1, queue_size), -100))

    def forward(self, x, idx):
        feat = F.normalize(self.proj(x), dim=-1)
        idx = idx.view(-1, 1)
        idx_all = torch.cat([{columns}], dim=1)
        pos_idx = torch.eq(idx, idx_all).float()
        sim_targets = pos_idx / pos_idx.sum(1, keepdim=True){marker}
        return -torch.sum(F.log_softmax(feat @ feat.t(), dim=1) * sim_targets, dim=1).mean()
"""

COMPARISON_INVALID.append(
    Invalid(
        _RETRIEVAL.format(
            columns="self.idx_queue.clone().detach(), self.idx_queue.clone().detach()",
            marker="  # error: LF206 at `pos_idx /`",
        )
    )
)

#: trlx's PPO value loss (audit s140): the clipped fraction counts a
#: comparison over the mask it is handed, no gradient in either
_CLIPFRAC = """
import torch


class PPOMethod:
    cliprange_value = 0.2

    def loss(self, values, old_values, returns, mask):
        values_clipped = torch.clamp(
            values, old_values - self.cliprange_value, old_values + self.cliprange_value
        )
        n = mask.sum().clamp_min(1)
        vf_loss1 = (values - returns) ** 2
        vf_loss2 = (values_clipped - returns) ** 2
        vf_loss = 0.5 * torch.sum(torch.max(vf_loss1, vf_loss2) * mask) / n
        vf_clipfrac = torch.sum({counted}.float() * mask) / mask.sum(){marker}
        return vf_loss, dict(value_loss=vf_loss.item(), clipfrac=vf_clipfrac)
"""

COMPARISON_INVALID.append(
    Invalid(_CLIPFRAC.format(counted="vf_loss2", marker="  # error: LF206 at `torch.sum(`"))
)

COMPARISON_VALID = [
    # a "mask" of ones: its count is its size (SpectralGPT's spatial loss, R194)
    """
    import torch

    class MAE(torch.nn.Module):
        def forward_loss(self, pred, target):
            loss3 = ((pred - target) ** 2).mean(dim=-1)
            mask3 = torch.ones([pred.shape[0], pred.shape[1]], device=loss3.device)
            return (loss3 * mask3).sum() / mask3.sum()
    """,
    _RETRIEVAL.format(columns="idx.t(), self.idx_queue.clone().detach()", marker=""),
    _CLIPFRAC.format(counted="(vf_loss2 > vf_loss1)", marker=""),
]

#: understandingbdl's ``seg_ale_cross_entropy`` (audit s158): the mask comes
#: back from ``masked_loss(..., reduce=False)`` as the second item of a tuple
_UNPACKED = """
import torch
import torch.nn.functional as F


def masked_loss(y_pred, y_true, void_class=11.0, reduce=True):
    mask = {mask}
    loss = mask.float() * F.cross_entropy(y_pred, y_true * mask, reduction="none")
    if reduce:
        return loss.sum() / mask.sum().clamp_min(1)
    return loss, mask


def seg_ale_cross_entropy(model, input, target, num_samples=50):
    output = model(input)
    total_loss = 0
    for _ in range(num_samples):
        current_loss, mask = masked_loss(output, target, reduce=False)
        total_loss = total_loss + current_loss
    return (total_loss / num_samples).sum() / mask.sum(){marker}
"""

COMPARISON_INVALID.append(
    Invalid(
        _UNPACKED.format(
            mask="torch.ne(y_true, torch.ones_like(y_true) * void_class).long()",
            marker="  # error: LF206 at `(total_loss / num_samples).sum() / mask.sum()`",
        )
    )
)
COMPARISON_VALID.append(
    # a weight map of unknown values, not a comparison: never all zero here
    _UNPACKED.format(mask="torch.ones_like(y_true)", marker="")
)

# the entries a mask selects, divided by its count: with a count of 0 there
# are none (HashNet's re-weighting in DeepHash-pytorch, audit s184); a class
# weight on one of two complementary counts keeps their sum the pair count
_REWEIGHTED = """
import torch


def hashnet_loss(loss, S, class_num=1.0):
    mask_positive = S > 0
    mask_negative = S <= 0
    S1 = torch.sum(mask_positive.float())
    S0 = torch.sum(mask_negative.float())
    loss[mask_positive] = loss[mask_positive] * (S0 + S1) / S1
    {divided}{marker}
"""

COMPARISON_VALID += [
    _REWEIGHTED.format(divided="return loss.sum() / (S1 * class_num + S0)", marker=""),
]
COMPARISON_INVALID.append(
    # the whole loss divided by one mask's count: 0/0 when no pair is positive
    Invalid(_REWEIGHTED.format(divided="return loss.sum() / S1", marker="  # error: LF206"))
)

# a 0/1 mask built in NumPy (zeros, then ones where a test holds) or cast
# from a comparison with ``astype``: all 0 for a frame with no boundary
# (MODNet's SOC adaptation, audit s186)
_BOUNDARY = """
import numpy as np
import torch
import torch.nn.functional as F


def soc_iter(modnet, optimizer, image, backup):
    optimizer.zero_grad()
    pred = modnet(image)
    {mask}
    boundaries = torch.tensor(np_boundaries).float()
    loss = boundaries * F.l1_loss(pred, backup, reduction="none")
    loss = torch.sum(loss, dim=(1, 2, 3)) / {count}{marker}
    loss.mean().backward()
    optimizer.step()
"""

_ZEROS_THEN_ONES = """np_boundaries = np.zeros(pred.shape)
    np_boundaries[pred.detach().cpu().numpy() > 0.5] = 1"""
_CAST = "np_boundaries = (pred.detach().cpu().numpy() > 0.5).astype(np.float32)"
_COUNT = "torch.sum(boundaries, dim=(1, 2, 3))"

COMPARISON_INVALID += [
    Invalid(_BOUNDARY.format(mask=_ZEROS_THEN_ONES, count=_COUNT, marker="  # error: LF206")),
    Invalid(_BOUNDARY.format(mask=_CAST, count=_COUNT, marker="  # error: LF206")),
]
COMPARISON_VALID += [
    _BOUNDARY.format(mask=_ZEROS_THEN_ONES, count=f"({_COUNT} + 1e-6)", marker=""),
    # written with other values too: not a 0/1 mask
    _BOUNDARY.format(
        mask=_ZEROS_THEN_ONES + "\n    np_boundaries[0] = 0.5", count=_COUNT, marker=""
    ),
]

# a total of per-row counts of labelled tokens (DialoGPT's LM loss, audit
# s198): 0 for a batch that is all padding, like the count taken at once
_TOKEN_MEAN = """
import torch
from torch.nn import CrossEntropyLoss


def lm_loss(lm_logits, lm_labels):
    loss_fct = CrossEntropyLoss(ignore_index=-1, reduction="none")
    loss1 = loss_fct(lm_logits.view(-1, lm_logits.size(-1)), lm_labels.view(-1))
    loss1 = loss1.view(lm_labels.size(0), lm_labels.size(1))
    label_size = torch.sum(lm_labels != -1, dim=1).type(loss1.type())
    return torch.sum(loss1) / {total}
"""

COMPARISON_INVALID.append(
    Invalid(_TOKEN_MEAN.format(total="torch.sum(label_size)  # error: LF206"))
)
COMPARISON_VALID += [
    _TOKEN_MEAN.format(total="torch.sum(label_size).clamp(min=1)"),
    # a total of per-row lengths that are not counts: unknown
    _TOKEN_MEAN.format(total="torch.sum(lengths)"),
]

# a count scaled by a positive constant or cast to a Python number is 0 when
# the count is (CRAFT's OHEM loss, DB's BalanceL1Loss, audit s208)
_SCALED_COUNT = """
import torch


def balance_loss(pred, gt, mask):
    loss = torch.abs(pred - gt)
    positive = loss * mask
    positive_count = {count}
    return positive.sum() / {denominator}
"""

COMPARISON_INVALID += [
    Invalid(
        _SCALED_COUNT.format(count="int(mask.sum())", denominator="positive_count  # error: LF206")
    ),
    Invalid(
        _SCALED_COUNT.format(
            count="torch.sum((gt > 0.1).float())",
            denominator="(positive_count * 3)  # error: LF206",
        )
    ),
]
COMPARISON_VALID += [
    _SCALED_COUNT.format(count="max(int(mask.sum()), 1)", denominator="positive_count"),
    _SCALED_COUNT.format(
        count="torch.sum((gt > 0.1).float())", denominator="(positive_count * 3 + 1e-6)"
    ),
]

# an assert on the shapes checks no value (T-GCN's contrastive loss, audit s211)
_STANDARDISED = """
import torch


def id_loss_fn(x, y, lambd):
    {check}
    x = (x - x.mean(0)) / x.std(0){marker}
    c = torch.mm(x.T, y) / x.shape[0]
    return -torch.diagonal(c).sum() + lambd * c.pow(2).sum()


def train(student, loader, opt):
    for x, y in loader:
        loss = id_loss_fn(student(x), y, 5e-3)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

COMPARISON_INVALID += [
    Invalid(_STANDARDISED.format(check="assert x.shape == y.shape", marker="  # error: LF206")),
    Invalid(_STANDARDISED.format(check="assert x.ndim == 2", marker="  # error: LF206")),
]
COMPARISON_VALID.append(_STANDARDISED.format(check="assert (x.std(0) > 0).all()", marker=""))

# the mask applied under the loss's own name first (multimodal-sentiment-analysis,
# audit s216): the same masked mean as ``(loss * mask).sum() / mask.sum()``
_MASKED_REBOUND = """
import torch.nn.functional as F


def masked_loss(logits, labels, mask):
    loss = F.cross_entropy(logits, labels, reduction="none")
    loss = loss * mask
    return loss.sum() / {count}{marker}


def train_step(model, opt, x, y, mask):
    loss = masked_loss(model(x), y, mask)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""
COMPARISON_INVALID.append(
    Invalid(_MASKED_REBOUND.format(count="mask.sum()", marker="  # error: LF206"))
)
COMPARISON_VALID.append(_MASKED_REBOUND.format(count="mask.sum().clamp_min(1.0)", marker=""))

# a Cox risk set built as ones with the strictly later pairs zeroed: the
# diagonal stays, each column counts itself (DeepSurv.pytorch, audit s202);
# zeroing ``>= 0`` clears the diagonal too, and a column can be empty
_RISK_SET = """
import torch
import torch.nn as nn


class NegativeLogLikelihood(nn.Module):
    def forward(self, risk_pred, y, e):
        mask = torch.ones(y.shape[0], y.shape[0])
        mask[(y.T - y) {op} 0] = 0
        log_loss = torch.exp(risk_pred) * mask
        log_loss = torch.sum(log_loss, dim=0) / torch.sum(mask, dim=0){marker}
        return -torch.mean((risk_pred - torch.log(log_loss)) * e)
"""
COMPARISON_VALID.append(_RISK_SET.format(op=">", marker=""))
COMPARISON_INVALID.append(Invalid(_RISK_SET.format(op=">=", marker="  # error: LF206")))
