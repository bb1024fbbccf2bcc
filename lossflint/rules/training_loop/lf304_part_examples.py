"""LF304 examples of gradients cleared on a part of what an optimiser holds:
a GAN's halves cleared in turn before steps of one optimiser over the whole
model (TranAD's MAD-GAN, audit R59), also with the optimiser handed in; a
wrapper's ``.module`` is the whole model. Kept apart so the rule module stays
small."""

from __future__ import annotations

from lossflint.examples import Invalid

PART_INVALID = [
    # the wrapped model of a DataParallel is the whole model
    Invalid(
        """
        import torch

        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            model.module.zero_grad()  # error: LF304 at `model.module.zero_grad()`
            optimizer.step()
        """,
    ),
]

PART_VALID = [
    # one optimiser over a GAN; each half-step clears the other half's
    # gradients, so the step updates one half (TranAD's MAD-GAN, audit R59)
    """
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for d in loader:
        model.discriminator.zero_grad()
        _, real, fake = model(d)
        (bce(real, ones) + bce(fake, zeros)).backward()
        model.generator.zero_grad()
        optimizer.step()
        z, _, fake = model(d)
        (bce(fake, ones) + mse(z, d)).backward()
        model.discriminator.zero_grad()
        optimizer.step()
    """,
    # the optimiser handed in: its parameters are unknown, the cleared module
    # a part of the model the function runs (TranAD's backprop(...))
    """
    def backprop(epoch, model, data, optimizer, training=True):
        for d in data:
            model.discriminator.zero_grad()
            _, real, fake = model(d)
            (bce(real, ones) + bce(fake, zeros)).backward()
            model.generator.zero_grad()
            optimizer.step()
    """,
]
