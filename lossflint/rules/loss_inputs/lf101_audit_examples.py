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

#: a functional model with three heads (held-out s16 p11): only ``bins`` is softmax
_HEADS_MODEL = """
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

inp = keras.Input(shape=(64,))
x = layers.Dense(32, activation="relu")(inp)
count = layers.Dense(1, activation="softplus", name="count")(x)
bins = layers.Dense(10, activation="softmax", name="bins")(x)
presence = layers.Dense(6, name="presence")(x)
model = keras.Model(inp, {outputs})

def step(images, labels):
    with tf.GradientTape() as tape:
{use}
"""

_CE = "tf.nn.sparse_softmax_cross_entropy_with_logits("
_AT = f"  # error: LF101 at `{_CE}`"


#: layers gathered in a list named like the attribute that holds them
_LAYERS_LIST = """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers.append(nn.Linear(a, b))
            layers.append(nn.ReLU())
        {tail}
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)

model = Net([10, 20, 3])
criterion = nn.CrossEntropyLoss()
for x, y in loader:
    loss = criterion(model(x), y){marker}
    loss.backward()
"""

_RESIZED = """
import torch.nn as nn
import torch.nn.functional as F


class Pix2PixHD(nn.Module):
    def __init__(self):
        super().__init__()
        self.G1 = nn.Conv2d(37, 14, 3, padding=1)
        self.sigmoid = nn.Sigmoid()

    def cross_entropy2d(self, input, target):
        n, c, h, w = input.size()
        if h != target.size(1) or w != target.size(2):
            input = F.interpolate(input, size=target.shape[1:], mode="{mode}", align_corners=True)
        input = input.permute(0, 2, 3, 1).reshape(-1, c)
        return F.cross_entropy(input, target.view(-1), ignore_index=250){marker}

    def forward(self, G1_in, label):
        arm_label = self.sigmoid(self.G1(G1_in))
        return self.cross_entropy2d(arm_label, label.long()) * 10
"""

AUDIT_INVALID = [
    # sigmoid output resized bilinearly on the way (values in (0, 1) still)
    # (switchablenorms/DeepFashion_Try_On's ACGPN, audit s199)
    Invalid(_RESIZED.format(mode="bilinear", marker="  # error: LF101")),
    # the functional loss bound to a name first (audit s148's probes): a
    # module-level name, a local
    Invalid(
        """
        import torch.nn.functional as F

        loss_fn = F.cross_entropy

        def train(model, x, y):
            probs = F.softmax(model(x), dim=1)
            return loss_fn(probs, y)  # error: LF101 at `loss_fn(`

        def train_local(model, x, y):
            local_fn = F.cross_entropy
            return local_fn(F.softmax(model(x), dim=1), y)  # error: LF101 at `local_fn(`
        """
    ),
    # a flipped probability map is still one (a test-time augmentation
    # trained through, Multiclass-Segmentation-in-PyTorch, audit R55)
    Invalid(
        """
        import torch
        import torch.nn as nn

        def step(model, image, target, optimizer):
            criterion = nn.CrossEntropyLoss()
            pred = torch.flip(torch.softmax(model(image), dim=1), dims=[3])
            loss = criterion(pred, target)  # error: LF101 at `criterion(`
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    ),
    # ``self.layers = nn.Sequential(*layers)``: the attribute's name is no use
    # of the list (session 21)
    Invalid(
        _LAYERS_LIST.format(
            tail="layers.append(nn.Softmax(dim=1))",
            marker="  # error: LF101 at `criterion(`",
        )
    ),
    # the softmax head, unpacked from the call
    Invalid(
        _HEADS_MODEL.format(
            outputs="[count, bins, presence]",
            use="        n, probs, logits = model(images)\n"
            f"        loss = {_CE}labels=labels, logits=probs){_AT}",
        )
    ),
    # ... indexed, and a tuple of outputs
    Invalid(
        _HEADS_MODEL.format(
            outputs="(count, bins, presence)",
            use=f"        loss = {_CE}labels=labels, logits=model(images)[1]){_AT}",
        )
    ),
    # ... by its key, outputs given as a dict
    Invalid(
        _HEADS_MODEL.format(
            outputs='{"count": count, "bins": bins, "presence": presence}',
            use="        out = model(images)\n"
            f'        loss = {_CE}labels=labels, logits=out["bins"]){_AT}',
        )
    ),
    Invalid(
        _PROBABILITY_MODEL.format(
            use="    probs = probability_model(images)\n"
            "    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=probs)"
            "  # error: LF101 at `tf.nn.sparse_softmax_cross_entropy_with_logits(`"
        )
    ),
    # the classification head of a ModuleDict ends in softmax
    Invalid(_HEADS.format(key='"cls"', marker="  # error: LF101 at `nn.CrossEntropyLoss()(`")),
    # a decoder collects each step's softmax in a list, stacked for the loss
    Invalid(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Decoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.cell = nn.GRUCell(8, 8)
                self.out = nn.Linear(8, 20)

            def forward(self, h, steps):
                outputs = []
                for t in range(steps):
                    h = self.cell(h, h)
                    outputs.append(F.softmax(self.out(h), dim=1))
                return torch.stack(outputs)

        decoder = Decoder()
        criterion = nn.CrossEntropyLoss()
        scores = decoder(torch.zeros(4, 8), 10)
        loss = criterion(scores.view(-1, 20), y.view(-1))  # error: LF101 at `criterion(`
        """
    ),
]

AUDIT_VALID = [
    # a bicubic resize may leave (0, 1): not sigmoid outputs any more
    _RESIZED.format(mode="bicubic", marker=""),
    # the same aliases given logits
    """
    import torch.nn.functional as F

    loss_fn = F.cross_entropy

    def train(model, x, y):
        local_fn = F.nll_loss
        return loss_fn(model(x), y) + local_fn(F.log_softmax(model(x), dim=1), y)
    """,
    # the linear head of the same model is logits
    _HEADS_MODEL.format(
        outputs="[count, bins, presence]",
        use="        n, probs, logits = model(images)\n"
        "        loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)\n"
        f"        loss2 = {_CE}labels=labels, logits=model(images)[2])",
    ),
    # the linear head by its key, plus an output chosen at run time (unknown)
    _HEADS_MODEL.format(
        outputs='{"count": count, "bins": bins, "presence": presence}',
        use="        out = model(images)\n"
        f'        loss = {_CE}labels=labels, logits=out["presence"] + out[key])',
    ),
    # an output re-used as two heads: the second is the logits layer
    _HEADS_MODEL.format(
        outputs="[presence, presence]",
        use=f"        a, b = model(images)\n        loss = {_CE}labels=labels, logits=b)",
    ),
    # the classifier's logits go to the loss, the wrapper only predicts
    _PROBABILITY_MODEL.format(
        use="    loss = tf.nn.sparse_softmax_cross_entropy_with_logits("
        "labels=labels, logits=classifier(images))\n"
        "    probs = probability_model.predict(images)"
    ),
    # ... the head chosen by the task: which one runs is not known here
    _HEADS.format(key="task", marker=""),
    # the decoder's list collects the scores; the softmax only picks the next input
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(8, 20)

        def forward(self, h, steps):
            outputs = []
            for t in range(steps):
                scores = self.out(h)
                outputs.append(scores)
                h = F.softmax(scores, dim=1) @ self.out.weight
            return torch.stack(outputs)

    loss = nn.CrossEntropyLoss()(Decoder()(h0, 10).view(-1, 20), y.view(-1))
    """,
    # the list handed to a helper that may change it before the Sequential
    _LAYERS_LIST.format(
        tail="layers.append(nn.Softmax(dim=1))\n        finish(layers=layers)",
        marker="",
    ),
]
