"""Models a per-feature scaling cannot change (LF601).

A tree ensemble splits each feature at thresholds, and ordinary least squares
with an intercept absorbs any shift and scale of a feature: fitted on the
rows of a split that a ``StandardScaler``/``MinMaxScaler`` fitted on all rows
transformed, such a model predicts on the test rows exactly what it would
have predicted without the scaler, so the whole-array statistics leak
nothing into the evaluation (bnsreenu's XGBoost, LightGBM and Boruta
notebooks, audit s137). Only sure shapes count: the split assigned to names,
one fit at least of a part of it, and every call handed a part (``fit``,
``cross_val_score(SVC(), X_train, y)``, a helper) a method of an object
bound once to one of ``apis.SCALE_INVARIANT_ESTIMATORS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.numerics import bound_value
from lossflint.analysis.walk import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def affine_fit(model: ModuleIndex, fit: cst.CSTNode) -> bool:
    """The fit is a per-feature affine scaler's (``StandardScaler().fit(X)``,
    ``mm.fit_transform(X)`` of ``mm = MinMaxScaler()``, ``zscore(X)``) or a
    standardisation written out."""
    if not isinstance(fit, cst.Call):
        return True
    if model.qualname(fit.func) in apis.STANDARDISE_FUNCS:
        return True
    receiver = fit.func.value if isinstance(fit.func, cst.Attribute) else None
    made = _made_by(model, receiver) if receiver is not None else None
    return made is not None and model.qualname(made.func) in apis.FIT_SCALERS


def only_invariant_models(model: ModuleIndex, split: cst.CSTNode) -> bool:
    """Every call handed an input part of ``split`` (``X_train, X_test,
    y_train, y_test = train_test_split(X, y)``) in its scope is a method of a
    scale-invariant model, and one of them fits."""
    assign = model.parent(split)
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return False
    target = assign.targets[0].target
    if not isinstance(target, (cst.Tuple, cst.List)):
        return False
    names = [e.value.value for e in target.elements if isinstance(e.value, cst.Name)]
    if len(names) != len(target.elements) or len(names) < 2:
        return False
    # the input parts come first: (X_train, X_test) or (X_train, X_test, y_train, y_test)
    parts = set(names[:2] if len(names) in (2, 4) else names[:1])
    fits = 0
    for call in calls_in(model.scope_of(split).node):
        if not any(isinstance(a.value, cst.Name) and a.value.value in parts for a in call.args):
            continue
        if model.qualname(call.func) in _LOOKING:
            continue  # ``len(X_train)``
        func = call.func
        if not isinstance(func, cst.Attribute) or not _invariant_model(model, func.value):
            return False
        fits += func.attr.value in ("fit", "fit_transform")
    return fits > 0


#: builtins that only look at what they are given
_LOOKING = frozenset({"builtins.len", "builtins.print", "builtins.type", "builtins.id"})


def _made_by(model: ModuleIndex, receiver: cst.BaseExpression) -> cst.Call | None:
    """The constructor call ``receiver`` is (inline, or a name bound once to it)."""
    made = bound_value(model, receiver) if isinstance(receiver, cst.Name) else receiver
    return made if isinstance(made, cst.Call) else None


def _invariant_model(model: ModuleIndex, receiver: cst.BaseExpression) -> bool:
    """``receiver`` is built by a scale-invariant estimator's constructor: inline,
    or every binding of its name (``model = RandomForestClassifier()``, then
    ``model = xgb.XGBClassifier()`` to compare)."""
    if isinstance(receiver, cst.Name):
        bindings = model.bindings(receiver) or []
        made = [b.node for b in bindings if b.kind == "assign"]
        return len(made) == len(bindings) > 0 and all(_invariant_call(model, m) for m in made)
    return _invariant_call(model, receiver)


def _invariant_call(model: ModuleIndex, made: object) -> bool:
    qualname = model.qualname(made.func) if isinstance(made, cst.Call) else None
    return (
        qualname is not None
        and qualname.startswith(apis.CLASSIC_ML_PREFIXES)
        and qualname.rsplit(".", 1)[-1] in apis.SCALE_INVARIANT_ESTIMATORS
    )
