"""LF306 loss-accumulated-with-graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import accumulation
from lossflint.analysis.eval_accumulation import all_graph_leaks
from lossflint.analysis.loops import loops
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.fixes import method_call
from lossflint.rules.training_loop.lf306_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.training_loop.lf306_indexed_examples import INDEXED_INVALID, INDEXED_VALID
from lossflint.rules.training_loop.lf306_term_examples import TERM_INVALID, TERM_VALID
from lossflint.rules.training_loop.lf306_written_out_examples import (
    WRITTEN_OUT_INVALID,
    WRITTEN_OUT_VALID,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class LossAccumulatedWithGraph(Rule):
    code = "LF306"
    name = "loss-accumulated-with-graph"
    severity = Severity.WARNING
    summary = "a loss that requires grad accumulated across iterations (`+=` / `append`)"
    fix_kind = "safe"
    # an evaluation loop names itself (``evaluate``, ``validate``, ``test``) or calls ``.eval()``
    needs = ("backward", "eval", "test", "val")
    what = """
Flags `total += loss` and `losses.append(loss)` (also a store by index,
`losses[i] = loss` at a loop's counter or into a tensor allocated for it,
`buf = torch.zeros(n)`) inside a training loop (a loop with
`backward()`) when the value is a loss still attached to the autograd graph (the
result of a loss call, or arithmetic on one, or a name that `.backward()` is called
on in the same pass of the loop; not `.item()`/`.detach()`/`.data`/`float()`, inline
or through a name bound only to such values, nor arithmetic or elementwise `torch`
calls of values that all have no graph, `loss.detach() + torch.abs(bal.detach())`),
outside `no_grad()`, and the
accumulator is never itself back-propagated. In a step function (an ignite
`train_step`, a manual Lightning `training_step`) the append to a list that
outlives the call (`self.losses`, the enclosing function's list) counts too, and
so does what a loop accumulates of a training step it calls on every pass whose
other events are not sure (`logs = trainer.train_step(x, y)` with a conditional
discriminator update; `total += logs["loss_g"]`). So does an evaluation loop (in a
function that calls `.eval()` or is named for evaluation, trains nothing, and whose
every caller is known and runs it with gradients on) summing a loss of a model's output.
"""
    why = """
A loss tensor keeps a reference to its whole autograd graph (every activation saved
for backward). Adding it to a running total or a list keeps all iterations' graphs
alive: memory grows every batch until the process runs out of memory.
"""
    example = """
    import torch.nn.functional as F


    def train(model, loader, optimizer):
        running_loss = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            running_loss += loss  # error: LF306 (keeps every graph alive)
        return running_loss
    """
    use_instead = """
    import torch.nn.functional as F


    def train(model, loader, optimizer):
        running_loss = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()  # a Python float: no graph
        return running_loss
    """
    references = (
        (
            "PyTorch: torch.Tensor.item",
            "https://pytorch.org/docs/stable/generated/torch.Tensor.item.html",
        ),
        (
            "PyTorch FAQ: my model reports cuda runtime error / memory grows",
            "https://pytorch.org/docs/stable/notes/faq.html#my-model-reports-cuda-runtime-error-2-out-of-memory",
        ),
    )
    fix_safety = """
Safe: `+= loss` becomes `+= loss.item()` (or `loss.detach()` when the accumulator is
used as a tensor later in the function) and `append(loss)` becomes
`append(loss.detach())`. The values are identical; only the graph is dropped, and it
was not used (the accumulator is never back-propagated).
"""
    INVALID = [
        *AUDIT_INVALID,
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            def train(model, loader, optimizer):
                total = 0.0
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = F.cross_entropy(model(x), y)
                    loss.backward()
                    optimizer.step()
                    total += loss  # error: LF306 at `total += loss`
                return total / len(loader)
            """,
            fixed="""
            import torch
            import torch.nn.functional as F

            def train(model, loader, optimizer):
                total = 0.0
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = F.cross_entropy(model(x), y)
                    loss.backward()
                    optimizer.step()
                    total += loss.item()  # error: LF306 at `total += loss`
                return total / len(loader)
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            model = torch.nn.Linear(4, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(3):
                epoch_loss = torch.zeros(())
                for x, y in data:
                    opt.zero_grad()
                    loss = F.mse_loss(model(x), y)
                    loss.backward()
                    opt.step()
                    epoch_loss += loss * x.size(0)  # error: LF306 at `epoch_loss += loss * x.size(0)`
                print(epoch_loss.item())
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            model = torch.nn.Linear(4, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(3):
                epoch_loss = torch.zeros(())
                for x, y in data:
                    opt.zero_grad()
                    loss = F.mse_loss(model(x), y)
                    loss.backward()
                    opt.step()
                    epoch_loss += (loss * x.size(0)).detach()  # error: LF306 at `epoch_loss += loss * x.size(0)`
                print(epoch_loss.item())
            """,
        ),
        *WRITTEN_OUT_INVALID,
        *INDEXED_INVALID,
        *TERM_INVALID,
    ]
    VALID = [
        *AUDIT_VALID,
        *WRITTEN_OUT_VALID,
        *INDEXED_VALID,
        *TERM_VALID,
        # the back-propagated name is rebound to a number before it is summed
        """
        def train_step(model, data_loader, loss_fn, optimizer):
            train_loss = 0
            for X, y in data_loader:
                loss = loss_fn(model(X), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                loss = loss.item()
                train_loss += loss
            return train_loss
        """,
        # .item() accumulation
        """
        import torch

        def train(model, loader, optimizer, criterion):
            total = 0.0
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                total += loss.item()
        """,
        """
        import torch

        def train(model, loader, optimizer, criterion):
            losses = []
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                losses.append(loss.detach())
        """,
        # validation under no_grad: no graph
        """
        import torch
        import torch.nn.functional as F

        def evaluate(model, loader):
            total = 0
            with torch.no_grad():
                for x, y in loader:
                    total += F.cross_entropy(model(x), y)
            return total
        """,
        # the accumulated loss is back-propagated (accumulation by summation)
        """
        import torch.nn.functional as F

        def fit(model, chunks, y, optimizer):
            for epoch in range(10):
                total = 0
                for c in chunks:
                    total += F.mse_loss(model(c), y)
                total.backward()
                optimizer.step()
                optimizer.zero_grad()
        """,
        # summing loss terms in a loop with no backward in it
        """
        import torch.nn.functional as F

        def multi_head_loss(outputs, targets):
            total = 0
            for out, t in zip(outputs, targets):
                total += F.cross_entropy(out, t)
            return total
        """,
        # losses collected, stacked and back-propagated
        """
        import torch
        import torch.nn.functional as F

        def fit(model, batches, opt):
            for step in range(100):
                losses = []
                for x, y in batches:
                    losses.append(F.mse_loss(model(x), y))
                torch.stack(losses).mean().backward()
                opt.step()
                opt.zero_grad()
        """,
        # a validation loss computed under no_grad, summed outside the block
        """
        import torch
        import torch.nn.functional as F

        def train(model, loader, optimizer):
            total = 0.0
            for x, y in loader:
                optimizer.zero_grad()
                F.cross_entropy(model(x), y).backward()
                optimizer.step()
                with torch.no_grad():
                    val_loss = F.cross_entropy(model(x), y)
                total += val_loss
        """,
        # float() also detaches
        """
        import torch

        def train(model, loader, optimizer, criterion):
            total = 0.0
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                total += float(loss)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for leak in all_graph_leaks(model):
            yield _finding(model, leak)


def _finding(model: SemanticModel, leak: accumulation.GraphLeak) -> Finding:
    acc = leak.accumulation
    node, value = acc.node, acc.value
    new: cst.CSTNode
    if isinstance(node, cst.AugAssign) and node.value is not value:
        # ``losses += [loss]``: an append, kept a tensor
        method = "detach"
        listed = node.value
        assert isinstance(listed, (cst.List, cst.Tuple))
        element = listed.elements[0].with_changes(value=method_call(value, method))
        new = node.with_changes(value=listed.with_changes(elements=[element]))
        what = f"`{acc.accumulator} += [...]`"
    elif isinstance(node, cst.AugAssign):
        tensor = accumulation.used_as_tensor(model, node, acc.accumulator)
        method = "detach" if tensor else "item"
        new = node.with_changes(value=method_call(value, method))
        what = f"`{acc.accumulator} += ...`"
    elif isinstance(node, cst.Assign) and acc.indexed:
        # `losses[i] = loss`: the slot keeps the loss and its graph
        method = "detach"
        new = node.with_changes(value=method_call(value, method))
        assert isinstance(node.targets[0].target, cst.Subscript)
        what = f"`{model.code(node.targets[0].target)} = ...`"
    elif isinstance(node, cst.Assign):
        # `total = total + loss`
        tensor = accumulation.used_as_tensor(model, node, acc.accumulator)
        method = "detach" if tensor else "item"
        added = node.value
        assert isinstance(added, cst.BinaryOperation)
        new = node.with_changes(value=added.with_changes(right=method_call(value, method)))
        what = f"`{acc.accumulator} = {acc.accumulator} + ...`"
    elif acc.method is not None:
        # `meter.update(loss, n)`: the method adds the loss into the object
        method = "detach"
        new = node.with_changes(
            args=[
                a.with_changes(value=method_call(value, method)) if a.value is value else a
                for a in node.args
            ]
        )
        owner = acc.accumulator.rsplit(".", 1)[0]
        what = f"`{owner}.{acc.method}(...)` (adding into `{acc.accumulator}`)"
    else:
        method = "detach"
        new = node.with_changes(args=[node.args[0].with_changes(value=method_call(value, method))])
        what = f"`{acc.shown or acc.accumulator}.append(...)`"
    if _items(model, value):
        # a tuple has no ``.detach()``: each attached item needs its own
        return Finding(
            node,
            f"{what} keeps the autograd graph of every iteration alive (it holds "
            f"losses still attached to it): memory grows with every iteration; keep each item's "
            f"`.item()` instead",
        )
    evidence = model.kinds.describe(model.value(value))
    helper = None if leak.by_kind else accumulation.helper_call(model, value)
    source = f" (the loss from {evidence})" if evidence else ""
    if evidence and ".backward()`" in evidence:
        source = f" (back-propagated by {evidence})"  # a loss known by its backward()
    if not evidence and helper is not None:
        source = f" (`{model.code(helper.func)}()` returns the loss it back-propagated)"
    elif not evidence and not leak.by_kind and isinstance(value, cst.Name):
        item = accumulation.backpropagated_item(model, node, value)
        if item is not None:
            # a dict of results: no `.detach()` to add to it
            return Finding(
                node,
                f"{what} keeps the autograd graph of every iteration alive "
                f"(`{model.code(item)}.backward()` is called in this loop): memory grows "
                f"with every iteration; keep `{model.code(item)}.item()` instead of the loss itself",
            )
        whole = accumulation.term_of_backpropagated(model, loops(model), node, value)
        source = (
            f" (`{value.value}` is a term of `{whole.value}`, back-propagated in this loop)"
            if whole is not None and whole.value != value.value
            else f" (`{value.value}` is back-propagated in this loop)"
        )
    elif not evidence and not leak.by_kind:
        name = accumulation.backpropagated_operand(model, loops(model), node, value)
        source = f" (`{name.value}` is back-propagated in this loop)" if name else ""
    advice = " (or evaluate under `torch.no_grad()`)" if leak.evaluating else ""
    return Finding(
        node,
        f"{what} keeps the autograd graph of every iteration alive{source}: memory "
        f"grows with every iteration; accumulate `.{method}()` instead{advice}",
        fix=FixSpec(Applicability.SAFE, f"accumulate `.{method}()`", (NodeEdit(node, new),)),
    )


def _items(model: SemanticModel, value: cst.BaseExpression) -> bool:
    """``(loss, i)``, or a name bound only to such a tuple or list."""
    if isinstance(value, cst.Name):
        bound = [b.node for b in model.bindings(value) or []]
        return bool(bound) and all(isinstance(n, (cst.Tuple, cst.List)) for n in bound)
    return isinstance(value, (cst.Tuple, cst.List))
