"""Reading call arguments the way Python binds them.

Keywords are asked by their modern (Keras 2+) names and also found under their
Keras 1 spelling (``keyword(call, "units")`` finds ``output_dim=``, ``"epochs"``
finds ``nb_epoch=``; the table is ``apis.LEGACY_KEYWORDS``), whatever the call:
no other framework spells these keywords that way, and the modern name is tried
first. Positions are Keras 2's: ``Convolution2D(32, 3, 3)`` passes its kernel
size as two positional arguments, so nothing may read a convolution's arguments
after the first by position without checking for that form.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.names import dotted_text

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def has_star_args(call: cst.Call) -> bool:
    return any(a.star for a in call.args)


def in_super_arguments(model: ModuleIndex, name: cst.Name) -> bool:
    """``Net`` (or ``self``) in ``super(Net, self)``, Python 2's spelling of
    ``super()``: no use of the class."""
    arg = model.parent(name)
    if not (isinstance(arg, cst.Arg) and arg.value is name):
        return False
    call = model.parent(arg)
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Name)
        and call.func.value == "super"
        and not model.bindings(call.func)
    )


def super_method(call: cst.Call) -> str | None:
    """The method ``super().m(...)`` / ``super(C, self).m(...)`` calls (``m``);
    None for any other call."""
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Call)
        and isinstance(func.value.func, cst.Name)
        and func.value.func.value == "super"
    ):
        return func.attr.value
    return None


def keyword(call: cst.Call, *names: str) -> cst.Arg | None:
    legacy: tuple[str, ...] = ()
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value in names:
                return arg
            legacy = legacy or _legacy(names)
            if arg.keyword.value in legacy:
                found = arg
                # the modern spelling wins if it is given too
                for later in call.args:
                    if later.keyword is not None and later.keyword.value in names:
                        return later
                return found
    return None


_NO_LEGACY = ("",)


@cache
def _legacy(names: tuple[str, ...]) -> tuple[str, ...]:
    """The Keras 1 spellings of ``names`` (a tuple that matches no keyword if none)."""
    found = tuple(old for name in names for old in apis.LEGACY_KEYWORDS.get(name, ()))
    return found or _NO_LEGACY


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


def iterable_index(call: cst.Call) -> int | None:
    """Where in ``call.args`` an iteration wrapper's iterable is: its first
    argument, or ``iterable=`` (``tqdm(iterable=train_loader, desc=...)``,
    ``enumerate(iterable=x)``); None after a ``*args``."""
    for i, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            return i if i == 0 else None
        if arg.keyword.value == "iterable":
            return i
    return None


def argument_node(call: cst.Call, index: int | None, *names: str) -> cst.Arg | None:
    """The ``Arg`` bound to a parameter given by keyword, or by position when
    no argument of the call is starred."""
    found = keyword(call, *names)
    if found is not None:
        return found
    args = positional(call)
    if index is not None and len(args) > index and not any(a.star for a in call.args):
        return args[index]
    return None


def literal_items(container: cst.Dict | cst.Call) -> list[tuple[object, cst.BaseExpression]]:
    """The literal keys of a dict written out (``{"lr": 0.1}``, or the
    keywords of a ``dict(lr=0.1)`` call), with their values."""
    if isinstance(container, cst.Call):
        return [(a.keyword.value, a.value) for a in container.args if a.keyword is not None]
    return [
        (literal_value(item.key), item.value)
        for item in container.elements
        if isinstance(item, cst.DictElement)
    ]


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


def calls_passing(model: ModuleIndex, key: str) -> list[cst.Call | None]:
    """Every call that gets ``key`` (``cfg``, ``self.cfg``) as an argument, as
    written (None where the argument's parent is no call: cannot happen in
    valid syntax, read as "handed to unknown code")."""
    found: list[cst.Call | None] = []
    for arg in model.nodes_of_type(cst.Arg):
        if isinstance(arg, cst.Arg) and dotted_text(arg.value) == key:
            parent = model.parent(arg)
            found.append(parent if isinstance(parent, cst.Call) else None)
    return found


def assigned_to(model: ModuleIndex, call: cst.Call) -> str | None:
    """The one target ``call`` is assigned to, as dotted text (``scaler = ...``,
    ``self.net: Net = ...``); None for anything else."""
    parent = model.parent(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        return dotted_text(parent.targets[0].target)
    if isinstance(parent, cst.AnnAssign) and parent.value is call:
        return dotted_text(parent.target)
    return None
