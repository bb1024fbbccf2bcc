"""LF602 examples of loaders whose options are spread from a dict, and of a
loader wrapped by keyword. fast-neural-style (audit s160) builds its
training loader with ``**kwargs``, ``kwargs`` being ``{'num_workers': 0,
'pin_memory': False}`` or ``{}``: known keys, none of which orders the
batches, so the loader reads its image folder in order. A dict that may
carry ``shuffle`` or a sampler, one filled later or handed in, stays
unknown. SentimentAnalysis (audit s161) iterates its loader through
``tqdm(iterable=train_loader, ...)``: the same batches as ``tqdm(train_loader)``."""

from lossflint.examples import Invalid

_SPREAD = """
import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def train(args, model):
{options}
    train_dataset = datasets.ImageFolder(args.dataset, transforms.ToTensor())
    train_loader = DataLoader(train_dataset, batch_size=args.batch_size, **kwargs){marker}
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    for e in range(args.epochs):
        for x, _ in train_loader:
            optimizer.zero_grad()
            loss = ((model(x) - x) ** 2).mean()
            loss.backward()
            optimizer.step()
"""

_BOTH = """\
    if args.cuda:
        kwargs = {"num_workers": 0, "pin_memory": False}
    else:
        kwargs = {}"""

_WRAPPED = """
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm


class Sentences(Dataset):
    def __init__(self, filename):
        self.df = pd.read_csv(filename, delimiter="\\t")

    def __len__(self):
        return len(self.df)

    def __getitem__(self, index):
        return torch.tensor([len(self.df.loc[index, "sentence"])], dtype=torch.float), self.df.loc[index, "label"]


def train(model, train_loader, optimizer, criterion):
    for x, labels in tqdm({wrapped}, desc="Training"):
        optimizer.zero_grad()
        loss = criterion(model(x).squeeze(-1), labels.float())
        loss.backward()
        optimizer.step()


model = torch.nn.Linear(1, 1)
loader = DataLoader(dataset=Sentences("train.tsv"), batch_size=32){marker}
for epoch in range(3):
    train(model, loader, torch.optim.Adam(model.parameters()), torch.nn.BCEWithLogitsLoss())
"""

SPREAD_OPTIONS_INVALID = [
    Invalid(_SPREAD.format(options=_BOTH, marker="  # error: LF602")),
    Invalid(_SPREAD.format(options="    kwargs = dict(num_workers=2)", marker="  # error: LF602")),
    Invalid(_WRAPPED.format(wrapped="iterable=train_loader", marker="  # error: LF602")),
    Invalid(_WRAPPED.format(wrapped="train_loader", marker="  # error: LF602")),
]

SPREAD_OPTIONS_VALID = [
    # the spread dict may order the batches, or what it holds is not known here
    _SPREAD.format(options='    kwargs = {"num_workers": 0, "shuffle": True}', marker=""),
    _SPREAD.format(
        options=_BOTH + '\n    kwargs["sampler"] = torch.utils.data.RandomSampler(range(9))',
        marker="",
    ),
    _SPREAD.format(options="    kwargs = args.loader_options", marker=""),
    _SPREAD.format(options=_BOTH + "\n    kwargs.update(args.extra)", marker=""),
    _SPREAD.format(options='    kwargs = {"batch_size": 10**9}', marker="").replace(
        "batch_size=args.batch_size, ", ""
    ),
]
