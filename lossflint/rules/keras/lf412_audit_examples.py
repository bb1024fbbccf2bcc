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

#: hidden layers added by a loop over a count only its caller knows (handson-ml3
#: ch. 19's trial script, audit R25); ``{first}``: the layers before the loop
_COUNT_LOOP = """
import tensorflow as tf

def build_model(n_hidden, n_neurons):
    model = tf.keras.Sequential()
    {first}
    for _ in range(n_hidden):
        model.add(tf.keras.layers.Dense(n_neurons, activation="relu"))
    model.add(tf.keras.layers.Dense(10, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    return model

(X_train, y_train), _ = tf.keras.datasets.mnist.load_data()
model = build_model(args.n_hidden, args.n_neurons)
model.fit(X_train, y_train, epochs=10){mark}
"""

#: hidden layers added by a loop over their sizes, the first of them saying the
#: input's shape (kim135797531/study-tf-keras-pytorch, audit R26); ``{loop}``
#: and ``{first}``: the loop's header and its first layer
_SIZES_LOOP = """
import numpy as np
from tensorflow.keras import datasets
from tensorflow.keras.layers import Activation, BatchNormalization, Dense
from tensorflow.keras.models import Sequential

(x_train, y_train), _ = datasets.mnist.load_data()
X = x_train.reshape(len(x_train), 784)
Y = np.eye(10)[y_train]
n_in, n_hiddens = 784, [200, 200]
model = Sequential()
{loop}
    {first}
    model.add(Dense(input_dim=n_in, units=n_hiddens[i]))
    model.add(Activation("relu"))
model.add(Dense(units=10))
model.add(Activation("softmax"))
model.compile(loss="categorical_crossentropy", optimizer="sgd")
model.fit(X, Y, epochs=5){mark}
"""

_RESIZED = """
import cv2
import numpy as np
from keras.datasets import cifar10
from keras.layers import Conv2D, Dense, Flatten
from keras.models import Sequential

(x_train, y_train), _ = cifar10.load_data()
x_train = np.array([{item} for img in x_train[:3000]])
model = Sequential([Conv2D(32, 3, activation="relu", input_shape=(224, 224, 3)), Flatten(),
                    Dense(10, activation="softmax")])
model.compile("sgd", "sparse_categorical_crossentropy")
model.fit(x_train, y_train){mark}
"""

AUDIT_INVALID = [
    Invalid(
        _SIZES_LOOP.format(
            loop="for i, input_dim in enumerate(([n_in] + n_hiddens)[:-1]):",
            first="pass",
            mark="  # error: LF412 at `model.fit(`",
        )
    ),
    Invalid(
        _SIZES_LOOP.format(
            loop="for i in range(len(n_hiddens)):",
            first="pass",
            mark="  # error: LF412 at `model.fit(`",
        )
    ),
    # the two parts of the loader joined again (kim135797531/study-tf-keras-pytorch, R26)
    Invalid(
        """
        import numpy as np
        from tensorflow.keras import datasets, layers, models

        (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
        X = np.concatenate((x_train, x_test)).reshape(-1, 784)
        y = np.concatenate((y_train, y_test))
        model = models.Sequential([layers.Dense(200, activation="sigmoid"), layers.Dense(10, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
        model.fit(X, y, epochs=5)  # error: LF412 at `model.fit(`
        """
    ),
    Invalid(
        _COUNT_LOOP.format(
            first="model.add(tf.keras.layers.Flatten(input_shape=[28, 28]))",
            mark="  # error: LF412 at `model.fit(`",
        )
    ),
    # no collate function: the raw uint8 rows reach the model
    Invalid(_LOADER.format(collate="None", mark="  # error: LF412 at `model(`")),
    Invalid(_TRUNK.format(extra="", filters="(64, 128)", mark="  # error: LF412")),
    # a batch norm or a rescaling after the first convolution: that
    # convolution still gets 0-255 values (held-out s17 p12, s18 p12)
    Invalid(
        _TRUNK.format(
            extra=_LAYER.format("BatchNormalization()"),
            filters="(64, 128)",
            mark="  # error: LF412",
        )
    ),
    Invalid(
        _TRUNK.format(
            extra=_LAYER.format("Rescaling(1 / 255.0)"),
            filters="(64, 128)",
            mark="  # error: LF412",
        )
    ),
    Invalid(
        """
        import torch
        from torch import nn
        from torchvision import datasets
        train = datasets.CIFAR10("data", train=True)
        model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.Flatten(),
                              nn.LazyLinear(10))
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        X = torch.tensor(train.data).permute(0, 3, 1, 2).float()
        for xb in X.split(64):
            model(xb).sum().backward()  # error: LF412 at `model(`
            opt.step()
        """
    ),
    # each image resized (or transposed) in a list comprehension is still
    # 0-255 pixels (flyyufelix/cnn_finetune, audit s105)
    Invalid(
        _RESIZED.format(
            item="cv2.resize(img, (224, 224))",
            mark="  # error: LF412 at `model.fit(x_train, y_train)`",
        )
    ),
    Invalid(
        _RESIZED.format(
            item="img.transpose(1, 0, 2)", mark="  # error: LF412 at `model.fit(x_train, y_train)`"
        )
    ),
]

AUDIT_VALID = [
    # ... with a batch norm ahead of every hidden layer: the first one normalises
    # the raw pixels before any weight sees them
    _SIZES_LOOP.format(
        loop="for i, units in enumerate(n_hiddens):",
        first="model.add(BatchNormalization())",
        mark="",
    ),
    # ... with the pixels rescaled by the first layer
    _COUNT_LOOP.format(
        first="model.add(tf.keras.layers.Rescaling(1 / 255, input_shape=[28, 28]))\n    "
        "model.add(tf.keras.layers.Flatten())",
        mark="",
    ),
    # the images are scaled by the data set's collate_fn, which the loader runs
    # on every batch (Modern Computer Vision with PyTorch, audit s17)
    _LOADER.format(collate="train.collate_fn", mark=""),
    # a loop that may not run (the layers the model holds are not known)
    _TRUNK.format(extra="", filters="filters", mark=""),
    # a batch norm before the first layer with weights normalises the input
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    (x, y), _ = keras.datasets.cifar10.load_data()
    model = keras.Sequential([
        layers.BatchNormalization(input_shape=(32, 32, 3)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy")
    model.fit(x, y)
    """,
    # not pixels
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    (x, y), _ = keras.datasets.boston_housing.load_data()
    model = keras.Sequential([layers.Dense(1)])
    model.fit(x, y)
    """,
    # standardised
    """
    from tensorflow import keras
    from tensorflow.keras import layers
    (x, y), _ = keras.datasets.mnist.load_data()
    x = (x - x.mean()) / x.std()
    model = keras.Sequential([layers.Flatten(), layers.Dense(10)])
    model.fit(x, y)
    """,
    # ... scaled image by image, or by a preprocessing function
    _RESIZED.format(item="cv2.resize(img, (224, 224)) / 255.0", mark=""),
    _RESIZED.format(item="preprocess(img)", mark=""),
]
