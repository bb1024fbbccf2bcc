"""Reading call arguments the way Python binds them."""

from __future__ import annotations

import libcst as cst


def positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def has_star_args(call: cst.Call) -> bool:
    return any(a.star for a in call.args)


def keyword(call: cst.Call, *names: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            return arg
    return None


def argument(call: cst.Call, index: int | None, *names: str) -> cst.BaseExpression | None:
    """The expression bound to a parameter given by position and/or keyword."""
    found = keyword(call, *names) if names else None
    if found is not None:
        return found.value
    if index is not None:
        args = positional(call)
        if index < len(args) and not any(a.star for a in call.args[: index + 1]):
            return args[index].value
    return None


def literal_value(expr: cst.BaseExpression | None) -> object:
    """Python value of a simple literal (numbers, strings, True/False/None,
    unary minus); ``NotImplemented`` if it is not one."""
    if expr is None:
        return NotImplemented
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return NotImplemented
    if isinstance(expr, cst.Float):
        try:
            return float(expr.value.replace("_", ""))
        except ValueError:
            return NotImplemented
    if isinstance(expr, cst.SimpleString):
        try:
            return expr.evaluated_value
        except Exception:
            return NotImplemented
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[expr.value]
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = literal_value(expr.expression)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner
    return NotImplemented
