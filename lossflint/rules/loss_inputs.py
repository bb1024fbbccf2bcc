"""LF1xx: what is fed to a PyTorch loss (and TensorFlow's ``*_with_logits``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, has_star_args, keyword, literal_value
from lossflint.analysis.kinds import LossCall, activation_dim, activation_operand
from lossflint.analysis.values import Tensor, Value
from lossflint.diagnostics import (
    Applicability,
    Finding,
    FixSpec,
    NodeEdit,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.cst_edits import with_keyword as _with_keyword

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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


# --- shared by the loss-input rules -------------------------------------------


def _loss_label(model: SemanticModel, loss: LossCall) -> str:
    if loss.ctor is not None:
        qualname = model.qualname(loss.ctor.func)
        if qualname:
            return qualname.rsplit(".", 1)[-1]
    return apis.short_loss(loss.functional)


def _expr_label(model: SemanticModel, expr: cst.BaseExpression) -> str:
    text = " ".join(model.code(expr).split())
    return text if len(text) <= 40 else text[:37] + "..."


def _evidence(model: SemanticModel, expr: cst.BaseExpression, value: Value) -> str:
    """ "'scores' comes from softmax at line 41 (Net.forward)", or "" when the
    producing call is the expression itself."""
    if isinstance(value, Tensor) and value.origin is expr:
        return ""
    described = model.kinds.describe(value)
    if not described:
        return ""
    return f"`{_expr_label(model, expr)}` comes from {described}"


def _related(
    model: SemanticModel, expr: cst.BaseExpression, value: Value
) -> tuple[RelatedNode, ...]:
    if isinstance(value, Tensor) and value.origin is not None and value.origin is not expr:
        return (RelatedNode(f"{value.kind.value} produced here", value.origin),)
    return ()


def _input(model: SemanticModel, loss: LossCall) -> tuple[cst.BaseExpression, Tensor] | None:
    if loss.input_expr is None:
        return None
    value = model.value(loss.input_expr)
    if not isinstance(value, Tensor):
        return None
    return loss.input_expr, value


def _target(model: SemanticModel, loss: LossCall) -> tuple[cst.BaseExpression, Tensor] | None:
    if loss.target_expr is None:
        return None
    value = model.value(loss.target_expr)
    if not isinstance(value, Tensor):
        return None
    return loss.target_expr, value


def _inputs_of_kind(
    model: SemanticModel, functionals: tuple[str, ...], kinds: tuple[Kind, ...]
) -> Iterator[tuple[LossCall, cst.BaseExpression, Tensor]]:
    """Calls of these losses whose input holds one of ``kinds`` there."""
    for loss in _losses(model, *functionals):
        found = _input(model, loss)
        if found is not None and found[1].kind in kinds:
            yield loss, found[0], found[1]


def _losses(model: SemanticModel, *functionals: str) -> list[LossCall]:
    wanted = set(functionals)
    return [c for c in model.kinds.loss_calls.values() if c.functional in wanted]


def _message(head: str, evidence: str, advice: str) -> str:
    return f"{head}: {evidence}; {advice}" if evidence else f"{head}; {advice}"


def _drop_activation_fix(
    model: SemanticModel, expr: cst.BaseExpression, value: Tensor, message: str
) -> FixSpec | None:
    """Replace an inline activation call by its operand (unsafe)."""
    if value.origin is not expr or not isinstance(expr, cst.Call):
        return None
    operand = activation_operand(model, expr)
    if operand is None:
        return None
    return FixSpec(
        Applicability.UNSAFE,
        message,
        (
            NodeEdit(
                expr,
                operand.with_changes(lpar=[], rpar=[])
                if isinstance(operand, cst.Name)
                else operand,
            ),
        ),
    )


def _rename_call(call: cst.Call, old: str, new: str) -> cst.Call | None:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == old:
        return call.with_changes(func=func.with_changes(attr=cst.Name(new)))
    return None


PROBABILITY_KINDS = (Kind.PROBS, Kind.SIGMOID_PROBS)


class _LossInputRule(Rule):
    """A loss-input rule: one finding per cause.

    When the same wrong value (one softmax/sigmoid/Linear origin) reaches
    several loss calls, the first call is reported and the message names the
    others: one bug, one finding.
    """

    def findings(self, model: SemanticModel) -> Iterator[Finding]:  # pragma: no cover
        raise NotImplementedError

    def report(
        self,
        model: SemanticModel,
        loss: LossCall,
        expr: cst.BaseExpression,
        value: Value,
        head: str,
        advice: str,
        fix: FixSpec | None = None,
    ) -> Finding:
        """The finding at the loss call, with the evidence of where ``value`` came from."""
        return Finding(
            node=loss.node,
            message=_message(head, _evidence(model, expr, value), advice),
            fix=fix,
            related=_related(model, expr, value),
        )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        groups: dict[int, list[Finding]] = {}
        order: list[list[Finding]] = []
        for finding in self.findings(model):
            if not finding.related:
                order.append([finding])
                continue
            key = id(finding.related[0].node)
            if key not in groups:
                groups[key] = []
                order.append(groups[key])
            groups[key].append(finding)
        for group in order:
            first = group[0]
            if len(group) == 1:
                yield first
                continue
            rows = [str(model.line_of(f.node)) for f in group[1:]]
            where = f"line{'s' if len(rows) > 1 else ''} {', '.join(rows)}"
            yield Finding(
                node=first.node,
                message=f"{first.message} (the same value also reaches the loss at {where})",
                fix=first.fix,
                related=first.related,
            )


# --- rules --------------------------------------------------------------------


class ProbabilitiesIntoCrossEntropy(_LossInputRule):
    code = "LF101"
    name = "probabilities-into-cross-entropy"
    severity = Severity.ERROR
    summary = "CrossEntropyLoss / F.cross_entropy gets softmax or sigmoid output"
    fix_kind = "unsafe"
    needs = ("cross_entropy", "CrossEntropyLoss", "softmax_cross_entropy")
    what = """
Flags `nn.CrossEntropyLoss` / `F.cross_entropy` (and the `logits=` argument of
TensorFlow's `softmax_cross_entropy_with_logits` / `sparse_softmax_cross_entropy_with_logits`)
whose input holds softmax or sigmoid output: inline, through variables, from an
`nn.Sequential` ending in `nn.Softmax`, or from a model whose `forward` returns
softmax — however many statements or calls away.
"""
    why = """
`cross_entropy` applies `log_softmax` itself. Fed probabilities, it computes the
log-softmax of values squeezed into [0, 1]: the loss saturates near
`log(C)`, its gradients vanish, and the model barely trains — with no error.
"""
    example = """
class Net(nn.Module):
    def forward(self, x):
        return torch.softmax(self.fc(x), dim=1)

criterion = nn.CrossEntropyLoss()
loss = criterion(net(x), y)   # LF101: pass the logits
"""
    fix_safety = """
Unsafe: when the softmax is written inline in the loss call, the fix removes it
(`F.cross_entropy(F.softmax(z, 1), y)` → `F.cross_entropy(z, y)`). This changes
the loss value — because the original was wrong. When the softmax sits in the
model, move it to the inference path by hand.
"""
    INVALID = [
        Invalid(
            "import torch.nn.functional as F\nloss = F.cross_entropy(F.softmax(z, dim=1), y)\n",
            2,
            8,
            fixed="import torch.nn.functional as F\nloss = F.cross_entropy(z, y)\n",
        ),
        Invalid(
            "import torch\nimport torch.nn as nn\n\n"
            "class Net(nn.Module):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.fc = nn.Linear(8, 3)\n\n"
            "    def forward(self, x):\n"
            "        return torch.softmax(self.fc(x), dim=1)\n\n"
            "def train(net, loader):\n"
            "    criterion = nn.CrossEntropyLoss()\n"
            "    for x, y in loader:\n"
            "        scores = net(x)\n"
            "        loss = criterion(scores, y)\n"
            "        loss.backward()\n\n"
            "train(Net(), [])\n",
            16,
            16,
        ),
        Invalid(
            "from torch import nn\n"
            "model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3), nn.Softmax(dim=-1))\n"
            "crit = nn.CrossEntropyLoss(label_smoothing=0.1)\n"
            "out = model(inputs)\n"
            "loss = crit(out, labels)\n",
            5,
            8,
        ),
        Invalid(
            "import torch\nfrom torch.nn.functional import cross_entropy as ce\n"
            "probs = logits.softmax(-1)\nl = ce(probs, target)\n",
            4,
            5,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "pred = tf.nn.softmax(tf.matmul(x, W) + b)\n"
            "loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=pred))\n",
            3,
            23,
        ),
        Invalid(
            "import torch.nn as nn\nfrom collections import OrderedDict\n"
            "head = nn.Sequential(OrderedDict([('fc', nn.Linear(4, 2)), ('act', nn.Softmax(1))]))\n"
            "criterion = nn.CrossEntropyLoss()\nloss = criterion(head(x), y)\n",
            5,
            8,
        ),
    ]
    VALID = [
        # softmax only at inference: forward returns logits while training
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 3)\n    def forward(self, x):\n        z = self.fc(x)\n"
        "        if not self.training:\n            return z.softmax(-1)\n        return z\n"
        "net = Net()\nloss = F.cross_entropy(net(x), y)\n",
        # softmax used only for inference, after the loss
        "import torch\nimport torch.nn.functional as F\n"
        "logits = model(x)\nloss = F.cross_entropy(logits, y)\nprobs = torch.softmax(logits, dim=1)\n",
        # a user function called softmax
        "import torch.nn.functional as F\ndef softmax(x, dim):\n    return x\n"
        "loss = F.cross_entropy(softmax(z, 1), y)\n",
        # a branch where the kind differs
        "import torch\nimport torch.nn.functional as F\n"
        "if train:\n    out = net(x)\nelse:\n    out = torch.softmax(net(x), 1)\n"
        "loss = F.cross_entropy(out, y)\n",
        # shadowed import
        "import torch\nimport torch.nn.functional as F\n"
        "def f(F, z, y):\n    return F.cross_entropy(torch.softmax(z, 1), y)\n",
        # softmax reassigned away
        "import torch\nimport torch.nn.functional as F\n"
        "p = torch.softmax(z, 1)\np = z\nloss = F.cross_entropy(p, y)\n",
        # the model returns logits; softmax only in predict()
        "import torch\nimport torch.nn as nn\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 3)\n    def forward(self, x):\n        return self.fc(x)\n"
        "    def predict(self, x):\n        return torch.softmax(self(x), 1)\n"
        "net = Net()\nloss = nn.CrossEntropyLoss()(net(x), y)\n",
        # log_softmax + nll_loss is the right pairing
        "import torch.nn.functional as F\nloss = F.nll_loss(F.log_softmax(z, dim=1), y)\n",
        # soft targets may be probabilities: only the input matters
        "import torch\nimport torch.nn.functional as F\n"
        "loss = F.cross_entropy(student, torch.softmax(teacher / T, dim=1))\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        pairs = _inputs_of_kind(model, (apis.CROSS_ENTROPY, *apis.TF_SOFTMAX_CE), PROBABILITY_KINDS)
        for loss, expr, value in pairs:
            what = "softmax" if value.kind is Kind.PROBS else "sigmoid"
            message = _message(
                f"{_loss_label(model, loss)} gets {what} output (it applies log_softmax itself)",
                _evidence(model, expr, value),
                "pass the logits instead",
            )
            yield Finding(
                node=loss.node,
                message=message,
                fix=_drop_activation_fix(model, expr, value, f"drop the {what}"),
                related=_related(model, expr, value),
            )


class NllLossWithoutLogSoftmax(_LossInputRule):
    code = "LF102"
    name = "nll-loss-without-log-softmax"
    severity = Severity.ERROR
    summary = "NLLLoss / F.nll_loss gets probabilities or raw logits, not log-probabilities"
    fix_kind = "unsafe"
    needs = ("nll_loss", "NLLLoss")
    what = """
Flags `nn.NLLLoss` / `F.nll_loss` whose input holds softmax/sigmoid output or raw
logits (a `Linear` layer's output) instead of `log_softmax` output.
"""
    why = """
`nll_loss` only picks `-input[target]`: it expects log-probabilities. On
probabilities the loss is `-p`, bounded in [-1, 0], and minimising it does not
maximise the likelihood; on logits it is unbounded below and diverges.
"""
    example = """
probs = F.softmax(model(x), dim=1)
loss = F.nll_loss(probs, y)                          # LF102
loss = F.nll_loss(F.log_softmax(model(x), dim=1), y) # right
"""
    fix_safety = """
Unsafe: for an inline `softmax(...)` input the fix turns it into
`log_softmax(...)` (same `dim`), which changes the loss value because the
original was wrong.
"""
    INVALID = [
        Invalid(
            "import torch.nn.functional as F\nloss = F.nll_loss(F.softmax(z, dim=1), y)\n",
            2,
            8,
            fixed="import torch.nn.functional as F\nloss = F.nll_loss(F.log_softmax(z, dim=1), y)\n",
        ),
        Invalid(
            "import torch.nn as nn\nfc = nn.Linear(16, 4)\ncrit = nn.NLLLoss()\n"
            "def step(x, y):\n    return crit(fc(x), y)\n",
            5,
            12,
        ),
        Invalid(
            "import torch\nimport torch.nn as nn\n"
            "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.net = nn.Sequential(nn.Linear(3, 3), nn.Softmax(dim=1))\n"
            "        self.loss = nn.NLLLoss()\n"
            "    def forward(self, x, y):\n        return self.loss(self.net(x), y)\n",
            9,
            16,
        ),
    ]
    VALID = [
        "import torch.nn.functional as F\nloss = F.nll_loss(F.log_softmax(z, dim=1), y)\n",
        "import torch.nn as nn\nnet = nn.Sequential(nn.Linear(3, 3), nn.LogSoftmax(dim=1))\n"
        "loss = nn.NLLLoss()(net(x), y)\n",
        "import torch\nimport torch.nn.functional as F\nlp = torch.log(p.clamp_min(1e-8))\n"
        "loss = F.nll_loss(lp, y)\n",
        "import torch.nn.functional as F\ndef nll_loss(a, b):\n    return a\n"
        "loss = nll_loss(F.softmax(z, 1), y)\n",
        "import torch.nn.functional as F\nloss = F.nll_loss(model(x), y)\n",
        "import torch.nn.functional as F\nlp = F.log_softmax(z, -1)\nloss = F.nll_loss(lp.view(-1, 10), y.view(-1))\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        wrong = (Kind.PROBS, Kind.SIGMOID_PROBS, Kind.LOGITS)
        for loss, expr, value in _inputs_of_kind(model, (apis.NLL,), wrong):
            label = {
                Kind.PROBS: "softmax probabilities",
                Kind.SIGMOID_PROBS: "sigmoid probabilities",
                Kind.LOGITS: "raw logits",
            }[value.kind]
            fix = None
            if value.origin is expr and isinstance(expr, cst.Call) and value.kind is Kind.PROBS:
                renamed = _rename_call(expr, "softmax", "log_softmax")
                if renamed is not None:
                    fix = FixSpec(
                        Applicability.UNSAFE, "use log_softmax", (NodeEdit(expr, renamed),)
                    )
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{_loss_label(model, loss)} gets {label}, not log-probabilities",
                "apply log_softmax(..., dim=1) or use cross_entropy on the logits",
                fix=fix,
            )


class SigmoidIntoBceWithLogits(_LossInputRule):
    code = "LF103"
    name = "sigmoid-into-bce-with-logits"
    severity = Severity.ERROR
    summary = "BCEWithLogitsLoss gets sigmoid output (sigmoid applied twice)"
    fix_kind = "unsafe"
    needs = ("with_logits", "WithLogits")
    what = """
Flags `nn.BCEWithLogitsLoss` / `F.binary_cross_entropy_with_logits` (and the
`logits=` argument of TensorFlow's `sigmoid_cross_entropy_with_logits`) whose
input holds sigmoid output.
"""
    why = """
The `_with_logits` losses apply the sigmoid themselves. A second sigmoid squashes
the predictions into (0.5, 0.73): the model cannot fit targets of 0, the loss
plateaus and gradients shrink.
"""
    example = """
loss = F.binary_cross_entropy_with_logits(torch.sigmoid(z), y)  # LF103
loss = F.binary_cross_entropy_with_logits(z, y)                 # right
"""
    fix_safety = """
Unsafe: for an inline sigmoid the fix passes its argument instead. The loss
value changes, because the original was wrong.
"""
    INVALID = [
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "loss = F.binary_cross_entropy_with_logits(torch.sigmoid(z), y)\n",
            3,
            8,
            fixed="import torch\nimport torch.nn.functional as F\n"
            "loss = F.binary_cross_entropy_with_logits(z, y)\n",
        ),
        Invalid(
            "import torch.nn as nn\n"
            "class Head(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(8, 1)\n        self.act = nn.Sigmoid()\n"
            "    def forward(self, x):\n        return self.act(self.fc(x))\n"
            "head = Head()\ncrit = nn.BCEWithLogitsLoss(pos_weight=w)\nloss = crit(head(x), y)\n",
            11,
            8,
        ),
        Invalid(
            "import tensorflow as tf\np = tf.sigmoid(logits)\n"
            "loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=p)\n",
            3,
            8,
        ),
    ]
    VALID = [
        "import torch.nn.functional as F\nloss = F.binary_cross_entropy_with_logits(z, y)\n",
        "import torch\nimport torch.nn.functional as F\n"
        "loss = F.binary_cross_entropy_with_logits(z, y)\npred = torch.sigmoid(z) > 0.5\n",
        "import torch\nimport torch.nn as nn\ncrit = nn.BCEWithLogitsLoss()\n"
        "loss = crit(z, torch.sigmoid(teacher))\n",
        "import torch.nn.functional as F\ndef sigmoid(x):\n    return x\n"
        "loss = F.binary_cross_entropy_with_logits(sigmoid(z), y)\n",
        "import torch\nimport torch.nn.functional as F\n"
        "z = torch.sigmoid(a) if cal else a\nloss = F.binary_cross_entropy_with_logits(z, y)\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in _inputs_of_kind(
            model,
            (
                apis.BCE_LOGITS,
                *apis.TF_SIGMOID_CE,
            ),
            (Kind.SIGMOID_PROBS,),
        ):
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{_loss_label(model, loss)} gets sigmoid output (it applies sigmoid itself)",
                "pass the logits instead",
                fix=_drop_activation_fix(model, expr, value, "drop the sigmoid"),
            )


class BceOnSigmoid(_LossInputRule):
    code = "LF104"
    name = "bce-on-sigmoid"
    severity = Severity.WARNING
    summary = "BCELoss on sigmoid output: use BCEWithLogitsLoss on the logits"
    fix_kind = "safe"
    needs = ("binary_cross_entropy", "BCELoss")
    what = """
Flags `nn.BCELoss` / `F.binary_cross_entropy` applied to sigmoid output.
"""
    why = """
`log(sigmoid(x))` saturates: for confident wrong predictions the sigmoid rounds to
0 or 1, PyTorch clamps the log at -100 and the gradient vanishes. It is also
refused under CUDA autocast. `binary_cross_entropy_with_logits` fuses both in a
numerically stable way.
"""
    example = """
loss = F.binary_cross_entropy(torch.sigmoid(z), y)   # LF104
loss = F.binary_cross_entropy_with_logits(z, y)      # stable
"""
    fix_safety = """
Safe for the inline functional form: `binary_cross_entropy(sigmoid(x), y)` and
`binary_cross_entropy_with_logits(x, y)` are the same function, minus the
saturation. Loss objects (`nn.BCELoss()`) are not rewritten automatically.
"""
    INVALID = [
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "loss = F.binary_cross_entropy(torch.sigmoid(z), y, weight=w)\n",
            3,
            8,
            fixed="import torch\nimport torch.nn.functional as F\n"
            "loss = F.binary_cross_entropy_with_logits(z, y, weight=w)\n",
        ),
        Invalid(
            "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\n"
            "crit = nn.BCELoss()\nfor x, y in loader:\n    loss = crit(model(x), y)\n",
            5,
            12,
        ),
        Invalid(
            "import torch.nn.functional as F\nimport torch\n"
            "def loss_fn(logits, y):\n    p = logits.sigmoid()\n    return F.binary_cross_entropy(p, y)\n",
            5,
            12,
        ),
        # one finding per cause: the discriminator's sigmoid reaches three calls
        Invalid(
            "import torch\nimport torch.nn as nn\n"
            "d = nn.Sequential(nn.Linear(784, 1), nn.Sigmoid())\nbce = nn.BCELoss()\n"
            "loss_d = bce(d(real), ones) + bce(d(fake.detach()), zeros)\nloss_g = bce(d(fake), ones)\n",
            5,
            10,
        ),
    ]
    VALID = [
        "import torch.nn.functional as F\nloss = F.binary_cross_entropy_with_logits(z, y)\n",
        "import torch.nn.functional as F\nloss = F.binary_cross_entropy(p, y)\n",
        "import torch\nimport torch.nn.functional as F\n"
        "p = torch.sigmoid(z).clamp(1e-6, 1 - 1e-6)\nloss = F.binary_cross_entropy(p, y)\n",
        "import torch.nn.functional as F\nimport torch\n"
        "loss = F.binary_cross_entropy(torch.softmax(z, 1)[:, 1], y)\n",
        "import torch\ndef binary_cross_entropy(a, b):\n    return a\n"
        "loss = binary_cross_entropy(torch.sigmoid(z), y)\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in _inputs_of_kind(model, (apis.BCE,), (Kind.SIGMOID_PROBS,)):
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{_loss_label(model, loss)} on sigmoid output saturates",
                "use binary_cross_entropy_with_logits / BCEWithLogitsLoss on the logits",
                fix=self._fix(model, loss, expr, value),
            )

    def _fix(
        self, model: SemanticModel, loss: LossCall, expr: cst.BaseExpression, value: Tensor
    ) -> FixSpec | None:
        if loss.ctor is not None or value.origin is not expr or not isinstance(expr, cst.Call):
            return None
        operand = activation_operand(model, expr)
        renamed = _rename_call(
            loss.node, "binary_cross_entropy", "binary_cross_entropy_with_logits"
        )
        if operand is None or renamed is None:
            return None
        args = [a.with_changes(value=operand) if a.value is expr else a for a in renamed.args]
        return FixSpec(
            Applicability.SAFE,
            "use binary_cross_entropy_with_logits on the logits",
            (NodeEdit(loss.node, renamed.with_changes(args=args)),),
        )


class BceOnLogits(_LossInputRule):
    code = "LF105"
    name = "bce-on-logits"
    severity = Severity.ERROR
    summary = "BCELoss gets unbounded values (a Linear output with no sigmoid)"
    fix_kind = "unsafe"
    needs = ("binary_cross_entropy", "BCELoss")
    what = """
Flags `nn.BCELoss` / `F.binary_cross_entropy` whose input is unbounded: the output
of a `Linear`/`Conv` layer, or of a model or `nn.Sequential` that ends in one
with no sigmoid.
"""
    why = """
`BCELoss` requires inputs in [0, 1]. Raw scores raise a device-side assert on
CUDA ("all elements of input should be between 0 and 1") or produce NaN.
"""
    example = """
model = nn.Sequential(nn.Linear(8, 1))
loss = nn.BCELoss()(model(x), y)          # LF105
loss = nn.BCEWithLogitsLoss()(model(x), y)
"""
    fix_safety = """
Unsafe: the fix switches to the `_with_logits` variant (`F.binary_cross_entropy`
→ `F.binary_cross_entropy_with_logits`, or `nn.BCELoss` → `nn.BCEWithLogitsLoss`
at its construction), which changes what the loss computes.
"""
    INVALID = [
        Invalid(
            "import torch.nn as nn\nimport torch.nn.functional as F\nfc = nn.Linear(8, 1)\n"
            "loss = F.binary_cross_entropy(fc(x), y)\n",
            4,
            8,
            fixed="import torch.nn as nn\nimport torch.nn.functional as F\nfc = nn.Linear(8, 1)\n"
            "loss = F.binary_cross_entropy_with_logits(fc(x), y)\n",
        ),
        Invalid(
            "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1))\n"
            "crit = nn.BCELoss()\nloss = crit(model(x), y)\n",
            4,
            8,
            fixed="import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1))\n"
            "crit = nn.BCEWithLogitsLoss()\nloss = crit(model(x), y)\n",
        ),
        Invalid(
            "import torch.nn as nn\n"
            "class D(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.out = nn.Linear(16, 1)\n"
            "    def forward(self, h):\n        return self.out(h)\n"
            "class GAN:\n    def __init__(self):\n        self.d = D()\n        self.bce = nn.BCELoss()\n"
            "    def d_loss(self, real, ones):\n        return self.bce(self.d(real), ones)\n",
            13,
            16,
        ),
    ]
    VALID = [
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())\n"
        "loss = nn.BCELoss()(model(x), y)\n",
        "import torch\nimport torch.nn as nn\nfc = nn.Linear(8, 1)\n"
        "loss = nn.BCELoss()(torch.sigmoid(fc(x)), y)\n",
        "import torch.nn as nn\nfc = nn.Linear(8, 1)\nloss = nn.BCEWithLogitsLoss()(fc(x), y)\n",
        "import torch.nn.functional as F\nloss = F.binary_cross_entropy(model(x), y)\n",
        "import torch.nn as nn\nimport torch.nn.functional as F\nfc = nn.Linear(8, 1)\n"
        "h = fc(x)\nh = h.sigmoid()\nloss = F.binary_cross_entropy(h, y)\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in _inputs_of_kind(model, (apis.BCE,), (Kind.LOGITS,)):
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{_loss_label(model, loss)} needs values in [0, 1] but gets raw scores",
                "use BCEWithLogitsLoss / binary_cross_entropy_with_logits",
                fix=self._fix(loss),
            )

    def _fix(self, loss: LossCall) -> FixSpec | None:
        if loss.ctor is None:
            renamed = _rename_call(
                loss.node, "binary_cross_entropy", "binary_cross_entropy_with_logits"
            )
            target = loss.node
        else:
            renamed = _rename_call(loss.ctor, "BCELoss", "BCEWithLogitsLoss")
            target = loss.ctor
        if renamed is None:
            return None
        return FixSpec(
            Applicability.UNSAFE, "use the _with_logits loss", (NodeEdit(target, renamed),)
        )


class KlDivInputNotLog(_LossInputRule):
    code = "LF106"
    name = "kl-div-input-not-log"
    severity = Severity.ERROR
    summary = "KLDivLoss / F.kl_div input is probabilities, not log-probabilities"
    fix_kind = "unsafe"
    needs = ("kl_div", "KLDivLoss")
    what = """
Flags `nn.KLDivLoss` / `F.kl_div` whose *input* (first argument) holds softmax
output instead of log-probabilities.
"""
    why = """
`kl_div(input, target)` computes `target * (log(target) - input)`: the input must
already be in log space. With probabilities the result is meaningless and often
negative, and distillation silently learns nothing useful.
"""
    example = """
loss = F.kl_div(F.softmax(student, 1), teacher_probs, reduction="batchmean")      # LF106
loss = F.kl_div(F.log_softmax(student, 1), teacher_probs, reduction="batchmean")  # right
"""
    fix_safety = """
Unsafe: an inline `softmax(...)` input becomes `log_softmax(...)`; the loss value
changes because the original was wrong.
"""
    INVALID = [
        Invalid(
            "import torch.nn.functional as F\n"
            "loss = F.kl_div(F.softmax(s, dim=1), t, reduction='batchmean')\n",
            2,
            8,
            fixed="import torch.nn.functional as F\n"
            "loss = F.kl_div(F.log_softmax(s, dim=1), t, reduction='batchmean')\n",
        ),
        Invalid(
            "import torch\nimport torch.nn as nn\nkl = nn.KLDivLoss(reduction='batchmean')\n"
            "p_s = torch.softmax(student_logits / T, dim=-1)\n"
            "p_t = torch.softmax(teacher_logits / T, dim=-1)\nloss = kl(p_s, p_t) * T * T\n",
            6,
            8,
        ),
        Invalid(
            "import torch.nn as nn\n"
            "class Distill(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.kl = nn.KLDivLoss(reduction='batchmean')\n        self.sm = nn.Softmax(dim=1)\n"
            "    def forward(self, s, t):\n        return self.kl(self.sm(s), t)\n",
            8,
            16,
        ),
    ]
    VALID = [
        "import torch.nn.functional as F\n"
        "loss = F.kl_div(F.log_softmax(s, 1), F.softmax(t, 1), reduction='batchmean')\n",
        "import torch\nimport torch.nn.functional as F\n"
        "loss = F.kl_div(torch.log(p.clamp_min(1e-8)), q, reduction='batchmean')\n",
        "import torch.nn.functional as F\n"
        "loss = F.kl_div(s.log_softmax(-1), t.log_softmax(-1), reduction='batchmean', log_target=True)\n",
        "import torch.nn.functional as F\nloss = F.kl_div(inp, tgt, reduction='batchmean')\n",
        "import torch.nn.functional as F\ndef kl_div(a, b, reduction):\n    return a\n"
        "loss = kl_div(F.softmax(s, 1), t, reduction='sum')\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in _inputs_of_kind(model, (apis.KL_DIV,), (Kind.PROBS,)):
            fix = None
            if value.origin is expr and isinstance(expr, cst.Call):
                renamed = _rename_call(expr, "softmax", "log_softmax")
                if renamed is not None:
                    fix = FixSpec(
                        Applicability.UNSAFE, "use log_softmax", (NodeEdit(expr, renamed),)
                    )
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{_loss_label(model, loss)} input is probabilities; it expects log-probabilities",
                "apply log_softmax to the input",
                fix=fix,
            )


def _set_keyword(
    call: cst.Call, name: str, value: cst.BaseExpression, drop: tuple[str, ...] = ()
) -> cst.Call:
    """``call`` with ``name=value`` set (replaced or appended), dropping ``drop`` keywords."""
    args = [a for a in call.args if not (a.keyword is not None and a.keyword.value in drop)]
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[index] = arg.with_changes(value=value)
            break
    else:
        return _with_keyword(call.with_changes(args=_strip_trailing_comma(args)), name, value)
    return call.with_changes(args=_strip_trailing_comma(args))


def _strip_trailing_comma(args: list[cst.Arg]) -> list[cst.Arg]:
    if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args


class KlDivMeanReduction(Rule):
    code = "LF107"
    name = "kl-div-mean-reduction"
    severity = Severity.WARNING
    summary = "KLDivLoss with reduction='mean' is not the KL divergence: use 'batchmean'"
    fix_kind = "unsafe"
    needs = ("kl_div", "KLDivLoss")
    what = """
Flags `nn.KLDivLoss()` and `F.kl_div(...)` with the default or an explicit
`reduction="mean"`.
"""
    why = """
`reduction="mean"` averages over every element, not over the batch, so the value
is the KL divergence divided by the number of classes: gradients are scaled
down by C and temperature-scaled distillation recipes silently break. PyTorch's
documentation says to use `reduction="batchmean"`.
"""
    example = """
kl = nn.KLDivLoss()                       # LF107
kl = nn.KLDivLoss(reduction="batchmean")  # the real KL per sample
"""
    fix_safety = """
Unsafe: `reduction="batchmean"` changes the loss value by a factor of the number
of elements per sample (which is the point).
"""
    INVALID = [
        Invalid(
            "import torch.nn as nn\nkl = nn.KLDivLoss()\n",
            2,
            6,
            fixed='import torch.nn as nn\nkl = nn.KLDivLoss(reduction="batchmean")\n',
        ),
        Invalid(
            "import torch.nn.functional as F\nloss = F.kl_div(lp, q, reduction='mean')\n",
            2,
            8,
            fixed='import torch.nn.functional as F\nloss = F.kl_div(lp, q, reduction="batchmean")\n',
        ),
        Invalid(
            "from torch.nn import KLDivLoss\nclass T:\n    def __init__(self):\n"
            "        self.crit = KLDivLoss(log_target=True)\n",
            4,
            21,
        ),
    ]
    VALID = [
        "import torch.nn as nn\nkl = nn.KLDivLoss(reduction='batchmean')\n",
        "import torch.nn.functional as F\nloss = F.kl_div(lp, q, reduction='sum') / n\n",
        "import torch.nn.functional as F\nloss = F.kl_div(lp, q, reduction='none').sum(-1).mean()\n",
        "import torch.nn.functional as F\nloss = F.kl_div(lp, q, reduction=red)\n",
        "import torch.nn as nn\nkl = nn.KLDivLoss(size_average=False)\n",
        "def kl_div(a, b):\n    return a\nloss = kl_div(p, q)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to("torch.nn.KLDivLoss", apis.KL_DIV):
            call = site.node
            if has_star_args(call) or keyword(call, "size_average", "reduce") is not None:
                continue
            position = 0 if site.qualname == "torch.nn.KLDivLoss" else 2
            reduction_arg = argument(call, None, "reduction")
            if (
                reduction_arg is None
                and any(a.keyword is None for a in call.args[position:])
                and len([a for a in call.args if a.keyword is None]) > position
            ):
                continue  # positional legacy arguments: LF113 territory
            reduction = "mean" if reduction_arg is None else literal_value(reduction_arg)
            if reduction != "mean":
                continue
            fixed = _set_keyword(call, "reduction", cst.SimpleString('"batchmean"'))
            yield Finding(
                node=call,
                message="reduction='mean' averages over every element, not the batch: "
                "this is not the KL divergence; use reduction='batchmean'",
                fix=FixSpec(
                    Applicability.UNSAFE, "use reduction='batchmean'", (NodeEdit(call, fixed),)
                ),
            )


class RegressionLossOnClassTargets(_LossInputRule):
    code = "LF108"
    name = "regression-loss-on-class-targets"
    severity = Severity.ERROR
    summary = "MSE/L1/Huber loss on class indices or on softmax-vs-label targets"
    needs = ("mse", "MSE", "l1_loss", "L1Loss", "huber", "Huber", "smooth_l1", "SmoothL1")
    what = """
Flags `MSELoss`/`L1Loss`/`SmoothL1Loss`/`HuberLoss` (and `F.mse_loss`, `l1_loss`,
`smooth_l1_loss`, `huber_loss`) whose target holds class indices (from
`argmax`, `torch.randint`, `.long()` labels), or whose input is softmax output
compared with class indices or one-hot labels.
"""
    why = """
A classifier trained as a regression: the loss treats class 7 as "closer" to 8
than to 1, gradients are wrong, and an `(N, C)` prediction against `(N,)`
indices silently broadcasts to `(N, N, C)`.
"""
    example = """
loss = F.mse_loss(logits, labels.float())   # labels are class indices: LF108
loss = F.cross_entropy(logits, labels)      # a classification loss
"""
    fix_safety = "There is no automatic fix: switch to `cross_entropy` on the logits."
    INVALID = [
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "y = torch.randint(0, 10, (64,))\nloss = F.mse_loss(out, y.float())\n",
            4,
            8,
        ),
        Invalid(
            "import torch\nimport torch.nn as nn\ncrit = nn.MSELoss()\n"
            "def step(model, x, target):\n    probs = torch.softmax(model(x), dim=1)\n"
            "    onehot = torch.nn.functional.one_hot(target, 10)\n"
            "    return crit(probs, onehot.float())\n",
            7,
            12,
        ),
        Invalid(
            "import torch.nn as nn\nl1 = nn.L1Loss()\n"
            "def f(pred, labels):\n    return l1(pred, labels.long())\n",
            4,
            12,
        ),
    ]
    VALID = [
        "import torch.nn.functional as F\nloss = F.mse_loss(pred, target)\n",
        # distillation with MSE between two probability vectors is a technique
        "import torch\nimport torch.nn.functional as F\n"
        "loss = F.mse_loss(torch.softmax(s / T, 1), torch.softmax(t / T, 1))\n",
        "import torch.nn.functional as F\nloss = F.mse_loss(pred, y.float())\n",
        "import torch\nimport torch.nn.functional as F\n"
        "loss = F.smooth_l1_loss(boxes, torch.randn(4, 4))\n",
        "import torch\nimport torch.nn.functional as F\ny = torch.randint(0, 10, (64,))\n"
        "loss = F.cross_entropy(out, y)\n",
        "def mse_loss(a, b):\n    return a\nimport torch\nloss = mse_loss(x, torch.argmax(y, 1))\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss in _losses(model, *apis.REGRESSION_LOSSES):
            target = _target(model, loss)
            inp = _input(model, loss)
            reason = None
            evidence_pair = None
            if target is not None and target[1].kind is Kind.CLASS_INDICES:
                reason = "its target holds class indices"
                evidence_pair = target
            elif (
                inp is not None
                and inp[1].kind is Kind.PROBS
                and target is not None
                and target[1].kind in (Kind.CLASS_INDICES, Kind.ONE_HOT)
            ):
                reason = "it compares softmax output with class labels"
                evidence_pair = inp
            if reason is None or evidence_pair is None:
                continue
            expr, value = evidence_pair
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{_loss_label(model, loss)} trains a classifier as a regression: {reason}",
                "use cross_entropy on the logits",
            )


class CrossEntropyFloatClassTargets(_LossInputRule):
    code = "LF109"
    name = "cross-entropy-float-class-targets"
    severity = Severity.ERROR
    summary = "cross_entropy target is class indices cast to float"
    fix_kind = "unsafe"
    needs = ("cross_entropy", "CrossEntropyLoss")
    what = """
Flags `nn.CrossEntropyLoss` / `F.cross_entropy` whose target holds class indices
cast to a floating dtype (`.float()`, `.double()`, `.to(torch.float32)`).
"""
    why = """
Since PyTorch 1.10 a floating-point target is read as class *probabilities* with
the same shape as the input: `(N,)` float indices against `(N, C)` logits raise
a shape error, and matching shapes train on garbage.
"""
    example = """
loss = F.cross_entropy(logits, labels.float())   # LF109
loss = F.cross_entropy(logits, labels.long())    # class indices
"""
    fix_safety = """
Unsafe: an inline `.float()` on the target becomes `.long()`.
"""
    INVALID = [
        Invalid(
            "import torch\nimport torch.nn.functional as F\ny = torch.randint(0, 5, (8,))\n"
            "loss = F.cross_entropy(logits, y.float())\n",
            4,
            8,
            fixed="import torch\nimport torch.nn.functional as F\ny = torch.randint(0, 5, (8,))\n"
            "loss = F.cross_entropy(logits, y.long())\n",
        ),
        Invalid(
            "import torch\nimport torch.nn as nn\ncrit = nn.CrossEntropyLoss()\n"
            "def step(out, labels):\n    target = labels.long().to(torch.float32)\n"
            "    return crit(out, target)\n",
            6,
            12,
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "pseudo = teacher(x).argmax(dim=1)\nloss = F.cross_entropy(student(x), pseudo.double())\n",
            4,
            8,
        ),
    ]
    VALID = [
        "import torch.nn.functional as F\nloss = F.cross_entropy(logits, y.long())\n",
        "import torch.nn.functional as F\nloss = F.cross_entropy(logits, F.one_hot(y, 5).float())\n",
        "import torch\nimport torch.nn.functional as F\n"
        "loss = F.cross_entropy(logits, torch.softmax(t, dim=1))\n",
        "import torch.nn.functional as F\nloss = F.cross_entropy(logits, soft.float())\n",
        "import torch\nimport torch.nn.functional as F\ny = torch.randint(0, 5, (8,))\n"
        "loss = F.cross_entropy(logits, y)\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss in _losses(model, apis.CROSS_ENTROPY):
            found = _target(model, loss)
            if found is None:
                continue
            expr, value = found
            if value.kind is not Kind.CLASS_INDICES or not value.float_cast:
                continue
            fix = None
            if isinstance(expr, cst.Call) and not expr.args:
                renamed = None
                for cast in ("float", "double", "half"):
                    renamed = renamed or _rename_call(expr, cast, "long")
                if renamed is not None:
                    fix = FixSpec(Applicability.UNSAFE, "use .long()", (NodeEdit(expr, renamed),))
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{_loss_label(model, loss)} target is class indices cast to float: "
                "float targets are read as class probabilities",
                "pass integer (long) class indices",
                fix=fix,
            )


class DoubleActivation(Rule):
    code = "LF111"
    name = "double-activation"
    severity = Severity.WARNING
    summary = "softmax of softmax, sigmoid of sigmoid, or softmax of sigmoid"
    needs = ("softmax", "sigmoid", "Softmax", "Sigmoid")
    what = """
Flags an activation applied to a value that already went through one: softmax
of softmax output, sigmoid of sigmoid output, softmax of sigmoid output —
inline, through variables, or in a layer (`self.act(x)` with `self.act =
nn.Softmax(dim=1)`).
"""
    why = """
A second softmax flattens the distribution towards uniform (all inputs lie in
[0, 1]); a second sigmoid squashes everything into (0.5, 0.73). It is almost
always a forgotten activation in the model plus another in the training code.
"""
    example = """
probs = torch.softmax(model(x), dim=1)   # model(x) already ends in softmax: LF111
"""
    INVALID = [
        Invalid(
            "import torch\np = torch.softmax(torch.softmax(z, dim=1), dim=1)\n",
            2,
            5,
        ),
        Invalid(
            "import torch\nimport torch.nn as nn\n"
            "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(4, 1)\n"
            "    def forward(self, x):\n        return torch.sigmoid(self.fc(x))\n"
            "net = Net()\npred = torch.sigmoid(net(x))\n",
            10,
            8,
        ),
        Invalid(
            "import torch.nn as nn\nimport torch.nn.functional as F\n"
            "act = nn.Softmax(dim=-1)\ns = F.sigmoid(h)\nout = act(s)\n",
            5,
            7,
        ),
    ]
    VALID = [
        "import torch\np = torch.softmax(z, dim=1)\nlp = torch.log_softmax(z, dim=1)\n",
        "import torch\np = torch.softmax(torch.softmax(z, dim=1) / 0.5, dim=1)\n",
        "import torch\ng = torch.sigmoid(gate)\np = torch.softmax(scores * g, dim=-1)\n",
        "import torch\ndef softmax(x, dim):\n    return x\np = torch.softmax(softmax(z, 1), 1)\n",
        "import torch\np = torch.softmax(z, 1)\np = z\nq = torch.softmax(p, 1)\n",
        "import torch\na = torch.softmax(torch.softmax(s, dim=-1), dim=1)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls:
            call = site.node
            outer = model.value(call)
            if not isinstance(outer, Tensor) or outer.kind not in PROBABILITY_KINDS:
                continue
            operand = activation_operand(model, call)
            if operand is None:
                operand = self._layer_operand(model, call)
            if operand is None:
                continue
            inner = model.value(operand)
            if not isinstance(inner, Tensor):
                continue
            pair = (inner.kind, outer.kind)
            if pair not in (
                (Kind.PROBS, Kind.PROBS),
                (Kind.SIGMOID_PROBS, Kind.SIGMOID_PROBS),
                (Kind.SIGMOID_PROBS, Kind.PROBS),
            ):
                continue
            if pair == (Kind.PROBS, Kind.PROBS) and isinstance(inner.origin, cst.Call):
                outer_dim = activation_dim(model, call) if outer.origin is call else NotImplemented
                inner_dim = activation_dim(model, inner.origin)
                if NotImplemented not in (outer_dim, inner_dim) and outer_dim != inner_dim:
                    continue  # normalising over two different axes
            names = {Kind.PROBS: "softmax", Kind.SIGMOID_PROBS: "sigmoid"}
            yield Finding(
                node=call,
                message=_message(
                    f"{names[outer.kind]} applied to {names[inner.kind]} output",
                    _evidence(model, operand, inner),
                    "apply the activation once",
                ),
                related=_related(model, operand, inner),
            )

    @staticmethod
    def _layer_operand(model: SemanticModel, call: cst.Call) -> cst.BaseExpression | None:
        from lossflint.analysis.values import Layer

        callee = model.value(call.func)
        if isinstance(callee, Layer) and callee.output in PROBABILITY_KINDS and len(call.args) == 1:
            return call.args[0].value
        return None


class LogSoftmaxIntoCrossEntropy(_LossInputRule):
    code = "LF112"
    name = "log-softmax-into-cross-entropy"
    severity = Severity.INFO
    summary = "cross_entropy on log_softmax output: redundant"
    fix_kind = "safe"
    needs = ("cross_entropy", "CrossEntropyLoss", "softmax_cross_entropy")
    what = """
Flags `nn.CrossEntropyLoss` / `F.cross_entropy` whose input is `log_softmax`
output.
"""
    why = """
`cross_entropy` is `nll_loss(log_softmax(x))`; `log_softmax` is idempotent, so
applying it first computes the same loss with one more pass over the logits.
Use `nll_loss` on the log-probabilities or pass the logits.
"""
    example = """
loss = F.cross_entropy(F.log_softmax(z, dim=1), y)   # LF112
loss = F.cross_entropy(z, y)
"""
    fix_safety = """
Safe when the inline `log_softmax` is taken over `dim=1` (the class axis
cross_entropy uses): the fix passes its argument directly, which gives the same
loss. With `dim=-1` the fix is marked unsafe (equal only for 2-D inputs).
"""
    INVALID = [
        Invalid(
            "import torch.nn.functional as F\nloss = F.cross_entropy(F.log_softmax(z, dim=1), y)\n",
            2,
            8,
            fixed="import torch.nn.functional as F\nloss = F.cross_entropy(z, y)\n",
        ),
        Invalid(
            "import torch.nn as nn\nnet = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))\n"
            "loss = nn.CrossEntropyLoss()(net(x), y)\n",
            3,
            8,
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "def f(z, y):\n    lp = torch.log_softmax(z, -1)\n    return F.cross_entropy(lp, y)\n",
            5,
            12,
        ),
    ]
    VALID = [
        "import torch.nn.functional as F\nloss = F.nll_loss(F.log_softmax(z, dim=1), y)\n",
        "import torch.nn.functional as F\nloss = F.cross_entropy(z, y)\n",
        "import torch.nn.functional as F\nlp = F.log_softmax(z, 1)\nlp = lp * mask\n"
        "loss = F.cross_entropy(lp, y)\n",
        "import torch.nn.functional as F\ndef log_softmax(a, dim):\n    return a\n"
        "loss = F.cross_entropy(log_softmax(z, 1), y)\n",
        "import torch.nn.functional as F\nloss = F.cross_entropy(z, F.log_softmax(t, 1).exp())\n",
    ]

    def findings(self, model: SemanticModel) -> Iterator[Finding]:
        for loss, expr, value in _inputs_of_kind(
            model,
            (
                apis.CROSS_ENTROPY,
                *apis.TF_SOFTMAX_CE,
            ),
            (Kind.LOG_PROBS,),
        ):
            fix = None
            if (
                value.origin is expr
                and isinstance(expr, cst.Call)
                and loss.functional == apis.CROSS_ENTROPY
            ):
                operand = activation_operand(model, expr)
                dim = activation_dim(model, expr)
                if operand is not None and dim in (1, -1):
                    fix = FixSpec(
                        Applicability.SAFE if dim == 1 else Applicability.UNSAFE,
                        "pass the logits directly",
                        (NodeEdit(expr, operand),),
                    )
            yield self.report(
                model,
                loss,
                expr,
                value,
                f"{_loss_label(model, loss)} on log_softmax output is redundant",
                "use nll_loss, or pass the logits",
                fix=fix,
            )


class DeprecatedLossReductionArgs(Rule):
    code = "LF113"
    name = "deprecated-loss-reduction-args"
    severity = Severity.WARNING
    summary = "`size_average=` / `reduce=` on a loss: use `reduction=`"
    fix_kind = "safe"
    needs = ("size_average", "reduce")
    what = """
Flags any `nn.*Loss` constructor or `F.*` loss function called with the
`size_average=` and/or `reduce=` keywords.
"""
    why = """
Both are deprecated since PyTorch 0.4 and easy to get backwards:
`size_average=False` means *sum*, `reduce=False` means *no reduction at all*
(and then `size_average` is ignored). They also override an explicit
`reduction=`.
"""
    example = """
crit = nn.MSELoss(size_average=False)   # LF113
crit = nn.MSELoss(reduction="sum")
"""
    fix_safety = """
Safe when both values are literals: the fix writes the equivalent
`reduction="mean" | "sum" | "none"` (PyTorch's own legacy mapping) and removes
the deprecated arguments.
"""
    INVALID = [
        Invalid(
            "import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n",
            2,
            8,
            fixed='import torch.nn as nn\ncrit = nn.MSELoss(reduction="sum")\n',
        ),
        Invalid(
            "import torch.nn.functional as F\nl = F.cross_entropy(x, y, reduce=False)\n",
            2,
            5,
            fixed='import torch.nn.functional as F\nl = F.cross_entropy(x, y, reduction="none")\n',
        ),
        Invalid(
            "from torch.nn import NLLLoss\nc = NLLLoss(weight=w, size_average=True, reduce=True, reduction='sum')\n",
            2,
            5,
            fixed='from torch.nn import NLLLoss\nc = NLLLoss(weight=w, reduction="mean")\n',
        ),
        Invalid(
            "import torch.nn as nn\ncrit = nn.BCELoss(size_average=avg)\n",
            2,
            8,
        ),
    ]
    VALID = [
        "import torch.nn as nn\ncrit = nn.MSELoss(reduction='sum')\n",
        "import torch.nn.functional as F\nl = F.cross_entropy(x, y, reduction='none')\n",
        "def mse(a, b, size_average=True):\n    return a\nl = mse(x, y, size_average=False)\n",
        "import numpy as np\ns = np.add.reduce(a)\n",
        "import torch.nn as nn\nclass MyLoss(nn.Module):\n    def __init__(self, reduce=True):\n"
        "        super().__init__()\nm = MyLoss(reduce=False)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        names = (*apis.LOSS_CLASSES, *apis.LOSS_FUNCTIONS)
        for site in model.calls_to(*names):
            call = site.node
            legacy = [
                a
                for a in call.args
                if a.keyword is not None and a.keyword.value in ("size_average", "reduce")
            ]
            if not legacy:
                continue
            yield Finding(
                node=call,
                message="`size_average`/`reduce` are deprecated and override `reduction`: "
                f"{self._advice(call)}",
                fix=self._fix(call),
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
        fixed = _set_keyword(
            call, "reduction", cst.SimpleString(f'"{reduction}"'), drop=("size_average", "reduce")
        )
        return FixSpec(Applicability.SAFE, f'use reduction="{reduction}"', (NodeEdit(call, fixed),))
