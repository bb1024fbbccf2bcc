"""LF2xx: hand-written numerics where NaNs are born."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import literal_value, positional
from lossflint.analysis.model import module_alias
from lossflint.analysis.values import Tensor
from lossflint.diagnostics import (
    Applicability,
    Finding,
    FixSpec,
    InsertImport,
    NodeEdit,
    Severity,
)
from lossflint.registry import Invalid, Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


@dataclass(frozen=True)
class LogCall:
    """``torch.log(e)`` / ``e.log()`` / ``tf.math.log(e)`` / ``np.log(e)``."""

    node: cst.Call
    argument: cst.BaseExpression
    framework: str  # "torch", "tensorflow", "numpy"
    method: bool


def log_calls(model: SemanticModel) -> Iterator[LogCall]:
    for qualname, framework in apis.LOG_BY_FRAMEWORK.items():
        for site in model.calls_to(qualname):
            args = positional(site.node)
            if len(args) == 1 and len(site.node.args) == 1:
                yield LogCall(site.node, args[0].value, framework, False)
    for site in model.method_calls("log"):
        call = site.node
        func = call.func
        if not call.args and isinstance(func, cst.Attribute):
            yield LogCall(call, func.value, "torch", True)


def _parens(expr: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _one_minus(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``1 - e`` / ``1.0 - e`` → e."""
    if (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, cst.Subtract)
        and literal_value(expr.left) in (1, 1.0)
        and not isinstance(literal_value(expr.left), bool)
    ):
        return expr.right
    return None


class LogOfProbabilities(Rule):
    code = "LF201"
    name = "log-of-probabilities"
    severity = Severity.ERROR
    summary = "`log(softmax(x))` / `log(sigmoid(x))`: use the fused log-space function"
    fix_kind = "safe"
    needs = ("log",)
    what = """
Flags the logarithm of softmax or sigmoid output: `torch.log(torch.softmax(x, 1))`,
`x.softmax(1).log()`, `torch.log(torch.sigmoid(z))`, `torch.log(1 - torch.sigmoid(z))`,
`tf.math.log(tf.nn.softmax(x))`, and `np.log` applied to such framework tensors,
inline or through a variable that holds softmax/sigmoid output on every path.
"""
    why = """
Softmax and sigmoid underflow to exactly 0 for large negative inputs (a logit
gap of ~100 in float32 is enough). `log(0)` is `-inf`, the loss becomes inf and
the gradient NaN. The fused functions (`log_softmax`, `logsigmoid`) compute the
same value in log space and never underflow.
"""
    example = """
log_p = torch.log(torch.softmax(logits, dim=1))   # LF201
log_p = torch.log_softmax(logits, dim=1)          # stable

log_q = torch.log(1 - torch.sigmoid(z))           # LF201
log_q = F.logsigmoid(-z)                          # stable
"""
    fix_safety = """
Safe for the inline forms: `log_softmax(x, dim)` and `logsigmoid(x)` are
mathematically identical and only remove the underflow. `torch.nn.functional`
is imported as `F` when the file does not import it yet. When the softmax sits
in another statement, the finding has no automatic fix.
"""
    INVALID = [
        Invalid(
            "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n",
            2,
            6,
            fixed="import torch\nlp = torch.log_softmax(x, dim=1)\n",
        ),
        Invalid(
            "import torch\nlp = torch.softmax(x, 1).log()\n",
            2,
            6,
            fixed="import torch\nlp = torch.log_softmax(x, 1)\n",
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\nlq = torch.log(1 - torch.sigmoid(z))\n",
            3,
            6,
            fixed="import torch\nimport torch.nn.functional as F\nlq = F.logsigmoid(-z)\n",
        ),
        Invalid(
            "import torch\nlq = torch.log(torch.sigmoid(a + b))\n",
            2,
            6,
            fixed="import torch\nimport torch.nn.functional as F\nlq = F.logsigmoid(a + b)\n",
        ),
        Invalid(
            "import torch.nn.functional as F\nimport torch\n\ndef loss_fn(logits, y):\n"
            "    probs = F.softmax(logits, dim=-1)\n    return -(y * torch.log(probs)).sum()\n",
            6,
            18,
        ),
        Invalid(
            "import tensorflow as tf\nlp = tf.math.log(tf.nn.softmax(logits))\n",
            2,
            6,
            fixed="import tensorflow as tf\nlp = tf.nn.log_softmax(logits)\n",
        ),
        Invalid(
            "import numpy as np\nimport torch\np = np.log(torch.sigmoid(t))\n",
            3,
            5,
        ),
    ]
    VALID = [
        "import torch\nlp = torch.log_softmax(x, dim=1)\n",
        "import torch\nimport torch.nn.functional as F\nlq = F.logsigmoid(z)\n",
        # guarded: clamp keeps the argument away from 0
        "import torch\nlp = torch.log(torch.softmax(x, 1).clamp_min(1e-8))\n",
        "import torch\nlp = torch.log(torch.softmax(x, 1) + 1e-8)\n",
        # a user-defined softmax is not the framework's
        "import torch\ndef softmax(x):\n    return x\nlp = torch.log(softmax(y))\n",
        # a branch where the kind differs
        "import torch\nif cond:\n    p = torch.softmax(x, 1)\nelse:\n    p = x\nlp = torch.log(p)\n",
        # shadowed torch
        "import torch\ndef f(torch):\n    return torch.log(torch.softmax(x, 1))\n",
        "import math\ny = math.log(2.0)\n",
        "import torch\np = torch.softmax(x, 1)\np = p.clamp(1e-6, 1.0)\nlp = torch.log(p)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for log in log_calls(model):
            finding = self._check_log(model, log)
            if finding is not None:
                yield finding

    def _check_log(self, model: SemanticModel, log: LogCall) -> Finding | None:
        inner = log.argument
        complement = _one_minus(inner)
        target = complement if complement is not None else inner
        value = model.value(target)
        if not isinstance(value, Tensor):
            return None
        if complement is not None and value.kind is not Kind.SIGMOID_PROBS:
            return None
        if value.kind not in (Kind.PROBS, Kind.SIGMOID_PROBS):
            return None
        # numpy's log only counts on framework tensors (the producer must be one)
        if log.framework == "numpy" and not isinstance(value.origin, cst.Call):
            return None
        inline = value.origin is target
        what = "softmax" if value.kind is Kind.PROBS else "sigmoid"
        evidence = "" if inline else model.kinds.describe(value)
        subject = f"1 - {what}" if complement is not None else what
        message = f"log of {subject} output underflows to log(0) = -inf"
        if evidence:
            message += f" (the value comes from {evidence})"
        if value.kind is Kind.PROBS:
            message += "; use log_softmax"
        else:
            message += "; use logsigmoid" + ("(-x)" if complement is not None else "")
        fix = self._fix(model, log, target, value.kind, complement is not None) if inline else None
        return Finding(node=log.node, message=message, fix=fix)

    def _fix(
        self,
        model: SemanticModel,
        log: LogCall,
        producer: cst.BaseExpression,
        kind: Kind,
        complement: bool,
    ) -> FixSpec | None:
        if not isinstance(producer, cst.Call):
            return None
        producer_framework = apis.framework_of(model.qualname(producer.func))
        func = producer.func
        if kind is Kind.PROBS:
            if not isinstance(func, cst.Attribute) or func.attr.value != "softmax":
                return None
            if producer_framework not in (None, log.framework) or log.framework == "numpy":
                return None
            if producer_framework is None and log.framework != "torch":
                return None
            new = producer.with_changes(func=func.with_changes(attr=cst.Name("log_softmax")))
            return FixSpec(
                Applicability.SAFE,
                "use log_softmax",
                (NodeEdit(log.node, new),),
            )
        # sigmoid
        if len(producer.args) > 1 or (producer.args and producer.args[0].keyword is not None):
            return None
        if isinstance(func, cst.Attribute) and producer_framework is None:
            operand: cst.BaseExpression = func.value  # z.sigmoid()
            if producer.args:
                return None
        elif producer.args:
            operand = producer.args[0].value
        else:
            return None
        framework = producer_framework or "torch"
        if framework != log.framework or framework not in apis.LOG_SIGMOID:
            return None
        if complement:
            operand = cst.UnaryOperation(cst.Minus(), _parens(operand))
        imports: tuple[InsertImport, ...] = ()
        if framework == "torch":
            alias = module_alias(model, "torch.nn.functional")
            if alias is None:
                if model.module_scope.bindings.get("F"):
                    return None
                alias = "F"
                imports = (InsertImport("torch.nn.functional", "F"),)
            callee: cst.BaseExpression = cst.Attribute(cst.Name(alias), cst.Name("logsigmoid"))
        else:
            alias = module_alias(model, "tensorflow")
            if alias is None:
                return None
            callee = cst.parse_expression(f"{alias}.math.log_sigmoid")
        operand = (
            operand.with_changes(lpar=[], rpar=[])
            if isinstance(operand, (cst.BinaryOperation,)) and operand.lpar and not complement
            else operand
        )
        new_call = cst.Call(func=callee, args=[cst.Arg(operand)])
        return FixSpec(
            Applicability.SAFE,
            "use logsigmoid" + ("(-x)" if complement else ""),
            (NodeEdit(log.node, new_call),),
            imports,
        )
