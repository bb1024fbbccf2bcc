"""LF103 sigmoid-into-bce-with-logits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.rules.loss_inputs.common import (
    LossInputRule,
    inputs_of_kind,
    keras_activated_inputs,
    loss_label,
)
from lossflint.rules.loss_inputs.fixes import drop_activation_fix

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class SigmoidIntoBceWithLogits(LossInputRule):
    code = "LF103"
    name = "sigmoid-into-bce-with-logits"
    severity = Severity.ERROR
    summary = "BCEWithLogitsLoss gets sigmoid (or softmax) output: squashed twice"
    fix_kind = "unsafe"
    needs = ("with_logits", "WithLogits")
    what = """
Flags `nn.BCEWithLogitsLoss` / `F.binary_cross_entropy_with_logits` (and the
`logits=` argument of TensorFlow's `sigmoid_cross_entropy_with_logits`) whose
input holds sigmoid output (or softmax output, squashed by a sigmoid again): a
sigmoid in the same file, or the output of a Keras
model (built here or in another project module) whose last layer has
`activation="sigmoid"`.
"""
    why = """
The `_with_logits` losses apply the sigmoid themselves. A second sigmoid squashes
the predictions into (0.5, 0.73): the model cannot fit targets of 0, the loss
plateaus and gradients shrink.
"""
    example = """
    import torch
    import torch.nn.functional as F

    loss = F.binary_cross_entropy_with_logits(torch.sigmoid(z), y)  # error: LF103
    loss = F.binary_cross_entropy_with_logits(z, y)                 # right
    """
    use_instead = """
    import torch.nn.functional as F

    loss = F.binary_cross_entropy_with_logits(z, y)  # z: the raw scores
    """
    references = (
        (
            "PyTorch: torch.nn.functional.binary_cross_entropy_with_logits",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy_with_logits.html",
        ),
        (
            "PyTorch: torch.nn.BCEWithLogitsLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html",
        ),
    )
    fix_safety = """
Unsafe: for an inline sigmoid the fix passes its argument instead. The loss
value changes, because the original was wrong.
"""
    INVALID = [
        # softmax probabilities squashed again (norse's memory task, audit s193)
        Invalid(
            """
            import torch.nn.functional as F

            def step(readouts, targets):
                predictions = readouts.mean(1).softmax(1)
                return F.binary_cross_entropy_with_logits(predictions, targets)  # error: LF103
            """
        ),
        # TF2's positional order is (labels, logits); the sigmoid outputs of
        # both halves of a split (a GAIL discriminator, audit s29)
        Invalid(
            """
            import tensorflow as tf

            def disc_loss(model, x):
                expert_out, policy_out = tf.sigmoid(tf.split(model(x), 2, axis=0))
                real = tf.nn.sigmoid_cross_entropy_with_logits(tf.ones_like(policy_out), policy_out)  # error: LF103
                return real
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            def loss_fn(model, x, y):
                p_a, p_b = torch.sigmoid(model(x)).chunk(2, dim=1)
                return F.binary_cross_entropy_with_logits(p_a, y)  # error: LF103
            """
        ),
        # a custom TF training step on a Keras model that ends in a sigmoid
        Invalid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Dense(64, activation="relu"),
                tf.keras.layers.Dense(1, activation="sigmoid"),
            ])
            for xb, yb in ds:
                with tf.GradientTape() as tape:
                    scores = model(xb, training=True)
                    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=yb, logits=scores))  # error: LF103
                grads = tape.gradient(loss, model.trainable_variables)
                opt.apply_gradients(zip(grads, model.trainable_variables))
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            loss = F.binary_cross_entropy_with_logits(torch.sigmoid(z), y)  # error: LF103 at `F.binary_cross_entropy_with_logits(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            loss = F.binary_cross_entropy_with_logits(z, y)  # error: LF103 at `F.binary_cross_entropy_with_logits(`
            """,
        ),
        Invalid(
            """
            import torch.nn as nn
            class Head(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                    self.act = nn.Sigmoid()
                def forward(self, x):
                    return self.act(self.fc(x))
            head = Head()
            crit = nn.BCEWithLogitsLoss(pos_weight=w)
            loss = crit(head(x), y)  # error: LF103 at `crit(`
            """
        ),
        Invalid(
            """
            import tensorflow as tf
            p = tf.sigmoid(logits)
            loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=p)  # error: LF103 at `tf.nn.sigmoid_cross_entropy_with_logits(`
            """
        ),
    ]
    VALID = [
        # softmax probabilities as the soft targets: the input is the logits
        """
        import torch.nn.functional as F

        def distill(student_logits, teacher_logits):
            soft = teacher_logits.softmax(1)
            return F.binary_cross_entropy_with_logits(student_logits, soft)
        """,
        # positional (labels, logits) on raw scores; the logits' halves
        """
        import tensorflow as tf

        def disc_loss(model, x):
            expert_out, policy_out = tf.split(model(x), 2, axis=0)
            return tf.nn.sigmoid_cross_entropy_with_logits(tf.ones_like(policy_out), policy_out)
        """,
        # the sigmoid is the labels' (soft targets), positionally first
        """
        import tensorflow as tf

        def distill(student, teacher, x):
            soft = tf.sigmoid(teacher(x))
            return tf.nn.sigmoid_cross_entropy_with_logits(soft, student(x))
        """,
        """
        import torch.nn.functional as F
        loss = F.binary_cross_entropy_with_logits(z, y)
        """,
        """
        import torch
        import torch.nn.functional as F
        loss = F.binary_cross_entropy_with_logits(z, y)
        pred = torch.sigmoid(z) > 0.5
        """,
        """
        import torch
        import torch.nn as nn
        crit = nn.BCEWithLogitsLoss()
        loss = crit(z, torch.sigmoid(teacher))
        """,
        """
        import torch.nn.functional as F
        def sigmoid(x):
            return x
        loss = F.binary_cross_entropy_with_logits(sigmoid(z), y)
        """,
        """
        import torch
        import torch.nn.functional as F
        z = torch.sigmoid(a) if cal else a
        loss = F.binary_cross_entropy_with_logits(z, y)
        """,
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in inputs_of_kind(
            model,
            (
                apis.BCE_LOGITS,
                *apis.TF_SIGMOID_CE,
            ),
            (Kind.SIGMOID_PROBS, Kind.PROBS),
        ):
            if value.kind is Kind.PROBS:
                # softmax probabilities squashed again (norse's memory task,
                # audit s193): which activation was meant is not known, no fix
                yield self.report(
                    model,
                    loss,
                    expr,
                    value,
                    f"{loss_label(model, loss)} gets softmax output (it applies sigmoid on "
                    "top: every prediction lands in (0.5, 0.73))",
                    "pass the logits instead",
                )
                continue
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{loss_label(model, loss)} gets sigmoid output (it applies sigmoid itself)",
                "pass the logits instead",
                fix=drop_activation_fix(model, expr, value, "drop the sigmoid"),
            )
        # ``logits=model(x)`` of a Keras model whose last layer is a sigmoid
        yield from keras_activated_inputs(
            model,
            apis.TF_SIGMOID_CE,
            ("sigmoid",),
            lambda loss, _: (
                f"{loss_label(model, loss)} gets sigmoid output (it applies sigmoid itself)"
            ),
        )
