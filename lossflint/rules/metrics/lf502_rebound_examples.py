"""LF502 examples of a notebook that reuses a name: ``metrics`` is first the
Keras metrics list of a ``compile`` cell, then ``from sklearn import metrics``
in the evaluation cell, the binding every path to the calls passes last
(anjanatiha's skin-cancer notebooks, audit s157). The other order (the list
bound after the import) calls no sklearn metric: silent. And predictions
gathered by list concatenation in the batch loop (``y_score = y_score +
pred.tolist()``, whlin-pku/kaggle-pcam, audit s157)."""

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

_CONCATENATED = """
import torch
from sklearn.metrics import roc_auc_score

y_true, y_score = [], []
with torch.no_grad():
    for images, labels in test_loader:
        outputs = model(images)
        pred = {picked}
        y_true = y_true + labels.tolist()
        y_score {grow} pred.tolist()
print(roc_auc_score(y_true, y_score)){marker}
"""

REBOUND_INVALID = [
    Invalid(
        _CONCATENATED.format(
            picked="outputs.argmax(dim=1)", grow="= y_score +", marker="  # error: LF502"
        )
    ),
    Invalid(
        _CONCATENATED.format(picked="outputs.argmax(dim=1)", grow="+=", marker="  # error: LF502")
    ),
    Invalid(
        _CELLS.format(
            first="metrics = ['accuracy']",
            second="from sklearn import metrics",
            marker="  # error: LF502",
        )
    ),
]

REBOUND_VALID = [
    _CONCATENATED.format(picked="outputs.softmax(dim=1)[:, 1]", grow="= y_score +", marker=""),
    _CELLS.format(first="from sklearn import metrics", second="metrics = ['accuracy']", marker=""),
]
