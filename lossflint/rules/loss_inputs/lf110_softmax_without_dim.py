"""LF110 softmax-without-dim."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, has_star_args
from lossflint.analysis.dead_code import old_version_fallback
from lossflint.analysis.image_maps import image_map, moved_first
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.cst_edits import with_keyword

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


_RPN = """
import torch.nn as nn
import torch.nn.functional as F


class RPN(nn.Module):
    def __init__(self):
        super().__init__()
        self.score = nn.Conv2d(512, 18, 1)

    def forward(self, x):
        s = self.score(x)
        s = s.view(s.size(0), 2, -1, s.size(3))
        return {out}{marker}
"""


_MOVED = """
import torch.nn.functional as F


def my_softmax(input, axis=1):
    trans_input = input.transpose(axis, 0).contiguous()
    soft_max_1d = F.softmax(trans_input{dim})  # error: LF110 at `F.softmax(`
    return soft_max_1d.transpose(axis, 0)
"""


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
    import torch.nn.functional as F

    probs = F.softmax(logits)          # error: LF110
    probs = F.softmax(logits, dim=-1)  # explicit: the class axis
    """
    use_instead = """
    import torch.nn.functional as F

    probs = F.softmax(logits, dim=-1)
    """
    references = (
        (
            "PyTorch: torch.nn.functional.softmax",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html",
        ),
        (
            "PyTorch: torch.nn.Softmax",
            "https://pytorch.org/docs/stable/generated/torch.nn.Softmax.html",
        ),
    )
    fix_safety = """
Unsafe: the fix adds `dim=-1` (the last axis, the class axis of `(N, C)` and
`(N, T, C)` tensors), or `dim=1` where the input is known to be an `(N, C, H, W)`
map (a 2-D convolution's output, a reshape to four sizes), the axis PyTorch
picks today, or `dim=0` where the input is `x.transpose(axis, 0)` (an axis
moved to the front for the implicit dim to take). For other `(N, C, H, W)` inputs the class axis is `dim=1`: check
the suggestion before applying it.
"""
    INVALID = [
        # an axis moved to the front for the implicit dim 0 (NRI's my_softmax in
        # AS-GCN, audit s215): the fix keeps dim 0, not -1
        Invalid(
            _MOVED.format(dim=""),
            fixed=_MOVED.format(dim=", dim=0"),
        ),
        # an (N, C, H, W) map: the fix keeps the implicit dim 1, the channels
        # (longcw/faster_rcnn_pytorch's RPN scores, audit s126)
        Invalid(
            _RPN.format(out="F.softmax(s)", marker="  # error: LF110 at `F.softmax(`"),
            fixed=_RPN.format(out="F.softmax(s, dim=1)", marker="  # error: LF110 at `F.softmax(`"),
        ),
        Invalid(
            _RPN.format(out="F.softmax(self.score(x))", marker="  # error: LF110 at `F.softmax(`"),
            fixed=_RPN.format(
                out="F.softmax(self.score(x), dim=1)", marker="  # error: LF110 at `F.softmax(`"
            ),
        ),
        Invalid(
            """
            import torch.nn.functional as F
            probs = F.softmax(logits)  # error: LF110 at `F.softmax(`
            """,
            fixed="""
            import torch.nn.functional as F
            probs = F.softmax(logits, dim=-1)  # error: LF110 at `F.softmax(`
            """,
        ),
        Invalid(
            """
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.act = nn.LogSoftmax()  # error: LF110 at `nn.LogSoftmax(`
            """,
            fixed="""
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.act = nn.LogSoftmax(dim=-1)  # error: LF110 at `nn.LogSoftmax(`
            """,
        ),
        Invalid(
            """
            from torch.nn.functional import log_softmax as lsm
            def f(x):
                return lsm(x, _stacklevel=5)  # error: LF110 at `lsm(`
            """
        ),
        Invalid(
            """
            import torch
            act = torch.nn.Softmax()  # error: LF110 at `torch.nn.Softmax(`
            """
        ),
        # a test against a newer release than 0.x says nothing about the branch
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            from packaging import version

            def log_probs(x):
                if version.parse(torch.__version__) >= version.parse("0.4"):
                    return F.log_softmax(x)  # error: LF110 at `F.log_softmax(`
                return F.log_softmax(x, dim=1)
            """
        ),
    ]
    VALID = [
        # the branch for torch before 0.3 (which had no `dim`) never runs on a
        # supported torch (wkentaro/pytorch-fcn's cross_entropy2d, audit s100)
        """
        from distutils.version import LooseVersion

        import torch
        import torch.nn.functional as F

        def cross_entropy2d(input, target):
            if LooseVersion(torch.__version__) < LooseVersion("0.3"):
                log_p = F.log_softmax(input)
            else:
                log_p = F.log_softmax(input, dim=1)
            if "0.4.0" > torch.__version__:
                log_p = F.log_softmax(input)
            return F.nll_loss(log_p, target)
        """,
        # the fallback for torch < 0.3, which had no `dim` (howardyclo's
        # pytorch-seq2seq-example, audit R71)
        """
        import torch.nn.functional as F

        def attention_weights(scores):
            try:
                return F.softmax(scores, dim=1)
            except TypeError:
                return F.softmax(scores)
        """,
        """
        import torch.nn.functional as F
        p = F.softmax(x, dim=1)
        """,
        """
        import torch.nn.functional as F
        p = F.softmax(x, 1)
        """,
        """
        import torch
        p = torch.softmax(x, 1)
        """,
        # a user function of the same name is not torch's
        """
        def softmax(x):
            return x
        p = softmax(y)
        """,
        # shadowed import
        """
        import torch.nn.functional as F
        def f(F):
            return F.softmax(x)
        """,
        """
        from torch import nn
        act = nn.Softmax(dim=-1)
        act2 = nn.Softmax(1)
        """,
        """
        import torch.nn.functional as F
        args = (x, 1)
        p = F.softmax(*args)
        """,
        """
        import scipy.special
        p = scipy.special.softmax(x)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for qualname, dim_index in apis.IMPLICIT_DIM.items():
            for site in model.calls_to(qualname):
                call = site.node
                if has_star_args(call) or argument(call, dim_index, "dim") is not None:
                    continue
                if old_version_fallback(model, call, "dim"):
                    continue
                # an (N, C, H, W) map: the implicit dim is 1, the channels; keep it
                given = argument(call, 0, "input") if dim_index == 1 else None
                channels = given is not None and image_map(model, given)
                first = given is not None and not channels and moved_first(model, given)
                dim: cst.BaseExpression = (
                    cst.Integer("1")
                    if channels
                    else cst.Integer("0")
                    if first
                    else cst.UnaryOperation(cst.Minus(), cst.Integer("1"))
                )
                fixed = with_keyword(call, "dim", dim)
                short = qualname.rsplit(".", 1)[-1]
                misspelt = [a.keyword.value for a in call.args if a.keyword is not None]
                misspelt = [k for k in misspelt if k in ("dims", "axis")]
                message = (
                    f"`{short}` given `{misspelt[0]}=`, which it does not take (a TypeError "
                    "when it runs); pass `dim=`"
                    if misspelt
                    else f"`{short}` without `dim`: the axis is guessed from the "
                    "input's rank (dim 0 for 1-D/3-D inputs); pass `dim=` explicitly"
                )
                yield Finding(
                    node=call,
                    message=message,
                    fix=None
                    if misspelt
                    else FixSpec(
                        Applicability.UNSAFE,
                        "add `dim=1`, the channels of this (N, C, H, W) map"
                        if channels
                        else "add `dim=0`, the axis the input's transpose moved first"
                        if first
                        else "add `dim=-1` (use `dim=1` for (N, C, H, W) inputs)",
                        (NodeEdit(call, fixed),),
                    ),
                )
