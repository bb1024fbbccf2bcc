"""LF603 examples of a validation loop in the epoch loop of a training
function, each batch under its own ``no_grad`` block, with the model handed
in as a parameter (priyammaz/PyTorch-Adventures' ViT notebook, audit R26);
of a full-batch loop computing the test loss under ``no_grad`` in each
iteration (curiousily's COVID-19 forecaster, R46); and of recurrent layers,
whose dropout acts only when they are stacked. Kept apart so the rule module
stays small."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.data.lf603_held_out_loop_examples import (
    HELD_OUT_LOOP_INVALID,
    HELD_OUT_LOOP_VALID,
)

#: ``{call}``: how the model runs on a validation batch; ``{before}``: what
#: precedes the validation loop
_EPOCHS = """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.2)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        return self.head(self.drop(x)), None

def train(model, epochs, optimizer, loss_fn, trainloader, valloader):
    for epoch in range(epochs):
        for image, label in trainloader:
            optimizer.zero_grad()
            out, _ = model.forward(image)
            loss_fn(out, label).backward()
            optimizer.step()
{before}        for image, label in valloader:
            with torch.no_grad():
                out, _ = {call}
                val_loss = loss_fn(out, label).item()
        print(epoch, val_loss)

model = Net()
train(model, 10, torch.optim.Adam(model.parameters()), nn.CrossEntropyLoss(), [], [])
"""

#: a notebook that trains at module level, then scores the test set
_NOTEBOOK = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class MNISTClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 10)
        self.dropout = nn.Dropout(p=0.2)

    def forward(self, x):
        return F.log_softmax(self.fc2(self.dropout(F.relu(self.fc1(x)))), dim=1)

model = MNISTClassifier()
opt = torch.optim.Adam(model.parameters(), lr=0.001)
for epoch in range(5):
    opt.zero_grad()
    loss = F.nll_loss(model(X), y)
    loss.backward()
    opt.step()
{after}
"""

EPOCH_INVALID = [
    # inside a function: a test loop of its own after the epoch's batch loop
    # (fast_adversarial's shape, audit R75)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        def main(loader, test_loader):
            model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.BatchNorm1d(8))
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(10):
                for X, y in loader:
                    loss = F.cross_entropy(model(X), y)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                for X, y in test_loader:
                    with torch.no_grad():
                        output = model(X)  # error: LF603 at `model(X)`
                    print((output.max(1)[1] == y).float().mean().item())
        """
    ),
    *HELD_OUT_LOOP_INVALID,
    # (Hands-On NLP with PyTorch 1.x, Chapter02/NN.ipynb, audit R39)
    Invalid(
        _NOTEBOOK.format(
            after="preds = model(X_test)  # error: LF603\n"
            "_, labels = torch.max(preds.data, 1)\n"
            "print((labels == y_test).float().mean().item())"
        )
    ),
    Invalid(
        _EPOCHS.format(before="", call="model.forward(image)  # error: LF603 at `model.forward(`")
    ),
    Invalid(_EPOCHS.format(before="", call="model(image)  # error: LF603 at `model(image)`")),
]

EPOCH_VALID = [
    *HELD_OUT_LOOP_VALID,
    # put in eval mode first; a statement that scores nothing
    _NOTEBOOK.format(
        after="model.eval()\npreds = model(X_test)\nprint((preds.argmax(1) == y_test).float().mean())"
    ),
    _NOTEBOOK.format(after="torch.save(model.state_dict(), 'm.pt')\nsample = model(X_test[:1])"),
    # samples drawn after training and shown: nothing scored
    _NOTEBOOK.format(after="samples = model(noise).exp()\nplt.imshow(samples[0].reshape(28, 28))"),
    # a smoke test of a module's output shape: no prediction is scored
    # (MedicalZooPytorch HighResNet3D test_all_modules, audit R34)
    """
    import torch
    import torch.nn as nn

    class ConvRed(nn.Module):
        def __init__(self, in_channels):
            super().__init__()
            self.bn = nn.BatchNorm3d(in_channels)
            self.conv = nn.Conv3d(in_channels, in_channels, 3, padding=1)

        def forward(self, x):
            return self.conv(torch.relu(self.bn(x)))

    def test_all_modules():
        a = torch.rand(1, 16, 32, 32, 32)
        m2 = ConvRed(in_channels=16)
        y = m2(a)
        assert y.shape == a.shape, print(y.shape)
        assert y.size(1) == 16 and len(y) == 1
        print("ConvRed OK")
    """,
    # Monte-Carlo dropout keeps dropout on at test time
    """
    import torch
    import torch.nn as nn

    # MC dropout: average several stochastic passes
    model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.5), nn.Linear(64, 2))
    with torch.no_grad():
        probs = torch.stack([model(x).softmax(1) for _ in range(20)]).mean(0)
        pred = probs.argmax(1)
    """,
    # dropout with p=0 does nothing
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.0), nn.Linear(64, 2))
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == y_test).float().mean()
    """,
    _EPOCHS.format(before="        model.eval()\n", call="model.forward(image)").replace(
        "        for image, label in trainloader:",
        "        model.train()\n        for image, label in trainloader:",
    ),
]

EPOCH_INVALID += [
    Invalid(
        """
        import torch
        from torch import nn

        class Forecaster(nn.Module):
            def __init__(self, n_features, n_hidden, n_layers=2):
                super().__init__()
                self.lstm = nn.LSTM(input_size=n_features, hidden_size=n_hidden,
                                    num_layers=n_layers, dropout=0.5)
                self.linear = nn.Linear(n_hidden, 1)

            def forward(self, x):
                out, _ = self.lstm(x)
                return self.linear(out[-1])

        model = Forecaster(1, 512, n_layers=2)
        loss_fn = nn.MSELoss(reduction="sum")
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
        for t in range(60):
            y_pred = model(X_train)
            loss = loss_fn(y_pred, y_train)
            with torch.no_grad():
                y_test_pred = model(X_test)  # error: LF603 at `model(X_test)`
                test_loss = loss_fn(y_test_pred, y_test)
            print(t, loss.item(), test_loss.item())
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        """
    ),
]

EPOCH_VALID += [
    # the no_grad pass on validation-named data feeds the loss: a teacher's
    # targets, part of training
    """
    import torch
    from torch import nn

    student = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    teacher = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    opt = torch.optim.SGD(student.parameters(), lr=0.1)
    for x_val_aug, y in loader:
        with torch.no_grad():
            soft = teacher(x_val_aug).softmax(-1)
            test_targets = soft.argmax(-1)
        loss = nn.functional.cross_entropy(student(x_val_aug), test_targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    """,
    # one recurrent layer: its dropout argument does nothing
    """
    import torch
    from torch import nn

    class Forecaster(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(input_size=1, hidden_size=64, num_layers=1, dropout=0.5)
            self.linear = nn.Linear(64, 1)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.linear(out[-1])

    model = Forecaster()
    opt = torch.optim.Adam(model.parameters())
    for t in range(60):
        loss = ((model(X_train) - y_train) ** 2).mean()
        with torch.no_grad():
            test_loss = ((model(X_test) - y_test) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    """,
]

EPOCH_INVALID += [
    # the dropout rate handed to the constructor (w86763777/pytorch-ddpm's
    # UNet, audit R48)
    Invalid(
        """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, dropout=0.0):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(8, 8), nn.Dropout(dropout), nn.Linear(8, 1))

            def forward(self, x):
                return self.body(x)

        model = Net(dropout=0.1)
        opt = torch.optim.Adam(model.parameters())
        for x, y in train_batches:
            opt.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            opt.step()
        with torch.no_grad():
            val = sum(((model(x) - y) ** 2).mean().item() for x, y in val_batches)  # error: LF603 at `model(x)`
        """
    ),
]

EPOCH_VALID += [
    # the same model built without dropout
    """
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self, dropout=0.0):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(8, 8), nn.Dropout(dropout), nn.Linear(8, 1))

        def forward(self, x):
            return self.body(x)

    model = Net()
    opt = torch.optim.Adam(model.parameters())
    for x, y in train_batches:
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
    with torch.no_grad():
        val = sum(((model(x) - y) ** 2).mean().item() for x, y in val_batches)
    """,
]

EPOCH_VALID += [
    # the evaluating function opens with model.eval(); the script's loop
    # trains, then evaluates (ybabakhin/kaggle_salt_bes_phalanx, audit R52)
    """
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Conv2d(8, 1, 1))

        def forward(self, x):
            return self.body(x)


    def test(test_loader, model):
        running = 0.0
        model.eval()
        for inputs, masks in test_loader:
            with torch.set_grad_enabled(False):
                outputs = model(inputs)
                loss = nn.functional.binary_cross_entropy_with_logits(outputs, masks)
            running += loss.item()
        return running


    def train(train_loader, model):
        model.train()
        for inputs, masks in train_loader:
            optimizer.zero_grad()
            with torch.set_grad_enabled(True):
                loss = nn.functional.binary_cross_entropy_with_logits(model(inputs), masks)
                loss.backward()
                optimizer.step()


    if __name__ == "__main__":
        salt = Net()
        for idx in range(5):
            optimizer = torch.optim.SGD(salt.parameters(), lr=0.01)
            for epoch in range(10):
                train(train_loader, salt)
                val_loss = test(val_loader, salt)
    """,
]

EPOCH_VALID += [
    # model.eval() at the top of the decoding function switches its encoder
    # and decoder too (Perlou's seq2seq, harness R31)
    """
    import torch
    from torch import nn

    class Encoder(nn.Module):
        def __init__(self, vocab, dim, dropout=0.1):
            super().__init__()
            self.embedding = nn.Embedding(vocab, dim)
            self.dropout = nn.Dropout(dropout)
            self.rnn = nn.GRU(dim, dim, batch_first=True)

        def forward(self, src):
            return self.rnn(self.dropout(self.embedding(src)))

    class Seq2Seq(nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

    model = Seq2Seq(Encoder(100, 32))
    opt = torch.optim.Adam(model.parameters())
    for src in batches:
        opt.zero_grad()
        model.encoder(src)[0].sum().backward()
        opt.step()

    def greedy_decode(model, src, steps):
        model.eval()
        outputs = []
        with torch.no_grad():
            _, hidden = model.encoder(src)
            for _ in range(steps):
                out, hidden = model.encoder(hidden.argmax(-1))
                outputs.append(out.argmax(-1).item())
        return outputs

    print(greedy_decode(model, test_src, 10))
    """,
]
