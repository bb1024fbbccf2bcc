"""LF504 examples found by the held-out measurements (session 12); kept apart
so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a two-headed model's outputs collected per batch, then concatenated in one
#: tuple assignment that rebinds the lists' names
_TWO_HEADS = """
import torch
import torch.nn as nn

class ClaimNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.claim = nn.Linear(16, 1)
        self.severity = nn.Linear(16, 1)

    def forward(self, x):
        return self.claim(x).squeeze(1), self.severity(x).squeeze(1)

model = ClaimNet()

@torch.no_grad()
def evaluate(loader):
    logits, sevs = [], []
    for x in loader:
        lg, sv = model(x)
        logits.append(lg.cpu())
        sevs.append(sv.cpu())
    {rebind}
    return ({compared} > 0.5).numpy(){marker}
"""

#: a model returning its heads in a dict, thresholded in an inference script
#: (H18 p08)
_DICT_HEADS = """
import torch
import torch.nn as nn

class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.sentiment_head = nn.Linear(768, 2)
        self.aspect_head = nn.Linear(768, 6)

    def forward(self, h):
        return {{"logits": self.sentiment_head(h), "aspect_logits": self.aspect_head(h)}}

model = Student()
model.eval()
with torch.inference_mode():
    out = model(h)
    {use}
"""

AUDIT_INVALID = [
    # the key says the head holds logits
    Invalid(
        _DICT_HEADS.format(
            use='aspects_on = out["aspect_logits"] > 0.5  # error: LF504 at `out["aspect_logits"] > 0.5`'
        )
    ),
    # (H14 p06)
    Invalid(
        _TWO_HEADS.format(
            rebind="logits, sevs = torch.cat(logits), torch.cat(sevs)",
            compared="logits",
            marker="  # error: LF504 at `logits > 0.5`",
        )
    ),
    # Keras's accuracy under a logits loss: binary accuracy at 0.5
    # (TensorFlow's transfer-learning tutorial, tensorflow/tensorflow#41413)
    Invalid(
        """
        import tensorflow as tf

        outputs = tf.keras.layers.Dense(1)(features)
        model = tf.keras.Model(inputs, outputs)
        model.compile(
            optimizer="adam",
            loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
            metrics=["accuracy"],  # error: LF504 at `"accuracy"`
        )
        """
    ),
]

AUDIT_VALID = [
    # a sigmoid head under a logits loss is LF401's mismatch, not this
    """
    import tensorflow as tf

    inputs = tf.keras.Input((8,))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(
        optimizer="adam",
        loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    """,
    # several units: Keras 3 picks categorical accuracy (an argmax) by the shape
    """
    import tensorflow as tf

    inputs = tf.keras.Input((8,))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(5)(inputs))
    model.compile(
        optimizer="adam",
        loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    """,
    # probabilities first, or the softmax of the other head
    _DICT_HEADS.format(use='aspects_on = out["aspect_logits"].sigmoid() > 0.5'),
    _DICT_HEADS.format(use='positive = out["logits"].softmax(dim=-1)[:, 1] > 0.5'),
    # the same tuple assignment turns the logits into probabilities first
    _TWO_HEADS.format(
        rebind="logits, sevs = torch.sigmoid(torch.cat(logits)), torch.cat(sevs)",
        compared="logits",
        marker="",
    ),
    # the threshold moved to 0 for logits; a sigmoid head scored at 0.5
    """
    import tensorflow as tf

    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(features))
    model.compile(
        optimizer="adam",
        loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[tf.keras.metrics.BinaryAccuracy(threshold=0.0), "AUC"],
    )
    probs = tf.keras.Model(inputs, tf.keras.layers.Dense(1, activation="sigmoid")(features))
    probs.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    """,
]
