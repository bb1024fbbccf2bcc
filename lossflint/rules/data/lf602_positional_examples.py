"""LF602 examples of loops matched to other data by position. GAN tutorials
(znxlwm's and togheppi's cDCGAN on CelebA, audit s127) sort an image folder
and slice a pickled label array with the batch counter, ``label[bs * i:bs *
(i + 1)]``: the loader must keep its order, shuffling it would mislabel every
batch. A window of recent losses sliced by the counter matches nothing. A
loader zipped with a progress bar (``zip(pbar, loader)``, VQGAN-pytorch,
audit s127) is iterated all the same."""

from lossflint.examples import Invalid
from lossflint.rules.data.lf602_loader_subclass_examples import (
    LOADER_SUBCLASS_INVALID,
    LOADER_SUBCLASS_VALID,
)
from lossflint.rules.data.lf602_spread_options_examples import (
    SPREAD_OPTIONS_INVALID,
    SPREAD_OPTIONS_VALID,
)

_SLICED = """
import pickle
import torch
from torchvision import datasets, transforms

dset = datasets.ImageFolder("data/celebA", transforms.ToTensor())
dset.imgs.sort()
loader = torch.utils.data.DataLoader(dset, batch_size=128, shuffle=False){marker}
labels = torch.LongTensor(pickle.load(open("labels.pkl", "rb")))
history = []

D = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.LazyLinear(1))
opt = torch.optim.Adam(D.parameters(), lr=2e-4)
for epoch in range(5):
{loop}
        out = D(torch.cat([x.flatten(1), y.float()[:, None]], 1)).squeeze(1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

_ENUMERATED = """\
    for i, (x, _) in enumerate(loader):
        y = labels[128 * i:128 * (i + 1)]"""

_COUNTED = """\
    n = 0
    for x, _ in loader:
        y = labels[x.size(0) * n:x.size(0) * (n + 1)]
        n += 1"""

_WINDOW = """\
    for i, (x, y) in enumerate(loader):
        recent = history[i - 100:i]"""

_ZIPPED = """
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm


class Images(Dataset):
    def __init__(self, files):
        self.files = files

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return torch.load(self.files[i])


model = torch.nn.Conv2d(3, 3, 3, padding=1)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
loader = DataLoader(Images(files), batch_size=6, shuffle=False)  # error: LF602
for epoch in range(100):
    with tqdm(range(len(loader))) as pbar:
        for i, imgs in zip(pbar, loader):
            loss = (model(imgs) - imgs).abs().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
"""

# a data set whose length is its ``num_samples``
_SAMPLES = """
import torch


class Regression(torch.utils.data.Dataset):
    def __init__(self, timesteps, num_samples):
        self.num_samples = num_samples
        ends = [float(torch.rand(1)) for _ in range(num_samples)]
        self.features = torch.stack([torch.linspace(0.0, e, timesteps) for e in ends], dim=1)

    def __len__(self):
        return self.num_samples

    def __getitem__(self, idx):
        return self.features[:, idx], self.features[:, idx]


num_samples = {n}
loader = torch.utils.data.DataLoader(Regression(50, num_samples=num_samples), batch_size=1){marker}
model = torch.nn.Linear(50, 50)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(100):
    for x, y in loader:
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
"""

POSITIONAL_INVALID = [
    Invalid(_SAMPLES.format(n=1000, marker="  # error: LF602")),
    *LOADER_SUBCLASS_INVALID,
    *SPREAD_OPTIONS_INVALID,
    Invalid(_SLICED.format(loop=_WINDOW, marker="  # error: LF602")),
    Invalid(_ZIPPED),
]

POSITIONAL_VALID = [
    # one sample: no order to learn (snntorch's regression tutorial, audit s193)
    _SAMPLES.format(n=1, marker=""),
    *LOADER_SUBCLASS_VALID,
    *SPREAD_OPTIONS_VALID,
    _SLICED.format(loop=_ENUMERATED, marker=""),
    _SLICED.format(loop=_COUNTED, marker=""),
]
