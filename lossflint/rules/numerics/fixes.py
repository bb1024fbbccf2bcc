"""Fix builders of the LF2xx rules: eps guards and the fused log-space functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import keyword, literal_value
from lossflint.analysis.log_calls import LogCall
from lossflint.analysis.model import module_alias
from lossflint.diagnostics import Applicability, FixSpec, InsertImport, NodeEdit

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

#: epsilons the fixes insert: 1e-7 survives float16 (its smallest subnormal is
#: ~6e-8) and keeps log() finite; 1e-12 is F.normalize's eps for norms/sqrt
EPS_LOG = "1e-7"
EPS_SQRT = "1e-12"
EPS_DIV = "1e-12"
EPS_ACOS = "1e-7"


# --- guards ------------------------------------------------------------------------


def _receiver_text(model: SemanticModel, expr: cst.BaseExpression) -> str:
    """``expr`` as the receiver of a method call."""
    text = num.bare_code(model, expr)
    if isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not expr.lpar:
        return text
    return f"({text})"


def method_fix(
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


def tf_call_fix(
    model: SemanticModel, expr: cst.BaseExpression, func: str, extra: str, message: str
) -> FixSpec | None:
    """Replace ``expr`` by ``tf.<func>(expr<extra>)``."""
    alias = module_alias(model, "tensorflow")
    if alias is None:
        return None
    text = f"{alias}.{func}({num.bare_code(model, expr)}{extra})"
    return FixSpec(Applicability.UNSAFE, message, (NodeEdit(expr, text),))


def clamp_hint(framework: str | None, eps: str, torch_eps: str | None = None) -> str | None:
    """How to keep a value at least ``eps``, spelt in the finding's framework
    (a TensorFlow file is told ``tf.maximum``, not ``clamp_min``); None when
    the framework is unknown."""
    if framework == "torch":
        return f"`.clamp_min({torch_eps or eps})`"
    if framework == "tensorflow":
        return f"`tf.maximum(x, {eps})`"
    if framework == "numpy":
        return f"`np.maximum(x, {eps})`"
    return None


def clamp_fix(
    model: SemanticModel, expr: cst.BaseExpression, framework: str | None, eps: str, message: str
) -> FixSpec | None:
    """Keep ``expr`` at least ``eps``: ``.clamp_min(eps)`` / ``tf.maximum(expr, eps)``."""
    if framework == "torch":
        return method_fix(model, expr, f"clamp_min({eps})", message)
    if framework == "tensorflow":
        return tf_call_fix(model, expr, "maximum", f", {eps}", message)
    return None


# --- fused functions -----------------------------------------------------------------


def _parens(expr: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _functional(model: SemanticModel) -> tuple[str, tuple[InsertImport, ...]] | None:
    """The name of ``torch.nn.functional`` in the file, or "F" with an import."""
    alias = module_alias(model, apis.TORCH_FUNCTIONAL)
    if alias is not None:
        # the import is asked for anyway: the fixer adds an early one when the
        # file's own import comes after the fixed line (and none otherwise)
        return alias, (InsertImport(apis.TORCH_FUNCTIONAL, alias),)
    if model.module_scope.bindings.get("F"):
        return None
    return "F", (InsertImport(apis.TORCH_FUNCTIONAL, "F"),)


def _args_text(model: SemanticModel, args: Sequence[cst.Arg]) -> str:
    return ", ".join(
        model.code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)).strip() for a in args
    )


def log_probability_fix(
    model: SemanticModel,
    log: LogCall,
    producer: cst.BaseExpression,
    kind: Kind,
    complement: bool,
) -> FixSpec | None:
    """LF201: ``log(softmax(x))`` → ``log_softmax(x)``, ``log(sigmoid(x))`` →
    ``logsigmoid(x)`` and ``log(1 - sigmoid(x))`` → ``logsigmoid(-x)``."""
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
        if model.qualname(func) == apis.KERAS_BACKEND_SOFTMAX:
            return None
        new = producer.with_changes(func=func.with_changes(attr=cst.Name("log_softmax")))
        return FixSpec(Applicability.SAFE, "use log_softmax", (NodeEdit(log.node, new),))
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
        functional = _functional(model)
        if functional is None:
            return None
        alias, imports = functional
        callee: cst.BaseExpression = cst.Attribute(cst.Name(alias), cst.Name("logsigmoid"))
    else:
        tf_alias = module_alias(model, "tensorflow")
        if tf_alias is None:
            return None
        callee = cst.parse_expression(f"{tf_alias}.math.log_sigmoid")
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


def softplus_fix(
    model: SemanticModel,
    node: cst.Call,
    x: cst.BaseExpression,
    exp_framework: str | None,
    framework: str,
) -> FixSpec | None:
    """LF204: ``log(1 + exp(x))`` → ``softplus(x)``."""
    x_text = num.bare_code(model, x)
    if exp_framework == "torch" and framework == "torch":
        functional = _functional(model)
        if functional is None:
            return None
        alias, imports = functional
        return FixSpec(
            Applicability.SAFE,
            "use softplus",
            (NodeEdit(node, f"{alias}.softplus({x_text})"),),
            imports,
        )
    if exp_framework == "tensorflow" and framework == "tensorflow":
        tf_alias = module_alias(model, "tensorflow")
        if tf_alias is None:
            return None
        return FixSpec(
            Applicability.SAFE,
            "use softplus",
            (NodeEdit(node, f"{tf_alias}.math.softplus({x_text})"),),
        )
    return None


def logsumexp_fix(
    model: SemanticModel,
    node: cst.Call,
    sum_call: cst.BaseExpression,
    x: cst.BaseExpression,
    exp_framework: str | None,
    framework: str,
) -> FixSpec | None:
    """LF204: ``log(sum(exp(x), dim))`` → ``logsumexp(x, dim)``."""
    if not isinstance(sum_call, cst.Call) or exp_framework != framework:
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


def softmax_fix(
    model: SemanticModel,
    division: cst.BinaryOperation,
    sum_call: cst.Call,
    x: cst.BaseExpression,
    framework: str,
) -> FixSpec | None:
    """LF204: ``exp(x) / exp(x).sum(dim, keepdim=True)`` → ``softmax(x, dim)``."""
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
