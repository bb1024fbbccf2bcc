"""LF101 examples found by the held-out measurements (session 10)."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a model with named heads in an ``nn.ModuleDict``
_HEADS = """
import torch.nn as nn

class MultiHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(16, 32)
        self.heads = nn.ModuleDict({{
            "cls": nn.Sequential(nn.Linear(32, 5), nn.Softmax(dim=1)),
            "reg": nn.Linear(32, 1),
        }})

    def forward(self, x, task):
        return self.heads[{key}](self.body(x))

model = MultiHead()
loss = nn.CrossEntropyLoss()(model(x, "cls"), y){marker}
"""

#: TensorFlow's "probability model": a loaded classifier wrapped with a
#: Softmax layer (H15 p11)
_PROBABILITY_MODEL = """
import tensorflow as tf

classifier = tf.keras.models.load_model("classifier.keras")
probability_model = tf.keras.Sequential([classifier, tf.keras.layers.Softmax()])
for images, labels in val_ds:
{use}
"""

AUDIT_INVALID = [
    Invalid(
        _PROBABILITY_MODEL.format(
            use="    probs = probability_model(images)\n"
            "    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=probs)"
            "  # error: LF101 at `tf.nn.sparse_softmax_cross_entropy_with_logits(`"
        )
    ),
    # the classification head of a ModuleDict ends in softmax
    Invalid(_HEADS.format(key='"cls"', marker="  # error: LF101 at `nn.CrossEntropyLoss()(`")),
]

AUDIT_VALID = [
    # the classifier's logits go to the loss, the wrapper only predicts
    _PROBABILITY_MODEL.format(
        use="    loss = tf.nn.sparse_softmax_cross_entropy_with_logits("
        "labels=labels, logits=classifier(images))\n"
        "    probs = probability_model.predict(images)"
    ),
    # ... the head chosen by the task: which one runs is not known here
    _HEADS.format(key="task", marker=""),
]
