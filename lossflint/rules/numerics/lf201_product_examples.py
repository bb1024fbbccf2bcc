"""LF201 examples of a log of a reduced product of probabilities: GRU4Rec's
BPR-max loss (``-log(mean(softmax(s) * sigmoid(d)))``, audit s83), where every
term can underflow together; and the same with an eps, which stays silent.
Also the probabilities recovered by ``exp`` of log-probabilities, logged again."""

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

PRODUCT_INVALID = [
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
]

PRODUCT_VALID = [
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
