"""LF602 examples from the real-code audit of session 7 (training sets that are
parts of a shuffling ``train_test_split``: already a random permutation, like
``random_split``), and the twins that still fire; kept apart so the rule module
stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_DATASET = """
import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, Dataset


class MyDataset(Dataset):
    def __init__(self, x, y):
        self.x = torch.tensor(x, dtype=torch.float32)
        self.y = torch.tensor(y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]

    def __len__(self):
        return len(self.y)

"""

_LOOP = """
for epoch in range(10):
    for xb, yb in train_loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(xb), yb).backward()
        optimizer.step()
"""

_ROWS = """
import torch
from torch.utils.data import DataLoader, Dataset


class RowsDataset(Dataset):
    def __init__(self, size, length, path):
        self.len = length
        self.data = {rows}

    def __getitem__(self, index):
        return self.data[index]

    def __len__(self):
        return self.len


model = torch.nn.Linear(32, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader(RowsDataset(32, 64, "rows.pt"), batch_size=2){marker}
for batch in loader:
    opt.zero_grad()
    model(batch).sum().backward()
    opt.step()
"""

_IGNITE = """
import torch
import torch.nn as nn
from ignite.engine import Engine
from torch.utils.data import DataLoader, TensorDataset

train_loader = DataLoader(TensorDataset(X, y), batch_size=8{shuffle}){marker}
val_loader = DataLoader(TensorDataset(Xv, yv), batch_size=8)

def update(engine, batch):
    optimizer.zero_grad()
    x, t = batch
    loss = nn.functional.cross_entropy(model(x), t)
    loss.backward()
    optimizer.step()
    return loss.item()

def eval_step(engine, batch):
    with torch.no_grad():
        x, t = batch
        return model(x), t

trainer = Engine(update)
evaluator = Engine(eval_step)
trainer.run(train_loader, max_epochs=5)
evaluator.run(val_loader)
"""

AUDIT_INVALID = [
    # the loader handed back by ``accelerator.prepare`` is the one trained on
    # (priyammaz/PyTorch-Adventures' wav2vec2 pre-training, audit R26)
    Invalid(
        """
        import torch
        from accelerate import Accelerator
        from torch.utils.data import DataLoader
        from torchvision.datasets import MNIST

        accelerator = Accelerator()
        model = torch.nn.Linear(784, 10)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        train_loader = DataLoader(MNIST("."), batch_size=4, shuffle=False)  # error: LF602
        model, optimizer, train_loader = accelerator.prepare(model, optimizer, train_loader)
        for epoch in range(10):
            for x, y in train_loader:
                accelerator.backward(torch.nn.functional.cross_entropy(model(x), y))
                optimizer.step()
                optimizer.zero_grad()
        """
    ),
    # ... its twin reading real rows from disk
    Invalid(_ROWS.format(rows="torch.load(path)", marker="  # error: LF602 at `DataLoader(`")),
    # `shuffle=False` keeps the rows in their stored order
    Invalid(
        _DATASET
        + """
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, shuffle=False)
train_loader = DataLoader(MyDataset(X_train, y_train), batch_size=32)  # error: LF602 at `DataLoader(`
"""
        + _LOOP
    ),
    # a head slice is a part too, but in the stored order
    Invalid(
        _DATASET
        + """
X_train, y_train = X[:800], y[:800]
train_loader = DataLoader(MyDataset(X_train, y_train), batch_size=32)  # error: LF602 at `DataLoader(`
"""
        + _LOOP
    ),
    # one of the parts the loader function is called with is not shuffled
    Invalid(
        """
        import torch
        from sklearn.model_selection import train_test_split
        from torch.utils.data import DataLoader, TensorDataset

        def make_loader(x, y):
            return DataLoader(TensorDataset(x, y), batch_size=32)  # error: LF602 at `DataLoader(`

        x_a, x_b, y_a, y_b = train_test_split(X, Y)
        x_c, x_d, y_c, y_d = train_test_split(X2, Y2, shuffle=False)
        first, second = make_loader(x_a, y_a), make_loader(x_c, y_c)
        for xb, yb in second:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            optimizer.step()
        """
    ),
    # a Lightning module whose setup() builds its training set from unsplit data
    Invalid(
        """
        import pytorch_lightning as pl
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        class Data(pl.LightningDataModule):
            def setup(self, stage=None):
                x = torch.load("x.pt")
                self.train = TensorDataset(x[:800], torch.zeros(800))

            def train_dataloader(self):
                return DataLoader(self.train, batch_size=32)  # error: LF602 at `DataLoader(`
        """
    ),
    # an ignite engine whose process function trains runs the loader (H11 p05);
    # the evaluator's loader stays silent
    Invalid(_IGNITE.format(shuffle="", marker="  # error: LF602")),
    # a torchaudio data set is map-style, read in its files' order (H12 p03)
    Invalid(
        """
        import pytorch_lightning as pl
        import torchaudio
        from torch.utils.data import DataLoader

        class AudioDM(pl.LightningDataModule):
            def setup(self, stage=None):
                self.train_ds = torchaudio.datasets.SPEECHCOMMANDS("./sc", subset="training")

            def train_dataloader(self):
                return DataLoader(self.train_ds, batch_size=16)  # error: LF602
        """
    ),
]

AUDIT_VALID = [
    # Lightning's bug-report template: rows of random noise have no order to learn
    _ROWS.format(rows="torch.randn(length, size)", marker=""),
    # train_test_split shuffles by default: the training set is already a random
    # permutation (rasbt/deeplearning-models, repro 04 of the audit)
    _DATASET
    + """
X, y = np.random.randn(1000, 8), np.random.randint(0, 3, 1000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1, stratify=y)
train_loader = DataLoader(MyDataset(X_train, y_train), batch_size=32)
model = torch.nn.Linear(8, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
"""
    + _LOOP,
    # the same through a Lightning setup() hook, a scaler and `shuffle=True` spelt out
    """
    import numpy as np
    import pytorch_lightning as pl
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from torch.utils.data import DataLoader, Dataset

    class MyDataset(Dataset):
        def __init__(self, features, labels):
            self.features = features.astype(np.float32)
            self.labels = labels

        def __getitem__(self, index):
            return self.features[index], self.labels[index]

        def __len__(self):
            return self.features.shape[0]

    class DataModule(pl.LightningDataModule):
        def setup(self, stage=None):
            X_temp, X_test, y_temp, y_test = train_test_split(
                self.features.values, self.labels.values, test_size=0.2, random_state=1
            )
            X_train, X_valid, y_train, y_valid = train_test_split(
                X_temp, y_temp, test_size=0.1, shuffle=True
            )
            sc = StandardScaler()
            self.train = MyDataset(sc.fit_transform(X_train), y_train)

        def train_dataloader(self):
            return DataLoader(self.train, batch_size=32, drop_last=True)
    """,
    # data frames split by train_test_split, read column by column in a loader
    # function called with each part (curiousily's BERT notebook)
    """
    import torch
    from sklearn.model_selection import train_test_split
    from torch.utils.data import DataLoader, Dataset

    class ReviewDataset(Dataset):
        def __init__(self, reviews, targets):
            self.reviews = reviews
            self.targets = targets

        def __len__(self):
            return len(self.reviews)

        def __getitem__(self, item):
            return self.reviews[item], torch.tensor(self.targets[item])

    df_train, df_test = train_test_split(df, test_size=0.1, random_state=42)
    df_val, df_test = train_test_split(df_test, test_size=0.5, random_state=42)

    def create_data_loader(df, batch_size):
        ds = ReviewDataset(reviews=df.content.to_numpy(), targets=df.sentiment.to_numpy())
        return DataLoader(ds, batch_size=batch_size, num_workers=4)

    train_data_loader = create_data_loader(df_train, 16)
    val_data_loader = create_data_loader(df_val, 16)
    for epoch in range(3):
        for batch in train_data_loader:
            loss = model(batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    """,
    # tensors of shuffled parts in a TensorDataset; sklearn's shuffle; a frame
    # shuffled with `sample(frac=1)`
    """
    import torch
    from sklearn.model_selection import train_test_split
    from sklearn.utils import shuffle
    from torch.utils.data import DataLoader, TensorDataset

    x_tr, x_te, y_tr, y_te = train_test_split(X, Y, test_size=0.25)
    a = DataLoader(TensorDataset(torch.tensor(x_tr), torch.tensor(y_tr)), batch_size=32)
    x_s, y_s = shuffle(X, Y)
    b = DataLoader(TensorDataset(torch.from_numpy(x_s), torch.from_numpy(y_s)), batch_size=32)
    frame = df.sample(frac=1).reset_index(drop=True)
    c = DataLoader(TensorDataset(torch.tensor(frame.values)), batch_size=32)
    for xb, yb in a:
        torch.nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
    for xb, yb in b:
        torch.nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
    for (xb,) in c:
        model(xb).sum().backward()
        opt.step()
    """,
    # `__getitem__` ignores its index (every item is a random crop): the
    # order of the indices is no order of the data (session 9)
    """
    import random
    import torch
    from torch.utils.data import DataLoader, Dataset

    class RandomCrops(Dataset):
        def __init__(self, image, size):
            self.image, self.size = image, size
        def __len__(self):
            return 10_000
        def __getitem__(self, _):
            top = random.randrange(self.image.shape[-2] - self.size)
            return self.image[..., top : top + self.size, :]

    loader = DataLoader(RandomCrops(torch.randn(3, 256, 256), 32), batch_size=16)
    for crops in loader:
        opt.zero_grad()
        model(crops).mean().backward()
        opt.step()
    """,
    # `__getitem__` reads its rows through an order drawn in `__init__`
    # (review of session 9): item `i` is a random row
    """
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, Dataset

    class Permuted(Dataset):
        def __init__(self, path):
            self.rows = torch.load(path)
            self.order = np.random.permutation(len(self.rows))
        def __len__(self):
            return len(self.rows)
        def __getitem__(self, i):
            return self.rows[self.order[i]]

    loader = DataLoader(Permuted("rows.pt"), batch_size=16)
    for rows in loader:
        opt.zero_grad()
        model(rows).mean().backward()
        opt.step()
    """,
    # the index only seeds a shuffle of the data set's own list, which it
    # walks with a cursor (CSAILVision/semantic-segmentation-pytorch, R10)
    """
    import numpy as np
    from torch.utils.data import DataLoader, Dataset

    class TrainDataset(Dataset):
        def __init__(self, samples):
            self.samples = list(samples)
            self.cur = 0
            self.shuffled = False
        def __getitem__(self, index):
            if not self.shuffled:
                np.random.seed(index)
                np.random.shuffle(self.samples)
                self.shuffled = True
            sample = self.samples[self.cur]
            self.cur = (self.cur + 1) % len(self.samples)
            return sample
        def __len__(self):
            return int(1e10)

    loader = DataLoader(TrainDataset(samples), batch_size=8, shuffle=False)
    iterator = iter(loader)
    for step in range(100):
        x, y = next(iterator)
        opt.zero_grad()
        criterion(model(x), y).backward()
        opt.step()
    """,
    # the data set shuffles its own list in __init__ (CSRNet, R70)
    """
    import random
    from torch.utils.data import DataLoader, Dataset

    class ListDataset(Dataset):
        def __init__(self, root, train=False):
            if train:
                root = root * 4
            random.shuffle(root)
            self.lines = root
        def __len__(self):
            return len(self.lines)
        def __getitem__(self, index):
            return load(self.lines[index])

    loader = DataLoader(ListDataset(train_list, train=True), batch_size=1)
    for img, target in loader:
        opt.zero_grad()
        criterion(model(img), target).backward()
        opt.step()
    """,
    # ... and its twin that shuffles the training loader
    _IGNITE.format(shuffle=", shuffle=True", marker=""),
]
