"""Calls of a function made through a value of it: ``fn = partial(f, k=2)``
or ``fn = f``, called as ``fn(x)`` or handed to a same-file function whose
parameter is only ever called (``loss_func(model, x, fn)`` running
``noise_scale(t)``). The gradient analysis reads these as call sites of ``f``
(with the keywords the ``partial`` binds), so a helper reached only this way
is no longer "never called" (audit s29: a score-based diffusion notebook's
noise schedule, always called with a random time step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.apis.core import FUNCTOOLS_PARTIAL
from lossflint.analysis.walk import own_returns

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: a call of ``f`` through a value, and the arguments a ``partial`` bound by keyword
ValueCall = tuple[cst.Call, dict[str, cst.BaseExpression]]


def value_calls(
    model: ModuleIndex, ref: cst.Name, elsewhere: frozenset[cst.FunctionDef] = frozenset()
) -> list[ValueCall] | None:
    """The calls ``ref`` (a use of a function's name other than a call of it)
    leads to, or None when the value may be called out of sight (stored,
    returned, handed to code that is not a same-file function only calling
    it, bound with positional arguments or ``*args``). ``elsewhere``: the
    factories whose calls in other files are followed by whoever asks (their
    results' calls there are the caller's to read): returning ``ref`` from
    one of them is no escape, even with no call of it in this file."""
    value: cst.BaseExpression = ref
    bound: dict[str, cst.BaseExpression] = {}
    arg = model.parent(ref)
    if isinstance(arg, cst.Arg):
        call = model.parent(arg)
        if (
            isinstance(call, cst.Call)
            and model.qualname(call.func) == FUNCTOOLS_PARTIAL
            and call.args[0] is arg
        ):
            rest = call.args[1:]
            if any(a.keyword is None or a.star for a in rest):
                return None  # positional arguments shift the parameters
            bound = {a.keyword.value: a.value for a in rest if a.keyword is not None}
            value = call
    return _uses(model, value, bound, hops=1, elsewhere=elsewhere)


def _uses(
    model: ModuleIndex,
    value: cst.BaseExpression,
    bound: dict[str, cst.BaseExpression],
    hops: int,
    factories: int = 1,
    elsewhere: frozenset[cst.FunctionDef] = frozenset(),
) -> list[ValueCall] | None:
    parent = model.parent(value)
    if isinstance(parent, cst.Arg) and not parent.star and hops > 0:
        return _through_parameter(model, parent, bound)
    if isinstance(parent, cst.Return) and factories > 0 and isinstance(value, cst.Name):
        return _factory_calls(model, parent, value, bound, hops, elsewhere)
    if not isinstance(parent, cst.AssignTarget) and isinstance(parent, cst.Assign):
        targets = parent.targets
        if len(targets) != 1 or not isinstance(targets[0].target, cst.Name):
            return None
        return _alias_calls(model, targets[0].target, bound, hops, factories)
    return None


def _alias_calls(
    model: ModuleIndex,
    alias: cst.Name,
    bound: dict[str, cst.BaseExpression],
    hops: int,
    factories: int,
) -> list[ValueCall] | None:
    """``fn = partial(f, ...)`` bound once: every use of ``fn`` is a call, or
    an argument of a same-file function only calling it."""
    scope = model.scope_of(alias)
    bindings = scope.bindings.get(alias.value, [])
    if len(bindings) != 1 or bindings[0].node is None:
        return None
    uses = _loads(model, scope.node, alias.value, bindings[0].node)
    if uses is None:
        return None
    found: list[ValueCall] = []
    for use in uses:
        parent = model.parent(use)
        if isinstance(parent, cst.Call) and parent.func is use:
            found.append((parent, bound))
            continue
        through = _uses(model, use, bound, hops, factories)
        if through is None:
            return None
        found.extend(through)
    return found


def _factory_calls(
    model: ModuleIndex,
    returned: cst.Return,
    name: cst.Name,
    bound: dict[str, cst.BaseExpression],
    hops: int,
    elsewhere: frozenset[cst.FunctionDef] = frozenset(),
) -> list[ValueCall] | None:
    """``def get_loss_func(kind): if kind == "clip_bce": return clip_bce``,
    every return of it that function's name (a call that falls off the end
    gives None, and calling None raises): each ``loss_func =
    get_loss_func(...)`` bound once leads to the calls of ``loss_func``
    (audit R34: PANNs' loss chosen by a factory)."""
    factory = model.enclosing(returned, cst.FunctionDef, cst.Lambda, cst.ClassDef)
    if not isinstance(factory, cst.FunctionDef) or factory.decorators:
        return None
    for other in own_returns(factory):
        if not isinstance(other.value, cst.Name):
            return None
        if other.value.value != name.value:
            return None  # one of several functions: which one is called is not known
    uses = _loads(model, model.module, factory.name.value, factory)
    if uses is None or not (uses or factory in elsewhere):
        return None
    found: list[ValueCall] = []
    for use in uses:
        call = model.parent(use)
        if not isinstance(call, cst.Call) or call.func is not use:
            return None  # the factory itself handed on: its results are not followed
        through = _uses(model, call, bound, hops, factories=0)
        if through is None:
            return None
        found.extend(through)
    return found


def _through_parameter(
    model: ModuleIndex, arg: cst.Arg, bound: dict[str, cst.BaseExpression]
) -> list[ValueCall] | None:
    """The value handed to ``g(..., fn)`` of a same-file function ``g``
    whose parameter is bound once and only ever called in it."""
    call = model.parent(arg)
    if not isinstance(call, cst.Call) or any(a.star for a in call.args):
        return None
    func = model.defined_function(call.func)
    if func is None:
        return None
    params = [*func.params.posonly_params, *func.params.params, *func.params.kwonly_params]
    if arg.keyword is not None:
        chosen = [p for p in params if p.name.value == arg.keyword.value]
    else:
        position = [a for a in call.args if a.keyword is None].index(arg)
        positional = [*func.params.posonly_params, *func.params.params]
        chosen = positional[position : position + 1]
    if len(chosen) != 1:
        return None
    uses = _loads(model, func, chosen[0].name.value, chosen[0])
    if uses is None:
        return None
    found: list[ValueCall] = []
    for use in uses:
        parent = model.parent(use)
        if not (isinstance(parent, cst.Call) and parent.func is use):
            return None  # handed on, stored, returned: called out of sight
        found.append((parent, bound))
    return found


def _loads(
    model: ModuleIndex, root: cst.CSTNode, text: str, binding: cst.CSTNode
) -> list[cst.Name] | None:
    """The uses under ``root`` of the variable ``text`` that ``binding``
    binds (a nested scope's own variable of that name is another one); None
    when a use may see another binding too."""
    out: list[cst.Name] = []
    for node in model.nodes_of_type(cst.Name):
        if not isinstance(node, cst.Name) or node.value != text:
            continue
        if not any(up is root for up in model.ancestors(node)):
            continue
        parent = model.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            continue
        if isinstance(parent, (cst.Param, cst.AssignTarget, cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            continue
        bindings = model.bindings(node) or []
        if not any(b.node is binding for b in bindings):
            continue
        if len(bindings) != 1:
            return None
        out.append(node)
    return out


def module_factories(module: cst.Module) -> dict[str, list[cst.FunctionDef]]:
    """The module's top-level functions that top-level factories hand out:
    ``clip_bce`` → [``get_loss_func``] where every return of the (undecorated)
    factory names that one function. Who calls the factory's results in
    other files calls it."""
    tops = {stmt.name.value for stmt in module.body if isinstance(stmt, cst.FunctionDef)}
    found: dict[str, list[cst.FunctionDef]] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.FunctionDef) or stmt.decorators:
            continue
        names = {
            r.value.value if isinstance(r.value, cst.Name) else None for r in own_returns(stmt)
        }
        if len(names) == 1:
            (name,) = names
            if name is not None and name in tops and name != stmt.name.value:
                found.setdefault(name, []).append(stmt)
    return found
