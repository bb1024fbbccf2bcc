"""Accelerate's accelerator hands back what it is given
(``model, loader = accelerator.prepare(model, loader)``), and so does
Opacus's privacy engine (``model, opt, loader = engine.make_private(module=model,
optimizer=opt, data_loader=loader, ...)``): both interpreters follow the
values through them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import has_star_args
from lossflint.analysis.values import TupleValue

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def passed_through(model: ModuleIndex, call: cst.Call, func: cst.Attribute, args: list[Any]) -> Any:
    """What ``accelerator.prepare(model, loader)`` and the like give back of
    ``args`` (one value per argument, a tuple for several; None: not such a
    call), the receiver being built by ``Accelerator(...)`` here, or a
    parameter named so in a file that builds one."""
    private = apis.PRIVACY_ENGINE_PASS_THROUGH.get(func.attr.value)
    if private is not None:
        return _made_private(model, call, func, args, private)
    how = apis.ACCELERATOR_PASS_THROUGH.get(func.attr.value)
    if how is None or has_star_args(call) or not args:
        return None
    if _accelerator_on_self(model, func.value):
        bindings = None
    elif not isinstance(func.value, cst.Name):
        return None
    else:
        bindings = model.bindings(func.value) or []
    named = isinstance(func.value, cst.Name) and "accelerator" in func.value.value.lower()
    if bindings is not None and (
        not bindings
        or not all(
            (
                b.kind == "assign"
                and isinstance(b.node, cst.Call)
                and model.qualname(b.node.func) in apis.ACCELERATORS
            )
            # ``def evaluate(model, loader, accelerator)`` in a file that builds one
            or (b.kind == "param" and named and _builds_accelerator(model))
            for b in bindings
        )
    ):
        return None
    if how == "each" and len(args) > 1:
        return TupleValue(tuple(args))
    return args[0]


def _builds_accelerator(model: ModuleIndex) -> bool:
    return any(site.qualname in apis.ACCELERATORS for site in model.calls)


def _accelerator_on_self(model: ModuleIndex, receiver: cst.BaseExpression) -> bool:
    """``self.accelerator`` in a file that imports Accelerate's
    ``Accelerator`` (a trainer handed one in its constructor: skorch's
    accelerate example)."""
    return (
        isinstance(receiver, cst.Attribute)
        and isinstance(receiver.value, cst.Name)
        and receiver.value.value == "self"
        and "accelerator" in receiver.attr.value.lower()
        and any(
            binding.kind == "import" and binding.qualname in apis.ACCELERATORS
            for bindings in model.module_scope.bindings.values()
            for binding in bindings
        )
    )


def _made_private(
    model: ModuleIndex, call: cst.Call, func: cst.Attribute, args: list[Any], keys: tuple[str, ...]
) -> Any:
    """``engine.make_private(module=netD, optimizer=opt, data_loader=loader,
    ...)`` of an engine built by ``PrivacyEngine()`` here: the three values
    handed in (Opacus's DCGAN example, audit s228); None for another form (a
    ``criterion=`` makes it return four)."""
    if has_star_args(call) or not isinstance(func.value, cst.Name):
        return None
    bindings = model.bindings(func.value) or []
    if not bindings or not all(
        b.kind == "assign"
        and isinstance(b.node, cst.Call)
        and model.qualname(b.node.func) in apis.PRIVACY_ENGINES
        for b in bindings
    ):
        return None
    by_keyword = {
        arg.keyword.value: value
        for arg, value in zip(call.args, args, strict=False)
        if arg.keyword is not None
    }
    if "criterion" in by_keyword or not all(key in by_keyword for key in keys):
        return None
    return TupleValue(tuple(by_keyword[key] for key in keys))
