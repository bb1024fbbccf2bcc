"""Which model each optimiser of a file updates (LF303 per optimiser).

``optimizer_D = torch.optim.Adam(D.parameters(), ...)`` updates ``D``: a loop
that clears ``optimizer_E`` and ``E`` but steps ``optimizer_D`` leaves ``D``'s
gradients to pile up. Only sure shapes count: an optimiser bound once, by a
plain assignment to a name or ``self.<attr>``, over ``<model>.parameters()``
(several models chained with ``+``/``itertools.chain`` or in a list of them);
anything else is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.interpreter.syntax import arguments_by_param
from lossflint.analysis.loops import Loop, LoopEvent, loops
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import calls_in, own_returns

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_PARAMETER_METHODS = frozenset({"parameters", "named_parameters"})


def optimizer_models(model: ModuleIndex) -> dict[str, frozenset[str]]:
    """Optimiser key (``optimizer_D``, ``self.opt_g``) → the models whose
    parameters it updates, for the optimisers whose models are all known."""
    return model.analysis(_build)


def _build(model: ModuleIndex) -> dict[str, frozenset[str]]:
    # every construction under one name must agree (``if resume: optimizer =
    # SGD(model.parameters(), ...) else: optimizer = SGD(model.parameters(),
    # ...)``: kaggle-quickdraw, audit s209)
    found: dict[str, set[frozenset[str]]] = {}
    for ctor in loops(model).optimizer_ctors:
        parent = model.parent(ctor.call)
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1):
            continue
        key = dotted_text(parent.targets[0].target)
        params = ctor.call.args[0].value if ctor.call.args else None
        if key is None or params is None or ctor.call.args[0].keyword is not None:
            continue
        models = frozenset(canonical_model(model, m) for m in _models_of(params))
        found.setdefault(key, set()).add(models)
    return {
        key: next(iter(built))
        for key, built in found.items()
        if len(built) == 1 and next(iter(built))
    }


def canonical_model(model: ModuleIndex, key: str) -> str:
    """``head`` of ``head = model.fc`` (or ``model[1]``, bound once at module
    level) is a part of ``model``: another name a clearing of ``model`` covers."""
    head, _, rest = key.partition(".")
    for _ in range(3):
        bindings = model.module_scope.bindings.get(head, [])
        if len(bindings) != 1 or bindings[0].kind != "assign":
            break
        value = bindings[0].node
        target = _part_of(value) if isinstance(value, cst.BaseExpression) else None
        if target is None or target == head:
            break
        key = target + ("." + rest if rest else "")
        head, _, rest = key.partition(".")
    return key


def _part_of(expr: cst.BaseExpression) -> str | None:
    """``model.fc`` → "model.fc", ``model[1]`` → "model.[]" (a part of ``model``)."""
    if isinstance(expr, cst.Subscript):
        base = _part_of(expr.value)
        return base + ".[]" if base is not None else None
    return dotted_text(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None


def _models_of(expr: cst.BaseExpression) -> frozenset[str]:
    """The models ``<m>.parameters()`` calls in ``expr`` name; empty when any
    part of it is something else (a parameter list, a filtered generator)."""
    models: set[str] = set()
    for node in calls_in(expr):
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in _PARAMETER_METHODS:
            key = dotted_text(node.func.value)
            if key is None:
                return frozenset()
            models.add(key)
    if isinstance(expr, (cst.GeneratorExp, cst.ListComp)):
        return frozenset()  # ``(p for p in m.parameters() if p.requires_grad)``: a subset
    return frozenset(models)


def uncleared_step(
    model: ModuleIndex, loop: Loop, updates: dict[str, frozenset[str]]
) -> tuple[LoopEvent, frozenset[str], set[str], cst.CSTNode] | None:
    """The first ``step()`` of ``loop`` whose optimiser's models nothing in the
    loop clears, while the loop clears others (``optimizer_E.zero_grad()``
    but ``optimizer_D.step()``): (the step, its models, the models cleared,
    the first clearing). None unless every clearing in the loop is of a known
    optimiser or model (``p.grad = None``, an unknown receiver, a clearing in
    a function the loop calls: it may clear anything)."""
    clears = loop.of("zero_grad")
    if not clears or "zero_grad" in loop.callee_kinds or loop.has("grad_set"):
        return None
    cleared: set[str] = set()
    for event in clears:
        receiver = event.event.receiver
        if receiver in updates:
            cleared |= updates[receiver]
        elif receiver is not None and any(
            canonical_model(model, receiver) in m for m in updates.values()
        ):
            cleared.add(canonical_model(model, receiver))
        else:
            return None
    for step in loop.of("step"):
        models = updates.get(step.event.receiver or "")
        if models is None or step.event.closure:
            continue
        if any(
            m == c or m.startswith(c + ".") or c.startswith(m + ".")
            for m in models
            for c in cleared
        ):
            continue
        return step, models, cleared, clears[0].node
    return None


def rebuilt_over_kept_models(model: ModuleIndex, loop: Loop) -> bool:
    """An optimiser built in ``loop``'s body over ``<model>.parameters()`` of a
    model bound outside it: the model's ``.grad`` outlives the optimiser, so
    nothing clears it (a fresh optimiser over fresh tensors, latent
    refinement, accumulates nothing)."""
    for found in loop.of("optim_ctor"):
        call = found.node
        if not isinstance(call, cst.Call) or not call.args or call.args[0].keyword is not None:
            continue
        models = _models_of(call.args[0].value)
        if not models:
            continue
        inside = [
            b
            for name in models
            for b in model.scope_of(call).lookup(name.split(".")[0]) or []
            if b.node is not None and model.within(b.node, loop.node)
        ]
        if not inside:
            return True
    return False


def fresh_model_helper(model: ModuleIndex, call: cst.CSTNode, loop: Loop) -> bool:
    """``call`` runs a same-file helper that builds its optimiser over the
    ``.parameters()`` of a model it is handed (trlx's ``self._backprop(model)``),
    and the loop hands it a model bound in the loop's body: a new model each
    iteration, nothing accumulates in it across iterations."""
    if not isinstance(call, cst.Call):
        return False
    func = loops(model).resolve_function(call)
    if func is None:
        return False
    params = [p.name.value for p in func.params.params]
    if params and params[0] == "self" and isinstance(call.func, cst.Attribute):
        params = params[1:]
    bound = arguments_by_param(call, params)
    ctors = [e.node for e in loops(model).events_of(func) if e.kind == "optim_ctor"]
    if bound is None or not ctors:
        return False
    for ctor in ctors:
        if not isinstance(ctor, cst.Call) or not ctor.args or ctor.args[0].keyword is not None:
            return False
        models = _models_of(ctor.args[0].value)
        if len(models) != 1 or "." in next(iter(models)):
            return False
        arg = bound.get(next(iter(models)))
        if arg is None or not isinstance(arg.value, cst.Name):
            return False
        bindings = model.scope_of(call).lookup(arg.value.value) or []
        if not bindings or not all(
            b.node is not None and model.within(b.node, loop.node) for b in bindings
        ):
            return False
    return True


def parameters_owner(
    model: ModuleIndex, params: cst.BaseExpression, depth: int = 2
) -> cst.BaseExpression | None:
    """The module whose parameters (or a filtered subset of them) ``params``
    is: ``m.parameters()``, ``[p for p in m.parameters() if p.requires_grad]``,
    ``filter(lambda p: p.requires_grad, m.parameters())``, or a same-file
    helper returning one of those of its parameter (DALLE-pytorch's
    ``get_trainable_params(dalle)``, audit s213); None otherwise."""
    if isinstance(params, (cst.ListComp, cst.GeneratorExp)):
        comp = params.for_in
        if comp.inner_for_in is not None:
            return None
        params = comp.iter
    if not isinstance(params, cst.Call):
        return None
    func = params.func
    if isinstance(func, cst.Attribute) and func.attr.value in _PARAMETER_METHODS:
        return func.value
    if isinstance(func, cst.Name) and func.value == "filter" and len(params.args) == 2:
        return parameters_owner(model, params.args[1].value, depth)
    helper = model.returning_function(func) if depth > 0 else None
    if helper is None:
        return None
    names = [p.name.value for p in helper.params.params]
    returns = own_returns(helper)
    owners = [
        parameters_owner(model, r.value, depth - 1) if r.value is not None else None
        for r in returns
    ]
    if not owners or not all(isinstance(o, cst.Name) and o.value in names[:1] for o in owners):
        return None
    bound = arguments_by_param(params, names)
    arg = bound.get(names[0]) if bound is not None else None
    return arg.value if arg is not None else None
