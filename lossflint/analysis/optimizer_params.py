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

from lossflint.analysis.loops import Loop, LoopEvent, loops
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import descendants

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_PARAMETER_METHODS = frozenset({"parameters", "named_parameters"})


def optimizer_models(model: ModuleIndex) -> dict[str, frozenset[str]]:
    """Optimiser key (``optimizer_D``, ``self.opt_g``) → the models whose
    parameters it updates, for the optimisers whose models are all known."""
    return model.analysis(_build)


def _build(model: ModuleIndex) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    twice: set[str] = set()
    for ctor in loops(model).optimizer_ctors:
        parent = model.parent(ctor.call)
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1):
            continue
        key = dotted_text(parent.targets[0].target)
        params = ctor.call.args[0].value if ctor.call.args else None
        if key is None or params is None or ctor.call.args[0].keyword is not None:
            continue
        models = _models_of(params)
        if key in found:
            twice.add(key)
        if models:
            found[key] = models
    return {key: models for key, models in found.items() if key not in twice}


def _models_of(expr: cst.BaseExpression) -> frozenset[str]:
    """The models ``<m>.parameters()`` calls in ``expr`` name; empty when any
    part of it is something else (a parameter list, a filtered generator)."""
    models: set[str] = set()
    for node in descendants(expr):
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _PARAMETER_METHODS
        ):
            key = dotted_text(node.func.value)
            if key is None:
                return frozenset()
            models.add(key)
    if isinstance(expr, (cst.GeneratorExp, cst.ListComp)):
        return frozenset()  # ``(p for p in m.parameters() if p.requires_grad)``: a subset
    return frozenset(models)


def uncleared_step(
    loop: Loop, updates: dict[str, frozenset[str]]
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
        elif receiver is not None and any(receiver in m for m in updates.values()):
            cleared.add(receiver)
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
