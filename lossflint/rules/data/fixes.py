"""The LF6xx fixes (libcst rewrites)."""

from __future__ import annotations

import libcst as cst

from lossflint.diagnostics import Applicability, FixSpec, NodeEdit
from lossflint.rules.cst_edits import with_keyword


def shuffle_fix(call: cst.Call, shuffle_arg: cst.Arg | None) -> FixSpec:
    """``shuffle=False`` → ``shuffle=True``, or ``shuffle=True`` added (unsafe:
    the batches change)."""
    if shuffle_arg is not None:
        edit = NodeEdit(shuffle_arg.value, "True")
    else:
        edit = NodeEdit(call, with_keyword(call, "shuffle", cst.Name("True")))
    return FixSpec(Applicability.UNSAFE, "shuffle the training batches", (edit,))


def swap_fix(first: cst.BaseExpression, second: cst.BaseExpression) -> FixSpec:
    """Exchange two argument expressions (unsafe: the loss changes)."""
    return FixSpec(
        Applicability.UNSAFE,
        "swap the two arguments",
        (NodeEdit(first, second.deep_clone()), NodeEdit(second, first.deep_clone())),
    )


def dim_fix(dim: cst.BaseExpression, new: str) -> FixSpec:
    """The softmax's ``dim`` literal replaced (unsafe: the output changes)."""
    return FixSpec(
        Applicability.UNSAFE, f"normalise over dim {new} (the classes)", (NodeEdit(dim, new),)
    )
