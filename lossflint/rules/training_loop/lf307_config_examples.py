"""LF307 examples of a learning rate read from a configuration class
(MrGiovanni/ModelsGenesis, audit R94): printing the configuration reads it,
and only the optimiser its ``optimizer`` field picks is built. A module-level
name bound again (``lr = 1e-2``, later ``lr = 1.0``: a seminar's script, audit
s129) gives the optimiser the value that reaches it. Kept apart so the audit
examples module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

CONFIG_INVALID = [
    # print() only reads the configuration: its lr is still the class's
    Invalid(
        """
        import torch

        class Config:
            optimizer = "sgd"
            lr = 1

        conf = Config()
        print(conf)
        optimizer = torch.optim.SGD(model.parameters(), conf.lr, momentum=0.9)  # error: LF307 at `conf.lr`
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        """
    ),
]

_REBOUND = """
import torch

lr = {first}
model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.Tanh(), torch.nn.Linear(512, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
train_model(model, optimizer, loader)

lr = {second}
model2 = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.Tanh(), torch.nn.Linear(512, 10))
optimizer2 = torch.optim.SGD(model2.parameters(), lr=lr){marker}
train_model(model2, optimizer2, loader)
"""

CONFIG_INVALID.append(
    Invalid(_REBOUND.format(first="1e-2", second="1.0", marker="  # error: LF307 at `lr=lr)`"))
)

CONFIG_VALID = [
    _REBOUND.format(first="1.0", second="1e-2", marker="").replace(
        "optimizer = torch.optim.SGD(model.parameters(), lr=lr)",
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)",
    ),
    # the Adam branch is not the one the configuration picks
    """
    import torch

    class Config:
        optimizer = "sgd"
        lr = 0.5

    conf = Config()
    if conf.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), conf.lr, momentum=0.9)
    elif conf.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), conf.lr)
    else:
        raise ValueError(conf.optimizer)
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    """,
]
