"""Keyword arguments handed over in a dict: ``common = dict(model=net,
args=targs)`` then ``Trainer(**common, callbacks=cbs)``.

A call that unpacks such a dict passes exactly its keys, when the dict is
written once (a ``dict(...)`` of keywords or a literal with string keys), in
the scope that owns the name, and that name is used nowhere else than in
``**name`` unpackings: nothing can add, drop or change a key in between.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.numerics import bound_value
from lossflint.analysis.walk import memo_of, names_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

Keywords = tuple[tuple[str, cst.BaseExpression], ...]


def unpacked_keywords(model: ModuleIndex, call: cst.Call) -> Keywords | None:
    """The keywords ``call``'s ``**name`` unpackings pass, in order; None
    when any starred argument is not such a dict (``*args``, ``**kwargs``
    of a parameter, a dict changed or read elsewhere) or ``call`` has none."""
    found: list[tuple[str, cst.BaseExpression]] = []
    starred = False
    for arg in call.args:
        if not arg.star:
            continue
        starred = True
        if arg.star != "**" or not isinstance(arg.value, cst.Name):
            return None
        items = _keyword_dict(model, arg.value)
        if items is None:
            return None
        found.extend(items)
    return tuple(found) if starred else None


def _keyword_dict(model: ModuleIndex, name: cst.Name) -> Keywords | None:
    value = bound_value(model, name)
    if value is None:
        return None
    items = _items(model, value)
    if items is None or not _only_unpacked(model, name):
        return None
    return items


def _items(model: ModuleIndex, value: cst.BaseExpression) -> Keywords | None:
    if isinstance(value, cst.Call) and model.qualname(value.func) == apis.BUILTIN_DICT:
        if not all(a.keyword is not None and not a.star for a in value.args):
            return None
        return tuple((a.keyword.value, a.value) for a in value.args if a.keyword is not None)
    if isinstance(value, cst.Dict):
        items: list[tuple[str, cst.BaseExpression]] = []
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                return None  # ``{**base, ...}``
            key = element.key
            if not isinstance(key, cst.SimpleString) or key.prefix.lower() not in ("", "u"):
                return None
            items.append((key.evaluated_value, element.value))  # type: ignore[arg-type]
        return tuple(items)
    return None


def _only_unpacked(model: ModuleIndex, name: cst.Name) -> bool:
    """Every other mention of ``name``'s binding is a ``**name`` argument."""
    bindings = model.bindings(name)
    for node in names_in(model.module, name.value, memo_of(model)):
        if node is name or model.bindings(node) != bindings:
            continue
        parent = model.parent(node)
        if isinstance(parent, cst.Arg) and parent.star == "**" and parent.value is node:
            continue
        if isinstance(parent, cst.AssignTarget) and parent.target is node:
            continue  # the one binding itself
        return False
    return True
