"""LF502 auc-on-hard-labels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import metrics as M
from lossflint.analysis.calls import argument
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.metrics.lf502_collected_examples import COLLECTED_INVALID, COLLECTED_VALID
from lossflint.rules.metrics.lf502_rebound_examples import REBOUND_INVALID, REBOUND_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
the indices of `torch.max(out, 1)`, `[1 if p > 0.5 else 0 for p in s]`, or
`clf.predict(X)` of a sklearn classifier (instead of `predict_proba`). The
labels are followed through a helper of the file that returns them and
through a list they are collected in over batches (`preds.append(...)`,
`torch.cat(preds)`); the metric also under an alias (`import ... as auc`,
`auc = roc_auc_score`).
"""
    why = """
AUC and average precision rank samples by score. Hard 0/1 predictions give a
single operating point: the curve collapses to two segments and the number
misstates the model (usually far lower, sometimes higher).
"""
    example = """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    clf = LogisticRegression()
    clf.fit(X_train, y_train)
    roc_auc_score(y_test, clf.predict(X_test))               # error: LF502
    roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])   # OK
    """
    use_instead = """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    clf = LogisticRegression()
    clf.fit(X_train, y_train)
    roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])
    """
    references = (
        (
            "scikit-learn: sklearn.metrics.roc_auc_score",
            "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.roc_auc_score.html",
        ),
        (
            "scikit-learn: sklearn.linear_model.LogisticRegression",
            "https://scikit-learn.org/stable/modules/generated/sklearn.linear_model.LogisticRegression.html",
        ),
    )
    fix_safety = "There is no automatic fix: pass the probabilities/scores."
    INVALID = [
        *COLLECTED_INVALID,
        # the name rebound to its own thresholding (rezazad68/BCDU-Net, audit s144)
        Invalid(
            """
            import numpy as np
            from sklearn.metrics import roc_auc_score

            y_scores = predictions.reshape(-1, 1)
            y_scores = np.where(y_scores > 0.5, 1, 0)
            auc = roc_auc_score(y_true, y_scores)  # error: LF502

            def evaluate(y_true, y_scores):
                y_scores = (y_scores > 0.5).astype(int)
                return roc_auc_score(y_true, y_scores)  # error: LF502
            """
        ),
        # a metric helper handed thresholded distances (keras-anomaly-detection, R73)
        Invalid(
            """
            from sklearn.metrics import average_precision_score

            def report(y_true, y_pred):
                return average_precision_score(y_true, y_pred)  # error: LF502 at `average_precision_score(`

            def main(dist, y_test, threshold):
                y_pred = []
                for is_anomaly in dist >= threshold:
                    y_pred.append(1 if is_anomaly else 0)
                report(y_test, y_pred)
            """
        ),
        # 0/1 written at the rows a threshold picks (NielsRogge's multi-label
        # BERT tutorial, audit R44)
        Invalid(
            """
            import numpy as np
            import torch
            from sklearn.metrics import roc_auc_score

            def multi_label_metrics(predictions, labels, threshold=0.5):
                probs = torch.sigmoid(torch.Tensor(predictions))
                y_pred = np.zeros(probs.shape)
                y_pred[np.where(probs >= threshold)] = 1
                return roc_auc_score(labels, y_pred, average="micro")  # error: LF502
            """
        ),
        # imbalanced-learn's classifiers predict hard labels too (susanli2016's
        # email-targeting notebook, audit R43)
        Invalid(
            """
            from imblearn.ensemble import BalancedRandomForestClassifier
            from sklearn.metrics import roc_auc_score

            brf = BalancedRandomForestClassifier(n_estimators=100)
            brf.fit(X_train, y_train)
            auc = roc_auc_score(y_test, brf.predict(X_test))  # error: LF502
            """
        ),
        # a membership test gives booleans, whatever it tests (H11 p01)
        Invalid(
            """
            import numpy as np
            from sklearn.metrics import roc_auc_score
            hard = np.isin(scores.argmax(axis=1), [0, 1]).astype(int)
            auc = roc_auc_score(y, hard)  # error: LF502 at `roc_auc_score(`
            """
        ),
        # a pipeline's predict is its last step's: a classifier's hard labels
        Invalid(
            """
            from sklearn.linear_model import LogisticRegression
            from sklearn.metrics import roc_auc_score
            from sklearn.pipeline import Pipeline, make_pipeline
            from sklearn.preprocessing import StandardScaler
            from sklearn.svm import SVC

            pipe = Pipeline(steps=[("scaler", StandardScaler()), ("clf", LogisticRegression())])
            auc = roc_auc_score(y_test, pipe.predict(X_test))  # error: LF502 at `roc_auc_score(`
            svm = make_pipeline(StandardScaler(), SVC())
            auc2 = roc_auc_score(y_test, svm.predict(X_test))  # error: LF502 at `roc_auc_score(`
            """
        ),
        Invalid(
            """
            from sklearn.linear_model import LogisticRegression
            from sklearn.metrics import roc_auc_score
            clf = LogisticRegression()
            clf.fit(X, y)
            auc = roc_auc_score(y_test, clf.predict(X_test))  # error: LF502 at `roc_auc_score(`
            """
        ),
        Invalid(
            """
            import torch
            from sklearn import metrics
            probs = torch.sigmoid(model(x))
            preds = (probs > 0.5).long()
            print(metrics.roc_auc_score(y.numpy(), preds.numpy()))  # error: LF502 at `metrics.roc_auc_score(`
            """
        ),
        Invalid(
            """
            import numpy as np
            from sklearn.metrics import average_precision_score
            ap = average_precision_score(y_true, np.argmax(scores, axis=1))  # error: LF502 at `average_precision_score(`
            """
        ),
        Invalid(
            """
            import numpy as np
            import sklearn.metrics as skm
            auc = skm.roc_auc_score(y_true, y_score=np.round(p))  # error: LF502 at `skm.roc_auc_score(`
            """
        ),
        # hard labels made by a helper of the file
        Invalid(
            """
            from sklearn.metrics import roc_auc_score as auc

            def binarize(scores, threshold=0.5):
                return (scores > threshold).astype(int)

            print(auc(y_val, binarize(model.predict(x_val))))  # error: LF502 at `auc(`
            """
        ),
        # an evaluation loop that collects argmax predictions and returns them
        Invalid(
            """
            import torch
            from sklearn import metrics

            def evaluate(model, loader):
                preds, labels = [], []
                with torch.no_grad():
                    for x, y in loader:
                        preds.append(model(x).argmax(dim=1).cpu())
                        labels.append(y)
                return torch.cat(preds), torch.cat(labels)

            y_pred, y_true = evaluate(model, val_loader)
            print(metrics.roc_auc_score(y_true.numpy(), y_pred.numpy()))  # error: LF502 at `metrics.roc_auc_score(`
            """
        ),
        Invalid(
            """
            import torch
            from sklearn.metrics import roc_auc_score
            _, predicted = torch.max(outputs, 1)
            y_hat = [1 if p > 0.5 else 0 for p in probs]
            auc_fn = roc_auc_score
            a = auc_fn(y, predicted.numpy())  # error: LF502 at `auc_fn(`
            b = roc_auc_score(y, y_hat)  # error: LF502 at `roc_auc_score(`
            """
        ),
        *REBOUND_INVALID,
    ]
    VALID = [
        *COLLECTED_VALID,
        # thresholded only on one path: the scores may reach the AUC
        """
        import numpy as np
        from sklearn.metrics import roc_auc_score

        def evaluate(y_true, y_scores, hard):
            if hard:
                y_scores = np.where(y_scores > 0.5, 1, 0)
            return roc_auc_score(y_true, y_scores)
        """,
        # the same helper handed the distances themselves
        """
        from sklearn.metrics import average_precision_score

        def report(y_true, y_pred):
            return average_precision_score(y_true, y_pred)

        def main(dist, y_test):
            report(y_test, dist)
        """,
        # one caller hands it scores, another hard labels: not every caller's are hard
        """
        from sklearn.metrics import roc_auc_score

        def report(y_true, y_score):
            return roc_auc_score(y_true, y_score)

        def main(scores, y_test, threshold):
            report(y_test, scores)
            report(y_test, (scores > threshold).astype(int))
        """,
        # the scores themselves copied at the picked rows
        """
        import numpy as np
        from sklearn.metrics import roc_auc_score

        def masked_auc(probs, labels, keep):
            y_score = np.zeros(probs.shape)
            y_score[keep > 0] = probs[keep > 0]
            return roc_auc_score(labels, y_score)

        def boosted_auc(probs, labels, keep, t=0.5):
            score = np.zeros(probs.shape)
            score[probs >= t] = 1
            score[keep > 0] += probs[keep > 0]
            return roc_auc_score(labels, score)
        """,
        # a pipeline ending in a regressor (or in a step the file does not know)
        """
        from sklearn.linear_model import Ridge
        from sklearn.metrics import roc_auc_score
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        reg = make_pipeline(StandardScaler(), Ridge())
        auc = roc_auc_score(y_test, reg.predict(X_test))
        other = make_pipeline(StandardScaler(), model())
        auc2 = roc_auc_score(y_test, other.predict(X_test))
        """,
        # scores rounded for display are still scores
        """
        import numpy as np
        from sklearn.metrics import roc_auc_score
        auc = roc_auc_score(y, np.round(p, 3))
        """,
        """
        from sklearn.metrics import roc_auc_score
        auc = roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])
        """,
        """
        import torch
        from sklearn.metrics import roc_auc_score
        probs = torch.sigmoid(model(x))
        auc = roc_auc_score(y, probs.detach().numpy())
        """,
        # a regressor's predict is a score
        """
        from sklearn.linear_model import Ridge
        from sklearn.metrics import roc_auc_score
        reg = Ridge()
        auc = roc_auc_score(y, reg.predict(X))
        """,
        # decision_function scores
        """
        from sklearn.svm import SVC
        from sklearn.metrics import roc_auc_score
        clf = SVC()
        auc = roc_auc_score(y, clf.decision_function(X))
        """,
        # a user function with the same name
        """
        def roc_auc_score(a, b):
            return 0
        auc = roc_auc_score(y, (p > 0.5))
        """,
        # a helper returning scores; the values item of torch.max
        """
        import torch
        from sklearn.metrics import roc_auc_score

        def positive_scores(clf, X):
            return clf.predict_proba(X)[:, 1]

        auc = roc_auc_score(y, positive_scores(clf, X_test))
        top = roc_auc_score(y, torch.max(outputs, 1)[0])
        """,
        # collected predictions of mixed kinds, a helper with a score path: unknown
        """
        import torch
        from sklearn.metrics import roc_auc_score
        mixed = []
        mixed.append(out.argmax(1))
        mixed.append(torch.sigmoid(out))

        def predict(x, hard):
            if hard:
                return model(x).argmax(1)
            return model(x).softmax(1)

        a = roc_auc_score(y, torch.cat(mixed))
        b = roc_auc_score(y, predict(x, False))
        c = roc_auc_score(y, [round(p, 3) for p in probs])
        """,
        # the name is rebound: unknown
        """
        import numpy as np
        from sklearn.metrics import roc_auc_score
        s = np.round(p)
        s = p
        auc = roc_auc_score(y, s)
        """,
        *REBOUND_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = M.metric_facts(model)
        for call, name in facts.metric_calls(apis.SKLEARN_AUC):
            y_score = argument(call, 1, "y_score")
            if y_score is None:
                continue
            hard = facts.hard_labels(y_score)
            if hard is None:
                continue
            short = name.rsplit(".", 1)[-1]
            line = model.line_of(hard)
            yield Finding(
                call,
                f"`{short}` gets hard predictions (`{_short(model, hard)}`, line {line}) "
                "as `y_score`: AUC needs scores; pass probabilities "
                "(`predict_proba`, sigmoid/softmax output)",
            )


def _short(model: SemanticModel, node: cst.CSTNode, limit: int = 40) -> str:
    text = " ".join(model.code(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
