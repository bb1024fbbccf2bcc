"""LF202 examples: ratios and mixtures of probabilities. A pointer-generator's
final distribution, ``vocab_dist.scatter_add(2, ids, attn_dist)``, adds the
copy probabilities onto the source's words only: every other word keeps
``p_gen * softmax``, which underflows to 0 (HLTCHKUST/MoEL, audit s198)."""

from __future__ import annotations

from lossflint.examples import Invalid

_POINTER = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Generator(nn.Module):
    def __init__(self, d_model, vocab):
        super().__init__()
        self.proj = nn.Linear(d_model, vocab)
        self.p_gen_linear = nn.Linear(d_model, 1)

    def forward(self, x, attn_dist, enc_batch_extend_vocab):
        alpha = torch.sigmoid(self.p_gen_linear(x))
        vocab_dist_ = alpha * F.softmax(self.proj(x), dim=2)
        attn_dist_ = (1 - alpha) * F.softmax(attn_dist, dim=-1)
        ids = torch.cat([enc_batch_extend_vocab.unsqueeze(1)] * x.size(1), 1)
        final_dist = vocab_dist_.scatter_add(2, ids, attn_dist_){guard}
        return torch.log(final_dist){marker}


def train_step(gen, opt, x, attn, src, dec):
    logit = gen(x, attn, src)
    loss = F.nll_loss(logit.view(-1, logit.size(-1)), dec.view(-1))
    loss.backward()
    opt.step()
"""

MIXTURE_INVALID = [
    Invalid(_POINTER.format(guard="", marker="  # error: LF202 at `torch.log(`")),
    Invalid(
        """
        import torch
        p = torch.softmax(s, 1)
        kl = (p * torch.log(p[:, :1] / q)).sum()  # error: LF202 at `torch.log(`
        """
    ),
    Invalid(
        """
        import torch

        def supcon_loss(sim, pos_mask):
            e = torch.exp(sim)
            ratio = (e * pos_mask).sum(1) / e.sum(1)
            return -torch.log(ratio).mean()  # error: LF202 at `torch.log(`

        def gap_loss(a, b, s):
            return torch.log((a - b) / s).mean()  # error: LF202 at `torch.log(`
        """
    ),
]

MIXTURE_VALID = [
    _POINTER.format(guard=" + 1e-12", marker=""),
    _POINTER.format(guard=".clamp(min=1e-12)", marker=""),
    # metric code (ignite's GeometricMeanAbsoluteError): detached inputs
    """
    import torch
    class GeometricMeanAbsoluteError:
        def update(self, output):
            y_pred, y = output[0].detach(), output[1].detach()
            errors = torch.log(torch.abs(y.view_as(y_pred) - y_pred))
            self._sum_of_errors += torch.sum(errors)
        def compute(self):
            return torch.exp(self._sum_of_errors / self._num_examples).item()
    """,
]
