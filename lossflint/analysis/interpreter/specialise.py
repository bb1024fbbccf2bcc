"""A call that passes a literal to a parameter its callee branches on.

``_make_disc_block(64, 1, last_block=True)`` runs the branch that ends the
block in ``nn.Sigmoid()``; the callee's joined result (every call site's
arguments merged) takes both branches and knows neither. Such a call runs
the callee once more with the literal's branch taken (the engine's
``_specialised``); this module reads, from syntax alone, which arguments are
literals, which parameters the callee tests, and what a test gives.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.interpreter.syntax import argument_names
from lossflint.analysis.walk import nodes_in

#: a parameter tested against more literals than this is a dispatch table,
#: not a flag: the joined result answers
MAX_CONSTANT_PARAMS = 3


def literal_arguments(
    call: cst.Call,
    func: cst.FunctionDef,
    skip: int,
    wanted: frozenset[str],
    known: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The literal (``True``, ``"last"``, ``3``, ``None``) arguments ``call``
    passes to the parameters ``wanted`` of ``func`` (``skip``: leading
    parameters bound by the receiver); the defaults of those it leaves out.
    ``known``: the caller's own parameters that hold a literal of its call
    (``block(x, last=last)`` inside a ``make(last=True)`` run for that call)."""
    names = argument_names(call, func, skip)
    if names is None:
        return {}
    found: dict[str, object] = {}
    for arg, name in zip(call.args, names, strict=True):
        if name is not None and name in wanted:
            value = literal_value(arg.value)
            if value is NotImplemented and known and isinstance(arg.value, cst.Name):
                value = known.get(arg.value.value, NotImplemented)
            if value is not NotImplemented:
                found[name] = value
    given = set(names)
    params = func.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        name = param.name.value
        if name in wanted and name not in given and param.default is not None:
            value = literal_value(param.default)
            if value is not NotImplemented:
                found[name] = value
    return found if len(found) <= MAX_CONSTANT_PARAMS else {}


def tested_parameters(func: cst.FunctionDef, only_params: frozenset[str]) -> frozenset[str]:
    """The parameters ``func`` branches on (``if last:``, ``x if flag else
    y``, ``if mode == "last":``), of ``only_params`` (those bound only as
    parameters: never reassigned in it)."""
    tested: set[str] = set()
    for node in nodes_in(func.body, cst.If, cst.IfExp):
        for inner in nodes_in(node.test, cst.Name):  # type: ignore[attr-defined]
            if inner.value in only_params:  # type: ignore[attr-defined]
                tested.add(inner.value)  # type: ignore[attr-defined]
    return frozenset(tested)


def handed_parameters(
    func: cst.FunctionDef, only_params: frozenset[str]
) -> list[tuple[cst.Call, str]]:
    """The calls in ``func`` that hand one of ``only_params`` on as a plain
    name (``conv_output(x, activation=activation)``), with that parameter:
    the callee may branch on it."""
    handed: list[tuple[cst.Call, str]] = []
    for call in nodes_in(func.body, cst.Call):
        for arg in call.args:  # type: ignore[attr-defined]
            if isinstance(arg.value, cst.Name) and arg.value.value in only_params and not arg.star:
                handed.append((call, arg.value.value))  # type: ignore[arg-type]
    return handed


def test_truth(test: cst.BaseExpression, constants: Mapping[str, object]) -> bool | None:
    """What ``test`` gives when the names in ``constants`` hold those
    literals; None when it cannot be told from them."""
    if isinstance(test, cst.Name):
        if test.value in constants:
            return bool(constants[test.value])
        return None
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = test_truth(test.expression, constants)
        return None if inner is None else not inner
    if isinstance(test, cst.BooleanOperation):
        left = test_truth(test.left, constants)
        right = test_truth(test.right, constants)
        if isinstance(test.operator, cst.And):
            if left is False or right is False:
                return False
            return True if left and right else None
        if left is True or right is True:
            return True
        return False if left is False and right is False else None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        sides = (test.left, target.comparator)
        names = [s for s in sides if isinstance(s, cst.Name) and s.value in constants]
        if len(names) != 1:
            return None
        other = sides[1] if sides[0] is names[0] else sides[0]
        literal = literal_value(other)
        if literal is NotImplemented:
            return None
        value = constants[names[0].value]
        operator = target.operator
        if isinstance(operator, (cst.Equal, cst.Is)):
            return bool(value == literal)
        if isinstance(operator, (cst.NotEqual, cst.IsNot)):
            return bool(value != literal)
    return None
