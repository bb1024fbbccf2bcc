"""LF303 examples of session 8 (hand-written updates, a custom optimiser):
loops that clear their gradients; kept apart so the rule module stays small."""

from __future__ import annotations

AUDIT_VALID = [
    # a custom optimiser whose step() is the hand-written update; the loop clears
    """
    import torch

    class PlainSGD(torch.optim.Optimizer):
        @torch.no_grad()
        def step(self):
            for group in self.param_groups:
                for p in group["params"]:
                    p.data.add_(p.grad, alpha=-group["lr"])

    opt = PlainSGD(model.parameters(), dict(lr=0.1))
    for x, y in loader:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    """,
    # the gradients filled with zeros by hand (d2l's conv-layer chapter)
    """
    import torch

    for i in range(20):
        l = ((conv2d(X) - Y) ** 2).sum()
        l.backward()
        conv2d.weight.data -= lr * conv2d.weight.grad
        conv2d.bias.data -= lr * conv2d.bias.grad
        conv2d.weight.grad.fill_(0)
        conv2d.bias.grad.fill_(0)
    """,
    # a hand-written SGD step that clears what it used (d2l's `sgd`)
    """
    import torch

    def sgd(params, lr, batch_size):
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    for epoch in range(3):
        for X, y in data_iter(batch_size, features, labels):
            l = squared_loss(net(X, w, b), y)
            l.sum().backward()
            sgd([w, b], lr, batch_size)
    """,
]
