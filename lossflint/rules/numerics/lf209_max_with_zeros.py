"""LF209 max-with-zeros."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.model import module_alias
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class MaxWithZeros(Rule):
    code = "LF209"
    name = "max-with-zeros"
    severity = Severity.INFO
    summary = "`torch.max(torch.zeros_like(x), y)`: use `torch.relu(y)`"
    fix_kind = "safe"
    needs = ("zeros",)
    about_its_value = True
    what = """
Flags the elementwise maximum with a tensor of zeros, `torch.max(torch.zeros_like(x), y)`,
`torch.maximum(zeros, y)` (either argument order, the zeros inline or in a
variable assigned once), a hinge written by hand.
"""
    why = """
It allocates and fills a zero tensor on every call (and keeps it for
backward) to compute what `torch.relu(y)` / `y.clamp_min(0)` computes in place
of it.
"""
    example = """
    import torch

    hinge = torch.max(torch.zeros_like(d), margin - d)  # error: LF209
    hinge_ok = torch.relu(margin - d)  # OK
    """
    use_instead = """
    import torch

    hinge = torch.relu(margin - d)
    """
    references = (
        ("PyTorch: torch.relu", "https://pytorch.org/docs/stable/generated/torch.relu.html"),
        ("PyTorch: torch.maximum", "https://pytorch.org/docs/stable/generated/torch.maximum.html"),
    )
    fix_safety = """
Safe: `relu(y)` equals `max(0, y)` (`zeros_like(x)` has the shape of `y` in the
hinge pattern). With `torch.zeros(shape)` the finding has no fix: the zeros
could broadcast `y` to a larger shape.
"""
    INVALID = [
        # zeros made by a tensor method (Matrix-Capsules-EM's spread loss, audit s203)
        Invalid(
            """
            import torch

            def spread_loss(x, target, m):
                at = x.gather(1, target.view(-1, 1))
                zeros = x.new_zeros(x.shape)
                loss = torch.max(m - (at - x), zeros)  # error: LF209 at `torch.max(`
                return (loss**2).sum(dim=1).mean()
            """
        ),
        # wrapped in Variable and moved to the GPU (capsule-net-pytorch's
        # margin loss, audit R75)
        Invalid(
            """
            import torch
            from torch.autograd import Variable

            def margin_loss(v_c, target, cuda_enabled):
                zero = Variable(torch.zeros(1))
                if cuda_enabled:
                    zero = zero.cuda()
                max_left = torch.max(0.9 - v_c, zero) ** 2  # error: LF209 at `torch.max(`
                return (target * max_left).sum(dim=1)
            """
        ),
        Invalid(
            """
            import torch
            h = torch.max(torch.zeros_like(d), margin - d)  # error: LF209 at `torch.max(`
            """,
            fixed="""
            import torch
            h = torch.relu(margin - d)  # error: LF209 at `torch.max(`
            """,
        ),
        Invalid(
            """
            import torch
            h = torch.maximum(pos - neg + 1.0, torch.zeros_like(pos))  # error: LF209 at `torch.maximum(`
            """,
            fixed="""
            import torch
            h = torch.relu(pos - neg + 1.0)  # error: LF209 at `torch.maximum(`
            """,
        ),
        Invalid(
            """
            import torch as th

            def hinge(s):
                zeros = th.zeros_like(s)
                return th.max(zeros, 1 - s).mean()  # error: LF209 at `th.max(`
            """,
            fixed="""
            import torch as th

            def hinge(s):
                zeros = th.zeros_like(s)
                return th.relu(1 - s).mean()  # error: LF209 at `th.max(`
            """,
        ),
    ]
    VALID = [
        # ``new_ones``/``new_full`` hold no zeros
        """
        import torch
        def floor(x, m):
            return torch.max(m - x, x.new_full(x.shape, 0.1))
        """,
        """
        import torch
        h = torch.relu(margin - d)
        """,
        # max over a dimension, not with zeros
        """
        import torch
        m = torch.max(x, 1)
        """,
        """
        import torch
        m = torch.max(x, y)
        """,
        # max with ones
        """
        import torch
        m = torch.max(torch.ones_like(x), y)
        """,
        # builtin max and NumPy
        """
        import numpy as np
        m = max(0, y)
        n = np.maximum(np.zeros_like(x), y)
        """,
        # a user function named zeros_like, a shadowed torch
        """
        import torch
        def zeros_like(x):
            return x
        m = torch.max(zeros_like(x), y)
        """,
        """
        import torch
        def f(torch, x, y):
            return torch.max(torch.zeros_like(x), y)
        """,
        # builtin max of a Python number
        """
        import torch
        m = max(torch.zeros(1).item(), y)
        """,
        # the zeros variable is changed in place
        """
        import torch
        z = torch.zeros_like(x)
        z[0] = 1
        m = torch.max(z, y)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(*apis.ELEMENTWISE_MAX):
            call = site.node
            if len(call.args) != 2 or any(a.keyword is not None or a.star for a in call.args):
                continue
            first, second = (a.value for a in call.args)
            if num.zeros_tensor(model, first):
                other, zeros = second, first
            elif num.zeros_tensor(model, second):
                other, zeros = first, second
            else:
                continue
            fix = None
            # zeros_like has the shape of a tensor of the hinge; torch.zeros(shape)
            # could broadcast y to a larger shape, which relu(y) would not
            like = num.call_info(model, num.resolve(model, zeros))
            if like is not None and like.qualname == apis.ZEROS_LIKE:
                func = call.func
                alias = (
                    model.code(func.value)
                    if isinstance(func, cst.Attribute) and model.qualname(func.value) == "torch"
                    else module_alias(model, "torch")
                )
                if alias is not None:
                    text = f"{alias}.relu({num.bare_code(model, other)})"
                    fix = FixSpec(Applicability.SAFE, "use relu", (NodeEdit(call, text),))
            yield Finding(
                node=call,
                message="max with a tensor of zeros allocates it on every call; "
                "use `torch.relu(y)` (or `y.clamp_min(0)`)",
                fix=fix,
            )
