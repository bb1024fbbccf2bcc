"""Tests of a value's class, read from syntax: ``isinstance(m, (nn.Linear,
nn.Conv2d))``, ``type(m) == nn.Linear``, ``type(objective) is nn.L1Loss``.
Weight-init loops (which layers a branch initialises) and the kind domain (a
dispatch on a loss object's class) both ask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import positional
from lossflint.analysis.names import dotted_text

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


@dataclass(frozen=True)
class ClassTest:
    #: what is tested, as written (``m``, ``self.criterion``)
    subject: str
    #: the classes it is tested against (None: one not resolved to a qualname)
    classes: tuple[str | None, ...]
    #: ``type(x) == C`` (or ``is``) compares for equality; ``isinstance`` too
    #: holds for subclasses; None: another comparison (``!=``, ``in``)
    operator: type[cst.BaseCompOp] | None


def class_test(model: ModuleIndex, test: cst.BaseExpression) -> ClassTest | None:
    """The class test ``test`` is, or None."""
    if isinstance(test, cst.Call) and model.qualname(test.func) == "builtins.isinstance":
        args = positional(test)
        subject = dotted_text(args[0].value) if len(args) == 2 else None
        if subject is None:
            return None
        spec = args[1].value
        items = (
            [e.value for e in spec.elements] if isinstance(spec, (cst.Tuple, cst.List)) else [spec]
        )
        return ClassTest(subject, tuple(model.qualname(i) for i in items), cst.Equal)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        for side, other in ((test.left, target.comparator), (target.comparator, test.left)):
            if (
                isinstance(side, cst.Call)
                and model.qualname(side.func) == "builtins.type"
                and len(side.args) == 1
            ):
                subject = dotted_text(side.args[0].value)
                if subject is None:
                    return None
                operator = type(target.operator)
                equal = operator if operator in (cst.Equal, cst.Is) else None
                return ClassTest(subject, (model.qualname(other),), equal)
    return None
