"""LF316 functional-dropout-always-on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, has_star_args
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.cst_edits import with_keyword

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class FunctionalDropoutAlwaysOn(Rule):
    code = "LF316"
    name = "functional-dropout-always-on"
    severity = Severity.ERROR
    summary = "`F.dropout` in `forward` without `training=self.training`"
    fix_kind = "safe"
    needs = ("dropout",)
    what = """
Flags `F.dropout`, `F.dropout1d/2d/3d`, `F.alpha_dropout` and
`F.feature_alpha_dropout` called in a module's `forward` method without a `training`
argument (keyword or third positional).
"""
    why = """
The functional form defaults to `training=True`: unlike `nn.Dropout`, it does not
follow `model.eval()`. Dropout stays on at validation and inference, so predictions
are noisy and metrics are too low.
"""
    example = """
    import torch.nn.functional as F
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 10)

        def forward(self, x):
            x = F.dropout(self.fc(x), p=0.5)  # error: LF316
            x = F.dropout(self.fc(x), p=0.5, training=self.training)  # OK: follows eval()
            return x
    """
    fix_safety = """
Safe: `training=self.training` keeps dropout exactly as it is during training and
switches it off after `model.eval()`, which is what the module's other layers do.
"""
    INVALID = [
        Invalid(
            """
            import torch.nn.functional as F
            from torch import nn

            class Net(nn.Module):
                def forward(self, x):
                    return F.dropout(self.fc(x), 0.5)  # error: LF316 at `F.dropout(`
            """,
            fixed="""
            import torch.nn.functional as F
            from torch import nn

            class Net(nn.Module):
                def forward(self, x):
                    return F.dropout(self.fc(x), 0.5, training=self.training)  # error: LF316 at `F.dropout(`
            """,
        ),
        Invalid(
            """
            import torch

            class Block(torch.nn.Module):
                def forward(self, h):
                    h = torch.nn.functional.dropout2d(h, p=0.2)  # error: LF316 at `torch.nn.functional.dropout2d(`
                    return self.conv(h)
            """,
            fixed="""
            import torch

            class Block(torch.nn.Module):
                def forward(self, h):
                    h = torch.nn.functional.dropout2d(h, p=0.2, training=self.training)  # error: LF316 at `torch.nn.functional.dropout2d(`
                    return self.conv(h)
            """,
        ),
        Invalid(
            """
            from torch import nn
            from torch.nn.functional import alpha_dropout

            class SNN(nn.Module):
                def forward(self, x):
                    for layer in self.layers:
                        x = alpha_dropout(layer(x), 0.1)  # error: LF316 at `alpha_dropout(`
                    return x
            """,
        ),
    ]
    VALID = [
        """
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def forward(self, x):
                return F.dropout(x, 0.5, training=self.training)
        """,
        """
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def forward(self, x):
                return F.dropout(x, 0.5, self.training)
        """,
        # the module form follows eval()
        """
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.drop = nn.Dropout(0.5)

            def forward(self, x):
                return self.drop(x)
        """,
        # MC dropout: always on, on purpose
        """
        import torch.nn.functional as F
        from torch import nn

        class MC(nn.Module):
            def forward(self, x):
                return F.dropout(x, 0.1, training=True)
        """,
        # not in a forward method: data augmentation
        """
        import torch.nn.functional as F

        def augment(x):
            return F.dropout(x, 0.1)
        """,
        # a user function with the same name
        """
        from torch import nn

        def dropout(x, p):
            return x

        class Net(nn.Module):
            def forward(self, x):
                return dropout(x, 0.5)
        """,
        """
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def forward(self, x, **kw):
                return F.dropout(x, **kw)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(*apis.FUNCTIONAL_DROPOUT):
            call = site.node
            if has_star_args(call) or argument(call, 2, "training") is not None:
                continue
            if any(a.star for a in call.args):
                continue
            func = model.enclosing(call, cst.FunctionDef)
            if not isinstance(func, cst.FunctionDef) or func.name.value != "forward":
                continue
            scope = model.scopes.get(func)
            if scope is None or scope.parent is None or scope.parent.kind != "class":
                continue
            params = func.params.params
            if not params or params[0].name.value != "self":
                continue
            fixed = with_keyword(
                call, "training", cst.Attribute(cst.Name("self"), cst.Name("training"))
            )
            short = (site.qualname or "dropout").rsplit(".", 1)[-1]
            yield Finding(
                call,
                f"`{short}` defaults to training=True: dropout stays on after model.eval(); "
                "pass `training=self.training`",
                fix=FixSpec(
                    Applicability.SAFE, "pass `training=self.training`", (NodeEdit(call, fixed),)
                ),
            )
