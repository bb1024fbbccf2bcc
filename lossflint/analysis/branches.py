"""Whether two places of one function can run in the same call.

The common mixed-precision loop tests one flag twice::

    if use_amp:
        with torch.autocast("cuda"):
            loss = criterion(model(x), y)
    else:
        loss = criterion(model(x), y)
    if use_amp:
        scaler.scale(loss).backward()
    else:
        loss.backward()          # only after the fp32 forward

A name's bindings are otherwise all candidates at a use; here the autocast
binding and the plain ``backward()`` sit on opposite sides of the same test.
:func:`exclusive` says so when the test is a flag the function never changes
(a parameter, a module constant, ``args.amp``, ``self.use_amp``), so the same
test gives the same answer both times.
"""

from __future__ import annotations

import libcst as cst

from lossflint.analysis.index import ModuleIndex
from lossflint.analysis.names import dotted_text

_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def exclusive(model: ModuleIndex, a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """Whether ``a`` and ``b`` are on opposite sides of the same stable test."""
    scope_a, guards_a = _guards(model, a)
    scope_b, guards_b = _guards(model, b)
    if scope_a is not scope_b:
        return False
    for test, taken in guards_a.items():
        if guards_b.get(test) == (not taken) and _stable(model, scope_a, test):
            return True
    return False


def gated_apart(model: ModuleIndex, a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """``a`` runs only when a settings attribute is true and ``b`` only when
    it is false, in any two functions (``if args.fp16: model = model.half()``
    in ``main``; ``if args.fp16: optimizer.backward(loss) else:
    loss.backward()`` in ``train``: sparse_learning, audit s171). Attributes
    only: a plain name may be two variables in two functions."""
    _, guards_a = _guards(model, a)
    _, guards_b = _guards(model, b)
    return any(
        "." in flag and guards_b.get(flag) == (not taken) for flag, taken in guards_a.items()
    )


def _guards(model: ModuleIndex, node: cst.CSTNode) -> tuple[cst.CSTNode, dict[str, bool]]:
    """The scope ``node`` runs in and, per flag tested by an ``if`` around it
    (``x``, ``args.amp``; ``not x`` counted as ``x``), the branch it is on."""
    guards: dict[str, bool] = {}
    child = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, _SCOPES):
            return ancestor, guards
        if type(ancestor) is cst.If:
            if child is ancestor.body:
                taken = True
            elif child is ancestor.orelse:
                taken = False
            else:
                child = ancestor
                continue  # the test itself
            test = ancestor.test
            while type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
                test, taken = test.expression, not taken
            flag = dotted_text(test) if isinstance(test, (cst.Name, cst.Attribute)) else None
            if flag is not None and flag not in guards:
                guards[flag] = taken
        child = ancestor
    return model.module, guards


def _stable(model: ModuleIndex, scope: cst.CSTNode, flag: str) -> bool:
    """Whether nothing in ``scope`` rebinds ``flag`` (a plain name may be a
    parameter, or bound once by a statement of the function's own body,
    ``use_amp = args.use_amp``, before any test; an attribute may not be
    assigned at all there)."""
    root = flag.split(".", 1)[0]
    allowed = _set_once_up_front(model, scope, flag)
    for node, parent in model.parents.items():
        if parent is allowed:
            continue
        if type(parent) in (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.NamedExpr):
            target = getattr(parent, "target", None)
            if target is not node:
                continue
            text = dotted_text(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
            if text is None or (text != flag and text != root):
                continue
            if _inside(model, node, scope):
                return False
        elif type(parent) in (cst.For, cst.CompFor, cst.WithItem, cst.AsName):
            text = dotted_text(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
            if text in (flag, root) and _inside(model, node, scope):
                return False
    return True


def _set_once_up_front(model: ModuleIndex, scope: cst.CSTNode, flag: str) -> cst.CSTNode | None:
    """The one ``flag = ...`` target of a plain statement at the top of the
    function's body, above every ``if`` testing the flag; None otherwise."""
    if "." in flag or type(scope) is not cst.FunctionDef:
        return None
    body = scope.body  # type: ignore[attr-defined]
    if type(body) is not cst.IndentedBlock:
        return None
    bindings = model.scopes[scope].bindings.get(flag, []) if scope in model.scopes else []
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    for statement in body.body:
        if type(statement) is not cst.SimpleStatementLine:
            return None  # a compound statement first: it may test the flag
        for small in statement.body:
            if type(small) is cst.Assign and len(small.targets) == 1:
                target = small.targets[0]
                if type(target.target) is cst.Name and target.target.value == flag:
                    return target
    return None


def _inside(model: ModuleIndex, node: cst.CSTNode, scope: cst.CSTNode) -> bool:
    for ancestor in model.ancestors(node):
        if ancestor is scope:
            return True
    return False
