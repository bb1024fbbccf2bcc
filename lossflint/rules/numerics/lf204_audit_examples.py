"""LF204 examples from the held-out set s16: a subtraction in the exponent that
is a correction of raw scores, not the max trick (reported), next to twins
that do shift by the maximum or by a constant bound (silent); kept apart so
the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.numerics.lf204_margin_examples import MARGIN_INVALID, MARGIN_VALID

AUDIT_INVALID = [
    # normalised, but over a temperature below 1/88
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def policy(q):
            q = F.normalize(q)
            return torch.exp(q / 0.001) / torch.sum(torch.exp(q / 0.001))  # error: LF204
        """
    ),
    # the division written as a call (yongzhuo/Keras-TextClassification's
    # LEAM attention, audit R66)
    Invalid(
        """
        import tensorflow as tf

        def attention(pool):
            exp_logits = tf.exp(tf.reduce_max(pool, axis=-1, keepdims=True))
            exp_logits_sum = tf.reduce_sum(exp_logits, axis=1, keepdims=True)
            return tf.math.divide(exp_logits, exp_logits_sum)  # error: LF204 at `tf.math.divide(exp_logits, exp_logits_sum)`
        """
    ),
    # the exponentials kept under the same name (pytorch-metric-learning's
    # ManifoldLoss, audit R65)
    Invalid(
        """
        import torch

        def manifold_term(F, meta_classes, margin=0.1):
            loss_int = F - F[torch.arange(F.shape[0]), meta_classes].view(-1, 1) + margin
            loss_int = torch.exp(loss_int)
            loss_int = torch.log(1 + torch.sum(loss_int, dim=1))  # error: LF204 at `torch.log(1 + torch.sum(loss_int, dim=1))`
            return loss_int.mean()
        """
    ),
    # an additive-margin softmax by hand whose weights are never normalised
    # (the loop only rebinds W): s * wf is unbounded (cvqluu's
    # Angular-Penalty-Softmax-Losses, audit R47)
    Invalid(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class AMSoftmax(nn.Module):
            def __init__(self, d, n, s=30.0, m=0.4):
                super().__init__()
                self.s, self.m = s, m
                self.fc = nn.Linear(d, n, bias=False)

            def forward(self, x, labels, others):
                for W in self.fc.parameters():
                    W = F.normalize(W, dim=1)
                wf = self.fc(F.normalize(x, dim=1))
                numerator = self.s * (wf.gather(1, labels[:, None]).squeeze(1) - self.m)
                excl = wf.gather(1, others)
                denominator = torch.exp(numerator) + torch.sum(torch.exp(self.s * excl), dim=1)
                return -torch.mean(numerator - torch.log(denominator))  # error: LF204 at `torch.log(`
        """
    ),
    # the textbook log(sum(exp(x))) is reported whatever bounds x: here cosine
    # similarities over a temperature (SimCSE; the held-out s12/s17 projects)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def simcse_loss(z1, z2, temperature=0.05):
            z1 = F.normalize(z1, dim=-1)
            z2 = F.normalize(z2, dim=-1)
            sim = z1 @ z2.t() / temperature
            return (torch.log(torch.exp(sim).sum(dim=1)) - sim.diag()).mean()  # error: LF204
        """
    ),
    # a skip-gram's naive softmax: one score against all of the vocabulary's,
    # the row sum unsqueezed to broadcast (DSKSD/DeepNLP-models-Pytorch, audit R39)
    Invalid(
        """
        import torch

        def nll(u_target, u_all, c):
            scores = u_target.bmm(c).squeeze(2)
            norm_scores = u_all.bmm(c).squeeze(2)
            return -torch.mean(torch.log(torch.exp(scores) / torch.sum(torch.exp(norm_scores), 1).unsqueeze(1)))  # error: LF204 at `torch.log(`

        def probs(scores):
            return torch.exp(scores) / torch.exp(scores).sum(1)[:, None]  # error: LF204 at `torch.exp(scores) /`
        """
    ),
    # the sampling-bias correction (Yi et al. 2019) of in-batch softmax scores:
    # log q <= 0 only raises unnormalised dot products divided by a temperature
    Invalid(
        """
        import torch

        def logq_corrected_softmax(u, v, item_logq, temperature=0.05):
            scores = u @ v.t() / temperature - item_logq.unsqueeze(0)
            pos = scores.diagonal()
            log_z = torch.log(torch.sum(torch.exp(scores), dim=1))  # error: LF204 at `torch.log(`
            return (log_z - pos).mean()
        """,
        fixed="""
        import torch

        def logq_corrected_softmax(u, v, item_logq, temperature=0.05):
            scores = u @ v.t() / temperature - item_logq.unsqueeze(0)
            pos = scores.diagonal()
            log_z = torch.logsumexp(scores, dim=1)  # error: LF204 at `torch.log(`
            return (log_z - pos).mean()
        """,
    ),
    Invalid(
        """
        import torch

        def corrected(q, k, log_prior):
            s = torch.matmul(q, k.t()) * 20.0 - log_prior[None, :]
            return torch.log(torch.exp(s).sum(-1))  # error: LF204 at `torch.log(`
        """
    ),
    # masked in place, but never shifted by the row maximum
    Invalid(
        """
        import tensorflow as tf

        def attention_probs(scores, mask):
            scores -= (1.0 - mask) * 1000.0
            scores_exp = tf.exp(scores)
            return scores_exp / tf.reduce_sum(scores_exp, axis=1, keepdims=True)  # error: LF204 at `scores_exp / tf.reduce_sum(scores_exp, axis=1, keepdims=True)`
        """
    ),
    # the N-pair loss on unnormalised embeddings: log(1 + sum(exp(.)))
    # (R21 Deep-Metric-Learning-Baselines)
    Invalid(
        """
        import torch

        def npair(anchor, positive, negatives):
            return torch.log(1 + torch.sum(torch.exp(anchor.mm((negatives - positive).t()))))  # error: LF204 at `torch.log(`
        """
    ),
    # the logistic loss written by hand on a model's scores: exp(-y * f)
    # overflows once a score is confidently wrong (audit R23)
    Invalid(
        """
        import torch
        import torch.nn as nn

        model = nn.Linear(10, 1)

        def logistic_loss(x, y):
            out = model(x).squeeze(-1)
            return torch.log(1 + torch.exp(-y * out)).mean()  # error: LF204 at `torch.log(`
        """,
        fixed="""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Linear(10, 1)

        def logistic_loss(x, y):
            out = model(x).squeeze(-1)
            return F.softplus(-y * out).mean()  # error: LF204 at `torch.log(`
        """,
    ),
    # GE2E's loss: an eps inside the log keeps it off 0, not the sum of
    # exponentials off inf; in place too (PyTorch_Speaker_Verification, audit R60)
    Invalid(
        """
        import torch

        def calc_loss(sim_matrix, same_idx):
            pos = sim_matrix[same_idx, :, same_idx]
            neg = (torch.exp(sim_matrix).sum(dim=2) + 1e-6).log_()  # error: LF204
            return -(pos - neg).sum()
        """
    ),
    Invalid(
        """
        import torch

        def nce(scores):
            return -torch.log(torch.exp(scores).sum(dim=1) + 1e-8)  # error: LF204 at `torch.log(torch.exp(scores).sum(dim=1) + 1e-8)`
        """
    ),
    *MARGIN_INVALID,
]

AUDIT_VALID = [
    # the Q-values are L2-normalised (or squashed by tanh) first: |q| <= 1
    # (Deep Reinforcement Learning in Action's curiosity notebook, R68)
    """
    import torch
    import torch.nn.functional as F

    def policy(q, tau=1.4):
        q = F.normalize(q)
        return torch.exp(q / tau) / torch.sum(torch.exp(q / tau))

    def squashed(q):
        q = torch.tanh(q)
        return torch.exp(q) / torch.sum(torch.exp(q))
    """,
    # the exponentials of a distribution's log-probabilities are at most 1
    # (Packt's TF/Keras book, a Bayesian network's marginals)
    """
    import tensorflow as tf

    p = tf.exp(d.marginalized_log_prob(observations))
    p = p / tf.reduce_sum(p)
    """,
    # a uniformity loss: exp of a squared distance negated by a method call
    # (lightly's HypersphereLoss, audit R51)
    """
    import torch
    import torch.nn.functional as F

    def uniformity(x, t=2.0):
        x = F.normalize(x, dim=1)
        sq_pdist = torch.pdist(x, p=2).pow(2)
        a = sq_pdist.mul(-t).exp().mean().log()
        b = torch.mul(sq_pdist, -t).exp().mean().log()
        return a + b
    """,
    # the same margin form over real cosines: s * cos is at most s
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class AMSoftmax(nn.Module):
        def __init__(self, d, n, s=30.0, m=0.4):
            super().__init__()
            self.s, self.m = s, m
            self.W = nn.Parameter(torch.randn(n, d))

        def forward(self, x, labels, others):
            cos = F.linear(F.normalize(x, dim=1), F.normalize(self.W, dim=1))
            numerator = self.s * (cos.gather(1, labels[:, None]).squeeze(1) - self.m)
            excl = cos.gather(1, others)
            denominator = torch.exp(numerator) + torch.sum(torch.exp(self.s * excl), dim=1)
            return -torch.mean(numerator - torch.log(denominator))
    """,
    # SimCLR's loss written with cosine similarities over a temperature: in
    # [-1/tau, 1/tau], no overflow (mantasu/cs231n, audit R39)
    """
    import torch
    import torch.nn.functional as F

    def sim(z_i, z_j):
        norm_dot_product = None
        norm_dot_product = (z_i / torch.linalg.norm(z_i)) @ (z_j / torch.linalg.norm(z_j))
        return norm_dot_product

    def pair_loss(z_k, z_k_N, sims_k, tau):
        return -((sim(z_k, z_k_N) / tau).exp() / (sims_k / tau).exp().sum()).log()

    def nt_xent(a, b, t):
        s = F.cosine_similarity(a[:, None], b[None], dim=-1) / 0.5
        return torch.exp(s) / torch.exp(s).sum(1, keepdim=True)
    """,
    # an ensemble of models returning log-probabilities, built and run by
    # comprehensions (y0ast/deterministic-uncertainty-quantification, audit R41)
    """
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return F.log_softmax(self.fc(x), dim=1)

    models = [Model() for _ in range(5)]
    with torch.no_grad():
        predictions = torch.stack([model(x) for model in models])
        mean_prediction = torch.mean(predictions.exp(), dim=0)
        confidence = torch.sum(mean_prediction * torch.log(mean_prediction), dim=1)
    """,
    # the scores shifted by their maximum first; a ratio of bounded exps
    """
    import torch

    def nll(scores, norm_scores):
        m = norm_scores.max(1, keepdim=True).values
        return -torch.log(torch.exp(scores - m) / torch.exp(norm_scores - m).sum(1).unsqueeze(1))

    def kernel(d, D):
        return torch.log(torch.exp(-d) / torch.exp(-D).sum(1).unsqueeze(1))
    """,
    # the max of the same scores subtracted, through a name
    """
    import torch

    def lse(u, v, temperature=0.05):
        scores = u @ v.t() / temperature
        m = scores.max(dim=1, keepdim=True).values
        shifted = scores - m
        return torch.log(torch.exp(shifted).sum(dim=1)) + m.squeeze(1)
    """,
    # a constant bound of cosine scores (at most 1 / T)
    """
    import torch
    import torch.nn.functional as F

    def bounded(u, v, temperature=0.1):
        u, v = F.normalize(u, dim=-1), F.normalize(v, dim=-1)
        s = u @ v.t() / temperature - 1.0 / temperature
        return torch.log(torch.exp(s).sum(dim=1))
    """,
    # a shift of unknown origin on scores of unknown range (a parameter)
    """
    import torch

    def lse_given_max(scores, m):
        return torch.log(torch.exp(scores - m.unsqueeze(1)).sum(dim=1)) + m
    """,
    # the row maximum of a matrix product subtracted inline
    """
    import torch

    def partition(q, k):
        s = q @ k.transpose(-2, -1)
        return torch.log(torch.exp(s - torch.amax(s, dim=-1, keepdim=True)).sum(-1))
    """,
    # the max trick written in place, then masked (R21 nlp_course attention)
    """
    import tensorflow as tf

    def attention_probs(scores, mask):
        scores -= tf.reduce_max(scores, axis=1, keepdims=True)
        scores -= (1.0 - mask) * 1000.0
        scores_exp = tf.exp(scores)
        return scores_exp / tf.reduce_sum(scores_exp, axis=1, keepdims=True)
    """,
    # ... and in torch
    """
    import torch

    def lse(x):
        m = x.max(dim=-1, keepdim=True).values
        x -= m
        return torch.log(torch.exp(x).sum(dim=-1)) + m.squeeze(-1)
    """,
    # ... with distances made negative first: exp(-d) is at most 1
    """
    import torch

    def soft_margin(d_neg):
        return torch.log(1 + torch.sum(torch.exp(-d_neg)))
    """,
    # a negated square or distance of the model's output is at most 0
    """
    import torch
    import torch.nn as nn

    model = nn.Linear(10, 4)

    def margin(x):
        d = (model(x) ** 2).sum(-1)
        return torch.log(1 + torch.exp(-d)).mean()
    """,
    *MARGIN_VALID,
]
