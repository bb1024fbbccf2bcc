"""LF501 accuracy-on-scores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import metrics as M
from lossflint.analysis.calls import argument, literal_value
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class AccuracyOnScores(Rule):
    code = "LF501"
    name = "accuracy-on-scores"
    severity = Severity.ERROR
    summary = "accuracy computed by comparing probabilities/logits with labels"
    needs = ("==", "eq", "equal", "accuracy_score", "Accuracy")
    what = """
Flags `(pred == y)` (or `!=`, `torch.eq`, `tf.equal`, `pred.eq(y)`) summed or
averaged into an accuracy, and `sklearn.metrics.accuracy_score`, when `pred`
holds a model's probabilities, log-probabilities or logits (softmax/sigmoid/
log_softmax output, a `Linear` output, `model.predict(...)` of a Keras model, or
the maximum value of one of those, `p.max(dim=1)[0]`) with no argmax or threshold.
"""
    why = """
Float scores essentially never equal integer labels: the accuracy is ≈ 0 no
matter how good the model is (sklearn's `accuracy_score` raises instead), and a
training run is judged, early-stopped or tuned on that number.
"""
    example = """
    import torch

    probs = torch.softmax(model(x), dim=1)
    acc = (probs == y).float().mean()  # error: LF501
    acc = (probs.argmax(1) == y).float().mean()  # OK
    """
    use_instead = """
    import torch

    probs = torch.softmax(model(x), dim=1)
    acc = (probs.argmax(1) == y).float().mean()
    """
    references = (
        ("PyTorch: torch.argmax", "https://pytorch.org/docs/stable/generated/torch.argmax.html"),
    )
    fix_safety = (
        "There is no automatic fix: take `argmax` (multi-class) or threshold (binary) first."
    )
    INVALID = [
        # Keras's exact-match Accuracy fed the softmax output (Lornatang/TensorFlow2-tutorials, R74)
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras

            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            accuracy_metric = keras.metrics.Accuracy()

            def train_step(images, labels):
                predictions = model(images)
                return accuracy_metric(labels, predictions)  # error: LF501 at `accuracy_metric(`
            """
        ),
        # a Hugging Face Trainer hands compute_metrics the logits
        Invalid(
            """
            from transformers import Trainer

            def compute_metrics(p):
                return {"accuracy": (p.predictions == p.label_ids).mean()}  # error: LF501 at `p.predictions == p.label_ids`

            trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=dev, compute_metrics=compute_metrics)
            trainer.train()
            """
        ),
        # a graph convolution's output: a linear map of a Linear's scores, plus a bias
        Invalid(
            """
            import torch
            import torch.nn as nn

            class GraphConv(nn.Module):
                def __init__(self, fin, fout):
                    super().__init__()
                    self.lin = nn.Linear(fin, fout, bias=False)
                    self.bias = nn.Parameter(torch.zeros(fout))

                def forward(self, x, adj):
                    return adj @ self.lin(x) + self.bias

            out = GraphConv(8, 3)(x, adj)
            acc = (out == y).float().mean()  # error: LF501 at `out == y`
            """
        ),
        # the max *values* (element 0 / the first name) are still logits; only the
        # indices are class labels
        Invalid(
            """
            import torch
            import torch.nn as nn

            model = nn.Linear(4, 3)
            logits = model(x)
            vals, idx = logits.max(dim=1)
            acc = (vals == y).float().mean()  # error: LF501 at `vals == y`
            best = torch.max(logits, 1)[0]
            acc2 = (best == y).float().mean()  # error: LF501 at `best == y`
            """
        ),
        Invalid(
            """
            import torch
            probs = torch.softmax(model(x), dim=1)
            acc = (probs == y).float().mean()  # error: LF501 at `probs == y`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(20, 1)

                def forward(self, x):
                    return self.fc(x)

            model = Net()
            out = model(x)
            correct = torch.sum(out == y).item()  # error: LF501 at `out == y`
            """
        ),
        Invalid(
            """
            import numpy as np
            from tensorflow import keras
            model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])
            preds = model.predict(x_test)
            print('accuracy', np.mean(preds == y_test))  # error: LF501 at `preds == y_test`
            """
        ),
        Invalid(
            """
            import torch
            from sklearn.metrics import accuracy_score
            p = torch.sigmoid(logits).detach().numpy()
            print(accuracy_score(y_true, p))  # error: LF501 at `accuracy_score(`
            """
        ),
        # probabilities collected over batches, the metric under an alias
        Invalid(
            """
            import numpy as np
            import torch
            from sklearn.metrics import accuracy_score
            acc_fn = accuracy_score
            all_probs = []
            for x, y in loader:
                all_probs.append(torch.softmax(model(x), dim=1).detach().numpy())
            print(acc_fn(y_true, np.concatenate(all_probs)))  # error: LF501 at `acc_fn(`
            """
        ),
        # log-probabilities (log_softmax), and their max value (not its index)
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            with torch.no_grad():
                lp = F.log_softmax(-dists, dim=1)
                top = lp.max(dim=1)[0]
                hit = (top == targets).float().mean()  # error: LF501 at `top == targets`
                hit2 = torch.eq(lp, targets).sum()  # error: LF501 at `torch.eq(lp, targets)`
            """
        ),
    ]
    VALID = [
        # a helper that thresholds its argument in place, then gives it back
        # (Deep Learning Quick Reference's ``class_from_prob``)
        """
        from sklearn.metrics import accuracy_score
        from tensorflow import keras

        def class_from_prob(x, operating_point=0.5):
            x[x >= operating_point] = 1
            x[x < operating_point] = 0
            return x

        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(train_X, train_y, epochs=20)
        y_hat_val = class_from_prob(model.predict(val_X))
        print(accuracy_score(val_y, y_hat_val))
        """,
        # the accuracy that takes the argmax, and the exact one on argmax labels
        """
        import tensorflow as tf
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        sparse = keras.metrics.SparseCategoricalAccuracy()
        exact = keras.metrics.Accuracy()

        def train_step(images, labels):
            predictions = model(images)
            sparse.update_state(labels, predictions)
            exact.update_state(labels, tf.argmax(predictions, axis=1))
        """,
        # compute_metrics takes the argmax of the logits first
        """
        import numpy as np
        from transformers import Trainer

        def compute_metrics(eval_pred):
            logits, labels = eval_pred
            predictions = np.argmax(logits, axis=-1)
            return {"accuracy": (predictions == labels).mean()}

        Trainer(model=model, args=args, compute_metrics=compute_metrics).train()
        """,
        # predictions already reduced by preprocess_logits_for_metrics; a
        # generating Seq2SeqTrainer hands over token ids; a project's own Trainer
        """
        import transformers
        from transformers import Seq2SeqTrainer

        class Trainer:
            def __init__(self, compute_metrics):
                self.compute_metrics = compute_metrics

        def exact(eval_pred):
            predictions, labels = eval_pred
            return {"exact": (predictions == labels).mean()}

        transformers.Trainer(model=model, compute_metrics=exact, preprocess_logits_for_metrics=argmax_logits)
        Seq2SeqTrainer(model=model, compute_metrics=exact)
        Trainer(compute_metrics=exact)
        """,
        # peak finding on a heatmap (CenterNet-style NMS): scores compared with
        # their own max-pool, not with labels (chenyuntc pytorch-book ch. 13)
        """
        import torch
        import torch.nn.functional as F
        cls_pred = torch.sigmoid(heat_logits)
        hmax = F.max_pool2d(cls_pred, 3, padding=1, stride=1)
        keep = (hmax == cls_pred).float()
        peaks = cls_pred * keep
        """,
        """
        import torch
        probs = torch.softmax(model(x), dim=1)
        acc = (probs.argmax(1) == y).float().mean()
        """,
        """
        import torch
        p = torch.sigmoid(z)
        acc = ((p > 0.5).float() == y).float().mean()
        """,
        # two outputs compared: a determinism test, not an accuracy
        """
        import torch
        a = torch.softmax(z, 1)
        b = torch.softmax(z2, 1)
        assert (a == b).all()
        """,
        # checking for exact zeros (underflow) is not an accuracy
        """
        import torch
        p = torch.softmax(z, 1)
        underflow = (p == 0).sum()
        """,
        # unknown predictions
        """
        import torch
        pred = predict(x)
        acc = (pred == y).float().mean()
        """,
        # argmax through a variable
        """
        import torch
        logits = torch.nn.functional.linear(x, w)
        pred = logits.argmax(dim=1)
        acc = (pred == y).sum().item() / len(y)
        """,
        # collected argmax predictions
        """
        import torch
        from sklearn.metrics import accuracy_score
        preds = []
        for x, y in loader:
            preds.append(torch.softmax(model(x), dim=1).argmax(1))
        print(accuracy_score(y_true, torch.cat(preds)))
        """,
        # elementwise mask, not reduced
        """
        import torch
        p = torch.softmax(z, 1)
        mask = p == p.max(dim=1, keepdim=True).values
        """,
        # log-probabilities: argmax, the indices of max, a count of -inf entries
        """
        import torch
        import torch.nn.functional as F
        lp = F.log_softmax(model(x), dim=-1)
        a = (lp.argmax(-1) == y).float().mean()
        b = (lp.max(dim=-1)[1] == y).float().mean()
        _, guess = lp.max(-1)
        c = (guess == y).sum()
        masked = (lp == float("-inf")).sum()
        best = (lp == lp.max(dim=-1, keepdim=True)[0]).sum()
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = M.metric_facts(model)
        for node, left, right in facts.equality_checks():
            for pred, other in ((left, right), (right, left)):
                found = facts.score_kind(pred)
                if found is None or facts.score_kind(other) is not None:
                    continue
                if literal_value(other) is not NotImplemented or M.constant(model, other):
                    continue
                if facts.derived_from(other, pred):
                    break  # scores compared with themselves: peak finding, not accuracy
                if not facts.reduced(node):
                    break
                kind, value = found
                yield Finding(
                    node,
                    f"accuracy compares {kind}{facts.evidence(value)} with labels: float scores "
                    "never equal class labels; take `argmax` (or threshold) first",
                )
                break
        keras = (
            (
                call,
                "`keras.metrics.Accuracy` counts exact matches and gets {}{} as `y_pred`: float "
                "scores never equal the labels; use `SparseCategoricalAccuracy` / "
                "`CategoricalAccuracy` (or argmax first)",
            )
            for call in facts.metric_object_calls(apis.KERAS_EXACT_ACCURACY)
        )
        sklearn = (
            (
                call,
                f"`{name.rsplit('.', 1)[-1]}` gets {{}}{{}} as `y_pred`: sklearn raises on "
                "continuous predictions; take `argmax` (or threshold) first",
            )
            for call, name in facts.metric_calls(apis.SKLEARN_ACCURACY)
        )
        for call, message in (*keras, *sklearn):
            found = _predicted_scores(facts, call)
            if found is not None:
                kind, value = found
                yield Finding(call, message.format(kind, facts.evidence(value)))


def _predicted_scores(facts: M.MetricFacts, call: cst.Call) -> tuple[str, Any] | None:
    """What kind of scores the metric call gets as ``y_pred`` (its second
    argument), when they are scores."""
    y_pred = argument(call, 1, "y_pred")
    return facts.score_kind(y_pred) if y_pred is not None else None
