"""A leak a later refit cancels (LF601).

Standardising every row before a split leaks the test rows' statistics, but
when an affine per-column transform (``zscore``, a ``StandardScaler``,
``MinMaxScaler``, ``RobustScaler`` or ``MaxAbsScaler``) is followed, after the
split, by a centring scaler fitted on the training part (each fold's
``StandardScaler().fit_transform(x_train)``), the refit undoes it exactly: its
mean and scale absorb the earlier shift and factor, and the test rows are
transformed with the training rows' statistics only (jeffheaton's
app_deep_learning, audit R96).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_FITS = ("fit", "fit_transform")


def cancelled_by_refit(model: ModuleIndex, fit: cst.CSTNode, split: cst.CSTNode) -> bool:
    """``fit`` (the whole-array fit) is an affine per-column transform and a
    centring scaler is fitted again after ``split``, in the same function."""
    if not isinstance(fit, cst.Call) or not _affine(model, fit):
        return False
    scope = model.enclosing(split, cst.FunctionDef)
    after = model.line_of(split)
    for site in model.method_calls(*_FITS):
        call = site.node
        if call is fit or model.line_of(call) <= after:
            continue
        if model.enclosing(call, cst.FunctionDef) is not scope:
            continue
        if _scaler_of(model, call) in apis.CENTRING_SCALERS:
            return True
    return False


def _affine(model: ModuleIndex, fit: cst.Call) -> bool:
    if model.qualname(fit.func) in apis.STANDARDISE_FUNCS:
        return True
    return _scaler_of(model, fit) in apis.FIT_SCALERS


def _scaler_of(model: ModuleIndex, call: cst.Call) -> str | None:
    """The scaler class whose ``fit``/``fit_transform`` ``call`` is, when its
    receiver is a construction (inline, or a name bound once to one)."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in _FITS:
        return None
    receiver = num.resolve(model, func.value)
    if not isinstance(receiver, cst.Call):
        return None
    return model.qualname(receiver.func)
