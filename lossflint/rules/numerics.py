"""LF2xx: hand-written numerics where NaNs are born."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, keyword, literal_value, positional
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
    from lossflint.analysis.contexts import ContextIndex
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


def probability_log(
    model: SemanticModel, log: LogCall
) -> tuple[Tensor, cst.BaseExpression, cst.BaseExpression | None] | None:
    """LF201's pattern: (the softmax/sigmoid value, the expression holding it,
    the ``1 - x`` operand or None), or None when ``log`` is not one."""
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
    return value, target, complement


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
        found = probability_log(model, log)
        if found is None:
            return None
        value, target, complement = found
        inline = value.origin is target
        what = "softmax" if value.kind is Kind.PROBS else "sigmoid"
        evidence = "" if inline else model.kinds.describe(value)
        subject = f"1 - {what}" if complement is not None else what
        message = f"log of {subject} output underflows to log(0) = -inf"
        if evidence:
            message += f" (it comes from {evidence})"
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


# --- shared by LF202-LF209 ---------------------------------------------------------

#: epsilons the fixes insert: 1e-7 survives float16 (its smallest subnormal is
#: ~6e-8) and keeps log() finite; 1e-12 is F.normalize's eps for norms/sqrt
EPS_LOG = "1e-7"
EPS_SQRT = "1e-12"
EPS_DIV = "1e-12"
EPS_ACOS = "1e-7"


def _log_index(model: SemanticModel) -> dict[cst.Call, LogCall]:
    return {log.node: log for log in log_calls(model)}


def _exp_origin(model: SemanticModel, origin: cst.CSTNode | None) -> bool:
    return isinstance(origin, cst.Call) and num.exp_operand(model, origin) is not None


def _framework_origin(model: SemanticModel, origin: cst.CSTNode | None) -> bool:
    """The value was produced by a torch/TF call or a tensor method (not by
    an operator that could act on NumPy data)."""
    if not isinstance(origin, cst.Call):
        return False
    qualname = model.qualname(origin.func)
    if qualname is None:
        return isinstance(origin.func, cst.Attribute)
    return num.framework(qualname) in ("torch", "tensorflow", "keras")


def _receiver_text(model: SemanticModel, expr: cst.BaseExpression) -> str:
    """``expr`` as the receiver of a method call."""
    text = num.bare_code(model, expr)
    if isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not expr.lpar:
        return text
    return f"({text})"


def _method_fix(
    model: SemanticModel, expr: cst.BaseExpression, method_call: str, message: str
) -> FixSpec:
    """Replace ``expr`` by ``expr.<method_call>``."""
    if expr.lpar:
        # the edit covers the text inside ``expr``'s own parentheses: close the
        # first pair early so ``(a + b)`` becomes ``(a + b).m()``, not ``((a + b).m())``
        text = f"{num.bare_code(model, expr)}).{method_call[:-1]}"
    else:
        text = f"{_receiver_text(model, expr)}.{method_call}"
    return FixSpec(Applicability.UNSAFE, message, (NodeEdit(expr, text),))


def _tf_call_fix(
    model: SemanticModel, expr: cst.BaseExpression, func: str, extra: str, message: str
) -> FixSpec | None:
    alias = module_alias(model, "tensorflow")
    if alias is None:
        return None
    text = f"{alias}.{func}({num.bare_code(model, expr)}{extra})"
    return FixSpec(Applicability.UNSAFE, message, (NodeEdit(expr, text),))


def _functional(model: SemanticModel) -> tuple[str, tuple[InsertImport, ...]] | None:
    """The name of ``torch.nn.functional`` in the file, or "F" with an import."""
    alias = module_alias(model, "torch.nn.functional")
    if alias is not None:
        return alias, ()
    if model.module_scope.bindings.get("F"):
        return None
    return "F", (InsertImport("torch.nn.functional", "F"),)


def _args_text(model: SemanticModel, args: Sequence[cst.Arg]) -> str:
    return ", ".join(
        model.code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)).strip() for a in args
    )


# --- LF202 ---------------------------------------------------------------------------


class UnguardedLog(Rule):
    code = "LF202"
    name = "unguarded-log"
    severity = Severity.WARNING
    summary = "`log` of a value that can be 0 (probabilities, relu/abs/square, a ratio) unguarded"
    fix_kind = "unsafe"
    needs = ("log",)
    what = """
Flags `log(x)` (`torch.log`, `x.log()`, `tf.math.log`, `np.log` on framework
tensors) when `x` can be exactly 0 and nothing keeps it away from 0:
`log(1 - p)` of softmax output, the output of `relu`/`abs`/`square`/an even
power, or a ratio whose numerator is one of those. The value is followed
through variables. A clamp/clip (`clamp_min(eps)`), an added positive term
(`+ eps`, `+ 1e-8`, `+ torch.finfo(dtype).eps`) or `torch.where(x > 0, ...)`
silences the rule. `log(softmax)` / `log(sigmoid)` are LF201's, and a log
inside a hand-written cross-entropy formula is LF203's.
"""
    why = """
`log(0)` is `-inf`: the loss becomes inf and every gradient NaN after one
backward pass. ReLU and `abs` outputs are exactly 0 on a whole region, squares
of equal values are 0, and softmax probabilities saturate to exactly 1, so
`1 - p` is 0.
"""
    example = """
gap = torch.relu(margin - d)
loss = -torch.log(gap).mean()                    # LF202
loss = -torch.log(gap.clamp_min(1e-7)).mean()    # guarded
"""
    fix_safety = """
Unsafe: the fix clamps the argument, `x.clamp_min(1e-7)` (TensorFlow:
`tf.maximum(x, 1e-7)`), which changes the value where `x < 1e-7`. 1e-7 is
representable in float16; `torch.finfo(x.dtype).eps` is a dtype-aware choice.
"""
    INVALID = [
        Invalid(
            "import torch\nh = torch.relu(x - 1)\nloss = -torch.log(h).mean()\n",
            3,
            9,
            fixed="import torch\nh = torch.relu(x - 1)\n"
            "loss = -torch.log(h.clamp_min(1e-7)).mean()\n",
        ),
        Invalid(
            "import torch\np = torch.softmax(z, dim=1)\nq = torch.log(1 - p)\n",
            3,
            5,
            fixed="import torch\np = torch.softmax(z, dim=1)\n"
            "q = torch.log((1 - p).clamp_min(1e-7))\n",
        ),
        Invalid(
            "import torch\n\ndef f(a, b):\n    d = (a - b).abs()\n    return d.log()\n",
            5,
            12,
            fixed="import torch\n\ndef f(a, b):\n    d = (a - b).abs()\n"
            "    return d.clamp_min(1e-7).log()\n",
        ),
        Invalid(
            "import tensorflow as tf\nr = tf.math.log(tf.square(x) / s)\n",
            2,
            5,
            fixed="import tensorflow as tf\nr = tf.math.log(tf.maximum(tf.square(x) / s, 1e-7))\n",
        ),
        Invalid(
            "import numpy as np\nimport torch\nv = np.log(torch.abs(t))\n",
            3,
            5,
        ),
        Invalid(
            "import torch\np = torch.softmax(s, 1)\nkl = (p * torch.log(p[:, :1] / q)).sum()\n",
            3,
            11,
        ),
    ]
    VALID = [
        "import torch\nh = torch.relu(x)\nl = torch.log(h + 1e-8)\n",
        "import torch\nh = torch.relu(x)\nl = torch.log(h.clamp_min(eps))\n",
        "import torch\nh = x.abs()\nl = torch.log(h + torch.finfo(h.dtype).eps)\n",
        "import torch\nh = torch.relu(x)\nl = torch.where(h > 0, torch.log(h), h)\n",
        # log of exp is not "relu/abs/square"
        "import torch\nl = torch.log(torch.exp(x))\n",
        # math.log on a Python float, np.log on NumPy data
        "import math\nimport numpy as np\na = math.log(abs(x))\nb = np.log(np.abs(y))\n",
        "import numpy as np\nb = np.log(x ** 2)\n",
        # a user function named log
        "import torch\ndef log(x):\n    return x\nl = log(torch.relu(x))\n",
        # shadowed torch
        "import torch\ndef f(torch, x):\n    return torch.log(torch.relu(x))\n",
        # a square plus one cannot be 0
        "import torch\nl = torch.log(x ** 2 + 1)\n",
        # log(1 - sigmoid) is LF201's, log(softmax) too
        "import torch\nl = torch.log(1 - torch.sigmoid(z))\n",
        "import torch\nl = torch.log(torch.softmax(z, 1))\n",
        # the variable is reassigned with a guard
        "import torch\nh = torch.relu(x)\nh = h + 1e-6\nl = torch.log(h)\n",
        # a bucket index (T5-style relative positions): cast back to integers
        "import torch\nn = torch.abs(rel)\n"
        "b = (torch.log(n.float() / 8) / 2.77 * 8).to(torch.long)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        logs = _log_index(model)
        for log in logs.values():
            if probability_log(model, log) is not None:
                continue  # LF201
            if cross_entropy_formula(model, log, logs) is not None:
                continue  # LF203
            subject = self._zero_source(model, log)
            if subject is None:
                continue
            if num.where_guarded(model, log.node, log.argument) or num.nan_to_num_guarded(
                model, log.node
            ):
                continue
            if num.cast_to_int(model, log.node):
                continue  # a bucket index (T5-style relative positions)
            yield Finding(
                node=log.node,
                message=f"log of {subject}: log(0) = -inf (NaN gradients); clamp it, "
                "e.g. `.clamp_min(torch.finfo(x.dtype).eps)`, or add an eps",
                fix=self._fix(model, log),
            )

    def _zero_source(self, model: SemanticModel, log: LogCall) -> str | None:
        arg = log.argument
        complement = _one_minus(arg)
        if complement is not None:
            value = model.value(complement)
            if isinstance(value, Tensor) and value.kind is Kind.PROBS:
                if log.framework == "numpy" and not _framework_origin(model, value.origin):
                    return None
                subject = "1 - softmax output, which is 0 where softmax saturates"
                return subject + self._evidence(model, value, complement)
            return None
        value = model.value(arg)
        if self._can_be_zero(model, log, value):
            assert isinstance(value, Tensor)
            return f"{_zero_label(value)}, which can be 0" + self._evidence(model, value, arg)
        if num.is_binop(arg, cst.Divide):
            assert isinstance(arg, cst.BinaryOperation)
            numerator = arg.left
            if num.is_guarded(model, numerator):
                return None
            value = model.value(numerator)
            if isinstance(value, Tensor) and value.kind is Kind.PROBS:
                if log.framework == "numpy" and not _framework_origin(model, value.origin):
                    return None
                return "a ratio whose numerator (softmax output) can be 0"
            if self._can_be_zero(model, log, value):
                assert isinstance(value, Tensor)
                subject = f"a ratio whose numerator ({_zero_label(value)}) can be 0"
                return subject + self._evidence(model, value, numerator)
            if log.framework != "numpy" and num.is_count(model, numerator):
                return "a ratio whose numerator (a count) can be 0"
        return None

    @staticmethod
    def _can_be_zero(model: SemanticModel, log: LogCall, value: object) -> bool:
        if not isinstance(value, Tensor) or value.kind is not Kind.NON_NEGATIVE:
            return False
        if value.float_cast:
            return False  # abs of integers cast to float: positions/counts (bucketing)
        if _exp_origin(model, value.origin):
            return False  # exp(x) > 0 (LF204 covers its overflow)
        if log.framework == "numpy" and not _framework_origin(model, value.origin):
            return False
        return True

    @staticmethod
    def _evidence(model: SemanticModel, value: Tensor, expr: cst.CSTNode) -> str:
        if value.origin is expr:
            return ""
        described = model.kinds.describe(value)
        return f" ({described})" if described else ""

    @staticmethod
    def _fix(model: SemanticModel, log: LogCall) -> FixSpec | None:
        arg = log.argument
        message = f"clamp the argument to at least {EPS_LOG}"
        if log.framework == "torch":
            return _method_fix(model, arg, f"clamp_min({EPS_LOG})", message)
        if log.framework == "tensorflow":
            return _tf_call_fix(model, arg, "maximum", f", {EPS_LOG}", message)
        return None


def _zero_label(value: Tensor) -> str:
    """ "relu output" / "a square" for a NON_NEGATIVE value."""
    origin = value.origin
    if isinstance(origin, cst.BinaryOperation):
        return "a square"
    if isinstance(origin, cst.Call):
        func = origin.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if name in ("square", "pow"):
            return "a square"
        if name:
            return f"{name} output"
    return "a non-negative value"


# --- LF203 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    top: cst.CSTNode
    logs: tuple[LogCall, ...]
    binary: bool


def _log_product(
    expr: cst.BaseExpression, logs: dict[cst.Call, LogCall]
) -> tuple[cst.BaseExpression, LogCall] | None:
    """``y * log(p)`` / ``log(p) * y`` → (y, the log)."""
    if not num.is_binop(expr, cst.Multiply):
        return None
    assert isinstance(expr, cst.BinaryOperation)
    if isinstance(expr.right, cst.Call) and expr.right in logs:
        return expr.left, logs[expr.right]
    if isinstance(expr.left, cst.Call) and expr.left in logs:
        return expr.right, logs[expr.left]
    return None


def _negative(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return True
    value = literal_value(expr)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0


def cross_entropy_formula(
    model: SemanticModel, log: LogCall, logs: dict[cst.Call, LogCall]
) -> Formula | None:
    """The hand-written CE/BCE formula ``log`` is part of (LF203), if any."""
    product = model.parent(log.node)
    if not isinstance(product, cst.BinaryOperation):
        return None
    first = _log_product(product, logs)
    if first is None:
        return None
    members = [first]
    core: cst.BaseExpression = product
    parent = model.parent(product)
    if isinstance(parent, cst.BinaryOperation) and isinstance(
        parent.operator, (cst.Add, cst.Subtract)
    ):
        other = parent.right if parent.left is product else parent.left
        second = _log_product(other, logs)
        if second is not None:
            core = parent
            members = [first, second] if parent.left is product else [second, first]
    negated = _negative(members[0][0])
    node: cst.CSTNode = core
    while True:
        up = model.parent(node)
        if isinstance(up, cst.UnaryOperation) and isinstance(up.operator, cst.Minus):
            negated = True
        elif isinstance(up, cst.BinaryOperation) and isinstance(up.operator, cst.Multiply):
            other_side = up.right if up.left is node else up.left
            negated = negated or _negative(other_side)
        elif isinstance(up, cst.BinaryOperation) and isinstance(up.operator, cst.Divide):
            if up.left is not node:
                break
        elif isinstance(up, cst.Arg):
            call = model.parent(up)
            if not (
                isinstance(call, cst.Call)
                and call.args
                and call.args[0] is up
                and model.qualname(call.func) in (num.SUM | num.MEAN)
            ):
                break
            up = call
        elif (
            isinstance(up, cst.Attribute) and up.value is node and up.attr.value in ("sum", "mean")
        ):
            call = model.parent(up)
            if not (isinstance(call, cst.Call) and call.func is up):
                break
            up = call
        else:
            break
        node = up
    if not negated:
        return None
    for factor, member in members:
        if probability_log(model, member) is not None:
            return None  # LF201 rewrites the log itself
        if num.is_guarded(model, member.argument):
            return None
        if num.same_code(model, factor, member.argument):
            return None  # entropy -p*log(p), not a cross-entropy
    return Formula(node, tuple(m for _, m in members), len(members) == 2)


class HandWrittenCrossEntropy(Rule):
    code = "LF203"
    name = "hand-written-cross-entropy"
    severity = Severity.WARNING
    summary = "hand-written cross-entropy `-(y * log(p))`: use the built-in loss on logits"
    needs = ("log",)
    what = """
Flags a cross-entropy written out by hand: `-(y * torch.log(p)).sum(dim)`,
`-torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))`, and the TensorFlow
spellings `-tf.reduce_sum(y * tf.math.log(p))` / `tf.log(p)` (TF1), when the
log is not guarded (`clamp`, `+ eps`). The finding points at the formula. When
`p` is softmax/sigmoid output in the same file, LF201 reports the log instead
(its fix makes the formula stable).
"""
    why = """
The textbook formula is the numerically unstable one: once a probability
underflows to 0, `log(p)` is `-inf` and `0 * -inf` is NaN. The built-in losses
(`F.cross_entropy`, `F.binary_cross_entropy_with_logits`,
`tf.nn.softmax_cross_entropy_with_logits`) take logits and compute the same
value in log space.
"""
    example = """
loss = -(y * torch.log(p)).sum(dim=1).mean()        # LF203
loss = F.cross_entropy(logits, y)                   # on logits, stable

bce = -(t * torch.log(q) + (1 - t) * torch.log(1 - q)).mean()   # LF203
bce = F.binary_cross_entropy_with_logits(z, t)
"""
    fix_safety = """
There is no automatic fix: the built-in loss needs the logits, which the
formula no longer sees.
"""
    INVALID = [
        Invalid(
            "import torch\n\ndef loss(p, y):\n    return -(y * torch.log(p)).sum(dim=1).mean()\n",
            4,
            12,
        ),
        Invalid(
            "import torch\n\ndef bce(q, t):\n"
            "    return -torch.mean(t * torch.log(q) + (1 - t) * torch.log(1 - q))\n",
            4,
            12,
        ),
        Invalid(
            "import tensorflow as tf\n\ndef xent(y_, y):\n"
            "    return tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))\n",
            4,
            12,
        ),
        Invalid(
            "import tensorflow as tf\nce = -tf.reduce_sum(labels * tf.math.log(pred))\n",
            2,
            6,
        ),
        Invalid(
            "import torch\n\ndef bce(q, t):\n"
            "    return (-t * q.log() - (1 - t) * (1 - q).log()).mean()\n",
            4,
            12,
        ),
    ]
    VALID = [
        "import torch\nloss = -(y * torch.log(p + 1e-8)).sum()\n",
        "import torch\nloss = -(y * torch.log(p.clamp(min=1e-7))).sum()\n",
        "import torch\nloss = -(y * torch.log_softmax(z, dim=1)).sum(1).mean()\n",
        # entropy, not a cross-entropy
        "import torch\nh = -(p * torch.log(p)).sum(1)\n",
        # KL divergence term: not negated
        "import torch\nkl = (p * torch.log(p / q)).sum()\n",
        # math.log on floats
        "import math\nnll = -(w * math.log(0.5))\n",
        # a user function called log
        "def log(x):\n    return x\nloss = -(y * log(p)).sum()\n",
        # clipped in a reassignment of the parameter (Keras' own backend)
        "import tensorflow as tf\n\ndef xent(target, output, eps):\n"
        "    output = tf.clip_by_value(output, eps, 1.0 - eps)\n"
        "    return -tf.reduce_sum(target * tf.math.log(output), -1)\n",
        # softmax inside: LF201 reports the log and fixes it
        "import torch\nprobs = torch.softmax(z, 1)\nloss = -(y * torch.log(probs)).sum()\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        logs = _log_index(model)
        seen: set[cst.CSTNode] = set()
        for log in logs.values():
            formula = cross_entropy_formula(model, log, logs)
            if formula is None or formula.top in seen:
                continue
            seen.add(formula.top)
            framework = formula.logs[0].framework
            if formula.binary:
                what = "binary cross-entropy"
                use = (
                    "`tf.nn.sigmoid_cross_entropy_with_logits`"
                    if framework == "tensorflow"
                    else "`F.binary_cross_entropy_with_logits` on the logits"
                )
            else:
                what = "cross-entropy"
                use = (
                    "`tf.nn.softmax_cross_entropy_with_logits`"
                    if framework == "tensorflow"
                    else "`F.cross_entropy` on the logits"
                )
            yield Finding(
                node=formula.top,
                message=f"hand-written {what}: log(p) is -inf once p underflows to 0, "
                f"and 0 * -inf is NaN; use {use}",
            )


# --- LF204 ---------------------------------------------------------------------------


def _bounded_exp(model: SemanticModel, operand: cst.BaseExpression) -> bool:
    """``exp`` of something that cannot be large: log-probabilities or
    probabilities, a negated value, or a shifted one (``x - x.max()``)."""
    operand = num.resolve(model, operand)
    value = model.value(operand)
    if isinstance(value, Tensor) and value.kind in (
        Kind.LOG_PROBS,
        Kind.PROBS,
        Kind.SIGMOID_PROBS,
    ):
        return True
    if _negative(operand) or num.is_binop(operand, cst.Subtract):
        return True
    # a negated scale: ``-0.5 * d**2``, ``-d / (2 * s**2)`` (Gaussian kernels)
    if isinstance(operand, cst.BinaryOperation) and isinstance(
        operand.operator, (cst.Multiply, cst.Divide)
    ):
        if _negative(operand.left) or (
            isinstance(operand.operator, cst.Multiply) and _negative(operand.right)
        ):
            return True
    return literal_value(operand) is not NotImplemented


def _exp_call(model: SemanticModel, expr: cst.BaseExpression) -> cst.Call | None:
    """``expr`` (followed through names) when it is an ``exp`` call."""
    expr = num.resolve(model, expr)
    if isinstance(expr, cst.Call) and num.exp_operand(model, expr) is not None:
        return expr
    return None


def _exp_framework(model: SemanticModel, call: cst.Call) -> str | None:
    qualname = model.qualname(call.func)
    if qualname is None:
        return "torch"  # x.exp(): NumPy arrays have no such method
    return num.framework(qualname)


class NaiveLogsumexp(Rule):
    code = "LF204"
    name = "naive-logsumexp"
    severity = Severity.WARNING
    summary = "`log(sum(exp(x)))`, `log(1 + exp(x))`, `exp(x) / exp(x).sum()` overflow"
    fix_kind = "safe"
    needs = ("exp",)
    what = """
Flags the naive forms of three fused functions: `log(sum(exp(x)))` (logsumexp),
`log(1 + exp(x))` / `log1p(exp(x))` (softplus) and `exp(x) / exp(x).sum(dim)`
(softmax), in torch and TensorFlow, inline or through variables. `exp` of a
value that cannot be large (log-probabilities, a negated value, `x - x.max()`)
is not reported. A division reported here is not reported again by LF206.
"""
    why = """
`exp` overflows to inf for x ≳ 88 in float32 (≈ 11 in float16): the result is
inf or NaN (`inf / inf`). `torch.logsumexp`, `F.softplus` and `softmax` compute
the same values with the maximum subtracted first and never overflow.
"""
    example = """
lse = torch.log(torch.exp(scores).sum(dim=1))    # LF204
lse = torch.logsumexp(scores, dim=1)

sp = torch.log(1 + torch.exp(z))                 # LF204
sp = F.softplus(z)
"""
    fix_safety = """
Safe: the fused functions are mathematically identical. The fix is offered
for inline forms only: `logsumexp` needs the reduced `dim` (`torch.sum` without
`dim` is left alone), the softmax rewrite needs `keepdim=True`.
`torch.nn.functional` is imported as `F` when the file does not import it yet.
"""
    INVALID = [
        Invalid(
            "import torch\nlse = torch.log(torch.exp(s).sum(dim=1))\n",
            2,
            7,
            fixed="import torch\nlse = torch.logsumexp(s, dim=1)\n",
        ),
        Invalid(
            "import torch\nsp = torch.log(1 + torch.exp(z))\n",
            2,
            6,
            fixed="import torch\nimport torch.nn.functional as F\nsp = F.softplus(z)\n",
        ),
        Invalid(
            "import torch\np = torch.exp(x) / torch.exp(x).sum(-1, keepdim=True)\n",
            2,
            5,
            fixed="import torch\np = torch.softmax(x, -1)\n",
        ),
        Invalid(
            "import tensorflow as tf\nlse = tf.math.log(tf.reduce_sum(tf.exp(s), axis=1))\n",
            2,
            7,
            fixed="import tensorflow as tf\nlse = tf.math.reduce_logsumexp(s, axis=1)\n",
        ),
        Invalid(
            "import torch\n\ndef f(x):\n    e = x.exp()\n    return e / e.sum(1, keepdim=True)\n",
            5,
            12,
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\nsp = torch.log1p(torch.exp(z))\n",
            3,
            6,
            fixed="import torch\nimport torch.nn.functional as F\nsp = F.softplus(z)\n",
        ),
    ]
    VALID = [
        # a Gaussian kernel: the exponent is never positive
        "import torch\nx = torch.linspace(-2.0, 2.0, steps=5)\n"
        "pdf = torch.exp(-0.5 * (x / 1.5).pow(2))\nkernel = pdf / pdf.sum()\n",
        "import torch\nlse = torch.logsumexp(s, dim=1)\n",
        # the max trick
        "import torch\nm = s.max(1, keepdim=True).values\n"
        "lse = torch.log(torch.exp(s - m).sum(1))\n",
        # exp of log-probabilities cannot overflow
        "import torch\nlp = torch.log_softmax(z, 1)\nt = torch.log(torch.exp(lp).sum(1))\n",
        # exp of a negated distance
        "import torch\nk = torch.log(1 + torch.exp(-d))\n",
        # math on Python floats / NumPy data
        "import math\nv = math.log(1 + math.exp(x))\n",
        "import numpy as np\nv = np.log(np.sum(np.exp(x)))\n",
        # a user function named exp
        "import torch\ndef exp(x):\n    return x\nv = torch.log(1 + exp(x))\n",
        # different operands: not a softmax
        "import torch\nr = torch.exp(a) / torch.exp(b).sum()\n",
        # a shadowed torch
        "import torch\ndef f(torch, s):\n    return torch.log(torch.exp(s).sum(1))\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for log in log_calls(model):
            finding = self._log_form(model, log.node, log.argument, log.framework, False)
            if finding is not None:
                yield finding
        for qualname, framework in num.LOG1P.items():
            for site in model.calls_to(qualname):
                args = positional(site.node)
                if len(args) == 1 and len(site.node.args) == 1:
                    finding = self._log_form(model, site.node, args[0].value, framework, True)
                    if finding is not None:
                        yield finding
        for division in num.binary_operations(model, cst.Divide):
            finding = self._ratio_form(model, division)
            if finding is not None:
                yield finding

    def _log_form(
        self,
        model: SemanticModel,
        node: cst.Call,
        arg: cst.BaseExpression,
        framework: str,
        log1p: bool,
    ) -> Finding | None:
        resolved = num.resolve(model, arg)
        if log1p:
            exp = _exp_call(model, resolved)
            if exp is None:
                return None
            return self._softplus(model, node, exp, framework, inline=exp is arg)
        operand = num.sum_operand(model, resolved)
        if operand is not None:
            exp = _exp_call(model, operand)
            if exp is None:
                return None
            x = num.exp_operand(model, exp)
            assert x is not None
            if _bounded_exp(model, x) or not self._framework_ok(model, exp, framework):
                return None
            fix = None
            if resolved is arg and exp is operand:
                fix = self._logsumexp_fix(model, node, resolved, exp, x, framework)
            return Finding(
                node=node,
                message="log(sum(exp(x))) overflows once x ≳ 88 (float32); "
                "use logsumexp, which subtracts the maximum first",
                fix=fix,
            )
        if num.is_binop(resolved, cst.Add):
            assert isinstance(resolved, cst.BinaryOperation)
            for one, other in ((resolved.left, resolved.right), (resolved.right, resolved.left)):
                if literal_value(one) in (1, 1.0) and not isinstance(literal_value(one), bool):
                    exp = _exp_call(model, other)
                    if exp is not None:
                        inline = resolved is arg and exp is other
                        return self._softplus(model, node, exp, framework, inline)
        return None

    @staticmethod
    def _framework_ok(model: SemanticModel, exp: cst.Call, framework: str) -> bool:
        exp_framework = _exp_framework(model, exp)
        if exp_framework not in ("torch", "tensorflow"):
            return False
        return framework != "numpy" or exp_framework in ("torch", "tensorflow")

    def _softplus(
        self, model: SemanticModel, node: cst.Call, exp: cst.Call, framework: str, inline: bool
    ) -> Finding | None:
        x = num.exp_operand(model, exp)
        assert x is not None
        if _bounded_exp(model, x) or not self._framework_ok(model, exp, framework):
            return None
        fix = None
        if inline:
            exp_framework = _exp_framework(model, exp)
            x_text = num.bare_code(model, x)
            if exp_framework == "torch" and framework == "torch":
                functional = _functional(model)
                if functional is not None:
                    alias, imports = functional
                    fix = FixSpec(
                        Applicability.SAFE,
                        "use softplus",
                        (NodeEdit(node, f"{alias}.softplus({x_text})"),),
                        imports,
                    )
            elif exp_framework == "tensorflow" and framework == "tensorflow":
                tf_alias = module_alias(model, "tensorflow")
                if tf_alias is not None:
                    fix = FixSpec(
                        Applicability.SAFE,
                        "use softplus",
                        (NodeEdit(node, f"{tf_alias}.math.softplus({x_text})"),),
                    )
        return Finding(
            node=node,
            message="log(1 + exp(x)) overflows once x ≳ 88 (float32); use softplus",
            fix=fix,
        )

    @staticmethod
    def _logsumexp_fix(
        model: SemanticModel,
        node: cst.Call,
        sum_call: cst.BaseExpression,
        exp: cst.Call,
        x: cst.BaseExpression,
        framework: str,
    ) -> FixSpec | None:
        if not isinstance(sum_call, cst.Call):
            return None
        exp_framework = _exp_framework(model, exp)
        if exp_framework != framework:
            return None
        method = model.qualname(sum_call.func) is None
        rest = list(sum_call.args if method else sum_call.args[1:])
        if any(a.star for a in rest):
            return None
        x_text = num.bare_code(model, x)
        if framework == "torch":
            names = [a.keyword.value for a in rest if a.keyword is not None]
            has_dim = any(a.keyword is None for a in rest) or "dim" in names
            if not has_dim or not set(names) <= {"dim", "keepdim"}:
                return None
            alias = module_alias(model, "torch")
            if alias is None:
                return None
            text = f"{alias}.logsumexp({x_text}, {_args_text(model, rest)})"
        elif framework == "tensorflow":
            alias = module_alias(model, "tensorflow")
            if alias is None:
                return None
            rest_text = _args_text(model, rest)
            text = f"{alias}.math.reduce_logsumexp({x_text}{', ' + rest_text if rest else ''})"
        else:
            return None
        return FixSpec(Applicability.SAFE, "use logsumexp", (NodeEdit(node, text),))

    def _ratio_form(self, model: SemanticModel, division: cst.BinaryOperation) -> Finding | None:
        denominator = num.resolve(model, division.right)
        operand = num.sum_operand(model, denominator)
        if operand is None:
            return None
        exp_below = _exp_call(model, operand)
        exp_above = _exp_call(model, division.left)
        if exp_below is None or exp_above is None:
            return None
        x_below = num.exp_operand(model, exp_below)
        x_above = num.exp_operand(model, exp_above)
        assert x_below is not None and x_above is not None
        if not num.same_code(model, x_below, x_above) or _bounded_exp(model, x_above):
            return None
        framework = _exp_framework(model, exp_above)
        if framework not in ("torch", "tensorflow"):
            return None
        fix = None
        if (
            exp_above is division.left
            and exp_below is operand
            and denominator is division.right
            and isinstance(denominator, cst.Call)
        ):
            fix = self._softmax_fix(model, division, denominator, x_above, framework)
        return Finding(
            node=division,
            message="exp(x) / exp(x).sum() overflows once x ≳ 88 (float32): inf / inf = NaN; "
            "use softmax",
            fix=fix,
        )

    @staticmethod
    def _softmax_fix(
        model: SemanticModel,
        division: cst.BinaryOperation,
        sum_call: cst.Call,
        x: cst.BaseExpression,
        framework: str,
    ) -> FixSpec | None:
        method = model.qualname(sum_call.func) is None
        rest = list(sum_call.args if method else sum_call.args[1:])
        keep = "keepdim" if framework == "torch" else "keepdims"
        axis_names = ("dim",) if framework == "torch" else ("axis",)
        keep_arg = keyword(sum_call, keep)
        if keep_arg is None or literal_value(keep_arg.value) is not True:
            return None
        axis = [a for a in rest if a.keyword is None or a.keyword.value in axis_names]
        if len(axis) != 1 or len(rest) != 2:
            return None
        axis_text = num.bare_code(model, axis[0].value)
        x_text = num.bare_code(model, x)
        if framework == "torch":
            alias = module_alias(model, "torch")
            if alias is None:
                return None
            text = f"{alias}.softmax({x_text}, {axis_text})"
        else:
            alias = module_alias(model, "tensorflow")
            if alias is None:
                return None
            text = f"{alias}.nn.softmax({x_text}, axis={axis_text})"
        return FixSpec(Applicability.SAFE, "use softmax", (NodeEdit(division, text),))


# --- LF205 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Root:
    node: cst.CSTNode  # what is reported
    operand: cst.BaseExpression  # what is square-rooted
    atom: bool  # the operand must bind like an atom (receiver, power base)
    framework: str  # "torch", "tensorflow" or "" (an operator)


def _is_half_power(expr: cst.BaseExpression | None) -> bool:
    if expr is None:
        return False
    value = literal_value(expr)
    if value == 0.5:
        return True
    return (
        num.is_binop(expr, cst.Divide)
        and literal_value(expr.left) == 1  # type: ignore[attr-defined]
        and literal_value(expr.right) == 2  # type: ignore[attr-defined]
    )


def _square_roots(model: SemanticModel) -> Iterator[_Root]:
    for qualname, framework in num.SQRT.items():
        for site in model.calls_to(qualname):
            arg = argument(site.node, 0, "input", "x")
            if arg is not None and len(site.node.args) == 1:
                yield _Root(site.node, arg, False, framework)
    for qualname, framework in num.POW.items():
        for site in model.calls_to(qualname):
            base = argument(site.node, 0, "input", "x")
            if base is not None and _is_half_power(argument(site.node, 1, "exponent", "y")):
                yield _Root(site.node, base, False, framework)
    for site in model.method_calls("sqrt", "pow"):
        func = site.node.func
        assert isinstance(func, cst.Attribute)
        if site.method == "sqrt" and site.node.args:
            continue
        if site.method == "pow" and not _is_half_power(argument(site.node, 0, "exponent")):
            continue
        yield _Root(site.node, func.value, True, "torch")
    for power in num.binary_operations(model, cst.Power):
        if _is_half_power(power.right):
            yield _Root(power, power.left, True, "")


class SqrtWithoutEps(Rule):
    code = "LF205"
    name = "sqrt-without-eps"
    severity = Severity.WARNING
    summary = "`sqrt` of a sum of squares or a difference that can be 0, without eps"
    fix_kind = "unsafe"
    needs = ("sqrt", ".5", "pow", "/ 2", "/2")
    what = """
Flags a square root (`torch.sqrt(x)`, `x.sqrt()`, `tf.sqrt(x)`, `x ** 0.5`,
`torch.pow(x, 0.5)`, `x.pow(0.5)`) of a value that is exactly 0 in ordinary
training: a sum (or mean) of squares such as a Euclidean distance
`((a - b) ** 2).sum(1)`, a square, or a difference from a square
(`1 - c ** 2`, `E[x²] - E[x]²`). Followed through variables assigned once. An
added positive term (`+ eps`, `+ 1e-12`, `+ 1`), a clamp with a positive lower
bound or `torch.where(d > 0, ...)` silences it, and so does `no_grad` /
`inference_mode` (without a gradient, `sqrt(0) = 0` is harmless). `** 0.5`
counts only on tensors (a framework call or a tensor method in the
expression); NumPy's `np.sqrt` has no gradient and is not reported.
"""
    why = """
The derivative of `sqrt(x)` is `1 / (2 sqrt(x))`, infinite at 0: the distance
of identical embeddings (an anchor equal to its positive, a padded row, a
collapsed model) gives `inf * 0 = NaN` gradients that poison every parameter
after one step.
"""
    example = """
d = torch.sqrt(((a - b) ** 2).sum(dim=1))           # LF205
d = torch.sqrt(((a - b) ** 2).sum(dim=1) + 1e-12)   # finite gradient
d = torch.linalg.vector_norm(a - b, dim=1)          # also fine (subgradient 0 at 0)
"""
    fix_safety = """
Unsafe: the fix adds `1e-12` under the root (for a difference, torch only:
`.clamp_min(1e-12)`, since rounding can also make it negative), which changes
the value by at most 1e-6.
"""
    INVALID = [
        Invalid(
            "import torch\nd = torch.sqrt(((a - b) ** 2).sum(dim=1))\n",
            2,
            5,
            fixed="import torch\nd = torch.sqrt(((a - b) ** 2).sum(dim=1) + 1e-12)\n",
        ),
        Invalid(
            "import torch\n\ndef dist(a, b):\n    sq = (a - b).pow(2).sum(-1)\n"
            "    return sq.sqrt()\n",
            5,
            12,
            fixed="import torch\n\ndef dist(a, b):\n    sq = (a - b).pow(2).sum(-1)\n"
            "    return (sq + 1e-12).sqrt()\n",
        ),
        Invalid(
            "import torch\nn = (x ** 2 + y ** 2).sum(dim=1) ** 0.5\n",
            2,
            5,
            fixed="import torch\nn = ((x ** 2 + y ** 2).sum(dim=1) + 1e-12) ** 0.5\n",
        ),
        Invalid(
            "import tensorflow as tf\nd = tf.sqrt(tf.reduce_sum(tf.square(a - b), axis=1))\n",
            2,
            5,
            fixed="import tensorflow as tf\n"
            "d = tf.sqrt(tf.reduce_sum(tf.square(a - b), axis=1) + 1e-12)\n",
        ),
        Invalid(
            "import torch\nsin = torch.sqrt(1 - cos ** 2)\n",
            2,
            7,
            fixed="import torch\nsin = torch.sqrt((1 - cos ** 2).clamp_min(1e-12))\n",
        ),
        Invalid(
            "import torch\nr = torch.pow(torch.square(x).mean(), 0.5)\n",
            2,
            5,
            fixed="import torch\nr = torch.pow(torch.square(x).mean() + 1e-12, 0.5)\n",
        ),
    ]
    VALID = [
        # turned into a Python number at once: no gradient flows (diffusers marigold)
        "import torch\ndef cost(a, b):\n    diff = a - b\n    return (diff**2).mean().sqrt().item()\n",
        "import torch\nd = torch.sqrt(((a - b) ** 2).sum(1) + 1e-8)\n",
        "import torch\nd = torch.sqrt(((a - b) ** 2).sum(1) + eps)\n",
        "import torch\nd = torch.sqrt(((a - b) ** 2).sum(1).clamp_min(1e-12))\n",
        # x ** 2 + 1 cannot be 0
        "import torch\nd = torch.sqrt(x ** 2 + 1)\n",
        # plain Python / NumPy: no gradient, no NaN
        "import math\nd = ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5\nr = math.sqrt(a * a)\n",
        "import numpy as np\nd = np.sqrt(((a - b) ** 2).sum(axis=1))\n",
        # sqrt of something that is not a square
        "import torch\ns = torch.sqrt(var)\n",
        # guarded through a variable
        "import torch\nsq = ((a - b) ** 2).sum(1)\nsq = sq + 1e-9\nd = sq.sqrt()\n",
        "import torch\nd2 = (x * x).sum(1)\nd = torch.where(d2 > 0, d2.sqrt(), d2)\n",
        # a user function named sqrt, a shadowed torch
        "def sqrt(x):\n    return x\nd = sqrt((a - b) ** 2)\n",
        "import torch\ndef f(torch, a, b):\n    return torch.sqrt(((a - b) ** 2).sum(1))\n",
        # no gradient flows: sqrt(0) = 0 is fine (e.g. a gradient-norm utility)
        "import torch\n\n@torch.no_grad()\ndef total_norm(g):\n"
        "    return torch.sqrt((g ** 2).sum())\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for root in _square_roots(model):
            finding = self._check(model, root)
            if finding is not None:
                yield finding

    def _check(self, model: SemanticModel, root: _Root) -> Finding | None:
        operand = root.operand
        if num.is_guarded(model, operand):
            return None
        resolved = num.resolve(model, operand)
        difference = False
        if num.is_sum_of_squares(model, resolved):
            what = "a sum of squares"
        elif num.is_binop(resolved, cst.Subtract) and (
            num.is_square(model, resolved.right)  # type: ignore[attr-defined]
            or num.is_sum_of_squares(model, resolved.right)  # type: ignore[attr-defined]
        ):
            what = "a difference"
            difference = True
        else:
            return None
        if not root.framework and not num.is_tensor_expr(model, operand):
            return None
        if num.where_guarded(model, root.node, operand):
            return None
        from lossflint.analysis.contexts import contexts

        if contexts(model).in_no_grad(root.node):
            return None  # sqrt(0) = 0 is fine; only its gradient is not
        if _leaves_the_graph(model, root.node):
            return None  # `.item()` / `float(...)`: no gradient flows through it
        fix: FixSpec | None
        if difference:
            fix = None
            if root.framework == "torch" or (root.framework == "" and num.only_torch(model)):
                fix = _method_fix(model, operand, f"clamp_min({EPS_SQRT})", f"clamp at {EPS_SQRT}")
        else:
            text = f"{num.bare_code(model, operand)} + {EPS_SQRT}"
            if not num.binds_tighter_than_add(operand):
                text = f"({num.bare_code(model, operand)}) + {EPS_SQRT}"
            text = num.as_operand(model, operand, text, root.atom)
            fix = FixSpec(Applicability.UNSAFE, f"add {EPS_SQRT}", (NodeEdit(operand, text),))
        return Finding(
            node=root.node,
            message=f"sqrt of {what} that can be 0: its gradient is infinite there "
            "(NaN after backward); add an eps under the root",
            fix=fix,
        )


# --- LF206 ---------------------------------------------------------------------------


class UnguardedDivision(Rule):
    code = "LF206"
    name = "unguarded-division"
    severity = Severity.WARNING
    summary = "division by a sum/norm/std/count that can be 0, unguarded"
    fix_kind = "unsafe"
    needs = ("sum", "norm", "std")
    what = """
Flags `a / d` where `d` is a reduction of tensors that can be 0: `.sum()`,
`.norm()`, `.std()` (and `torch.sum`, `torch.linalg.norm`, `tf.reduce_sum`,
`tf.norm`, ...), or a sum of such reductions, like `tp + fp` counts of a mask
or the `p.sum() + t.sum()` of a Dice loss. Followed through variables assigned
once. Silent when the denominator is guarded (`+ eps`, `+ smooth`, a clamp
with a positive bound), tested (`if d > 0:`, `torch.where(d > 0, ...)`), is
Python's `len(...)` (which raises instead of producing NaN) or a constant, or
when it sums probabilities or `exp` (positive; a naive softmax is LF204's).
Method reductions count only in files that import a tensor framework.
"""
    why = """
`0 / 0` is NaN and `x / 0` is inf: an empty mask, an all-zero prediction, a
zero feature vector or a constant batch (std 0) turns the loss NaN, and the
NaN spreads to every weight.
"""
    example = """
dice = 2 * (p * t).sum() / (p.sum() + t.sum())             # LF206
dice = (2 * (p * t).sum() + 1) / (p.sum() + t.sum() + 1)   # smoothed

z = x / x.norm(dim=-1, keepdim=True)                       # LF206
z = F.normalize(x, dim=-1)
"""
    fix_safety = """
Unsafe: the fix clamps the denominator, `d.clamp_min(1e-12)` (TensorFlow:
`tf.maximum(d, 1e-12)`), as `F.normalize` does; a zero denominator then gives
0 (or a large finite value) instead of NaN. Offered when the framework is
certain.
"""
    INVALID = [
        Invalid(
            "import torch\nrecall = hits / (labels == c).sum()\n",
            2,
            10,
            fixed="import torch\nrecall = hits / (labels == c).sum().clamp_min(1e-12)\n",
        ),
        Invalid(
            "import torch\n\ndef precision(pred, y):\n    tp = ((pred == 1) & (y == 1)).sum()\n"
            "    fp = ((pred == 1) & (y == 0)).sum()\n    return tp / (tp + fp)\n",
            6,
            12,
            fixed="import torch\n\ndef precision(pred, y):\n"
            "    tp = ((pred == 1) & (y == 1)).sum()\n"
            "    fp = ((pred == 1) & (y == 0)).sum()\n"
            "    return tp / (tp + fp).clamp_min(1e-12)\n",
        ),
        Invalid(
            "import torch\nz = (x - x.mean()) / torch.std(x)\n",
            2,
            5,
            fixed="import torch\nz = (x - x.mean()) / torch.std(x).clamp_min(1e-12)\n",
        ),
        Invalid(
            "import tensorflow as tf\nn = (a - b) / tf.norm(a - b, axis=-1, keepdims=True)\n",
            2,
            5,
            fixed="import tensorflow as tf\n"
            "n = (a - b) / tf.maximum(tf.norm(a - b, axis=-1, keepdims=True), 1e-12)\n",
        ),
        Invalid(
            "import torch\nimport numpy as np\n\ndef dice(p, t):\n"
            "    return 2 * (p * t).sum() / (p.sum() + t.sum())\n",
            5,
            12,
        ),
        Invalid(
            "import torch\n\ndef masked_mean(loss, labels):\n    mask = labels != -100\n"
            "    n = mask.sum()\n    return (loss * mask).sum() / n\n",
            6,
            12,
            fixed="import torch\n\ndef masked_mean(loss, labels):\n    mask = labels != -100\n"
            "    n = mask.sum()\n    return (loss * mask).sum() / n.clamp_min(1e-12)\n",
        ),
    ]
    VALID = [
        # the test is bound to a name first, and rebound later (DETR post-processing)
        "import torch\ndef check(mask_labels, mask_probs, k, t=0.5):\n    mask_k = mask_labels == k\n"
        "    mask_k_area = mask_k.sum()\n    original_area = (mask_probs[k] >= t).sum()\n"
        "    mask_exists = mask_k_area > 0 and original_area > 0\n    if mask_exists:\n"
        "        area_ratio = mask_k_area / original_area\n"
        "        if not area_ratio.item() > 0.8:\n            mask_exists = False\n"
        "    return mask_exists\n",
        # the test is bound to a name first (DETR post-processing)
        "import torch\ndef keep(mask_k, probs, k, threshold):\n    mask_k_area = mask_k.sum()\n"
        "    original_area = (probs[k] >= threshold).sum()\n"
        "    mask_exists = mask_k_area > 0 and original_area > 0\n    if mask_exists:\n"
        "        return mask_k_area / original_area\n    return None\n",
        "import torch\nw = x / (x.sum(dim=1, keepdim=True) + 1e-8)\n",
        # learned embeddings and weights are never all-zero in practice (CLIP, pmfs)
        "import torch\ntext_embeds = text_embeds / text_embeds.norm(p=2, dim=-1, keepdim=True)\n",
        "import torch\npmf = weights / weights.sum(dim=-2, keepdim=True)\n",
        # a mask handed in by the caller: unknown whether it can be empty
        "import torch\ndef masked_mean(loss, mask):\n    return (loss * mask).sum() / mask.sum()\n",
        "import torch\nrescaled = noise_cfg * (std_text / noise_cfg.std(dim=1, keepdim=True))\n",
        "import torch\nd = 2 * i / (p.sum() + t.sum() + smooth)\n",
        "import torch\nw = x / x.norm(dim=-1, keepdim=True).clamp(min=1e-12)\n",
        # len() raises on empty input instead of producing NaN; constants are fine
        "import torch\nm = total / len(loader)\nh = x / 2.0\n",
        # probabilities sum to 1
        "import torch\np = torch.softmax(z, 1)\nq = p / p.sum(1, keepdim=True)\n",
        # tested before dividing
        "import torch\nn = mask.sum()\nif n > 0:\n    m = (l * mask).sum() / n\n",
        "import torch\ns = x.sum()\nr = torch.where(s > 0, x / s, x)\n",
        # an early exit for the empty mask (tested directly or through the mask)
        "import torch\n\ndef masked_mean(loss, mask):\n    n = mask.sum()\n"
        "    if not mask.any():\n        return loss.sum() * 0\n    return (loss * mask).sum() / n\n",
        "import torch\n\ndef masked_mean(loss, mask):\n    n = mask.sum()\n"
        "    if n == 0:\n        return loss.sum() * 0\n    return (loss * mask).sum() / n\n",
        # no tensor framework in the file: plain Python objects
        "class Hist:\n    pass\nnorm = counts / counts.sum()\n",
        # a user-defined sum, a shadowed torch
        "import torch\ndef total(x):\n    return 1\nr = x / total(x)\n",
        "import torch\ndef f(torch, x):\n    return x / torch.sum(x)\n"
        "def g(x):\n    return x / len(x)\n",
        # denominator clamped through a reassignment
        "import torch\nn = mask.sum()\nn = n.clamp(min=1)\nm = (l * mask).sum() / n\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        any_framework = num.imports_framework(model)
        for division in num.binary_operations(model, cst.Divide):
            finding = self._check(model, division, any_framework)
            if finding is not None:
                yield finding

    def _check(
        self, model: SemanticModel, division: cst.BinaryOperation, any_framework: bool
    ) -> Finding | None:
        denominator = division.right
        what, framework = self._zero_able(model, num.resolve(model, denominator), division.left)
        if what is None:
            return None
        if framework is None and not any_framework:
            return None
        if num.where_guarded(model, division, denominator):
            return None
        # a test of what is summed (``if not mask.any(): return``) guards too
        for operand in self._operands(model, num.resolve(model, denominator)):
            if isinstance(operand, (cst.Name, cst.Attribute)) and num.where_guarded(
                model, division, operand
            ):
                return None
        if num.nan_to_num_guarded(model, division):
            return None
        fix = None
        message = f"clamp the denominator to at least {EPS_DIV}"
        if framework == "torch" or (framework is None and num.only_torch(model)):
            fix = _method_fix(model, denominator, f"clamp_min({EPS_DIV})", message)
        elif framework == "tensorflow":
            fix = _tf_call_fix(model, denominator, "maximum", f", {EPS_DIV}", message)
        return Finding(
            node=division,
            message=f"division by {what} that can be 0 (0/0 = NaN, x/0 = inf); "
            "clamp it (`.clamp_min(eps)`) or add an eps",
            fix=fix,
        )

    def _zero_able(
        self, model: SemanticModel, expr: cst.BaseExpression, numerator: cst.BaseExpression
    ) -> tuple[str | None, str | None]:
        """(what the denominator is, its framework when known) or (None, None).

        Only shapes that are 0 in practice count: a count of a mask (an empty
        class or an all-padding batch), a sum of sums (dice/IoU of empty
        masks), the norm of a difference (identical embeddings), and the std
        in a standardisation (a constant batch). ``x / x.norm()`` of learned
        embeddings and ``w / w.sum()`` of weights are left alone: on real code
        they are essentially never 0 and flagging them is noise."""
        for functions, method, label in (
            (num.SUM, "sum", "a sum"),
            (num.NORM, "norm", "a norm"),
            (num.STD, "std", "a standard deviation"),
        ):
            operand = num.reduction(model, expr, functions, method)
            if operand is None:
                continue
            if self._positive(model, operand):
                return None, None
            info = num.call_info(model, expr)
            assert info is not None
            framework = num.framework(info.qualname) if info.qualname else None
            if framework == "numpy":
                return None, None
            if num.is_count(model, expr):
                label = "a count"
            elif method == "sum":
                return None, None
            elif method == "norm" and not num.is_binop(num.resolve(model, operand), cst.Subtract):
                return None, None
            elif method == "std" and not _centred(numerator):
                return None, None
            return label, framework
        if num.is_binop(expr, cst.Add):
            terms = _add_terms(expr)
            frameworks: set[str | None] = set()
            for term in terms:
                term = num.resolve(model, term)
                operand = num.sum_operand(model, term)
                if operand is None or self._positive(model, operand):
                    return None, None
                info = num.call_info(model, term)
                assert info is not None
                frameworks.add(num.framework(info.qualname) if info.qualname else None)
            if "numpy" in frameworks:
                return None, None
            label = "a sum of counts" if all(num.is_count(model, t) for t in terms) else "a sum"
            known = frameworks - {None}
            return label, (known.pop() if len(known) == 1 and None not in frameworks else None)
        return None, None

    @staticmethod
    def _operands(model: SemanticModel, expr: cst.BaseExpression) -> list[cst.BaseExpression]:
        found = []
        for term in _add_terms(expr):
            term = num.resolve(model, term)
            for functions, method in ((num.SUM, "sum"), (num.NORM, "norm"), (num.STD, "std")):
                operand = num.reduction(model, term, functions, method)
                if operand is not None:
                    found.append(operand)
        return found

    @staticmethod
    def _positive(model: SemanticModel, operand: cst.BaseExpression) -> bool:
        """Sums of these are > 0: probabilities, exp, guarded values."""
        resolved = num.resolve(model, operand)
        value = model.value(resolved)
        if isinstance(value, Tensor) and value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS):
            return True
        if _exp_call(model, resolved) is not None:
            return True
        return num.is_guarded(model, resolved)


def _centred(numerator: cst.BaseExpression) -> bool:
    """``x - x.mean()`` / ``x - torch.mean(x)``: the numerator of a standardisation."""
    if not num.is_binop(numerator, cst.Subtract):
        return False
    assert isinstance(numerator, cst.BinaryOperation)
    right = numerator.right
    if isinstance(right, cst.Call):
        func = right.func
        if isinstance(func, cst.Attribute) and func.attr.value == "mean":
            return True
        if isinstance(func, cst.Name) and func.value == "mean":
            return True
    return False


def _leaves_the_graph(model: SemanticModel, node: cst.CSTNode) -> bool:
    """The value is turned into a Python number or detached right away."""
    parent = model.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        if parent.attr.value in ("item", "tolist", "numpy", "detach"):
            return isinstance(model.parent(parent), cst.Call)
        return False
    if isinstance(parent, cst.Arg):
        call = model.parent(parent)
        if isinstance(call, cst.Call) and model.qualname(call.func) in (
            "builtins.float",
            "builtins.int",
            "math.isfinite",
        ):
            return True
    return False


def _add_terms(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if num.is_binop(expr, cst.Add):
        assert isinstance(expr, cst.BinaryOperation)
        return [*_add_terms(expr.left), *_add_terms(expr.right)]
    return [expr]


# --- LF207 ---------------------------------------------------------------------------


class AcosWithoutClamp(Rule):
    code = "LF207"
    name = "acos-without-clamp"
    severity = Severity.WARNING
    summary = "`acos`/`asin` of a cosine similarity without clamping to (-1, 1)"
    fix_kind = "unsafe"
    needs = ("acos", "asin", "arccos", "arcsin")
    what = """
Flags `acos`/`asin` (`torch.acos`, `x.acos()`, `torch.arccos`, `tf.math.acos`,
...) of a cosine similarity: `F.cosine_similarity(a, b)`, a sum/dot/matmul of
`F.normalize`d vectors, or `dot / (a.norm() * b.norm())`, inline or through
variables, when it is not clamped strictly inside (-1, 1). A clamp to exactly
`[-1, 1]` is still reported: it fixes the value, not the infinite gradient.
"""
    why = """
Rounding makes the cosine of nearly parallel vectors 1.0000001: `acos` of it is
NaN. Even at exactly ±1 the derivative `-1/sqrt(1 - x²)` is infinite, so the
gradient is NaN for identical embeddings (ArcFace-style angular losses).
"""
    example = """
theta = torch.acos(F.cosine_similarity(a, b))                        # LF207
theta = torch.acos(F.cosine_similarity(a, b).clamp(-1 + 1e-7, 1 - 1e-7))
"""
    fix_safety = """
Unsafe: the fix clamps the argument to `[-1 + 1e-7, 1 - 1e-7]` (TensorFlow:
`tf.clip_by_value`), which changes angles below ~5e-4 rad.
"""
    INVALID = [
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "theta = torch.acos(F.cosine_similarity(a, b))\n",
            3,
            9,
            fixed="import torch\nimport torch.nn.functional as F\n"
            "theta = torch.acos(F.cosine_similarity(a, b).clamp(-1 + 1e-7, 1 - 1e-7))\n",
        ),
        Invalid(
            "import torch.nn.functional as F\n\ndef angle(a, b):\n"
            "    cos = (F.normalize(a, dim=-1) * F.normalize(b, dim=-1)).sum(-1)\n"
            "    return cos.acos()\n",
            5,
            12,
            fixed="import torch.nn.functional as F\n\ndef angle(a, b):\n"
            "    cos = (F.normalize(a, dim=-1) * F.normalize(b, dim=-1)).sum(-1)\n"
            "    return cos.clamp(-1 + 1e-7, 1 - 1e-7).acos()\n",
        ),
        Invalid(
            "import tensorflow as tf\nna = tf.math.l2_normalize(a, axis=1)\n"
            "nb = tf.math.l2_normalize(b, axis=1)\n"
            "ang = tf.math.acos(tf.reduce_sum(na * nb, axis=1))\n",
            4,
            7,
            fixed="import tensorflow as tf\nna = tf.math.l2_normalize(a, axis=1)\n"
            "nb = tf.math.l2_normalize(b, axis=1)\n"
            "ang = tf.math.acos(tf.clip_by_value(tf.reduce_sum(na * nb, axis=1), "
            "-1 + 1e-7, 1 - 1e-7))\n",
        ),
        Invalid(
            "import torch\ncos = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1))\n"
            "t = torch.arcsin(cos.clamp(-1, 1))\n",
            3,
            5,
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "w = F.normalize(W, dim=1)\nx = F.normalize(e, dim=1)\n"
            "theta = torch.acos(x @ w.T)\n",
            5,
            9,
            fixed="import torch\nimport torch.nn.functional as F\n"
            "w = F.normalize(W, dim=1)\nx = F.normalize(e, dim=1)\n"
            "theta = torch.acos((x @ w.T).clamp(-1 + 1e-7, 1 - 1e-7))\n",
        ),
    ]
    VALID = [
        "import torch\nimport torch.nn.functional as F\n"
        "t = torch.acos(F.cosine_similarity(a, b).clamp(-1 + 1e-7, 1 - 1e-7))\n",
        "import torch\nimport torch.nn.functional as F\n"
        "c = torch.clamp(F.cosine_similarity(a, b), -0.9999, 0.9999)\nt = c.acos()\n",
        # not a cosine: an arbitrary tensor
        "import torch\nt = torch.acos(x)\n",
        # math.acos of a Python float
        "import math\nt = math.acos(c / (n1 * n2))\n",
        # NumPy data
        "import numpy as np\nt = np.arccos(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))\n",
        # a user function named acos
        "import torch.nn.functional as F\ndef acos(x):\n    return x\n"
        "t = acos(F.cosine_similarity(a, b))\n",
        # a shadowed F
        "import torch\nimport torch.nn.functional as F\n"
        "def f(F, a, b):\n    return torch.acos(F.cosine_similarity(a, b))\n",
        # a scaled cosine is kept inside (-1, 1)
        "import torch\nimport torch.nn.functional as F\n"
        "t = torch.acos(0.999 * F.cosine_similarity(a, b))\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for qualname, framework in num.ACOS.items():
            for site in model.calls_to(qualname):
                arg = argument(site.node, 0, "input", "x")
                if arg is not None and len(site.node.args) == 1:
                    finding = self._check(model, site.node, arg, framework)
                    if finding is not None:
                        yield finding
        for site in model.method_calls(*num.ACOS_METHODS):
            func = site.node.func
            if site.node.args or not isinstance(func, cst.Attribute):
                continue
            finding = self._check(model, site.node, func.value, "torch")
            if finding is not None:
                yield finding

    def _check(
        self, model: SemanticModel, node: cst.Call, arg: cst.BaseExpression, framework: str
    ) -> Finding | None:
        resolved = num.resolve(model, arg)
        bounds = num.clamp_bounds(model, resolved)
        clamped_to_one = False
        if bounds is not None:
            values = [literal_value(b) for b in bounds if b is not None]
            if not values or not all(isinstance(v, (int, float)) and abs(v) >= 1 for v in values):
                return None
            clamped_to_one = True
            info = num.call_info(model, resolved)
            assert info is not None
            inner = (
                info.receiver
                if info.receiver is not None
                else argument(resolved, 0, "input", "t", "a")  # type: ignore[arg-type]
            )
            if inner is None:
                return None
            resolved = num.resolve(model, inner)
        if not num.is_cosine(model, resolved):
            return None
        if framework == "numpy" and not num.is_tensor_expr(model, resolved):
            return None
        if num.where_guarded(model, node, arg):
            return None
        if clamped_to_one:
            return Finding(
                node=node,
                message="acos/asin of a cosine clamped to exactly [-1, 1]: the value is "
                "finite but the gradient is infinite at ±1 (NaN for identical vectors); "
                "clamp to [-1 + eps, 1 - eps]",
            )
        bound = f"-1 + {EPS_ACOS}, 1 - {EPS_ACOS}"
        message = f"clamp to [{bound}]"
        fix: FixSpec | None = None
        if framework == "torch":
            fix = _method_fix(model, arg, f"clamp({bound})", message)
        elif framework == "tensorflow":
            fix = _tf_call_fix(model, arg, "clip_by_value", f", {bound}", message)
        return Finding(
            node=node,
            message="acos/asin of a cosine similarity without clamp: rounding pushes it "
            "past ±1 (NaN) and the gradient is infinite at ±1; clamp to [-1 + eps, 1 - eps]",
            fix=fix,
        )


# --- LF209 ---------------------------------------------------------------------------


class MaxWithZeros(Rule):
    code = "LF209"
    name = "max-with-zeros"
    severity = Severity.INFO
    summary = "`torch.max(torch.zeros_like(x), y)`: use `torch.relu(y)`"
    fix_kind = "safe"
    needs = ("zeros",)
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
hinge = torch.max(torch.zeros_like(d), margin - d)   # LF209
hinge = torch.relu(margin - d)
"""
    fix_safety = """
Safe: `relu(y)` equals `max(0, y)` (`zeros_like(x)` has the shape of `y` in the
hinge pattern). With `torch.zeros(shape)` the finding has no fix: the zeros
could broadcast `y` to a larger shape.
"""
    INVALID = [
        Invalid(
            "import torch\nh = torch.max(torch.zeros_like(d), margin - d)\n",
            2,
            5,
            fixed="import torch\nh = torch.relu(margin - d)\n",
        ),
        Invalid(
            "import torch\nh = torch.maximum(pos - neg + 1.0, torch.zeros_like(pos))\n",
            2,
            5,
            fixed="import torch\nh = torch.relu(pos - neg + 1.0)\n",
        ),
        Invalid(
            "import torch as th\n\ndef hinge(s):\n    zeros = th.zeros_like(s)\n"
            "    return th.max(zeros, 1 - s).mean()\n",
            5,
            12,
            fixed="import torch as th\n\ndef hinge(s):\n    zeros = th.zeros_like(s)\n"
            "    return th.relu(1 - s).mean()\n",
        ),
    ]
    VALID = [
        "import torch\nh = torch.relu(margin - d)\n",
        # max over a dimension, not with zeros
        "import torch\nm = torch.max(x, 1)\n",
        "import torch\nm = torch.max(x, y)\n",
        # max with ones
        "import torch\nm = torch.max(torch.ones_like(x), y)\n",
        # builtin max and NumPy
        "import numpy as np\nm = max(0, y)\nn = np.maximum(np.zeros_like(x), y)\n",
        # a user function named zeros_like, a shadowed torch
        "import torch\ndef zeros_like(x):\n    return x\nm = torch.max(zeros_like(x), y)\n",
        "import torch\ndef f(torch, x, y):\n    return torch.max(torch.zeros_like(x), y)\n",
        # builtin max of a Python number
        "import torch\nm = max(torch.zeros(1).item(), y)\n",
        # the zeros variable is changed in place
        "import torch\nz = torch.zeros_like(x)\nz[0] = 1\nm = torch.max(z, y)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(*num.ELEMENTWISE_MAX):
            call = site.node
            if len(call.args) != 2 or any(a.keyword is not None or a.star for a in call.args):
                continue
            first, second = (a.value for a in call.args)
            if self._zeros(model, first):
                other, zeros = second, first
            elif self._zeros(model, second):
                other, zeros = first, second
            else:
                continue
            fix = None
            # zeros_like has the shape of a tensor of the hinge; torch.zeros(shape)
            # could broadcast y to a larger shape, which relu(y) would not
            like = num.call_info(model, num.resolve(model, zeros))
            if like is not None and like.qualname == "torch.zeros_like":
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

    @staticmethod
    def _zeros(model: SemanticModel, expr: cst.BaseExpression) -> bool:
        expr = num.resolve(model, expr)
        info = num.call_info(model, expr)
        return info is not None and info.qualname in num.ZEROS


# --- LF208 ---------------------------------------------------------------------------

#: float16's smallest subnormal is 2**-24 ≈ 5.96e-8: anything below rounds to 0
FP16_TINY = 2.0**-24 * 1.0001


def _tiny_literal(expr: cst.BaseExpression | None) -> float | None:
    if expr is None:
        return None
    value = literal_value(expr)
    if isinstance(value, float) and 0 < value < FP16_TINY:
        return value
    return None


class EpsUnderflowsInHalf(Rule):
    code = "LF208"
    name = "eps-underflows-in-half"
    severity = Severity.WARNING
    summary = "eps below 6e-8 on a float16 tensor (or Adam's default eps on a `.half()` model)"
    needs = ("half", "float16", "autocast", "amp")
    what = """
Flags an eps that float16 cannot represent (below its smallest subnormal,
≈ 6e-8: `1e-8`, `1e-10`, `1e-12`) where it guards a float16 tensor: added to
it (`x + 1e-8`) or as the lower bound of a clamp (`x.clamp(min=1e-10)`,
`clamp_min`). A tensor is float16 when it comes from `.half()`,
`.to(torch.float16)`, `dtype=torch.float16`, a model converted with `.half()`,
or, under a float16 autocast region (`torch.autocast("cuda")`,
`torch.cuda.amp.autocast()`, `dtype=torch.float16`), from a linear/conv layer,
a matmul or a model ending in one (`log`, `sum`, `norm`, `softmax` run in
float32 under autocast and are not reported). Also flags an Adam-family
optimiser (`Adam`, `AdamW`, `Adamax`, `NAdam`, `RAdam`) over the parameters
of a `.half()` model with the default `eps=1e-8` or an explicit tiny eps.
"""
    why = """
In float16 `1e-8` rounds to exactly 0, so `x + 1e-8` is `x`, `clamp(min=1e-10)`
is `clamp(min=0)`: the guard guards nothing and the log/division/sqrt it
protects produces inf/NaN again. Adam's update divides by `sqrt(v) + eps`:
with float16 parameters that eps is 0 and parameters with a zero second moment
get inf/NaN updates.
"""
    example = """
model = Net().half()
opt = torch.optim.Adam(model.parameters())             # LF208: eps=1e-8 is 0 in fp16
opt = torch.optim.Adam(model.parameters(), eps=1e-4)

with torch.autocast("cuda", dtype=torch.float16):
    out = model(x)
    p = out.clamp(min=1e-10)                           # LF208
    p = out.clamp(min=torch.finfo(out.dtype).tiny)
"""
    fix_safety = """
There is no automatic fix: the right eps depends on the scale of the values
(`torch.finfo(torch.float16).eps` ≈ 1e-3 is the safe generic choice; `1e-7` is
the smallest round value float16 keeps).
"""
    INVALID = [
        Invalid(
            "import torch\nx = torch.randn(8, dtype=torch.float16)\ny = x / (x.abs() + 1e-8)\n",
            3,
            20,
        ),
        Invalid(
            "import torch\nnet = torch.nn.Linear(4, 2)\n"
            'with torch.autocast("cuda", dtype=torch.float16):\n'
            "    out = net(x)\n    p = out.clamp(min=1e-10)\n",
            5,
            23,
        ),
        Invalid(
            "import torch\nmodel = torch.nn.Linear(4, 2)\nmodel.half()\n"
            "opt = torch.optim.Adam(model.parameters(), lr=1e-3)\n",
            4,
            7,
        ),
        Invalid(
            "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    pass\n\n"
            "model = Net().half()\nopt = torch.optim.AdamW(model.parameters(), eps=1e-8)\n",
            8,
            49,
        ),
        Invalid(
            "import torch\n\ndef f(x):\n    h = x.half()\n    return torch.sqrt(h.clamp_min(1e-12))\n",
            5,
            35,
        ),
    ]
    VALID = [
        # float32 tensors
        "import torch\nx = torch.randn(8)\ny = x / (x.abs() + 1e-8)\n",
        # an eps float16 can hold
        "import torch\nx = torch.randn(8).half()\ny = x / (x.abs() + 1e-4)\n",
        # softmax and sum run in float32 under autocast
        "import torch\nnet = torch.nn.Linear(4, 2)\n"
        'with torch.autocast("cuda", dtype=torch.float16):\n'
        "    out = net(x)\n    lp = torch.log(out.softmax(-1) + 1e-8)\n"
        "    n = out / (out.sum() + 1e-8)\n",
        # bfloat16 autocast keeps float32's range
        "import torch\nnet = torch.nn.Linear(4, 2)\n"
        'with torch.autocast("cpu"):\n    out = net(x)\n    p = out.clamp(min=1e-10)\n',
        # Adam over a float32 model, or with a representable eps
        "import torch\nmodel = torch.nn.Linear(4, 2)\nopt = torch.optim.Adam(model.parameters())\n",
        "import torch\nmodel = torch.nn.Linear(4, 2).half()\n"
        "opt = torch.optim.Adam(model.parameters(), eps=1e-4)\n",
        # Python floats
        "eps = 1e-8\ny = 1.0 + 1e-8\n",
        # the half tensor is converted back first
        "import torch\nx = torch.randn(8).half()\ny = x.float() + 1e-8\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        from lossflint.analysis.contexts import contexts

        ctx = contexts(model)
        for addition in num.binary_operations(model, cst.Add):
            for lit, other in ((addition.right, addition.left), (addition.left, addition.right)):
                value = _tiny_literal(lit)
                if value is not None:
                    reason = self._half(model, ctx, other, addition)
                    if reason:
                        yield self._finding(lit, value, reason)
                    break
        for site in [*model.calls_to(*num.CLAMP), *model.method_calls(*num.CLAMP_METHODS)]:
            lower = num.clamp_lower(model, site.node)
            value = _tiny_literal(lower)
            if value is None or lower is None:
                continue
            info = num.call_info(model, site.node)
            assert info is not None
            subject = info.receiver or argument(site.node, 0, "input", "t")
            if subject is None:
                continue
            reason = self._half(model, ctx, subject, site.node)
            if reason:
                yield self._finding(lower, value, reason)
        yield from self._optimisers(model, ctx)

    @staticmethod
    def _finding(literal: cst.BaseExpression, value: float, reason: str) -> Finding:
        return Finding(
            node=literal,
            message=f"eps {value:g} rounds to 0 in float16 (smallest subnormal ≈ 6e-8): "
            f"{reason}, so the guard guards nothing; use an eps float16 can hold "
            "(e.g. `torch.finfo(x.dtype).eps`)",
        )

    def _half(
        self, model: SemanticModel, ctx: ContextIndex, expr: cst.BaseExpression, at: cst.CSTNode
    ) -> str:
        """Why ``expr`` is a float16 tensor ("" if it is not known to be)."""
        # reductions keep float16 too, except under autocast (which runs them in float32)
        reductions = ctx.autocast_dtype(at) is None
        expr = self._strip_elementwise(model, expr, reductions)
        if ctx.is_half(expr):
            return f"`{num.bare_code(model, expr)}` is float16"
        resolved = num.resolve(model, expr)
        resolved = self._strip_elementwise(model, resolved, reductions)
        if reductions and ctx.is_half(resolved):
            return f"`{num.bare_code(model, resolved)}` is float16"
        if ctx.autocast_dtype(resolved) != "float16" or ctx.autocast_dtype(at) != "float16":
            return ""
        if num.is_binop(resolved, cst.MatrixMultiply):
            return "a matmul under float16 autocast is float16"
        info = num.call_info(model, resolved)
        if info is not None and (
            info.qualname in num.MATMUL or info.qualname in num.FP16_UNDER_AUTOCAST
        ):
            return "a matmul under float16 autocast is float16"
        if not isinstance(resolved, cst.Call):
            return ""
        value = model.value(resolved)
        if isinstance(value, Tensor) and value.kind is Kind.LOGITS:
            return "a linear/conv output under float16 autocast is float16"
        return ""

    @staticmethod
    def _strip_elementwise(
        model: SemanticModel, expr: cst.BaseExpression, reductions: bool = False
    ) -> cst.BaseExpression:
        """``x.abs()``, ``torch.relu(x)``, ``x ** 2`` (and, outside autocast,
        ``x.sum()``) keep ``x``'s dtype."""
        for _ in range(4):
            info = num.call_info(model, expr)
            if info is not None and reductions and info.method in num.DTYPE_KEEPING_REDUCTIONS:
                if info.receiver is not None:
                    expr = info.receiver
                    continue
            if info is not None and info.method in num.DTYPE_KEEPING_METHODS:
                if info.receiver is not None and not info.node.args:
                    expr = info.receiver
                    continue
            if info is not None and info.qualname in num.DTYPE_KEEPING_FUNCS:
                first = argument(info.node, 0, "input")
                if first is not None:
                    expr = first
                    continue
            if num.is_square(model, expr) and num.is_binop(expr, cst.Power):
                expr = expr.left  # type: ignore[attr-defined]
                continue
            break
        return expr

    def _optimisers(self, model: SemanticModel, ctx: ContextIndex) -> Iterator[Finding]:
        for site in model.calls_to(*num.ADAM_FAMILY):
            call = site.node
            params = argument(call, 0, "params")
            info = num.call_info(model, params) if params is not None else None
            if info is None or info.method != "parameters" or info.receiver is None:
                continue
            owner = info.receiver
            key = model.code(owner)
            if not (key in ctx.half_models or ctx.is_half(owner)):
                continue
            eps = keyword(call, "eps")
            if eps is None:
                if any(a.star for a in call.args) or len(positional(call)) > 3:
                    continue  # eps may be passed positionally or through **kwargs
                yield Finding(
                    node=call,
                    message=f"`{key}` is float16 (`.half()`) and this optimiser keeps its "
                    "default eps=1e-8, which rounds to 0 in float16: updates of parameters "
                    "with a zero second moment divide by 0; pass `eps=1e-4` or keep "
                    "float32 master weights (autocast + GradScaler)",
                )
                continue
            value = _tiny_literal(eps.value)
            if value is not None:
                yield self._finding(eps.value, value, f"`{key}`'s parameters are float16")
