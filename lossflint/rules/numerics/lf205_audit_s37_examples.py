"""LF205 examples from audit s37 (ArcFace's ``sqrt((1 - cos ** 2).clamp(0, 1))``;
pytorch-ssd's filter ranking on a name rebound to its own ``.data``); kept
apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_S37_INVALID = [
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
    Invalid(
        """
        import torch

        def distance(a, b):
            return torch.sqrt(((a - b) ** 2).sum(1).clamp(min=0))  # error: LF205 at `torch.sqrt(`
        """
    ),
]

AUDIT_S37_VALID = [
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
]
