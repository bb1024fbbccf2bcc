"""Softmax over the batch axis (LF605): a PyTorch ``softmax``/``log_softmax`` with
``dim=0`` on a model's output that is certainly batched.

Public API::

    from lossflint.analysis.batch_axis import softmax_over_batch

    softmax_over_batch(model)   # [BatchSoftmax]: the call, its ``dim`` expression,
                                # and the use that shows the output is (batch, classes)

The evidence that axis 0 is the batch, one of:

- the result is reduced over classes along ``dim=1`` (``.argmax(1)``,
  ``torch.max(p, 1)``, ``.topk(k, dim=1)``, ``.gather(1, actions)``): the tensor
  has a second axis and the code treats it as the classes (also for an
  ``nn.Softmax(dim=0)`` ending an ``nn.Sequential`` after its ``Linear``);
- the result feeds a loss computed in a loop over a ``DataLoader``'s batches;
- the logits are computed, in the same function, from the output of a
  batch-norm layer (``self.bn(self.fc(x))``, or an ``nn.Sequential`` holding
  one), whose input's axis 0 is the batch, with no axis moved on the way.

A 1-D vector (one sample's scores, attention weights over positions) never
carries that evidence, and stays silent. The operand must be known as a model's
logits, except for the first kind of evidence on the softmax's own result
(``torch.softmax(y_logit, dim=0).argmax(dim=1)``): the scores of a model the
analysis cannot see, unless they are known to be something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.data_flow import Loader, data_facts
from lossflint.analysis.interpreter.syntax import statements_of
from lossflint.analysis.kinds import activation_dim, activation_operand, kinds_of
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.values import Layer, Tensor
from lossflint.analysis.walk import calls_in, memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: methods/functions that pick or rank classes along a dim (``gather(1,
#: actions)``: the taken action's probability of each row)
_CLASS_REDUCTIONS = frozenset({"argmax", "max", "topk", "sort", "argsort", "gather"})


@dataclass(frozen=True)
class BatchSoftmax:
    call: cst.Call
    dim: cst.BaseExpression
    evidence: cst.CSTNode
    how: str  # "argmax" / "loss" / "batchnorm"


def softmax_over_batch(model: ModuleIndex) -> list[BatchSoftmax]:
    return model.analysis(_find)


def _find(model: ModuleIndex) -> list[BatchSoftmax]:
    kinds = kinds_of(model)
    candidates: dict[cst.Call, cst.BaseExpression] = {}
    unseen: dict[cst.Call, cst.BaseExpression] = {}
    for site in model.calls:
        call = site.node
        qualname = site.qualname
        if qualname is not None:
            if qualname not in apis.SOFTMAX and qualname not in apis.LOG_SOFTMAX:
                continue
            if apis.framework_of(qualname) != "torch":
                continue
        elif site.method not in ("softmax", "log_softmax"):
            continue
        operand = activation_operand(model, call)
        if operand is None or activation_dim(model, call) != 0:
            continue
        dim = argument(call, 1, "dim") if qualname is not None else argument(call, 0, "dim")
        value = kinds.value_of(operand)
        if dim is None:
            continue
        if isinstance(value, Tensor) and value.kind is Kind.LOGITS:
            candidates[call] = dim
        elif (not isinstance(value, Tensor) or value.kind is Kind.UNKNOWN) and _unseen_model_output(
            model, operand
        ):
            # scores of a model the analysis cannot see (imported through a
            # ``sys.path`` entry): only an argmax over dim 1 of the result tells
            unseen[call] = dim
    candidates.update(_softmax_modules(model))
    candidates.update(_sequential_heads(model))
    if not candidates and not unseen:
        return []
    found: dict[cst.Call, BatchSoftmax] = {}
    # an argmax / max over dim 1 of the normalised tensor
    for site in model.calls:
        call = site.node
        receiver: cst.BaseExpression | None = None
        if site.method in _CLASS_REDUCTIONS and isinstance(call.func, cst.Attribute):
            receiver = call.func.value
            dim_expr = argument(call, 0 if site.method != "topk" else 1, "dim")
        elif site.qualname is not None and site.qualname.rsplit(".", 1)[-1] in _CLASS_REDUCTIONS:
            framework = apis.framework_of(site.qualname)
            if framework == "numpy" and site.qualname.rsplit(".", 1)[-1] in ("argmax", "max"):
                # ``np.argmax(nn.Softmax(dim=0)(y).data.cpu().numpy(), axis=1)``
                # (xbresson's CE7454 labs, audit s165): the tensor, read in NumPy
                found_array = argument(call, 0, "a")
                receiver = _as_tensor(found_array) if found_array is not None else None
                dim_expr = argument(call, 1, "axis")
            elif framework != "torch":
                continue
            else:
                receiver = argument(call, 0, "input")
                dim_expr = argument(call, 1 if not site.qualname.endswith("topk") else 2, "dim")
        else:
            continue
        if receiver is None or literal_value(dim_expr) != 1:
            continue
        origin = _softmax_origin(model, receiver, candidates)
        if origin is not None and origin not in found:
            found[origin] = BatchSoftmax(origin, candidates[origin], call, "argmax")
        elif isinstance(receiver, cst.Call) and receiver in unseen and receiver not in found:
            # ``torch.softmax(logits, dim=0).argmax(dim=1)``: normalised down
            # the columns, then read along the rows
            found[receiver] = BatchSoftmax(receiver, unseen[receiver], call, "argmax")
    # the logits were computed from a batch-normalised tensor (``forward``'s
    # ``self.bn1(self.fc1(x))``): axis 0 is the batch
    for call, dim in candidates.items():
        if call not in found:
            norm = _batch_normed(model, call)
            if norm is not None:
                found[call] = BatchSoftmax(call, dim, norm, "batchnorm")
    # a loss on the batches of a DataLoader
    facts = data_facts(model)
    for loss in kinds.loss_calls.values():
        if loss.input_expr is None:
            continue
        origin = _softmax_origin(model, loss.input_expr, candidates)
        if origin is None or origin in found:
            continue
        if _in_batch_loop(model, loss.node, facts.values):
            found[origin] = BatchSoftmax(origin, candidates[origin], loss.node, "loss")
    return list(found.values())


#: tensor methods that keep what a tensor holds (a model's scores stay scores)
_KEEPING = frozenset({"squeeze", "detach", "cpu", "float", "to", "contiguous"})
#: methods only a model has: the object a call runs is one
_MODEL_METHODS = frozenset({"eval", "train", "parameters", "load_state_dict", "state_dict"})


def _unseen_model_output(model: ModuleIndex, operand: cst.BaseExpression) -> bool:
    """``y_logit.squeeze()`` of ``y_logit = model(X)``, where ``model`` is an
    object the file puts in eval mode, loads or optimises (``model.eval()``):
    the output of a model whose class the analysis cannot read."""
    while (
        isinstance(operand, cst.Call)
        and isinstance(operand.func, cst.Attribute)
        and operand.func.attr.value in _KEEPING
    ):
        operand = operand.func.value
    if isinstance(operand, cst.Name):
        bound = reaching_assignment(model, operand)
        operand = bound if bound is not None else operand
    if not isinstance(operand, cst.Call) or not isinstance(operand.func, cst.Name):
        return False
    name = operand.func.value
    return any(
        site.method in _MODEL_METHODS
        and isinstance(site.node.func, cst.Attribute)
        and dotted_text(site.node.func.value) == name
        for site in model.calls
    )


def _softmax_modules(model: ModuleIndex) -> dict[cst.Call, cst.BaseExpression]:
    """``softmax = nn.Softmax(dim=0)`` built in this file and applied only to
    logits (``softmax(model(x))``): keyed by the construction, which the
    outputs of its calls name as their origin and which holds the ``dim``."""
    kinds = kinds_of(model)
    module_names = model.module_scope.bindings
    applied: dict[cst.Call, bool] = {}
    for site in model.calls:
        call = site.node
        if site.qualname is not None:
            continue
        root = call.func
        while isinstance(root, (cst.Attribute, cst.Subscript, cst.Call)):
            root = root.func if isinstance(root, cst.Call) else root.value
        if call.func not in kinds.values and not (
            isinstance(root, cst.Name) and root.value in module_names
        ):
            continue  # evaluated alone, it reads module names only: unknown
        layer = kinds.value_of(call.func)
        if not isinstance(layer, Layer) or layer.qualname not in apis.SOFTMAX_MODULES:
            continue
        ctor = layer.origin
        if not isinstance(ctor, cst.Call) or layer.site is not None:
            continue
        operand = argument(call, 0, "input")
        value = kinds.value_of(operand) if operand is not None else None
        logits = isinstance(value, Tensor) and value.kind is Kind.LOGITS
        applied[ctor] = applied.get(ctor, True) and logits
    found: dict[cst.Call, cst.BaseExpression] = {}
    for ctor, logits in applied.items():
        dim = argument(ctor, 0, "dim")
        if logits and dim is not None and literal_value(dim) == 0:
            found[ctor] = dim
    return found


def _sequential_heads(model: ModuleIndex) -> dict[cst.Call, cst.BaseExpression]:
    """``nn.Sequential(..., nn.Linear(150, 2), nn.Softmax(dim=0))``: a
    softmax over dim 0 ending a model right after its linear layer, keyed by
    its construction (the model's outputs name it as their origin); only the
    evidence of a second axis read as the classes reports it (Deep
    Reinforcement Learning in Action's policy net, fine on one state, wrong
    on the episode's batch)."""
    found: dict[cst.Call, cst.BaseExpression] = {}
    for site in model.calls:
        if site.qualname not in apis.SEQUENTIAL:
            continue
        layers = [a.value for a in site.node.args if a.keyword is None and not a.star]
        if len(layers) < 2 or len(layers) != len(site.node.args):
            continue
        head, before = layers[-1], layers[-2]
        if not (isinstance(head, cst.Call) and isinstance(before, cst.Call)):
            continue
        if model.qualname(head.func) not in apis.SOFTMAX_MODULES:
            continue
        if model.qualname(before.func) not in apis.LINEAR_LAYERS:
            continue
        dim = argument(head, 0, "dim")
        if dim is not None and literal_value(dim) == 0:
            found[head] = dim
    return found


def _as_tensor(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``t`` of ``t.data.cpu().numpy()`` (``.detach()`` too): the array is the
    tensor's values, axes kept; None when no ``.numpy()`` says it is one."""
    converted = False
    while True:
        if isinstance(expr, cst.Attribute) and expr.attr.value == "data":
            expr = expr.value
        elif (
            isinstance(expr, cst.Call)
            and not expr.args
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value in _KEEPING | {"numpy"}
        ):
            converted = converted or expr.func.attr.value == "numpy"
            expr = expr.func.value
        else:
            return expr if converted else None


def _softmax_origin(
    model: ModuleIndex, expr: cst.BaseExpression, candidates: dict[cst.Call, cst.BaseExpression]
) -> cst.Call | None:
    value = kinds_of(model).value_of(expr)
    if isinstance(value, Tensor) and isinstance(value.origin, cst.Call):
        if value.origin in candidates:
            return value.origin
    return None


def _batch_normed(model: ModuleIndex, softmax: cst.Call) -> cst.Call | None:
    """A batch-norm layer (``self.bn2 = nn.BatchNorm1d(256)``) applied, in the
    same function, to a tensor the softmax's operand is computed from, with no
    axis moved on the way (``permute``/``transpose``: a sequence-first tensor's
    dim 0 is time); None when nothing says so."""
    func = model.enclosing(softmax, cst.FunctionDef)
    operand = activation_operand(model, softmax)
    scope = model.scopes.get(func) if isinstance(func, cst.FunctionDef) else None
    if scope is None or operand is None:
        return None
    memo = memo_of(model)
    norm = _stack_with_batch_norm(model, operand)
    todo: list[cst.CSTNode] = [operand]
    seen: set[str] = set()
    while todo:
        node = todo.pop()
        for call in calls_in(node, memo):
            func_expr = call.func
            if isinstance(func_expr, cst.Attribute) and func_expr.attr.value in _AXIS_MOVES:
                return None
            if norm is None and _is_batch_norm(model, func_expr):
                norm = call
        for name in nodes_in(node, cst.Name, memo=memo):
            assert isinstance(name, cst.Name)
            if name.value in seen:
                continue
            seen.add(name.value)
            for binding in scope.bindings.get(name.value, ()):
                if isinstance(binding.node, cst.BaseExpression):
                    todo.append(binding.node)
    return norm


#: methods that move axes: after them, dim 0 need not be the batch
_AXIS_MOVES = frozenset({"permute", "transpose", "t", "swapaxes", "movedim", "moveaxis"})


def _stack_with_batch_norm(model: ModuleIndex, operand: cst.BaseExpression) -> cst.Call | None:
    """The operand is the output of an ``nn.Sequential(nn.Linear(...),
    nn.BatchNorm1d(...), ..., nn.Linear(...))`` (its logits come from a layer
    written in the stack's arguments): the stack's batch norm."""
    value = kinds_of(model).value_of(operand)
    layer = value.origin if isinstance(value, Tensor) else None
    arg = model.parent(layer) if isinstance(layer, cst.Call) else None
    stack = model.parent(arg) if isinstance(arg, cst.Arg) else None
    if not isinstance(stack, cst.Call) or model.qualname(stack.func) not in apis.SEQUENTIAL:
        return None
    for other in stack.args:
        if (
            isinstance(other.value, cst.Call)
            and model.qualname(other.value.func) in apis.BATCH_NORMS
        ):
            return other.value
    return None


def _is_batch_norm(model: ModuleIndex, func: cst.BaseExpression) -> bool:
    """``self.bn1`` assigned ``nn.BatchNorm1d(...)`` (and nothing else) in its
    class's methods, or the layer built in place."""
    if model.qualname(func) in apis.BATCH_NORMS:
        return True
    if not (isinstance(func, cst.Attribute) and dotted_text(func.value) == "self"):
        return False
    cls = model.enclosing(func, cst.ClassDef)
    if not isinstance(cls, cst.ClassDef):
        return False
    target = f"self.{func.attr.value}"
    built = [
        node.value
        for method in statements_of(cls)
        if isinstance(method, cst.FunctionDef)
        for node in model.assignments.get(method, ())
        if any(dotted_text(t.target) == target for t in node.targets)
    ]
    return bool(built) and all(
        isinstance(value, cst.Call) and model.qualname(value.func) in apis.BATCH_NORMS
        for value in built
    )


def _in_batch_loop(model: ModuleIndex, node: cst.CSTNode, values: dict) -> bool:
    """The nearest loop around ``node`` (in its function) iterates a batching
    ``DataLoader``."""
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(ancestor, cst.While):
            return False
        if isinstance(ancestor, cst.For):
            loader = values.get(ancestor.iter)
            if not isinstance(loader, Loader):
                return False
            batch = argument(loader.call, 1, "batch_size")
            # ``batch_size=None`` turns batching off; anything else makes a batch axis
            return batch is None or literal_value(batch) is not None
    return False
