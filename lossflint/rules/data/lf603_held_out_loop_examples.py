"""LF603 examples of an evaluation written without ``no_grad``: a loop over
held-out data that computes predictions or accuracy and runs no backward
(LearningToCompare's test blocks, audit R57; the catalogue's "computing
metrics or predictions only"), and of a validation pass every few batches
inside the training loop, over batches drawn from the validation data
(mcleonard/pytorch-charRNN, audit R71); and of a script's epoch loop that
puts the model in eval mode right before calling a ``val()`` that has no
``eval()`` of its own (AstarLight/Lets_OCR, audit s110); the held-out loader
also when its name runs the words together (``testloader``, Packt's Graph
Machine Learning, audit s123); a pass whose ``with torch.no_grad():`` block
starts with ``model.eval()`` runs in eval mode (udacity's "Inference and
Validation", seen in the session-36 harness); a validation pass inside the
batch loop whose batch is moved first (``real = real.to(device)``: still the
loader's batch, Coursera's GAN assignment, audit s135), also when the batch
is moved to a module-level ``device`` (the same course's augmentation
notebook, audit s162: the function's pass cannot have written that name), and a function's pass
after its training loop (audit s162); test batches drawn by a call in a
counted loop (``tx, ty = test.next_batch(bs)``, audit s165)."""

from __future__ import annotations

from lossflint.examples import Invalid

#: ``{before}``: what precedes the test loop in the epoch loop
_TUTORIAL = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(5):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
{before}    correct = 0
    for x, y in {held}:
        out = model(x){marker}
        correct += (out.argmax(1) == y).sum().item()
"""

_PERIODIC = """
import torch
from torch import nn


class CharRNN(nn.Module):
    def __init__(self, n_chars, n_hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(n_chars, n_hidden, 2, batch_first=True)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(n_hidden, n_chars)

    def forward(self, x, hc):
        x, hc = self.lstm(x, hc)
        return self.fc(self.dropout(x).reshape(-1, self.lstm.hidden_size)), hc


def train(net, batches, val_batches, print_every=10):
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    for counter, (x, y) in enumerate(batches):
        net.zero_grad()
        output, h = net.forward(x, None)
        loss = criterion(output, y.view(-1))
        loss.backward()
        opt.step()
        if counter % print_every == 0:
            val_losses = []
            for vx, vy in {held}:
                vx = vx.float()
                with torch.no_grad():
                    output, val_h = net.forward(vx, None){marker}
                    val_losses.append(criterion(output, vy.view(-1)).item())
            print(loss.item(), sum(val_losses) / len(val_losses))


train(CharRNN(5), batches, val_batches)
"""

#: ``{call}``: how the script's epoch loop calls ``val``
_SCRIPT_CALLER = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return self.bn(self.conv(x))


def val(test_loader, model, criterion):
    for img, target in test_loader:
        loss = criterion(model(img), target){marker}
        print(loss.item())


def train(train_loader, model, criterion, optimizer):
    model.train()
    for img, target in train_loader:
        loss = criterion(model(img), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    model = Net()
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    for epoch in range(10):
        train(train_loader, model, criterion, optimizer)
{call}
    model.eval()
    torch.save(model(example), "out.pt")
"""

_IN_BLOCK = _TUTORIAL.replace(
    "    correct = 0\n    for x, y in {held}:",
    "    with torch.no_grad():\n        {switch}\n        for x, y in {held}:",
).replace(
    "        out = model(x){marker}\n        correct += (out.argmax(1) == y).sum().item()",
    "            out = model(x){marker}\n            loss = criterion(out, y)\n    model.train()",
)

_AFTER = """
import torch
from torch import nn
from torch.utils.data import DataLoader


def run(train_set, val_set):
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=32)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(5):
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
{switch}    with torch.no_grad():
        for xv, yv in val_loader:
            {use}
    return model
"""

_DRAWN = """
import torch
import torch.nn as nn


def train(train, test, convnet, steps=500):
    optimizer = torch.optim.Adam(convnet.parameters(), lr=1e-4)
    for step in range(steps):
        x, y = train.next_batch(32)
        optimizer.zero_grad()
        nn.functional.cross_entropy(convnet(torch.tensor(x)), torch.tensor(y)).backward()
        optimizer.step()
        if step % 100 == 0:
            for _ in range(10):
                tx, ty = {source}.next_batch(32)
                tx = torch.tensor(tx, dtype=torch.float)
                print((convnet(tx).argmax(1) == torch.tensor(ty)).float().mean()){marker}


train(data.train, data.test, nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8)))
"""

HELD_OUT_LOOP_INVALID = [
    Invalid(_DRAWN.format(source="test", marker="  # error: LF603 at `convnet(tx)`")),
    Invalid(
        _AFTER.format(
            switch="",
            use="acc = (model(xv).argmax(1) == yv).float().mean()  # error: LF603 at `model(`",
        )
    ),
    Invalid(
        """
        import torch
        from torch import nn

        device = "cuda"


        def augmented_train(dataloader, validation_dataloader):
            classifier = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.LazyLinear(10))
            classifier = classifier.to(device)
            criterion = nn.CrossEntropyLoss()
            opt = torch.optim.Adam(classifier.parameters(), lr=2e-4)
            best = 0
            for epoch in range(20):
                for real, labels in dataloader:
                    opt.zero_grad()
                    loss = criterion(classifier(real.to(device)), labels.to(device))
                    loss.backward()
                    opt.step()
                    correct, num = 0, 0
                    with torch.no_grad():
                        for val_example, val_label in validation_dataloader:
                            num += len(val_example)
                            labels_hat = classifier(val_example.to(device))  # error: LF603 at `classifier(`
                            correct += (labels_hat.argmax(1) == val_label.to(device)).float().sum()
                        best = max(best, correct.item() / num)
            return best
        """
    ),
    # predictions collected through ``.data`` after module-level training
    # (hsd1503/resnet1d, audit s154)
    Invalid(
        """
        import numpy as np
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Conv1d(2, 8, 3), nn.BatchNorm1d(8), nn.Flatten(), nn.LazyLinear(3))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for input_x, input_y in dataloader:
            loss = nn.functional.cross_entropy(model(input_x), input_y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        all_pred_prob = []
        for input_x, input_y in dataloader_test:
            pred = model(input_x)  # error: LF603 at `model(input_x)`
            all_pred_prob.append(pred.cpu().data.numpy())
        print(np.argmax(np.concatenate(all_pred_prob), axis=1))
        """
    ),
    Invalid(
        """
        import torch
        from torch import nn

        classifier = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.LazyLinear(10))
        opt = torch.optim.Adam(classifier.parameters(), lr=2e-4)
        for epoch in range(20):
            for real, labels in dataloader:
                real = real.to(device)
                opt.zero_grad()
                labels_hat = classifier(real)
                loss = nn.functional.cross_entropy(labels_hat, labels)
                loss.backward()
                opt.step()
                correct = 0
                with torch.no_grad():
                    for val_example, val_label in validation_dataloader:
                        labels_hat = classifier(val_example)  # error: LF603 at `classifier(val_example)`
                        correct += (labels_hat.argmax(1) == val_label).float().sum()
        """
    ),
    # nothing switches it in the block
    Invalid(
        _IN_BLOCK.format(
            before="",
            held="testloader",
            switch="pass",
            marker="  # error: LF603 at `model(x)`",
        )
    ),
    Invalid(
        _TUTORIAL.format(before="", held="test_loader", marker="  # error: LF603 at `model(x)`")
    ),
    Invalid(
        _TUTORIAL.format(before="", held="testloader", marker="  # error: LF603 at `model(x)`")
    ),
    Invalid(_PERIODIC.format(held="val_batches", marker="  # error: LF603 at `net.forward(`")),
    # train() leaves the model in train mode; the only eval() comes after the loop
    Invalid(
        _SCRIPT_CALLER.format(
            call="        val(test_loader, model, criterion)",
            marker="  # error: LF603 at `model(img)`",
        )
    ),
]

HELD_OUT_LOOP_VALID = [
    _DRAWN.format(source="train", marker=""),
    _AFTER.format(
        switch="    model.eval()\n", use="acc = (model(xv).argmax(1) == yv).float().mean()"
    ),
    # nothing measured: a pass that only runs the model (a warm-up, a trace)
    _AFTER.format(switch="", use="model(xv)"),
    _IN_BLOCK.format(before="", held="testloader", switch="model.eval()", marker=""),
    # a word that only starts like one (``testimonials``, ``development``) is no held-out data
    _TUTORIAL.format(before="", held="testimonials", marker=""),
    # the script's loop puts the model in eval mode before calling val() (and
    # back after): val() needs no eval() of its own
    _SCRIPT_CALLER.format(
        call="""        if epoch % 2 == 0:
            model.eval()
            val(test_loader, model, criterion)
            model.train()""",
        marker="",
    ),
    _SCRIPT_CALLER.format(
        call="""        model.eval()
        val(test_loader, model, criterion)""",
        marker="",
    ),
    # nothing says the extra batches are held out (a teacher's or a replay pass)
    _PERIODIC.format(held="extra_batches", marker=""),
    # dropout applied only under a flag the test calls leave off (DSKSD's
    # DeepNLP-models notebooks, R39): no dropout runs in either mode
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class CNNClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(100, 2)
            self.dropout = nn.Dropout(0.5)

        def forward(self, inputs, is_training=False):
            if is_training:
                inputs = self.dropout(inputs)
            return F.log_softmax(self.fc(inputs), 1)

    model = CNNClassifier()
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(5):
        for x, y in train_data:
            optimizer.zero_grad()
            F.nll_loss(model(x, True), y).backward()
            optimizer.step()
    accuracy = 0
    for x, y in test_data:
        accuracy += int(model(x).max(1)[1].item() == y)
    """,
    # put in eval mode first (and back after)
    _TUTORIAL.format(before="    model.eval()\n", held="test_loader", marker="").replace(
        "    for x, y in train_loader:", "    model.train()\n    for x, y in train_loader:"
    ),
    # a loop over held-out data that trains (fine-tuning on the validation set)
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for x, y in val_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    """,
    # a pytest shape test: comparing a dict's keys with a literal set
    # computes no metric (udacity-landmark-classification, audit s89)
    """
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm1d(8)
            self.fc = nn.Linear(8, 3)
            self.last = {}

        def forward(self, x):
            self.last = {8: self.fc(self.bn(x))}
            return self.last[8]

    def test_side_channel():
        model = Net()
        out = model(torch.randn(2, 8))
        assert out.shape == torch.Size([2, 3])
        assert set(model.last.keys()) == {8}
        granularities = [8]
        assert set(model.last.keys()) == set(granularities)
    """,
]
