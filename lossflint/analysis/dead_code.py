"""Code that cannot run: the branch a constant test never takes.

``if True: ... elif flag: ...`` and ``if False: ...`` are how people switch
code off without deleting it (the seq2seq tutorial that kept its old
teacher-forcing path under ``elif`` after ``if True:``). Nothing there runs,
so nothing there is reported, and the interpreter does not read values out
of it (``statements.py``). Only literal tests count (``True``, ``0``,
``None``, ``""``): a module constant may be edited, and ``__debug__`` or
``TYPE_CHECKING`` are not about training code.
"""

from __future__ import annotations

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.index import ModuleIndex


def constant_truth(test: cst.BaseExpression) -> bool | None:
    """Whether a literal test is true; None for anything else."""
    value = literal_value(test)
    if value is NotImplemented:
        return None
    return bool(value)


def unreachable(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """Whether ``node`` is inside a branch its constant test never takes."""
    child, parent = node, model.parents.get(node)
    while parent is not None:
        if type(parent) is cst.If:
            truth = constant_truth(parent.test)
            if truth is not None:
                if child is parent.body and not truth:
                    return True
                if child is parent.orelse and truth:
                    return True
        elif type(parent) is cst.While and child is parent.body:
            if constant_truth(parent.test) is False:
                return True
        child, parent = parent, model.parents.get(parent)
    return False
