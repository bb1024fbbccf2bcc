"""LF306 loss-accumulated-with-graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.contexts import contexts
from lossflint.analysis.loops import (
    LoopIndex,
    dotted,
    loops,
)
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import (
    Applicability,
    Finding,
    FixSpec,
    NodeEdit,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.common import CE_TRAIN, TRAIN
from lossflint.rules.training_loop.fixes import method_call

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


_DETACHING = frozenset({"item", "detach", "tolist", "numpy", "detach_"})


class LossAccumulatedWithGraph(Rule):
    code = "LF306"
    name = "loss-accumulated-with-graph"
    severity = Severity.WARNING
    summary = "a loss that requires grad accumulated across iterations (`+=` / `append`)"
    fix_kind = "safe"
    needs = ("backward",)
    what = """
Flags `total += loss` and `losses.append(loss)` inside a training loop (a loop with
`backward()`) when the value is a loss still attached to the autograd graph (the
result of a loss call, or arithmetic on one; not `.item()`/`.detach()`), outside
`no_grad()`, and the accumulator is never itself back-propagated.
"""
    why = """
A loss tensor keeps a reference to its whole autograd graph (every activation saved
for backward). Adding it to a running total or a list keeps all iterations' graphs
alive: memory grows every batch until the process runs out of memory.
"""
    example = """
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    running_loss += loss          # LF306: keeps every graph alive
    running_loss += loss.item()   # a Python float
"""
    fix_safety = """
Safe: `+= loss` becomes `+= loss.item()` (or `loss.detach()` when the accumulator is
used as a tensor later in the function) and `append(loss)` becomes
`append(loss.detach())`. The values are identical; only the graph is dropped, and it
was not used (the accumulator is never back-propagated).
"""
    INVALID = [
        Invalid(
            CE_TRAIN
            + "        optimizer.zero_grad()\n        loss = F.cross_entropy(model(x), y)\n"
            "        loss.backward()\n        optimizer.step()\n        total += loss\n"
            "    return total / len(loader)\n",
            11,
            9,
            fixed=CE_TRAIN
            + "        optimizer.zero_grad()\n        loss = F.cross_entropy(model(x), y)\n"
            "        loss.backward()\n        optimizer.step()\n        total += loss.item()\n"
            "    return total / len(loader)\n",
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\n\nclass Trainer:\n"
            "    def fit(self, loader):\n        self.history = []\n"
            "        for x, y in loader:\n            self.opt.zero_grad()\n"
            "            loss = F.cross_entropy(self.model(x), y)\n            loss.backward()\n"
            "            self.opt.step()\n            self.history.append(loss)\n",
            12,
            13,
            fixed="import torch\nimport torch.nn.functional as F\n\nclass Trainer:\n"
            "    def fit(self, loader):\n        self.history = []\n"
            "        for x, y in loader:\n            self.opt.zero_grad()\n"
            "            loss = F.cross_entropy(self.model(x), y)\n            loss.backward()\n"
            "            self.opt.step()\n            self.history.append(loss.detach())\n",
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\nmodel = torch.nn.Linear(4, 1)\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(3):\n"
            "    epoch_loss = torch.zeros(())\n    for x, y in data:\n        opt.zero_grad()\n"
            "        loss = F.mse_loss(model(x), y)\n        loss.backward()\n        opt.step()\n"
            "        epoch_loss += loss * x.size(0)\n    print(epoch_loss.item())\n",
            12,
            9,
            fixed="import torch\nimport torch.nn.functional as F\nmodel = torch.nn.Linear(4, 1)\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(3):\n"
            "    epoch_loss = torch.zeros(())\n    for x, y in data:\n        opt.zero_grad()\n"
            "        loss = F.mse_loss(model(x), y)\n        loss.backward()\n        opt.step()\n"
            "        epoch_loss += (loss * x.size(0)).detach()\n    print(epoch_loss.item())\n",
        ),
    ]
    VALID = [
        # .item() accumulation
        TRAIN.replace("    for x, y", "    total = 0.0\n    for x, y")
        + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n        optimizer.step()\n        total += loss.item()\n",
        TRAIN.replace("    for x, y", "    losses = []\n    for x, y")
        + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n        optimizer.step()\n"
        "        losses.append(loss.detach())\n",
        # validation under no_grad: no graph
        "import torch\nimport torch.nn.functional as F\n\n"
        "def evaluate(model, loader):\n    total = 0\n    with torch.no_grad():\n"
        "        for x, y in loader:\n            total += F.cross_entropy(model(x), y)\n"
        "    return total\n",
        # the accumulated loss is back-propagated (accumulation by summation)
        "import torch.nn.functional as F\n\ndef fit(model, chunks, y, optimizer):\n"
        "    for epoch in range(10):\n        total = 0\n        for c in chunks:\n"
        "            total += F.mse_loss(model(c), y)\n        total.backward()\n"
        "        optimizer.step()\n        optimizer.zero_grad()\n",
        # summing loss terms in a loop with no backward in it
        "import torch.nn.functional as F\n\ndef multi_head_loss(outputs, targets):\n"
        "    total = 0\n    for out, t in zip(outputs, targets):\n"
        "        total += F.cross_entropy(out, t)\n    return total\n",
        # losses collected, stacked and back-propagated
        "import torch\nimport torch.nn.functional as F\n\ndef fit(model, batches, opt):\n"
        "    for step in range(100):\n        losses = []\n        for x, y in batches:\n"
        "            losses.append(F.mse_loss(model(x), y))\n"
        "        torch.stack(losses).mean().backward()\n        opt.step()\n        opt.zero_grad()\n",
        # a validation loss computed under no_grad, summed outside the block
        CE_TRAIN
        + "        optimizer.zero_grad()\n        F.cross_entropy(model(x), y).backward()\n"
        "        optimizer.step()\n        with torch.no_grad():\n"
        "            val_loss = F.cross_entropy(model(x), y)\n        total += val_loss\n",
        # float() also detaches
        TRAIN.replace("    for x, y", "    total = 0.0\n    for x, y")
        + "        optimizer.zero_grad()\n        loss = criterion(model(x), y)\n"
        "        loss.backward()\n        optimizer.step()\n        total += float(loss)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        ctx = contexts(model)
        training_loops = {lp.node for lp in index.loops if lp.is_training}
        if not training_loops:
            return
        seen: set[int] = set()
        candidates: list[cst.CSTNode] = [
            node
            for node in model.parents
            if type(node) is cst.AugAssign and type(node.operator) is cst.AddAssign
        ]
        candidates += [site.node for site in model.method_calls("append")]
        for node in candidates:
            if isinstance(node, cst.AugAssign):
                accumulator = dotted(node.target)
                value = node.value
                report: cst.CSTNode = node
            elif (
                isinstance(node, cst.Call)
                and len(node.args) == 1
                and node.args[0].keyword is None
                and not node.args[0].star
                and isinstance(node.func, cst.Attribute)
            ):
                accumulator = dotted(node.func.value)
                value = node.args[0].value
                report = node
            else:
                continue
            if accumulator is None or id(node) in seen:
                continue
            enclosing = index.enclosing_loops(node)
            if not any(lp.node in training_loops for lp in enclosing):
                continue
            if not self._attached_loss(model, value) or ctx.in_no_grad(node):
                continue
            if isinstance(value, cst.Name):
                # `val_loss = crit(...)` computed under no_grad, accumulated outside it
                values = [b.node for b in model.bindings(value) or [] if b.kind == "assign"]
                if values and all(v is not None and ctx.in_no_grad(v) for v in values):
                    continue
            if self._backpropagated(model, index, node, accumulator):
                continue
            seen.add(id(node))
            yield self._finding(model, node, report, accumulator, value)

    @staticmethod
    def _attached_loss(model: SemanticModel, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            if value.func.attr.value in _DETACHING:
                return False
        found = model.value(value)
        return isinstance(found, Tensor) and found.kind is apis.Kind.LOSS

    @staticmethod
    def _backpropagated(
        model: SemanticModel, index: LoopIndex, node: cst.CSTNode, accumulator: str
    ) -> bool:
        scope = model.scope_of(node)
        root = accumulator.split(".")[0]
        for event in index.events:
            if event.kind != "backward" or event.loss is None:
                continue
            if model.scope_of(event.node) is not scope:
                continue
            if _mentions(event.loss, accumulator, root):
                return True
            # a name bound from the accumulator: `loss = sum(losses); loss.backward()`
            if isinstance(event.loss, cst.Name):
                for binding in model.bindings(event.loss) or []:
                    if isinstance(binding.node, cst.BaseExpression) and _mentions(
                        binding.node, accumulator, root
                    ):
                        return True
        return False

    def _finding(
        self,
        model: SemanticModel,
        node: cst.CSTNode,
        report: cst.CSTNode,
        accumulator: str,
        value: cst.BaseExpression,
    ) -> Finding:
        if isinstance(node, cst.AugAssign):
            method = "detach" if _used_as_tensor(model, node, accumulator) else "item"
            new: cst.CSTNode = node.with_changes(value=method_call(value, method))
            what = f"`{accumulator} += ...`"
        else:
            assert isinstance(node, cst.Call)
            method = "detach"
            new = node.with_changes(
                args=[node.args[0].with_changes(value=method_call(value, "detach"))]
            )
            what = f"`{accumulator}.append(...)`"
        evidence = model.kinds.describe(model.value(value))
        source = f" (the loss from {evidence})" if evidence else ""
        return Finding(
            report,
            f"{what} keeps the autograd graph of every iteration alive{source}: memory "
            f"grows until OOM; accumulate `.{method}()` instead",
            fix=FixSpec(
                Applicability.SAFE,
                f"accumulate `.{method}()`",
                (NodeEdit(node, new),),
            ),
        )


def _mentions(expr: cst.CSTNode, key: str, root: str) -> bool:
    found = False

    class _Find(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> bool:
            nonlocal found
            if node.value == root and "." not in key:
                found = True
            return False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            nonlocal found
            if dotted(node) == key:
                found = True
                return False
            return True

    expr.visit(_Find())
    return found


def _used_as_tensor(model: SemanticModel, node: cst.CSTNode, accumulator: str) -> bool:
    """``acc.item()`` / ``acc.cpu()`` / ``torch.zeros`` init: the accumulator is a tensor."""
    scope = model.scope_of(node)
    for other in model.parents:
        if isinstance(other, cst.Attribute) and dotted(other.value) == accumulator:
            if model.scope_of(other) is scope and other is not node:
                return True
    return False
