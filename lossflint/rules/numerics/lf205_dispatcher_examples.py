"""LF205 examples of helpers reached through a dispatcher of the same method
name (epfml/llm-baselines' Scion optimiser, audit s128): ``Auto.lmo(g)``
hands its argument on to ``Bias().lmo(g)``, a call by the name every ``lmo``
answers to; the dispatcher's own calls add no caller, so every ``lmo`` runs
only on ``p.grad`` in the optimiser's ``step``, where no gradient flows. The
same helpers run in a model's ``forward`` take one. A method calling its base's
``super().loss(...)`` overrides it: the base's own code (d2l's trainer, out of
sight) calls it too, not only the validation step in view (d2l's seq2seq, seen
in the session-37 harness)."""

from __future__ import annotations

from lossflint.examples import Invalid

_HELPERS = """
import torch


class ColNorm:
    def lmo(self, g):
        rms = torch.sqrt(torch.sum(g**2, dim=-1, keepdim=True)){marker}
        return g / (rms + 1e-8)


class Bias:
    def lmo(self, g):
        return g.sign()


class Auto:
    def lmo(self, g):
        if g.ndim == 1:
            return Bias().lmo(g)
        return ColNorm().lmo(g)


norm_dict = {{"ColNorm": ColNorm, "Bias": Bias, "Auto": Auto}}
"""

_OPTIMISER = """

class Scion(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, norm="Auto"):
        super().__init__(params, dict(lr=lr, norm=norm))

    def step(self):
        for group in self.param_groups:
            backend = norm_dict[group["norm"]]()
            for p in group["params"]:
                if p.grad is not None:
                    p.data.add_(backend.lmo(p.grad), alpha=-group["lr"])
"""

_MODEL = """

class Head(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 8)

    def forward(self, x):
        return Auto().lmo(self.fc(x))


model = Head()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

DISPATCHER_INVALID = [
    Invalid(
        """
        import torch
        from d2l import torch as d2l

        class Seq2Seq(d2l.EncoderDecoder):
            def validation_step(self, batch):
                Y_hat = self(*batch[:-1])
                self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)

        @d2l.add_to_class(Seq2Seq)
        def loss(self, Y_hat, Y):
            l = super(Seq2Seq, self).loss(Y_hat, Y, averaged=False)
            mask = (Y.reshape(-1) != self.tgt_pad).type(torch.float32)
            return torch.sqrt(((l * mask) ** 2).sum())  # error: LF205 at `torch.sqrt(`
        """
    ),
    Invalid(_HELPERS.format(marker="  # error: LF205 at `torch.sqrt(`") + _MODEL),
]

DISPATCHER_VALID = [
    _HELPERS.format(marker="") + _OPTIMISER,
]
