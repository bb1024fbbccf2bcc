"""LF104 examples of audit R55: a torchvision classifier fine-tuned with a
replaced head (reproduce-chexnet's ``model.classifier = nn.Sequential(
nn.Linear(n, 14), nn.Sigmoid())`` on DenseNet-121, trained with ``BCELoss``)
gives what that head gives; an attribute its ``forward`` never reads is no
head. A value bound to None on another path is what the path reaching the loss
gives (deepvoice3, audit s138)."""

from __future__ import annotations

from lossflint.examples import Invalid

_FINE_TUNED = """
import torch
import torch.nn as nn
from torchvision import models

def train_model(model, criterion, optimizer, loader):
    for inputs, labels in loader:
        outputs = model(inputs)
        optimizer.zero_grad()
        loss = criterion(outputs, labels){marker}
        loss.backward()
        optimizer.step()

def train_cnn(loader):
    model = models.{ctor}(weights="DEFAULT")
    model.{attr} = nn.Sequential(nn.Linear(1024, 14), nn.Sigmoid())
    model = model.cuda()
    criterion = nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    train_model(model, criterion, optimizer, loader)
"""

VISION_HEAD_INVALID = [
    Invalid(
        _FINE_TUNED.format(
            ctor="densenet121", attr="classifier", marker="  # error: LF104 at `criterion(`"
        )
    ),
    Invalid(
        _FINE_TUNED.format(ctor="resnet50", attr="fc", marker="  # error: LF104 at `criterion(`")
    ),
]

VISION_HEAD_VALID = [
    # a ResNet's forward ends in ``fc``: a ``classifier`` attribute is never run
    _FINE_TUNED.format(ctor="resnet50", attr="classifier", marker=""),
]

#: deepvoice3's stop-token loss (audit s138): ``done_hat`` is None on a path
#: that never reaches the loss; the other path's sigmoid is what the loss gets
_NONE_BRANCH = """
import torch
import torch.nn as nn

net = nn.Linear(80, 1)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
binary_criterion = nn.BCELoss()
for mel, done in loader:
    optimizer.zero_grad()
    done_hat = None
    if train_seq2seq:
        done_hat = {head}
    if done_hat is not None:
        loss = binary_criterion(done_hat, done){marker}
        loss.backward()
    optimizer.step()
"""

NONE_BRANCH_INVALID = [
    Invalid(
        _NONE_BRANCH.format(
            head="torch.sigmoid(net(mel))", marker="  # error: LF104 at `binary_criterion(`"
        )
    ),
]

NONE_BRANCH_VALID = [
    # probabilities of another kind on the one path that sets it: not a sigmoid
    _NONE_BRANCH.format(head="torch.softmax(net(mel), dim=0)", marker=""),
]

#: UNET-ZOO's ``getModel`` (audit s167): the model is assigned only under
#: ``if args.arch == ...``, in a file with a star import; a function's local
#: that a path never bound raises there, it is not the star import's name
_LOCAL_BRANCH = """
import sys
import torch
import torch.nn as nn
from dataset import *


class Unet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 1)

    def forward(self, x):
        return nn.Sigmoid()(self.conv(x))


{getter}


def train(model, criterion, optimizer, loader):
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y){marker}
        loss.backward()
        optimizer.step()


model = get_model(sys.argv[1])
optimizer = torch.optim.Adam(model.parameters())
train(model, torch.nn.BCELoss(), optimizer, loader)
"""

_IN_A_FUNCTION = """def get_model(arch):
    if arch == "unet":
        model = Unet()
    return model"""

LOCAL_BRANCH_INVALID = [
    Invalid(_LOCAL_BRANCH.format(getter=_IN_A_FUNCTION, marker="  # error: LF104 at `criterion(`")),
]

LOCAL_BRANCH_VALID = [
    # at module level the other path's ``model`` may be the star import's
    _LOCAL_BRANCH.format(
        getter='def get_model(arch):\n    return model\n\n\nif sys.argv[2] == "unet":\n    model = Unet()',
        marker="",
    ),
]
