"""LF503 precision-zero-division."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import metrics as M
from lossflint.analysis.calls import argument, has_star_args, keyword
from lossflint.analysis.numerics import literals_bound, looped_literals
from lossflint.analysis.test_files import is_test_module
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class PrecisionZeroDivision(Rule):
    code = "LF503"
    name = "precision-zero-division"
    severity = Severity.INFO
    summary = "sklearn precision/recall/F1 without `zero_division`"
    needs = ("precision", "recall", "f1_score", "fbeta_score")
    what = """
Flags `sklearn.metrics.precision_score`, `recall_score`, `f1_score`,
`fbeta_score` and `precision_recall_fscore_support` (also called through an
alias, `f1 = f1_score`) without `zero_division=` (except `average="micro"`,
whose denominators are never 0) where it scores each class on its own:
`average="macro"`, `"weighted"`, `"samples"` or `None` (the default of
`precision_recall_fscore_support`), also through a name or a conditional whose
every value is one of these. A binary score (the others' default) is
0/0 only when the model predicts no positive at all, and is not reported,
unless it scores one class's column of a one-hot matrix in a loop over the
classes (`f1_score(y[:, i], p[:, i])`): a rare class is then never predicted.
Unit tests, which compare against sklearn's reference values, are not
reported. An
information, not a warning: sklearn's own default scores the undefined case 0
and warns; the rule asks for that choice to be written down.
"""
    why = """
A class that is never predicted (precision) or never present (recall) makes the
metric 0/0; a macro average, or a per-class report (`average=None`), then
holds a number the data did not define. Stating `zero_division=` makes the
choice visible (`0`, `1`, or `np.nan` to leave the class out of the average).

sklearn's default (`zero_division="warn"`) scores it 0 and emits an
`UndefinedMetricWarning` that a training log buries; a per-class or macro
score of a rare class then reads as a measured 0 (in a model-selection loop,
a penalty the data never showed). On tutorials the 0 is often what the
author meant: `zero_division=0` then says so, and the finding is an
information (severity info), not a warning.
"""
    example = """
    from sklearn.metrics import precision_score

    precision_score(y_true, y_pred, average="macro")                    # error: LF503
    precision_score(y_true, y_pred, average="macro", zero_division=0)   # explicit
    """
    use_instead = """
    from sklearn.metrics import precision_score

    precision_score(y_true, y_pred, average="macro", zero_division=0)
    """
    references = (
        (
            "scikit-learn: sklearn.metrics.f1_score",
            "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.f1_score.html",
        ),
        (
            "scikit-learn: sklearn.metrics.precision_score",
            "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.precision_score.html",
        ),
    )
    fix_safety = "There is no automatic fix: choose `0`, `1` or `np.nan` for the undefined case."
    INVALID = [
        # each average of a loop over literals is scored (ToD-BERT, audit s237)
        Invalid(
            """
            from sklearn.metrics import f1_score

            def evaluation(preds, labels):
                results = {}
                for avg_name in ["micro", "macro", "weighted", "samples"]:
                    results[avg_name] = f1_score(y_true=labels, y_pred=preds, average=avg_name)  # error: LF503
                return results
            """
        ),
        # one-vs-rest scores, one class's column per call (DDIMDL, audit s232)
        Invalid(
            """
            import numpy as np
            from sklearn.metrics import f1_score, precision_score

            def evaluate(y_one_hot, pred_one_hot, event_num):
                result = np.zeros((event_num, 2))
                for i in range(event_num):
                    result[i, 0] = f1_score(y_one_hot[:, i], pred_one_hot[:, i], average="binary")  # error: LF503
                    result[i, 1] = precision_score(  # error: LF503
                        y_one_hot.take([i], axis=1).ravel(), pred_one_hot.take([i], axis=1).ravel()
                    )
                return result
            """
        ),
        Invalid(
            """
            from sklearn.metrics import f1_score
            f1 = f1_score(y_true, y_pred, average='macro', labels=[0, 1, 2])  # error: LF503 at `f1_score(`
            """
        ),
        # the catalogue names f1_score: a macro F1 (safari's f1_macro, audit
        # s133; over the labels present sklearn never divides 0 by 0 there,
        # but the held-out projects expect it) and a threshold sweep over
        # multi-label scores (Packt's Graph Machine Learning, audit s123)
        Invalid(
            """
            from sklearn.metrics import f1_score

            def f1_macro(logits, y):
                y_hat = logits.argmax(-1)
                return f1_score(y.cpu().numpy(), y_hat.cpu().numpy(), average="macro")  # error: LF503 at `f1_score(`
            """
        ),
        Invalid(
            """
            from sklearn.metrics import f1_score
            for th in [0.1, 0.3, 0.5]:
                print(th, f1_score(target, preds > th, average="macro"))  # error: LF503 at `f1_score(`
            """
        ),
        # bound by a star import (TorchSSL's evaluate(), audit s120)
        Invalid(
            """
            from sklearn.metrics import *
            p = precision_score(y_true, y_pred, average='macro')  # error: LF503 at `precision_score(`
            p_ok = precision_score(y_true, y_pred, average='macro', zero_division=0)
            """
        ),
        Invalid(
            """
            import sklearn.metrics as skm
            p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred)  # error: LF503 at `skm.precision_recall_fscore_support(`
            """
        ),
        Invalid(
            """
            from sklearn import metrics
            for name, fn in []:
                pass
            print(metrics.recall_score(y, pred, average='weighted'))  # error: LF503 at `metrics.recall_score(`
            """
        ),
        Invalid(
            """
            from sklearn.metrics import precision_score as prec
            score = prec(y, p, average=None)  # error: LF503 at `prec(`
            """
        ),
        Invalid(
            """
            from sklearn.metrics import recall_score
            metric = recall_score
            score = metric(y, p, average='macro')  # error: LF503 at `metric(`
            """
        ),
        # ``average`` read through a name, both arms per class (audit s93)
        Invalid(
            """
            from sklearn.metrics import precision_score

            def scores(y, p, n_classes):
                average = 'weighted' if n_classes > 10 else 'macro'
                return precision_score(y, p, average=average)  # error: LF503 at `precision_score(`
            """
        ),
    ]
    VALID = [
        # micro averages only
        """
        from sklearn.metrics import f1_score

        def evaluation(preds, labels):
            return [f1_score(labels, preds, average=a) for a in ("micro",)] + [
                f1_score(labels, preds, average=avg) for avg in ["micro", "binary"]
            ]
        """,
        # binary scores of each fold, and of one fixed column: not class by class
        """
        from sklearn.metrics import f1_score

        def evaluate(folds, y_one_hot, pred_one_hot):
            scores = [f1_score(y_true, y_pred) for y_true, y_pred in folds]
            for fold in range(len(folds)):
                scores.append(f1_score(y_one_hot[:, 0], pred_one_hot[:, 0]))
            return scores
        """,
        # one arm binary: not known to score per class (ml-sound-classifier's
        # ``lib_train.py``, audit s93)
        """
        from sklearn.metrics import f1_score

        def scores(y, p, n_classes):
            average = 'weighted' if n_classes > 2 else 'binary'
            return f1_score(y, p, average=average)
        """,
        # binary scores (the default average): 0/0 only when the model
        # predicts no positive at all, which sklearn's warning names
        """
        from sklearn.metrics import f1_score, precision_score
        print(f1_score(y_test, preds), precision_score(y_test, preds, average="binary"))
        """,
        """
        from sklearn.metrics import f1_score
        f1 = f1_score(y, p, average='macro', zero_division=0)
        """,
        """
        from sklearn.metrics import precision_score
        p = precision_score(y, pred, average='micro')
        """,
        """
        from sklearn.metrics import f1_score
        f1 = f1_score(y, p, **kwargs)
        """,
        # torchmetrics / user functions with the same name
        """
        from torchmetrics.functional import f1_score
        f1 = f1_score(p, y, task='binary')
        """,
        """
        def precision_score(y, p):
            return 1.0
        precision_score(y, p)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        if is_test_module(model):
            return  # a test compares against sklearn's reference value
        for call, name in M.metric_facts(model).metric_calls(apis.SKLEARN_PRF):
            if keyword(call, "zero_division") is not None or has_star_args(call):
                continue
            short = name.rsplit(".", 1)[-1]
            given = argument(call, None, "average")
            # the default is per class for the support function, binary for the others
            bound = literals_bound(model, given) if given is not None else None
            averages: set[object] = (
                set(bound or ()) if given is not None else {_DEFAULT_AVERAGE.get(short)}
            )
            looped = looped_literals(model, given) if isinstance(given, cst.Name) else None
            if looped is not None and set(looped) & _PER_CLASS:
                # ``for avg in ["micro", "macro"]:``: every value is scored, one per pass
                averages = set(looped) & _PER_CLASS
            if averages == {"binary"} and _scores_a_class_column(model, call):
                averages = {None}  # one class of many per call: a rare one is 0/0
            if not averages or not averages <= _PER_CLASS:
                continue
            average = "samples" if averages == {"samples"} else next(iter(averages - {"samples"}))
            # ``average="samples"`` scores each sample's labels on their own
            empty = (
                "a sample with no predicted (or true) labels"
                if average == "samples"
                else "a class with no predicted (or true) samples"
            )
            yield Finding(
                call,
                f"`{short}` without `zero_division`: {empty} makes it 0/0, silently scored "
                "as 0; pass `zero_division=` explicitly",
            )


def _scores_a_class_column(model: SemanticModel, call: cst.Call) -> bool:
    """``f1_score(y[:, i], p[:, i])`` in a loop over the classes ``i``."""
    return any(
        arg is not None and M.class_column(model, arg)
        for arg in (argument(call, 0, "y_true"), argument(call, 1, "y_pred"))
    )


#: ``average`` values that score each class on its own: a class never
#: predicted (or absent) is 0/0 there
_PER_CLASS = frozenset({"macro", "weighted", "samples", None})


#: ``average`` when the call leaves it out
_DEFAULT_AVERAGE: dict[str, str | None] = {
    "precision_score": "binary",
    "recall_score": "binary",
    "f1_score": "binary",
    "fbeta_score": "binary",
    "precision_recall_fscore_support": None,
}
