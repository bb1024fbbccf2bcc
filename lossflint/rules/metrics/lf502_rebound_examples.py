"""LF502 examples of a notebook that reuses a name: ``metrics`` is first the
Keras metrics list of a ``compile`` cell, then ``from sklearn import metrics``
in the evaluation cell, the binding every path to the calls passes last
(anjanatiha's skin-cancer notebooks, audit s157). The other order (the list
bound after the import) calls no sklearn metric: silent."""

from __future__ import annotations

from lossflint.examples import Invalid

_CELLS = """
import numpy as np

{first}
print(metrics)

{second}

y_true = np.array([0, 1, 1, 0])
y_preds = model.predict(x_test)
y_pred = y_preds.argmax(-1)
score = metrics.roc_auc_score(y_true, y_pred){marker}
"""

REBOUND_INVALID = [
    Invalid(
        _CELLS.format(
            first="metrics = ['accuracy']",
            second="from sklearn import metrics",
            marker="  # error: LF502",
        )
    ),
]

REBOUND_VALID = [
    _CELLS.format(first="from sklearn import metrics", second="metrics = ['accuracy']", marker=""),
]
