"""LF201 examples of a log of a reduced product of probabilities: GRU4Rec's
BPR-max loss (``-log(mean(softmax(s) * sigmoid(d)))``, audit s83), where every
term can underflow together; and the same with an eps, which stays silent.
Also the probabilities recovered by ``exp`` of log-probabilities, logged again,
and softmax output whose padding ``torch.where`` fills with 1 (ReChorus, audit s143)."""

from __future__ import annotations

from lossflint.examples import Invalid

_BPR_MAX = """
import torch
import torch.nn.functional as F


class BPRMax(torch.nn.Module):
    def forward(self, logit):
        softmax_scores = F.softmax(logit - torch.diag(logit).view(-1, 1), dim=1)
        diff = logit.diag().view(-1, 1).expand_as(logit) - logit
        return -torch.log({inner}){marker}
"""

_FOCAL = """
import torch
import torch.nn.functional as F


def focal_loss(inputs, targets, gamma=2):
    P = F.softmax(inputs, dim=1)
    class_mask = torch.zeros_like(inputs).scatter_(1, targets.view(-1, 1), 1.0)
    probs = (P * class_mask).sum(1).view(-1, 1){eps}
    log_p = probs.log(){marker}
    return (-(1 - probs) ** gamma * log_p).mean()
"""

#: ReChorus's impression loss (audit s143): padding filled with 1 by
#: ``torch.where``, the kept entries still softmax output
_PADDED = """
import torch


def softmax_ce_loss(prediction, mask, pos_length, k):
    pre_softmax = (prediction - prediction.max(dim=1, keepdim=True)[0]).softmax(dim=1)
    target_pre = pre_softmax[:, :k]
    target_pre = torch.where(mask[:, :k] == 1, target_pre, {filler})
    loss = -(target_pre{eps}).log().sum(axis=1).div(pos_length){marker}
    return loss.mean()
"""

_MDN_STEPS = """
import torch
import torch.nn.functional as F


def mdn_loss_fn(logits, gauss):
    pi = F.softmax(logits, dim=-1)
    result = gauss * pi
    result = torch.sum(result, dim=1)
    result = -torch.log(result{eps}){marker}
    return torch.mean(result)
"""

PRODUCT_INVALID = [
    # the mixture's likelihood written step by step under one name
    # (hardmaru/pytorch_notebooks' MDN, audit s201)
    Invalid(_MDN_STEPS.format(eps="", marker="  # error: LF201")),
    Invalid(
        _PADDED.format(filler="torch.ones_like(target_pre)", eps="", marker="  # error: LF201")
    ),
    Invalid(
        _BPR_MAX.format(
            inner="torch.mean(softmax_scores * torch.sigmoid(diff))",
            marker="  # error: LF201 at `torch.log(`",
        )
    ),
    # the product bound to a name first
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def weighted(logit, diff):
            p = F.softmax(logit, dim=1) * torch.sigmoid(diff)
            return -torch.log(p)  # error: LF201 at `torch.log(`
        """
    ),
    # the probabilities recovered from log-probabilities, logged again: exp
    # underflows to 0 for an unlikely action (ChenglongChen/pytorch-DRL's
    # entropy bonus, audit s99)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def entropy(p):
            return -torch.sum(p * torch.log(p), 1)  # error: LF201 at `torch.log(`

        def actor_loss(logits, taken, advantages):
            log_probs = F.log_softmax(logits, dim=1)
            bonus = torch.mean(entropy(torch.exp(log_probs)))
            probs = log_probs.exp()
            kl = torch.sum(probs * probs.log(), 1)  # error: LF201 at `probs.log()`
            return -torch.mean(torch.sum(log_probs * taken, 1) * advantages) - 0.01 * bonus + kl
        """
    ),
    # the target class's probability picked by a one-hot mask, reshaped
    # (P2PNet's focal loss, audit s182)
    Invalid(_FOCAL.format(eps="", marker="  # error: LF201 at `probs.log()`")),
]

PRODUCT_VALID = [
    _MDN_STEPS.format(eps=" + 1e-8", marker=""),
    _FOCAL.format(eps=" + 1e-8", marker=""),
    _PADDED.format(filler="torch.ones_like(target_pre)", eps=" + 1e-10", marker=""),
    # the entropy from the log-probabilities themselves: nothing is logged again
    """
    import torch
    import torch.nn.functional as F

    def entropy(logits):
        log_probs = F.log_softmax(logits, dim=1)
        return -(log_probs.exp() * log_probs).sum(1).mean()
    """,
    _BPR_MAX.format(inner="torch.mean(softmax_scores * torch.sigmoid(diff)) + 1e-24", marker=""),
    # a mean of a softmax alone is 1 / C: no underflow
    """
    import torch
    import torch.nn.functional as F

    def mean_prob(logit):
        return -torch.log(torch.mean(F.softmax(logit, dim=1)))
    """,
    # the Keras backend's softmax with an epsilon under the log
    """
    import keras.backend as K
    lp = K.log(K.softmax(scores) + K.epsilon())
    """,
]

# ``-q + 1`` is ``1 - q`` (TBH's Bernoulli KL term, audit s184)
PRODUCT_INVALID.append(
    Invalid(
        """
        import torch

        def kl(x):
            q = torch.sigmoid(x)
            return (q * torch.log(q) + (-q + 1) * torch.log(-q + 1)).sum()  # error: LF201 at `torch.log(q)`  # error: LF201 at `torch.log(-q`
        """
    )
)
PRODUCT_VALID.append(
    """
    import torch

    def kl(x):
        q = torch.sigmoid(x)
        return (q * torch.log(q + 1e-8) + (-q + 1) * torch.log(-q + 1 + 1e-8)).sum()
    """
)
