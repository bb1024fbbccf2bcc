"""LF412 unscaled-image-input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.pixels import pixel_facts
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
)
from lossflint.rules.keras.lf412_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.keras.lf412_scaled_examples import SCALED_INVALID, SCALED_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class UnscaledImageInput(Rule):
    code = "LF412"
    name = "unscaled-image-input"
    severity = Severity.WARNING
    summary = "raw 0-255 images (`keras.datasets`, torchvision `.data`) reach training unscaled"
    needs = (*NEEDS, "torchvision")
    what = """
Flags `fit` receiving images of `keras.datasets.{mnist,fashion_mnist,cifar10,
cifar100}.load_data()` that were not scaled on the way (no `/ 255`, no
arithmetic at all) when the model has no scaling layer (`Rescaling`,
`Normalization`, `BatchNormalization`, ...) before its first convolution or
dense layer (a batch norm after the first convolution leaves that convolution
fed 0-255 values). Reshapes, `astype` and indexing keep
the pixels raw. A `fit` in a function sees the data its call sites hold, in
program order (cell order in a notebook), not a later rebinding of the name.

A `tf.data.Dataset.from_tensor_slices((images, labels))` dataset (through
`.shuffle`, `.batch`, ...) given to `fit` counts. So do custom training loops:
such a dataset iterated to a model called inside a `tf.GradientTape` block is
reported at that model call (the call that receives the unscaled images). A
`.map(...)` on the dataset may scale them: silent.

PyTorch training loops too: those images, or the `.data` (`.train_data`,
`.test_data`) of a torchvision `MNIST`/`FashionMNIST`/`KMNIST`/`EMNIST`/
`CIFAR10`/`CIFAR100` data set (raw pixels whatever its transform), reaching a
model called in a loop that runs `backward()` (or in a function that does),
through `torch.tensor`/`from_numpy`, `.float()`/`.to()`/`.view()`, indexing,
slicing, `TensorDataset`, a `Dataset` class of the file, `random_split`,
`DataLoader`, `zip`, `enumerate`, `split`/`chunk`. The model is built in the file (`nn.Sequential`, or an `nn.Module` whose `forward`
hands the input to a `Linear`/`Conv`/RNN layer) with no normalisation layer
before that layer (an `nn.Module` subclass: none at all, its order unknown). The data set object itself (`ds[i]`, a `DataLoader` over it) goes
through its transform (`ToTensor` scales): silent, as is any arithmetic on the
way, a `DataLoader` with a `collate_fn`, and a loop without `backward()`. A
notebook's raw baseline run is reported even when a later cell scales the images
(audits label the unscaled run a real, if deliberate, mistake).
"""
    why = """
Pixel values up to 255 saturate activations and produce huge initial losses and
gradients: training stalls or diverges, depending on the optimiser and the
initialisation.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)            # error: LF412
    model.fit(x_train / 255.0, y_train)    # OK
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    model.fit(x_train / 255.0, y_train)
    """
    references = (
        (
            "Keras: Rescaling layer",
            "https://keras.io/api/layers/preprocessing_layers/image_preprocessing/rescaling/",
        ),
        ("Keras: MNIST dataset", "https://keras.io/api/datasets/mnist/"),
    )
    fix_safety = "There is no automatic fix: divide by 255 or add a `Rescaling(1/255)` layer."
    INVALID = [
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])
            model.compile(loss='sparse_categorical_crossentropy')
            model.fit(x_train, y_train, epochs=5)  # error: LF412 at `model.fit(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            cifar = tf.keras.datasets.cifar10
            (x_train, y_train), (x_test, y_test) = cifar.load_data()
            x_train = x_train.astype('float32')
            model = tf.keras.Sequential()
            model.add(tf.keras.layers.Conv2D(8, 3, input_shape=(32, 32, 3)))
            model.add(tf.keras.layers.Flatten())
            model.add(tf.keras.layers.Dense(10))
            model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            history = model.fit(x_train, y_train)  # error: LF412 at `model.fit(`
            """,
        ),
        Invalid(
            """
            from keras.datasets import fashion_mnist
            from keras import layers
            import keras

            def train():
                (x, y), _ = fashion_mnist.load_data()
                x = x.reshape(-1, 784)
                inp = keras.Input(shape=(784,))
                out = layers.Dense(10, activation='softmax')(inp)
                model = keras.Model(inp, out)
                model.compile(loss='sparse_categorical_crossentropy')
                model.fit(x, y)  # error: LF412 at `model.fit(`
            """,
        ),
        # 20 hidden layers added in a loop, trained on raw CIFAR-10 (handson-ml3 ch. 11)
        Invalid(
            """
            import tensorflow as tf
            cifar10 = tf.keras.datasets.cifar10.load_data()
            (X_train_full, y_train_full), (X_test, y_test) = cifar10
            X_train, y_train = X_train_full[5000:], y_train_full[5000:]
            model = tf.keras.Sequential()
            model.add(tf.keras.layers.Flatten(input_shape=[32, 32, 3]))
            for _ in range(20):
                model.add(tf.keras.layers.Dense(100, activation="swish"))
            model.add(tf.keras.layers.Dense(10, activation="softmax"))
            model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam")
            model.fit(X_train, y_train, epochs=100)  # error: LF412 at `model.fit(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras
            (x_train, y_train), _ = keras.datasets.fashion_mnist.load_data()
            ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(1024).batch(64)
            model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
            loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            for step, (xb, yb) in enumerate(ds):
                with tf.GradientTape() as tape:
                    loss = loss_fn(yb, model(xb, training=True))  # error: LF412 at `model(xb`
                grads = tape.gradient(loss, model.trainable_weights)
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras
            (x_train, y_train), _ = keras.datasets.cifar10.load_data()
            train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32)
            model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
            model.compile(loss='sparse_categorical_crossentropy')
            model.fit(train_ds, epochs=3)  # error: LF412 at `model.fit(`
            """,
        ),
        # a PyTorch loop over a TensorDataset of the Keras arrays
        Invalid(
            """
            import torch
            from torch import nn
            from torch.utils.data import DataLoader, TensorDataset
            from tensorflow import keras
            (x_train, y_train), _ = keras.datasets.mnist.load_data()
            X = torch.tensor(x_train, dtype=torch.float32)
            loader = DataLoader(TensorDataset(X, torch.tensor(y_train)), batch_size=64)
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            for xb, yb in loader:
                loss = nn.functional.cross_entropy(model(xb), yb)  # error: LF412 at `model(xb`
                opt.zero_grad()
                loss.backward()
                opt.step()
            """,
        ),
        # torchvision's `.data` skips the ToTensor transform
        Invalid(
            """
            import torch.nn.functional as F
            from torch import nn
            from torchvision import datasets, transforms
            train = datasets.MNIST("data", train=True, transform=transforms.ToTensor())

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)

                def forward(self, x):
                    return self.fc(x.view(-1, 784))

            model = Net()
            X, Y = train.data.float(), train.targets
            for i in range(0, len(X), 64):
                out = model(X[i : i + 64])  # error: LF412 at `model(`
                F.cross_entropy(out, Y[i : i + 64]).backward()
            """,
        ),
        *AUDIT_INVALID,
        *SCALED_INVALID,
    ]
    VALID = [
        # the data set goes through its transform (ToTensor scales to [0, 1]);
        # `.data` is read for its shape only
        """
        import torch.nn.functional as F
        from torch import nn
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms
        train = datasets.MNIST("data", train=True, transform=transforms.ToTensor())
        print(train.data.shape)
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        for xb, yb in DataLoader(train, batch_size=64, shuffle=True):
            F.cross_entropy(model(xb), yb).backward()
        """,
        # scaled in the loop body; the second loop only predicts (no backward)
        """
        import torch
        from torch import nn
        from torchvision import datasets
        train = datasets.FashionMNIST("data", train=True)
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        for xb in train.data.split(64):
            model(xb.float() / 255).sum().backward()
        with torch.no_grad():
            for xb in train.data.float().split(64):
                print(model(xb).argmax(1))
        """,
        # the model normalises its input first
        """
        from torch import nn
        from torchvision import datasets
        train = datasets.MNIST("data", train=True)
        model = nn.Sequential(nn.Flatten(), nn.BatchNorm1d(784), nn.Linear(784, 10))
        for xb in train.data.float().split(64):
            model(xb).sum().backward()
        """,
        # scaled on the way to a custom training step
        """
        import tensorflow as tf
        from tensorflow import keras
        (x, y), _ = keras.datasets.mnist.load_data()
        ds = tf.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a / 255, b)).batch(32)
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
        for xb, yb in ds:
            with tf.GradientTape() as tape:
                out = model(xb)
        """,
        """
        import tensorflow as tf
        from tensorflow import keras
        (x, y), _ = keras.datasets.mnist.load_data()
        ds = tf.data.Dataset.from_tensor_slices((x.astype("float32") / 255.0, y)).batch(32)
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
        for xb, yb in ds:
            with tf.GradientTape() as tape:
                out = model(tf.image.convert_image_dtype(xb, tf.float32))
        """,
        """
        import tensorflow as tf
        from tensorflow import keras
        (x, y), _ = keras.datasets.mnist.load_data()
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
        model = keras.Sequential([keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                                  keras.layers.Dense(10)])
        for xb, yb in ds:
            with tf.GradientTape() as tape:
                out = model(xb)
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        x = x / 255.0
        model = keras.Sequential([layers.Flatten(), layers.Dense(10)])
        model.fit(x, y)
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        x = x.astype('float32')
        x /= 255
        model = keras.Sequential([layers.Flatten(), layers.Dense(10)])
        model.fit(x, y)
        """,
        # a model we cannot see may rescale
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        (x, y), _ = keras.datasets.mnist.load_data()
        model = keras.models.load_model('m.keras')
        model.fit(x, y)
        """,
        *AUDIT_VALID,
        *SCALED_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if facts.relevant:
            yield from _keras_findings(model, facts)
            yield from _evaluated_raw(model, facts)
        for raw in pixel_facts(model).raw_inputs():
            yield Finding(
                raw.call,
                f"the model is trained on raw 0-255 pixels of `{raw.pixels.source}` (line "
                f"{model.line_of(raw.pixels.origin)}) without scaling; divide them by 255 "
                "(`x.float() / 255`) or normalise them first",
                related=(RelatedNode("the images are loaded here", raw.pixels.origin),),
            )


def _keras_findings(model: SemanticModel, facts: K.KerasFacts) -> Iterator[Finding]:
    uses: list[tuple[K.FitFact | K.ModelInput, str]] = [(fit, "`fit` gets") for fit in facts.fits]
    uses += [(use, "the model is trained on") for use in facts.model_inputs]
    for use, what in uses:
        images = K.images_of(use.x)
        if images is not None and _raw(use.model):
            yield Finding(
                use.call,
                f"{what} raw 0-255 pixels of `{images.dataset}.load_data()` (line "
                f"{model.line_of(images.origin)}) without scaling; divide by 255 or add a "
                "`Rescaling(1/255)` layer",
                related=(RelatedNode("the images are loaded here", images.origin),),
            )


def _evaluated_raw(model: SemanticModel, facts: K.KerasFacts) -> Iterator[Finding]:
    """``evaluate``/``predict`` given raw pixels of a data set whose pixels
    the same model was fitted on scaled (``X_train / 255`` but ``X_test``
    left as loaded): the model sees inputs 255 times larger than in training."""
    for use in facts.evaluations:
        images = K.images_of(use.x)
        if images is None or use.model is None:
            continue
        fitted = [
            fit
            for fit in facts.fits
            if fit.model is not None
            and fit.model.node is use.model.node
            and isinstance(fit.x, K.ScaledImages)
            and fit.x.dataset == images.dataset
        ]
        if not fitted:
            continue
        method = use.call.func.attr.value if isinstance(use.call.func, cst.Attribute) else ""
        yield Finding(
            use.call,
            f"`{method}` gets raw 0-255 pixels of `{images.dataset}.load_data()` (line "
            f"{model.line_of(images.origin)}) while the model was fitted on scaled ones (line "
            f"{model.line_of(fitted[0].call)}); scale these the same way",
            related=(
                RelatedNode("the images are loaded here", images.origin),
                RelatedNode("fitted on scaled pixels here", fitted[0].call),
            ),
        )


def _raw(kmodel: K.KModel | None) -> bool:
    """A model we fully see (each output of a multi-output one), with no
    scaling layer before its first convolution or dense layer, takes the
    images as they are (a batch norm after the first convolution leaves
    that convolution fed 0-255 values)."""
    if kmodel is None:
        return False
    parts = [out.layers for out in kmodel.outputs] if kmodel.outputs else [kmodel.layers]
    return all(layers and _raw_until_weights(layers) for layers in parts)


def _raw_until_weights(layers: tuple[K.KLayer | None, ...]) -> bool:
    for layer in layers:
        if layer is None or layer.name in apis.SCALING_LAYERS:
            return False
        if layer.name in apis.INPUT_WEIGHT_LAYERS:
            return True
    return True
