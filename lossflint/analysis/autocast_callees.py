"""Same-file functions that run under autocast because a call inside an
autocast region runs them (LF313).

``with torch.autocast("cuda"): loss = criterion(model(x), y)`` runs the
``forward`` of ``criterion``'s class under autocast, and a helper function
called there runs under it too: a ``binary_cross_entropy`` in their body
raises on CUDA although no autocast is written around it. Autocast is
thread-local state, not lexical scope, so what a region calls inherits it.

A function is entered under autocast when a call inside an enabled autocast
region (``contexts.autocast_region``) runs it: a same-file function or method
(``loops.resolve_function``), or the ``forward`` of a same-file ``nn.Module``
class whose instance is called (``criterion(...)``, ``self.criterion(...)``,
``SoftBCE()(...)``); and, one level deeper, a function such a function calls.
Only undecorated functions count (``@custom_fwd(cast_inputs=...)`` and
``@autocast(enabled=False)`` change the mode), and a node the function wraps
in an autocast region of its own (``enabled=False``: the documented way out)
is not entered.

Public API::

    from lossflint.analysis.autocast_callees import autocast_entry

    autocast_entry(model, node)   # AutocastEntry | None: the call that runs
                                  # ``node``'s function under autocast, and its region
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.contexts import AutocastRegion, contexts
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import loops
from lossflint.analysis.mode_free_models import is_torch_module
from lossflint.analysis.values import Instance
from lossflint.analysis.walk import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: calls followed from a region into functions (the region's call, then one more)
_DEPTH = 2


@dataclass(frozen=True)
class AutocastEntry:
    call: cst.Call  # the call inside the autocast region
    region: AutocastRegion


def autocast_entry(model: ModuleIndex, node: cst.CSTNode) -> AutocastEntry | None:
    func = model.enclosing(node, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or contexts(model).any_autocast_around(node):
        return None
    return model.analysis(_entered).get(func)


def _entered(model: ModuleIndex) -> dict[cst.FunctionDef, AutocastEntry]:
    ctx = contexts(model)
    found: dict[cst.FunctionDef, AutocastEntry] = {}
    frontier: list[cst.FunctionDef] = []
    for site in model.calls:
        if site.qualname is not None:
            continue
        region = ctx.autocast_region(site.node)
        if region is None:
            continue
        for func in _runs(model, site.node):
            if func not in found:
                found[func] = AutocastEntry(site.node, region)
                frontier.append(func)
    for _ in range(_DEPTH - 1):
        deeper: list[cst.FunctionDef] = []
        for caller in frontier:
            entry = found[caller]
            for call in calls_in(caller.body):
                if model.enclosing(call, cst.FunctionDef) is not caller:
                    continue  # a nested function runs when it is called
                if ctx.any_autocast_around(call):
                    continue
                for func in _runs(model, call):
                    if func not in found:
                        found[func] = entry
                        deeper.append(func)
        frontier = deeper
    return found


def autocast_elsewhere(model: ModuleIndex, node: cst.CSTNode) -> str | None:
    """Where another project file runs ``node``'s function under autocast
    (``train.py:47``: ``with torch.autocast(...): loss = criterion(out, y)``
    with ``criterion`` an instance of this file's loss class), from the
    callers' summaries (``CallRecord.autocast``); also a same-file function
    such a function calls. None when no caller is known to."""
    func = model.enclosing(node, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or contexts(model).any_autocast_around(node):
        return None
    return model.analysis(_entered_elsewhere).get(func)


def _entered_elsewhere(model: ModuleIndex) -> dict[cst.FunctionDef, str]:
    kinds = kinds_of(model)
    found: dict[cst.FunctionDef, str] = {}
    for func in _top_functions(model):
        if func.decorators:
            continue
        for record in kinds.callers_elsewhere(func):
            if not record.opaque and record.autocast:
                found[func] = record.autocast
                break
    ctx = contexts(model)
    for caller, where in list(found.items()):
        for call in calls_in(caller.body):
            if model.enclosing(call, cst.FunctionDef) is caller and not ctx.any_autocast_around(
                call
            ):
                for func in _runs(model, call):
                    found.setdefault(func, where)
    return found


def _top_functions(model: ModuleIndex) -> list[cst.FunctionDef]:
    """The module's top-level functions and its top-level classes' methods."""
    out: list[cst.FunctionDef] = []
    for stmt in model.module.body:
        if isinstance(stmt, cst.FunctionDef):
            out.append(stmt)
        elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            out.extend(s for s in stmt.body.body if isinstance(s, cst.FunctionDef))
    return out


def _runs(model: ModuleIndex, call: cst.Call) -> list[cst.FunctionDef]:
    """The undecorated same-file functions ``call`` runs."""
    func = loops(model).resolve_function(call)
    if func is None:
        func = _forward_of_called_module(model, call)
    if func is None or func.decorators:
        return []
    return [func]


def _forward_of_called_module(model: ModuleIndex, call: cst.Call) -> cst.FunctionDef | None:
    kinds = kinds_of(model)
    value: object = kinds.value_of(call.func)
    target = call.func
    if not isinstance(value, Instance) and isinstance(target, cst.Attribute):
        # ``self.criterion(...)``: the func of a method-style call has no
        # recorded value; the attribute is what the class assigned
        owner = kinds.value_of(target.value)
        if isinstance(owner, Instance) and kinds.method(owner.cls, target.attr.value) is None:
            value = kinds.class_attrs(owner.cls).get(target.attr.value)
    if not isinstance(value, Instance) or not is_torch_module(model, value.cls):
        return None
    if kinds.method(value.cls, "__call__") is not None:
        return None  # a __call__ of its own decides what runs
    return kinds.method(value.cls, "forward")
