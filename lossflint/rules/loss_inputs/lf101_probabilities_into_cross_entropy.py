"""LF101 probabilities-into-cross-entropy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import (
    PROBABILITY_KINDS,
    LossInputRule,
    evidence,
    inputs_of_kind,
    keras_activated_inputs,
    loss_label,
    loss_related,
    message,
    related,
)
from lossflint.rules.loss_inputs.fixes import drop_activation_fix
from lossflint.rules.loss_inputs.lf101_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class ProbabilitiesIntoCrossEntropy(LossInputRule):
    code = "LF101"
    name = "probabilities-into-cross-entropy"
    severity = Severity.ERROR
    summary = "CrossEntropyLoss / F.cross_entropy gets softmax or sigmoid output"
    fix_kind = "unsafe"
    needs = ("cross_entropy", "CrossEntropyLoss", "softmax_cross_entropy")
    what = """
Flags `nn.CrossEntropyLoss` / `F.cross_entropy` (and the `logits=` argument of
TensorFlow's `softmax_cross_entropy_with_logits` / `sparse_softmax_cross_entropy_with_logits`)
whose input holds softmax or sigmoid output: inline, through variables, from an
`nn.Sequential` ending in `nn.Softmax`, or from a model whose `forward` returns
softmax — however many statements or calls away.
"""
    why = """
`cross_entropy` applies `log_softmax` itself. Fed probabilities, it computes the
log-softmax of values squeezed into [0, 1]: the loss saturates near
`log(C)`, its gradients vanish, and the model barely trains — with no error.
"""
    example = """
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 10)

        def forward(self, x):
            return torch.softmax(self.fc(x), dim=1)


    net = Net()
    criterion = nn.CrossEntropyLoss()
    loss = criterion(net(x), y)  # error: LF101: pass the logits
    """
    use_instead = """
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 10)

        def forward(self, x):
            return self.fc(x)  # logits: CrossEntropyLoss applies log_softmax itself


    net = Net()
    criterion = nn.CrossEntropyLoss()
    loss = criterion(net(x), y)
    """
    references = (
        (
            "PyTorch: torch.nn.CrossEntropyLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html",
        ),
        (
            "PyTorch: torch.nn.functional.cross_entropy",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html",
        ),
    )
    fix_safety = """
Unsafe: when the softmax is written inline in the loss call, the fix removes it
(`F.cross_entropy(F.softmax(z, 1), y)` → `F.cross_entropy(z, y)`). This changes
the loss value — because the original was wrong. When the softmax sits in the
model, move it to the inference path by hand.
"""
    INVALID = [
        # a custom TF2 training step on a Keras model that ends in softmax
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras

            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])

            def train_step(x, y):
                with tf.GradientTape() as tape:
                    probs = model(x, training=True)
                    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=probs))  # error: LF101 at `tf.nn.sparse_softmax_cross_entropy_with_logits(`
                grads = tape.gradient(loss, model.trainable_variables)
            """
        ),
        # the softmax is the activation of a Keras layer / a TF1 dense layer
        Invalid(
            """
            import tensorflow as tf

            dense = tf.keras.layers.Dense(10, activation=tf.nn.softmax)

            def loss_fn(h, y):
                out = dense(h)
                return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=out, labels=y))  # error: LF101 at `tf.nn.softmax_cross_entropy_with_logits`
            """
        ),
        Invalid(
            """
            import tensorflow as tf

            h = tf.layers.dense(inputs=x, units=1500, activation=tf.nn.relu)
            out = tf.layers.dense(inputs=h, units=10, activation="softmax")
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=out, labels=y))  # error: LF101 at `tf.nn.softmax_cross_entropy_with_logits`
            """
        ),
        Invalid(
            """
            import torch.nn.functional as F
            loss = F.cross_entropy(F.softmax(z, dim=1), y)  # error: LF101 at `F.cross_entropy(`
            """,
            fixed="""
            import torch.nn.functional as F
            loss = F.cross_entropy(z, y)  # error: LF101 at `F.cross_entropy(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 3)

                def forward(self, x):
                    return torch.softmax(self.fc(x), dim=1)

            def train(net, loader):
                criterion = nn.CrossEntropyLoss()
                for x, y in loader:
                    scores = net(x)
                    loss = criterion(scores, y)  # error: LF101 at `criterion(`
                    loss.backward()

            train(Net(), [])
            """
        ),
        Invalid(
            """
            from torch import nn
            model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3), nn.Softmax(dim=-1))
            crit = nn.CrossEntropyLoss(label_smoothing=0.1)
            out = model(inputs)
            loss = crit(out, labels)  # error: LF101 at `crit(`
            """
        ),
        Invalid(
            """
            import torch
            from torch.nn.functional import cross_entropy as ce
            probs = logits.softmax(-1)
            l = ce(probs, target)  # error: LF101 at `ce(`
            """
        ),
        Invalid(
            """
            import tensorflow as tf
            pred = tf.nn.softmax(tf.matmul(x, W) + b)
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=pred))  # error: LF101 at `tf.nn.softmax_cross_entropy_with_logits(`
            """
        ),
        Invalid(
            """
            import torch.nn as nn
            from collections import OrderedDict
            head = nn.Sequential(OrderedDict([('fc', nn.Linear(4, 2)), ('act', nn.Softmax(1))]))
            criterion = nn.CrossEntropyLoss()
            loss = criterion(head(x), y)  # error: LF101 at `criterion(`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(128, 10)
                def forward(self, x):
                    logits = self.fc(x)
                    return {"logits": logits, "probs": torch.softmax(logits, dim=-1)}
            model = Classifier()
            out = model(x)
            loss = F.cross_entropy(out["probs"], y)  # error: LF101 at `F.cross_entropy(`
            """
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        # the same step on a model whose last layer has no activation
        """
        import tensorflow as tf
        from tensorflow import keras

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])

        def train_step(x, y):
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
            grads = tape.gradient(loss, model.trainable_variables)
        """,
        # softmax only at inference: forward returns logits while training
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
            def forward(self, x):
                z = self.fc(x)
                if not self.training:
                    return z.softmax(-1)
                return z
        net = Net()
        loss = F.cross_entropy(net(x), y)
        """,
        # softmax used only for inference, after the loss
        """
        import torch
        import torch.nn.functional as F
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        probs = torch.softmax(logits, dim=1)
        """,
        # a user function called softmax
        """
        import torch.nn.functional as F
        def softmax(x, dim):
            return x
        loss = F.cross_entropy(softmax(z, 1), y)
        """,
        # a branch where the kind differs
        """
        import torch
        import torch.nn.functional as F
        if train:
            out = net(x)
        else:
            out = torch.softmax(net(x), 1)
        loss = F.cross_entropy(out, y)
        """,
        # shadowed import
        """
        import torch
        import torch.nn.functional as F
        def f(F, z, y):
            return F.cross_entropy(torch.softmax(z, 1), y)
        """,
        # softmax reassigned away
        """
        import torch
        import torch.nn.functional as F
        p = torch.softmax(z, 1)
        p = z
        loss = F.cross_entropy(p, y)
        """,
        # the model returns logits; softmax only in predict()
        """
        import torch
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)
            def forward(self, x):
                return self.fc(x)
            def predict(self, x):
                return torch.softmax(self(x), 1)
        net = Net()
        loss = nn.CrossEntropyLoss()(net(x), y)
        """,
        # log_softmax + nll_loss is the right pairing
        """
        import torch.nn.functional as F
        loss = F.nll_loss(F.log_softmax(z, dim=1), y)
        """,
        # soft targets may be probabilities: only the input matters
        """
        import torch
        import torch.nn.functional as F
        loss = F.cross_entropy(student, torch.softmax(teacher / T, dim=1))
        """,
        # the dict's logits go to the loss, its probabilities to the metrics
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(128, 10)
            def forward(self, x):
                logits = self.fc(x)
                return {"logits": logits, "probs": torch.softmax(logits, dim=-1)}
        out = Classifier()(x)
        loss = F.cross_entropy(out["logits"], y)
        out["probs"] = out["logits"]  # replaced: no longer probabilities
        loss2 = F.cross_entropy(out["probs"], y)
        acc = (out["probs"].argmax(1) == y).float().mean()
        """,
        *AUDIT_VALID,
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        pairs = inputs_of_kind(model, (apis.CROSS_ENTROPY, *apis.TF_SOFTMAX_CE), PROBABILITY_KINDS)
        for loss, expr, value in pairs:
            what = "softmax" if value.kind is Kind.PROBS else "sigmoid"
            text = message(
                f"{loss_label(model, loss)} gets {what} output (it applies log_softmax itself)",
                evidence(model, expr, value),
                "pass the logits instead",
            )
            yield Finding(
                node=loss.node,
                message=text,
                fix=drop_activation_fix(model, expr, value, f"drop the {what}"),
                related=(*related(model, expr, value), *loss_related(loss)),
            )
        yield from self._keras_outputs(model)

    def _keras_outputs(self, model: SemanticModel) -> Iterator[Finding]:
        """TF's ``*_softmax_cross_entropy_with_logits(logits=model(x))`` on a
        Keras model whose last layer applies softmax or sigmoid."""
        yield from keras_activated_inputs(
            model,
            apis.TF_SOFTMAX_CE,
            ("softmax", "sigmoid"),
            lambda loss, activation: (
                f"{loss_label(model, loss)} gets {activation} output "
                "(it applies log_softmax itself)"
            ),
        )
