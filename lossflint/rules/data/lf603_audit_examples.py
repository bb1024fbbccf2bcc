"""LF603 examples found by the held-out measurements (H11): module-level code
read in order, as a notebook runs its cells."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a notebook's cells as one program: train, evaluate, then (later) eval()
_NOTEBOOK = """
import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(30):
    model.train()
    optimizer.zero_grad()
    loss = nn.functional.binary_cross_entropy_with_logits(model(X_train).squeeze(1), y_train)
    loss.backward()
    optimizer.step()
{before}with torch.no_grad():
    val_probs = torch.sigmoid(model(X_val).squeeze(1)){marker}
print("val acc", ((val_probs > 0.5).float() == y_val).float().mean().item())
model.eval()
with torch.no_grad():
    test_probs = torch.sigmoid(model(X_test).squeeze(1))
"""

#: a script: epochs of train_epoch() and evaluate(), then {after}
_REFIT = """
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

def train_epoch():
    model.train()
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()

def evaluate():
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean()

for _ in range(10):
    train_epoch()
    evaluate()
{after}
with torch.no_grad():
    out = model(x_test){marker}
print((out.argmax(1) == y_test).float().mean())
"""


#: a script that trains, then extracts features with a function of its own
#: (a linear probe's inputs), the model handed on only to a loss helper
_PROBE = """
import torch
import torch.nn as nn
import torch.nn.functional as F

encoder = nn.Sequential(nn.Linear(32, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2))
head = nn.Linear(16, 4)
opt = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=1e-3)


def supervised_loss(model, x, y):
    return F.cross_entropy(head(model(x)), y)


for epoch in range(10):
    encoder.train()
    for x, y in loader:
        opt.zero_grad()
        supervised_loss(encoder, x, y).backward()
        opt.step()


def extract(batches):
    feats = []
    with torch.no_grad():
        for x, _ in batches:
            feats.append(encoder(x).cpu()){marker}
    return torch.cat(feats)

{before}
train_feats = extract(loader)
"""


#: a trainer validating every N iterations through the helper training uses
#: (pytorch-3dunet, a real bug report of B10)
_MIDEPOCH = """
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, model, optimizer, criterion, loaders):
        self.model = model
        self.optimizer = optimizer
        self.criterion = criterion
        self.loaders = loaders

    def train(self):
        self.model.train()
        for i, (x, y) in enumerate(self.loaders["train"]):
            output, loss = self._forward_pass(x, y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if i % 100 == 0:
                {call}

    def validate(self, loader):
        total = 0.0{before}
        with torch.no_grad():
            for x, y in loader:
                output, loss = self._forward_pass(x, y){marker}
                total += loss.item()
        return total / len(loader)

    def log_batch(self, output, y):
        with torch.no_grad():
            print((output.argmax(1) == y).float().mean().item())

    def _forward_pass(self, x, y):
        output = self.model(x)
        return output, self.criterion(output, y)


model = nn.Sequential(nn.Conv3d(1, 4, 3), nn.BatchNorm3d(4), nn.ReLU(), nn.Flatten(), nn.LazyLinear(3))
Trainer(model, torch.optim.Adam(model.parameters()), nn.CrossEntropyLoss(), loaders).train()
"""

#: an evaluation helper with no ``no_grad``, called after training (audit R28:
#: a text-classification collection's ``utils.evaluate_model``)
_EVALUATE_MODEL = """
import torch
import torch.nn as nn
from sklearn.metrics import accuracy_score

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(300, 4)

    def forward(self, x):
        return self.fc(self.dropout(x))

def {name}(model, batches):
    preds, ys = [], []
    for x, y in batches:
        y_pred = model(x){marker}
        preds.extend(y_pred.argmax(1).tolist())
        ys.extend(y.tolist())
    return accuracy_score(ys, preds)

model = Net()
opt = torch.optim.Adam(model.parameters())
for epoch in range(5):
    for x, y in train_batches:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    {before}print({name}(model, val_batches))
"""

AUDIT_INVALID = [
    # the outputs collected through a mask (H17 p05: knowledge tracing)
    Invalid(
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.3), nn.Linear(32, 1))
        opt = torch.optim.Adam(model.parameters())
        for epoch in range(5):
            model.train()
            for x, y, mask in train_dl:
                opt.zero_grad()
                nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
                opt.step()
        outs = []
        with torch.no_grad():
            for x, y, mask in test_dl:
                out = model(x)  # error: LF603
                outs.append(out.cpu()[mask.bool()])
        """
    ),
    Invalid(
        _EVALUATE_MODEL.format(
            name="evaluate_model", marker="  # error: LF603 at `model(x)`", before=""
        )
    ),
    # validation every 100 iterations, the model run by the training helper
    Invalid(
        _MIDEPOCH.format(
            call='self.validate(self.loaders["val"])',
            before="",
            marker="  # error: LF603 at `self._forward_pass(x, y)`",
        )
    ),
    # features extracted in train mode (dropout on, batch statistics) (H14 p05)
    Invalid(_PROBE.format(marker="  # error: LF603 at `encoder(x)`", before="")),
    # the validation cell runs before the cell that calls eval() (H11 p09)
    Invalid(_NOTEBOOK.format(before="", marker="  # error: LF603 at `model(X_val)`")),
    # a refit on all data after the epochs leaves the model in train mode (H12 p08)
    Invalid(
        _REFIT.format(
            after="for _ in range(50):\n    train_epoch()\n",
            marker="  # error: LF603 at `model(x_test)`",
        )
    ),
    # the batch norm sits in a block a helper builds (Modern Computer Vision, audit s17)
    Invalid(
        """
        import torch
        import torch.nn as nn

        def block(ni, no):
            return nn.Sequential(nn.Linear(ni, no), nn.ReLU(), nn.BatchNorm1d(no))

        model = nn.Sequential(block(16, 32), block(32, 32), nn.Linear(32, 4))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for x, y in trn:
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        with torch.no_grad():
            for x, y in val:
                vloss = nn.functional.mse_loss(model(x), y)  # error: LF603 at `model(x)`
        """
    ),
    # batch norm built by a same-file helper function the class calls (H18 p05)
    Invalid(
        """
        import torch
        import torch.nn as nn

        def down(cin, cout):
            layers = [nn.Conv2d(cin, cout, 3, padding=1)]
            layers += [nn.BatchNorm2d(cout), nn.ReLU()]
            return nn.Sequential(*layers)

        class Tower(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Sequential(down(1, 8), down(8, 16))

            def forward(self, x):
                return self.stem(x).flatten(1)

        tower = Tower()
        opt = torch.optim.SGD(tower.parameters(), lr=0.05)
        for xb, yb in batches:
            opt.zero_grad()
            nn.functional.cross_entropy(tower(xb), yb).backward()
            opt.step()
        with torch.no_grad():
            emb = tower(xq)  # error: LF603 at `tower(xq)`
            acc = (emb.argmax(1) == yq).float().mean()
        """
    ),
]

AUDIT_VALID = [
    # ... put in eval mode first
    _EVALUATE_MODEL.format(name="evaluate_model", marker="", before="model.eval()\n    "),
    # ... a helper whose name says nothing of evaluating
    _EVALUATE_MODEL.format(name="summarise", marker="", before=""),
    # the same validation puts the model in eval mode first
    _MIDEPOCH.format(
        call='self.validate(self.loaders["val"])',
        before="\n        self.model.eval()",
        marker="",
    ),
    # a metric of the training batch every 100 iterations: train mode on purpose
    """
    import torch
    import torch.nn as nn

    class Trainer:
        def __init__(self, model, optimizer):
            self.model = model
            self.optimizer = optimizer

        def train(self, loader):
            self.model.train()
            for i, (x, y) in enumerate(loader):
                loss = nn.functional.cross_entropy(self.model(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                if i % 100 == 0:
                    self.log_batch(x, y)

        def log_batch(self, x, y):
            with torch.no_grad():
                print((self.model(x).argmax(1) == y).float().mean().item())

    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.Linear(16, 3))
    Trainer(model, torch.optim.Adam(model.parameters())).train(loader)
    """,
    # the same, with eval() before the extraction
    _PROBE.format(marker="", before="encoder.eval()"),
    # a helper of unknown effect gets the model first: its mode is unknown
    _PROBE.format(marker="", before="freeze_bn(encoder)"),
    # ... and its twin that switches to eval mode first
    _NOTEBOOK.format(before="model.eval()\n", marker=""),
    # a shape check of the fresh model before any training, eval() later
    """
    import torch
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.3), nn.Linear(64, 2))
    with torch.no_grad():
        out = model(torch.randn(4, 20))
    print(out.shape, (out.argmax(1) == 0).float().mean())
    opt = torch.optim.Adam(model.parameters())
    for x, y in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    """,
    # ... without the refit: evaluate() left it in eval mode
    _REFIT.format(after="", marker=""),
    # the PyTorch tutorial's train_loop/test_loop: test_loop calls eval()
    # itself (a Kaggle notebook of R9, reported by a first cut of the
    # module-order reading)
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(69, 64), nn.BatchNorm1d(64), nn.Dropout(0.5), nn.Linear(64, 1))
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_loop(dataloader, model, loss_fn, optimizer):
        model.train()
        for X, y in dataloader:
            loss = loss_fn(model(X).view(-1), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred.view(-1), y).item()
        print(test_loss / len(dataloader))

    for t in range(10):
        train_loop(train_dataloader, model, loss_fn, optimizer)
        test_loop(valid_dataloader, model, loss_fn)
    """,
    # a refit whose batch-norm layers are frozen by model.apply(...): which
    # submodules are in eval mode is not known here
    _REFIT.format(
        after="from utils import freeze_bn\n\n"
        "for _ in range(50):\n    train_epoch()\n    model.apply(freeze_bn)\n",
        marker="",
    ),
    # a helper that builds a batch norm it does not return (a shape probe):
    # the layers the class keeps are mode-free
    """
    import torch
    import torch.nn as nn

    def down(cin, cout):
        nn.BatchNorm2d(cout)
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())

    class Tower(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(down(1, 8), down(8, 16))

        def forward(self, x):
            return self.stem(x).flatten(1)

    tower = Tower()
    opt = torch.optim.SGD(tower.parameters(), lr=0.05)
    for xb, yb in batches:
        opt.zero_grad()
        nn.functional.cross_entropy(tower(xb), yb).backward()
        opt.step()
    with torch.no_grad():
        emb = tower(xq)
        acc = (emb.argmax(1) == yq).float().mean()
    """,
]
