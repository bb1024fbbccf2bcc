"""LF113 deprecated-loss-reduction-args."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import keyword, literal_value, positional
from lossflint.analysis.interpreter.syntax import param_defaults
from lossflint.analysis.kinds import ForeignLoss
from lossflint.analysis.names import self_attribute
from lossflint.analysis.numerics import assignments, literals_bound
from lossflint.analysis.values import LossObject
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.loss_inputs.fixes import set_keyword

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class DeprecatedLossReductionArgs(Rule):
    code = "LF113"
    name = "deprecated-loss-reduction-args"
    severity = Severity.WARNING
    summary = "`size_average=` / `reduce=` on a loss: use `reduction=`"
    fix_kind = "safe"
    # positional: `nn.NLLLoss(weight, False)`, `F.nll_loss(x, y, None, False)`
    # name neither keyword
    needs = ("size_average", "reduce", "Loss(", "_loss(", "entropy(", "kl_div(")
    what = """
Flags any `nn.*Loss` constructor or `F.*` loss function called with the
`size_average=` and/or `reduce=` keywords (other than `None`, their default,
which leaves `reduction=` in force), and an `nn.*Loss` constructor or
`F.*` loss given them by position (`nn.NLLLoss(weight, size_average,
ignore_index)`, `F.cross_entropy(x, y, w, self.size_average)`; a `None` there
is silent). Also `loss_fn.size_average = False` (or `.reduce = ...`) set on a
torch loss object after it was built (SentEval's classifier): the loss reads
only `reduction`, fixed at construction, so the assignment does nothing and the
loss stays a mean.
"""
    why = """
Both are deprecated since PyTorch 0.4 and easy to get backwards:
`size_average=False` means *sum*, `reduce=False` means *no reduction at all*
(and then `size_average` is ignored). They also override an explicit
`reduction=`.
"""
    example = """
    import torch.nn as nn

    crit = nn.MSELoss(size_average=False)   # error: LF113
    crit = nn.MSELoss(reduction="sum")
    """
    use_instead = """
    import torch.nn as nn

    crit = nn.MSELoss(reduction="sum")
    """
    references = (
        (
            "PyTorch: torch.nn.MSELoss",
            "https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html",
        ),
    )
    fix_safety = """
Safe when both values are literals: the fix writes the equivalent
`reduction="mean" | "sum" | "none"` (PyTorch's own legacy mapping) and removes
the deprecated arguments.
"""
    INVALID = [
        # a value from elsewhere, and an old ``nll_loss`` wrapper's True default
        # passed on (ffjord's ``vae_lib``, R174)
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F
            crit = nn.BCELoss(size_average=avg)  # error: LF113 at `nn.BCELoss(`

            def nll_loss(input, target, weight=None, size_average=True, reduce=True):
                return F.nll_loss(input, target, weight, size_average=size_average, reduce=reduce)  # error: LF113 at `F.nll_loss(`
            """
        ),
        # a flag set above the call
        Invalid(
            """
            import torch.nn as nn
            reduce = False
            loss_fn = nn.MSELoss(reduce=reduce)  # error: LF113 at `nn.MSELoss(`
            """
        ),
        # the functional form, by position (Amazon-Forest-Computer-Vision, audit R72)
        Invalid(
            """
            import torch.nn.functional as F
            def loss(self, input, target):
                return F.cross_entropy(input, target, self.weight, self.size_average)  # error: LF113 at `F.cross_entropy(`
            """
        ),
        # PyTorch 0.4-era code passes them by position (a segmentation repo's
        # CrossEntropyLoss2d, from a bug report)
        Invalid(
            """
            import torch.nn as nn

            class CrossEntropyLoss2d(nn.Module):
                def __init__(self, weight=None, size_average=True, ignore_index=255):
                    super().__init__()
                    self.nll_loss = nn.NLLLoss(weight, size_average, ignore_index)  # error: LF113 at `nn.NLLLoss(`
            """
        ),
        # ... and its image alias of the same era (audit R28: zijundeng's
        # pytorch-semantic-segmentation)
        Invalid(
            """
            import torch.nn as nn

            class CrossEntropyLoss2d(nn.Module):
                def __init__(self, weight=None, size_average=True, ignore_index=255):
                    super().__init__()
                    self.nll_loss = nn.NLLLoss2d(weight, size_average, ignore_index)  # error: LF113 at `nn.NLLLoss2d(`
            """
        ),
        Invalid(
            """
            import torch.nn as nn
            crit = nn.MSELoss(size_average=False)  # error: LF113 at `nn.MSELoss(`
            """,
            fixed="""
            import torch.nn as nn
            crit = nn.MSELoss(reduction="sum")  # error: LF113 at `nn.MSELoss(`
            """,
        ),
        Invalid(
            """
            import torch.nn.functional as F
            l = F.cross_entropy(x, y, reduce=False)  # error: LF113 at `F.cross_entropy(`
            """,
            fixed="""
            import torch.nn.functional as F
            l = F.cross_entropy(x, y, reduction="none")  # error: LF113 at `F.cross_entropy(`
            """,
        ),
        Invalid(
            """
            from torch.nn import NLLLoss
            c = NLLLoss(weight=w, size_average=True, reduce=True, reduction='sum')  # error: LF113 at `NLLLoss(`
            """,
            fixed="""
            from torch.nn import NLLLoss
            c = NLLLoss(weight=w, reduction="mean")  # error: LF113 at `NLLLoss(`
            """,
        ),
        # one of them set, the other left at None
        Invalid(
            """
            import torch.nn.functional as F
            l = F.mse_loss(x, y, size_average=False, reduce=None)  # error: LF113 at `F.mse_loss(`
            """,
            fixed="""
            import torch.nn.functional as F
            l = F.mse_loss(x, y, reduction="sum")  # error: LF113 at `F.mse_loss(`
            """,
        ),
        # set on the object after it was built: ignored since PyTorch 0.4
        # (SentEval's classifier, vendored by SimCSE and DiffCSE, audit s87)
        Invalid(
            """
            import torch.nn as nn

            class Classifier:
                def __init__(self, d, n):
                    self.model = nn.Linear(d, n)
                    self.loss_fn = nn.CrossEntropyLoss()
                    self.loss_fn.size_average = False  # error: LF113 at `self.loss_fn.size_average = False`
            """
        ),
    ]
    VALID = [
        # parameters defaulting to None, passed on (mmfashion's
        # ``build_criterion``, audit s233): PyTorch ignores a None
        """
        import torch.nn as nn

        def build_criterion(loss_dict, size_average=None, reduce=None):
            return nn.BCEWithLogitsLoss(
                weight=loss_dict["weight"], size_average=size_average, reduce=reduce
            )
        """,
        """
        import torch.nn as nn
        loss_fn = nn.CrossEntropyLoss()
        loss_fn.reduction = "sum"
        """,
        # not a loss object: an option of the file's own
        """
        class Options:
            pass
        opts = Options()
        opts.size_average = False
        """,
        # None is their default: `reduction` applies (cszn's DnCNN, audit R82)
        """
        import torch.nn as nn
        import torch.nn.functional as F
        a = F.mse_loss(x, y, size_average=None, reduce=None, reduction='sum')
        b = nn.MSELoss(size_average=None, reduce=None, reduction='sum')
        """,
        # position 4 of cross_entropy is ignore_index, not a reduction
        """
        import torch.nn.functional as F
        loss = F.cross_entropy(logits, target, None, None, -1)
        """,
        # the weight alone, or None where size_average sits
        """
        import torch.nn as nn
        a = nn.CrossEntropyLoss(class_weights)
        b = nn.NLLLoss(class_weights, None, 255)
        """,
        """
        import torch.nn as nn
        crit = nn.MSELoss(reduction='sum')
        """,
        """
        import torch.nn.functional as F
        l = F.cross_entropy(x, y, reduction='none')
        """,
        """
        def mse(a, b, size_average=True):
            return a
        l = mse(x, y, size_average=False)
        """,
        """
        import numpy as np
        s = np.add.reduce(a)
        """,
        """
        import torch.nn as nn
        class MyLoss(nn.Module):
            def __init__(self, reduce=True):
                super().__init__()
        m = MyLoss(reduce=False)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        yield from self._set_after_construction(model)
        names = (*apis.LOSS_CLASSES, *apis.LOSS_FUNCTIONS)
        for site in model.calls_to(*names):
            call = site.node
            # ``size_average=None, reduce=None`` are the defaults: ``reduction``
            # applies (cszn's DnCNN passes them beside ``reduction='sum'``)
            # a value read elsewhere (``size_average=cfg.size_average``, a
            # parameter defaulting to None: mmfashion's configs, audit s233) is
            # not known to be set
            legacy = [
                a
                for a in call.args
                if a.keyword is not None
                and a.keyword.value in ("size_average", "reduce")
                and _set(model, a.value)
            ]
            if legacy:
                yield Finding(
                    node=call,
                    message="`size_average`/`reduce` are deprecated and override `reduction`: "
                    f"{self._advice(call)}",
                    fix=self._fix(call),
                )
            elif _positional_legacy(call, site.qualname):
                yield Finding(
                    node=call,
                    message="`size_average`/`reduce` passed by position are deprecated and "
                    "override `reduction`: pass `reduction='mean' | 'sum' | 'none'` by name",
                )

    @staticmethod
    def _set_after_construction(model: SemanticModel) -> Iterator[Finding]:
        """``loss_fn.size_average = False`` on a built torch loss: the loss
        reads ``reduction``, fixed when it was constructed."""
        for node in model.nodes_of_type(cst.Assign):
            assert isinstance(node, cst.Assign)
            if len(node.targets) != 1:
                continue
            target = node.targets[0].target
            if not (
                isinstance(target, cst.Attribute)
                and target.attr.value in ("size_average", "reduce")
                and isinstance(literal_value(node.value), bool)
            ):
                continue
            if not _built_loss(model, target.value, node):
                continue
            meant = {
                ("size_average", False): "sum",
                ("size_average", True): "mean",
                ("reduce", False): "none",
            }.get((target.attr.value, literal_value(node.value) is True))
            advice = f"`reduction = '{meant}'`" if meant else "`reduction=` when building it"
            yield Finding(
                node=node,
                message=f"`{target.attr.value}` set on a built loss does nothing since PyTorch "
                f"0.4 (the loss reads `reduction`, fixed when it was constructed): set {advice}",
            )

    @staticmethod
    def _legacy_reduction(call: cst.Call) -> str | None:
        values = {}
        for name in ("size_average", "reduce"):
            arg = keyword(call, name)
            value = True if arg is None else literal_value(arg.value)
            if value is None:
                value = True
            if not isinstance(value, bool):
                return None
            values[name] = value
        if not values["reduce"]:
            return "none"
        return "mean" if values["size_average"] else "sum"

    def _advice(self, call: cst.Call) -> str:
        reduction = self._legacy_reduction(call)
        if reduction is None:
            return "use reduction='mean' | 'sum' | 'none'"
        return f"use reduction='{reduction}'"

    def _fix(self, call: cst.Call) -> FixSpec | None:
        reduction = self._legacy_reduction(call)
        if reduction is None:
            return None
        fixed = set_keyword(
            call, "reduction", cst.SimpleString(f'"{reduction}"'), drop=("size_average", "reduce")
        )
        return FixSpec(Applicability.SAFE, f'use reduction="{reduction}"', (NodeEdit(call, fixed),))


def _positional_legacy(call: cst.Call, qualname: str | None) -> bool:
    """``nn.NLLLoss(weight, size_average, ignore_index)``: a positional argument
    where the class takes ``size_average`` or ``reduce``."""
    at = apis.LEGACY_REDUCTION_POSITIONS.get(qualname or "")
    if at is None or any(a.star for a in call.args):
        return False
    args = positional(call)
    return any(index < len(args) and not _is_none(args[index].value) for index in at)


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _built_loss(model: SemanticModel, receiver: cst.BaseExpression, at: cst.Assign) -> bool:
    """``receiver`` (a name, or ``self.<attr>``) holds a torch loss object (also
    one a project module builds): every
    assignment of the name is one, or the class's attribute is one (as the
    value-kind analysis leaves it after its methods)."""
    if isinstance(receiver, cst.Name):
        values = assignments(model, receiver)
        return bool(values) and all(isinstance(model.value(v), _LOSS_OBJECTS) for v in values)
    attr = self_attribute(receiver)
    cls = model.enclosing(at, cst.ClassDef)
    if attr is None or not isinstance(cls, cst.ClassDef):
        return False
    return isinstance(model.kinds.class_attrs(cls).get(attr), _LOSS_OBJECTS)


#: a torch loss object built here, or in another project module (``build_loss()``)
_LOSS_OBJECTS = (LossObject, ForeignLoss)


def _set(model: SemanticModel, value: cst.BaseExpression) -> bool:
    """``value`` may be other than None: a literal, a name bound to literals
    one of which is not None, a parameter whose default is not None (an old
    ``nll_loss(..., size_average=True)`` wrapper passing it on), or anything
    else read from elsewhere (``self.size_average``). A parameter defaulting
    to None is not known to be set (mmfashion's ``build_criterion``, audit
    s233): PyTorch ignores a None."""
    bound = literals_bound(model, value)
    if bound is not None:
        return any(v is not None for v in bound)
    if isinstance(value, cst.Name):
        default = _parameter_default(model, value)
        if default is not None:
            return literal_value(default) is not None
    return True


def _parameter_default(model: SemanticModel, name: cst.Name) -> cst.BaseExpression | None:
    """The default of the parameter ``name`` reads (bound nowhere else in its
    function); None when it is no parameter or has no default."""
    bindings = model.bindings(name) or []
    if len(bindings) != 1 or bindings[0].kind != "param":
        return None
    func = model.enclosing(name, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef):
        return None
    return param_defaults(func.params).get(name.value)
