"""Code that cannot run: the branch a constant test never takes.

``if True: ... elif flag: ...`` and ``if False: ...`` are how people switch
code off without deleting it (the seq2seq tutorial that kept its old
teacher-forcing path under ``elif`` after ``if True:``). Nothing there runs,
so nothing there is reported, and the interpreter does not read values out
of it (``statements.py``). Only literal tests count (``True``, ``0``,
``None``, ``""``): a module constant may be edited, and ``__debug__`` or
``TYPE_CHECKING`` are not about training code. A test of the torch release
against one before 1.0 counts too: no supported torch takes the old branch.

Top-level statements after one that ends the script (``exit()`` left in while
debugging) never run either: nothing there is reported (the interpreter and the
loop index still read them: a loader built before the ``exit()`` and trained on
after it is not known to be dead).

A value stored and overwritten before any read (``dead_store``) is never used
either: what the numerics rules say about it cannot happen.

An ``except`` fallback for an old library (``old_version_fallback``) runs only
where the call its ``try`` makes fails: on today's library it never runs.
"""

from __future__ import annotations

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.index import ModuleIndex
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import calls_in, memo_of, names_in


def constant_truth(test: cst.BaseExpression) -> bool | None:
    """Whether a literal test is true; None for anything else."""
    value = literal_value(test)
    if value is NotImplemented:
        return _old_torch_test(test)
    return bool(value)


def module_flag_truth(model: ModuleIndex, test: cst.BaseExpression) -> bool | None:
    """``if scaledata:`` (or ``if not scaledata:``) of a top-level
    ``scaledata = True`` the module binds nowhere else: the branch the code as
    written takes. Module level only: a function may be called after another
    module changed the flag."""
    negate = type(test) is cst.UnaryOperation and type(test.operator) is cst.Not
    name = test.expression if negate else test  # type: ignore[attr-defined]
    if type(name) is not cst.Name:
        return None
    bindings = model.module_scope.bindings.get(name.value, ())
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    assign = model.parents.get(bindings[0].node) if bindings[0].node is not None else None
    if type(assign) is not cst.Assign or len(assign.targets) != 1:
        return None
    line = model.parents.get(assign)
    if line is None or type(model.parents.get(line)) is not cst.Module:
        return None
    value = literal_value(assign.value)
    if type(value) is not bool:
        return None
    return value is not negate


_VERSION_WRAPPERS = frozenset(
    {"LooseVersion", "StrictVersion", "parse", "Version", "parse_version"}
)
_HOLDS = {"<": (True, False), "<=": (True, True), ">": (False, False), ">=": (False, True)}


def _old_torch_test(test: cst.BaseExpression) -> bool | None:
    """``LooseVersion(torch.__version__) < LooseVersion("0.3")`` (or
    ``version.parse``, a plain string comparison): a test against a torch
    release before 1.0, which no supported torch is. The branch for the old
    release never runs (``F.log_softmax(input)`` there had no ``dim``)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    op = {
        cst.LessThan: "<",
        cst.LessThanEqual: "<=",
        cst.GreaterThan: ">",
        cst.GreaterThanEqual: ">=",
    }.get(type(target.operator))
    if op is None:
        return None
    left, right = _version_side(test.left), _version_side(target.comparator)
    if left == "torch" and isinstance(right, str) and right != "torch":
        release, torch_first = right, True
    elif right == "torch" and isinstance(left, str) and left != "torch":
        release, torch_first = left, False
    else:
        return None
    if not release.startswith("0."):
        return None
    # torch (>= 1.0) against a release 0.x: torch is the greater side
    below, _ = _HOLDS[op]
    return not below if torch_first else below


def _version_side(expr: cst.BaseExpression) -> str | None:
    """ "torch" for ``torch.__version__`` (wrapped in a version parser or
    not), the literal for a version string; None otherwise."""
    if isinstance(expr, cst.Call) and len(expr.args) == 1:
        func = expr.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if name not in _VERSION_WRAPPERS:
            return None
        expr = expr.args[0].value
    if isinstance(expr, cst.Attribute) and dotted_text(expr) == apis.TORCH_VERSION:
        return "torch"
    value = literal_value(expr)
    return value if isinstance(value, str) else None


def _first_exit(model: ModuleIndex) -> int | None:
    """The place of the first top-level statement that ends the script
    unconditionally (``exit()``, ``sys.exit(0)``, ``raise SystemExit``): what
    follows it at the top level never runs (a debugging ``exit()`` left in a
    script, hsd1503/resnet1d, audit s154)."""
    for i, stmt in enumerate(model.module.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                func = small.value.func
                if (
                    isinstance(func, (cst.Name, cst.Attribute))
                    and model.qualname(func) in apis.SCRIPT_EXITS
                ):
                    return i
            if isinstance(small, cst.Raise) and small.exc is not None:
                raised = small.exc.func if isinstance(small.exc, cst.Call) else small.exc
                if isinstance(raised, cst.Name) and raised.value == "SystemExit":
                    return i
    return None


def _after_exit(model: ModuleIndex) -> frozenset[int]:
    ended = _first_exit(model)
    if ended is None:
        return frozenset()
    return frozenset(id(stmt) for stmt in model.module.body[ended + 1 :])


def unreachable(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """Whether ``node`` is inside a branch its constant test never takes, or
    in a top-level statement after one that ends the script."""
    child, parent = node, model.parents.get(node)
    while parent is not None:
        if parent is model.module:
            return id(child) in model.analysis(_after_exit)
        if type(parent) is cst.If:
            truth = constant_truth(parent.test)
            if truth is not None:
                if child is parent.body and not truth:
                    return True
                if child is parent.orelse and truth:
                    return True
        elif type(parent) is cst.While and child is parent.body:
            if constant_truth(parent.test) is False:
                return True
        child, parent = parent, model.parents.get(parent)
    return False


def dead_store(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """Whether ``node`` is computed only for ``name = ...`` (the line's one
    statement) that the following statements of the same block bind again
    before anything reads ``name``: the value is never used (a log without its
    guard, overwritten two lines later by the guarded one)."""
    child: cst.CSTNode = node
    parent = model.parents.get(child)
    while parent is not None and not isinstance(parent, (cst.Assign, cst.BaseStatement)):
        child, parent = parent, model.parents.get(parent)
    if not isinstance(parent, cst.Assign) or child is not parent.value:
        return False
    if len(parent.targets) != 1 or not isinstance(parent.targets[0].target, cst.Name):
        return False
    name = parent.targets[0].target.value
    line = model.parents.get(parent)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return False
    block = model.parents.get(line)
    body = getattr(block, "body", None)
    if not isinstance(body, (list, tuple)) or line not in body:
        return False
    memo = memo_of(model)
    for later in body[body.index(line) + 1 :]:
        if not names_in(later, name, memo):
            continue
        small = later.body[0] if isinstance(later, cst.SimpleStatementLine) else None
        return (
            isinstance(later, cst.SimpleStatementLine)
            and len(later.body) == 1
            and isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value == name
            and not names_in(small.value, name, memo)
        )
    return False


def old_version_fallback(model: ModuleIndex, call: cst.Call, keyword: str) -> bool:
    """``try: F.softmax(x, dim=1) except: F.softmax(x)``: ``call``, in an
    ``except`` handler, makes the call its ``try`` makes with ``keyword``,
    without it (torch < 0.3 had no ``dim``): it runs only where that fails."""
    handler = model.enclosing(call, cst.ExceptHandler)
    attempt = model.parent(handler) if handler is not None else None
    if not isinstance(attempt, cst.Try):
        return False
    qualname = model.qualname(call.func)
    return qualname is not None and any(
        model.qualname(other.func) == qualname and argument(other, None, keyword) is not None
        for other in calls_in(attempt.body, memo_of(model))
    )
