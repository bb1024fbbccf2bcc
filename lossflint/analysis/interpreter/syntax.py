"""Reading the syntax the interpreter needs: bodies, parameters, decorators,
match patterns, the owner of a ``nonlocal`` name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from lossflint.analysis.names import Scope


def statements_of(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    if isinstance(body, (list, tuple)):
        return body
    return []


def binding_function(scope: Scope | None, name: str) -> cst.FunctionDef | None:
    """The enclosing function that owns ``name`` (a ``nonlocal`` target)."""
    while scope is not None and scope.parent is not None:
        if scope.kind == "function" and name in scope.bindings:
            return scope.node  # type: ignore[return-value]
        scope = scope.parent
    return None


def param_names(params: cst.Parameters) -> list[str]:
    return [p.name.value for p in (*params.posonly_params, *params.params)] + [
        p.name.value for p in params.kwonly_params
    ]


def param_defaults(params: cst.Parameters) -> dict[str, cst.BaseExpression]:
    return {
        p.name.value: p.default
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        if p.default is not None
    }


def decorators(func: cst.FunctionDef) -> set[str]:
    names = set()
    for dec in func.decorators:
        target = dec.decorator
        if isinstance(target, cst.Call):
            target = target.func
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, cst.Attribute):
            names.add(target.attr.value)
    return names


def is_static(func: cst.FunctionDef) -> bool:
    return "staticmethod" in decorators(func)


def is_classmethod(func: cst.FunctionDef) -> bool:
    return "classmethod" in decorators(func)


def irrefutable(case: cst.MatchCase) -> bool:
    pattern = case.pattern
    return case.guard is None and isinstance(pattern, cst.MatchAs) and pattern.pattern is None


def match_names(pattern: cst.MatchPattern) -> list[str]:
    names: list[str] = []

    class _Names(cst.CSTVisitor):
        def visit_MatchAs(self, node: cst.MatchAs) -> None:
            if node.name is not None:
                names.append(node.name.value)

        def visit_MatchStar(self, node: cst.MatchStar) -> None:
            if node.name is not None:
                names.append(node.name.value)

    pattern.visit(_Names())
    return names
