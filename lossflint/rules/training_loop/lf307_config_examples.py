"""LF307 examples of a learning rate read from a configuration class
(MrGiovanni/ModelsGenesis, audit R94): printing the configuration reads it,
and only the optimiser its ``optimizer`` field picks is built; kept apart so
the audit examples module stays small."""

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

CONFIG_VALID = [
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
