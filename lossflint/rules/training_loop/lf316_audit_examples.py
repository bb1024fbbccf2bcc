"""LF316 examples from the held-out projects of 2026-12-02: functional
dropout in a helper or another method that ``forward`` runs; kept apart so the
rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_NET = """
import torch.nn as nn
import torch.nn.functional as F


def feature_dropout(x, p):
    return F.dropout(x, p){helper}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def drop(self, x):
        return {method}

    def forward(self, x):
        return self.fc({body})
"""

_ATTENTION = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class SelfAttention(nn.Module):
    def __init__(self, dropout_p=0.1):
        super().__init__()
        self.dropout_p = dropout_p

    def forward(self, q, k, v):
        attention = torch.softmax(torch.einsum("bthd,bshd->bhts", q, k), dim=-1)
        {line}
        return torch.einsum("bhts,bshd->bthd", attention, v)
"""

AUDIT_INVALID = [
    # a rate that is not 0 outside training
    Invalid(
        _ATTENTION.format(
            line="attention = F.dropout(attention, self.dropout_p if self.training else 0.5)"
            "  # error: LF316 at `F.dropout(`"
        )
    ),
    # a top-level helper that forward calls: always on (no fix: it has no self)
    Invalid(
        _NET.format(
            helper="  # error: LF316 at `F.dropout(`",
            method="x",
            body="feature_dropout(x, 0.3)",
        )
    ),
    # another method of the module that forward calls
    Invalid(
        _NET.format(
            helper="",
            method="F.dropout(x, 0.3)  # error: LF316 at `F.dropout(`",
            body="self.drop(x)",
        ),
        fixed=_NET.format(
            helper="",
            method="F.dropout(x, 0.3, training=self.training)  # error: LF316 at `F.dropout(`",
            body="self.drop(x)",
        ),
    ),
    # a new nn.Dropout on every forward (NGCF-PyTorch's message dropout, audit R97)
    Invalid(
        """
        import torch.nn as nn

        class NGCF(nn.Module):
            def forward(self, ego, drop_flag=True):
                side = self.W_gc(ego)
                ego = nn.Dropout(self.mess_dropout[0])(side)  # error: LF316 at `nn.Dropout(`
                return ego
        """
    ),
]

AUDIT_VALID = [
    # the rate is 0 outside training (HazyResearch/safari, audit s133)
    _ATTENTION.format(
        line="attention = F.dropout(attention, self.dropout_p if self.training else 0.0)"
    ),
    _ATTENTION.format(
        line="p = self.dropout_p if self.training else 0.0\n        attention = F.dropout(attention, p)"
    ),
    # the rate is an argument of every forward call: evaluation passes 0.0
    # (dataflowr's spectral GNN notebook, audit R15)
    """
    import torch.nn as nn
    import torch.nn.functional as F

    class Graph(nn.Module):
        def forward(self, x, d, L):
            x = nn.Dropout(d)(F.relu(self.fc1(x)))
            return self.fc2(F.dropout(x, d))

    y = net(train_x, 0.5, L)
    y = net(test_x, 0.0, L)
    """,
    # built in forward, but only applied in training mode
    """
    import torch.nn as nn

    class Net(nn.Module):
        def forward(self, x, p=0.1):
            if self.training:
                x = nn.Dropout(p)(x)
            return x
    """,
    # input noise for data augmentation, called outside any model
    """
    import torch.nn.functional as F

    def augment(x):
        return F.dropout(x, 0.1)

    for batch in loader:
        batch = augment(batch)
    """,
]

#: a zoneout mask drawn by dropping out a tensor of zeros (Hzzone's TrajGRU,
#: audit s176): zeros in either mode
_ZONEOUT = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Cell(nn.Module):
    def __init__(self, zoneout=0.1):
        super().__init__()
        self._zoneout = zoneout

    def forward(self, prev_h, next_h):
        mask = F.dropout2d({dropped}, p=self._zoneout){marker}
        return torch.where(mask > 0, next_h, prev_h)
"""

AUDIT_VALID.append(_ZONEOUT.format(dropped="torch.zeros_like(prev_h)", marker=""))
AUDIT_INVALID.append(
    Invalid(_ZONEOUT.format(dropped="torch.ones_like(prev_h)", marker="  # error: LF316"))
)
