"""LF312 fp16-without-grad-scaler."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.contexts import ContextIndex, contexts
from lossflint.analysis.loops import (
    dotted,
    loops,
)
from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import TRAIN, calls_in

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class Fp16WithoutGradScaler(Rule):
    code = "LF312"
    name = "fp16-without-grad-scaler"
    severity = Severity.WARNING
    summary = "float16 training (autocast or `.half()`) with `backward()` and no `GradScaler`"
    needs = ("backward",)
    what = """
Flags `loss.backward()` in a function (or module body) that runs float16 autocast
(`torch.cuda.amp.autocast()`, `torch.autocast("cuda")`, `dtype=torch.float16`) or
calls a model converted with `.half()`, when the file has no `GradScaler` and the
backward is not `scaler.scale(loss).backward()`. bfloat16 autocast (the CPU default)
needs no scaler and is not reported; neither is `accelerator.backward(loss)`, which
scales by itself.
"""
    why = """
float16 has 5 exponent bits: gradients below ~6e-8 round to 0 and those below ~6e-5
lose precision. Without loss scaling many small gradients underflow, parts of the
model stop learning, and the loss stalls (or the fp16 weights overflow to inf).
"""
    example = """
with torch.autocast("cuda"):
    loss = criterion(model(x), y)
loss.backward()                      # LF312
scaler.scale(loss).backward()        # with scaler = torch.amp.GradScaler("cuda")
"""
    INVALID = [
        Invalid(
            TRAIN + "        optimizer.zero_grad()\n"
            "        with torch.cuda.amp.autocast():\n            loss = criterion(model(x), y)\n"
            "        loss.backward()\n        optimizer.step()\n",
            8,
            9,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(4, 1).cuda()\n"
            "opt = torch.optim.Adam(model.parameters())\nfor x, y in data:\n"
            "    opt.zero_grad()\n    with torch.autocast('cuda'):\n"
            "        loss = ((model(x) - y) ** 2).mean()\n    loss.backward()\n    opt.step()\n",
            8,
            5,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def fit(self, model, loader, opt):\n"
            "        model = model.half()\n        for x, y in loader:\n"
            "            opt.zero_grad()\n            loss = (model(x.half()) - y).abs().mean()\n"
            "            loss.backward()\n            opt.step()\n",
            9,
            13,
        ),
        Invalid(
            "import torch\n\ndef step(model, x, opt):\n"
            "    with torch.autocast(device_type='cpu', dtype=torch.float16):\n"
            "        loss = model(x).mean()\n    loss.backward()\n    opt.step()\n",
            6,
            5,
        ),
    ]
    VALID = [
        "import torch\nscaler = torch.cuda.amp.GradScaler()\n\n"
        "def fit(model, loader, opt):\n    for x, y in loader:\n        opt.zero_grad()\n"
        "        with torch.cuda.amp.autocast():\n            loss = model(x, y)\n"
        "        scaler.scale(loss).backward()\n        scaler.step(opt)\n        scaler.update()\n",
        # bfloat16 needs no scaler
        "import torch\n\ndef fit(model, loader, opt):\n    for x, y in loader:\n"
        "        with torch.autocast('cuda', dtype=torch.bfloat16):\n"
        "            loss = model(x, y)\n        loss.backward()\n        opt.step()\n"
        "        opt.zero_grad()\n",
        # CPU autocast defaults to bfloat16
        "import torch\n\ndef fit(model, x, opt):\n    with torch.autocast('cpu'):\n"
        "        loss = model(x).mean()\n    loss.backward()\n    opt.step()\n",
        # disabled autocast
        "import torch\n\ndef fit(model, x, opt):\n    with torch.cuda.amp.autocast(enabled=False):\n"
        "        loss = model(x).mean()\n    loss.backward()\n    opt.step()\n",
        # accelerate scales the loss itself
        "import torch\n\ndef fit(model, x, opt, accelerator):\n"
        "    with torch.autocast('cuda'):\n        loss = model(x).mean()\n"
        "    accelerator.backward(loss)\n    opt.step()\n",
        # the scaler comes in as a parameter
        "import torch\n\ndef fit(model, x, opt, scaler):\n    with torch.autocast('cuda'):\n"
        "        loss = model(x).mean()\n    scaler.scale(loss).backward()\n"
        "    scaler.step(opt)\n    scaler.update()\n",
        # fp32 training, fp16 autocast only for the evaluation in the same function
        "import torch\n\ndef main(model, loader, opt):\n    for epoch in range(3):\n"
        "        for x in loader:\n            loss = model(x).mean()\n"
        "            loss.backward()\n            opt.step()\n            opt.zero_grad()\n"
        "        with torch.no_grad(), torch.autocast('cuda'):\n            acc = model(x)\n",
        # converted to half for export in another function
        "import torch\n\ndef export(model):\n    model.half()\n    torch.save(model, 'm.pt')\n\n"
        "def fit(model, x, opt):\n    loss = model(x).mean()\n    loss.backward()\n    opt.step()\n",
        # inference only under fp16
        "import torch\n\ndef predict(model, x):\n    with torch.autocast('cuda'):\n"
        "        return model(x)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        if ctx.has_grad_scaler():
            return
        half_calls: set[cst.Call] = set()
        if ctx.half_models:
            # a model converted with .half() in a function and called in the same one
            converted: set[tuple[cst.CSTNode, str]] = set()
            for site in model.method_calls("half", "to"):
                func = site.node.func
                assert isinstance(func, cst.Attribute)
                parent = model.parent(site.node)
                key = dotted(func.value)
                if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
                    key = dotted(parent.targets[0].target)
                if key is not None and key in ctx.half_models:
                    converted.add((_function_of(model, site.node), key))
            for site in model.calls:
                key = dotted(site.node.func)
                if key is not None and (_function_of(model, site.node), key) in converted:
                    half_calls.add(site.node)
        if not half_calls and not any(
            r.dtype == "float16" and r.enabled is not False for r in ctx.autocast_regions()
        ):
            return
        for event in loops(model).events:
            if event.kind != "backward" or event.scaled or event.managed or event.loss is None:
                continue
            evidence = _fp16_evidence(model, ctx, event.loss, half_calls, 0)
            if evidence is None or ctx.has_grad_scaler(event.node):
                continue
            yield Finding(
                event.node,
                "backward() of a float16 forward without a GradScaler: small gradients "
                f"underflow to 0 (float16 at line {model.line_of(evidence)}); use "
                "`scaler.scale(loss).backward()` with `torch.amp.GradScaler`, or bfloat16",
                related=(RelatedNode("the float16 computation", evidence),),
            )


def _fp16_evidence(
    model: SemanticModel,
    ctx: ContextIndex,
    expr: cst.BaseExpression,
    half_calls: set[cst.Call],
    depth: int,
) -> cst.CSTNode | None:
    """Where the loss ``expr`` was computed in float16: the fp16 autocast region
    around it (or around the assignment of the name), or a call of a .half() model
    inside it. Names are followed two levels (``out = model(x)``; ``loss = crit(out)``)."""
    candidates: list[cst.BaseExpression] = [expr]
    if isinstance(expr, cst.Name):
        bindings = model.bindings(expr) or []
        candidates = [
            b.node
            for b in bindings
            if b.kind == "assign" and isinstance(b.node, cst.BaseExpression)
        ]
    for value in candidates:
        region = ctx.autocast_region(value)
        if region is not None and region.dtype == "float16":
            return region.node
        for call in calls_in(value):
            if call in half_calls:
                return call
        if depth < 2:
            for name in _names_nodes(value):
                if name is expr:
                    continue
                found = _fp16_evidence(model, ctx, name, half_calls, depth + 1)
                if found is not None:
                    return found
    return None


def _names_nodes(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

        def visit_Attribute(self, attr: cst.Attribute) -> bool:
            attr.value.visit(self)
            return False  # `x.attr`: the attribute name is not a variable

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False  # keyword names are not variables

    node.visit(_Names())
    return found


def _function_of(model: SemanticModel, node: cst.CSTNode) -> cst.CSTNode:
    found = model.enclosing(node, cst.FunctionDef)
    return found if found is not None else model.module
