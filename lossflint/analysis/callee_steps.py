"""An optimiser step a loop reaches through a same-file function that runs a
batch loop of its own (``for epoch in ...: scheduler.step();
train_epoch(loader, model, optimizer)``): its events are not inlined at the
call (they may run any number of times), yet the call steps the optimiser
after what comes before it in the loop body (LF310)."""

from __future__ import annotations

import libcst as cst

from lossflint.analysis.loops import Loop, LoopEvent, LoopIndex
from lossflint.analysis.walk import calls_in


def stepping_call_after(index: LoopIndex, loop: Loop, event: LoopEvent) -> cst.Call | None:
    """A call, in a statement of ``loop``'s own body after the one holding
    ``event`` (not under an ``if``: on every pass), of a same-file function
    that steps an optimiser and steps no scheduler itself."""
    body = getattr(loop.node, "body", None)
    statements: list[cst.CSTNode] = list(body.body) if isinstance(body, cst.IndentedBlock) else []
    holding = index.model.statement_of(event.node)
    if holding not in statements:
        return None
    for stmt in statements[statements.index(holding) + 1 :]:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for call in calls_in(stmt):
            func = index.resolve_function(call)
            if func is None:
                continue
            kinds = index.function_kinds(func)
            if "step" in kinds and "sched_step" not in kinds:
                return call
    return None
