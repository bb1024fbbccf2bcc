"""Tests that hold on a run's first pass through a loop: a pass counter
counted from 0 and fixed within the loop, compared as small (``if epoch <=
0:``, ``if i < warmup_iters:``, ``if step == 0:``). What such a test guards
runs in the first iteration there is, before anything later in it: a
scheduler stepped there before the optimiser skips the schedule's first
value (LF310)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis.gradients import gradients
from lossflint.analysis.names import dotted_text
from lossflint.analysis.numerics import numbers_bound
from lossflint.analysis.train_mode import pass_counter
from lossflint.project.constants import imported_literal

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.model import SemanticModel


def first_pass_blocks(
    model: ModuleIndex, chain: tuple[cst.CSTNode, ...], loop: cst.For | cst.While
) -> bool:
    """Every block of ``chain`` is the body of an ``if`` whose test holds on
    the run's first pass through ``loop``: a pass counter counted from 0 and
    fixed within the loop compared as small (``if epoch <= 0:``, ``if i <
    warmup:``, ``if step == 0:``): what it guards runs in the first iteration
    there is, before anything later in that iteration."""
    if not chain:
        return False
    for block in chain:
        test = model.parent(block)
        if not isinstance(test, cst.If) or block is not test.body:
            return False
        if not _true_at_zero(model, test.test, loop):
            return False
    return True


def _true_at_zero(model: ModuleIndex, test: cst.BaseExpression, loop: cst.CSTNode) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left, target = test.left, test.comparisons[0]
    operator, bound = target.operator, target.comparator
    if not isinstance(left, cst.Name):
        return False
    if not _zero_based_counter(model, left, loop):
        # ``for epoch in range(self.epoch, cfg.MAX_EPOCH): if epoch >
        # cfg.LR_DECAY_START:`` with the start at -1: any pass holds it
        value = _bound_number(model, bound) if _resumed_counter(model, left, loop) else None
        return value is not None and (
            (isinstance(operator, cst.GreaterThan) and value < 0)
            or (isinstance(operator, cst.GreaterThanEqual) and value <= 0)
        )
    value = _bound_number(model, bound)
    if value is not None:
        # ``if epoch > cfg.LR_DECAY_START:`` with the start at -1 (C-3-Framework's
        # trainers, audit s182): true from the first pass on
        return (
            (isinstance(operator, cst.LessThan) and value > 0)
            or (isinstance(operator, cst.LessThanEqual) and value >= 0)
            or (isinstance(operator, cst.Equal) and value == 0)
            or (isinstance(operator, cst.GreaterThan) and value < 0)
            or (isinstance(operator, cst.GreaterThanEqual) and value <= 0)
        )
    # ``if i < warmup_iters:``: a warm-up length, positive by its meaning
    return (
        isinstance(operator, cst.LessThan)
        and isinstance(bound, (cst.Name, cst.Attribute))
        and re.search(r"warm", dotted_text(bound) or "", re.IGNORECASE) is not None
    )


def _zero_based_counter(
    model: ModuleIndex, name: cst.Name, loop: cst.CSTNode, depth: int = 1
) -> bool:
    """``name`` counts passes from 0 and is fixed inside ``loop``: the target
    of ``loop`` or of a loop around it counting from 0 (``train_mode.pass_counter``:
    ``range(n)``, ``enumerate(xs)``, through ``tqdm``), or a parameter every
    same-file caller passes such a counter."""
    bindings = model.bindings(name) or []
    if len(bindings) != 1:
        return False
    binding = bindings[0]
    if binding.kind == "param":
        if depth <= 0:
            return False
        passed = gradients(model).passed_to(name, plain=True)
        return bool(passed) and all(
            isinstance(arg, cst.Name) and _zero_based_counter(model, arg, arg, depth - 1)
            for arg in passed or ()
        )
    at: cst.CSTNode | None = loop
    while at is not None:
        if isinstance(at, cst.For):
            counted = pass_counter(cast("SemanticModel", model), at)
            if counted is not None and counted[0] == name.value:
                return True
        at = model.parent(at)
    return False


#: where a resumed run's counter starts (``self.epoch``, ``args.start_epoch``,
#: ``start_iter``): a count of passes already made, never negative
_RESUME_POSITION = re.compile(r"epoch|iter|step", re.IGNORECASE)


def _resumed_counter(model: ModuleIndex, name: cst.Name, loop: cst.CSTNode) -> bool:
    """``name`` is the target of ``loop`` or of a loop around it over
    ``range(start, stop)`` with ``start`` a resume position (a name or an
    attribute saying epoch, iteration or step) or a number >= 0, and the loop
    body does not rebind it: it counts from some pass >= 0."""
    at: cst.CSTNode | None = loop
    while at is not None:
        if (
            isinstance(at, cst.For)
            and isinstance(at.target, cst.Name)
            and at.target.value == name.value
        ):
            items = at.iter
            if not (
                isinstance(items, cst.Call)
                and model.qualname(items.func) == "builtins.range"
                and len(items.args) == 2
                and all(a.keyword is None and a.star == "" for a in items.args)
            ):
                return False
            start = items.args[0].value
            number = numbers_bound(model, start)
            known = number is not None and len(number) == 1 and number[0] >= 0
            position = isinstance(start, (cst.Name, cst.Attribute)) and bool(
                _RESUME_POSITION.search(dotted_text(start) or "")
            )
            return (known or position) and len(model.bindings(name) or []) == 1
        at = model.parent(at)
    return False


def _bound_number(model: ModuleIndex, bound: cst.BaseExpression) -> float | None:
    """A number literal (``-1`` too), a module constant every assignment of
    which is the same number, or another project module's literal constant."""
    found = numbers_bound(model, bound)
    if found is not None and len(set(found)) == 1:
        return found[0]
    foreign = imported_literal(model, bound)
    value = foreign.value if foreign is not None else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None
