"""Expression helpers for the LF2xx numerics rules (their framework tables are
in ``apis``).

Rules ask these helpers instead of spelling framework names: which calls are a
``sqrt``, a sum reduction, a clamp; whether an expression is guarded (clamped
or given a positive term); what a name bound once holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.attribute_constants import number
from lossflint.analysis.calls import argument, keyword, literal_value, positional
from lossflint.analysis.contexts import contexts
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.mask_names import named_like_a_mask
from lossflint.analysis.names import dotted_text, self_attribute
from lossflint.analysis.plain_classes import plain_class
from lossflint.analysis.reaching import binding_loop, reaching_assignment
from lossflint.analysis.values import UNKNOWN, Foreign, FunctionRef, Instance, LossObject, Tensor
from lossflint.analysis.walk import memo_of, names_in, nodes_in, own_returns
from lossflint.project.context import current as project_context
from lossflint.project.summary import SFunction

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.names import Scope

# --- model helpers --------------------------------------------------------------


@dataclass(frozen=True)
class CallInfo:
    """A call seen as ``qualname(args)`` or as ``receiver.method(args)``."""

    node: cst.Call
    qualname: str | None
    method: str | None
    receiver: cst.BaseExpression | None


def call_info(model: ModuleIndex, expr: cst.BaseExpression) -> CallInfo | None:
    if not isinstance(expr, cst.Call):
        return None
    qualname = model.qualname(expr.func)
    if qualname is not None:
        return CallInfo(expr, qualname, None, None)
    func = expr.func
    if isinstance(func, cst.Attribute):
        return CallInfo(expr, None, func.attr.value, func.value)
    return None


def framework(qualname: str | None) -> str | None:
    return apis.framework_of(qualname)


class _Mutations(cst.CSTVisitor):
    """Names changed without a new binding: ``x[i] = v``, ``x += v``,
    ``x.clamp_(...)``, ``x.attr = v``."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def _target(self, target: cst.BaseExpression) -> None:
        while isinstance(target, (cst.Subscript, cst.Attribute)):
            target = target.value
            if isinstance(target, cst.Name):
                self.names.add(target.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.names.add(node.target.value)
        self._target(node.target)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value.endswith("_")
            and not func.attr.value.startswith("_")
            and isinstance(func.value, cst.Name)
        ):
            self.names.add(func.value.value)


def _mutations_by_scope(model: ModuleIndex) -> dict[cst.CSTNode, frozenset[str]]:
    """Per-file cache of ``_mutated_in``, filled scope by scope."""
    return {}


def _mutated_in(model: ModuleIndex, scope_node: cst.CSTNode) -> frozenset[str]:
    per_model = model.analysis(_mutations_by_scope)
    found = per_model.get(scope_node)
    if found is None:
        visitor = _Mutations()
        scope_node.visit(visitor)
        found = frozenset(visitor.names)
        per_model[scope_node] = found
    return found


#: activations whose output is positive (never 0 short of underflow)
_POSITIVE_ACTIVATIONS = frozenset({"softplus", "exp"})


def positive_value(model: ModuleIndex, value: Tensor) -> bool:
    """A non-negative tensor that is positive by construction: made by ``exp``
    (here, or in another module: ``Tensor.site`` names the call), or the
    square of a positive activation's output."""
    origin = value.origin
    if isinstance(origin, cst.Call) and exp_operand(model, origin) is not None:
        return True
    if value.site is not None and value.site.label.rsplit(".", 1)[-1] in ("exp", "exp_"):
        return True  # the label is the callee as written: ``torch.exp``, ``log_std.exp``
    return positive_squared(model, origin)


def positive_squared(model: ModuleIndex, expr: cst.CSTNode | None) -> bool:
    """``sig ** 2`` / ``tf.square(sig)`` of ``sig = softplus(w)`` (a learned
    scale, tensorchiefs' Bayesian regression): the square of a positive value."""
    if not isinstance(expr, cst.BaseExpression):
        return False
    base = square_base(model, expr)
    info = call_info(model, resolve(model, base)) if base is not None else None
    if info is None:
        return False
    name = info.qualname.rsplit(".", 1)[-1] if info.qualname else info.method
    return name in _POSITIVE_ACTIVATIONS and (info.qualname is not None or info.method == "exp")


def zeros_tensor(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> bool:
    """A tensor of zeros: made by ``torch.zeros``/``zeros_like``, also
    wrapped in ``Variable(...)`` or moved (``.cuda()``), through a name
    every binding of which is such and nothing changes in place
    (capsule-net-pytorch's margin loss)."""
    expr = resolve(model, expr)
    if isinstance(expr, cst.Name) and depth > 0:
        if changed_in_place(model, expr):
            return False  # ``z[0] = 1``: not zeros any more
        bindings = model.bindings(expr) or []
        # ``zero = zero.cuda()`` keeps what the other bindings made
        values = [b.node for b in bindings if not _moved_itself(b.node, expr.value)]
        return (
            bool(values)
            and all(b.kind == "assign" for b in bindings)
            and all(
                isinstance(v, cst.BaseExpression) and zeros_tensor(model, v, depth - 1)
                for v in values
            )
        )
    info = call_info(model, expr)
    if info is None:
        return False
    if info.qualname in apis.ZEROS:
        return True
    if info.qualname is None and info.method in apis.ZEROS_METHODS and info.receiver is not None:
        return True  # ``x.new_zeros(x.shape)`` (Matrix-Capsules-EM's spread loss, audit s203)
    if info.qualname in apis.TORCH_VALUE_KEEPING_FUNCS and info.node.args:
        return zeros_tensor(model, info.node.args[0].value, depth)
    return (
        info.method in apis.KIND_PRESERVING_METHODS
        and info.receiver is not None
        and zeros_tensor(model, info.receiver, depth)
    )


def _moved_itself(value: cst.CSTNode | None, name: str) -> bool:
    """``zero.cuda()`` bound to ``zero`` again."""
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in apis.KIND_PRESERVING_METHODS
        and isinstance(value.func.value, cst.Name)
        and value.func.value.value == name
    )


def changed_in_place(model: ModuleIndex, name: cst.Name) -> bool:
    """``name`` is changed without a new binding in the scope that reads it
    (``z[0] = 1``, ``z += 1``, ``z.fill_(1)``)."""
    return name.value in _mutated_in(model, model.scope_of(name).node)


def bound_value(model: ModuleIndex, name: cst.Name) -> cst.BaseExpression | None:
    """The expression a name is bound to when it has exactly one assignment in
    the scope that owns it and is never changed in place; None otherwise."""
    owner: Scope | None = model.scope_of(name)
    first = True
    while owner is not None:
        # like Scope.lookup: a class body is not visible from its methods
        if name.value in owner.bindings and (first or owner.kind != "class"):
            break
        first = False
        owner = owner.parent
    if owner is None:
        return None
    bindings = owner.bindings[name.value]
    if len(bindings) == 2 and {b.kind for b in bindings} == {"param", "assign"}:
        # ``def cosine(a, b): a = F.normalize(a, dim=-1) ...``: the parameter
        # rebound once at the top of the body, before the use
        (assign,) = [b for b in bindings if b.kind == "assign"]
        if not _rebound_before(model, owner.node, assign.node, name):
            return None
        bindings = [assign]
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    value = bindings[0].node
    if not isinstance(value, cst.BaseExpression):
        return None
    if name.value in _mutated_in(model, owner.node):
        return None
    return value


def _rebound_before(
    model: ModuleIndex, func: cst.CSTNode, value: cst.CSTNode | None, use: cst.Name
) -> bool:
    """``value`` is assigned by a statement of ``func``'s own body (not in a
    branch or a loop) that comes before the one holding ``use``."""
    if not isinstance(func, cst.FunctionDef) or not isinstance(func.body, cst.IndentedBlock):
        return False
    body = list(func.body.body)

    def top(node: cst.CSTNode | None) -> int:
        while node is not None:
            parent = model.parent(node)
            if parent is func.body:
                return body.index(node)  # type: ignore[arg-type]
            node = parent
        return -1

    where, used = top(value), top(use)
    return 0 <= where < used


def assignments(model: ModuleIndex, name: cst.Name) -> list[cst.BaseExpression]:
    """Every expression assigned to ``name`` in the scope that owns it."""
    bindings = model.bindings(name) or []
    return [
        b.node for b in bindings if b.kind == "assign" and isinstance(b.node, cst.BaseExpression)
    ]


def cast_to_int(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """``node`` ends up cast to an integer dtype in its statement
    (``(... log(n) ...).to(torch.long)``, ``tf.cast(..., dtype)``): a bucket
    index, where no gradient flows and inf is clipped away."""
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, cst.BaseSmallStatement):
            return False
        if not isinstance(ancestor, cst.Call):
            continue
        info = call_info(model, ancestor)
        if info is None:
            continue
        if info.method in ("long", "int") and not ancestor.args:
            return True
        if info.method in ("to", "type") or info.qualname == apis.TF_CAST:
            for arg in ancestor.args:
                if model.qualname(arg.value) in apis.INT_DTYPES:
                    return True
                if info.qualname == apis.TF_CAST and arg is not ancestor.args[0]:
                    # tf.cast(x, some.dtype): casting a log back is integer bucketing
                    return model.qualname(arg.value) not in apis.TF_FLOAT_DTYPES
    return False


def resolve(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 4) -> cst.BaseExpression:
    """Follow names bound once (``d2 = ...; sqrt(d2)``) to their expression."""
    while depth > 0 and isinstance(expr, cst.Name):
        value = bound_value(model, expr)
        if value is None:
            return expr
        expr = value
        depth -= 1
    return expr


def imports_framework(model: ModuleIndex, roots: tuple[str, ...] = apis.TENSOR_FRAMEWORKS) -> bool:
    for bindings in model.module_scope.bindings.values():
        for binding in bindings:
            if binding.kind == "import" and binding.qualname:
                if binding.qualname.split(".", 1)[0] in roots:
                    return True
    return False


def uses_framework(model: ModuleIndex, roots: tuple[str, ...] = apis.TENSOR_FRAMEWORKS) -> bool:
    """A framework import the module reads somewhere: an ``import torch``
    nothing uses (a NumPy data-transform module's, DL-based Intelligent
    Diagnosis Benchmark's ``matrix_aug.py``, audit s210) is no evidence."""
    for name, bindings in model.module_scope.bindings.items():
        if not any(
            b.kind == "import" and b.qualname and b.qualname.split(".", 1)[0] in roots
            for b in bindings
        ):
            continue
        for use in names_in(model.module, name, memo_of(model)):
            if not model.enclosing(use, cst.Import, cst.ImportFrom):
                return True
    return False


def tensor_methods_possible(model: ModuleIndex) -> bool:
    """A method like ``x.pow(2)`` may be a tensor's: the file uses a tensor
    framework, or no data library either (a snippet, a helper handed tensors)."""
    return imports_framework(model) or not imports_framework(model, apis.DATA_ARRAY_LIBRARIES)


def only_torch(model: ModuleIndex) -> bool:
    """The file imports torch and none of NumPy/TensorFlow/JAX: a method like
    ``x.sum()`` is a torch tensor's."""
    return imports_framework(model, ("torch",)) and not imports_framework(
        model, apis.NON_TORCH_ARRAY_LIBRARIES
    )


# --- expression shapes ----------------------------------------------------------


def is_binop(expr: cst.BaseExpression, op: type) -> bool:
    return isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, op)


def difference(
    model: ModuleIndex, expr: cst.BaseExpression
) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """The sides of ``a - b``, ``tf.subtract(a, b)``, ``torch.sub(a, b)``."""
    if is_binop(expr, cst.Subtract):
        return expr.left, expr.right  # type: ignore[attr-defined]
    if isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.SUBTRACT:
        args = positional(expr)
        if len(args) == 2 and len(expr.args) == 2:
            return args[0].value, args[1].value
    return None


def positive_literal(expr: cst.BaseExpression) -> bool:
    value = literal_value(expr)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def finfo_attr(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``torch.finfo(dtype).eps`` / ``.tiny``."""
    return (
        isinstance(expr, cst.Attribute)
        and expr.attr.value in ("eps", "tiny", "smallest_normal")
        and isinstance(expr.value, cst.Call)
        and model.qualname(expr.value.func) in apis.FINFO
    )


_EPS_WORDS = ("eps", "smooth", "tiny")
#: objects holding run settings: ``args.huber_c`` is a number the user set
_SETTINGS_OBJECTS = frozenset(
    {"args", "opt", "opts", "cfg", "config", "conf", "hparams", "hp", "flags", "settings"}
)


def run_setting(expr: cst.BaseExpression) -> bool:
    """A value read from an object holding the run's settings: ``args.m``,
    ``cfg.margin``, ``config["m"]`` (a string key: ``outputs["logits"]`` of
    another name is a tensor)."""
    if isinstance(expr, cst.Subscript):
        index = expr.slice[0].slice if len(expr.slice) == 1 else None
        if not isinstance(index, cst.Index) or not isinstance(literal_value(index.value), str):
            return False
    elif not isinstance(expr, cst.Attribute):
        return False
    holder = expr.value
    return isinstance(holder, cst.Name) and holder.value.lower() in _SETTINGS_OBJECTS


def _eps_like(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """A positive constant by its form: a positive literal, ``finfo(...).eps``,
    or a name/attribute whose name says eps (``eps``, ``self.epsilon``,
    ``smooth``)."""
    if positive_literal(expr) or finfo_attr(model, expr):
        return True
    name = None
    if isinstance(expr, cst.Name):
        bound = resolve(model, expr)
        if bound is not expr and positive_literal(bound):
            return True  # ``small_addon_for_BCE = 1e-6``, bound once
        name = expr.value
    elif isinstance(expr, cst.Attribute) and model.qualname(expr) is None:
        name = expr.attr.value
    return name is not None and any(w in name.lower() for w in _EPS_WORDS)


def _setting(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """A number the code or its user fixes: a constant (``c = 1e-3``) or a
    run setting (``args.huber_c``, ``cfg.margin``)."""
    if is_constant(model, expr):
        return True
    return isinstance(expr, cst.Attribute) and run_setting(expr)


def _positive_power(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``eps ** 2``, ``tf.square(1e-3)``, ``torch.pow(eps, 2)``, ``eps * eps``,
    ``math.sqrt(eps)``: a power of a positive constant; ``args.huber_c ** 2``
    (the pseudo-Huber loss): the square of a setting, a guard as much as the
    setting itself."""
    if is_binop(expr, cst.Power):
        assert isinstance(expr, cst.BinaryOperation)
        return (
            _eps_like(model, expr.left)
            or _setting(model, expr.left)
            or _nonzero_number(model, expr.left)
        )
    info = call_info(model, expr)
    if info is None:
        return False
    if info.qualname is not None:
        args = positional(info.node)
        if not args:
            return False
        if (
            info.qualname in apis.SQUARE
            or info.qualname in apis.POW
            or info.qualname in (apis.SQRT | apis.SCALAR_POWERS)
        ):
            return _eps_like(model, args[0].value)
        return False
    if info.method in ("square", "pow", "sqrt") and info.receiver is not None:
        return _eps_like(model, info.receiver)
    return False


def _nonzero_number(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``self.sigma_data`` holding one known number other than 0 (EDM's
    ``sigma_data=0.5``, audit s164): its square is positive."""
    found = number(model, expr)
    return found is not None and found != 0


def positive_term(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """A term that makes a sum strictly positive: a positive literal, a name or
    attribute (``eps``, ``self.smooth``), ``torch.finfo(...).eps``, a power of
    a positive constant (``eps ** 2``, ``tf.square(1e-3)``), or a product of
    those."""
    if positive_literal(expr) or finfo_attr(model, expr) or _positive_power(model, expr):
        return True
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return False
        # ``smooth = 0.0  # may change``: a name bound only to numbers, none
        # of them positive, adds nothing
        numbers = numbers_bound(model, expr)
        return numbers is None or any(n > 0 for n in numbers)
    if isinstance(expr, cst.Attribute):
        return model.qualname(expr) is None
    if is_binop(expr, cst.Multiply) or is_binop(expr, cst.Divide):
        assert isinstance(expr, cst.BinaryOperation)
        return positive_term(model, expr.left) and positive_term(model, expr.right)
    return False


def _square_of_a_name(model: ModuleIndex, term: cst.BaseExpression) -> bool:
    """``c ** 2``, ``c * c``, ``self.c.pow(2)``: the square of a name or an
    attribute, not of an expression (``(pred - target) ** 2``) nor a literal."""
    base = square_base(model, term)
    if base is None:
        return False
    # ``huber_c = huber_c.view(-1, 1, 1, 1)``: a reshape keeps the values
    base = strip_shape(model, resolve(model, base))
    if isinstance(base, cst.Name):
        base = strip_shape(model, reaching_assignment(model, base) or base)
    return isinstance(base, cst.Name) or (
        isinstance(base, cst.Attribute) and model.qualname(base) is None
    )


def literals_bound(
    model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3
) -> list[object] | None:
    """The literal values ``expr`` can be: a literal, both arms of a
    conditional, a name every binding of which assigns one of these
    (``average = "weighted" if n > 2 else "macro"``); None otherwise."""
    value = literal_value(expr)
    if value is not NotImplemented:
        return [value]
    if depth <= 0:
        return None
    if isinstance(expr, cst.IfExp):
        body = literals_bound(model, expr.body, depth - 1)
        orelse = literals_bound(model, expr.orelse, depth - 1)
        return body + orelse if body is not None and orelse is not None else None
    if not isinstance(expr, cst.Name):
        return None
    looped = looped_literals(model, expr)
    if looped is not None:
        return looped
    values = assignments(model, expr)
    if not values or len(values) != len(model.bindings(expr) or []):
        return None  # a parameter, a loop target, an import too
    out: list[object] = []
    for assigned in values:
        found = literals_bound(model, assigned, depth - 1)
        if found is None:
            return None
        out.extend(found)
    return out


def looped_literals(model: ModuleIndex, name: cst.Name) -> list[object] | None:
    """``for average in ["micro", "macro"]:``: the literals a loop target
    bound nowhere else takes (ToD-BERT's metrics, audit s237)."""
    if len(model.bindings(name) or []) != 1:
        return None
    loop = binding_loop(model, name)
    if loop is None or not isinstance(loop.target, cst.Name):
        return None
    if not isinstance(loop.iter, (cst.List, cst.Tuple)) or not loop.iter.elements:
        return None
    values = [literal_value(e.value) for e in loop.iter.elements]
    if any(v is NotImplemented for v in values) or any(
        isinstance(e, cst.StarredElement) for e in loop.iter.elements
    ):
        return None
    return values


def numbers_bound(model: ModuleIndex, expr: cst.BaseExpression) -> list[float] | None:
    """The numbers ``expr`` can be: a number literal, or a name every
    assignment of which is one (``smooth = 0.0``); None otherwise."""
    values = assignments(model, expr) if isinstance(expr, cst.Name) else [expr]
    numbers = [literal_value(value) for value in values]
    if not numbers or not all(
        isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers
    ):
        return None
    return [float(n) for n in numbers]  # type: ignore[arg-type]


def clamp_lower(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """The lower bound of a clamp/clip/maximum call (None if not one)."""
    info = call_info(model, expr)
    if info is None:
        return None
    call = info.node
    if info.qualname in apis.CLAMP:
        if info.qualname == apis.CLAMP_MIN:
            return argument(call, 1, "min")
        return argument(call, 1, *apis.CLIP_MIN_KEYWORDS)
    if info.method in apis.CLAMP_METHODS:
        if info.method.startswith("clamp_min"):
            return argument(call, 0, "min")
        return argument(call, 0, "min", "a_min")
    if info.qualname in apis.MAXIMUM or info.qualname == "builtins.max":
        # ``np.maximum(p, 1e-7)``, ``np.maximum(p, eps)``, Python's ``max(p, eps)``
        args = positional(call)
        if len(args) == 2 and len(call.args) == 2:
            for arg in args:
                if _eps_like(model, arg.value) or positive_literal(resolve(model, arg.value)):
                    return arg.value
        return None
    return None


def clamped_at_zero(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """What ``x.clamp(0, 1)``, ``x.clamp(min=0)``, ``torch.clamp(x, min=0.0)``
    clamps: a lower bound of 0 keeps a 0 (no guard for a root or a log), so
    the clamped value is what to look at; None when ``expr`` is no such clamp."""
    lower = clamp_lower(model, expr)
    if (
        lower is None
        or literal_value(lower) not in (0, 0.0)
        or isinstance(literal_value(lower), bool)
    ):
        return None
    info = call_info(model, expr)
    assert info is not None
    if info.receiver is not None:
        return info.receiver
    first = positional(info.node)
    return first[0].value if first and info.qualname in apis.CLAMP else None


def clamp_bounds(
    model: ModuleIndex, expr: cst.BaseExpression
) -> tuple[cst.BaseExpression | None, cst.BaseExpression | None] | None:
    """(min, max) of a clamp/clip call, None if ``expr`` is not one."""
    info = call_info(model, expr)
    if info is None:
        return None
    call = info.node
    if info.qualname in apis.CLAMP:
        return (
            argument(call, 1, *apis.CLIP_MIN_KEYWORDS),
            argument(call, 2, *apis.CLIP_MAX_KEYWORDS),
        )
    if info.method in ("clamp", "clip", "clamp_", "clip_"):
        return (argument(call, 0, "min", "a_min"), argument(call, 1, "max", "a_max"))
    return None


def is_guarded(
    model: ModuleIndex,
    expr: cst.BaseExpression,
    depth: int = 3,
    passed_to: PassedTo | None = None,
) -> bool:
    """``expr`` is kept strictly positive by the code: a clamp/clip/maximum with
    a positive lower bound (or a bound that is not a literal), an added
    positive term, or a name bound once to such an expression; ``1 - x`` and
    ``1 - x ** 2`` of an ``x`` clamped into [0, 1) (with ``passed_to``, also a
    parameter every caller passes such a value for: MuRP's ``_arsech``)."""
    if depth <= 0:
        return False
    if isinstance(expr, cst.Name):
        if clamped_in_place(model, expr):
            return True
        value = bound_value(model, expr)
        if value is not None:
            return is_guarded(model, value, depth - 1, passed_to)
        # reassigned (``p = p.clamp(eps, 1 - eps)`` over a parameter): a guard
        # on any assignment may be the one that reaches, so stay silent
        found = assignments(model, expr)
        if not found and passed_to is not None:
            # a parameter every caller passes a clipped value for
            passed = passed_to(expr) or []
            return bool(passed) and all(
                is_guarded(model, value, depth - 1, passed_to) for value in passed
            )
        return any(is_guarded(model, assigned, depth - 1, passed_to) for assigned in found)
    if isinstance(expr, cst.Attribute) and _attribute_raised(model, expr):
        return True
    complement = one_minus(expr)
    if complement is not None:
        base = square_base(model, resolve(model, complement))
        if base is not None and _held_in_unit(model, base, depth, passed_to):
            return True  # ``1 - x ** 2`` with ``x`` in [0, 1)
    lower = clamp_lower(model, expr)
    if lower is not None:
        bound = literal_value(lower)
        if bound is NotImplemented:
            return True
        return isinstance(bound, (int, float)) and bound > 0
    if is_binop(expr, cst.Add):
        terms = add_terms(expr)
        if any(
            _positive_power(model, t) or (positive_term(model, t) and not is_square(model, t))
            for t in terms
        ):
            return True
        # ``(pred - target) ** 2 + c ** 2``: the pseudo-Huber constant squared,
        # not ``re * re + im * im``, a magnitude that is 0 where every part is
        named = [t for t in terms if _square_of_a_name(model, t)]
        return bool(named) and len(named) < len(terms)
    complement = one_minus(expr)
    if complement is not None:
        # ``1 - p`` with ``p`` clipped below 1 (``clip(p, eps, 1 - eps)``)
        return _held_below_one(model, complement, depth)
    if _project_clip(model, expr) or _clipped_elements(model, expr):
        return True
    # casts and selections keep every element's bound (the depth counts names
    # followed, not the links of a method chain, which the text bounds)
    if isinstance(expr, cst.Subscript):
        return is_guarded(model, expr.value, depth)  # elements of a guarded tensor
    info = call_info(model, expr)
    if info is not None and info.receiver is not None:
        if info.method in apis.CAST_METHODS or info.method in apis.SELECTION_METHODS:
            return is_guarded(model, info.receiver, depth)
    if info is not None and info.qualname in apis.SELECTION_FUNCTIONS:
        first = argument(info.node, 0, "input")
        return first is not None and is_guarded(model, first, depth)
    return _guarded_product(model, expr, depth, passed_to)


def _guarded_product(
    model: ModuleIndex, expr: cst.BaseExpression, depth: int, passed_to: PassedTo | None
) -> bool:
    """``K.dot(p, P)`` / ``p @ T`` with ``p`` clipped above 0: forward loss
    correction's noisy posterior, a clipped probability vector times a
    transition matrix (YisenWang's symmetric CE, loss-correction: audit
    s175). The matrix's signs are not known; the clip says the author kept
    the log's argument off 0, and silence is the rule when unsure."""
    if is_binop(expr, cst.MatrixMultiply):
        assert isinstance(expr, cst.BinaryOperation)
        return is_guarded(model, expr.left, depth - 1, passed_to)
    if not isinstance(expr, cst.Call):
        return False
    qualname = model.qualname(expr.func)
    if qualname not in apis.MATMUL and qualname not in apis.keras.BACKEND_MATMUL:
        return False
    first = argument(expr, 0, "x")
    return first is not None and is_guarded(model, first, depth - 1, passed_to)


def one_minus(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``1 - e`` / ``1.0 - e`` → e; also ``-e + 1`` (TBH's ``log(-q + 1)``,
    audit s184)."""
    if is_binop(expr, cst.Subtract):
        assert isinstance(expr, cst.BinaryOperation)
        one = literal_value(expr.left)
        if one in (1, 1.0) and not isinstance(one, bool):
            return expr.right
    if is_binop(expr, cst.Add):
        assert isinstance(expr, cst.BinaryOperation)
        one = literal_value(expr.right)
        left = expr.left
        if (
            one in (1, 1.0)
            and not isinstance(one, bool)
            and isinstance(left, cst.UnaryOperation)
            and isinstance(left.operator, cst.Minus)
        ):
            return left.expression
    return None


def _held_below_one(model: ModuleIndex, expr: cst.BaseExpression, depth: int) -> bool:
    """``expr`` is a clamp/clip whose upper bound is below 1: a literal below
    1, ``1 - <positive term>`` (``1 - eps``), or a bound that is not a literal
    (``hi``, ``self.max_p``: as for the lower bounds, a bound the code names is
    taken to be chosen); or a name bound to one (any of its assignments)."""
    if depth <= 0:
        return False
    if isinstance(expr, cst.Name):
        return any(_held_below_one(model, a, depth - 1) for a in assignments(model, expr))
    bounds = clamp_bounds(model, expr)
    upper = bounds[1] if bounds is not None else None
    if upper is None:
        return False
    upper = resolve(model, upper)
    complement = one_minus(upper)
    if complement is not None:
        return positive_term(model, complement)
    bound = literal_value(upper)
    if bound is NotImplemented:
        return True
    return isinstance(bound, (int, float)) and not isinstance(bound, bool) and bound < 1


def _held_in_unit(
    model: ModuleIndex, expr: cst.BaseExpression, depth: int, passed_to: PassedTo | None
) -> bool:
    """``expr`` is clamped into [0, 1): a lower bound of at least 0 and an
    upper one below 1 (its square is below 1 too); through names bound to
    such a clamp, and parameters every caller passes one for."""
    if depth <= 0:
        return False
    if isinstance(expr, cst.Name):
        found = assignments(model, expr)
        if not found and passed_to is not None:
            found = passed_to(expr) or []
        return bool(found) and all(
            _held_in_unit(model, value, depth - 1, passed_to) for value in found
        )
    bounds = clamp_bounds(model, expr)
    if bounds is None or bounds[0] is None:
        return False
    lower = literal_value(resolve(model, bounds[0]))
    if not isinstance(lower, (int, float)) or isinstance(lower, bool) or lower < 0:
        return False
    return _held_below_one(model, expr, depth)


def _clipped_elements(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``[max(p, eps) for p in ps]``: every element clipped from below by
    Python's ``max`` with a positive bound (a from-scratch log loss)."""
    if type(expr) not in (cst.ListComp, cst.GeneratorExp):
        return False
    element = expr.elt  # type: ignore[attr-defined]
    if type(element) is not cst.Call or type(element.func) is not cst.Name:
        return False
    if element.func.value != "max" or len(element.args) != 2:
        return False
    target = expr.for_in.target  # type: ignore[attr-defined]
    loop = {target.value} if type(target) is cst.Name else set()
    values = [arg.value for arg in element.args if not arg.star]
    if len(values) != 2 or not any(type(v) is cst.Name and v.value in loop for v in values):
        return False
    bound = next(v for v in values if not (type(v) is cst.Name and v.value in loop))
    return positive_term(model, bound)


#: a project's own clipping helper (``clip_by_tensor``, ``clamp_probs``)
_CLIP_NAME = re.compile(r"clip|clamp", re.IGNORECASE)


def _project_clip(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``self.clip_by_tensor(p, eps, 1 - eps)``: a helper named for clipping
    (the project's own; the APIs are ``clamp_lower``'s, asked first), given a
    positive literal lower bound (YOLO losses clip by mask arithmetic)."""
    if type(expr) is not cst.Call:
        return False
    func = expr.func
    name = (
        func.attr.value
        if type(func) is cst.Attribute
        else func.value
        if type(func) is cst.Name
        else None
    )
    if name is None or not _CLIP_NAME.search(name):
        return False
    args = positional(expr)
    if len(args) < 2:
        return False
    bound = literal_value(resolve(model, args[1].value))
    return isinstance(bound, (int, float)) and not isinstance(bound, bool) and bound > 0


#: in-place clamps of a tensor (``p.clamp_(eps, 1)``, ``p.data.clamp_(...)``)
_IN_PLACE_CLAMPS = frozenset({"clamp_", "clip_", "clamp_min_"})


def clamped_in_place(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``p`` (a name) clamped in place to a positive lower bound by a statement
    shortly before the one using it, in the same block, with no rebinding of
    ``p`` in between (C51's ``dist.data.clamp_(0.01, 0.99)`` before ``dist.log()``),
    also by conditional assignment: ``if p < eps: p = eps``, ``if p[0, 0] < eps:
    p[0, 0] = eps`` (a from-scratch NumPy loss), ``p[p < eps] = eps``, ``p +=
    1e-12`` (also before ``p /= p.sum()``); an upper clamp written so (``if p > 1
    - eps: p = 1 - eps``) in between keeps it."""
    if type(expr) is not cst.Name:
        return False
    name = expr.value
    statement: cst.CSTNode = expr
    parent = model.parent(statement)
    while parent is not None and type(parent) not in (cst.IndentedBlock, cst.Module):
        statement, parent = parent, model.parent(parent)
    if parent is None:
        return False
    body = list(parent.body)  # type: ignore[attr-defined]
    if statement not in body:
        return False
    for before in reversed(body[: body.index(statement)]):
        if type(before) is cst.If:
            clamp = _conditional_clamp(model, before, name)  # type: ignore[arg-type]
            if clamp is None:
                return False
            if clamp:
                return True
            continue
        if type(before) is not cst.SimpleStatementLine:
            return False
        for small in before.body:
            if type(small) is cst.Expr and _clamps(small.value, name):
                return True
            if type(small) is cst.Assign and _masked_clamp(model, small, name):  # type: ignore[arg-type]
                return True
            if type(small) is cst.AugAssign and _names_it(small.target, name):  # type: ignore[attr-defined]
                shift = _shift_in_place(model, small, name)  # type: ignore[arg-type]
                if shift is None:
                    continue  # ``p /= p.sum()``: a normalisation keeps the sign
                return shift
            if type(small) in (cst.Assign, cst.AugAssign, cst.AnnAssign) and name in _targets(
                small
            ):
                return False
    return False


def _attribute_raised(model: ModuleIndex, attr: cst.Attribute) -> bool:
    """``self.hist`` that a method of its class raises off 0 where it fills it
    (pyod's LODA: ``self.histograms_[i, :] += 1e-12`` in ``fit``, or
    ``h += 1e-12`` then ``self.histograms_.append(h)``), read in another."""
    text = dotted_text(attr)
    cls = model.enclosing(attr, cst.ClassDef)
    if text is None or not text.startswith("self.") or not isinstance(cls, cst.ClassDef):
        return False
    for node in nodes_in(cls, cst.AugAssign, cst.Call, memo=memo_of(model)):
        if isinstance(node, cst.AugAssign):
            target: cst.BaseExpression = node.target  # type: ignore[assignment]
            while isinstance(target, cst.Subscript):
                target = target.value
            if (
                dotted_text(target) == text
                and type(node.operator) is cst.AddAssign
                and positive_term(model, node.value)
            ):
                return True
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "append"
            and dotted_text(node.func.value) == text
            and len(node.args) == 1
            and clamped_in_place(model, node.args[0].value)
        ):
            return True
    return False


def _names_it(target: cst.BaseExpression, name: str) -> bool:
    return type(target) is cst.Name and target.value == name


def _shift_in_place(model: ModuleIndex, aug: cst.AugAssign, name: str) -> bool | None:
    """``p += 1e-12`` (True: raised above 0), ``p /= p.sum()`` / ``p /=
    np.sum(p)`` (None: a normalisation, look further back), else False."""
    if type(aug.operator) is cst.AddAssign:
        return positive_term(model, aug.value)
    if type(aug.operator) is cst.DivideAssign:
        operand = reduction(model, aug.value, apis.SUM, "sum")
        if operand is not None and _names_it(operand, name):
            return None
    return False


def _conditional_clamp(model: ModuleIndex, stmt: cst.If, name: str) -> bool | None:
    """``if p < eps: p = eps`` (``p`` or an element ``p[0, 0]``): True when the
    statement raises ``name`` to a positive bound from below; False when it
    only writes a positive value there otherwise (the matching upper clamp
    ``if 1 - p < eps: p = 1 - eps``); None when it is anything else (an
    ``else``, another statement, a value that may not be positive)."""
    if stmt.orelse is not None:
        return None
    smalls: list[cst.BaseSmallStatement] = []
    if isinstance(stmt.body, cst.SimpleStatementSuite):
        smalls = list(stmt.body.body)
    elif len(stmt.body.body) == 1 and isinstance(stmt.body.body[0], cst.SimpleStatementLine):
        smalls = list(stmt.body.body[0].body)
    if len(smalls) != 1 or not isinstance(smalls[0], cst.Assign):
        return None
    assign = smalls[0]
    if len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    holder = target.value if isinstance(target, cst.Subscript) else target
    if not (isinstance(holder, cst.Name) and holder.value == name):
        return None
    if not _positive_value(model, assign.value):
        return None
    return _raises_to_positive(model, stmt.test, target)


def _masked_clamp(model: ModuleIndex, assign: cst.Assign, name: str) -> bool:
    """``p[p < eps] = eps`` (``p[p == 0] = eps``): every element below a
    positive bound replaced by a positive value."""
    test = masked_store_test(assign, name)
    target = assign.targets[0].target
    return (
        test is not None
        and isinstance(target, cst.Subscript)
        and _positive_value(model, assign.value)
        and _raises_to_positive(model, test, target.value)
    )


def masked_store_test(assign: cst.Assign, name: str) -> cst.BaseExpression | None:
    """``<test>`` of ``name[<test>] = value`` (one target, one index), else None."""
    if len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    if not (
        isinstance(target, cst.Subscript)
        and isinstance(target.value, cst.Name)
        and target.value.value == name
        and len(target.slice) == 1
        and isinstance(target.slice[0].slice, cst.Index)
    ):
        return None
    return target.slice[0].slice.value


def _raises_to_positive(
    model: ModuleIndex, test: cst.BaseExpression, subject: cst.BaseExpression
) -> bool:
    """``test`` selects every value of ``subject`` that is not above a
    positive bound: ``subject < b`` (b > 0), ``subject <= b`` (b >= 0),
    ``b > subject``, ``subject == 0``."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    operator = test.comparisons[0].operator
    left, right = test.left, test.comparisons[0].comparator
    if same_code(model, left, subject):
        bound = right
        strict = isinstance(operator, cst.LessThan)
        if not (strict or isinstance(operator, (cst.LessThanEqual, cst.Equal))):
            return False
    elif same_code(model, right, subject):
        bound = left
        strict = isinstance(operator, cst.GreaterThan)
        if not (strict or isinstance(operator, (cst.GreaterThanEqual, cst.Equal))):
            return False
    else:
        return False
    value = literal_value(resolve(model, bound))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value > 0 if strict else value >= 0
    return not isinstance(operator, cst.Equal) and _eps_like(model, bound)


def _positive_value(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``eps``, ``1e-7``, ``1 - eps``, ``1. - 1e-7``: a value written to be positive."""
    if _eps_like(model, expr) or positive_literal(resolve(model, expr)):
        return True
    if not is_binop(expr, cst.Subtract):
        return False
    assert isinstance(expr, cst.BinaryOperation)
    whole, small = literal_value(expr.left), literal_value(expr.right)
    if not isinstance(whole, (int, float)) or isinstance(whole, bool) or whole <= 0:
        return False
    if isinstance(small, (int, float)) and not isinstance(small, bool):
        return small < whole
    return whole >= 1 and _eps_like(model, expr.right)


def _clamps(call: cst.BaseExpression, name: str) -> bool:
    if type(call) is not cst.Call or type(call.func) is not cst.Attribute:
        return False
    if call.func.attr.value not in _IN_PLACE_CLAMPS:
        return False
    receiver = call.func.value
    if type(receiver) is cst.Attribute and receiver.attr.value == "data":
        receiver = receiver.value
    if type(receiver) is not cst.Name or receiver.value != name:
        return False
    lower = argument(call, 0, "min")
    bound = literal_value(lower) if lower is not None else None
    return isinstance(bound, (int, float)) and not isinstance(bound, bool) and bound > 0


def _targets(small: cst.CSTNode) -> set[str]:
    found: set[str] = set()
    targets = (
        [t.target for t in small.targets]  # type: ignore[attr-defined]
        if type(small) is cst.Assign
        else [small.target]  # type: ignore[attr-defined]
    )
    for target in targets:
        if type(target) is cst.Name:
            found.add(target.value)
        elif type(target) in (cst.Tuple, cst.List):
            found.update(
                e.value.value  # type: ignore[attr-defined]
                for e in target.elements  # type: ignore[union-attr]
                if type(e.value) is cst.Name
            )
    return found


def add_terms(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The terms of ``a + b + c`` (one term for anything else)."""
    if is_binop(expr, cst.Add):
        assert isinstance(expr, cst.BinaryOperation)
        return [*add_terms(expr.left), *add_terms(expr.right)]
    return [expr]


#: what every caller passes for a parameter (``GradientFacts.passed_to``)
PassedTo = Callable[[cst.Name], "list[cst.BaseExpression] | None"]


#: casts that keep a tensor's values
_CASTS = frozenset({"float", "double"})


def is_constant(
    model: ModuleIndex,
    expr: cst.BaseExpression,
    depth: int = 6,
    passed_to: PassedTo | None = None,
) -> bool:
    """A value fixed by the code: numbers, module-level names bound once to
    numbers, arithmetic of those, ``torch.tensor(30.)``/``tf.constant([...])``
    of them; with ``passed_to``, also a parameter every caller passes such a
    value for (``kl_divergence(0.1, q)``: its ``1 - p`` is 0.9)."""
    if depth <= 0:
        return False
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Attribute) and model.qualname(expr) in apis.MATH_CONSTANTS:
        return True  # ``np.pi``
    if isinstance(expr, cst.UnaryOperation):
        return is_constant(model, expr.expression, depth - 1, passed_to)
    if isinstance(expr, cst.BinaryOperation):
        return is_constant(model, expr.left, depth - 1, passed_to) and is_constant(
            model, expr.right, depth - 1, passed_to
        )
    if isinstance(expr, (cst.List, cst.Tuple)):
        return bool(expr.elements) and all(
            is_constant(model, e.value, depth - 1, passed_to) for e in expr.elements
        )
    if isinstance(expr, cst.Name):
        if passed_to is not None:
            passed = passed_to(expr)
            if passed and all(is_constant(model, v, depth - 1, passed_to) for v in passed):
                return True
        # a local bound once and never changed (``c = torch.ones_like(p)``)
        local = bound_value(model, expr)
        if local is not None and is_constant(model, local, depth - 1):
            return True
        # the assignment that surely reaches this use (a notebook's later cell
        # rebinding the name to a constant grid), else every binding
        reaching = reaching_assignment(model, expr)
        if (
            reaching is not None
            and model.scope_of(reaching).kind == "module"
            # ``buf = torch.zeros(n)`` then ``buf[i] = model(x[i])``: filled later
            and expr.value not in _mutated_in(model, model.module)
        ):
            if is_constant(model, reaching, depth - 1):
                return True
        # every binding (a notebook may rebind it) is a module-level constant
        bindings = model.scope_of(expr).lookup(expr.value)
        if not bindings or any(
            b.kind != "assign" or not isinstance(b.node, cst.BaseExpression) for b in bindings
        ):
            return False
        if expr.value in _mutated_in(model, model.module):
            return False
        return all(
            isinstance(b.node, cst.BaseExpression)
            and model.scope_of(b.node).kind == "module"
            and is_constant(model, b.node, depth - 1)
            for b in bindings
        )
    if isinstance(expr, cst.Subscript):
        # ``fixture[:20]``: elements of a constant, picked (the expression's
        # size bounds these steps; ``depth`` bounds the hops through names)
        return is_constant(model, expr.value, depth, passed_to)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and (expr.func.attr.value in apis.SELECTION_METHODS or expr.func.attr.value in _CASTS)
        and model.qualname(expr.func) is None
    ):
        # ``fixture.clone().view(-1, 10)``: the same values, moved or reshaped
        return is_constant(model, expr.func.value, depth, passed_to)
    if isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.CONSTANT_TENSORS:
        args = positional(expr)
        return bool(args) and is_constant(model, args[0].value, depth - 1)
    if isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.FILLED_TENSORS:
        return True  # ``torch.ones_like(p)``: one value, whatever the shape
    if isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.FULL_TENSORS:
        fill = argument(expr, 1, "fill_value", "value")
        return fill is not None and is_constant(model, fill, depth - 1)
    if isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.PURE_ARRAY_FUNCS:
        return bool(expr.args) and all(
            not a.star and is_constant(model, a.value, depth - 1) for a in expr.args
        )
    if isinstance(expr, cst.Call) and _pure_call_of_constants(model, expr, depth - 1):
        return True  # ``_sigmoid(3.0)`` of a test's expected value
    if isinstance(expr, cst.Call) and model.qualname(expr.func) in apis.CONSTANT_GRIDS:
        # ``np.arange(0.01, 1, 0.01)``: a curve plotted over fixed numbers
        args = positional(expr)
        return bool(args) and all(is_constant(model, a.value, depth - 1) for a in args)
    return False


def _pure_call_of_constants(model: ModuleIndex, call: cst.Call, depth: int) -> bool:
    """A call of a function of the file whose whole body returns NumPy/math
    arithmetic of its parameters (``def _sigmoid(x): return 1 / (1 +
    np.exp(-x))``), with constant positional arguments."""
    func = model.defined_function(call.func)
    if func is None or depth <= 0 or not call.args:
        return False
    params = func.params
    if isinstance(params.star_arg, cst.Param) or params.kwonly_params or params.star_kwarg:
        return False
    names = [p.name.value for p in params.params]
    if len(call.args) != len(names) or any(a.keyword is not None or a.star for a in call.args):
        return False
    body = func.body
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1:
        return False
    returns = own_returns(func)
    if len(returns) != 1 or returns[0].value is None:
        return False
    for node in nodes_in(returns[0].value, cst.Name):
        assert isinstance(node, cst.Name)
        parent = model.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            continue
        if node.value in names:
            continue
        qualname = model.qualname(parent if isinstance(parent, cst.Attribute) else node) or ""
        parts = qualname.split(".")
        if parts[0] not in apis.NUMBER_LIBRARIES or "random" in parts:
            return False  # not a number library's function, or a random draw
    return all(is_constant(model, a.value, depth - 1) for a in call.args)


def constant_number(
    model: ModuleIndex, expr: cst.BaseExpression, passed_to: PassedTo, depth: int = 4
) -> float | None:
    """The one number ``expr`` is: a literal, its negation, or a parameter
    every caller passes the same such number for (defaults included, through
    callers' own parameters: ``K=10`` handed on as ``f(crm, K)``)."""
    value = number(model, expr)
    if value is not None:
        return float(value)
    if depth <= 0 or not isinstance(expr, cst.Name):
        return None
    passed = passed_to(expr)
    if not passed:
        return None
    numbers = {constant_number(model, v, passed_to, depth - 1) for v in passed}
    return numbers.pop() if len(numbers) == 1 else None


def probability_off_a_number(
    model: ModuleIndex, diff: cst.BaseExpression, passed_to: PassedTo
) -> bool:
    """``K - O`` with ``O`` a probability (in [0, 1]) and ``K`` a number
    further than 1 from 0 (asteroid's ``cRM_tanh_recover`` with K = 10):
    never 0."""
    assert isinstance(diff, cst.BinaryOperation)
    for fixed, other in ((diff.left, diff.right), (diff.right, diff.left)):
        value = constant_number(model, fixed, passed_to)
        if value is None or abs(value) <= 1:
            continue
        held = kinds_of(model).value_of(other)
        if isinstance(held, Tensor) and held.kind in (Kind.PROBS, Kind.SIGMOID_PROBS):
            return True
    return False


def reduction(
    model: ModuleIndex, expr: cst.BaseExpression, functions: frozenset[str], method: str
) -> cst.BaseExpression | None:
    """The operand of ``torch.sum(x, ...)`` / ``x.sum(...)`` style reductions."""
    info = call_info(model, expr)
    if info is None:
        return None
    if info.qualname in functions:
        return argument(info.node, 0, "input", "input_tensor", "tensor", "a", "x")
    if info.method == method and info.receiver is not None:
        if model.qualname(info.receiver) is not None or _shadows_module(model, info.receiver):
            return None
        return info.receiver
    return None


def _shadows_module(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``torch.sum(x)`` where a parameter named ``torch`` hides the import:
    neither the function nor surely a tensor method."""
    if not isinstance(expr, cst.Name):
        return False
    bindings = model.module_scope.bindings.get(expr.value, [])
    return any(b.kind == "import" for b in bindings)


def sum_operand(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    return reduction(model, expr, apis.SUM, "sum") or _counted_operand(model, expr)


def _counted_operand(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``x`` of ``tf.count_nonzero(x)``: a sum of ``x != 0``."""
    if not isinstance(expr, cst.Call) or model.qualname(expr.func) not in apis.COUNT_NONZERO:
        return None
    first = argument(expr, 0, "input")
    return first if first is not None else argument(expr, 0, "input_tensor")


def exp_operand(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``x`` of ``torch.exp(x)`` / ``x.exp()`` / ``tf.exp(x)``."""
    info = call_info(model, expr)
    if info is None:
        return None
    if info.qualname in apis.EXP and len(info.node.args) == 1:
        return info.node.args[0].value
    if info.method == "exp" and not info.node.args and info.receiver is not None:
        if model.qualname(info.receiver) is None:
            return info.receiver
    return None


def _is_two(model: ModuleIndex, exponent: cst.BaseExpression | None) -> bool:
    """``2``, or ``self.power`` of ``Normalize(power=2)`` (:mod:`attribute_constants`)."""
    return exponent is not None and number(model, exponent) == 2


def is_square(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> bool:
    """``e ** 2``, ``e * e``, ``torch.square(e)``, ``e.pow(2)``, ``e.square()``,
    or a name bound once to one of them."""
    if isinstance(expr, cst.Name) and depth > 0:
        value = bound_value(model, expr)
        return value is not None and is_square(model, value, depth - 1)
    if is_binop(expr, cst.Power):
        assert isinstance(expr, cst.BinaryOperation)
        return _is_two(model, expr.right)
    if is_binop(expr, cst.Multiply):
        assert isinstance(expr, cst.BinaryOperation)
        return model.code(expr.left).strip("() ") == model.code(expr.right).strip("() ")
    info = call_info(model, expr)
    if info is None:
        return False
    if info.qualname in apis.SQUARE:
        return True
    if info.qualname in apis.POW:
        return _is_two(model, argument(info.node, 1, "exponent", "y"))
    if info.method == "square" and not info.node.args:
        return True
    if info.method == "pow":
        return _is_two(model, argument(info.node, 0, "exponent"))
    # ``torch.mul(c, c)``, ``c.mul(c)``: a product of a value with itself
    args = [a.value for a in info.node.args if a.keyword is None and not a.star]
    if info.qualname in apis.MULTIPLY and len(args) == 2 == len(info.node.args):
        return same_code(model, args[0], args[1])
    if info.method == "mul" and info.receiver is not None and len(info.node.args) == 1 == len(args):
        return same_code(model, info.receiver, args[0])
    return False


def is_expanded_squared_distance(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``|a|² + |b|²ᵀ - 2 a·b`` (a prototypical network's pairwise distance):
    squared norms added, less twice a product; 0 for equal rows, and slightly
    negative by rounding."""
    expr = resolve(model, expr)
    if not is_binop(expr, cst.Subtract):
        return False
    assert isinstance(expr, cst.BinaryOperation)
    # ``2 * dot``, ``2 * q @ p.t()`` (``(2 * q) @ p.t()``): a factor 2 in the product
    if not any(number(model, f) == 2 for f in _product_factors(expr.right)):
        return False
    terms = add_terms(expr.left)
    return len(terms) == 2 and all(is_sum_of_squares(model, untransposed(model, t)) for t in terms)


def _product_factors(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The factors of ``a * b @ c`` (none for anything but a product)."""
    if is_binop(expr, cst.Multiply) or is_binop(expr, cst.MatrixMultiply):
        assert isinstance(expr, cst.BinaryOperation)
        return [
            *(_product_factors(expr.left) or [expr.left]),
            *(_product_factors(expr.right) or [expr.right]),
        ]
    return []


def untransposed(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression:
    """``x.t()``, ``x.T``, ``tf.transpose(x)`` → ``x``: the same values."""
    if isinstance(expr, cst.Attribute) and expr.attr.value in ("T", "mT"):
        return expr.value
    info = call_info(model, expr)
    if info is None:
        return expr
    if info.receiver is not None and info.method in ("t", "transpose"):
        return info.receiver
    if info.qualname in apis.TRANSPOSE_FUNCTIONS and info.node.args:
        return info.node.args[0].value
    return expr


def squared_base(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """The ``e`` of a sum (or mean) of squares of one value: ``(e ** 2).sum(1)``,
    ``tf.reduce_sum(tf.square(e), 0)``, ``torch.sum(e * e)``; None otherwise."""
    operand = reduction(model, expr, apis.SUM, "sum") or reduction(model, expr, apis.MEAN, "mean")
    return square_base(model, resolve(model, operand)) if operand is not None else None


def square_base(model: ModuleIndex, square: cst.BaseExpression) -> cst.BaseExpression | None:
    """The ``e`` of a square written ``e ** 2``, ``tf.square(e)``, ``e.pow(2)``
    or ``e * e``; None when ``square`` is no square."""
    if not is_square(model, square):
        return None
    if isinstance(square, cst.BinaryOperation):
        return square.left
    info = call_info(model, square)
    if info is None:
        return None
    if info.receiver is not None and info.method in ("square", "pow", "mul"):
        return info.receiver
    return argument(info.node, 0, "input", "x")


class _InPlaceScaling(cst.CSTVisitor):
    """``name *= w`` / ``name /= n`` statements of a scope, and whether
    anything else changes ``name`` in place."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.scalings = 0
        self.other = False

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == self.name:
            if isinstance(node.operator, (cst.MultiplyAssign, cst.DivideAssign)):
                self.scalings += 1
            else:
                self.other = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # another scope


def _scaled_in_place(model: ModuleIndex, name: cst.Name) -> cst.BaseExpression | None:
    """``loss = (x - y) ** 2; loss *= focal_weight``: the value ``name`` is
    bound to once in a function, when every other change of it there is a
    ``*=``/``/=`` (a product is 0 where the bound value is); None otherwise."""
    scope = model.scope_of(name)
    bindings = scope.bindings.get(name.value, [])
    assigns = [
        b
        for b in bindings
        if b.kind == "assign"
        and b.node is not None
        and not isinstance(model.parent(b.node), cst.AugAssign)
    ]
    if scope.kind != "function" or len(assigns) != 1 or any(b.kind == "param" for b in bindings):
        return None
    value = assigns[0].node
    if not isinstance(value, cst.BaseExpression) or not isinstance(scope.node, cst.FunctionDef):
        return None
    visitor = _InPlaceScaling(name.value)
    scope.node.body.visit(visitor)
    if visitor.other or not visitor.scalings:
        return None
    if len(bindings) != 1 + visitor.scalings:
        return None  # bound some other way too (a loop, ``with ... as``)
    if _changed_otherwise(scope.node.body, name.value):
        return None
    return value


def _changed_otherwise(body: cst.CSTNode, name: str) -> bool:
    """``name[i] = v``, ``name.attr = v``, ``name.clamp_(...)``: changes of
    ``name`` other than an augmented assignment of the name itself."""
    found = _Mutations()
    for stmt in _statements(body):
        if isinstance(stmt, cst.AugAssign) and isinstance(stmt.target, cst.Name):
            continue
        stmt.visit(found)
    return name in found.names


def _statements(body: cst.CSTNode) -> list[cst.BaseSmallStatement | cst.BaseCompoundStatement]:
    out: list[cst.BaseSmallStatement | cst.BaseCompoundStatement] = []

    class _Collect(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
            out.extend(node.body)
            return False

    body.visit(_Collect())
    return out


def square_of_a_setting(
    model: ModuleIndex, origin: cst.BaseExpression, passed_to: PassedTo | None = None
) -> bool:
    """The square of a number fixed by the code (``1.0 ** 2``, a parameter
    every caller passes a number for) or of a field of a plain object
    (``self.prior.sigma`` of ``gaussian(0, 1)``): a setting, not a tensor
    that can reach 0."""
    kinds = kinds_of(model)
    if isinstance(origin, cst.Name):
        # ``prior_cov, var = self.prior.sigma ** 2, s ** 2``: where its value was made
        held = kinds.value_of(origin)
        if isinstance(held, Tensor) and isinstance(held.origin, cst.BaseExpression):
            origin = held.origin
    base = square_base(model, origin)
    if base is None:
        return False
    if is_constant(model, base, 6, passed_to):
        return True
    if not isinstance(base, cst.Attribute) or kinds.value_of(base) is not UNKNOWN:
        return False
    owner = kinds.value_of(base.value)
    return isinstance(owner, Instance) and plain_class(model, owner.cls)


def squares_shifted_by_eps(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``torch.pow(d + eps, 2).sum()``, ``tf.square(s + 1e-2)``: squares of
    values shifted by a positive term (``F.pairwise_distance``'s convention), 0
    only where every ``d`` is exactly ``-eps``."""
    operand = reduction(model, expr, apis.SUM, "sum") or reduction(model, expr, apis.MEAN, "mean")
    square = resolve(model, operand if operand is not None else expr)
    base: cst.BaseExpression | None = None
    if is_binop(square, cst.Power):
        base = cast(cst.BinaryOperation, square).left
    else:
        info = call_info(model, square)
        if info is not None and info.qualname in apis.POW | apis.SQUARE:
            base = argument(info.node, 0, "input", "x")
        elif info is not None and info.method in ("pow", "square"):
            base = info.receiver
    if base is None or not is_square(model, square):
        return False
    base = resolve(model, base)
    if isinstance(base, cst.Name):
        # ``s = s + 1e-2`` rebinding the name before the square
        base = reaching_assignment(model, base) or base
    return is_binop(base, cst.Add) and any(positive_term(model, t) for t in add_terms(base))


def is_sum_of_squares(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> bool:
    """A sum/mean reduction of squares, or squares added together."""
    if isinstance(expr, cst.Name) and depth > 0:
        # also a name rebound, read where one assignment surely reaches
        # (``loss = mse(p, y); loss = torch.sqrt(loss)``)
        value = (
            bound_value(model, expr)
            or _scaled_in_place(model, expr)
            or reaching_assignment(model, expr)
        )
        if value is not None and is_sum_of_squares(model, value, depth - 1):
            return True
        return _accumulated_squares(model, expr, depth - 1)
    operand = reduction(model, expr, apis.SUM, "sum") or reduction(model, expr, apis.MEAN, "mean")
    if operand is not None:
        # ``K.sum(K.batch_flatten(K.square(g)), axis=1)``: flattened squares
        operand = strip_shape(model, operand)
        return is_square(model, operand) or is_sum_of_squares(model, operand, depth - 1)
    info = call_info(model, expr)
    if info is not None and info.qualname in apis.L2_LOSS:
        return True
    if is_variance(model, expr):
        return True  # ``torch.var(g)``: a mean of squared deviations (AdaBins, audit s170)
    if isinstance(expr, cst.Call) and squared_error_loss(model, expr):
        return True  # ``torch.sqrt(nn.MSELoss()(preds, y))``: an RMSE
    if isinstance(expr, cst.Call) and depth > 0:
        # ``pairwise_sq(a, b)`` of a same-file helper every return of which
        # is a sum of squares
        func = model.returning_function(expr.func)
        returns = [r.value for r in own_returns(func)] if func is not None else []
        if returns and all(
            value is not None and is_sum_of_squares(model, value, depth - 1) for value in returns
        ):
            return True
    if is_binop(expr, cst.Multiply) and depth > 0:
        # ``2 * tf.nn.l2_loss(d)``: a positive multiple keeps the zero (not any
        # factor: ``(expected_power * t.square()).sum()`` of gains never 0)
        assert isinstance(expr, cst.BinaryOperation)
        for scale, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if positive_literal(scale) and is_sum_of_squares(model, other, depth - 1):
                return True
        # ``sum(a ** 2, 1) * sum(b ** 2, 1)``: 0 wherever either is (the
        # denominator of a cosine, torchdistill, audit s171)
        if all(
            is_square(model, side) or is_sum_of_squares(model, side, depth - 1)
            for side in (expr.left, expr.right)
        ):
            return True
    if is_binop(expr, cst.Divide) and depth > 0:
        # ``K.sum(sq) / K.maximum(count, 1)``, a masked mean: 0 stays 0
        assert isinstance(expr, cst.BinaryOperation)
        return is_sum_of_squares(model, expr.left, depth - 1)
    if is_binop(expr, cst.Add):
        assert isinstance(expr, cst.BinaryOperation)
        return all(
            is_square(model, side) or is_sum_of_squares(model, side, depth - 1)
            for side in (expr.left, expr.right)
        )
    return is_square(model, expr)


def _accumulated_squares(model: ModuleIndex, name: cst.Name, depth: int) -> bool:
    """``total = 0.0`` then ``total += d ** 2`` (in a loop): every binding of
    the name in its function starts at zero or adds squares (NIMA's EMD loss,
    yunxiaoshi/Neural-IMage-Assessment, audit s197)."""
    found = accumulated(model, name)
    if found is None:
        return False
    starts, added = found
    return all(literal_value(start) in (0, 0.0) for start in starts) and all(
        is_square(model, value) or is_sum_of_squares(model, value, depth) for value in added
    )


def accumulated(
    model: ModuleIndex, name: cst.Name
) -> tuple[list[cst.BaseExpression], list[cst.BaseExpression]] | None:
    """What the function around ``name`` binds it to and adds to it with
    ``+=`` (at least one), when those are all its bindings there; None
    otherwise."""
    func = model.enclosing(name, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef):
        return None
    starts: list[cst.BaseExpression] = []
    added: list[cst.BaseExpression] = []
    for node in nodes_in(func.body, cst.Assign, cst.AugAssign, memo=memo_of(model)):
        if isinstance(node, cst.AugAssign):
            if isinstance(node.target, cst.Name) and node.target.value == name.value:
                if not isinstance(node.operator, cst.AddAssign):
                    return None
                added.append(node.value)
            continue
        assert isinstance(node, cst.Assign)
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value == name.value:
                starts.append(node.value)
            elif not isinstance(target.target, (cst.Name, cst.Attribute, cst.Subscript)):
                return None  # unpacked: not read here
    return (starts, added) if added else None


def is_variance(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``torch.var(g)``, ``g.var(dim)``, ``tf.math.reduce_variance(g)``, or a
    name bound to one (``var = x.var(-1)``) where it is read."""
    if isinstance(expr, cst.Name):
        value = bound_value(model, expr) or reaching_assignment(model, expr)
        return value is not None and not isinstance(value, cst.Name) and is_variance(model, value)
    info = call_info(model, expr)
    return info is not None and (
        info.qualname in apis.VARIANCE or (info.qualname is None and info.method == "var")
    )


def squares_of_standardised(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``aa * bb`` (or ``aa``) where each factor is a sum of squares of a
    standardised value (``s = (s - mean) / std`` then ``aa = (s * s).sum()``):
    the sum is n - 1 unless the std is 0, where the division has already
    given NaN (a Pearson correlation loss: samyak0210/saliency, audit s229)."""
    expr = resolve(model, expr)
    factors = [expr.left, expr.right] if is_binop(expr, cst.Multiply) else [expr]  # type: ignore[attr-defined]
    for factor in factors:
        if isinstance(factor, cst.Name):
            factor = bound_value(model, factor) or reaching_assignment(model, factor) or factor
        operand = reduction(model, factor, apis.SUM, "sum") or reduction(
            model, factor, apis.MEAN, "mean"
        )
        base = square_base(model, strip_shape(model, operand)) if operand is not None else None
        if base is None or not _standardised(model, base):
            return False
    return True


def _standardised(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``s`` bound by ``s = (s - mean) / std`` where it is read, the divisor a
    standard deviation (possibly reshaped: ``torch.std(x, 1).view(b, 1, 1)``)."""
    value = reaching_assignment(model, expr) if isinstance(expr, cst.Name) else expr
    if value is None or not is_binop(value, cst.Divide):
        return False
    assert isinstance(value, cst.BinaryOperation)
    divisor = strip_shape(model, value.right)
    if isinstance(divisor, cst.Name):
        divisor = strip_shape(model, reaching_assignment(model, divisor) or divisor)
    info = call_info(model, divisor)
    return info is not None and (
        info.qualname in apis.STD or (info.qualname is None and info.method == "std")
    )


def is_scaled_square(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``c * b ** 2`` with any factor ``c`` (``self.variance_focus * d.mean()
    ** 2``), or a square or sum of squares itself: subtracted from a sum of
    squares, the difference is 0 where every term is (BTS's SILog, audit s170)."""
    if is_square(model, expr) or is_sum_of_squares(model, expr):
        return True  # (``x * x`` too: a product of a value with itself)
    expr = resolve(model, expr)
    if is_binop(expr, cst.Multiply):
        assert isinstance(expr, cst.BinaryOperation)
        sides = (expr.left, expr.right)
        return any(is_square(model, s) or is_sum_of_squares(model, s) for s in sides)
    return False


def minimum_operand(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``x`` of a minimum along an axis: ``x.min(1)[0]``, ``x.min(dim=2).values``,
    ``torch.min(x, dim=1)[0]``, ``x.amin(1)``, ``torch.amin(x, 1)`` (a
    Chamfer distance's nearest squared distance: 0 where points coincide);
    not ``torch.min(a, b)`` of two tensors."""
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if not (isinstance(index, cst.Index) and literal_value(index.value) == 0):
            return None
        expr = expr.value
        values = ("min",)
    elif isinstance(expr, cst.Attribute) and expr.attr.value == "values":
        expr = expr.value
        values = ("min",)
    else:
        values = ("amin",)
    info = call_info(model, expr)
    if info is None:
        return None
    if info.qualname is not None:
        name = info.qualname.rsplit(".", 1)[-1]
        if name not in values or not info.qualname.startswith("torch."):
            return None
        axis = argument(info.node, 1, "dim")
        operand = argument(info.node, 0, "input")
    elif info.method in values and info.receiver is not None:
        axis = argument(info.node, 0, "dim")
        operand = info.receiver
    else:
        return None
    if axis is None or not isinstance(literal_value(axis), int):
        return None  # ``torch.min(a, b)``: elementwise, or the whole tensor
    return operand


def squared_error_loss(model: ModuleIndex, call: cst.Call) -> bool:
    """``F.mse_loss(p, y)``, ``tf.losses.mean_squared_error(y, p)``, or a call
    of an ``nn.MSELoss()`` object."""
    qualname = model.qualname(call.func)
    if qualname is not None:
        return qualname in apis.SQUARED_ERROR_LOSSES or qualname in apis.TF_SQUARED_ERROR_LOSSES
    kinds = kinds_of(model)
    value = kinds.value_of(call.func)
    if isinstance(value, LossObject) and value.functional in apis.SQUARED_ERROR_LOSSES:
        return True
    # ``self.mse(target, output)`` with ``self.mse = nn.MSELoss()`` in ``__init__``
    recorded = kinds.loss_calls.get(call)
    return recorded is not None and recorded.functional in apis.SQUARED_ERROR_LOSSES


def is_boolean(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> bool:
    """A mask: a comparison, ``&``/``|``/``~`` of masks, ``.eq()``-style
    methods, or a cast of a mask."""
    if isinstance(expr, cst.Name) and depth > 0:
        if _indicator(model, expr):
            return True
        # also a name rebound later, read where one assignment surely reaches
        # (``count = mask.sum()`` before ``mask = mask.unsqueeze(-1)``)
        value = bound_value(model, expr) or reaching_assignment(model, expr)
        return value is not None and is_boolean(model, value, depth - 1)
    if isinstance(expr, cst.Comparison):
        return True
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.BitAnd, cst.BitOr, cst.BitXor)
    ):
        return True
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.BitInvert):
        return True
    if isinstance(expr, cst.Attribute) and expr.attr.value == "data":
        return is_boolean(model, expr.value, depth)  # ``pos.data.long().sum()``
    info = call_info(model, expr)
    if info is None:
        return False
    if info.qualname in apis.BOOL_FUNCS or info.method in apis.BOOL_METHODS:
        return True
    if info.method in (apis.CAST_METHODS | {"detach", "astype"}) and info.receiver is not None:
        return is_boolean(model, info.receiver, depth)
    if info.qualname == apis.TF_CAST and info.node.args and depth > 0:
        return is_boolean(
            model, info.node.args[0].value, depth - 1
        )  # ``tf.cast(y == 1, 'float32')``
    if info.qualname in apis.ARRAY_WRAPPERS and info.node.args and depth > 0:
        return is_boolean(model, info.node.args[0].value, depth - 1)  # ``torch.tensor(np_mask)``
    if info.qualname in apis.WHERE and len(info.node.args) == 3:
        # ``tf.where(tf.equal(gt, 0), tf.zeros_like(gt), tf.ones_like(gt))``: 0/1 per entry
        return all(zero_or_one(model, arg.value) for arg in info.node.args[1:])
    return False


def zero_or_one(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``0``, ``1.0``, ``tf.zeros_like(x)``, ``torch.ones(n)``: every entry 0 or 1."""
    if literal_value(expr) in (0, 1) and not isinstance(literal_value(expr), bool):
        return True
    return isinstance(expr, cst.Call) and (
        model.qualname(expr.func) in apis.ZERO_STARTS
        or model.qualname(expr.func) in apis.ONE_STARTS
    )


def _indicator(model: ModuleIndex, name: cst.Name) -> bool:
    """``m = np.zeros(shape)`` whose only other writes are ``m[cond] = 1``:
    0/1 per entry, all 0 where no ``cond`` holds (MODNet's boundary mask,
    audit s186)."""
    values = assignments(model, name)
    if len(values) != 1:
        return False
    start = values[0]
    if not (isinstance(start, cst.Call) and model.qualname(start.func) in apis.ZERO_STARTS):
        return False
    scope = model.scope_of(name).node
    found = False
    for node in nodes_in(scope, cst.Assign, cst.AugAssign, memo=memo_of(model)):
        assert isinstance(node, (cst.Assign, cst.AugAssign))
        targets = (
            [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        )
        for target in targets:
            if not (
                isinstance(target, cst.Subscript)
                and isinstance(target.value, cst.Name)
                and target.value.value == name.value
            ):
                continue
            if isinstance(node, cst.AugAssign) or literal_value(node.value) not in (1, 1.0):
                return False
            found = True
    return found


def is_count(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> bool:
    """A sum of a mask (``(pred == y).sum()``) or of such counts, possibly
    cast, or a name bound once to one (or reached by one assignment)."""
    if isinstance(expr, cst.Name) and depth > 0:
        value = bound_value(model, expr) or reaching_assignment(model, expr)
        return value is not None and is_count(model, value, depth - 1)
    info = call_info(model, expr)
    if info is not None and info.method in apis.CAST_METHODS and info.receiver is not None:
        return is_count(model, info.receiver, depth)
    if _counted_operand(model, expr) is not None:
        return True  # ``tf.count_nonzero(pred * labels)``
    operand = sum_operand(model, expr)
    if operand is None:
        return False
    # a sum of per-row counts (``torch.sum(label_size)`` of ``label_size =
    # torch.sum(labels != -1, dim=1)``: DialoGPT's token count, audit s198)
    return is_boolean(model, operand) or (depth > 0 and is_count(model, operand, depth - 1))


def is_mask(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """A mask: a boolean expression, or a name/attribute named like one
    (``mask``, ``pad_mask``, ``self.valid_mask``, a 0/1 flag per sample:
    ``has_claim``, ``is_positive``, ``valid``), possibly cast."""
    if is_boolean(model, expr):
        return True
    named = strip_shape(model, expr)
    expr = strip_shape(model, resolve(model, expr))
    if named is not expr and is_binop(expr, cst.Multiply) and named_like_a_mask(named):
        # ``mask_combined = mask_same * mask_off_diagonal``: a product named so
        # where it is bound (not ``mask3 = torch.ones(...)``: SpectralGPT, R194)
        return True
    if (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, cst.Multiply)
        and is_mask(model, expr.left)
        and is_mask(model, expr.right)
    ):
        return True  # a product of masks (SSMTR's supervised contrastive loss, audit s194)
    if isinstance(expr, cst.Subscript):
        # ``self.noc_masks_tgt[s]``: one of a list of masks, or some of a mask's entries
        # (GeoNet's per-scale consistency masks, audit s225)
        expr = expr.value
    return named_like_a_mask(expr)


def strip_shape(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression:
    """``mask.unsqueeze(-1).float()``, ``mask[:, None]`` → ``mask``: casts and
    reshapes keep which entries are zero (and every value)."""
    for _ in range(4):
        if isinstance(expr, cst.Subscript) and _adds_axes(expr):
            expr = expr.value
            continue
        info = call_info(model, expr)
        if info is not None and info.qualname in apis.SHAPE_FUNCTIONS and info.node.args:
            expr = info.node.args[0].value  # ``tf.expand_dims(s, 1)``
            continue
        if (
            info is None
            or info.receiver is None
            or info.method not in (apis.RESHAPE_METHODS | apis.CAST_METHODS)
        ):
            break
        expr = info.receiver
    return expr


def _adds_axes(expr: cst.Subscript) -> bool:
    """``x[:, None]``, ``x[None]``, ``x[..., None]``: every entry, new axes."""
    return any(
        isinstance(e.slice, cst.Index) and literal_value(e.slice.value) is None for e in expr.slice
    ) and all(
        (isinstance(e.slice, cst.Index) and literal_value(e.slice.value) in (None, Ellipsis))
        or (
            isinstance(e.slice, cst.Slice)
            and e.slice.lower is None
            and e.slice.upper is None
            and e.slice.step is None
        )
        for e in expr.slice
    )


def masked_sum(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``(x * mask).sum(...)`` → the mask (casts and reshapes stripped): a sum
    that is 0 when the mask is empty. Also ``2 * inter`` with ``inter =
    (probs * target).sum()``: a Dice intersection, 0 for an empty target."""
    expr = resolve(model, expr)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
        # a constant factor keeps the zeros: ``2 * inter``
        for factor, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if isinstance(factor, (cst.Integer, cst.Float)):
                expr = resolve(model, other)
                break
    operand = sum_operand(model, expr)
    if operand is None:
        return None
    operand = resolve(model, operand)
    if isinstance(operand, cst.Name):
        # ``loss = loss * mask`` then ``loss.sum()``: the name rebound to its product
        operand = reaching_assignment(model, operand) or operand
    factors = _two_factors(operand)
    if factors is not None:
        for side, other in (factors[::-1], factors):
            if is_mask(model, side) or (
                _is_target(model, side) and _is_probabilities(model, other)
            ):
                return strip_shape(model, resolve(model, side))
    return None


def _two_factors(
    expr: cst.BaseExpression,
) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """``a * b`` or ``a.mul(b)`` (pycox's ``log_h.sub(c).mul(events)``)."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
        return expr.left, expr.right
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "mul"
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and not expr.args[0].star
    ):
        return expr.func.value, expr.args[0].value
    return None


#: what segmentation code calls its ground-truth mask
_TARGET_NAMES = frozenset({"target", "targets", "gt", "label", "labels", "y_true", "mask_true"})


def _is_target(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    expr = strip_shape(model, resolve(model, expr))
    name = expr.value if isinstance(expr, cst.Name) else None
    return name is not None and name.lower() in _TARGET_NAMES


def _is_probabilities(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    value = kinds_of(model).value_of(expr)
    return isinstance(value, Tensor) and value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS)


def is_normalised(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> bool:
    """``F.normalize(x)`` / ``tf.math.l2_normalize(x)`` / ``x / x.norm(...)``,
    possibly transposed or through a name bound once."""
    if isinstance(expr, cst.Name) and depth > 0:
        value = bound_value(model, expr)
        return value is not None and is_normalised(model, value, depth - 1)
    if isinstance(expr, cst.Attribute) and expr.attr.value in ("T", "mT"):
        return is_normalised(model, expr.value, depth)
    info = call_info(model, expr)
    if info is not None:
        if info.qualname in apis.NORMALIZE:
            return True
        if info.method in ("t", "transpose", "permute", "unsqueeze", "squeeze", "detach"):
            return info.receiver is not None and is_normalised(model, info.receiver, depth)
        return False
    if is_binop(expr, cst.Divide):
        assert isinstance(expr, cst.BinaryOperation)
        return reduction(model, resolve(model, expr.right), apis.NORM, "norm") is not None
    return False


def numpy_attribute(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``self.adv_buf`` that its class only ever sets to a NumPy (or pandas)
    array or to arithmetic of itself (``self.adv_buf = (self.adv_buf -
    m) / s``): no tensor, no gradient."""
    ident = self_attribute(expr)
    cls = model.enclosing(expr, cst.ClassDef)
    if ident is None or not isinstance(cls, cst.ClassDef):
        return False
    target = f"self.{ident}"
    made = False
    for node in nodes_in(cls.body, cst.Assign, cst.AugAssign, cst.AnnAssign, memo=memo_of(model)):
        targets = (
            [t.target for t in node.targets]  # type: ignore[attr-defined]
            if isinstance(node, cst.Assign)
            else [node.target]  # type: ignore[attr-defined]
        )
        if not any(model.dotted(t) == target for t in targets):
            continue
        value = node.value  # type: ignore[attr-defined]
        if value is None:
            continue
        if isinstance(value, cst.Call) and (
            (model.qualname(value.func) or "").split(".", 1)[0] in apis.DATA_ARRAY_LIBRARIES
        ):
            made = True
            continue
        for name in nodes_in(value, cst.Name, memo=memo_of(model)):
            assert isinstance(name, cst.Name)
            parent = model.parent(name)
            if name.value == "self" and isinstance(parent, cst.Attribute):
                if model.dotted(parent) != target:
                    return False  # another attribute: maybe a tensor
                continue
            if isinstance(parent, cst.Attribute) and parent.attr is name:
                continue  # ``.mean`` of a receiver read above
            qualname = model.qualname(name) or ""
            if qualname.split(".", 1)[0] not in apis.DATA_ARRAY_LIBRARIES:
                return False
    return made


def unit_bounded(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> bool:
    """Every element of ``expr`` lies in [-1, 1]: a cosine similarity, an
    L2-normalised vector (``q = F.normalize(q)``), a tanh output."""
    if isinstance(expr, cst.Name) and depth > 0:
        value = bound_value(model, expr)
        if value is not None and unit_bounded(model, value, depth - 1):
            return True
    if is_cosine(model, expr, every_side=True) or is_normalised(model, expr):
        return True
    info = call_info(model, expr)
    return info is not None and (
        info.qualname in apis.UNIT_BOUNDED
        or (info.qualname is None and info.method in apis.UNIT_BOUNDED_METHODS)
    )


def is_cosine(
    model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3, every_side: bool = False
) -> bool:
    """A cosine similarity: ``F.cosine_similarity``, a dot/sum of products
    with a normalised side, or ``dot / (norm * norm)``. ``every_side``: a
    product counts only when both its sides are normalised (a value surely in
    [-1, 1], not only meant as a cosine)."""
    if isinstance(expr, cst.Name) and depth > 0:
        # bound once, or (``x = None`` first) by the assignment just above the use
        value = bound_value(model, expr) or reaching_assignment(model, expr)
        return value is not None and is_cosine(model, value, depth - 1, every_side)
    info = call_info(model, expr)
    if info is not None:
        if info.qualname in apis.COSINE_SIMILARITY:
            return True
        if info.method in (
            *("squeeze", "view", "reshape", "flatten", "diag", "diagonal"),
            *("gather", "index_select", "masked_select"),  # entries picked from it
        ):
            return info.receiver is not None and is_cosine(model, info.receiver, depth, every_side)
        if (
            info.qualname in apis.SELECTION_FUNCTIONS
            or info.qualname in apis.TF_SELECTION_FUNCTIONS
        ):
            # ``tf.gather_nd(cos_t, idx)``: entries picked from it (InsightFace_TF, audit s168)
            picked = positional(info.node)
            return bool(picked) and is_cosine(model, picked[0].value, depth, every_side)
        operand = sum_operand(model, expr)
        if operand is not None:
            return _product_of_normalised(model, resolve(model, operand), every_side)
        if info.qualname in apis.MATMUL or info.qualname == apis.FUNCTIONAL_LINEAR:
            # F.linear(F.normalize(x), F.normalize(W)) is ArcFace's cosine
            args = positional(info.node)
            if info.qualname == apis.EINSUM:
                args = args[1:]
            # one normalised side is enough: ``emb @ F.normalize(W).t()`` is
            # meant as a cosine, ``emb`` normalised by its caller (or not, and
            # then acos of it is worse)
            sides = [is_normalised(model, a.value) for a in args]
            return len(args) == 2 and (all(sides) if every_side else any(sides))
        # ``pairwise_cosine(a, b)`` imported from another project module
        return (
            info.method is None
            and depth > 0
            and _returns_cosine(model, info.node, depth - 1, every_side)
        )
    if isinstance(expr, cst.Call):
        return depth > 0 and _returns_cosine(model, expr, depth - 1, every_side)
    if isinstance(expr, cst.Subscript):
        # ``cos[torch.arange(n), y]``: the target class's cosines
        return depth > 0 and is_cosine(model, expr.value, depth - 1, every_side)
    if is_binop(expr, cst.MatrixMultiply):
        return _product_of_normalised(model, expr, every_side)
    if is_binop(expr, cst.Divide):
        assert isinstance(expr, cst.BinaryOperation)
        denominator = expr.right
        if is_binop(denominator, cst.Multiply):
            assert isinstance(denominator, cst.BinaryOperation)
            return all(
                reduction(model, resolve(model, side), apis.NORM, "norm") is not None
                for side in (denominator.left, denominator.right)
            )
    return False


def _returns_cosine(
    model: ModuleIndex, call: cst.Call, depth: int, every_side: bool = False
) -> bool:
    """``pairwise_cosine(a, b)``: a same-file function whose every ``return``
    is a cosine similarity, or another project module's whose summary says so."""
    value = kinds_of(model).value_of(call.func)
    if isinstance(value, Foreign) and isinstance(value.ref, SFunction):
        context = project_context()
        summary = context.function_summary(value.ref) if context is not None else None
        return summary is not None and summary.returns_cosine
    if not isinstance(value, FunctionRef):
        return False
    return returns_cosine(model, value.func, depth, every_side)


def returns_cosine(
    model: ModuleIndex, func: cst.FunctionDef, depth: int = 2, every_side: bool = False
) -> bool:
    """Every ``return`` of ``func`` is a cosine similarity (asked of every
    function for its summary: only one that names a normalisation or a norm
    is looked at)."""
    if not model.analysis(_normalises) or not any(
        cast(cst.Name, node).value in _COSINE_WORDS
        for node in nodes_in(func.body, cst.Name, memo=memo_of(model))
    ):
        return False
    returns = [node.value for node in own_returns(func)]
    return bool(returns) and all(
        item is not None and is_cosine(model, item, depth, every_side) for item in returns
    )


def _normalises(model: ModuleIndex) -> bool:
    """The module calls a normalisation, a norm or a cosine similarity at all
    (once per module: most define no function returning a cosine)."""
    wanted = apis.COSINE_SIMILARITY | apis.NORMALIZE | apis.NORM
    return any(
        site.qualname in wanted or site.method in ("norm", "normalize") for site in model.calls
    )


#: names a function computing a cosine similarity mentions
_COSINE_WORDS = frozenset(
    {"normalize", "l2_normalize", "cosine_similarity", "CosineSimilarity", "norm", "linalg"}
)


def _product_of_normalised(
    model: ModuleIndex, expr: cst.BaseExpression, every_side: bool = False
) -> bool:
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.Multiply, cst.MatrixMultiply)
    ):
        sides = (is_normalised(model, expr.left), is_normalised(model, expr.right))
        return all(sides) if every_side else any(sides)
    return False


def is_tensor_expr(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """Evidence that ``expr`` computes on framework tensors: it holds a call of
    a torch/TensorFlow function, a tensor-only method, or a value the dataflow
    knows to be a tensor; with ``depth``, a name by the value that reaches it
    (``diff = diff ** 0.5`` of ``diff = torch.sum(...)``)."""
    if isinstance(expr, cst.Name) and depth > 0:
        reached = reaching_assignment(model, expr)
        if reached is not None and reached is not expr:
            if is_tensor_expr(model, reached, depth - 1):
                return True
        # ``loss = 0.0`` then ``loss += d[i] ** 2``: what is added says
        found = accumulated(model, expr)
        if found is not None and any(is_tensor_expr(model, v, depth - 1) for v in found[1]):
            return True
    for node in expression_nodes(expr):
        if isinstance(node, cst.Call):
            qualname = model.qualname(node.func)
            if qualname is not None:
                if framework(qualname) in ("torch", "tensorflow"):
                    return True
                continue
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and tensor_methods_possible(model)
                and (
                    func.attr.value in apis.TENSOR_ONLY_METHODS
                    or any(
                        a.keyword is not None and a.keyword.value in ("dim", "keepdim")
                        for a in node.args
                    )
                )
            ):
                return True
        if isinstance(node, (cst.Name, cst.Attribute, cst.Call)):
            value = kinds_of(model).value_of(node)
            if (
                isinstance(value, Tensor)
                and value.kind is not Kind.UNKNOWN
                and (not _squared_by_operator(value) or tensor_methods_possible(model))
            ):
                return True
        if isinstance(node, cst.Name) and node is not expr and depth > 0:
            # ``(re ** 2 + im ** 2) ** 0.5`` of ``re = out[:, 0]``
            if is_tensor_expr(model, node, depth - 1):
                return True
    return False


def frame_like(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``data[name]`` of a ``data`` that the same function (or module) calls a
    pandas-only method on (``data['PE'].fillna(...)``, ``df.iloc``): a
    DataFrame's column, not a tensor (seg 2016 contest's ``cleanup_csv``,
    audit s231)."""
    root = expr
    while isinstance(root, (cst.Subscript, cst.Attribute)):
        root = root.value
    if not isinstance(root, cst.Name):
        return False
    scope = model.enclosing(expr, cst.FunctionDef) or model.module
    for use in names_in(scope, root.value, memo_of(model)):
        node: cst.CSTNode = use
        parent = model.parent(node)
        while isinstance(parent, cst.Subscript) and parent.value is node:
            node = parent
            parent = model.parent(parent)
        if (
            isinstance(parent, cst.Attribute)
            and parent.value is node
            and parent.attr.value in apis.FRAME_ONLY_METHODS
        ):
            return True
    return False


def _squared_by_operator(value: Tensor) -> bool:
    """``x ** 2``: non-negative whatever ``x`` is (a NumPy array in a file of
    NumPy code: hamiltonian-nn's data generator, audit s226), no evidence of
    a tensor by itself."""
    return value.kind is Kind.NON_NEGATIVE and isinstance(value.origin, cst.BinaryOperation)


def expression_nodes(expr: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``expr`` and the nodes under it, not entering a lambda or a def."""
    todo = [expr]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (cst.Lambda, cst.FunctionDef)):
            continue
        todo.extend(node.children)


def contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    return any(node is inner for node in expression_nodes(outer))


def same_code(model: ModuleIndex, a: cst.CSTNode, b: cst.CSTNode) -> bool:
    return _norm_code(model.code(a)) == _norm_code(model.code(b))


def _squash(text: str) -> str:
    """Code without layout: whitespace goes, except one space between words."""
    text = text.strip()

    def keep(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        return (
            " " if (before.isalnum() or before == "_") and (after.isalnum() or after == "_") else ""
        )

    return re.sub(r"\s+", keep, text)


def _norm_code(text: str) -> str:
    text = _squash(text)
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text


def mentions(model: ModuleIndex, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    """The code of ``inner`` appears in ``outer`` (a test that checks a value),
    other than compared with None (``if labels is not None and mask is not
    None: raise`` checks which arguments were given, not what they hold)."""
    needle = re.escape(_norm_code(model.code(inner)))
    # whole names only: ``n`` is not mentioned by ``not mask.any()``
    text = re.sub(rf"(?<![\w.]){needle}\s+is\s+(?:not\s+)?None\b", "", _squash(model.code(outer)))
    return re.search(rf"(?<![\w.]){needle}(?!\w)", text) is not None


def where_guarded(model: ModuleIndex, node: cst.CSTNode, subject: cst.CSTNode) -> bool:
    """``node`` sits in a branch of ``torch.where(<test of subject>, ...)`` or
    under ``if <test of subject>:`` (either branch: the ``else`` of ``if n ==
    0:``) / a conditional expression testing it."""
    child: cst.CSTNode = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, cst.Call) and model.qualname(ancestor.func) in apis.WHERE:
            args = positional(ancestor)
            if len(args) == 3 and child in (args[1], args[2]):
                if mentions(model, args[0].value, subject):
                    return True
        if isinstance(ancestor, cst.IfExp) and child in (ancestor.body, ancestor.orelse):
            if mentions(model, _test_of(model, ancestor.test), subject):
                return True
        if isinstance(ancestor, (cst.If, cst.While)) and child is ancestor.body:
            if mentions(model, _test_of(model, ancestor.test), subject):
                return True
        if isinstance(ancestor, cst.If) and child is ancestor.orelse:
            # ``if num_pos == 0: loss = -neg else: loss = -(pos + neg) / num_pos``
            if mentions(model, _test_of(model, ancestor.test), subject):
                return True
        if isinstance(ancestor, (cst.IndentedBlock, cst.Module)) and _checked_before(
            model, ancestor, child, subject
        ):
            return True
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        child = ancestor
    return False


def _test_of(model: ModuleIndex, test: cst.BaseExpression) -> cst.BaseExpression:
    """``if ok:`` with ``ok = n > 0 and m > 0``: the test is that expression
    (the name's only binding, or its last assignment just before the ``if`` in
    the same block)."""
    if not isinstance(test, cst.Name):
        return test
    value = bound_value(model, test)
    if value is not None:
        return value
    statement = model.statement_of(test)
    block = model.parent(statement)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return test
    found: cst.BaseExpression = test
    for sibling in block.body:
        if sibling is statement:
            return found
        if isinstance(sibling, cst.SimpleStatementLine):
            for small in sibling.body:
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == test.value
                    for t in small.targets
                ):
                    found = small.value
        elif isinstance(sibling, cst.BaseCompoundStatement):
            found = test  # it may be rebound inside: no longer sure
    return test


def _exits(block: cst.BaseSuite) -> bool:
    body = block.body if isinstance(block, cst.IndentedBlock) else [block]
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine):
        last_small = last.body[-1] if last.body else None
        return isinstance(last_small, (cst.Return, cst.Raise, cst.Continue, cst.Break))
    if isinstance(last, cst.SimpleStatementSuite):
        return bool(last.body) and isinstance(
            last.body[-1], (cst.Return, cst.Raise, cst.Continue, cst.Break)
        )
    return False


def _checked_before(
    model: ModuleIndex,
    block: cst.IndentedBlock | cst.Module,
    statement: cst.CSTNode,
    subject: cst.CSTNode,
) -> bool:
    """An earlier statement of ``block`` leaves when ``subject`` is bad:
    ``if n == 0: return ...`` or ``assert n > 0``."""
    for earlier in block.body:
        if earlier is statement:
            return False
        if isinstance(earlier, cst.If) and (
            _exits(earlier.body) or (earlier.orelse is None and _resets(earlier.body, subject))
        ):
            if mentions(model, earlier.test, subject):
                return True
        if isinstance(earlier, cst.SimpleStatementLine):
            for small in earlier.body:
                if (
                    isinstance(small, cst.Assert)
                    and mentions(model, small.test, subject)
                    and not _shapes_compared(small.test)
                ):
                    return True
    return False


def _shapes_compared(test: cst.BaseExpression) -> bool:
    """``assert x.shape == y.shape``, ``assert x.ndim == 2``: a check of the
    shapes, not of the values (T-GCN's contrastive loss, audit s211)."""
    if not isinstance(test, cst.Comparison) or not all(
        isinstance(c.operator, cst.Equal) for c in test.comparisons
    ):
        return False
    sides = (test.left, *(c.comparator for c in test.comparisons))
    return any(shape_read(side) for side in sides) and all(
        shape_read(side) or literal_value(side) is not NotImplemented for side in sides
    )


#: what a tensor's attributes and methods say of its shape or type
_SHAPE_ATTRIBUTES = frozenset({"shape", "ndim", "dtype", "device"})
_SHAPE_METHODS = frozenset({"size", "dim", "numel", "type"})


def shape_read(expr: cst.BaseExpression) -> bool:
    """``x.shape``, ``x.shape[0]``, ``x.size(1)``, ``x.dim()``, ``len(x)``."""
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value in _SHAPE_ATTRIBUTES
    if isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Attribute):
            return func.attr.value in _SHAPE_METHODS
        return isinstance(func, cst.Name) and func.value == "len"
    return False


def _resets(body: cst.BaseSuite, subject: cst.CSTNode) -> bool:
    """``sig = 0.`` under ``if bbar_t1 <= sig ** 2 + 0.01:`` (fastai's DDIM
    step, audit s165): every statement sets a name ``subject`` reads to a
    number, so what the test found bad is replaced."""
    names = {cast(cst.Name, n).value for n in nodes_in(subject, cst.Name)}
    smalls: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = list(body.body)  # ``if bbar_t1 <= sig**2 + 0.01: sig = 0.``
    else:
        for statement in body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                return False
            smalls.extend(statement.body)
    if not smalls:
        return False
    for small in smalls:
        if not (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value in names
            and isinstance(literal_value(small.value), (int, float))
        ):
            return False
    return True


def nan_to_num_guarded(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """``nan_to_num`` around the result guards the value, but not the gradient
    (its backward passes 0 * inf = NaN): it counts only where no gradient
    flows (``no_grad``/``inference_mode``)."""
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, cst.Call) and model.qualname(ancestor.func) in apis.NAN_TO_NUM:
            return contexts(model).in_no_grad(node)
        if isinstance(ancestor, cst.BaseSmallStatement):
            return False
    return False


def keyword_value(call: cst.Call, name: str) -> object:
    arg = keyword(call, name)
    return literal_value(arg.value) if arg is not None else NotImplemented


def binary_operations(model: ModuleIndex, op: type) -> list[cst.BinaryOperation]:
    """Binary operations with operator ``op``, in source order (read from the
    model's parent map: no extra walk)."""
    every = model.analysis(_all_binary_operations)
    return [n for n in every if isinstance(n.operator, op)]


@dataclass(frozen=True)
class Division:
    """``a / d``, ``a.div(d)``, ``torch.div(a, d)``: ``node`` is reported."""

    node: cst.BaseExpression
    left: cst.BaseExpression
    right: cst.BaseExpression


def divisions(model: ModuleIndex) -> list[Division]:
    """Every true division of the file, written with ``/`` or as a call
    (pycox's ``loss.sum().div(events.sum())``), in source order; not a
    floor division (``rounding_mode=``)."""
    found = [Division(b, b.left, b.right) for b in binary_operations(model, cst.Divide)]
    for site in model.method_calls(*apis.DIVIDE_METHODS):
        call, func = site.node, site.node.func
        if isinstance(func, cst.Attribute) and len(call.args) == 1 and _plain(call.args[0]):
            found.append(Division(call, func.value, call.args[0].value))
    for site in model.calls_to(*apis.DIVIDE_FUNCTIONS):
        args = site.node.args
        if len(args) == 2 and all(_plain(a) for a in args):
            found.append(Division(site.node, args[0].value, args[1].value))
    if len(found) > 1:
        found.sort(key=lambda d: model.source_key(d.node))
    return found


def _plain(arg: cst.Arg) -> bool:
    return arg.keyword is None and not arg.star


def _all_binary_operations(model: ModuleIndex) -> list[cst.BinaryOperation]:
    return cast("list[cst.BinaryOperation]", model.nodes_of_type(cst.BinaryOperation))


def bare_code(model: ModuleIndex, expr: cst.BaseExpression) -> str:
    """The code of ``expr`` without its own parentheses (positions of a node
    exclude them, so an edit replaces only this text)."""
    if getattr(expr, "lpar", None):
        expr = expr.with_changes(lpar=[], rpar=[])
    return model.code(expr)


_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)


def as_operand(model: ModuleIndex, expr: cst.BaseExpression, text: str, atom: bool) -> str:
    """``text`` (which replaces ``expr``) parenthesised where needed: always
    when it must bind like an atom (a method receiver, a power base), unless
    ``expr`` keeps its own parentheses around the edit."""
    if getattr(expr, "lpar", None):
        return text
    if atom:
        return f"({text})"
    return text


def binds_tighter_than_add(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (*_ATOMS, cst.UnaryOperation)) or getattr(expr, "lpar", None):
        return True
    return isinstance(expr, cst.BinaryOperation) and not isinstance(
        expr.operator,
        (cst.BitAnd, cst.BitOr, cst.BitXor, cst.LeftShift, cst.RightShift),
    )


# --- values that are never 0 ------------------------------------------------------

#: the last part of a framework function filling a tensor with ones
_ONES_SUFFIXES = (".ones", ".ones_like")


def abs_operand(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``x`` of ``x.abs()`` / ``torch.abs(x)`` / ``tf.abs(x)``."""
    info = call_info(model, expr)
    if info is None:
        return None
    if info.method == "abs" and not info.node.args:
        return info.receiver
    if info.qualname is not None and info.qualname.endswith(".abs") and info.node.args:
        if framework(info.qualname) in apis.TENSOR_FRAMEWORKS:
            return info.node.args[0].value
    return None


def nonzero_by_construction(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 6) -> bool:
    """``expr`` is never 0 whatever the data: a non-zero literal, a tensor of
    ones, a reciprocal, a product of such, a ``where`` choosing between such
    (``torch.where(y >= 0, ones, 100 * ones)``: a LeakyReLU flow's Jacobian)."""
    if depth <= 0:
        return False
    expr = resolve(model, expr)
    value = literal_value(expr)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return nonzero_by_construction(model, expr.expression, depth - 1)
    if is_binop(expr, cst.Multiply):
        assert isinstance(expr, cst.BinaryOperation)
        return nonzero_by_construction(model, expr.left, depth - 1) and nonzero_by_construction(
            model, expr.right, depth - 1
        )
    if is_binop(expr, cst.Divide):
        assert isinstance(expr, cst.BinaryOperation)
        return nonzero_by_construction(model, expr.left, depth - 1)
    info = call_info(model, expr)
    if info is None or info.qualname is None:
        return False
    if framework(info.qualname) not in apis.TENSOR_FRAMEWORKS:
        return False
    if info.qualname.endswith(_ONES_SUFFIXES):
        return True
    if info.qualname in apis.WHERE and len(info.node.args) == 3:
        return all(
            nonzero_by_construction(model, arg.value, depth - 1) for arg in info.node.args[1:]
        )
    return False


#: activations whose non-negative output is float data, never integers
_FLOAT_ACTIVATIONS = frozenset({"relu", "relu6"})


def relu_output(model: ModuleIndex, value: Tensor) -> bool:
    """The non-negative ``value`` is a relu's output (here, or in another
    project module as its ``site`` says: ``F.relu(self.head(h))`` of a model
    in ``model.py``): activations of float values, so a ``.float()`` cast
    of it (``pred.float()`` of an fp16 model) is no integer position or count
    cast to float."""
    return origin_function(model, value) in _FLOAT_ACTIVATIONS


#: functions whose non-negative output is 0 wherever (all of) their input is
ZERO_PRESERVING = frozenset({"relu", "relu6", "abs", "square"})


def origin_function(model: ModuleIndex, value: Tensor) -> str:
    """The lower-cased name of the function whose call gave ``value`` its kind
    (here, or in another project module as its ``site`` says:
    ``self.stft(clean).abs`` → "abs"); "" when no call did."""
    origin = value.origin
    if isinstance(origin, cst.Call):
        func = origin.func
        qualname = model.qualname(func)
        if qualname is not None:
            name = qualname.rsplit(".", 1)[-1]
        elif isinstance(func, cst.Attribute):
            name = func.attr.value
        else:
            name = func.value if isinstance(func, cst.Name) else ""
        return name.lower()
    site = value.site
    if origin is None and site is not None:
        return site.label.rsplit(".", 1)[-1].lower()
    return ""


def guard_operand(
    model: ModuleIndex, expr: cst.BaseExpression, depth: int = 4
) -> tuple[cst.BaseExpression, str] | None:
    """What a guard keeps away from 0, and the guard (``"clamp"`` or
    ``"eps"``): ``x`` of ``x.clamp(eps, 1 - eps)``, ``torch.clamp(x, min=eps)``,
    ``tf.clip_by_value(x, eps, 1)``, ``maximum(x, eps)`` and ``x + eps``, also
    through names bound once (a parameter rebound once at the top of the body
    too); None when ``expr`` is no such guard (a clamp by assignment, a
    project's clip helper: what they clamp is not read here)."""
    expr = resolve(model, expr, depth)
    if isinstance(expr, cst.Name):
        # a clamp rebinding the same name (``p = torch.clamp(p, eps, 1 - eps)``)
        expr = reaching_assignment(model, expr) or expr
    cast = call_info(model, expr)
    if cast is not None and cast.method in apis.CAST_METHODS and cast.receiver is not None:
        # ``(1e-8 + p).float().log()``: a cast keeps the guard (AlphaZero_Connect4, audit s203)
        return guard_operand(model, cast.receiver, depth - 1) if depth > 0 else None
    if clamp_lower(model, expr) is not None:
        info = call_info(model, expr)
        assert info is not None
        if info.receiver is not None and info.method in apis.CLAMP_METHODS:
            return info.receiver, "clamp"
        args = [a.value for a in positional(info.node)]
        if info.qualname in apis.CLAMP:
            first = argument(info.node, 0, "input", "t", "x", "a")
            return (first, "clamp") if first is not None else None
        # ``maximum(p, eps)``: the argument that is not the bound
        operands = [a for a in args if not (_eps_like(model, a) or positive_literal(a))]
        return (operands[0], "clamp") if len(operands) == 1 and len(args) == 2 else None
    if is_binop(expr, cst.Add):
        terms = add_terms(expr)
        bounds = [t for t in terms if _eps_like(model, t) or _positive_power(model, t)]
        operands = [t for t in terms if not any(t is b for b in bounds)]
        if bounds and len(operands) == 1:
            return operands[0], "eps"
    return None


def one_column(model: ModuleIndex, expr: cst.BaseExpression | None) -> bool:
    """``t.view(-1, 1)``/``t.reshape(-1, 1)`` (through a name bound to it): a
    column, one element per row (symmetric BCE written with ``kl_div``)."""
    for _ in range(4):  # ``y_true_1 = y_true``, ``y_true = y_true.view(-1, 1)``
        if not isinstance(expr, cst.Name):
            break
        expr = reaching_assignment(model, expr) or resolve(model, expr)
    if expr is None:
        return False
    if not (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in ("view", "reshape")
    ):
        return False
    shape = [literal_value(a.value) for a in expr.args if a.keyword is None and not a.star]
    return len(shape) == len(expr.args) == 2 and shape[1] == 1 and shape[0] == -1
