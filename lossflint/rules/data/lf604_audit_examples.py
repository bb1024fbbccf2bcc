"""LF604 examples found by the held-out measurements (sessions 10 and 12) and the
real-code audits (session 18: an autoencoder's own input passed as ``y_pred``), and
a Hugging Face trainer's ``compute_loss`` (held-out session 16)."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a metric object of a Keras model, updated in its ``test_step``
_TEST_STEP = """
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

class Clf(keras.Model):
    def __init__(self):
        super().__init__()
        self.out = layers.Dense(10, activation="softmax")
        self.val_acc = keras.metrics.SparseCategoricalAccuracy()

    def call(self, x, training=False):
        return self.out(x)

    def test_step(self, data):
        x, y = data
        probs = self(x, training=False)
        self.val_acc.update_state({args}){marker}
        return {{"acc": self.val_acc.result()}}
"""

#: an evaluation over batches of a dict data set (HF style): the labels are
#: known by their key only
_DICT_BATCH = """
import torch
import torch.nn as nn
import torch.nn.functional as F

head = nn.Linear(768, 6)

def evaluate(loader):
    total = 0.0
    with torch.no_grad():
        for batch in loader:
            labels = batch["labels"].to("cuda")
            logits = head(batch["features"])
            total += {call}.item(){marker}
    return total
"""

#: a validation pass over (image, mask) batches of a segmentation model (H15 p08)
_MASKS = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 1)

    def forward(self, x):
        return torch.sigmoid(self.conv(x))


@torch.no_grad()
def validate(model, loader, device):
    bce = nn.BCELoss()
    total = 0.0
    for images, masks in loader:
        images, masks = images.to(device), masks.to(device)
        masks = masks.float()
        probs = model(images)
        loss = {call}
        total += loss.item()
    return total


validate(Net(), loader, "cpu")
"""

#: a GradientTape loop's step function (H15 p11)
_TF_STEP = """
import tensorflow as tf
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
train_acc = keras.metrics.SparseCategoricalAccuracy()


@tf.function
def train_step(images, labels):
    with tf.GradientTape() as tape:
        logits = model(images, training=True)
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        )
    grads = tape.gradient(loss, model.trainable_variables)
    train_acc.update_state({args}
"""

#: an autoencoder's GradientTape step, the loss object called ``(y_true, y_pred)``
#: (audit s18: sayakpaul/TF-2.0-Hacks Basic_AutoEncoder)
_AUTOENCODER = """
import tensorflow as tf

auto_encoder = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(784, activation="sigmoid"),
])
loss_func = tf.keras.losses.BinaryCrossentropy()
optimizer = tf.keras.optimizers.Adam()


@tf.function
def model_train(features):
    with tf.GradientTape() as tape:
        decoded = auto_encoder(features)
        loss = {call}
    gradients = tape.gradient(loss, auto_encoder.trainable_variables)
    optimizer.apply_gradients(zip(gradients, auto_encoder.trainable_variables))
    return loss
"""

#: a Hugging Face trainer subclass: ``compute_loss`` gets the model being
#: trained and the batch, its labels under "labels" (held-out s16 p08)
_HF_TRAINER = """
import torch.nn as nn
from transformers import {base}


class BaselineTrainer({base}):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.{take}("labels")
        {outputs} = model(**inputs)
        loss = {call}
        return loss
"""

#: a multi-output model's step, called with the items of each batch (held-out s16 p11)
_HEADS_STEP = """
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

inp = keras.Input(shape=(64,))
count = layers.Dense(1, activation="softplus")(inp)
bins = layers.Dense(10, activation="softmax")(inp)
model = keras.Model(inp, [count, bins])
poisson = keras.losses.Poisson()

def train_step(images, count, bins):
    with tf.GradientTape() as tape:
        pred_count, bin_probs = model(images, training=True)
        loss = poisson({args}){marker}
    return tape.gradient(loss, model.trainable_variables)

for images, count, bins in train_ds:
    train_step({passed})
"""

AUDIT_INVALID = [
    # the count head's loss object called (y_pred, y_true)
    Invalid(
        _HEADS_STEP.format(
            args="pred_count, count[:, None]",
            marker="  # error: LF604 at `poisson(`",
            passed="images, count, bins",
        )
    ),
    # the labels popped from the batch first, an item of the model's output second
    Invalid(
        _HF_TRAINER.format(
            base="Trainer",
            take="pop",
            outputs="intent_logits, oos_prob, _",
            call="self.criterion(labels, intent_logits)  # error: LF604 at `self.criterion(`",
        )
    ),
    # ... the logits of an HF model's output
    Invalid(
        _HF_TRAINER.format(
            base="Trainer",
            take="get",
            outputs="out",
            call="nn.functional.cross_entropy(labels, out.logits)  # error: LF604",
        )
    ),
    # the model's output first, the input it was computed from (the
    # reconstruction target) second
    Invalid(
        _AUTOENCODER.format(call="loss_func(decoded, features)  # error: LF604 at `loss_func(`")
    ),
    # ... over the batches of a tf.data pipeline, with the loss function
    Invalid(
        """
        import tensorflow as tf
        from tensorflow import keras

        (x_train, _), _ = keras.datasets.mnist.load_data()
        ae = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(784, activation="sigmoid")])
        for batch in tf.data.Dataset.from_tensor_slices(x_train.reshape(-1, 784) / 255.0).batch(64):
            rec = ae(batch, training=True)
            loss = keras.losses.binary_crossentropy(rec, batch)  # error: LF604 at `keras.losses`
        """
    ),
    # the images of a Keras data set where the prediction goes
    Invalid(
        """
        from tensorflow import keras

        (x_train, _), _ = keras.datasets.fashion_mnist.load_data()
        ae = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(784, activation="sigmoid")])
        bce = keras.losses.BinaryCrossentropy()
        loss = bce(ae(x_train[:64]), x_train[:64].reshape(-1, 784))  # error: LF604 at `bce(`
        """
    ),
    # a step function's labels parameter first (the PyTorch twin of the Keras case)
    Invalid(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))

        def train_step(x, labels):
            out = model(x)
            loss = F.cross_entropy(labels, out)  # error: LF604 at `F.cross_entropy(labels, out)`
            loss.backward()
        """
    ),
    Invalid(_TF_STEP.format(args="logits, labels)  # error: LF604 at `train_acc.update_state(`")),
    # the batch's masks first, the model's output on its images second
    Invalid(_MASKS.format(call="bce(masks, probs)  # error: LF604 at `bce(masks, probs)`")),
    # ``batch["labels"]`` first, the model's logits second (H13 p08)
    Invalid(
        _DICT_BATCH.format(
            call="F.binary_cross_entropy_with_logits(labels, logits)",
            marker="  # error: LF604 at `F.binary_cross_entropy_with_logits(`",
        )
    ),
    # a torchtext / PyG batch's labels attribute
    Invalid(
        """
        import torch.nn as nn
        import torch.nn.functional as F
        net = nn.Linear(16, 4)
        def train(loader, opt):
            for data in loader:
                loss = F.nll_loss(data.y, F.log_softmax(net(data.x), dim=1))  # error: LF604 at `F.nll_loss(`
                loss.backward()
                opt.step()
        """
    ),
    # the metric kept on the model, updated (y_pred, y_true) (H12 p11)
    Invalid(_TEST_STEP.format(args="probs, y", marker="  # error: LF604 at `self.val_acc`")),
    # a 0/1 target built from the popped labels, passed first (held-out s17 p08)
    Invalid(
        """
        import torch.nn.functional as F
        from transformers import Trainer

        class TaggingTrainer(Trainer):
            def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
                labels = inputs.pop("labels")
                outputs = model(**inputs)
                boundary = ((labels > 0) & (labels % 2 == 1)).float()
                return F.binary_cross_entropy_with_logits(boundary, outputs["boundary_logits"])  # error: LF604 at `F.binary_cross_entropy_with_logits(`
        """
    ),
]

AUDIT_VALID = [
    # ... in Keras's order
    _HEADS_STEP.format(args="count[:, None], pred_count", marker="", passed="images, count, bins"),
    # the step handed another model's prediction, not a batch's item: it may be the target
    _HEADS_STEP.format(args="pred_count, count", marker="", passed="images, teacher(images), bins"),
    # the trainer's order
    _HF_TRAINER.format(
        base="Trainer", take="pop", outputs="logits, _, _", call="self.criterion(logits, labels)"
    ),
    # the labels left in the batch: an HF model then returns its own loss first,
    # so the first item unpacked may be that loss
    _HF_TRAINER.format(
        base="Trainer", take="get", outputs="first, _", call="self.criterion(labels, first)"
    ),
    # not a Hugging Face trainer: ``model`` and ``inputs`` are whatever its caller passes
    _HF_TRAINER.format(
        base="object",
        take="pop",
        outputs="logits, _",
        call="self.criterion(labels, logits)",
    ).replace("from transformers import object", ""),
    # a project's own loss taking (target, prediction): only torch's ordered
    # losses are read by their positions
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Conv2d(3, 1, 1), nn.Sigmoid())

    def dice_loss(target, pred, eps=1.0):
        inter = (target * pred).sum()
        return 1 - (2 * inter + eps) / (target.sum() + pred.sum() + eps)

    for images, masks in loader:
        loss = dice_loss(masks, model(images))
        loss.backward()
    """,
    # a distillation helper whose first parameter ``y`` holds the student's
    # log-probabilities (its callers say so): a name is no evidence then
    """
    import torch.nn as nn
    import torch.nn.functional as F

    student = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    teacher = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))

    def kd_loss(y, soft_targets):
        return F.kl_div(y, soft_targets, reduction="batchmean")

    for x, labels in loader:
        loss = kd_loss(F.log_softmax(student(x), dim=1), F.softmax(teacher(x), dim=1))
        loss.backward()
    """,
    # ... in the right order
    """
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))

    def train_step(x, labels):
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
    """,
    _TF_STEP.format(args="labels, logits)"),
    # the right order
    _MASKS.format(call="bce(probs, masks)"),
    # both from the model: a consistency term between two views
    _MASKS.format(call="bce(model(masks.expand(-1, 3, -1, -1)), probs)"),
    # the same batch in PyTorch's order
    _DICT_BATCH.format(call="F.binary_cross_entropy_with_logits(logits, labels)", marker=""),
    # ``labels`` is rebound on one branch: which value reaches the loss is not sure
    """
    import torch.nn as nn
    import torch.nn.functional as F
    head = nn.Linear(8, 3)
    def step(batch, teacher_probs, distill):
        labels = batch["labels"]
        if distill:
            labels = teacher_probs
        return F.cross_entropy(head(batch["x"]), labels)
    """,
    # ... in Keras's order
    _TEST_STEP.format(args="y, probs", marker=""),
    # the autoencoder in Keras's order; a cosine similarity, whose order does not matter
    _AUTOENCODER.format(call="loss_func(features, decoded)"),
    _AUTOENCODER.format(call="tf.keras.losses.cosine_similarity(decoded, features)"),
    # the second is another model's output (an encoder's code), not data: it may
    # be the prediction, the first a target computed from it
    """
    import tensorflow as tf

    encoder = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="sigmoid")])
    head = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="sigmoid")])
    bce = tf.keras.losses.BinaryCrossentropy()

    def step(x):
        code = encoder(x)
        target = head(code)
        return bce(target, code)
    """,
    # the mask from the labels in the target's place; a mask from the
    # model's scores is no label
    """
    import torch.nn.functional as F
    from transformers import Trainer

    class TaggingTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            boundary = ((labels > 0) & (labels % 2 == 1)).float()
            a = F.binary_cross_entropy_with_logits(outputs["boundary_logits"], boundary)
            confident = (outputs["scores"] > 0).float()
            b = F.binary_cross_entropy_with_logits(confident, outputs["boundary_logits"])
            return a + b
    """,
]
