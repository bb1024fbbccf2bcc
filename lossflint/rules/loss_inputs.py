"""LF1xx: what is fed to a PyTorch loss (and TensorFlow's ``*_with_logits``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, has_star_args
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.registry import Invalid, Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def _with_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value`` appended to its arguments."""
    args = list(call.args)
    if args:
        last = args[-1]
        if last.comma == cst.MaybeSentinel.DEFAULT or last.comma is cst.MaybeSentinel.DEFAULT:
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
    args.append(
        cst.Arg(
            value=value,
            keyword=cst.Name(name),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
    )
    return call.with_changes(args=args)


class SoftmaxWithoutDim(Rule):
    code = "LF110"
    name = "softmax-without-dim"
    severity = Severity.WARNING
    summary = "softmax/log_softmax without an explicit `dim`"
    fix_kind = "unsafe"
    needs = ("softmax", "Softmax", "softmin", "Softmin")
    what = """
Flags `F.softmax`, `F.log_softmax`, `F.softmin` and the layers `nn.Softmax()`,
`nn.LogSoftmax()`, `nn.Softmin()` called without `dim`. (`torch.softmax` without
`dim` already raises a `TypeError`, so it is not reported.)
"""
    why = """
Without `dim`, PyTorch picks the axis from the input's rank: dim 0 for 0-, 1- and
3-D inputs, dim 1 otherwise. For a `(batch, seq, classes)` tensor it normalises
over the batch, which silently trains the wrong thing. The implicit choice is
deprecated and warns at run time.
"""
    example = """
probs = F.softmax(logits)          # LF110
probs = F.softmax(logits, dim=-1)  # explicit: the class axis
"""
    fix_safety = """
Unsafe: the fix adds `dim=-1` (the last axis, the class axis of `(N, C)` and
`(N, T, C)` tensors). For `(N, C, H, W)` inputs the class axis is `dim=1`: check
the suggestion before applying it.
"""
    INVALID = [
        Invalid(
            "import torch.nn.functional as F\nprobs = F.softmax(logits)\n",
            2,
            9,
            fixed="import torch.nn.functional as F\nprobs = F.softmax(logits, dim=-1)\n",
        ),
        Invalid(
            "from torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.act = nn.LogSoftmax()\n",
            6,
            20,
            fixed="from torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.act = nn.LogSoftmax(dim=-1)\n",
        ),
        Invalid(
            "from torch.nn.functional import log_softmax as lsm\n"
            "def f(x):\n    return lsm(x, _stacklevel=5)\n",
            3,
            12,
        ),
        Invalid("import torch\nact = torch.nn.Softmax()\n", 2, 7),
    ]
    VALID = [
        "import torch.nn.functional as F\np = F.softmax(x, dim=1)\n",
        "import torch.nn.functional as F\np = F.softmax(x, 1)\n",
        "import torch\np = torch.softmax(x, 1)\n",
        # a user function of the same name is not torch's
        "def softmax(x):\n    return x\np = softmax(y)\n",
        # shadowed import
        "import torch.nn.functional as F\ndef f(F):\n    return F.softmax(x)\n",
        "from torch import nn\nact = nn.Softmax(dim=-1)\nact2 = nn.Softmax(1)\n",
        "import torch.nn.functional as F\nargs = (x, 1)\np = F.softmax(*args)\n",
        "import scipy.special\np = scipy.special.softmax(x)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for qualname, dim_index in apis.IMPLICIT_DIM.items():
            for site in model.calls_to(qualname):
                call = site.node
                if has_star_args(call) or argument(call, dim_index, "dim") is not None:
                    continue
                fixed = _with_keyword(
                    call, "dim", cst.UnaryOperation(cst.Minus(), cst.Integer("1"))
                )
                short = qualname.rsplit(".", 1)[-1]
                yield Finding(
                    node=call,
                    message=f"`{short}` without `dim`: the axis is guessed from the "
                    "input's rank (dim 0 for 1-D/3-D inputs); pass `dim=` explicitly",
                    fix=FixSpec(
                        Applicability.UNSAFE,
                        "add `dim=-1` (use `dim=1` for (N, C, H, W) inputs)",
                        (NodeEdit(call, fixed),),
                    ),
                )
