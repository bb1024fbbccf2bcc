"""The functions of one item of a module, for a summary of that item alone.

An item is a top-level class or function (``Net``, ``build``) or a method
(``Net.forward``) (:mod:`lossflint.project.items`). Its summary answers for
the item only, so the analyses of its text work for the item's functions (and
what they call) rather than for every function the item text keeps: a
registry factory's item keeps twenty classes whose methods nobody asked about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.project.context import ONLY_ITEM

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.names import Scope


def only_item(model: ModuleIndex) -> str | None:
    """The item the analysis of ``model`` is for, or None (a whole module)."""
    item = model.options.get(ONLY_ITEM)
    return item if isinstance(item, str) and item else None


def item_functions(model: ModuleIndex, item: str) -> list[cst.FunctionDef]:
    """The functions defined in ``item``: its own, its methods, and those
    nested in them."""
    wanted = item.split(".")
    return [
        node
        for node in model.scopes
        if isinstance(node, cst.FunctionDef) and path_of(model, node)[: len(wanted)] == wanted
    ]


def path_of(model: ModuleIndex, func: cst.FunctionDef) -> list[str]:
    """``["Net", "forward", "inner"]`` for ``inner`` nested in ``Net.forward``."""
    path: list[str] = []
    scope: Scope | None = model.scopes[func]
    while scope is not None and scope.parent is not None:
        node = scope.node
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            path.append(node.name.value)
        scope = scope.parent
    return path[::-1]
