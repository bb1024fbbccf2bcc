"""LF602 examples of loaders built by a dict comprehension. The PyTorch
transfer-learning tutorial's shape, ``dataloaders = {x:
DataLoader(image_datasets[x], ...) for x in ["train", "val"]}``, iterated as
``dataloaders[phase]``: every key holds the same call, so the training phase
reads that call's loader. fastai's course (audit s165) builds them in a
helper, ``{k: DataLoader(v, bs, **kwargs) for k, v in dsd.items()}`` over
Hugging Face splits, called with ``collate_fn`` alone: the helper's
``**kwargs`` hold no order option at its only call."""

from lossflint.examples import Invalid

_TUTORIAL = """
import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

image_datasets = {{x: datasets.ImageFolder(f"data/{{x}}", transforms.ToTensor()) for x in ["train", "val"]}}
dataloaders = {{x: DataLoader(image_datasets[x], batch_size=4{options}) for x in ["train", "val"]}}{marker}
model = torch.nn.Linear(3, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = torch.nn.CrossEntropyLoss()
for epoch in range(3):
    for phase in ["train", "val"]:
        model.train(phase == "train")
        for inputs, labels in dataloaders[phase]:
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                loss = criterion(model(inputs), labels)
                if phase == "train":
                    loss.backward()
                    optimizer.step()
"""

_HELPER = """
import torch.nn.functional as F
from datasets import load_dataset
from torch import nn, optim
from torch.utils.data import DataLoader, default_collate


def data_loaders(dsd, bs, **kwargs):
    return {{k: DataLoader(v, bs{options}, **kwargs) for k, v in dsd.items()}}{marker}


def fit(epochs, model, opt, train_dl):
    for epoch in range(epochs):
        for xb, _ in train_dl:
            loss = F.mse_loss(model(xb), xb)
            loss.backward()
            opt.step()
            opt.zero_grad()


dsd = load_dataset("fashion_mnist").with_transform(lambda b: b)
dls = data_loaders(dsd, 256, {given})
ae = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 784))
fit(5, ae, optim.SGD(ae.parameters(), lr=0.01), dls["train"])
"""

LOADER_DICT_INVALID = [
    Invalid(_TUTORIAL.format(options="", marker="  # error: LF602")),
    Invalid(
        _HELPER.format(options="", given="collate_fn=default_collate", marker="  # error: LF602")
    ),
    Invalid(
        _HELPER.format(
            options="", given="num_workers=2, collate_fn=default_collate", marker="  # error: LF602"
        )
    ),
]

LOADER_DICT_VALID = [
    _TUTORIAL.format(options=", shuffle=True", marker=""),
    _TUTORIAL.format(options=', shuffle=x == "train"', marker=""),
    # the helper's caller asks for shuffling, or what it passes is not known
    _HELPER.format(options="", given="collate_fn=default_collate, shuffle=True", marker=""),
    _HELPER.format(options="", given="**loader_options", marker=""),
    _HELPER.format(options=', shuffle=k == "train"', given="collate_fn=default_collate", marker=""),
    _HELPER.format(options="", given="collate_fn=default_collate", marker="")
    + "\nmore = data_loaders(dsd, 64, sampler=torch.utils.data.RandomSampler(dsd['train']))\n",
    # the splits are shuffled before the loaders read them
    _HELPER.format(options="", given="collate_fn=default_collate", marker="").replace(
        'load_dataset("fashion_mnist")', 'load_dataset("fashion_mnist").shuffle(seed=0)'
    ),
]
