"""LF206 examples that stay silent: counts of hard predictions and other
values without a gradient, tests of the denominator before the division (an
``if``, a bound test, an early exit), ``torch.where``, files without a tensor
framework, user-defined and shadowed sums, a denominator clamped by
reassignment; kept apart so the rule module stays small."""

from __future__ import annotations

BASIC_VALID = [
    # a frame returned beside its column names (an f-string, ``str()``, a list
    # of f-strings) and standardised: pandas preprocessing (yhilpisch/aiif, audit s145)
    """
    import pandas as pd
    import tensorflow as tf

    def add_lags(data, lags):
        df = pd.DataFrame(data)
        cols = [f"lag_{i}" for i in range(1, lags + 1)]
        return df, cols

    def add_returns(data):
        return pd.DataFrame(data), str(len(data))

    df, cols = add_lags(pd.read_csv("prices.csv"), 5)
    df = (df - df.mean()) / df.std()
    returns, name = add_returns(pd.read_csv("prices.csv"))
    returns = (returns - returns.mean()) / returns.std()
    """,
    # counts of hard predictions: no gradient, a NaN metric is LF503's business
    """
    import torch

    def precision(pred, y):
        tp = ((pred == 1) & (y == 1)).sum()
        fp = ((pred == 1) & (y == 0)).sum()
        return tp / (tp + fp)
    """,
    # a test over boolean NumPy masks (ignite)
    """
    import torch
    def test_iou(y_true, y_pred):
        for index in range(3):
            inter = (y_true == index) & (y_pred == index)
            union = (y_true == index) | (y_pred == index)
            res = inter.sum() / union.sum()
    """,
    # the test is bound to a name first, and rebound later (DETR post-processing)
    """
    import torch
    def check(mask_labels, mask_probs, k, t=0.5):
        mask_k = mask_labels == k
        mask_k_area = mask_k.sum()
        original_area = (mask_probs[k] >= t).sum()
        mask_exists = mask_k_area > 0 and original_area > 0
        if mask_exists:
            area_ratio = mask_k_area / original_area
            if not area_ratio.item() > 0.8:
                mask_exists = False
        return mask_exists
    """,
    # the test is bound to a name first (DETR post-processing)
    """
    import torch
    def keep(mask_k, probs, k, threshold):
        mask_k_area = mask_k.sum()
        original_area = (probs[k] >= threshold).sum()
        mask_exists = mask_k_area > 0 and original_area > 0
        if mask_exists:
            return mask_k_area / original_area
        return None
    """,
    """
    import torch
    w = x / (x.sum(dim=1, keepdim=True) + 1e-8)
    """,
    # learned embeddings and weights are never all-zero in practice (CLIP, pmfs)
    """
    import torch
    text_embeds = text_embeds / text_embeds.norm(p=2, dim=-1, keepdim=True)
    """,
    """
    import torch
    pmf = weights / weights.sum(dim=-2, keepdim=True)
    """,
    # the mask comes from a same-file caller that computed it (MAE's random
    # mask, 75% ones): not handed in from outside
    """
    import torch

    class MAE(torch.nn.Module):
        def forward_loss(self, pred, target, mask):
            loss = ((pred - target) ** 2).mean(dim=-1)
            return (loss * mask).sum() / mask.sum()

        def forward(self, imgs):
            latent, mask = self.forward_encoder(imgs)
            pred = self.forward_decoder(latent)
            return self.forward_loss(pred, imgs, mask)
    """,
    # ... reshaped to the loss's shape first (HSIMAE, SpectralGPT, audit s194)
    """
    import torch

    class MAE(torch.nn.Module):
        def forward_loss(self, pred, target, mask):
            loss = ((pred - target) ** 2).mean(dim=-1)
            mask = mask.view(loss.shape)
            return (loss * mask).sum() / mask.sum()

        def forward(self, imgs):
            latent, mask = self.forward_encoder(imgs)
            pred = self.forward_decoder(latent)
            return self.forward_loss(pred, imgs, mask)
    """,
    # a mask handed in by the caller, in code no gradient is known to reach:
    # unknown whether it can be empty
    """
    import torch
    def masked_mean(loss, mask):
        return (loss * mask).sum() / mask.sum()
    """,
    """
    import torch
    rescaled = noise_cfg * (std_text / noise_cfg.std(dim=1, keepdim=True))
    """,
    """
    import torch
    d = 2 * i / (p.sum() + t.sum() + smooth)
    """,
    """
    import torch
    w = x / x.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    """,
    # len() raises on empty input instead of producing NaN; constants are fine
    """
    import torch
    m = total / len(loader)
    h = x / 2.0
    """,
    # probabilities sum to 1
    """
    import torch
    p = torch.softmax(z, 1)
    q = p / p.sum(1, keepdim=True)
    """,
    # tested before dividing
    """
    import torch
    n = mask.sum()
    if n > 0:
        m = (l * mask).sum() / n
    """,
    """
    import torch
    s = x.sum()
    r = torch.where(s > 0, x / s, x)
    """,
    # an early exit for the empty mask (tested directly or through the mask)
    """
    import torch

    def masked_mean(loss, mask):
        n = mask.sum()
        if not mask.any():
            return loss.sum() * 0
        return (loss * mask).sum() / n
    """,
    """
    import torch

    def masked_mean(loss, mask):
        n = mask.sum()
        if n == 0:
            return loss.sum() * 0
        return (loss * mask).sum() / n
    """,
    # no tensor framework in the file: plain Python objects
    """
    class Hist:
        pass
    norm = counts / counts.sum()
    """,
    # a user-defined sum, a shadowed torch
    """
    import torch
    def total(x):
        return 1
    r = x / total(x)
    """,
    """
    import torch
    def f(torch, x):
        return x / torch.sum(x)
    def g(x):
        return x / len(x)
    """,
    # denominator clamped through a reassignment
    """
    import torch
    n = mask.sum()
    n = n.clamp(min=1)
    m = (l * mask).sum() / n
    """,
]

# a data transform standardising a NumPy sample in a module whose torch import
# nothing uses (DL-based Intelligent Diagnosis Benchmark, audit s210)
BASIC_VALID.append(
    """
    import numpy as np
    import torch


    class Retype(object):
        def __call__(self, seq):
            return seq.astype(np.float32)


    class Normalize(object):
        def __init__(self, type="mean-std"):
            self.type = type

        def __call__(self, seq):
            if self.type == "mean-std":
                seq = (seq - seq.mean()) / seq.std()
            return seq
    """
)
