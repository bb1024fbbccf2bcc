"""Calls of models converted to float16 with ``.half()`` (LF312).

A model converted in a function and called in the same one (``net =
Net().cuda().half()`` then ``net(x.half())``), or handed by that function
to a same-file function that calls it (akamaster/pytorch_resnet_cifar10:
``main()`` runs ``model.half()`` and ``train(loader, model, ...)`` calls
``model(input_var)``): its outputs are float16."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.contexts import contexts
from lossflint.analysis.interpreter.syntax import (
    arguments_by_param,
    filled_positionally,
    param_names,
)
from lossflint.analysis.loops import loops
from lossflint.analysis.names import dotted_text

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def half_model_calls(model: SemanticModel) -> set[cst.Call]:
    ctx = contexts(model)
    found: set[cst.Call] = set()
    if not ctx.half_models:
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


def _function_of(model: SemanticModel, node: cst.CSTNode) -> cst.CSTNode:
    found = model.enclosing(node, cst.FunctionDef)
    return found if found is not None else model.module
