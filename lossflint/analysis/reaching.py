"""The assignment that surely gives a name its value at a use.

``loss`` may be bound in a training loop and again in an evaluation block;
at ``loss.backward()`` only the binding just above it counts when nothing
between the two (nor any branch around the use) binds the name again. Found
by walking back over the statements before the use, up through the blocks
around it, inside the innermost function, and out of a loop only when the
loop never binds the name (a value carried around a loop from a later binding
is not looked for, so the search stops at a loop that binds it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.names import target_binds
from lossflint.analysis.walk import bound_names, memo_of, names_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_STOPS = (cst.For, cst.While, cst.FunctionDef, cst.Lambda, cst.ClassDef)


def reaching_assignment(model: ModuleIndex, use: cst.Name) -> cst.BaseExpression | None:
    """The value of the plain ``name = value`` that every path to ``use``
    passes last; None when that is not certain."""
    found = _walk_back(model, use)
    return found if isinstance(found, cst.BaseExpression) else None


def value_reads(model: ModuleIndex, value: cst.BaseExpression) -> list[cst.Name] | None:
    """The reads that see ``value`` when ``name = value`` binds it (``norms =
    tf.sqrt(...)``, ``log_prob = tf.log(...)``): every use of the name in its
    function (or the module) the assignment reaches; None when ``value`` is
    not the whole value of a one-name assignment."""
    statement = model.parent(value)
    if not (
        isinstance(statement, cst.Assign)
        and statement.value is value
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Name)
    ):
        return None
    target = statement.targets[0].target
    scope = model.enclosing(statement, cst.FunctionDef) or model.module
    return [
        use
        for use in names_in(scope, target.value, memo_of(model))
        if use is not target and reaching_assignment(model, use) is value
    ]


def reaching_line(model: ModuleIndex, use: cst.Name) -> cst.SimpleStatementLine | None:
    """The simple line (any binding: ``output, h = net(x)`` too) that every
    path to ``use`` passes last among those binding its name; None when that
    is not certain (a branch, a loop or a ``with`` may bind it)."""
    found = _walk_back(model, use, lines=True)
    return found if isinstance(found, cst.SimpleStatementLine) else None


def iterated_parts(
    model: ModuleIndex, source: cst.BaseExpression
) -> list[cst.BaseExpression | None] | None:
    """What each name of a ``for`` target over ``source`` draws from, in
    order: ``zip(a, b)`` → ``[a, b]``; ``enumerate(a)`` → ``[None, a]`` (the
    counter draws from nothing); None for any other iterable, a shadowed
    ``zip``/``enumerate`` or a call unpacking ``*args``. Keywords (``strict``,
    ``start``) are no sequences."""
    if not (
        isinstance(source, cst.Call)
        and isinstance(source.func, cst.Name)
        and source.func.value in ("zip", "enumerate")
        and not model.bindings(source.func)
        and not any(a.star for a in source.args)
    ):
        return None
    parts: list[cst.BaseExpression | None] = [a.value for a in source.args if a.keyword is None]
    if source.func.value == "enumerate":
        return [None, *parts[:1]]
    return parts


def binding_loop(model: ModuleIndex, name: cst.Name, rebound: bool = False) -> cst.For | None:
    """The ``for`` around ``name`` whose target binds it (``vx`` of ``for vx,
    vy in val_batches:``), when nothing in that loop's body binds it again
    (with ``rebound``, also then: ``vx = vx.cuda()`` keeps the batch)."""
    loop = model.enclosing(name, cst.For)
    while isinstance(loop, cst.For):
        if target_binds(loop.target, name.value):
            return None if not rebound and may_bind(loop.body, name.value) else loop
        loop = model.enclosing(loop, cst.For)
    return None


def reaches_parameter(model: ModuleIndex, use: cst.Name) -> bool:
    """Whether ``use`` surely reads the value its function was called with:
    the name is a parameter of the innermost function and no statement before
    the use, on any path from the function's start, binds it again (``f_t =
    f_t / norm`` after the use leaves the use the argument's)."""
    if not any(b.kind == "param" for b in model.bindings(use) or ()):
        return False
    line = model.statement_of(use)
    if isinstance(line, cst.SimpleStatementLine) and len(line.body) > 1:
        return False  # ``f_t = 0; y = f_t``: the line's own bindings come first
    return isinstance(_walk_back(model, use), cst.FunctionDef)


def _walk_back(
    model: ModuleIndex, use: cst.Name, lines: bool = False, branches: bool = False
) -> cst.BaseExpression | cst.FunctionDef | cst.SimpleStatementLine | cst.If | None:
    """Back from ``use`` over the statements every path to it runs, up
    through the blocks around it: the value of the last plain ``name =
    value``; the innermost function when its start is reached with nothing
    binding the name (the use reads what the call passed); None when another
    binding, a loop that binds the name, a class body or the module is met.
    With ``branches``, an ``if`` binding the name last is returned itself."""
    name = use.value
    at: cst.CSTNode | None = use
    while at is not None and not isinstance(at, cst.BaseStatement):
        at = model.parent(at)
    while at is not None:
        block = model.parent(at)
        body = getattr(block, "body", None)
        if isinstance(body, (list, tuple)) and at in body:
            for stmt in reversed(body[: body.index(at)]):
                if lines:
                    if may_bind(stmt, name):
                        return stmt if isinstance(stmt, cst.SimpleStatementLine) else None
                    continue
                if branches and isinstance(stmt, cst.If) and may_bind(stmt, name):
                    return stmt
                found = _assigned(stmt, name)
                if found is not None:
                    return found
                if may_bind(stmt, name):
                    return None
        if block is None or (isinstance(at, _STOPS) and not _transparent(at, name)):
            return None
        if isinstance(block, cst.Module):
            return None
        at = block
        if isinstance(at, cst.FunctionDef):
            return at
        if isinstance(at, _STOPS) and not _transparent(at, name):
            return None
    return None


def arm_assignments(model: ModuleIndex, use: cst.Name) -> list[cst.BaseExpression] | None:
    """The values of ``name = value`` that the arms of an ``if``/``else``
    (``elif`` chains too) give ``use``'s name when that statement is the last
    to bind it on every path (``p = sigmoid(z)`` under ``if multi_label:``,
    ``p = softmax(z)`` under ``else:``); also the two values of ``name = a if
    c else b``. None when any arm's last binding is not such an assignment."""
    found = _walk_back(model, use, branches=True)
    if isinstance(found, cst.If):
        return _arm_values(found, use.value)
    if isinstance(found, cst.IfExp):
        return [found.body, found.orelse]
    return None


def _arm_values(node: cst.If, name: str) -> list[cst.BaseExpression] | None:
    if node.orelse is None:
        return None
    found = _last_assigned(node.body, name)
    if found is None:
        return None
    if isinstance(node.orelse, cst.If):
        rest = _arm_values(node.orelse, name)
    else:
        last = _last_assigned(node.orelse.body, name)
        rest = [last] if last is not None else None
    return [found, *rest] if rest is not None else None


def _last_assigned(block: cst.BaseSuite, name: str) -> cst.BaseExpression | None:
    body = block.body if isinstance(block, cst.IndentedBlock) else ()
    for stmt in reversed(body):
        if may_bind(stmt, name):
            return _assigned(stmt, name)
    return None


def refilled_before(model: ModuleIndex, use: cst.Name, methods: frozenset[str]) -> cst.Call | None:
    """``weight.normal_(0, 1)`` as a statement that every path to ``use``
    runs, inside the same function, with nothing binding the name between
    (``weight *= gain / sqrt(weight.pow(2).sum())`` reads the redrawn
    values): the call, for a method of ``methods``."""
    name = use.value
    at: cst.CSTNode | None = model.statement_of(use)
    while at is not None and not isinstance(at, (cst.Module, cst.FunctionDef, *_STOPS)):
        block = model.parent(at)
        body = getattr(block, "body", None)
        if isinstance(body, (list, tuple)) and at in body:
            for stmt in reversed(body[: body.index(at)]):
                call = _method_statement(stmt, name, methods)
                if call is not None:
                    return call
                if may_bind(stmt, name):
                    return None
        at = block
    return None


def _method_statement(stmt: cst.CSTNode, name: str, methods: frozenset[str]) -> cst.Call | None:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return None
    for small in reversed(stmt.body):
        if (
            isinstance(small, cst.Expr)
            and isinstance(small.value, cst.Call)
            and isinstance(small.value.func, cst.Attribute)
            and isinstance(small.value.func.value, cst.Name)
            and small.value.func.value.value == name
            and small.value.func.attr.value in methods
        ):
            return small.value
    return None


def _transparent(node: cst.CSTNode, name: str) -> bool:
    """A loop that never binds ``name`` (its target, its body): the value it
    sees is the one from before the loop."""
    return isinstance(node, (cst.For, cst.While)) and not may_bind(node, name)


def _assigned(stmt: cst.CSTNode, name: str) -> cst.BaseExpression | None:
    """``name = value`` as the last binding of ``name`` in a simple line."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return None
    for small in reversed(stmt.body):
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name) and target.value == name:
                return small.value
            item = _tuple_item(target, small.value, name)
            if item is not None:
                return item
        if may_bind(small, name):
            return None
    return None


def _tuple_item(
    target: cst.BaseExpression, value: cst.BaseExpression, name: str
) -> cst.BaseExpression | None:
    """``a, b = x, y``: what ``name`` gets of a tuple written out on the
    right, item for item (no starred item on either side)."""
    if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(
        value, (cst.Tuple, cst.List)
    ):
        return None
    if len(target.elements) != len(value.elements):
        return None
    if any(isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)):
        return None
    for left, right in zip(target.elements, value.elements, strict=True):
        if isinstance(left.value, cst.Name) and left.value.value == name:
            return right.value
    return None


def may_bind(node: cst.CSTNode, name: str) -> bool:
    """Whether anything in ``node`` may bind ``name`` again (a target, ``for``,
    ``with ... as``, ``:=``, ``del``, a ``def``/``class``, ``global``/``nonlocal``)."""
    return name in bound_names(node)


def rebound_before(model: ModuleIndex, node: cst.CSTNode, name: str, stop: cst.CSTNode) -> bool:
    """Whether every path from the start of ``stop``'s body (a loop) to
    ``node`` binds ``name`` again with ``=``: a value carried round the loop
    from a later binding (``img, loss = kept[i]`` at the end of a script's
    outer loop) never reaches ``node`` when the loop body assigns ``loss``
    first, in both branches of an ``if`` too."""
    at: cst.CSTNode | None = node
    while at is not None and at is not stop:
        block = model.parent(at)
        body = getattr(block, "body", None)
        if isinstance(body, (list, tuple)) and at in body:
            if any(_surely_binds(stmt, name) for stmt in body[: body.index(at)]):
                return True
        at = block
    return False


def _surely_binds(node: cst.CSTNode, name: str) -> bool:
    """``node`` binds ``name`` with ``=`` on every path through it (no
    ``try``, no loop: those may skip the binding)."""
    if isinstance(node, cst.Assign):
        return any(target_binds(t.target, name) for t in node.targets)
    if isinstance(node, cst.SimpleStatementLine):
        return any(_surely_binds(small, name) for small in node.body)
    if isinstance(node, cst.IndentedBlock):
        return any(_surely_binds(stmt, name) for stmt in node.body)
    if isinstance(node, (cst.Else, cst.With)):
        return _surely_binds(node.body, name)
    if isinstance(node, cst.If):
        return (
            node.orelse is not None
            and _surely_binds(node.body, name)
            and _surely_binds(node.orelse, name)
        )
    return False


def unpacked_value(model: ModuleIndex, name: cst.Name) -> cst.BaseExpression | None:
    """The value of the one ``a, b = value`` (or ``[a, b] = value``) of the
    function around ``name`` (or the module, for a module-level name) that binds it; None when there is no such
    assignment or several."""
    func: cst.CSTNode | None = model.enclosing(name, cst.FunctionDef)
    if func is None:
        scope = model.scope_of(name)  # a script's module-level unpacking
        func = scope.node if scope is not None and scope.kind == "module" else None
    if func is None:
        return None
    found = [
        node.value
        for node in model.assignments.get(func, [])
        for target in node.targets
        if isinstance(target.target, (cst.Tuple, cst.List))
        and any(
            isinstance(e.value, cst.Name) and e.value.value == name.value
            for e in target.target.elements
            if not isinstance(e, cst.StarredElement)
        )
    ]
    return found[0] if len(found) == 1 else None
