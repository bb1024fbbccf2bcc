"""Layers a class builds only behind an ``__init__`` flag that its
constructions leave off: ``if norm: net.append(nn.BatchNorm1d(h))`` with
``norm=None`` by default, and ``MLP(6, 5, 512, 3)`` the only construction
(polixir/OfflineRL's ``MLP``, audit s219). The layer is never built, so it
cannot make the model depend on train/eval mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.attribute_constants import only_self_write
from lossflint.analysis.calls import literal_value
from lossflint.analysis.interpreter.syntax import (
    arguments_by_param,
    own_init,
    param_names,
)
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.values import ClassRef
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def built_behind_an_off_flag(
    model: ModuleIndex, cls: cst.ClassDef, node: cst.CSTNode, made_by: cst.Call | None
) -> bool:
    """``node`` lies in the body of an ``if`` of a method of ``cls`` testing a
    parameter that defaults to None/False (``if norm:``, ``if norm == "bn":``,
    ``if norm is not None:``), and the calls leave it so: for ``__init__`` the
    construction (``made_by``; else every construction in this file, at least
    one), for another method its ``self.<method>(...)`` calls in the class."""
    func = model.enclosing(node, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or model.enclosing(func, cst.ClassDef) is not cls:
        return False
    defaults = {
        p.name.value: p.default
        for p in (*func.params.params, *func.params.kwonly_params)
        if p.default is not None and literal_value(p.default) in (None, False)
    }
    if not defaults:
        return False
    if func is not own_init(cls):
        # ``def encoder(self, cin, cout, batchnorm=False)`` called as
        # ``self.encoder(cin, 8)`` (LKU-Net, audit s220): its calls in the class
        calls = _method_calls(model, cls, func.name.value)
    else:
        calls = [made_by] if made_by is not None else _constructions(model, cls)
    child = node
    for ancestor in model.ancestors(node):
        if ancestor is func:
            return False
        if isinstance(ancestor, cst.If) and child is ancestor.body:
            flag = _flag_tested(ancestor.test)
            if flag in defaults and _left_off(func, flag, calls, _kept_off(model, cls, made_by)):
                return True
        child = ancestor
    return False


def _kept_off(
    model: ModuleIndex, cls: cst.ClassDef, made_by: cst.Call | None
) -> Callable[[cst.BaseExpression], bool]:
    """Whether an argument is ``self.<attr>`` that ``__init__`` sets from a
    parameter defaulting to None/False which the class's constructions leave
    so (``batchnorm=self.batchnorm`` of LKU-Net's ``LK_encoder``, audit s220)."""
    init = own_init(cls)

    def off(given: cst.BaseExpression) -> bool:
        if init is None or not (
            isinstance(given, cst.Attribute)
            and isinstance(given.value, cst.Name)
            and given.value.value == "self"
        ):
            return False
        param = _set_from_parameter(model, cls, init, given.attr.value)
        if (
            param is None
            or param.default is None
            or literal_value(param.default) not in (None, False)
        ):
            return False
        calls = [made_by] if made_by is not None else _constructions(model, cls)
        return _left_off(init, param.name.value, calls)

    return off


def _set_from_parameter(
    model: ModuleIndex, cls: cst.ClassDef, init: cst.FunctionDef, attr: str
) -> cst.Param | None:
    """The parameter of ``__init__`` that the file's one ``self.<attr> = <param>``
    stores (``attribute_constants.only_self_write``)."""
    write = only_self_write(model, attr, cls=cls)
    if write is None or not isinstance(write[1], cst.Name):
        return None
    if model.enclosing(write[0], cst.FunctionDef) is not init:
        return None
    bindings = model.bindings(write[1]) or []
    param = bindings[0].node if len(bindings) == 1 else None
    return param if isinstance(param, cst.Param) else None


def _flag_tested(test: cst.BaseExpression) -> str | None:
    """``norm``, ``norm == "bn"``, ``norm is not None``: the name tested so
    that a None/False value skips the arm."""
    if isinstance(test, cst.Name):
        return test.value
    if (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and len(test.comparisons) == 1
    ):
        compare = test.comparisons[0]
        if isinstance(compare.operator, cst.Equal) and isinstance(
            compare.comparator, (cst.SimpleString, cst.Integer)
        ):
            return test.left.value
        if isinstance(compare.operator, cst.IsNot) and literal_value(compare.comparator) is None:
            return test.left.value
    return None


def _left_off(
    func: cst.FunctionDef,
    flag: str,
    calls: list[cst.Call],
    off: Callable[[cst.BaseExpression], bool] | None = None,
) -> bool:
    """Every one of ``calls`` (at least one) leaves ``flag`` None/False (or
    passes a value ``off`` says is so)."""
    if not calls:
        return False
    positional = param_names(func.params)[1:]  # after ``self``
    for call in calls:
        bound = arguments_by_param(call, positional)
        if bound is None:
            return False  # ``MLP(**cfg)``: the flag may be set
        given = bound.get(flag)
        if (
            given is not None
            and literal_value(given.value) not in (None, False)
            and not (off is not None and off(given.value))
        ):
            return False
    return True


def _constructions(model: ModuleIndex, cls: cst.ClassDef) -> list[cst.Call]:
    kinds = kinds_of(model)
    return [
        site.node
        for site in model.calls
        if isinstance(site.node.func, cst.Name)
        and site.node.func.value == cls.name.value
        and isinstance(ref := kinds.value_of(site.node.func), ClassRef)
        and ref.cls is cls
    ]


def _method_calls(model: ModuleIndex, cls: cst.ClassDef, name: str) -> list[cst.Call]:
    """``self.<name>(...)`` calls in ``cls``; empty when the method is also
    named otherwise there (passed on, called on another object)."""
    calls: list[cst.Call] = []
    for node in nodes_in(cls, cst.Attribute, memo=memo_of(model)):
        assert isinstance(node, cst.Attribute)
        if node.attr.value != name:
            continue
        parent = model.parent(node)
        if not (
            isinstance(node.value, cst.Name)
            and node.value.value == "self"
            and isinstance(parent, cst.Call)
            and parent.func is node
        ):
            return []
        calls.append(parent)
    return calls
