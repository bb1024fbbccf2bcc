"""Lists of layers built before a model is (``layers = []``, appends in a loop,
then ``nn.Sequential(*layers)`` / ``keras.Sequential(layers)``): when the
list's last items can be trusted.

Both interpreters (``kinds`` for torch, ``keras``) track such a list's items;
this module says whether anything else could change the list unseen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.walk import memo_of, names_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
#: list methods that add to the end (the interpreters follow them)
_GROWING = frozenset({"append", "extend"})


def private_list(model: ModuleIndex, name: cst.Name, builders: frozenset[str]) -> bool:
    """Every use of ``name`` in its function (or module) builds the list (an
    assignment, ``+=``, ``append``/``extend``), reads it (``for``, ``len``) or
    hands it to one of ``builders`` (``nn.Sequential(*layers)``): no call,
    alias or nested function can change it unseen."""
    function = model.enclosing(name, *_SCOPES)
    if not isinstance(function, (cst.FunctionDef, type(None))):
        return False
    root = function or model.module
    for node in names_in(root, name.value, memo_of(model)):
        if _not_the_variable(model, node):
            continue
        # a parameter (the caller's list), or a use from a nested function
        if model.enclosing(node, *_SCOPES) is not function:
            return False
        if not _builds_or_reads(model, node, builders):
            return False
    return True


def _not_the_variable(model: ModuleIndex, node: cst.Name) -> bool:
    """The name spelled in ``self.layers`` or ``keras.layers.Dense`` (an
    attribute), or a keyword's name (``Sequential(layers=...)``): no use of
    the variable ``layers``."""
    parent = model.parent(node)
    if isinstance(parent, cst.Attribute):
        return parent.attr is node
    if isinstance(parent, cst.Arg):
        return parent.keyword is node
    return False


def _builds_or_reads(model: ModuleIndex, node: cst.Name, builders: frozenset[str]) -> bool:
    parent = model.parent(node)
    grand = model.parent(parent) if parent is not None else None
    if isinstance(parent, (cst.AssignTarget, cst.AugAssign)) and parent.target is node:
        return True
    if isinstance(parent, cst.For) and parent.iter is node:
        return True
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return (
            parent.attr.value in _GROWING and isinstance(grand, cst.Call) and grand.func is parent
        )
    if isinstance(parent, cst.Arg) and isinstance(grand, cst.Call):
        qualname = model.qualname(grand.func)
        if qualname == "builtins.len":
            return not parent.star and parent.keyword is None
        return qualname in builders
    return False
