"""LF602 examples of libraries' data sets. MONAI (audit s118, the MONAI bootcamp's cardiac
segmentation notebooks): its indexable data sets (``ArrayDataset``,
``monai.data.Dataset``, ``CacheDataset``) keep their order like any map-style
set, and ``SupervisedTrainer(train_data_loader=loader)`` trains on the loader
it is given; an iterable MONAI data set (``GridPatchDataset``) or a shuffled
loader is silent. A project class deriving from a torchvision data set
without its own ``__getitem__`` (MPL-pytorch's ``CIFAR10SSL``, audit s120)
inherits the stored order; one whose ``__getitem__`` draws at random does not."""

from lossflint.examples import Invalid

_ARRAYS = """
import torch
from monai.data import ArrayDataset, DataLoader, {dataset}

images = torch.rand(100, 1, 64, 64)
segs = (torch.rand(100, 1, 64, 64) > 0.5).float()
train_ds = {build}
loader = DataLoader(train_ds, batch_size=8{extra}){marker}

net = torch.nn.Conv2d(1, 1, 3, padding=1)
opt = torch.optim.Adam(net.parameters(), 1e-3)
for epoch in range(10):
    for x, y in loader:
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(net(x), y).backward()
        opt.step()
"""

_TRAINER = """
import torch
from monai.data import CacheDataset, DataLoader
from monai.engines import SupervisedTrainer
from monai.losses import DiceLoss

train_ds = CacheDataset(data=files, transform=transforms)
loader = DataLoader(dataset=train_ds, batch_size=50{extra}){marker}
net = torch.nn.Conv2d(1, 1, 3, padding=1)
trainer = SupervisedTrainer(
    device=torch.device("cpu"),
    max_epochs=200,
    train_data_loader=loader,
    network=net,
    optimizer=torch.optim.Adam(net.parameters(), 5e-3),
    loss_function=DiceLoss(sigmoid=True),
)
trainer.run()
"""

_SUBCLASS = """
import random

from torch import nn, optim
from torch.utils.data import DataLoader
from torchvision import datasets


class CIFAR10SSL(datasets.CIFAR10):
    def __init__(self, root, indexs, train=True):
        super().__init__(root, train=train)
        self.data = self.data[indexs]
{getitem}

model = nn.Sequential(nn.Flatten(), nn.Linear(3072, 10))
ds = CIFAR10SSL("data", [0, 1, 2])
loader = DataLoader(ds, batch_size=16){marker}
optimizer = optim.SGD(model.parameters(), lr=0.01)
for epoch in range(3):
    for images, targets in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(images), targets).backward()
        optimizer.step()
"""

_RANDOM_ITEM = """
    def __getitem__(self, index):
        return super().__getitem__(random.randrange(len(self.data)))
"""

LIBRARY_INVALID = [
    Invalid(_SUBCLASS.format(getitem="", marker="  # error: LF602 at `DataLoader(`")),
    Invalid(
        _ARRAYS.format(
            dataset="Dataset",
            build="ArrayDataset(images, seg=segs)",
            extra="",
            marker="  # error: LF602 at `DataLoader(`",
        )
    ),
    Invalid(
        _ARRAYS.format(
            dataset="Dataset",
            build='Dataset([{"img": i, "seg": s} for i, s in zip(images, segs)])',
            extra="",
            marker="  # error: LF602 at `DataLoader(`",
        )
    ),
    Invalid(_TRAINER.format(extra="", marker="  # error: LF602 at `DataLoader(`")),
]

LIBRARY_VALID = [
    # the subclass draws a random row whatever index it is asked for
    _SUBCLASS.format(getitem=_RANDOM_ITEM, marker=""),
    _ARRAYS.format(
        dataset="Dataset", build="ArrayDataset(images, seg=segs)", extra=", shuffle=True", marker=""
    ),
    # patches drawn from an iterable data set: no index order to keep
    _ARRAYS.format(
        dataset="GridPatchDataset",
        build="GridPatchDataset(images, patch_iter)",
        extra="",
        marker="",
    ),
    _TRAINER.format(extra=", shuffle=True", marker=""),
]
