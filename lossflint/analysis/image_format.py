"""The image data format a statement runs under, read off the ``if`` tests
around it that compare the configured format (Keras), so code written for both
layouts is judged in the branch's layout:

    if K.image_data_format() == "channels_first":   # Keras 1: image_dim_ordering() == "th"
        input_shape = (1, 28, 28)                    # -> "channels_first"
    else:
        input_shape = (28, 28, 1)                    # -> "channels_last"

Public API: ``branch_format(model, node)`` -> "channels_first", "channels_last",
"unknown" (an enclosing test reads the format in a way not understood), or
None (no enclosing test reads it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.walk import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_OPPOSITE = {"channels_first": "channels_last", "channels_last": "channels_first"}


def branch_format(model: ModuleIndex, node: cst.CSTNode) -> str | None:
    """The format the innermost enclosing format test gives ``node``'s branch."""
    child, parent = node, model.parent(node)
    while parent is not None:
        if isinstance(parent, cst.If) and child is not parent.test:
            when_true = _format_if_true(model, parent.test)
            if when_true is not None:
                if when_true == "unknown":
                    return when_true
                return when_true if child is parent.body else _OPPOSITE[when_true]
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None  # a function may be called under any test: not followed
        child, parent = parent, model.parent(parent)
    return None


def _format_if_true(model: ModuleIndex, test: cst.BaseExpression) -> str | None:
    """The layout a true ``test`` means; "unknown" when it reads the format
    otherwise than ``getter() ==/!= "<layout>"``; None when it does not read it."""
    if not any(model.qualname(call.func) in apis.IMAGE_FORMAT_GETTERS for call in calls_in(test)):
        return None
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return "unknown"
    target = test.comparisons[0]
    sides = (test.left, target.comparator)
    getter = [s for s in sides if isinstance(s, cst.Call) and _is_getter(model, s)]
    literal = [s for s in sides if isinstance(s, cst.SimpleString)]
    if len(getter) != 1 or len(literal) != 1:
        return "unknown"
    value = literal[0].evaluated_value
    if value in apis.IMAGE_FORMAT_CHANNELS_FIRST:
        layout = "channels_first"
    elif value in apis.IMAGE_FORMAT_CHANNELS_LAST:
        layout = "channels_last"
    else:
        return "unknown"
    if isinstance(target.operator, cst.Equal):
        return layout
    if isinstance(target.operator, cst.NotEqual):
        return _OPPOSITE[layout]
    return "unknown"


def _is_getter(model: ModuleIndex, call: cst.Call) -> bool:
    return model.qualname(call.func) in apis.IMAGE_FORMAT_GETTERS
