"""LF603 examples of a dropout rate handed to the model's constructor: the
constructions of the file pass different rates, each above 0
(``TransferModel(dropout=0.5)`` and a factory's ``TransferModel(dropout=0.3)``,
HongguLiu/Deepfake-Detection, audit s185): the model holds an active dropout
whichever built it. One construction passing 0 leaves it unknown. Also a model
unwrapped from ``DataParallel`` (``model = model.module``): the same model.
And an inference notebook that builds the model, loads its trained weights
and runs it over the test set for sklearn's metrics, never calling
``eval()`` (Deceptrax123/Crop-Weed-Semantic-Segmentation, audit s205)."""

from __future__ import annotations

from lossflint.examples import Invalid

_TRANSFER = """
import torch
import torch.nn as nn


class TransferModel(nn.Module):
    def __init__(self, num_out_classes=2, dropout=0.5):
        super().__init__()
        self.last_linear = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(2048, num_out_classes))

    def forward(self, x):
        return self.last_linear(x)


def model_selection(num_out_classes):
    return TransferModel(num_out_classes=num_out_classes, dropout={rate})


def run(frames, model_path):
    model = TransferModel(num_out_classes=2, dropout=0.5)
    model.load_state_dict(torch.load(model_path))
    with torch.no_grad():
        for image in frames:
            out = model(image){marker}
            print(torch.argmax(out, 1))
"""

CONSTRUCTION_INVALID = [
    Invalid(_TRANSFER.format(rate="0.3", marker="  # error: LF603 at `model(image)`")),
]

CONSTRUCTION_VALID = [
    _TRANSFER.format(rate="0.0", marker=""),
]

# ``model.module`` after ``isinstance(model, nn.DataParallel)``: the model
# the wrapper holds, still in train mode (Deepfake-Detection, audit s185)
_UNWRAPPED = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Sequential(nn.Dropout(p=0.5), nn.Linear(10, 2))

    def forward(self, x):
        return self.fc(x)


def run(frames, model_path):
    model = Net()
    model.load_state_dict(torch.load(model_path))
    if isinstance(model, nn.DataParallel):
        model = model.module
    {switch}
    with torch.no_grad():
        for image in frames:
            print(torch.argmax(model(image), 1)){marker}
"""

CONSTRUCTION_INVALID.append(
    Invalid(_UNWRAPPED.format(switch="", marker="  # error: LF603 at `model(image)`"))
)
CONSTRUCTION_VALID.append(_UNWRAPPED.format(switch="model.eval()", marker=""))

_RESTORED = """
import torch
from torch import nn
from torch.utils.data import DataLoader
from sklearn.metrics import f1_score


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.dp = nn.Dropout2d()
        self.out = nn.Conv2d(8, 3, 1)

    def forward(self, x):
        return self.out(self.dp(torch.relu(self.conv(x))))


model = Net()
{before}
model.load_state_dict(torch.load("model250.pth"))
{after}
for x_sample, y_sample in DataLoader(test_set, batch_size=4):
    predictions = model(x_sample){marker}

preds = torch.argmax(predictions, dim=1)
f1 = f1_score(y_sample.flatten().numpy(), preds.flatten().numpy(), average="weighted")
"""

CONSTRUCTION_INVALID.append(
    Invalid(_RESTORED.format(before="", after="", marker="  # error: LF603 at `model(x_sample)`"))
)
CONSTRUCTION_VALID += [
    _RESTORED.format(before="", after="model.eval()", marker=""),
    # the file trains the model (a fine-tuning from the checkpoint): not an inference pass
    _RESTORED.format(
        before="",
        after="opt = torch.optim.SGD(model.parameters(), lr=0.01)",
        marker="\n    model(x_sample).mean().backward()\n    opt.step()",
    ),
]

# predictions only, evaluated cells later (a notebook's test_metrics): the loop
# over the loader is the prediction pass
CONSTRUCTION_INVALID.append(
    Invalid(
        _RESTORED.format(before="", after="", marker="  # error: LF603 at `model(x_sample)`")
        .replace("preds = torch.argmax(predictions, dim=1)", "probs = predictions.softmax(1)")
        .replace("f1 = f1_score(", "plot(")
    )
)
# not a loop over batches of a loader: a single sample shown
CONSTRUCTION_VALID.append(
    _RESTORED.format(before="", after="", marker="")
    .replace("for x_sample, y_sample in DataLoader(test_set, batch_size=4):", "if show:")
    .replace("preds = torch.argmax(predictions, dim=1)", "probs = predictions.softmax(1)")
    .replace("f1 = f1_score(", "plot(")
)

#: batch norm built only behind an ``__init__`` flag that defaults to None
#: (polixir/OfflineRL's ``MLP``, audit s219): the construction that leaves it
#: off builds no mode layer; the one passing ``norm="bn"`` does
_FLAGGED_NORM = """
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, in_features, out_features, hidden, layers, norm=None):
        super().__init__()
        net = []
        for i in range(layers):
            net.append(nn.Linear(in_features if i == 0 else hidden, hidden))
            if norm:
                if norm == "bn":
                    net.append(nn.BatchNorm1d(hidden))
            net.append(nn.ReLU())
        net.append(nn.Linear(hidden, out_features))
        self.net = nn.Sequential(*net)

    def forward(self, x):
        return self.net(x)


class Callback:
    def initialize(self, buffer):
        self.transition = MLP(6, 5, 512, 3{norm})
        optim = torch.optim.Adam(self.transition.parameters(), lr=1e-3)
        for x, y in buffer:
            loss = ((self.transition(x) - y) ** 2).mean()
            optim.zero_grad()
            loss.backward()
            optim.step()

    def __call__(self, obs):
        with torch.no_grad():
            return self.transition(obs).mean().item(){marker}
"""
CONSTRUCTION_VALID.append(_FLAGGED_NORM.format(norm="", marker=""))
CONSTRUCTION_INVALID.append(
    Invalid(
        _FLAGGED_NORM.format(
            norm=', norm="bn"', marker="  # error: LF603 at `self.transition(obs)`"
        )
    )
)

#: a rollout baseline (Rintarooo/VRP_DRL_MHA, audit s222): a deep copy of the
#: training model, run greedily over a ``DataLoader`` with ``no_grad`` inside
#: the batch loop and the costs collected; nothing puts either model in eval
#: mode, so batch norm normalises with each rollout batch's statistics
_ROLLOUT = """
import copy
import torch
import torch.nn as nn
from torch.utils.data import DataLoader


class AttentionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 16)
        self.bn = nn.BatchNorm1d(16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        cost = self.out(self.bn(self.lin(x))).squeeze(-1)
        return cost, cost


class RolloutBaseline:
    def __init__(self, model, dataset):
        self.model = copy.deepcopy(model)
        self.dataset = dataset
        self.bl_vals = self.rollout(self.model, dataset)

    def rollout(self, model, dataset):
        {switch}
        costs = []
        for inputs in DataLoader(dataset, batch_size=1000):
            with torch.no_grad():
                cost, _ = model(inputs){marker}
                costs.append(cost)
        return torch.cat(costs, 0)

    def epoch_callback(self, model):
        if self.rollout(model, self.dataset).mean() < self.bl_vals.mean():
            self.model = copy.deepcopy(model)


def train(dataset):
    model = AttentionModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    baseline = RolloutBaseline(model, dataset)
    for epoch in range(3):
        model.train()
        for inputs in DataLoader(dataset, batch_size=512, shuffle=True):
            cost, log_likelihood = model(inputs)
            loss = ((cost - cost.mean()).detach() * log_likelihood).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        baseline.epoch_callback(model)
"""
CONSTRUCTION_INVALID.append(
    Invalid(_ROLLOUT.format(switch="", marker="  # error: LF603 at `model(inputs)`"))
)
CONSTRUCTION_VALID.append(_ROLLOUT.format(switch="model.eval()", marker=""))
