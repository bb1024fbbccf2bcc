"""LF306 examples of a parameter loss function and of the ``+=`` written
out (``total_loss = total_loss + loss``: HarryVolek/PyTorch_Speaker_Verification,
audit R60), and of a validation loop after the training loop in the epoch
loop, without no_grad (TabSurvey, audit R59), and of a tuple of loss parts
appended per step (Deep Reinforcement Learning in Action, ch. 8, audit R68);
kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_TUPLE = """
import torch
import torch.nn.functional as F

losses = []
for x, y in loader:
    opt.zero_grad()
    q_loss = F.mse_loss(model(x), y)
    err = F.mse_loss(forward_model(x), y, reduction="none")
    loss = q_loss + err.mean()
    loss_list = ({first}, {second})
    losses.append(loss_list){marker}
    loss.backward()
    opt.step()
"""

_EVAL_AFTER_BLOCK = """
import torch
import torch.nn as nn

model = nn.Linear(10, 4)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(2):
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    losses = []
    for te_x, te_y in test_loader:
        if torch.cuda.is_available():
            te_y = te_y.cuda()
        {predict}
        te_loss = criterion(te_pred, te_y)
        losses.append(te_loss * len(te_y)){marker}
    print(sum(losses) / len(test_loader.dataset))
"""

WRITTEN_OUT_INVALID = [
    # the loss function is a parameter (its kind unknown), but the accumulated
    # name is the one back-propagated in the same pass: it has a graph
    Invalid(
        """
        def train_step(model, data_loader, loss_fn, optimizer):
            train_loss = 0
            for X, y in data_loader:
                loss = loss_fn(model(X), y)
                train_loss += loss  # error: LF306 at `train_loss += loss`
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return train_loss / len(data_loader)
        """,
        fixed="""
        def train_step(model, data_loader, loss_fn, optimizer):
            train_loss = 0
            for X, y in data_loader:
                loss = loss_fn(model(X), y)
                train_loss += loss.item()  # error: LF306 at `train_loss += loss`
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return train_loss / len(data_loader)
        """,
    ),
    Invalid(
        """
        import torch
        from torch import nn

        model = nn.Linear(10, 3)
        crit = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        for epoch in range(10):
            total_loss = 0
            for x, y in loader:
                optimizer.zero_grad()
                loss = crit(model(x), y)
                loss.backward()
                optimizer.step()
                total_loss = total_loss + loss  # error: LF306 at `total_loss = total_loss + loss`
            print(total_loss / len(loader))
        """,
        fixed="""
        import torch
        from torch import nn

        model = nn.Linear(10, 3)
        crit = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        for epoch in range(10):
            total_loss = 0
            for x, y in loader:
                optimizer.zero_grad()
                loss = crit(model(x), y)
                loss.backward()
                optimizer.step()
                total_loss = total_loss + loss.item()  # error: LF306 at `total_loss = total_loss + loss`
            print(total_loss / len(loader))
        """,
    ),
    # the validation pass sums loss tensors with gradients on
    Invalid(
        """
        import torch
        from torch import nn

        loss_func = nn.MSELoss()
        for epoch in range(10):
            for x, y in train_loader:
                loss = loss_func(model(x).squeeze(), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            val_loss = 0.0
            for x, y in val_loader:
                val_loss += loss_func(model(x).squeeze(), y)  # error: LF306 at `val_loss += loss_func(model(x).squeeze(), y)`
            print(val_loss.item() / len(val_loader))
        """,
        fixed="""
        import torch
        from torch import nn

        loss_func = nn.MSELoss()
        for epoch in range(10):
            for x, y in train_loader:
                loss = loss_func(model(x).squeeze(), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            val_loss = 0.0
            for x, y in val_loader:
                val_loss += loss_func(model(x).squeeze(), y).detach()  # error: LF306 at `val_loss += loss_func(model(x).squeeze(), y)`
            print(val_loss.item() / len(val_loader))
        """,
    ),
    # a tuple of parts still attached: no fix (a tuple has no .detach())
    Invalid(
        _TUPLE.format(
            first="q_loss.mean()",
            second="err.flatten().mean()",
            marker="  # error: LF306 at `losses.append(`",
        )
    ),
    # the loss object chosen by the objective (TabSurvey's BaseModelTorch,
    # audit s103): each branch builds a loss, so calling it computes one
    Invalid(
        """
        import torch.nn as nn

        def fit(model, opt, loader, val_loader, objective):
            if objective == "regression":
                loss_func = nn.MSELoss()
            elif objective == "classification":
                loss_func = nn.CrossEntropyLoss()
            else:
                loss_func = nn.BCEWithLogitsLoss()
            history = []
            for epoch in range(10):
                for x, y in loader:
                    opt.zero_grad()
                    loss_func(model(x), y).backward()
                    opt.step()
                val_loss = 0.0
                for x, y in val_loader:
                    val_loss += loss_func(model(x), y)  # error: LF306 at `val_loss += loss_func(model(x), y)`
                history.append(val_loss.item())
            return history
        """
    ),
    # the loss of predictions made with gradients on, kept per test batch
    Invalid(
        _EVAL_AFTER_BLOCK.format(
            predict="te_pred = model(te_x)",
            marker="  # error: LF306 at `losses.append(te_loss * len(te_y))`",
        )
    ),
    # ``torch.mean(loss)`` is the loss as ``loss.mean()`` is (FedGen's user
    # step, audit s111)
    Invalid(
        """
        import torch
        import torch.nn as nn

        def train(model, batches, optimizer):
            crit = nn.NLLLoss(reduction="none")
            total = 0
            for x, y in batches:
                optimizer.zero_grad()
                teacher = 10.0 * torch.mean(crit(model(x), y))
                loss = crit(model(x), y).mean() + teacher
                loss.backward()
                optimizer.step()
                total += teacher  # error: LF306 at `total += teacher`
            return total
        """
    ),
]

WRITTEN_OUT_VALID = [
    # the list is made afresh at the top of every pass: it holds one pass's
    # losses, which share that pass's graph anyway (PPLM's loss_list, R69)
    """
    import torch
    import torch.nn as nn

    def perturb(model, classifier, x, num_iterations=3):
        ce_loss = nn.CrossEntropyLoss()
        for i in range(num_iterations):
            pert = torch.zeros_like(x, requires_grad=True)
            loss = 0.0
            loss_list = []
            discrim_loss = ce_loss(classifier(model(x + pert)), label)
            loss += discrim_loss
            loss_list.append(discrim_loss)
            loss.backward()
            x = x + pert.grad.detach()
        return x
    """,
    # the parts are kept as numbers
    _TUPLE.format(first="q_loss.item()", second="err.mean().item()", marker=""),
    # the running sum is what is back-propagated, once, after the loop
    """
    import torch.nn.functional as F

    total = 0
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        total = total + loss
    total.backward()
    optimizer.step()
    """,
    # the sum of this step's terms is what is back-propagated
    """
    import torch.nn.functional as F

    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        loss = loss + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    """,
    # a number is accumulated
    """
    import torch.nn.functional as F

    total = 0.0
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total = total + loss.item()
    """,
    # per-layer terms summed within one step, then back-propagated
    """
    for x in loader:
        feats = model(x)
        style = 0
        for f, g in zip(feats, targets):
            style = style + ((f - g) ** 2).mean()
        optimizer.zero_grad()
        style.backward()
        optimizer.step()
    """,
    # ... and the same validation pass under no_grad
    """
    import torch
    import torch.nn as nn

    def fit(model, opt, loader, val_loader, objective):
        loss_func = nn.MSELoss() if objective == "regression" else nn.CrossEntropyLoss()
        history = []
        for epoch in range(10):
            for x, y in loader:
                opt.zero_grad()
                loss_func(model(x), y).backward()
                opt.step()
            val_loss = 0.0
            with torch.no_grad():
                for x, y in val_loader:
                    val_loss += loss_func(model(x), y)
            history.append(val_loss.item())
        return history
    """,
    # the predictions made under no_grad, the loss computed after the block
    # (Hierarchical-attention-networks, audit s104): no graph to keep
    _EVAL_AFTER_BLOCK.format(
        predict="with torch.no_grad():\n            te_pred = model(te_x)", marker=""
    ),
]
