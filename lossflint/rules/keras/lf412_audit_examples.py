"""LF412 examples from the real-code audits (session 15); kept apart so the
rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_LOADER = """
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets

fmnist = datasets.FashionMNIST("~/data", download=True, train=True)

class Images(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __getitem__(self, ix):
        return self.x[ix], self.y[ix]
    def __len__(self):
        return len(self.x)
    def collate_fn(self, batch):
        ims, classes = list(zip(*batch))
        return torch.stack(ims)[:, None].float() / 255.0, torch.tensor(classes)

train = Images(fmnist.data, fmnist.targets)
loader = DataLoader(train, batch_size=64, collate_fn={collate})
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
opt = torch.optim.Adam(model.parameters())
for x, y in loader:
    loss = nn.functional.cross_entropy(model(x), y){mark}
    loss.backward()
    opt.step()
"""

AUDIT_INVALID = [
    # no collate function: the raw uint8 rows reach the model
    Invalid(_LOADER.format(collate="None", mark="  # error: LF412 at `model(`")),
]

AUDIT_VALID = [
    # the images are scaled by the data set's collate_fn, which the loader runs
    # on every batch (Modern Computer Vision with PyTorch, audit s17)
    _LOADER.format(collate="train.collate_fn", mark=""),
]
