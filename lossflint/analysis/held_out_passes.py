"""Evaluations on held-out data inside a training iteration.

A ``no_grad`` pass in the same loop iteration as a ``backward()`` is usually
part of training: a target network's values, a teacher's outputs, an EMA
model's pseudo-labels feed the loss. A full-batch time-series loop is
different: each epoch trains on ``X_train``, then computes the test loss on
``X_test`` under ``no_grad`` (curiousily's COVID-19 forecaster, R46). That
pass is an evaluation (LF603) when

- every positional input of the model call is held-out data by its name
  (``X_test``, ``val_x``, ``batch_val``, ``dev_inputs``), and
- nothing the pass assigns reaches the loss that the iteration
  backpropagates (followed back through the loop's assignments).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis.data_flow import trains_in_loop
from lossflint.analysis.names import bound_by, name_words
from lossflint.analysis.reaching import binding_loop, reaching_assignment, reaching_line
from lossflint.analysis.walk import calls_in, memo_of, names_in, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.loops import LoopIndex

#: name parts that say "not the training data"
_HELD_OUT = frozenset({"test", "val", "valid", "validation", "dev", "holdout", "heldout"})
_PART = re.compile(r"[a-z]+|[0-9]+")
#: how many assignments back the loss is followed
_DEPTH = 4


def held_out_pass(
    model: ModuleIndex, index: LoopIndex, region: cst.CSTNode, call: cst.Call
) -> bool:
    """``call`` (a model call in the grad-off ``region``) evaluates held-out
    data in a loop whose iterations backpropagate, and the region feeds none
    of those losses."""
    inputs = [
        a.value
        for a in call.args
        if a.keyword is None and not a.star and not _plain_constant(a.value)
    ]
    if not inputs or not all(_held_out(model, expr) for expr in inputs):
        return False
    assigned = _assigned_in(model, region)
    trained = False
    for loop in index.enclosing_loops(call):
        for event in loop.events:
            if event.kind != "backward" or event.nested:
                continue
            trained = True
            loss = event.event.loss
            if event.chain or event.event.origin is not None or loss is None:
                return False  # a backward in a helper: what its loss reads is out of sight
            if _reads_any(model, loss, assigned, _DEPTH, region):
                return False
    return trained


def own_held_out_loop(model: ModuleIndex, index: LoopIndex, call: cst.Call) -> bool:
    """``call`` runs in a loop of its own function over held-out data that
    backpropagates nothing (``for x, y in val_dl:`` in an ``evaluate(model,
    val_dl)`` the training batch loop calls: a pass over the validation set,
    not a metric of the training batch; eagle705's BERT-CRF, audit s187)."""
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.While)):
            return False
        if isinstance(ancestor, cst.For):
            # (a loop with a backward of its own is in the index with it)
            trains = any(
                event.kind == "backward"
                for loop in index.enclosing_loops(call)
                if loop.node is ancestor
                for event in loop.events
            )
            return not trains and _held_out(model, ancestor.iter)
    return False


def _plain_constant(expr: cst.BaseExpression) -> bool:
    """``None`` (no hidden state), a number or a string: no data."""
    return (isinstance(expr, cst.Name) and expr.value in ("None", "True", "False")) or isinstance(
        expr, (cst.BaseNumber, cst.SimpleString)
    )


def _held_out(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> bool:
    names = [cast(cst.Name, n) for n in nodes_in(expr, cst.Name, memo=memo_of(model))]
    return bool(names) and any(
        _held_out_word(name.value)
        or _drawn_from_held_out(model, name)
        or (depth > 0 and _assigned_held_out(model, name, depth - 1))
        for name in names
    )


def _assigned_held_out(model: ModuleIndex, name: cst.Name, depth: int) -> bool:
    """``tx`` of ``tx, ty = test.next_batch(bs)`` then ``tx = torch.tensor(tx)``
    (audit s165): bound last, on every path, from a call reading held-out data."""
    line = reaching_line(model, name)
    if line is None:
        return False
    for small in line.body:
        if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
            if _held_out(model, small.value, depth):
                return True
    return False


def _drawn_from_held_out(model: ModuleIndex, name: cst.Name) -> bool:
    """``vx`` of ``for vx, vy in val_batches:``: a batch of held-out data."""
    loop = binding_loop(model, name, rebound=True)
    return loop is not None and any(
        _held_out_word(cast(cst.Name, n).value)
        for n in nodes_in(loop.iter, cst.Name, memo=memo_of(model))
    )


def _held_out_word(name: str) -> bool:
    parts = [part for word in name_words(name) for part in _PART.findall(word)]
    return any(
        part in _HELD_OUT
        or (len(part) == 5 and part[0] in "xy" and part[1:] == "test")
        or any(part.startswith(word) and part[len(word) :] in _DATA_WORDS for word in _HELD_OUT)
        for part in parts
    )


#: what follows a held-out word run together with it (``testloader``, ``valset``)
_DATA_WORDS = frozenset({"loader", "set", "data", "dataset", "dl", "ds", "batches", "x", "y"})


def _assigned_in(model: ModuleIndex, region: cst.CSTNode) -> set[str]:
    found: set[str] = set()
    for target in nodes_in(region, cst.AssignTarget, memo=memo_of(model)):
        for name in nodes_in(target, cst.Name, memo=memo_of(model)):
            found.add(cast(cst.Name, name).value)
    for node in nodes_in(region, cst.AugAssign, memo=memo_of(model)):
        augmented = cast(cst.AugAssign, node).target
        if isinstance(augmented, cst.Name):
            found.add(augmented.value)
    return found


def _reads_any(
    model: ModuleIndex,
    expr: cst.BaseExpression,
    names: set[str],
    depth: int,
    region: cst.CSTNode,
) -> bool:
    """``expr`` reads one of ``names`` as the pass ``region`` binds them,
    directly or through the plain assignments that reach its names (``depth``
    steps back); a name whose value is not certain counts as reading them.
    A name the pass also binds but that an assignment outside it surely
    reaches (``output`` of the training step, reused by the pass) is that
    assignment's."""
    for node in nodes_in(expr, cst.Name, memo=memo_of(model)):
        use = cast(cst.Name, node)
        if depth <= 0 or not model.bindings(use):
            if use.value in names:
                return True
            continue
        if any(b.kind in ("import", "def", "class") for b in model.bindings(use) or ()):
            continue
        if _outer_name(model, use):
            continue  # a module's ``device``: not what the pass binds in the function
        value = reaching_assignment(model, use)
        line = reaching_line(model, use)
        if use.value in names and (line is None or any(a is region for a in model.ancestors(line))):
            return True
        if value is None and line is not None:
            # ``output, h = net(x)``: what the unpacked call reads
            value = next(
                (
                    small.value
                    for small in line.body
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None
                ),
                None,
            )
        if value is None:
            loop = binding_loop(model, use) or _moved_batch_loop(model, use)
            if loop is not None and not any(a is region for a in model.ancestors(loop)):
                # ``y`` of the training loop's ``for x, y in batches:``
                if _reads_any(model, loop.iter, names, depth - 1, region):
                    return True
                continue
            if any(b.kind != "param" for b in model.bindings(use) or ()):
                return True  # bound in a loop or a branch: unknown
            continue
        if _reads_any(model, value, names, depth - 1, region):
            return True
    return False


def _outer_name(model: ModuleIndex, use: cst.Name) -> bool:
    """``use`` reads, in a function, a name the function never binds (nor
    declares ``global``/``nonlocal``): the enclosing scope's, which the
    function's pass cannot have written (audit s162: a module-level
    ``device`` in ``classifier(real.to(device))``)."""
    scope = model.scope_of(use)
    ident = use.value
    return (
        scope.kind in ("function", "lambda")
        and ident not in scope.bindings
        and ident not in scope.globals
        and ident not in scope.nonlocals
    )


def _moved_batch_loop(model: ModuleIndex, use: cst.Name) -> cst.For | None:
    """The ``for`` whose target binds ``use`` when the loop's body binds it
    again only from itself (``real = real.to(device)``): every value it
    holds is the loop's batch."""
    loop = binding_loop(model, use, rebound=True)
    if loop is None:
        return None
    name, memo = use.value, memo_of(model)
    for node in nodes_in(loop.body, cst.Assign, cst.AugAssign, cst.For, cst.With, memo=memo):
        if isinstance(node, cst.Assign):
            if any(name in bound_by(t.target) for t in node.targets) and not names_in(
                node.value, name, memo
            ):
                return None  # bound to something else
        elif isinstance(node, cst.With):
            if any(i.asname is not None and name in bound_by(i.asname.name) for i in node.items):
                return None
        elif name in bound_by(cast("cst.AugAssign | cst.For", node).target):
            return None
    return loop


def held_out_loops(model: ModuleIndex, index: LoopIndex) -> dict[int, cst.For]:
    """The loops over held-out data (``for x, y in test_loader:``, ``for batch
    in val_dl``) that run no ``backward()`` nor optimiser step: evaluation
    passes even without ``no_grad`` (the catalogue's "computing metrics or
    predictions only"); by the id of each call in them."""
    found: dict[int, cst.For] = {}
    memo = memo_of(model)
    # the loop index lists the loops that run training events; one it does not
    # list runs none
    training = {
        id(loop.node)
        for loop in index.loops
        if any(e.kind in ("backward", "step") for e in loop.events)
    }
    # the model's by-type index, kept per unchanged statement while editing
    # (a walk of the whole module would list every node of each version)
    for node in model.nodes_of_type(cst.For):
        assert isinstance(node, cst.For)
        if id(node) in training or not (
            _held_out(model, node.iter) or _draws_held_out(model, node)
        ):
            continue
        if trains_in_loop(model, index, node):
            continue  # an epoch loop training through a helper, then drawing a validation batch
        for call in calls_in(node, memo):
            found.setdefault(id(call), node)
    return found


def _draws_held_out(model: ModuleIndex, loop: cst.For) -> bool:
    """``for _ in range(10): tx, ty = test.next_batch(bs)``: a loop of a
    count whose body draws its batches from held-out data by a call
    (sgraaf's uvadlc practicals, audit s165)."""
    iterated = loop.iter
    if not (isinstance(iterated, cst.Call) and model.qualname(iterated.func) == "builtins.range"):
        return False
    body = loop.body.body if isinstance(loop.body, cst.IndentedBlock) else ()
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and isinstance(small.value, cst.Call)
                and _held_out_draw(model, small.value)
            ):
                return True
    return False


def _held_out_draw(model: ModuleIndex, call: cst.Call) -> bool:
    """``test.next_batch(bs)``, ``ValidReader.ReadNextBatchClean()``,
    ``next(val_iter)``: a batch drawn from held-out data; not a function
    named like one (``test_loss, acc = test(s_net)`` in an epoch loop that
    also trains: overhaul-distillation, R67)."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return _held_out(model, func.value)
    if isinstance(func, cst.Name) and func.value == "next" and call.args:
        return _held_out(model, call.args[0].value)
    return False
