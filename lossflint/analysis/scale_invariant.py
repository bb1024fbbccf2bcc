"""Models a per-feature scaling cannot change (LF601).

A tree ensemble splits each feature at thresholds, and ordinary least squares
with an intercept absorbs any shift and scale of a feature: fitted on the
rows of a split that a ``StandardScaler``/``MinMaxScaler`` fitted on all rows
transformed, such a model predicts on the test rows exactly what it would
have predicted without the scaler, so the whole-array statistics leak
nothing into the evaluation (bnsreenu's XGBoost, LightGBM and Boruta
notebooks, audit s137). Only sure shapes count: the split assigned to names,
every ``.fit(part, ...)`` of a part of it made by a receiver bound once to one
of these constructors, and one such fit at least.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import argument
from lossflint.analysis.walk import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: estimators whose predictions a per-feature affine map of the inputs leaves unchanged
_INVARIANT = frozenset(
    {
        "DecisionTreeClassifier",
        "DecisionTreeRegressor",
        "ExtraTreeClassifier",
        "ExtraTreeRegressor",
        "RandomForestClassifier",
        "RandomForestRegressor",
        "ExtraTreesClassifier",
        "ExtraTreesRegressor",
        "GradientBoostingClassifier",
        "GradientBoostingRegressor",
        "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor",
        "XGBClassifier",
        "XGBRegressor",
        "LGBMClassifier",
        "LGBMRegressor",
        "CatBoostClassifier",
        "CatBoostRegressor",
        "LinearRegression",
    }
)
_LIBRARIES = frozenset({"sklearn", "xgboost", "lightgbm", "catboost"})
#: scalers that are a per-feature affine map
AFFINE_SCALERS = frozenset({"StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler"})


def affine_fit(model: ModuleIndex, fit: cst.CSTNode) -> bool:
    """The fit is a per-feature affine scaler's (``StandardScaler().fit(X)``,
    ``mm.fit_transform(X)`` of ``mm = MinMaxScaler()``) or a standardisation
    written out."""
    if not isinstance(fit, cst.Call):
        return True
    receiver = fit.func.value if isinstance(fit.func, cst.Attribute) else None
    made = _made_by(model, receiver) if receiver is not None else None
    qualname = model.qualname(made.func) if made is not None else None
    return qualname is not None and qualname.rsplit(".", 1)[-1] in AFFINE_SCALERS


def only_invariant_models(model: ModuleIndex, split: cst.CSTNode) -> bool:
    """Every fit of an input part of ``split`` (``X_train, X_test, y_train,
    y_test = train_test_split(X, y)``) in its scope is a scale-invariant
    model's, and there is one."""
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
    scope = model.scope_of(split).node
    fits = 0
    for call in calls_in(scope):
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("fit", "fit_transform"):
            continue
        data = argument(call, 0, "X")
        if not (isinstance(data, cst.Name) and data.value in parts):
            continue
        if not _invariant_receiver(model, func.value):
            return False
        fits += 1
    return fits > 0


def _made_by(model: ModuleIndex, receiver: cst.BaseExpression) -> cst.Call | None:
    """The constructor call ``receiver`` is (inline, or a name bound once to it)."""
    made: cst.BaseExpression | None = receiver
    if isinstance(receiver, cst.Name):
        bindings = model.bindings(receiver) or []
        node = bindings[0].node if len(bindings) == 1 and bindings[0].kind == "assign" else None
        made = node if isinstance(node, cst.BaseExpression) else None
    return made if isinstance(made, cst.Call) else None


def _invariant_receiver(model: ModuleIndex, receiver: cst.BaseExpression) -> bool:
    made = _made_by(model, receiver)
    if made is None:
        return False
    qualname = model.qualname(made.func)
    if qualname is None:
        return False
    root, _, rest = qualname.partition(".")
    return root in _LIBRARIES and qualname.rsplit(".", 1)[-1] in _INVARIANT
