"""LF604 swapped-loss-arguments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis.keras_step_roles import swapped_in_keras_steps, swapped_in_loss_functions
from lossflint.analysis.loss_roles import swapped_losses
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.data.fixes import swap_fix
from lossflint.rules.data.lf604_alias_examples import ALIAS_INVALID
from lossflint.rules.data.lf604_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.data.lf604_subclass_examples import SUBCLASS_INVALID, SUBCLASS_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class SwappedLossArguments(Rule):
    code = "LF604"
    name = "swapped-loss-arguments"
    severity = Severity.ERROR
    summary = "loss arguments in the wrong order: labels where the prediction goes"
    fix_kind = "unsafe"
    needs = ("loss", "Loss", "crossentropy", "nll", "entropy", "update_state")
    what = """
Flags a loss call whose two arguments are in each other's place. PyTorch losses
take `(input, target)`: flagged when the first argument holds labels (class
indices from `argmax`/`.long()`/`randint`, `one_hot` values, or a batch's labels
by their key: `batch["labels"]`, `data.y`; the second item of a two-item batch
whose first the model was run on; a step function's `labels`/`targets`/`y`
parameter; `inputs.pop("labels")` in a Hugging Face trainer's `compute_loss(self,
model, inputs)`, or a 0/1 mask computed from those alone: `((labels > 0) &
(labels % 2 == 1)).float()`) and the second a layer's or model's output (there,
what `model(**inputs)` returns: its `.logits`, or an item of it, unpacked or by
key, once the labels are popped). Keras losses and metrics take `(y_true, y_pred)`:
flagged when the first is `model(x)` and the second the labels of a
`keras.datasets` loader (or their `to_categorical`), its images, the very `x`
the output was computed from (an autoencoder's target: a parameter or a loop
variable, not another model's output) or a step function's
`labels` parameter (or, in a `tf.GradientTape` block, a parameter every call
fills with an item of a batch a `for` loop unpacks), and in a custom
`train_step(self, data)` / `test_step` of a `keras.Model` subclass when the first
is `self(x, ...)` and the second the labels unpacked from `data` (`x, y = data`:
Keras's contract for the batch it passes), and in a custom loss or metric
`def loss(y_true, y_pred)` (Keras's signature) that calls a Keras loss as
`(y_pred, y_true)`; a Keras metric object's `update_state(y_true, y_pred)`
(accuracy, AUC, precision/recall, cross-entropy metrics) is read the same way.

Only losses whose value depends on the order count (cross-entropy, NLL, binary
cross-entropy, margin losses); MSE/L1 and the cosine similarity are symmetric.
Silent whenever either role is unknown.
"""
    why = """
PyTorch and Keras disagree on the order, and code moved between them (or written
from memory) gets it backwards. The call then raises (`cross_entropy` on integer
"scores"), or runs and computes something else: a binary cross-entropy of the
labels against the predictions as targets, with gradients that train toward the
labels' shape or not at all.
"""
    example = """
    import torch
    import torch.nn.functional as F

    model = torch.nn.Linear(20, 1)
    labels = torch.randint(0, 2, (32, 1)).float()
    loss = F.binary_cross_entropy_with_logits(labels, model(x))  # error: LF604 (swapped)
    """
    use_instead = """
    import torch
    import torch.nn.functional as F

    model = torch.nn.Linear(20, 1)
    labels = torch.randint(0, 2, (32, 1)).float()
    loss = F.binary_cross_entropy_with_logits(model(x), labels)
    """
    references = (
        (
            "PyTorch: torch.nn.functional.binary_cross_entropy_with_logits",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy_with_logits.html",
        ),
        ("Keras: losses (y_true, y_pred)", "https://keras.io/api/losses/"),
    )
    fix_safety = """
Unsafe: the fix exchanges the two arguments. The loss changes (it becomes the
intended one); keyword arguments keep their names and exchange their values.
"""
    INVALID = [
        # a Keras metric object takes `(y_true, y_pred)` too
        Invalid(
            """
            from tensorflow import keras

            (x_train, y_train), _ = keras.datasets.mnist.load_data()
            model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
            acc = keras.metrics.SparseCategoricalAccuracy()
            preds = model(x_train[:64] / 255.0)
            acc.update_state(preds, y_train[:64])  # error: LF604
            """
        ),
        # a custom Keras loss: its parameters are named by Keras's contract
        Invalid(
            """
            import tensorflow as tf

            def weighted_bce(pos_weight=10.0):
                def loss(y_true, y_pred):
                    w = 1.0 + (pos_weight - 1.0) * y_true
                    bce = tf.keras.losses.binary_crossentropy(y_pred, y_true)  # error: LF604
                    return tf.reduce_mean(w * bce)
                return loss
            """,
            fixed="""
            import tensorflow as tf

            def weighted_bce(pos_weight=10.0):
                def loss(y_true, y_pred):
                    w = 1.0 + (pos_weight - 1.0) * y_true
                    bce = tf.keras.losses.binary_crossentropy(y_true, y_pred)  # error: LF604
                    return tf.reduce_mean(w * bce)
                return loss
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
            criterion = nn.CrossEntropyLoss()
            target = torch.randint(0, 4, (16,))
            loss = criterion(target, model(x))  # error: LF604 at `criterion(`
            """,
            fixed="""
            import torch
            import torch.nn as nn

            model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
            criterion = nn.CrossEntropyLoss()
            target = torch.randint(0, 4, (16,))
            loss = criterion(model(x), target)  # error: LF604 at `criterion(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = torch.nn.Linear(784, 10)

                def forward(self, x):
                    return F.log_softmax(self.fc(x), dim=1)

            net = Net()
            for images, labels in loader:
                loss = F.nll_loss(labels.long(), net(images))  # error: LF604 at `F.nll_loss(`
            """,
        ),
        Invalid(
            """
            import keras
            from keras.datasets import mnist

            (x_train, y_train), _ = mnist.load_data()
            model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
            loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            logits = model(x_train[:32] / 255.0)
            loss = loss_fn(logits, y_train[:32])  # error: LF604 at `loss_fn(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            head = torch.nn.Linear(64, 5)
            y = F.one_hot(labels, 5).float()
            loss = F.cross_entropy(input=y, target=head(h))  # error: LF604 at `F.cross_entropy(`
            """,
        ),
        # a custom Keras train_step: `x, y = data` holds the labels, self(x) the prediction
        Invalid(
            """
            import keras
            import tensorflow as tf

            class Tagger(keras.Model):
                def __init__(self, n_tags):
                    super().__init__()
                    self.body = keras.layers.Dense(128, activation="relu")
                    self.head = keras.layers.Dense(n_tags)
                    self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

                def call(self, inputs, training=False):
                    return self.head(self.body(inputs))

                def train_step(self, batch):
                    tokens, tags = batch
                    with tf.GradientTape() as tape:
                        scores = self(tokens, training=True)
                        loss = self.bce(scores, tags)  # error: LF604 at `self.bce(`
                    grads = tape.gradient(loss, self.trainable_variables)
                    self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
                    return {"loss": loss}
            """,
            fixed="""
            import keras
            import tensorflow as tf

            class Tagger(keras.Model):
                def __init__(self, n_tags):
                    super().__init__()
                    self.body = keras.layers.Dense(128, activation="relu")
                    self.head = keras.layers.Dense(n_tags)
                    self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

                def call(self, inputs, training=False):
                    return self.head(self.body(inputs))

                def train_step(self, batch):
                    tokens, tags = batch
                    with tf.GradientTape() as tape:
                        scores = self(tokens, training=True)
                        loss = self.bce(tags, scores)  # error: LF604 at `self.bce(`
                    grads = tape.gradient(loss, self.trainable_variables)
                    self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
                    return {"loss": loss}
            """,
        ),
        # test_step with sample weights, the prediction inline, the labels given an axis
        Invalid(
            """
            from tensorflow import keras

            class Ranker(keras.Model):
                def test_step(self, data):
                    feats, grades, weights = data
                    loss = keras.losses.sparse_categorical_crossentropy(self(feats, training=False), grades[:, None])  # error: LF604 at `keras.losses`
                    return {"loss": loss}
            """,
        ),
        *AUDIT_INVALID,
        *ALIAS_INVALID,
        *SUBCLASS_INVALID,
    ]
    VALID = [
        # ... in the right order; and a regression loss, whose order does not matter
        """
        import tensorflow as tf

        def focal_bce(y_true, y_pred, gamma=2.0):
            bce = tf.keras.losses.binary_crossentropy(y_true, y_pred)
            mse = tf.keras.losses.mean_squared_error(y_pred, y_true)
            return tf.reduce_mean(bce) + mse
        """,
        # the PyTorch order
        """
        import torch
        import torch.nn as nn

        model = nn.Linear(10, 4)
        loss = nn.CrossEntropyLoss()(model(x), torch.randint(0, 4, (16,)))
        """,
        # the Keras order
        """
        import keras
        from keras.datasets import mnist

        (x_train, y_train), _ = mnist.load_data()
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        loss = loss_fn(y_train[:32], model(x_train[:32] / 255.0))
        """,
        # MSE is symmetric: the order does not change the loss
        """
        import torch
        import torch.nn.functional as F

        model = torch.nn.Linear(4, 1)
        loss = F.mse_loss(y.long(), model(x))
        """,
        # distillation: the teacher's argmax is the target, in place
        """
        import torch
        import torch.nn.functional as F

        student = torch.nn.Linear(32, 10)
        loss = F.cross_entropy(student(x), teacher_logits.argmax(dim=1))
        """,
        # unknown roles: two parameters
        """
        import torch.nn.functional as F

        def loss_fn(a, b):
            return F.cross_entropy(a, b)
        """,
        # soft targets from another model's softmax
        """
        import torch
        import torch.nn.functional as F

        student = torch.nn.Linear(32, 10)
        teacher = torch.nn.Linear(32, 10)
        loss = F.cross_entropy(student(x), torch.softmax(teacher(x), dim=1))
        """,
        # a custom Keras train_step in the Keras order
        """
        import keras
        import tensorflow as tf

        class Tagger(keras.Model):
            def train_step(self, batch):
                tokens, tags = batch
                with tf.GradientTape() as tape:
                    scores = self(tokens, training=True)
                    loss = keras.losses.binary_crossentropy(tags, scores, from_logits=True)
                grads = tape.gradient(loss, self.trainable_variables)
                self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
                return {"loss": loss}
        """,
        # a symmetric loss in a train_step: the order does not matter
        """
        import keras
        import tensorflow as tf

        class Regressor(keras.Model):
            def train_step(self, data):
                x, y = data
                with tf.GradientTape() as tape:
                    loss = keras.losses.mean_squared_error(self(x, training=True), y)
                return {"loss": loss}
        """,
        # the labels rebound in the step (a teacher's prediction): roles not sure
        """
        import keras

        class Student(keras.Model):
            def train_step(self, data):
                x, y = data
                y = self.teacher(x, training=False)
                loss = keras.losses.kl_divergence(self(x, training=True), y)
                return {"loss": loss}
        """,
        # a train_step of a class that is not a Keras model: `data` may be anything
        """
        import keras

        class Loop:
            def train_step(self, data):
                x, y = data
                loss = keras.losses.categorical_crossentropy(self(x), y)
                return loss
        """,
        *AUDIT_VALID,
        *SUBCLASS_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        found_calls = {id(f.call) for f in swapped_losses(model)}
        in_steps = [f for f in swapped_in_keras_steps(model) if id(f.call) not in found_calls]
        found_calls |= {id(f.call) for f in in_steps}
        in_functions = [
            f for f in swapped_in_loss_functions(model) if id(f.call) not in found_calls
        ]
        for found in [*swapped_losses(model), *in_steps, *in_functions]:
            first = model.code(found.first)
            second = model.code(found.second)
            if found.framework == "torch":
                detail = (
                    f"PyTorch's `{found.loss}` takes `(input, target)`: `{_clip(first)}` holds "
                    f"labels and `{_clip(second)}` a model output"
                )
            else:
                detail = (
                    f"Keras's `{found.loss}` takes `(y_true, y_pred)`: `{_clip(first)}` is the "
                    f"model's output and `{_clip(second)}` {found.target}"
                )
            yield Finding(
                found.call,
                f"loss arguments swapped: {detail}; swap them",
                fix=swap_fix(found.first, found.second),
            )


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."
