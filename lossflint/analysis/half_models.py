"""Calls of models converted to float16 with ``.half()`` (LF312).

A model converted in a function and called in the same one (``net =
Net().cuda().half()`` then ``net(x.half())``), or handed by that function
to a same-file function that calls it (akamaster/pytorch_resnet_cifar10:
``main()`` runs ``model.half()`` and ``train(loader, model, ...)`` calls
``model(input_var)``), or handed back by a same-file factory every return
of which is a converted model (cifar10-airbench's ``make_net()``): its
outputs are float16."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import assigned_to
from lossflint.analysis.contexts import contexts
from lossflint.analysis.interpreter.syntax import (
    arguments_by_param,
    filled_positionally,
    param_names,
)
from lossflint.analysis.loops import loops
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import Instance, Layer, Sequential
from lossflint.analysis.walk import own_returns

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def half_model_calls(model: SemanticModel) -> set[cst.Call]:
    ctx = contexts(model)
    found: set[cst.Call] = set()
    if not ctx.half_models and next(ctx.half_conversions(), None) is None:
        return found
    converted: set[tuple[cst.CSTNode, str]] = set()
    for site in ctx.half_conversions():  # not ``model.to(device)``: that stays fp32
        func = site.node.func
        assert isinstance(func, cst.Attribute)
        parent = model.parent(site.node)
        key = dotted_text(func.value)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            key = dotted_text(parent.targets[0].target)
        if key is not None and key in ctx.half_models:
            converted.add((_function_of(model, site.node), key))
    converted |= _returned(model, converted)
    converted |= _handed_on(model, converted)
    for site in model.calls:
        key = dotted_text(site.node.func)
        if key is not None and (_function_of(model, site.node), key) in converted:
            found.add(site.node)
    return found


def _handed_on(
    model: SemanticModel, converted: set[tuple[cst.CSTNode, str]]
) -> set[tuple[cst.CSTNode, str]]:
    """(function, parameter) for a converted model a call of its function
    passes to a same-file function, positionally or by keyword."""
    index = loops(model)
    found: set[tuple[cst.CSTNode, str]] = set()
    for site in model.calls:
        call = site.node
        if any(a.star for a in call.args):
            continue
        where = _function_of(model, call)
        if not any((where, dotted_text(arg.value) or "") in converted for arg in call.args):
            continue
        callee = index.resolve_function(call)
        if callee is None:
            continue
        params = param_names(callee.params)
        for name, arg in (
            arguments_by_param(call, filled_positionally(callee, call)) or {}
        ).items():
            if (where, dotted_text(arg.value) or "") in converted and name in params:
                found.add((callee, name))
    return found


def _returned(
    model: SemanticModel, converted: set[tuple[cst.CSTNode, str]]
) -> set[tuple[cst.CSTNode, str]]:
    """(function, name) for ``model = make_net()`` of a same-file factory
    every return of which hands back a converted model: ``net = net.half()
    .cuda(); return net``, or ``return net.half().cuda()`` of a module it
    built (cifar10-airbench, audit s164)."""
    factories: set[cst.FunctionDef] = set()
    for func in {f for f, _ in converted if isinstance(f, cst.FunctionDef)} | _half_returners(
        model
    ):
        returns = [r.value for r in own_returns(func)]
        if returns and all(
            (isinstance(v, cst.Name) and (func, v.value) in converted)
            or _converted_module(model, v)
            for v in returns
        ):
            factories.add(func)
    if not factories:
        return set()
    index = loops(model)
    found: set[tuple[cst.CSTNode, str]] = set()
    for site in model.calls:
        if index.resolve_function(site.node) not in factories:
            continue
        target = assigned_to(model, site.node)
        if target is not None:
            found.add((_function_of(model, site.node), target))
    return found


def _half_returners(model: SemanticModel) -> set[cst.FunctionDef]:
    """Functions with a ``return`` holding a ``.half()`` call."""
    found: set[cst.FunctionDef] = set()
    for site in contexts(model).half_conversions():
        ret = model.enclosing(site.node, cst.Return, cst.FunctionDef)
        if isinstance(ret, cst.Return):
            func = model.enclosing(ret, cst.FunctionDef)
            if isinstance(func, cst.FunctionDef):
                found.add(func)
    return found


def _converted_module(model: SemanticModel, value: cst.BaseExpression | None) -> bool:
    """``net.half().cuda()`` (moves after the conversion kept) of a module."""
    while (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in apis.DEVICE_MOVES
    ):
        value = value.func.value
    if not (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "half"
        and not value.args
    ):
        return False
    return isinstance(model.value(value.func.value), (Sequential, Instance, Layer))


def _function_of(model: SemanticModel, node: cst.CSTNode) -> cst.CSTNode:
    found = model.enclosing(node, cst.FunctionDef)
    return found if found is not None else model.module
