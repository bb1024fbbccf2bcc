"""LF309 at the ``eval()`` when the epoch loop is in another file.

``engine/validate.py``'s ``validate(model, loader)`` opens with
``model.eval()``; ``train.py`` calls it at the end of every epoch and never
calls ``model.train()``. A lint of ``train.py`` reports the call; a lint of
``validate.py`` reports the ``eval()`` (where the reporting convention puts
LF309), from the caller's summary: the call record says it leaves the model
in eval mode inside an epoch loop (``CallRecord.leaves_eval_at``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.interpreter.syntax import param_names
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import loops
from lossflint.analysis.train_mode import evals_left_on
from lossflint.analysis.walk import calls_in
from lossflint.project.events import inlined_event

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def calls_leaving_eval(model: SemanticModel) -> frozenset[cst.Call]:
    """The calls of other project modules' functions that put a trained model
    in eval mode inside an epoch loop of this module that never puts it back
    in train mode (for this module's summary)."""
    if not any(e.kind == "backward" for e in loops(model).events):
        return frozenset()
    value_of = kinds_of(model).value_of
    return frozenset(
        left.node
        for left in evals_left_on(model)
        if left.through is None
        and isinstance(left.node, cst.Call)
        and inlined_event(left.node, "eval", 0, value_of) is not None
    )


@dataclass(frozen=True)
class EvalLeftByCaller:
    #: the ``param.eval()`` of this module
    node: cst.Call
    function: str
    receiver: str
    #: where another module calls the function in its epoch loop (``train.py:41``)
    caller: str


def evals_left_by_callers(model: SemanticModel) -> Iterator[EvalLeftByCaller]:
    """Each top-level function of this module whose ``param.eval()`` another
    project module's epoch loop runs and never undoes: its first such
    ``eval()``."""
    kinds = kinds_of(model)
    for stmt in model.module.body:
        if not isinstance(stmt, cst.FunctionDef):
            continue
        params = set(param_names(stmt.params))
        evals = [
            call
            for call in calls_in(stmt.body)
            if isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "eval"
            and isinstance(call.func.value, cst.Name)
            and call.func.value.value in params
            and not call.args
        ]
        if not evals:
            continue
        leaving = [
            r.leaves_eval_at
            for r in kinds.calls_from_other_files(stmt)
            if r.leaves_eval_at and not r.opaque
        ]
        if leaving:
            receiver = evals[0].func.value.value  # type: ignore[attr-defined]
            yield EvalLeftByCaller(evals[0], stmt.name.value, receiver, leaving[0])
