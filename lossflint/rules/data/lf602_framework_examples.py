"""LF602 examples from framework data sets and hooks: Hugging Face
``datasets`` splits, torchvision classes named from their module, the
Hugging Face Trainer's ``get_train_dataloader`` (session-14 audits), a
sampler that is None on the single-process path (audit R21), a data set shuffled
in ``__init__`` under a fixed seed, a ``Subset`` of a stored data set by
``range`` (audit R81)."""

from lossflint.examples import Invalid

#: a Hugging Face ``Trainer`` subclass building its own training loader
#: (held-out s16 p08, s17 p08); ``{extra}``: the loader's last arguments
_HF_OVERRIDE = """
from torch.utils.data import DataLoader
from transformers import Trainer

class TaggingTrainer(Trainer):
    def get_train_dataloader(self):
        loader = DataLoader(self.train_dataset, collate_fn=self.data_collator{extra}){marker}
        return loader
"""

#: a ``Subset`` of a stored data set (wandb's sweep example, audit R81)
_SUBSET = """
import torch
import torch.nn.functional as F
from torchvision import datasets, transforms


def build_loader(batch_size):
    dataset = datasets.MNIST(".", train=True, download=True, transform=transforms.ToTensor())
    sub_dataset = torch.utils.data.Subset(dataset, indices={indices})
    return torch.utils.data.DataLoader(sub_dataset, batch_size=batch_size){marker}


def train_epoch(network, optimizer):
    for data, target in build_loader(64):
        optimizer.zero_grad()
        F.nll_loss(network(data), target).backward()
        optimizer.step()
"""

FRAMEWORK_INVALID = [
    # prepared by the Accelerator a trainer is handed (skorch's accelerate
    # example, audit s133): what ``prepare`` gives back is the loader
    Invalid(
        """
        import torch
        from accelerate import Accelerator

        class Net:
            def __init__(self, module, accelerator):
                self.module = module
                self.accelerator = accelerator

            def fit(self, X, y):
                dataset = torch.utils.data.TensorDataset(torch.as_tensor(X), torch.as_tensor(y))
                dataloader = torch.utils.data.DataLoader(dataset, batch_size=64)  # error: LF602
                optimizer = torch.optim.SGD(self.module.parameters(), lr=0.01)
                self.module, optimizer = self.accelerator.prepare(self.module, optimizer)
                dataloader = self.accelerator.prepare(dataloader)
                for epoch in range(5):
                    for source, targets in dataloader:
                        optimizer.zero_grad()
                        loss = torch.nn.functional.nll_loss(self.module(source), targets)
                        self.accelerator.backward(loss)
                        optimizer.step()

        net = Net(torch.nn.Linear(100, 2), Accelerator())
        """
    ),
    # every fifth item, in stored order
    Invalid(_SUBSET.format(indices="range(0, 60000, 5)", marker="  # error: LF602")),
    # a shuffle in __init__ under a fixed seed: one order, the same every epoch
    # (hifi-gan's and melgan's audio data sets)
    Invalid(
        """
        import random
        from torch.utils.data import DataLoader, Dataset

        class AudioDataset(Dataset):
            def __init__(self, files):
                self.audio_files = files
                random.seed(1234)
                random.shuffle(self.audio_files)
            def __len__(self):
                return len(self.audio_files)
            def __getitem__(self, index):
                return load(self.audio_files[index])

        loader = DataLoader(AudioDataset(files), batch_size=16)  # error: LF602 at `DataLoader(`
        for x in loader:
            opt.zero_grad()
            model(x).mean().backward()
            opt.step()
        """
    ),
    # a torchvision data set chosen by a flag: map-style either way
    # (ritheshkumar95/pytorch-vqvae, audit R48)
    Invalid(
        """
        import torch
        import torch.nn.functional as F
        from torchvision import datasets, transforms

        def main(args, model, optimizer):
            if args.dataset == "mnist":
                train_set = datasets.MNIST(args.root, train=True, transform=transforms.ToTensor())
            else:
                train_set = datasets.CIFAR10(args.root, train=True, transform=transforms.ToTensor())
            loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=False)  # error: LF602
            for images, _ in loader:
                optimizer.zero_grad()
                F.mse_loss(model(images), images).backward()
                optimizer.step()
        """
    ),
    Invalid(_HF_OVERRIDE.format(extra="", marker="  # error: LF602 at `DataLoader(`")),
    # a Hugging Face data set's split is map-style, in its stored order (imdb's
    # train split is sorted by label; lightning-transformers issue #272)
    Invalid(
        """
        import pytorch_lightning as pl
        from datasets import load_dataset
        from torch.utils.data import DataLoader

        class TextDataModule(pl.LightningDataModule):
            def setup(self, stage=None):
                self.ds = load_dataset("imdb").map(tokenize, batched=True)

            def train_dataloader(self):
                return DataLoader(self.ds["train"], batch_size=32)  # error: LF602
        """,
    ),
    # a torchvision data set named from its module
    Invalid(
        """
        from torch.utils.data import DataLoader
        from torchvision.datasets.mnist import MNIST
        train = MNIST("data", train=True, download=True)
        loader = DataLoader(train, batch_size=64)  # error: LF602
        for x, y in loader:
            loss = model(x).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """,
    ),
    # an override of the Hugging Face Trainer's training loader
    Invalid(
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset
        from transformers import Trainer

        class TabularTrainer(Trainer):
            def get_train_dataloader(self):
                ds = TensorDataset(torch.randn(100, 3), torch.randint(0, 2, (100,)))
                return DataLoader(ds, batch_size=8)  # error: LF602

            def get_eval_dataloader(self, eval_dataset=None):
                ds = TensorDataset(torch.randn(100, 3), torch.randint(0, 2, (100,)))
                return DataLoader(ds, batch_size=8)
        """,
    ),
    # the sampler is None on the single-process path (the default run), and
    # nothing shuffles there (NVIDIA/waveglow train.py, audit R21)
    Invalid(
        """
        import torch
        from torch.utils.data import DataLoader, Dataset
        from torch.utils.data.distributed import DistributedSampler

        class Clips(Dataset):
            def __init__(self, wavs):
                self.wavs = wavs

            def __len__(self):
                return len(self.wavs)

            def __getitem__(self, i):
                return self.wavs[i]

        def fit(net, wavs, world_size):
            clips = Clips(wavs)
            sampler = DistributedSampler(clips) if world_size > 1 else None
            feed = DataLoader(clips, batch_size=4, sampler=sampler, shuffle=False)  # error: LF602 at `DataLoader(clips`
            opt = torch.optim.Adam(net.parameters())
            for epoch in range(5):
                for w in feed:
                    opt.zero_grad()
                    net(w).pow(2).mean().backward()
                    opt.step()
        """
    ),
]

FRAMEWORK_VALID = [
    # a random subset: a permutation's order
    _SUBSET.format(indices="torch.randperm(60000)[:12000]", marker=""),
    # one branch a random split: the order is unknown
    """
    import torch
    import torch.nn.functional as F
    from torchvision import datasets, transforms

    def main(args, model, optimizer):
        full = datasets.MNIST(args.root, train=True, transform=transforms.ToTensor())
        if args.subset:
            train_set, _ = torch.utils.data.random_split(full, [50000, 10000])
        else:
            train_set = datasets.CIFAR10(args.root, train=True, transform=transforms.ToTensor())
        loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=False)
        for images, _ in loader:
            optimizer.zero_grad()
            F.mse_loss(model(images), images).backward()
            optimizer.step()
    """,
    # the trainer's own sampler, or shuffling
    _HF_OVERRIDE.format(extra=", sampler=self._get_train_sampler()", marker=""),
    _HF_OVERRIDE.format(extra=", shuffle=True", marker=""),
    # a project that streams may hand the trainer an iterable data set
    _HF_OVERRIDE.format(extra="", marker="")
    + "\nds = load_dataset('c4', 'en', split='train', streaming=True)\n",
    # shuffling left to a setting, or given explicitly over a sorted split
    """
    from datasets import load_dataset
    from torch.utils.data import DataLoader
    def run(cfg, model, optimizer):
        ds = load_dataset("imdb").with_format("torch")
        loader = DataLoader(ds["train"], batch_size=32, shuffle=cfg.shuffle)
        by_length = DataLoader(ds["train"].sort("length"), batch_size=32, shuffle=True)
        for batch in loader:
            model(batch).sum().backward()
            optimizer.step()
            optimizer.zero_grad()
        for batch in by_length:
            model(batch).sum().backward()
            optimizer.step()
            optimizer.zero_grad()
    """,
    # streamed, shuffled by the library, or split into shuffled parts
    """
    from datasets import load_dataset
    from torch.utils.data import DataLoader
    streamed = load_dataset("c4", "en", streaming=True)["train"]
    shuffled = load_dataset("imdb")["train"].shuffle(seed=0)
    parts = load_dataset("imdb", split="train").train_test_split(test_size=0.1)
    for batch in DataLoader(streamed, batch_size=32):
        model(batch).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
    for batch in DataLoader(shuffled, batch_size=32):
        model(batch).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
    for batch in DataLoader(parts["train"], batch_size=32):
        model(batch).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
    """,
    # shuffled exactly when there is no sampler (the usual idiom)
    """
    import torch
    from torch.utils.data import DataLoader, Dataset, RandomSampler
    from torch.utils.data.distributed import DistributedSampler

    class Clips(Dataset):
        def __init__(self, wavs):
            self.wavs = wavs

        def __len__(self):
            return len(self.wavs)

        def __getitem__(self, i):
            return self.wavs[i]

    def fit(net, wavs, world_size):
        clips = Clips(wavs)
        sampler = DistributedSampler(clips) if world_size > 1 else None
        feed = DataLoader(clips, sampler=sampler, shuffle=(sampler is None))
        opt = torch.optim.Adam(net.parameters())
        for epoch in range(5):
            for w in feed:
                opt.zero_grad()
                net(w).pow(2).mean().backward()
                opt.step()
    """,
    # a random sampler on the other path
    """
    import torch
    from torch.utils.data import DataLoader, Dataset, RandomSampler
    from torch.utils.data.distributed import DistributedSampler

    class Clips(Dataset):
        def __init__(self, wavs):
            self.wavs = wavs

        def __len__(self):
            return len(self.wavs)

        def __getitem__(self, i):
            return self.wavs[i]

    def fit(net, wavs, world_size):
        clips = Clips(wavs)
        sampler = DistributedSampler(clips) if world_size > 1 else RandomSampler(clips)
        feed = DataLoader(clips, sampler=sampler, shuffle=False)
        opt = torch.optim.Adam(net.parameters())
        for epoch in range(5):
            for w in feed:
                opt.zero_grad()
                net(w).pow(2).mean().backward()
                opt.step()
    """,
    # the None replaced before the loader is built
    """
    import torch
    from torch.utils.data import DataLoader, Dataset, RandomSampler
    from torch.utils.data.distributed import DistributedSampler

    class Clips(Dataset):
        def __init__(self, wavs):
            self.wavs = wavs

        def __len__(self):
            return len(self.wavs)

        def __getitem__(self, i):
            return self.wavs[i]

    def fit(net, wavs, world_size):
        clips = Clips(wavs)
        sampler = DistributedSampler(clips) if world_size > 1 else None
        if sampler is None:
            sampler = RandomSampler(clips)
        feed = DataLoader(clips, sampler=sampler)
        opt = torch.optim.Adam(net.parameters())
        for epoch in range(5):
            for w in feed:
                opt.zero_grad()
                net(w).pow(2).mean().backward()
                opt.step()
    """,
    # a literal test: the None side never runs
    """
    import torch
    from torch.utils.data import DataLoader, Dataset, RandomSampler
    from torch.utils.data.distributed import DistributedSampler

    class Clips(Dataset):
        def __init__(self, wavs):
            self.wavs = wavs

        def __len__(self):
            return len(self.wavs)

        def __getitem__(self, i):
            return self.wavs[i]

    def fit(net, wavs, world_size):
        clips = Clips(wavs)
        sampler = DistributedSampler(clips) if True else None
        feed = DataLoader(clips, sampler=sampler, shuffle=False)
        opt = torch.optim.Adam(net.parameters())
        for epoch in range(5):
            for w in feed:
                opt.zero_grad()
                net(w).pow(2).mean().backward()
                opt.step()
    """,
]
