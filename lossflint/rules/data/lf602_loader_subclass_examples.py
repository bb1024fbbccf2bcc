"""LF602 examples of a ``DataLoader`` subclass that passes its arguments on
(kaituoxu/Listen-Attend-Spell's ``AudioDataLoader``, audit s131): built
without ``shuffle``, its utterances sorted longest first come in that order
every epoch. The cross-validation loader the same epoch function iterates
with ``backward``/``step`` only ``if not cross_valid`` is evaluated on, not
trained on (``cv_loader``). A subclass that overrides what it samples is
not a ``DataLoader`` by another name. The minGPT trainer of CS224N's a5
(audit s135) builds one loader over ``self.train_dataset if is_train else
self.test_dataset``, with ``test_dataset=None`` from its one construction:
the training pass's loader."""

from __future__ import annotations

from lossflint.examples import Invalid

_SOLVER = """
import torch
import torch.nn as nn
import torch.utils.data as data


class AudioDataset(data.Dataset):
    def __init__(self, utts, batch_size):
        utts = sorted(utts, key=len, reverse=True)
        self.minibatch = [utts[i:i + batch_size] for i in range(0, len(utts), batch_size)]

    def __getitem__(self, index):
        return self.minibatch[index]

    def __len__(self):
        return len(self.minibatch)


class AudioDataLoader(data.DataLoader):
    def __init__(self, *args, **kwargs):
        super(AudioDataLoader, self).__init__(*args, **kwargs)
        self.collate_fn = _collate_fn


class Solver(object):
    def __init__(self, data, model, optimizer):
        self.tr_loader = data['tr_loader']
        self.cv_loader = data['cv_loader']
        self.model = model
        self.optimizer = optimizer

    def train(self):
        for epoch in range(10):
            self.model.train()
            tr = self._run_one_epoch(epoch)
            self.model.eval()
            cv = self._run_one_epoch(epoch, cross_valid=True)

    def _run_one_epoch(self, epoch, cross_valid=False):
        total_loss = 0
        data_loader = self.tr_loader if not cross_valid else self.cv_loader
        for i, (x, y) in enumerate(data_loader):
            loss = self.model(x, y)
            if not cross_valid:
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            total_loss += loss.item()
        return total_loss / (i + 1)


def main(utts):
    tr_loader = AudioDataLoader(AudioDataset(utts, 32), batch_size=1{shuffle}){marker}
    cv_loader = AudioDataLoader(AudioDataset(utts, 32), batch_size=1)
    model = nn.Linear(40, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    Solver({{'tr_loader': tr_loader, 'cv_loader': cv_loader}}, model, optimizer).train()
"""

_OWN_INIT = """
import torch
import torch.utils.data as data


class BucketLoader(data.DataLoader):
    def __init__(self, dataset, batch_size):
        super().__init__(dataset, batch_size=batch_size, sampler=BucketSampler(dataset))


model = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loader = BucketLoader(dataset, 8)
for x, y in loader:
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

_MIN_GPT = """
import torch
from torch.utils.data import DataLoader, Dataset


class CharDataset(Dataset):
    def __init__(self, data):
        self.data = data

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.data[idx]


class Trainer:
    def __init__(self, model, train_dataset, test_dataset, config):
        self.model, self.train_dataset, self.test_dataset, self.config = model, train_dataset, test_dataset, config

    def train(self):
        model, config = self.model, self.config
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)

        def run_epoch(split):
            is_train = split == "train"
            model.train(is_train)
            data = self.train_dataset if is_train else self.test_dataset
            loader = DataLoader(data, batch_size=config.batch_size{shuffle}){marker}
            for x, y in loader:
                with torch.set_grad_enabled(is_train):
                    logits, loss = model(x, y)
                if is_train:
                    model.zero_grad()
                    loss.backward()
                    optimizer.step()

        for epoch in range(config.max_epochs):
            run_epoch("train")
            if self.test_dataset is not None:
                run_epoch("test")


def main(model, text, config):
    Trainer(model, CharDataset(text), None, config).train()
"""

LOADER_SUBCLASS_INVALID = [
    Invalid(_MIN_GPT.format(shuffle="", marker="  # error: LF602 at `DataLoader(`")),
    Invalid(_SOLVER.format(shuffle="", marker="  # error: LF602 at `AudioDataLoader(`")),
]

LOADER_SUBCLASS_VALID = [
    _SOLVER.format(shuffle=", shuffle=True", marker=""),
    _OWN_INIT,
    _MIN_GPT.format(shuffle=", shuffle=True", marker=""),
]
