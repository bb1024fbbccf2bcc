"""LF316 functional-dropout-always-on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, has_star_args
from lossflint.analysis.gradients import gradients
from lossflint.analysis.training_branches import (
    rate_off_in_eval,
    rate_set_by_caller,
    training_only,
)
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.cst_edits import with_keyword
from lossflint.rules.training_loop.lf316_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class FunctionalDropoutAlwaysOn(Rule):
    code = "LF316"
    name = "functional-dropout-always-on"
    severity = Severity.ERROR
    summary = "`F.dropout` in `forward` without `training=self.training`"
    fix_kind = "safe"
    needs = ("dropout", "Dropout")
    what = """
Flags `F.dropout`, `F.dropout1d/2d/3d`, `F.alpha_dropout` and
`F.feature_alpha_dropout` called in a module's `forward` method without a `training`
argument (keyword or third positional), or in a helper function or another method
that only a module's `forward` calls (every call in the file, none from another
file; the message names the forward). A call that only runs in training mode is
silent: under `if self.training:` (or `self.training and ...`), in the `else` of
`if not self.training:`, in `x if self.training else y`, or after
`if not self.training: return ...`. Also an `nn.Dropout(p)` built and applied
inside `forward` (`nn.Dropout(p)(x)`): a new module on every call, in training
mode whatever `model.eval()` set.
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
    use_instead = """
    import torch.nn.functional as F
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 10)

        def forward(self, x):
            return F.dropout(self.fc(x), p=0.5, training=self.training)
    """
    references = (
        (
            "PyTorch: torch.nn.functional.dropout",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.dropout.html",
        ),
        (
            "PyTorch: torch.nn.Dropout",
            "https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html",
        ),
    )
    fix_safety = """
Safe: `training=self.training` keeps dropout exactly as it is during training and
switches it off after `model.eval()`, which is what the module's other layers do.
"""
    INVALID = [
        *AUDIT_INVALID,
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
        # `if not self.training:` runs it in eval mode only
        Invalid(
            """
            import torch.nn.functional as F
            from torch import nn

            class Net(nn.Module):
                def forward(self, x):
                    if not self.training:
                        x = F.dropout(x, 0.1)  # error: LF316 at `F.dropout(`
                    return x
            """,
        ),
    ]
    VALID = [
        *AUDIT_VALID,
        # only reached in training mode (kuangliu's EfficientNet)
        """
        import torch.nn as nn
        import torch.nn.functional as F


        class Head(nn.Module):
            def __init__(self, dropout_rate=0.2):
                super().__init__()
                self.dropout_rate = dropout_rate
                self.linear = nn.Linear(320, 10)

            def forward(self, x):
                if self.training and self.dropout_rate > 0:
                    x = F.dropout(x, p=self.dropout_rate)
                return self.linear(x)
        """,
        """
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def forward(self, x):
                x = F.dropout(x, 0.1) if self.training else x
                if not self.training: return self.fc(x)
                return self.fc(F.dropout(x, 0.5))
        """,
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
            dropped = argument(call, 0, "input")
            if isinstance(dropped, cst.Call) and model.qualname(dropped.func) in apis.ZEROS:
                continue  # dropout of zeros (a zoneout mask's base) is zeros in either mode
            func = model.enclosing(call, cst.FunctionDef)
            if not isinstance(func, cst.FunctionDef):
                continue
            method = _module_method(model, func)
            via = "" if func.name.value == "forward" and method else _only_from_forward(model, func)
            if via is None or (not via and not method):
                continue
            if method and training_only(model, call, func):
                continue  # `if self.training:` already switches it off after eval()
            if rate_set_by_caller(model, argument(call, 1, "p"), func):
                continue  # `F.dropout(x, d)`: each call of forward sets the rate
            if rate_off_in_eval(model, argument(call, 1, "p")):
                continue  # `F.dropout(x, p if self.training else 0.0)`
            short = (site.qualname or "dropout").rsplit(".", 1)[-1]
            fix = None
            advice = "pass `training=self.training`"
            if method:
                fixed = with_keyword(
                    call, "training", cst.Attribute(cst.Name("self"), cst.Name("training"))
                )
                fix = FixSpec(Applicability.SAFE, advice, (NodeEdit(call, fixed),))
            else:
                advice = "pass the module's `self.training` down as `training=`"
            yield Finding(
                call,
                f"`{short}` defaults to training=True{via}: dropout stays on after "
                f"model.eval(); {advice}",
                fix=fix,
            )
        yield from _built_in_forward(model)


def _built_in_forward(model: SemanticModel) -> Iterator[Finding]:
    """``nn.Dropout(p)(x)`` in a module's ``forward``: a new module on every
    call, never switched by ``model.eval()`` (NGCF-PyTorch, audit R97)."""
    for site in model.calls_to(*apis.TORCH_DROPOUT_LAYERS):
        ctor = site.node
        applied = model.parent(ctor)
        func = model.enclosing(ctor, cst.FunctionDef)
        if not (isinstance(applied, cst.Call) and applied.func is ctor):
            continue
        if not isinstance(func, cst.FunctionDef) or func.name.value != "forward":
            continue
        if not _module_method(model, func) or training_only(model, applied, func):
            continue
        if rate_set_by_caller(model, argument(ctor, 0, "p"), func):
            continue
        short = (site.qualname or "Dropout").rsplit(".", 1)[-1]
        yield Finding(
            ctor,
            f"`{short}` built inside forward is a new module on every call, always in "
            "training mode: dropout stays on after model.eval(); build it once in "
            "`__init__` (or call `F.dropout(..., training=self.training)`)",
        )


def _module_method(model: SemanticModel, func: cst.FunctionDef) -> bool:
    """``func`` is a method (first parameter ``self``) of a class."""
    scope = model.scopes.get(func)
    if scope is None or scope.parent is None or scope.parent.kind != "class":
        return False
    params = func.params.params
    return bool(params) and params[0].name.value == "self"


def _only_from_forward(model: SemanticModel, func: cst.FunctionDef) -> str | None:
    """`` (it runs in Net.forward, line 12)`` when every call of ``func`` in the
    file (one at least, and none from another file) is in a module's
    ``forward``; None otherwise."""
    facts = gradients(model)
    sites = [
        s for s in facts.call_sites(func) or () if not _own_method_of_another_class(model, s, func)
    ]
    if not sites or model.kinds.calls_from_other_files(func):
        return None
    for call in sites:
        caller = model.enclosing(call, cst.FunctionDef)
        if not (
            isinstance(caller, cst.FunctionDef)
            and caller.name.value == "forward"
            and _module_method(model, caller)
        ):
            return None
    first = sites[0]
    cls = model.enclosing(first, cst.ClassDef)
    owner = f"{cls.name.value}.forward" if isinstance(cls, cst.ClassDef) else "forward"
    return f" (it runs in {owner}, line {model.line_of(first)})"


def _own_method_of_another_class(
    model: SemanticModel, call: cst.Call, func: cst.FunctionDef
) -> bool:
    """``self.step(x)`` in another class that defines its own ``step``: a
    call of that one, not of ``func`` (two decoders with a same-named method)."""
    if not (
        isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == "self"
    ):
        return False
    cls = model.enclosing(call, cst.ClassDef)
    if not isinstance(cls, cst.ClassDef) or cls is model.enclosing(func, cst.ClassDef):
        return False
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    return any(isinstance(s, cst.FunctionDef) and s.name.value == func.name.value for s in body)
