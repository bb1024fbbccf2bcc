"""LF504 threshold-on-logits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import metrics as M
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.keras_logit_accuracy import logit_accuracies
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.metrics.lf504_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class ThresholdOnLogits(Rule):
    code = "LF504"
    name = "threshold-on-logits"
    severity = Severity.WARNING
    summary = "logits thresholded at 0.5 (or rounded) as if they were probabilities"
    fix_kind = "unsafe"
    needs = ("0.5", "round", "greater", "gt", "ccuracy")
    what = """
Flags `logits > 0.5` (also `>=`, `<`, `torch.gt`, `tf.greater`) and
`round(logits)` (`torch.round`, `np.round`, `.round()`) when the value holds raw
logits of a binary classifier: a `Linear`/linear Dense output, in a file that
trains it with a sigmoid loss on logits (`BCEWithLogitsLoss`,
`sigmoid_cross_entropy_with_logits`, `from_logits=True`), or a variable named
as logits. Also Keras's `metrics=["accuracy"]` (or `BinaryAccuracy()` at its
default threshold) in a `compile` whose loss is `BinaryCrossentropy(from_logits=True)`:
Keras computes binary accuracy, thresholding the logits at 0.5.
"""
    why = """
0.5 on the logit scale is probability sigmoid(0.5) ≈ 0.62, and rounding logits
thresholds at 0.5 too: the decision threshold is silently wrong, which shifts
accuracy, precision and recall.
"""
    example = """
    import torch
    import torch.nn as nn

    model = nn.Linear(16, 1)
    criterion = nn.BCEWithLogitsLoss()
    logits = model(x)
    loss = criterion(logits, y)
    preds = (logits > 0.5).float()                  # error: LF504
    preds = (logits > 0).float()                    # same as sigmoid(logits) > 0.5
    preds = (torch.sigmoid(logits) > 0.5).float()   # also OK
    """
    use_instead = """
    import torch
    import torch.nn as nn

    model = nn.Linear(16, 1)
    criterion = nn.BCEWithLogitsLoss()
    logits = model(x)
    loss = criterion(logits, y)
    preds = (torch.sigmoid(logits) > 0.5).float()
    """
    references = (
        (
            "PyTorch: torch.nn.BCEWithLogitsLoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html",
        ),
        ("PyTorch: torch.sigmoid", "https://pytorch.org/docs/stable/generated/torch.sigmoid.html"),
    )
    fix_safety = """
Unsafe: the fix replaces the `0.5` by `0` in comparisons (the logit of
probability 0.5), which changes the predictions, as intended. Rounding has no
automatic fix.
"""
    INVALID = [
        # a helper's threshold parameter left at its 0.5 default (R11 audit)
        Invalid(
            """
            import torch.nn as nn

            def get_accuracy(SR, GT, threshold=0.5):
                SR = SR > threshold  # error: LF504 at `SR > threshold`
                return (SR == GT).float().mean()

            net = nn.Conv2d(3, 1, 1)
            crit = nn.BCEWithLogitsLoss()
            for images, GT in loader:
                SR = net(images)
                crit(SR, GT).backward()
                acc = get_accuracy(SR, GT)
            """
        ),
        # the name rebound after the batch loop to the collected logits (H13 p08)
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            model = nn.Linear(16, 4)
            all_logits, all_labels = [], []
            for x, y in loader:
                logits = model(x)
                loss = F.binary_cross_entropy_with_logits(logits, y)
                all_logits.append(logits.detach().cpu())
            logits = torch.cat(all_logits)
            preds = (logits > 0.5).int()  # error: LF504 at `logits > 0.5`
            """
        ),
        # trained with BCELoss on the logits (LF105): its author reads them as probabilities
        Invalid(
            """
            import torch.nn as nn

            model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
            loss = nn.BCELoss()(model(x), y)
            scores = model(x_val).detach().numpy()
            pred = (scores > 0.5).astype(int)  # error: LF504 at `scores > 0.5`
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
            crit = nn.BCEWithLogitsLoss()
            logits = model(x)
            loss = crit(logits, y)
            preds = (logits > 0.5).float()  # error: LF504 at `logits > 0.5`
            """,
            fixed="""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(20, 1)
                def forward(self, x):
                    return self.fc(x)

            model = Net()
            crit = nn.BCEWithLogitsLoss()
            logits = model(x)
            loss = crit(logits, y)
            preds = (logits > 0).float()  # error: LF504 at `logits > 0.5`
            """,
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
            crit = nn.BCEWithLogitsLoss()
            out = model(x)
            loss = crit(out, y)
            acc = (torch.round(out) == y).float().mean()  # error: LF504 at `torch.round(`
            """
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))
            scores = model.predict(x_val)
            pred = tf.greater(scores, 0.5)  # error: LF504 at `tf.greater(`
            """,
            fixed="""
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))
            scores = model.predict(x_val)
            pred = tf.greater(scores, 0)  # error: LF504 at `tf.greater(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            head = nn.Linear(16, 1)
            def predict(h):
                logits = head(h)
                return logits.round()  # error: LF504 at `logits.round(`
            """
        ),
        # logits collected over the validation batches
        Invalid(
            """
            import torch
            import torch.nn as nn
            model = nn.Linear(16, 1)
            crit = nn.BCEWithLogitsLoss()
            outputs = []
            for x, y in val_loader:
                out = model(x)
                val_loss = crit(out, y)
                outputs.append(out.detach())
            scores = torch.cat(outputs)
            preds = (scores > 0.5).long()  # error: LF504 at `scores > 0.5`
            """,
            fixed="""
            import torch
            import torch.nn as nn
            model = nn.Linear(16, 1)
            crit = nn.BCEWithLogitsLoss()
            outputs = []
            for x, y in val_loader:
                out = model(x)
                val_loss = crit(out, y)
                outputs.append(out.detach())
            scores = torch.cat(outputs)
            preds = (scores > 0).long()  # error: LF504 at `scores > 0.5`
            """,
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
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
        crit = nn.BCEWithLogitsLoss()
        logits = model(x)
        loss = crit(logits, y)
        preds = (torch.sigmoid(logits) > 0.5).float()
        """,
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
        crit = nn.BCEWithLogitsLoss()
        logits = model(x)
        loss = crit(logits, y)
        preds = (logits > 0).float()
        """,
        # a regressor's output may be thresholded
        """
        import torch
        import torch.nn as nn
        reg = nn.Linear(8, 1)
        out = reg(x)
        loss = nn.MSELoss()(out, y)
        high = out > 0.5
        """,
        # Keras model with a sigmoid output
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy')
        pred = model.predict(x) > 0.5
        """,
        # Keras linear output trained as a regression
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(loss='mse')
        pred = model.predict(x) > 0.5
        """,
        # unknown values named like logits
        """
        logits = compute()
        preds = logits > 0.5
        """,
        # a different threshold on purpose (logit scale)
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
        crit = nn.BCEWithLogitsLoss()
        logits = model(x)
        loss = crit(logits, y)
        preds = logits > 1.2
        """,
        *AUDIT_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = M.metric_facts(model)
        for comp in facts.comparisons:
            if len(comp.comparisons) != 1:
                continue
            target = comp.comparisons[0]
            if not isinstance(
                target.operator,
                (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual),
            ):
                continue
            for value_expr, threshold in (
                (comp.left, target.comparator),
                (target.comparator, comp.left),
            ):
                if not facts.is_half(threshold):
                    continue
                value = facts.binary_logits(value_expr)
                if value is None:
                    continue
                yield self._finding(model, facts, comp, value, threshold)
                break
        for name in sorted(apis.THRESHOLD_FUNCS):
            for site in model.calls_to(name):
                first = argument(site.node, 0, "input", "x")
                second = argument(site.node, 1, "other", "y")
                if first is None or second is None or literal_value(second) != 0.5:
                    continue
                value = facts.binary_logits(first)
                if value is not None:
                    yield self._finding(model, facts, site.node, value, second)
        for name in sorted(apis.ROUND_FUNCS):
            for site in model.calls_to(name):
                first = argument(site.node, 0, "input", "x", "a", "number")
                if first is None or len(site.node.args) != 1:
                    continue
                value = facts.binary_logits(first)
                if value is not None:
                    yield self._finding(model, facts, site.node, value, None)
        for site in model.method_calls("round"):
            func = site.node.func
            if isinstance(func, cst.Attribute) and not site.node.args:
                value = facts.binary_logits(func.value)
                if value is not None:
                    yield self._finding(model, facts, site.node, value, None)
        for found in logit_accuracies(model):
            yield Finding(
                found.metric,
                f"Keras computes this accuracy as binary accuracy, thresholding the outputs at "
                f"0.5, but the loss takes logits (`from_logits=True`, line "
                f"{model.line_of(found.loss.node)}): 0.5 on the logit scale is probability "
                "0.62; use `keras.metrics.BinaryAccuracy(threshold=0.0)`",
                related=(RelatedNode("the loss", found.loss.node),),
            )

    def _finding(
        self,
        model: SemanticModel,
        facts: M.MetricFacts,
        node: cst.CSTNode,
        value: object,
        threshold: cst.BaseExpression | None,
    ) -> Finding:
        fix = None
        if threshold is not None and literal_value(threshold) != 0.5:
            # a parameter's 0.5 default: other callers may pass their own
            what = f"thresholded at 0.5 (the default of `{model.code(threshold)}`)"
        elif threshold is not None:
            fix = FixSpec(
                Applicability.UNSAFE, "threshold logits at 0", (NodeEdit(threshold, "0"),)
            )
            what = "thresholded at 0.5"
        else:
            what = "rounded (a 0.5 threshold)"
        return Finding(
            node,
            f"logits{facts.evidence(value)} {what}: 0.5 on the logit scale is probability "
            "0.62; compare logits with 0, or apply sigmoid first",
            fix=fix,
        )
