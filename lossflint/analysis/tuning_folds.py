"""A split of a training set that only cuts a tuning fold (LF601).

``scaler.fit_transform(X_train)`` followed by ``train_test_split(X_train_s,
...)`` fits the scaler on rows the split later holds out, but when the same
scaler also transforms a test set loaded apart (``scaler.transform(X_test)``,
``X_test`` not made by the split), the split only carves a validation fold out
of the training data: the test evaluation is clean, and scaling the training
rows together is the usual practice (siddarth777/Histopathologic-Cancer-
Detection, audit s197). The names say which array is which: the fitted one
says train, the other one says test.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_TRAIN = re.compile(r"train", re.IGNORECASE)
_TEST = re.compile(r"test|holdout|held_out", re.IGNORECASE)


def tuning_fold(model: ModuleIndex, fit: cst.CSTNode, split: cst.CSTNode) -> bool:
    """``fit`` (``scaler.fit_transform(X_train)``) scales a training set with
    a scaler that also transforms a test set ``split`` does not make."""
    if not (isinstance(fit, cst.Call) and isinstance(fit.func, cst.Attribute) and fit.args):
        return False
    fitted = dotted_text(fit.args[0].value)
    receiver = dotted_text(fit.func.value)
    if fitted is None or receiver is None or _TRAIN.search(fitted) is None:
        return False
    made = _made_by(model, split)
    for site in model.method_calls("transform"):
        call = site.node
        if not call.args or dotted_text(call.func.value) != receiver:  # type: ignore[attr-defined]
            continue
        other = dotted_text(call.args[0].value)
        if (
            other is not None
            and other != fitted
            and other.split(".")[0] not in made
            and _TEST.search(other) is not None
        ):
            return True
    return False


def _made_by(model: ModuleIndex, split: cst.CSTNode) -> frozenset[str]:
    """The names the assignment holding ``split`` binds (its parts)."""
    statement = model.enclosing(
        split, cst.Assign, cst.BaseSmallStatement, cst.BaseCompoundStatement
    )
    if not isinstance(statement, cst.Assign):
        return frozenset()
    return frozenset(
        cast("cst.Name", name).value
        for target in statement.targets
        for name in nodes_in(target.target, cst.Name)
    )
