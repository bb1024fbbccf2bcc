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

#: a functional trunk built by a helper called in a loop, two heads (held-out
#: session 17, p12)
_TRUNK = """
import keras
from keras import layers

def conv_block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same")(x){extra}
    return layers.MaxPooling2D()(x)

def build(n_fine=100, n_coarse=20):
    inp = keras.Input(shape=(32, 32, 3))
    x = inp
    for f in {filters}:
        x = conv_block(x, f)
    x = layers.GlobalAveragePooling2D()(x)
    fine = layers.Dense(n_fine, activation="softmax", name="fine")(x)
    coarse = layers.Dense(n_coarse, activation="softmax", name="coarse")(x)
    return keras.Model(inp, [fine, coarse])

(x_train, y_train), _ = keras.datasets.cifar100.load_data()
model = build()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, [y_train, y_train], epochs=2){mark}
"""

_LAYER = "\n    x = layers.{}(x)"

AUDIT_INVALID = [
    # no collate function: the raw uint8 rows reach the model
    Invalid(_LOADER.format(collate="None", mark="  # error: LF412 at `model(`")),
    Invalid(_TRUNK.format(extra="", filters="(64, 128)", mark="  # error: LF412")),
]

AUDIT_VALID = [
    # the images are scaled by the data set's collate_fn, which the loader runs
    # on every batch (Modern Computer Vision with PyTorch, audit s17)
    _LOADER.format(collate="train.collate_fn", mark=""),
    # a scaling layer in the helper; a loop that may not run (the layers the
    # model holds are not known); batch norm after each convolution (counted
    # as normalising: the convolution's outputs are rescaled per batch)
    _TRUNK.format(extra=_LAYER.format("Rescaling(1 / 255.0)"), filters="(64, 128)", mark=""),
    _TRUNK.format(extra="", filters="filters", mark=""),
    _TRUNK.format(extra=_LAYER.format("BatchNormalization()"), filters="(64, 128)", mark=""),
]
