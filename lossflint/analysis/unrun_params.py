"""Parameters a function never runs as a module.

Griffin-Lim takes an STFT module and only asks it for ``stft_fn.transform(x)``
and ``stft_fn.inverse(m, p)``: the module's ``forward`` never runs there. A
file handing such a function an instance (``griffin_lim(spec, taco.stft_fn)``)
keeps every run of that ``forward`` in sight, so the instance's class can
still be known to run only where no gradient flows (LF205 on the STFT's
magnitude; ``FunctionSummary.unrun``, read by ``project/handed_instances``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.interpreter.syntax import param_names
from lossflint.analysis.walk import memo_of, names_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: what runs a module's ``forward`` or may hand back the module to be run
#: (``m.cuda()(x)``), and the framework methods that run a model
RUNS_MODULE = (
    apis.MODULE_CALL_METHODS
    | apis.MODEL_RUN_METHODS
    | apis.MODULE_RETURNING_METHODS
    | frozenset({"__class__"})
)


def unrun_params(model: ModuleIndex, func: cst.FunctionDef) -> tuple[str, ...]:
    """The parameters ``func`` surely never runs: every use is a method call
    or an attribute read on it (``stft_fn.transform(x)``, ``m.n_fft``) other
    than one that runs it or hands it back; never called itself, rebound,
    stored, returned or handed on."""
    names = param_names(func.params)
    if names[:1] == ["self"]:
        names = names[1:]
    return tuple(n for n in names if _never_runs(model, func, n))


def _never_runs(model: ModuleIndex, func: cst.FunctionDef, param: str) -> bool:
    uses = 0
    for name in names_in(func.body, param, memo_of(model)):
        parent = model.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            continue  # ``self.stft_fn``: another object's attribute
        if isinstance(parent, cst.Arg) and parent.keyword is name:
            continue  # ``f(stft_fn=...)``: a keyword's name
        if not (isinstance(parent, cst.Attribute) and parent.value is name):
            return False
        if parent.attr.value in RUNS_MODULE:
            return False
        call = model.parent(parent)
        if isinstance(call, cst.Call) and call.func is parent:
            if any(names_in(arg.value, param) for arg in call.args):
                return False  # ``m.add(m)``: handed on through itself
        elif isinstance(call, (cst.AssignTarget, cst.AugAssign, cst.Del)):
            return False
        uses += 1
    return uses > 0
