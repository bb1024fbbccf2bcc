"""LF5xx: metrics computed on the wrong kind of values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import metrics as M
from lossflint.analysis.calls import argument, has_star_args, keyword, literal_value
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.registry import Invalid, Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

TORCH = "import torch\nimport torch.nn as nn\n"
NET = (
    TORCH + "class Net(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.fc = nn.Linear(20, 1)\n"
    "    def forward(self, x):\n"
    "        return self.fc(x)\n\n"
    "model = Net()\ncrit = nn.BCEWithLogitsLoss()\n"
)


class AccuracyOnScores(Rule):
    code = "LF501"
    name = "accuracy-on-scores"
    severity = Severity.ERROR
    summary = "accuracy computed by comparing probabilities/logits with labels"
    needs = ("==", "eq", "equal", "accuracy_score")
    what = """
Flags `(pred == y)` (or `!=`, `torch.eq`, `tf.equal`, `pred.eq(y)`) summed or
averaged into an accuracy, and `sklearn.metrics.accuracy_score`, when `pred`
holds a model's probabilities or logits (softmax/sigmoid output, a `Linear`
output, `model.predict(...)` of a Keras model) with no argmax or threshold.
"""
    why = """
Float scores essentially never equal integer labels: the accuracy is ≈ 0 no
matter how good the model is (sklearn's `accuracy_score` raises instead), and a
training run is judged, early-stopped or tuned on that number.
"""
    example = """
probs = torch.softmax(model(x), dim=1)
acc = (probs == y).float().mean()            # LF501
acc = (probs.argmax(1) == y).float().mean()  # OK
"""
    fix_safety = (
        "There is no automatic fix: take `argmax` (multi-class) or threshold (binary) first."
    )
    INVALID = [
        Invalid(
            TORCH + "probs = torch.softmax(model(x), dim=1)\nacc = (probs == y).float().mean()\n",
            4,
            8,
        ),
        Invalid(
            NET + "out = model(x)\ncorrect = torch.sum(out == y).item()\n",
            13,
            21,
        ),
        Invalid(
            "import numpy as np\nfrom tensorflow import keras\n"
            "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
            "preds = model.predict(x_test)\n"
            "print('accuracy', np.mean(preds == y_test))\n",
            5,
            27,
        ),
        Invalid(
            TORCH + "from sklearn.metrics import accuracy_score\n"
            "p = torch.sigmoid(logits).detach().numpy()\nprint(accuracy_score(y_true, p))\n",
            5,
            7,
        ),
    ]
    VALID = [
        TORCH
        + "probs = torch.softmax(model(x), dim=1)\nacc = (probs.argmax(1) == y).float().mean()\n",
        TORCH + "p = torch.sigmoid(z)\nacc = ((p > 0.5).float() == y).float().mean()\n",
        # two outputs compared: a determinism test, not an accuracy
        TORCH + "a = torch.softmax(z, 1)\nb = torch.softmax(z2, 1)\nassert (a == b).all()\n",
        # checking for exact zeros (underflow) is not an accuracy
        TORCH + "p = torch.softmax(z, 1)\nunderflow = (p == 0).sum()\n",
        # unknown predictions
        TORCH + "pred = predict(x)\nacc = (pred == y).float().mean()\n",
        # argmax through a variable
        TORCH + "logits = torch.nn.functional.linear(x, w)\npred = logits.argmax(dim=1)\n"
        "acc = (pred == y).sum().item() / len(y)\n",
        # elementwise mask, not reduced
        TORCH + "p = torch.softmax(z, 1)\nmask = p == p.max(dim=1, keepdim=True).values\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = M.metric_facts(model)
        for node, left, right in facts.equality_checks():
            for pred, other in ((left, right), (right, left)):
                found = facts.score_kind(pred)
                if found is None or facts.score_kind(other) is not None:
                    continue
                if literal_value(other) is not NotImplemented:
                    continue
                if not facts.reduced(node):
                    break
                kind, value = found
                yield Finding(
                    node,
                    f"accuracy compares {kind}{facts.evidence(value)} with labels: float scores "
                    "never equal class labels; take `argmax` (or threshold) first",
                )
                break
        for name in M.SKLEARN_ACCURACY:
            for site in model.calls_to(name):
                y_pred = argument(site.node, 1, "y_pred")
                found = facts.score_kind(y_pred) if y_pred is not None else None
                if found is None:
                    continue
                kind, value = found
                yield Finding(
                    site.node,
                    f"`{name.rsplit('.', 1)[-1]}` gets {kind}{facts.evidence(value)} as `y_pred`: "
                    "sklearn raises on continuous predictions; take `argmax` (or threshold) first",
                )


class AucOnHardLabels(Rule):
    code = "LF502"
    name = "auc-on-hard-labels"
    severity = Severity.WARNING
    summary = "`roc_auc_score`/`average_precision_score` given hard predictions instead of scores"
    needs = ("roc_auc_score", "average_precision_score")
    what = """
Flags `sklearn.metrics.roc_auc_score` and `average_precision_score` whose
`y_score` is hard labels: `argmax`, `round`, a threshold comparison
(`p > 0.5`, also cast with `.astype(int)`/`.float()`), `np.where(p > t, 1, 0)`,
or `clf.predict(X)` of a sklearn classifier (instead of `predict_proba`).
"""
    why = """
AUC and average precision rank samples by score. Hard 0/1 predictions give a
single operating point: the curve collapses to two segments and the number
misstates the model (usually far lower, sometimes higher).
"""
    example = """
roc_auc_score(y_test, clf.predict(X_test))               # LF502
roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])   # OK
"""
    fix_safety = "There is no automatic fix: pass the probabilities/scores."
    INVALID = [
        Invalid(
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.metrics import roc_auc_score\n"
            "clf = LogisticRegression()\nclf.fit(X, y)\n"
            "auc = roc_auc_score(y_test, clf.predict(X_test))\n",
            5,
            7,
        ),
        Invalid(
            "import torch\nfrom sklearn import metrics\n"
            "probs = torch.sigmoid(model(x))\npreds = (probs > 0.5).long()\n"
            "print(metrics.roc_auc_score(y.numpy(), preds.numpy()))\n",
            5,
            7,
        ),
        Invalid(
            "import numpy as np\nfrom sklearn.metrics import average_precision_score\n"
            "ap = average_precision_score(y_true, np.argmax(scores, axis=1))\n",
            3,
            6,
        ),
        Invalid(
            "import numpy as np\nimport sklearn.metrics as skm\n"
            "auc = skm.roc_auc_score(y_true, y_score=np.round(p))\n",
            3,
            7,
        ),
    ]
    VALID = [
        # scores rounded for display are still scores
        "import numpy as np\nfrom sklearn.metrics import roc_auc_score\n"
        "auc = roc_auc_score(y, np.round(p, 3))\n",
        "from sklearn.metrics import roc_auc_score\n"
        "auc = roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])\n",
        "import torch\nfrom sklearn.metrics import roc_auc_score\n"
        "probs = torch.sigmoid(model(x))\nauc = roc_auc_score(y, probs.detach().numpy())\n",
        # a regressor's predict is a score
        "from sklearn.linear_model import Ridge\nfrom sklearn.metrics import roc_auc_score\n"
        "reg = Ridge()\nauc = roc_auc_score(y, reg.predict(X))\n",
        # decision_function scores
        "from sklearn.svm import SVC\nfrom sklearn.metrics import roc_auc_score\n"
        "clf = SVC()\nauc = roc_auc_score(y, clf.decision_function(X))\n",
        # a user function with the same name
        "def roc_auc_score(a, b):\n    return 0\nauc = roc_auc_score(y, (p > 0.5))\n",
        # the name is rebound: unknown
        "import numpy as np\nfrom sklearn.metrics import roc_auc_score\n"
        "s = np.round(p)\ns = p\nauc = roc_auc_score(y, s)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = M.metric_facts(model)
        for name in sorted(M.SKLEARN_AUC):
            for site in model.calls_to(name):
                y_score = argument(site.node, 1, "y_score")
                if y_score is None:
                    continue
                hard = facts.hard_labels(y_score)
                if hard is None:
                    continue
                short = name.rsplit(".", 1)[-1]
                line = model.line_of(hard)
                yield Finding(
                    site.node,
                    f"`{short}` gets hard predictions (`{_short(model, hard)}`, line {line}) "
                    "as `y_score`: AUC needs scores; pass probabilities "
                    "(`predict_proba`, sigmoid/softmax output)",
                )


def _short(model: SemanticModel, node: cst.CSTNode, limit: int = 40) -> str:
    text = " ".join(model.code(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class PrecisionZeroDivision(Rule):
    code = "LF503"
    name = "precision-zero-division"
    severity = Severity.INFO
    summary = "sklearn precision/recall/F1 without `zero_division`"
    needs = ("precision", "recall", "f1_score", "fbeta_score")
    what = """
Flags `sklearn.metrics.precision_score`, `recall_score`, `f1_score`,
`fbeta_score` and `precision_recall_fscore_support` called without
`zero_division=` (except `average="micro"`, whose denominators are never 0).
"""
    why = """
A class that is never predicted (precision) or never present (recall) makes the
metric 0/0. sklearn then warns and silently uses 0, which drags a macro average
down; in a hyper-parameter search the warning is lost and the number is trusted.
State the intended value.
"""
    example = """
f1_score(y_true, y_pred, average="macro")                    # LF503
f1_score(y_true, y_pred, average="macro", zero_division=0)   # explicit
"""
    fix_safety = "There is no automatic fix: choose `0`, `1` or `np.nan` for the undefined case."
    INVALID = [
        Invalid(
            "from sklearn.metrics import f1_score\nf1 = f1_score(y_true, y_pred, average='macro')\n",
            2,
            6,
        ),
        Invalid(
            "import sklearn.metrics as skm\n"
            "p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred)\n",
            2,
            14,
        ),
        Invalid(
            "from sklearn import metrics\n"
            "for name, fn in []:\n    pass\n"
            "print(metrics.recall_score(y, pred, average='weighted'))\n",
            4,
            7,
        ),
        Invalid(
            "from sklearn.metrics import precision_score as prec\nscore = prec(y, p)\n",
            2,
            9,
        ),
    ]
    VALID = [
        "from sklearn.metrics import f1_score\nf1 = f1_score(y, p, average='macro', zero_division=0)\n",
        "from sklearn.metrics import precision_score\np = precision_score(y, pred, average='micro')\n",
        "from sklearn.metrics import f1_score\nf1 = f1_score(y, p, **kwargs)\n",
        # torchmetrics / user functions with the same name
        "from torchmetrics.functional import f1_score\nf1 = f1_score(p, y, task='binary')\n",
        "def precision_score(y, p):\n    return 1.0\nprecision_score(y, p)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(*sorted(M.SKLEARN_PRF)):
            call = site.node
            if keyword(call, "zero_division") is not None or has_star_args(call):
                continue
            if literal_value(argument(call, None, "average")) == "micro":
                continue
            short = (site.qualname or "").rsplit(".", 1)[-1]
            yield Finding(
                call,
                f"`{short}` without `zero_division`: a class with no predicted (or true) "
                "samples makes it 0/0, silently scored as 0; pass `zero_division=` explicitly",
            )


class ThresholdOnLogits(Rule):
    code = "LF504"
    name = "threshold-on-logits"
    severity = Severity.WARNING
    summary = "logits thresholded at 0.5 (or rounded) as if they were probabilities"
    fix_kind = "unsafe"
    needs = ("0.5", "round", "greater", "gt")
    what = """
Flags `logits > 0.5` (also `>=`, `<`, `torch.gt`, `tf.greater`) and
`round(logits)` (`torch.round`, `np.round`, `.round()`) when the value holds raw
logits of a binary classifier: a `Linear`/linear Dense output, in a file that
trains it with a sigmoid loss on logits (`BCEWithLogitsLoss`,
`sigmoid_cross_entropy_with_logits`, `from_logits=True`), or a variable named
as logits.
"""
    why = """
0.5 on the logit scale is probability sigmoid(0.5) ≈ 0.62, and rounding logits
thresholds at 0.5 too: the decision threshold is silently wrong, which shifts
accuracy, precision and recall.
"""
    example = """
preds = (logits > 0.5).float()                  # LF504
preds = (logits > 0).float()                    # same as sigmoid(logits) > 0.5
preds = (torch.sigmoid(logits) > 0.5).float()   # also OK
"""
    fix_safety = """
Unsafe: the fix replaces the `0.5` by `0` in comparisons (the logit of
probability 0.5), which changes the predictions, as intended. Rounding has no
automatic fix.
"""
    INVALID = [
        Invalid(
            NET + "logits = model(x)\nloss = crit(logits, y)\npreds = (logits > 0.5).float()\n",
            14,
            10,
            fixed=NET + "logits = model(x)\nloss = crit(logits, y)\npreds = (logits > 0).float()\n",
        ),
        Invalid(
            NET
            + "out = model(x)\nloss = crit(out, y)\nacc = (torch.round(out) == y).float().mean()\n",
            14,
            8,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
            "model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))\n"
            "scores = model.predict(x_val)\n"
            "pred = tf.greater(scores, 0.5)\n",
            5,
            8,
            fixed="import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
            "model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))\n"
            "scores = model.predict(x_val)\n"
            "pred = tf.greater(scores, 0)\n",
        ),
        Invalid(
            TORCH + "head = nn.Linear(16, 1)\ndef predict(h):\n    logits = head(h)\n"
            "    return logits.round()\n",
            6,
            12,
        ),
    ]
    VALID = [
        NET
        + "logits = model(x)\nloss = crit(logits, y)\npreds = (torch.sigmoid(logits) > 0.5).float()\n",
        NET + "logits = model(x)\nloss = crit(logits, y)\npreds = (logits > 0).float()\n",
        # a regressor's output may be thresholded
        TORCH
        + "reg = nn.Linear(8, 1)\nout = reg(x)\nloss = nn.MSELoss()(out, y)\nhigh = out > 0.5\n",
        # Keras model with a sigmoid output
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\npred = model.predict(x) > 0.5\n",
        # Keras linear output trained as a regression
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "model.compile(loss='mse')\npred = model.predict(x) > 0.5\n",
        # unknown values named like logits
        "logits = compute()\npreds = logits > 0.5\n",
        # a different threshold on purpose (logit scale)
        NET + "logits = model(x)\nloss = crit(logits, y)\npreds = logits > 1.2\n",
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
                if literal_value(threshold) != 0.5:
                    continue
                value = facts.binary_logits(value_expr)
                if value is None:
                    continue
                yield self._finding(model, facts, comp, value, threshold)
                break
        for name in sorted(M.THRESHOLD_FUNCS):
            for site in model.calls_to(name):
                first = argument(site.node, 0, "input", "x")
                second = argument(site.node, 1, "other", "y")
                if first is None or second is None or literal_value(second) != 0.5:
                    continue
                value = facts.binary_logits(first)
                if value is not None:
                    yield self._finding(model, facts, site.node, value, second)
        for name in sorted(M.ROUND_FUNCS):
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

    def _finding(
        self,
        model: SemanticModel,
        facts: M.MetricFacts,
        node: cst.CSTNode,
        value: object,
        threshold: cst.BaseExpression | None,
    ) -> Finding:
        fix = None
        if threshold is not None:
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
