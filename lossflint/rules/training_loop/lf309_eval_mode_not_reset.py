"""LF309 eval-mode-not-reset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import argument, has_star_args, literal_value
from lossflint.analysis.contexts import ContextIndex, contexts
from lossflint.analysis.loops import (
    FROZEN_MODEL_HINTS,
    Event,
    Loop,
    LoopIndex,
    dotted,
    loops,
)
from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def _trained_receivers(model: SemanticModel, index: LoopIndex) -> set[str]:
    """Models that are trained in the file: their parameters go to an optimiser,
    they are put in train mode, or cleared with ``model.zero_grad()``."""
    keys: set[str] = set()
    for ctor in index.optimizer_ctors:
        for node in calls_in(ctor.call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in (
                "parameters",
                "named_parameters",
            ):
                key = dotted(func.value)
                if key is not None:
                    keys.add(key)
    for event in index.events:
        if event.kind == "train" and event.receiver is not None:
            keys.add(event.receiver)
    return keys


class EvalModeNotReset(Rule):
    code = "LF309"
    name = "eval-mode-not-reset"
    severity = Severity.ERROR
    summary = "`model.eval()` in the epoch loop and no `model.train()` in that loop"
    needs = ("eval",)
    what = """
Flags `model.eval()` inside an epoch loop (a loop whose body contains the training
iteration, directly or in a nested loop) when nothing in that loop's body (or in a
same-file function it calls) calls `.train()`. Only the trained model counts: one
whose parameters go to an optimiser, that is put in train mode elsewhere, or that
is called with gradients on in the loop (a frozen teacher's `eval()` is fine).
An `eval()` inside a same-file helper the loop calls (`validate(model)`,
`self.evaluate()`) is reported at that `eval()`.
"""
    why = """
`eval()` switches dropout off and makes batch-norm use its running statistics. If
the loop never switches back, every epoch after the first validation trains in eval
mode: no dropout regularisation, frozen batch-norm statistics, and a model that
behaves differently from what the first epoch trained.
"""
    example = """
for epoch in range(epochs):
    model.train()            # the fix: at the top of every epoch
    for x, y in train_loader:
        ...
    model.eval()             # LF309 without the model.train() above
    validate(model)
"""
    INVALID = [
        Invalid(
            "import torch\n\ndef fit(model, loaders, optimizer, criterion):\n"
            "    model.train()\n    for epoch in range(10):\n"
            "        for x, y in loaders['train']:\n            optimizer.zero_grad()\n"
            "            criterion(model(x), y).backward()\n            optimizer.step()\n"
            "        model.eval()\n        with torch.no_grad():\n"
            "            for x, y in loaders['val']:\n                model(x)\n",
            10,
            9,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def __init__(self, net):\n"
            "        self.net = net\n"
            "        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)\n\n"
            "    def fit(self, loader, epochs):\n        for epoch in range(epochs):\n"
            "            for x in loader:\n                self.opt.zero_grad()\n"
            "                self.net(x).mean().backward()\n                self.opt.step()\n"
            "            self.net.eval()\n            self.validate()\n",
            14,
            13,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(20):\n"
            "    for x, y in data:\n        opt.zero_grad()\n"
            "        ((model(x) - y) ** 2).mean().backward()\n        opt.step()\n"
            "    if epoch % 5 == 0:\n        model.eval()\n        print(model(val_x))\n",
            10,
            9,
        ),
        Invalid(
            "import torch\n\ndef validate(net, loader):\n    net.eval()\n"
            "    with torch.no_grad():\n        return [net(x) for x in loader]\n\n"
            "def fit(model, train_loader, val_loader, optimizer):\n    model.train()\n"
            "    for epoch in range(10):\n        for x in train_loader:\n"
            "            optimizer.zero_grad()\n            model(x).mean().backward()\n"
            "            optimizer.step()\n        validate(model, val_loader)\n",
            4,
            5,
        ),
        Invalid(
            "import torch\n\nclass Trainer:\n    def __init__(self, model):\n"
            "        self.model = model\n"
            "        self.opt = torch.optim.Adam(model.parameters())\n\n"
            "    def evaluate(self):\n        self.model.eval()\n\n"
            "    def fit(self, loader):\n        self.model.train()\n"
            "        for epoch in range(5):\n            for x in loader:\n"
            "                self.opt.zero_grad()\n                self.model(x).mean().backward()\n"
            "                self.opt.step()\n            self.evaluate()\n",
            9,
            9,
        ),
    ]
    VALID = [
        # model.train() at the top of each epoch
        "import torch\n\ndef fit(model, loaders, optimizer, criterion):\n"
        "    for epoch in range(10):\n        model.train()\n"
        "        for x, y in loaders['train']:\n            optimizer.zero_grad()\n"
        "            criterion(model(x), y).backward()\n            optimizer.step()\n"
        "        model.eval()\n        validate(model)\n",
        # model.train() after validation
        "import torch\n\ndef fit(model, loader, optimizer):\n    for epoch in range(10):\n"
        "        for x in loader:\n            optimizer.zero_grad()\n"
        "            model(x).mean().backward()\n            optimizer.step()\n"
        "        model.eval()\n        validate(model)\n        model.train()\n",
        # a frozen teacher stays in eval mode
        "import torch\n\ndef distill(student, teacher, loader, optimizer):\n"
        "    student.train()\n    for x in loader:\n        teacher.eval()\n"
        "        with torch.no_grad():\n            t = teacher(x)\n"
        "        optimizer.zero_grad()\n        (student(x) - t).pow(2).mean().backward()\n"
        "        optimizer.step()\n",
        # a frozen model called with gradients on (its output feeds the loss)
        "import torch\n\ndef fit(model, encoder, loader, optimizer):\n"
        "    encoder.requires_grad_(False)\n    model.train()\n    for x in loader:\n"
        "        encoder.eval()\n        optimizer.zero_grad()\n"
        "        model(encoder(x)).mean().backward()\n        optimizer.step()\n",
        # eval after the training loop
        "import torch\n\ndef fit(model, loader, optimizer):\n    model.train()\n"
        "    for epoch in range(10):\n        for x in loader:\n            optimizer.zero_grad()\n"
        "            model(x).mean().backward()\n            optimizer.step()\n"
        "    model.eval()\n",
        # train mode restored by a helper the loop calls
        "import torch\n\ndef train_mode(model):\n    model.train()\n\n"
        "def fit(model, loader, optimizer):\n    for epoch in range(10):\n"
        "        train_mode(model)\n        for x in loader:\n"
        "            optimizer.zero_grad()\n            model(x).mean().backward()\n"
        "            optimizer.step()\n        model.eval()\n",
        # validation-only loop: no training in it
        "import torch\n\ndef evaluate(model, loaders):\n    for loader in loaders:\n"
        "        model.eval()\n        for x in loader:\n            model(x)\n",
        # the validation helper restores train mode itself
        "import torch\n\ndef validate(net, loader):\n    net.eval()\n"
        "    out = [net(x) for x in loader]\n    net.train()\n    return out\n\n"
        "def fit(model, loader, optimizer):\n    for epoch in range(3):\n"
        "        for x in loader:\n            optimizer.zero_grad()\n"
        "            model(x).mean().backward()\n            optimizer.step()\n"
        "        validate(model, loader)\n",
        # the helper evaluates another model
        "import torch\n\ndef validate(net):\n    net.eval()\n\n"
        "def fit(model, ema_model, loader, optimizer):\n    model.train()\n"
        "    for epoch in range(3):\n        for x in loader:\n"
        "            optimizer.zero_grad()\n            model(x).mean().backward()\n"
        "            optimizer.step()\n        validate(ema_model)\n",
        # model.train(mode) with a flag
        "import torch\n\ndef fit(model, loader, optimizer, flag):\n    for epoch in range(3):\n"
        "        model.train(flag)\n        for x in loader:\n            optimizer.zero_grad()\n"
        "            model(x).mean().backward()\n            optimizer.step()\n"
        "        model.eval()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        ctx = contexts(model)
        trained = _trained_receivers(model, index)
        frozen = {
            key
            for site in model.method_calls("requires_grad_")
            if literal_value(argument(site.node, 0, "requires_grad")) is False
            and isinstance(site.node.func, cst.Attribute)
            and (key := dotted(site.node.func.value)) is not None
        }
        reported: set[int] = set()
        for loop in index.loops:
            if not loop.is_training or not any(
                lp.is_iteration for lp in (loop, *loop.descendants())
            ):
                continue
            if loop.has("train", via_calls=True) or any(e.kind == "train" for e in loop.events):
                continue
            if self._has_train_call(loop):
                continue

            def eligible(receiver: str | None, loop: Loop = loop) -> bool:
                if receiver is None:
                    return False
                if receiver in frozen or any(h in receiver.lower() for h in FROZEN_MODEL_HINTS):
                    return False  # a teacher / EMA / target network stays in eval mode
                return receiver in trained or _called_with_grad(model, ctx, loop, receiver)

            direct = [e for e in loop.of("eval") if eligible(e.event.receiver)]
            if direct:
                event = direct[0]
                if id(event.node) in reported:
                    continue
                reported.add(id(event.node))
                receiver = event.event.receiver
                yield Finding(
                    event.node,
                    f"`{receiver}.eval()` inside the epoch loop and no `{receiver}.train()` "
                    "in that loop: after the first evaluation the model keeps training in "
                    "eval mode (no dropout, frozen batch-norm); call "
                    f"`{receiver}.train()` at the top of each epoch",
                )
                continue
            # `validate(model)` / `self.evaluate()` calling `.eval()` on the trained model
            for call, eval_event, receiver in _evals_through_calls(model, index, loop):
                if id(eval_event.node) in reported or not eligible(receiver):
                    continue
                reported.add(id(eval_event.node))
                yield Finding(
                    eval_event.node,
                    f"`{model.code(call.func)}()` puts `{receiver}` in eval mode inside the "
                    f"epoch loop (line {model.line_of(call)}) and nothing in that loop calls "
                    f"`{receiver}.train()`: later epochs train in eval mode (no dropout, "
                    f"frozen batch-norm); call `{receiver}.train()` at the top of each epoch",
                    related=(RelatedNode("the call in the epoch loop", call),),
                )
                break

    @staticmethod
    def _has_train_call(loop: Loop) -> bool:
        # `model.train(flag)` with a non-literal flag is recorded as neither mode
        for call in calls_in(loop.node.body):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "train" and call.args:
                if literal_value(call.args[0].value) is not False:
                    return True
        return False


def _evals_through_calls(
    model: SemanticModel, index: LoopIndex, loop: Loop
) -> Iterator[tuple[cst.Call, Event, str]]:
    """``.eval()`` in a same-file function called from the loop body, with the
    receiver as the loop sees it: ``def validate(net): net.eval()`` called as
    ``validate(model)`` gives "model"; ``self.model.eval()`` in a method called
    as ``self.evaluate()`` stays "self.model"."""
    for call in calls_in(loop.node.body):
        func = index.resolve_function(call)
        if func is None:
            continue
        params = [p.name.value for p in func.params.params]
        is_method = isinstance(call.func, cst.Attribute) and dotted(call.func.value) == "self"
        if is_method and params and params[0] == "self":
            params = params[1:]
        for event in index.events:
            if event.kind != "eval" or event.receiver is None:
                continue
            if model.enclosing(event.node, cst.FunctionDef) is not func:
                continue
            receiver = event.receiver
            if receiver.startswith("self."):
                if not is_method:
                    continue
                yield call, event, receiver
            elif receiver in params and not has_star_args(call):
                position = params.index(receiver)
                argument_expr = argument(call, position, receiver)
                mapped = dotted(argument_expr) if argument_expr is not None else None
                if mapped is not None:
                    yield call, event, mapped


def _called_with_grad(model: SemanticModel, ctx: ContextIndex, loop: Loop, receiver: str) -> bool:
    for call in calls_in(loop.node.body):
        if dotted(call.func) == receiver and not ctx.in_no_grad(call):
            return True
    return False
