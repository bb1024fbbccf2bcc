"""Small walks over a libcst subtree."""

from __future__ import annotations

import libcst as cst


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call under ``node`` (``node`` included), in source order."""
    found: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(_Calls())
    return found
