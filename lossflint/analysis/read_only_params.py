"""Parameters a same-file function only reads.

``build_loaders(CONFIG)`` reads ``cfg["batch_size"]`` and ``cfg.get("workers")``
and changes nothing: the learning rate the script's ``CONFIG`` literal holds
is still the one the optimiser gets (LF307)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.interpreter.syntax import param_names
from lossflint.analysis.walk import memo_of, names_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: dict methods that only read it
_READING_METHODS = frozenset({"get", "keys", "values", "items", "copy", "__getitem__"})


def only_read(model: ModuleIndex, func: cst.FunctionDef, param: str) -> bool:
    """Every use of ``param`` in ``func`` reads it: an item (``cfg["lr"]``,
    not stored into nor deleted), a reading method (``cfg.get(k)``), a
    membership test (``k in cfg``); never rebound, handed on or changed."""
    if param not in param_names(func.params):
        return False
    for name in names_in(func.body, param, memo_of(model)):
        parent = model.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            continue  # ``self.cfg``: another object's attribute
        if isinstance(parent, cst.Subscript) and parent.value is name:
            holder = model.parent(parent)
            if isinstance(holder, (cst.AssignTarget, cst.AugAssign, cst.Del)):
                return False
            continue
        if isinstance(parent, cst.Attribute) and parent.value is name:
            call = model.parent(parent)
            if parent.attr.value in _READING_METHODS and isinstance(call, cst.Call):
                continue
            return False
        if isinstance(parent, cst.ComparisonTarget):
            continue  # ``"lr" in cfg``
        return False
    return True
