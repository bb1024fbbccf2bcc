"""LF412 / LF413 in PyTorch training loops: raw pixels of keras.datasets or of a
torchvision data set's ``.data`` fed to a model that is trained, and class
labels scaled like pixels fed to a class-index loss. The rule modules hold
the main examples; these are the flows and the silences around them."""

from __future__ import annotations

import textwrap

import pytest

from lossflint.linter import RuleSet, lint_text

KERAS_HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader
from tensorflow import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
"""

VISION_HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torch.utils.data import TensorDataset, DataLoader
train = torchvision.datasets.MNIST("data", train=True, download=True,
                                   transform=torchvision.transforms.ToTensor())

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        return self.fc2(F.relu(self.fc1(x)))

model = Net()
opt = torch.optim.Adam(model.parameters())
"""


def _lines(source: str, code: str = "LF412") -> list[int]:
    result = lint_text(textwrap.dedent(source), "example.py", RuleSet([code]), [])
    assert not result.errors, result.errors
    return sorted(d.location.row for d in result.diagnostics if d.code == code)


def _marked(source: str) -> list[int]:
    return [n for n, line in enumerate(source.split("\n"), 1) if line.endswith("# raw")]


FIRES = {
    "keras tensor loader": KERAS_HEAD
    + """
X = torch.tensor(x_train, dtype=torch.float32)
loader = DataLoader(TensorDataset(X, torch.tensor(y_train)), batch_size=64, shuffle=True)
for xb, yb in loader:
    out = model(xb)  # raw
    loss = F.cross_entropy(out, yb)
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "from_numpy float enumerate": KERAS_HEAD
    + """
X = torch.from_numpy(x_train).float()
ds = TensorDataset(X, torch.from_numpy(y_train).long())
for epoch in range(3):
    for i, (xb, yb) in enumerate(DataLoader(ds, batch_size=32)):
        loss = F.cross_entropy(model(xb.to("cpu")), yb)  # raw
        opt.zero_grad(); loss.backward(); opt.step()
""",
    "only the test arrays scaled in place": KERAS_HEAD
    + """
X_test = torch.tensor(x_test).float()
X_test /= 255
X = torch.tensor(x_train).float()
for xb in X.split(64):
    model(xb).sum().backward()  # raw
""",
    "batch slicing": KERAS_HEAD
    + """
X = torch.Tensor(x_train.reshape(-1, 784).astype("float32"))
Y = torch.LongTensor(y_train)
for i in range(0, len(X), 64):
    xb, yb = X[i:i + 64], Y[i:i + 64]
    loss = F.cross_entropy(model(xb), yb)  # raw
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "zip of splits": KERAS_HEAD
    + """
print(x_train)
X = torch.tensor(x_train).float()
Y = torch.tensor(y_train)
for xb, yb in zip(X.split(64), Y.split(64)):
    loss = F.cross_entropy(model(xb), yb)  # raw
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "bfloat16 cast keeps the 0-255 values": KERAS_HEAD
    + """
X = torch.from_numpy(x_train).bfloat16()
for xb in X.split(64):
    model(xb).sum().backward()  # raw
""",
    "torchvision data float": VISION_HEAD
    + """
X = train.data.float()
Y = train.targets
for epoch in range(2):
    for i in range(0, len(X), 100):
        out = model(X[i:i + 100])  # raw
        loss = F.cross_entropy(out, Y[i:i + 100])
        opt.zero_grad()
        loss.backward()
        opt.step()
""",
    "torchvision data index batches": VISION_HEAD
    + """
for step in range(1000):
    idx = torch.randint(0, len(train.data), (64,))
    xb = train.data[idx].view(-1, 784).float()
    loss = F.cross_entropy(model(xb), train.targets[idx])  # raw
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "train_data in a train function": VISION_HEAD
    + """
def fit(model, X, Y):
    for xb, yb in zip(X.chunk(100), Y.chunk(100)):
        out = model.forward(xb)  # raw
        loss = F.nll_loss(F.log_softmax(out, dim=1), yb)
        opt.zero_grad(); loss.backward(); opt.step()

fit(model, train.train_data.type(torch.FloatTensor), train.train_labels)
""",
    "model to device": VISION_HEAD
    + """
net = Net().to("cuda")
X = train.data.unsqueeze(1).float().cuda()
for xb in X.split(50):
    loss = net(xb).sum()  # raw
    loss.backward()
""",
    "a train step function": VISION_HEAD
    + """
def train_step(xb, yb):
    loss = F.cross_entropy(model(xb), yb)  # raw
    opt.zero_grad(); loss.backward(); opt.step()

for xb, yb in zip(train.data.float().split(64), train.targets.split(64)):
    train_step(xb, yb)
""",
    "old Variable style, nested modules": """
import torch
import torch.nn as nn
import torchvision.datasets as dsets
from torch.autograd import Variable
train = dsets.CIFAR10(root="./data", train=True, download=True)

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)

    def forward(self, x):
        return torch.relu(self.conv(x))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 30 * 30, 10))

    def forward(self, x):
        return self.head(self.block(x))

net = Net()
X = torch.from_numpy(train.data).permute(0, 3, 1, 2).float()
Y = torch.LongTensor(train.targets)
criterion = nn.CrossEntropyLoss()
for epoch in range(2):
    for i in range(0, 50000, 100):
        inputs, labels = Variable(X[i:i + 100]), Variable(Y[i:i + 100])
        loss = criterion(net(inputs), labels)  # raw
        loss.backward()
""",
    "features stack in forward": """
import torch
import torch.nn as nn
from torchvision import datasets
train = datasets.KMNIST("data", download=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten())
        self.fc = nn.LazyLinear(10)

    def forward(self, x):
        return self.fc(self.features(x))

model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for xb, yb in zip(train.data.unsqueeze(1).float().split(32), train.targets.split(32)):
    opt.zero_grad()
    nn.functional.cross_entropy(model(xb), yb).backward()  # raw
    opt.step()
""",
    "a data set class of the file, split with sklearn": KERAS_HEAD
    + """
from sklearn.model_selection import train_test_split

class Digits(torch.utils.data.Dataset):
    def __init__(self, images, labels):
        self.images = torch.tensor(images, dtype=torch.float32)
        self.labels = torch.tensor(labels)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.images[i].view(-1), self.labels[i]

X_tr, X_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1)
loader = DataLoader(Digits(X_tr, y_tr), batch_size=64, shuffle=True)
for xb, yb in loader:
    loss = F.cross_entropy(model(xb), yb)  # raw
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "random_split of a TensorDataset": VISION_HEAD
    + """
ds = TensorDataset(train.data.float(), train.targets)
train_ds, val_ds = torch.utils.data.random_split(ds, [50000, 10000])
for xb, yb in DataLoader(train_ds, batch_size=64, shuffle=True):
    loss = F.cross_entropy(model(xb), yb)  # raw
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "weights initialised in place": VISION_HEAD
    + """
def init_weights(m):
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0.0, 0.02)
        m.bias.data.fill_(0)

model.apply(init_weights)
for xb in train.data.float().split(64):
    model(xb).sum().backward()  # raw
""",
    "the backward in a helper the loop calls": VISION_HEAD
    + """
def step(loss):
    opt.zero_grad()
    loss.backward()
    opt.step()

for xb, yb in zip(train.data.float().split(64), train.targets.split(64)):
    step(F.cross_entropy(model(xb), yb))  # raw
""",
    "a Sequential of an OrderedDict": """
from collections import OrderedDict
import torch
from torch import nn, optim
from torchvision import datasets
train = datasets.MNIST("~/.pytorch/MNIST_data/", download=True, train=True)
model = nn.Sequential(OrderedDict([
    ("fc1", nn.Linear(784, 128)),
    ("relu1", nn.ReLU()),
    ("logits", nn.Linear(128, 10)),
]))
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)
images, labels = train.data.view(-1, 784).float(), train.targets
for e in range(5):
    optimizer.zero_grad()
    loss = criterion(model(images), labels)  # raw
    loss.backward()
    optimizer.step()
""",
}

SILENT = {
    "an evaluation pass in the epoch loop": VISION_HEAD
    + """
seq = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
X = train.data.float() / 255
T = train.data.float()
for epoch in range(3):
    for xb in X.split(64):
        seq(xb).sum().backward()
    accuracy = (seq(T).argmax(1) == train.targets).float().mean()
""",
    "a validation step under no_grad in the batch loop": VISION_HEAD
    + """
seq = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
X = train.data.float() / 255
T = train.data.float()
for i, xb in enumerate(X.split(64)):
    seq(xb).sum().backward()
    if i % 100 == 0:
        with torch.no_grad():
            print(seq(T[:256]).argmax(1))
""",
    "the data set rescaled through another name": VISION_HEAD
    + """
trainset = train
trainset.data = trainset.data.float() / 255.
for xb in train.data.float().split(64):
    model(xb).sum().backward()
""",
    "a data set class that transforms": KERAS_HEAD
    + """
class Digits(torch.utils.data.Dataset):
    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = self.images[i]
        if self.transform:
            image = self.transform(image)
        return image, self.labels[i]

loader = DataLoader(Digits(x_train, y_train, transform=norm), batch_size=64)
for xb, yb in loader:
    loss = F.cross_entropy(model(xb.float()), yb)
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "an evaluation loop next to the training loop": VISION_HEAD
    + """
seq = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
X = train.data.float() / 255
T = train.data.float()
for epoch in range(3):
    for xb in X.split(64):
        seq(xb).sum().backward()
    for tb in T.split(64):
        print(seq(tb).argmax(1))
""",
    "divided by 255": KERAS_HEAD
    + """
X = torch.tensor(x_train, dtype=torch.float32) / 255.0
for xb, yb in DataLoader(TensorDataset(X, torch.tensor(y_train)), batch_size=64):
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "rebinding": KERAS_HEAD
    + """
X = torch.tensor(x_train).float()
X = X / 255.
for xb in X.split(64):
    model(xb).sum().backward()
""",
    "in-place division": KERAS_HEAD
    + """
X = torch.tensor(x_train).float()
X.div_(255)
for xb in X.split(64):
    model(xb).sum().backward()
""",
    "scaled in the loop body": VISION_HEAD
    + """
X = train.data
for i in range(0, len(X), 100):
    xb = X[i:i + 100].float() / 255
    model(xb).sum().backward()
""",
    "standardised": VISION_HEAD
    + """
X = train.data.float()
X = (X - X.mean()) / X.std()
for xb in X.split(64):
    model(xb).sum().backward()
""",
    "normalize function": VISION_HEAD
    + """
X = train.data.float()
for xb in X.split(64):
    model(F.normalize(xb)).sum().backward()
""",
    "inference only": VISION_HEAD
    + """
X = train.data.float()
with torch.no_grad():
    for xb in X.split(64):
        print(model(xb).argmax(1))
""",
    "through the transform": VISION_HEAD
    + """
loader = DataLoader(train, batch_size=64, shuffle=True)
for xb, yb in loader:
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "data set indexed": VISION_HEAD
    + """
for i in range(len(train)):
    xb, yb = train[i]
    loss = F.cross_entropy(model(xb), torch.tensor([yb]))
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "data attribute rescaled in place": VISION_HEAD
    + """
train.data = train.data.float() / 255
X = train.data
for xb in X.split(64):
    model(xb).sum().backward()
""",
    "data attribute for the shape only": VISION_HEAD
    + """
n, h, w = train.data.shape
print(train.data[0])
loader = DataLoader(train, batch_size=64)
for xb, yb in loader:
    F.cross_entropy(model(xb), yb).backward()
""",
    "model starts with batch norm": VISION_HEAD
    + """
bn_model = nn.Sequential(nn.Flatten(), nn.BatchNorm1d(784), nn.Linear(784, 10))
for xb in train.data.float().split(64):
    bn_model(xb).sum().backward()
""",
    "module holding a norm layer": """
import torch
import torch.nn as nn
import torchvision
train = torchvision.datasets.CIFAR10("data", train=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.bn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 30 * 30, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.bn(self.conv(x))), 1))

model = Net()
X = torch.tensor(train.data).permute(0, 3, 1, 2).float()
for xb in X.split(64):
    model(xb).sum().backward()
""",
    "forward rescales": """
import torch
import torch.nn as nn
import torchvision
train = torchvision.datasets.MNIST("data", train=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        x = x.view(-1, 784) / 255.0
        return self.fc(x)

model = Net()
for xb in train.data.float().split(64):
    model(xb).sum().backward()
""",
    "model we cannot see": VISION_HEAD
    + """
other = torchvision.models.resnet18(num_classes=10)
for xb in train.data.float().split(64):
    other(xb).sum().backward()
""",
    "an unknown helper may scale in place": VISION_HEAD
    + """
from helpers import standardize_
X = train.data.float()
standardize_(X)
for xb in X.split(64):
    model(xb).sum().backward()
""",
    "unknown preprocessing function": VISION_HEAD
    + """
from helpers import preprocess
X = preprocess(train.data.float())
for xb in X.split(64):
    model(xb).sum().backward()
""",
    "a view of the pixels divided in place": KERAS_HEAD
    + """
X = torch.tensor(x_train).float()
V = X.view(-1, 784)
V.div_(255)
for xb in X.split(64):
    model(xb).sum().backward()
""",
    "an alias of the pixels divided in place": KERAS_HEAD
    + """
X = x_train.reshape(-1, 784).astype("float32")
X2 = X
X2 /= 255
for xb in torch.tensor(X).split(64):
    model(xb).sum().backward()
""",
    "the numpy array under from_numpy scaled in place": KERAS_HEAD
    + """
xf = x_train.astype("float32")
loader = DataLoader(TensorDataset(torch.from_numpy(xf)), batch_size=64)
xf /= 255.0
for (xb,) in loader:
    model(xb).sum().backward()
""",
    "not pixels": """
import torch
import torch.nn as nn
from tensorflow import keras
(x, y), _ = keras.datasets.boston_housing.load_data()
model = nn.Sequential(nn.Linear(13, 1))
X = torch.tensor(x).float()
for xb in X.split(32):
    model(xb).sum().backward()
""",
}


@pytest.mark.parametrize("source", list(FIRES.values()), ids=list(FIRES))
def test_fires_on_the_model_call(source: str) -> None:
    assert _lines(source) == _marked(source)


@pytest.mark.parametrize("source", list(SILENT.values()), ids=list(SILENT))
def test_silent(source: str) -> None:
    assert _lines(source) == []


def test_labels_scaled_like_pixels_before_a_torch_loss() -> None:
    source = KERAS_HEAD + textwrap.dedent(
        """
        x_train, y_train = x_train / 255.0, y_train / 255.0  # scaled
        X = torch.tensor(x_train).float()
        Y = torch.tensor(y_train).long()
        for xb, yb in DataLoader(TensorDataset(X, Y), batch_size=64, shuffle=True):
            loss = nn.CrossEntropyLoss()(model(xb), yb)
            opt.zero_grad(); loss.backward(); opt.step()
        """
    )
    lines = [n for n, line in enumerate(source.split("\n"), 1) if line.endswith("# scaled")]
    assert _lines(source, "LF413") == lines


def test_coarser_classes_are_not_scaled_labels() -> None:
    source = KERAS_HEAD + textwrap.dedent(
        """
        X = torch.tensor(x_train).float() / 255
        Y = torch.tensor(y_train // 5).long()
        for xb, yb in zip(X.split(64), Y.split(64)):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(); loss.backward(); opt.step()
        """
    )
    assert _lines(source, "LF413") == []


def test_scaled_labels_with_a_regression_loss_are_silent() -> None:
    source = KERAS_HEAD + textwrap.dedent(
        """
        X = torch.tensor(x_train).float() / 255
        Y = torch.tensor(y_train / 9.0).float()
        for xb, yb in zip(X.split(64), Y.split(64)):
            loss = F.mse_loss(model(xb)[:, 0], yb)
            opt.zero_grad(); loss.backward(); opt.step()
        """
    )
    assert _lines(source, "LF413") == []
