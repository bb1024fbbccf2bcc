"""LF206 examples of standardisations: an episode's discounted returns, a
Python list filled step by step and made a tensor, divided by their own
``std()`` (nikhilbarhate99/Actor-Critic-PyTorch, audit s125): no gradient
flows through them, yet one step or equal returns make the policy loss NaN.
A dataset's columns (d2l's NumPy preprocessing, a torch tensor loaded whole)
and a spread along an axis stay silent: unknown whether a column is constant.
A division written as a call (pycox's Cox partial likelihood,
``loss.mul(events).sum().div(events.sum())``, audit s129: a batch without
events is NaN, pycox issue #124) is a division; guarded, it is silent. PPO's
advantages from a helper, moved with ``.to(device)`` and standardised by their
own ``torch.std`` (Deep RL Hands-On, audit R39), stay reported."""

from __future__ import annotations

from lossflint.examples import Invalid

_RETURNS = """
import torch
import torch.nn.functional as F


def calculate_loss(rewards_seen, logprobs, values, gamma=0.99):
    returns = []
    running = 0
    for reward in rewards_seen[::-1]:
        running = reward + gamma * running
        returns.insert(0, running)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / {std}{marker}
    loss = 0
    for logprob, value, ret in zip(logprobs, values, returns):
        loss += -logprob * (ret - value.item()) + F.smooth_l1_loss(value, ret)
    return loss
"""

ROLLOUT_INVALID = [
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def calc_adv_ref(values, dones, rewards, gamma):
            result_adv, result_ref = [], []
            last_gae = 0.0
            for val, next_val, done, reward in zip(values[:-1], values[1:], dones[:-1], rewards[:-1]):
                delta = reward + (0.0 if done else gamma * next_val) - val
                last_gae = delta + gamma * last_gae
                result_adv.append(last_gae)
                result_ref.append(last_gae + val)
            return torch.FloatTensor(result_adv[::-1]), torch.FloatTensor(result_ref[::-1])

        def batch_generator(net, trj_states, trj_dones, trj_rewards, gamma, device):
            policy_t, trj_values_t = net(torch.FloatTensor(trj_states).to(device))
            adv_t, ref_t = calc_adv_ref(trj_values_t.data.cpu().numpy(), trj_dones, trj_rewards, gamma)
            adv_t = adv_t.to(device)
            logpolicy_t = F.log_softmax(policy_t, dim=1)
            adv_t = (adv_t - torch.mean(adv_t)) / torch.std(adv_t)  # error: LF206 at `(adv_t - torch.mean(adv_t)) / torch.std(adv_t)`
            return logpolicy_t, adv_t, ref_t
        """
    ),
    Invalid(_RETURNS.format(std="returns.std()", marker="  # error: LF206 at `(returns -`")),
    Invalid(
        _RETURNS.format(std="(returns.std())", marker="  # error: LF206 at `(returns -`"),
        fixed=_RETURNS.format(
            std="(returns.std()).clamp_min(1e-12)", marker="  # error: LF206 at `(returns -`"
        ),
    ),
    Invalid(
        """
        import torch

        def advantages(buffer, critic):
            adv = []
            for state, ret in buffer:
                adv.append(ret - critic(state).detach())
            adv = torch.stack(adv)
            return (adv - adv.mean()) / torch.std(adv)  # error: LF206 at `(adv -`
        """
    ),
]

_COX = """
import torch


def cox_ph_loss_sorted(log_h, events, eps=1e-7):
    events = events.view(-1)
    log_h = log_h.view(-1)
    gamma = log_h.max()
    log_cumsum_h = log_h.sub(gamma).exp().cumsum(0).add(eps).log().add(gamma)
    return -log_h.sub(log_cumsum_h).mul(events).sum().div({count}){marker}


class CoxPHLoss(torch.nn.Module):
    def forward(self, log_h, durations, events):
        idx = durations.sort(descending=True)[1]
        return cox_ph_loss_sorted(log_h[idx], events[idx])


net = torch.nn.Sequential(torch.nn.Linear(9, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
crit = CoxPHLoss()
for x, t, e in loader:
    opt.zero_grad()
    loss = crit(net(x), t, e)
    loss.backward()
    opt.step()
"""

ROLLOUT_INVALID.append(
    Invalid(
        _COX.format(count="events.sum()", marker="  # error: LF206 at `log_h.sub(log_cumsum_h)`"),
        fixed=_COX.format(
            count="events.sum().clamp_min(1e-12)",
            marker="  # error: LF206 at `log_h.sub(log_cumsum_h)`",
        ),
    )
)

ROLLOUT_VALID = [
    # divisions written as calls that cannot be 0/0 in training: a renorm in
    # place under no_grad, a constant, a clamped norm
    """
    import torch

    class WeightNorm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(10, 10))

        def renorm(self):
            with torch.no_grad():
                self.w.div_(self.w.norm(dim=1, keepdim=True))

    def to_unit(t):
        return torch.div(t, 255.0)

    def row_norm(emb):
        return emb.div(emb.norm(p=2, dim=1, keepdim=True).clamp_min(1e-12))
    """,
    _COX.format(count="events.sum().clamp_min(1)", marker=""),
    # guarded, as PyTorch's REINFORCE example writes it
    _RETURNS.format(std="(returns.std() + 1e-8)", marker=""),
    # NumPy preprocessing (d2l): no gradient
    """
    import numpy as np
    import tensorflow as tf
    data = np.genfromtxt("airfoil.dat", dtype=np.float32)
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    """,
    # a dataset loaded whole, and a list's spread along an axis
    """
    import numpy as np
    import torch

    X = torch.tensor(np.load("features.npy"))
    X = (X - X.mean()) / X.std()

    rows = []
    for line in open("data.csv"):
        rows.append([float(v) for v in line.split(",")])
    T = torch.tensor(rows)
    T = (T - T.mean(0)) / T.std(0)
    """,
]
