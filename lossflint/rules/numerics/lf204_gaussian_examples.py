"""LF204 examples of a Gaussian kernel's exponent written in steps: the
negated squared distance over ``2 * sigma**2`` is at most 0 however it is
spelled (lightning-pose's target heatmaps, audit s103: ``h *= -1`` then
``h /= 2 * sigma**2``), while an unsigned distance can overflow."""

from __future__ import annotations

from lossflint.examples import Invalid

GAUSSIAN_INVALID = [
    # the squared distance itself, never negated: exp grows with it
    Invalid(
        """
        import torch

        def heatmaps(kp, xx, yy):
            d2 = (yy - kp[..., :1]) ** 2 + (xx - kp[..., 1:]) ** 2
            h = torch.exp(d2)
            return h / torch.sum(h, dim=(2, 3), keepdim=True)  # error: LF204 at `h / torch.sum(h, dim=(2, 3), keepdim=True)`
        """
    ),
]

GAUSSIAN_VALID = [
    """
    import torch

    def heatmaps(kp, xx, yy, sigma=1.25):
        h = (yy - kp[..., :1]) ** 2
        h += (xx - kp[..., 1:]) ** 2
        h *= -1
        h /= 2 * sigma**2
        h = torch.exp(h)
        return h / torch.sum(h, dim=(2, 3), keepdim=True)

    def heatmaps_named(kp, xx, yy, sigma=1.25):
        d2 = (yy - kp[..., :1]) ** 2 + (xx - kp[..., 1:]) ** 2
        neg = -d2
        expo = neg / (2 * sigma**2)
        g = torch.exp(expo)
        return g / torch.sum(g, dim=(2, 3), keepdim=True)

    def heatmaps_scaled(kp, xx, yy, sigma=1.25):
        e = (yy - kp[..., :1]) ** 2 + (xx - kp[..., 1:]) ** 2
        e = e * -1
        e = e / (2 * sigma**2)
        e = torch.exp(e)
        return e / torch.sum(e, dim=(2, 3), keepdim=True)
    """,
]
