"""Functions a training engine runs once per batch (ignite's ``Engine(update)``).

Such a process function is the whole training iteration: ignite clears no
gradient of its own, so a backward and a step in it with nothing that clears
(in the file: an event handler might) accumulate every batch (LF303).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import Loop, loops
from lossflint.analysis.values import FunctionRef

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def uncleared_engine_steps(model: ModuleIndex) -> list[tuple[Loop, cst.Call]]:
    """(the process function as a loop over its body, the ``Engine(...)``
    call) for each process function that steps while nothing in the file
    clears gradients."""
    engines = [site.node for site in model.calls_to(*apis.IGNITE_ENGINES)]
    if not engines or any(model.method_calls("zero_grad")):
        return []
    index = loops(model)
    if any(e.kind == "zero_grad" for e in index.events):
        return []  # ``p.grad = None`` / ``p.grad.zero_()`` somewhere
    kinds = kinds_of(model)
    runs: dict[int, cst.Call] = {}
    for call in engines:
        if call.args and call.args[0].keyword is None:
            value = kinds.value_of(call.args[0].value)
            if isinstance(value, FunctionRef):
                runs[id(value.func)] = call
    return [
        (loop, runs[id(loop.node)])
        for loop in index.step_functions
        if id(loop.node) in runs and not loop.has("optim_ctor")
    ]
