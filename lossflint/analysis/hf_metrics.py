"""What a Hugging Face ``Trainer`` hands the ``compute_metrics`` function it
is given: an ``EvalPrediction`` whose ``predictions`` are the model's logits
(``(predictions == labels).mean()`` without an ``argmax`` is LF501)."""

from __future__ import annotations

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import has_star_args
from lossflint.analysis.index import ModuleIndex
from lossflint.analysis.interpreter.syntax import statements_of
from lossflint.project import bridge

#: project base classes followed up to a Hugging Face trainer
_MAX_BASES = 8


def metrics_trainer(model: ModuleIndex, expr: cst.BaseExpression) -> cst.Call | None:
    """The trainer construction that ``expr`` (a function) is handed to as
    ``compute_metrics=``, when that trainer gives it the logits: a
    ``transformers.Trainer`` (or a subclass overriding nothing of its
    prediction loop) without ``preprocess_logits_for_metrics`` and, in a file
    that never asks for generation, not a ``Seq2SeqTrainer``."""
    arg = model.parent(expr)
    if (
        not isinstance(arg, cst.Arg)
        or arg.value is not expr
        or arg.keyword is None
        or arg.keyword.value != apis.HF_METRICS_KEYWORD
    ):
        return None
    call = model.parent(arg)
    if not isinstance(call, cst.Call) or has_star_args(call):
        return None
    if _changes_predictions(model):
        return None
    return call if _logits_trainer(model, call.func) else None


def _changes_predictions(model: ModuleIndex) -> bool:
    """The file names what makes the predictions other than logits
    (``TrainingArguments(predict_with_generate=True)``, a hook)."""
    if model.source is not None:
        return any(word in model.source for word in apis.HF_PREDICTIONS_CHANGED_BY)
    return any(
        arg.keyword is not None and arg.keyword.value in apis.HF_PREDICTIONS_CHANGED_BY
        for site in model.calls
        for arg in site.node.args
    )


def _logits_trainer(model: ModuleIndex, func: cst.BaseExpression) -> bool:
    qualname = model.qualname(func)
    if qualname in apis.HF_TRAINERS:
        return True
    if isinstance(func, cst.Name):
        bindings = model.module_scope.bindings.get(func.value, [])
        if len(bindings) == 1 and isinstance(bindings[0].node, cst.ClassDef):
            return _same_file_subclass(model, bindings[0].node, 0)
    if qualname is None or qualname.split(".", 1)[0] in bridge.FRAMEWORK_ROOTS:
        return False
    found = bridge.value_of_qualname(qualname)
    return found is not None and bridge.derives_from(
        found,
        apis.HF_TRAINERS,
        # overriding its prediction loop: the predictions may be anything
        unless=lambda cls: any(m in apis.HF_PREDICTION_METHODS for m in cls.methods),
    )


def _same_file_subclass(model: ModuleIndex, cls: cst.ClassDef, depth: int) -> bool:
    if depth > _MAX_BASES or _overrides_prediction(cls):
        return False
    for base in cls.bases:
        if base.keyword is not None:
            continue
        if model.qualname(base.value) in apis.HF_TRAINERS:
            return True
        if isinstance(base.value, cst.Name):
            bindings = model.module_scope.bindings.get(base.value.value, [])
            if len(bindings) == 1 and isinstance(bindings[0].node, cst.ClassDef):
                if _same_file_subclass(model, bindings[0].node, depth + 1):
                    return True
    return False


def _overrides_prediction(cls: cst.ClassDef) -> bool:
    return any(
        isinstance(stmt, cst.FunctionDef) and stmt.name.value in apis.HF_PREDICTION_METHODS
        for stmt in statements_of(cls)
    )
