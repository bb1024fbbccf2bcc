"""Evaluation passes that run a model in train mode (LF603, the converse of LF309).

An evaluation pass is a ``no_grad``/``inference_mode`` region (or a function
decorated with one, or a function named as evaluating: ``evaluate_model``, or a
module-level statement after a module-level training loop: a notebook's
``preds = model(X_test)``) that calls a model and computes something from it that only
evaluation computes: a loss, an ``argmax``/``max``, a comparison, a metric. It is
in train mode for sure when:

- the model is known (an instance of a same-file ``nn.Module`` class, or an
  ``nn.Sequential``) and holds a layer that behaves differently in eval mode
  (dropout with ``p > 0``, batch norm that tracks running statistics), directly or
  in a same-file submodule class;
- nothing in the file can switch *that* model to eval mode: no ``.eval()`` /
  ``.train(<not True>)`` / ``.training =`` whose receiver is that model, and none
  whose receiver is unknown (``m.eval()`` on a parameter, ``for m in
  model.modules()``), and the model is never handed to a function of another
  module (which could call ``eval()``);
- the region is not part of training: no ``backward()`` in its function, not in a
  loop that trains (pseudo-labels computed in train mode are a technique), and the
  file is not about Monte-Carlo dropout.

Public API::

    from lossflint.analysis.eval_passes import evaluations_in_train_mode

    evaluations_in_train_mode(model)   # [TrainModeEvaluation]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.attribute_constants import number, possible_numbers
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.contexts import contexts
from lossflint.analysis.flag_arms import built_behind_an_off_flag
from lossflint.analysis.gradients import gradients, target_names
from lossflint.analysis.held_out_passes import held_out_loops, held_out_pass, own_held_out_loop
from lossflint.analysis.interpreter.syntax import arguments_by_param, param_names
from lossflint.analysis.kinds import KindAnalysis, kinds_of
from lossflint.analysis.loops import LoopIndex, loops
from lossflint.analysis.mode_free_models import gated_by_flag, is_torch_module
from lossflint.analysis.names import dotted_text
from lossflint.analysis.plain_classes import plain_class
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.train_mode import train_mode_arguments
from lossflint.analysis.values import (
    UNKNOWN,
    ClassRef,
    Foreign,
    FunctionRef,
    Instance,
    Instances,
    Layer,
    Sequential,
    Value,
    VisionModel,
)
from lossflint.analysis.walk import calls_in, memo_of, names_in, nodes_in, own_returns
from lossflint.project.context import current as project_context
from lossflint.project.summary import (
    Origin,
    SClass,
    SFunction,
    SInstance,
    SInstances,
    SLayer,
    SObject,
    SSequential,
    SValue,
)

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: files that keep dropout on at test time on purpose
_MC_DROPOUT = re.compile(r"mc[ _-]?dropout|monte[ _-]?carlo|enable_dropout|bayesian", re.I)
#: calls that only evaluation makes of a model's output
_EVAL_METHODS = frozenset({"argmax", "max", "topk", "eq", "item"})
_METRIC_WORDS = ("accuracy", "metric", "score", "evaluate", "correct")


@dataclass(frozen=True)
class TrainModeEvaluation:
    call: cst.Call  # the region's first call of the model
    region: cst.CSTNode  # the With / decorated FunctionDef
    receiver: str
    #: the dropout / batch-norm constructor that makes it matter
    layer: cst.Call | None
    #: that constructor in another project module (the model's class is there)
    layer_site: Origin | None = None
    #: the region is a function named as evaluating, with no ``no_grad``
    by_name: bool = False
    #: the region is a module-level statement after a module-level training loop
    after_training: bool = False
    #: the region is a module-level statement after ``model.load_state_dict(...)``
    #: in a file that trains nothing (an inference notebook)
    restored: bool = False
    #: the region is a loop over held-out data with no ``no_grad`` (``for x, y
    #: in test_loader:`` computing accuracy)
    over_held_out: bool = False
    #: the model is torchvision's (``resnet18``), whose layers are not in the file
    vision: str = ""


def evaluations_in_train_mode(model: ModuleIndex) -> list[TrainModeEvaluation]:
    return model.analysis(_find)


def _find(model: ModuleIndex) -> list[TrainModeEvaluation]:
    found = _candidates(model)
    # the module's text is generated only for a file with a candidate (it is costly)
    if found and _MC_DROPOUT.search(model.module.code):
        return []
    return found


def _candidates(model: ModuleIndex) -> list[TrainModeEvaluation]:
    switched = _switched_models(model)
    if switched is None:
        return []
    ctx = contexts(model)
    index = loops(model)
    training_funcs = _training_functions(model)
    found: list[TrainModeEvaluation] = []
    seen: set[tuple[int, str]] = set()
    # a call under no grad-off region has no grad_region: only the calls
    # under one are asked (the regions' calls are listed once, kept by node)
    memo = memo_of(model)
    in_regions = {id(c) for node in ctx.grad_off_nodes() for c in calls_in(node, memo)}
    functions = _evaluation_functions(model, training_funcs)
    in_functions = {id(c): func for func in functions for c in calls_in(func, memo)}
    trained_before = _after_module_level_training(model, index)
    after_training = trained_before or _after_restored_weights(model, index)
    held_loops = held_out_loops(model, index)
    off_methods = _grad_off_method_calls(model)
    for site in model.calls:
        call = site.node
        if site.qualname is not None or (
            id(call) not in in_regions
            and id(call) not in in_functions
            and id(call) not in after_training
            and id(call) not in held_loops
            and id(call) not in off_methods
        ):
            continue
        region = ctx.grad_region(call)
        by_name = region is None
        decorated = False
        if region is None and id(call) in off_methods:
            # ``model.get_embeddings(x)`` of an ``@torch.inference_mode()``
            # method: the pass is the code around the call, a pass only when
            # it collects what the method gives over a loader's batches (a
            # sample printed while training, ``model.write(tokens)``, is not)
            region, by_name, decorated = off_methods[id(call)], False, True
        if region is None:
            region = in_functions.get(id(call))
        if region is None:
            region, by_name = after_training.get(id(call)), False
        if region is None:
            region, by_name = held_loops.get(id(call)), False
        if region is None:
            continue
        target = call.func
        if isinstance(target, cst.Attribute) and target.attr.value == "forward":
            target = target.value  # ``out, _ = model.forward(image)``
        receiver = dotted_text(target)
        if receiver is None or (id(region), receiver) in seen:
            continue
        value = _called_model(model, target) if receiver != "self" else UNKNOWN
        ran = _runs_through_method(model, target)
        if ran is not None:
            # ``model.get_embeddings(x)``, a method running the model's layers
            receiver, value = ran
            if (id(region), receiver) in seen:
                continue
        if isinstance(value, VisionModel):
            value = _unheaded(value)
        if not isinstance(value, (Instance, Instances, Sequential, Foreign, VisionModel)):
            # ``output, loss = self._forward_pass(x, y)``: the model runs in a
            # same-file helper the region calls (training calls it too)
            inner = _model_in_helper(model, index, call)
            if inner is None or (id(region), inner[0]) in seen:
                continue
            receiver, value = inner
        if _among(value, switched) and not _switched_only_later(model, value, region):
            continue
        if _fresh_in_function(model, target, value):
            continue  # a unit test of a block it builds: no trained model is measured
        if _owner_switched(model, target, switched):
            continue  # ``model.eval()`` switches ``model.semantic_encoder`` too
        if _switched_just_before(model, call, receiver):
            continue  # ``model.eval()`` opens the function, or the block, that evaluates
        layer: cst.Call | None = None
        layer_site: Origin | None = None
        vision = ""
        remote = _remote_mode_layer(value) if isinstance(value, Sequential) else None
        if isinstance(value, VisionModel):
            # torchvision builds it in train mode, with batch norm / dropout
            if value.qualname not in apis.VISION_MODELS_WITH_MODE_LAYERS:
                continue
            vision = value.qualname.rsplit(".", 1)[-1]
        elif isinstance(value, Foreign) or remote is not None:
            layer_site = _foreign_mode_layer(value) if isinstance(value, Foreign) else remote
            if layer_site is None or not (
                _built_here(model, target)
                or _built_by_callers(model, call, target)
                or _trained_here(index, receiver)
                or _trained_by_callers(model, call, receiver)
            ):
                continue
        else:
            layer = _mode_layer(model, value)
            if layer is None:
                continue
        if (
            model.enclosing(call, cst.FunctionDef) in training_funcs
            and not _pass_after_training(model, region)
            and not held_out_pass(model, index, region, call)
            and not own_held_out_loop(model, index, call)
            and not _after_training_in_function(model, index, region)
        ):
            continue
        if _put_in_train_mode_on_purpose(model, region, receiver):
            continue
        if any(
            e.kind == "backward" and not e.nested
            for lp in index.enclosing_loops(call)
            for e in lp.events
        ) and not held_out_pass(model, index, region, call):
            continue  # runs in the same iteration as a backward(): part of training
        restored_pass = not trained_before and after_training.get(id(call)) is region
        if _handed_away(model, receiver) or not (
            (not decorated and (_evaluates(model, region, call) or _evaluated_after(model, region)))
            or _collects_outputs(model, region, call)
            # an inference script's loop over its data loader: a prediction pass
            or (restored_pass and _over_a_loader(model, region))
            or ((held := held_loops.get(id(call))) is region and _binds_a_loss(model, held))
        ):
            continue
        seen.add((id(region), receiver))
        found.append(
            TrainModeEvaluation(
                call,
                region,
                receiver,
                layer,
                layer_site,
                by_name,
                after_training=isinstance(region, cst.SimpleStatementLine) and bool(trained_before),
                restored=restored_pass,
                over_held_out=held_loops.get(id(call)) is region,
                vision=vision,
            )
        )
    # an evaluation function a no_grad pass calls is reported there, once
    helpers = {index.resolve_function(f.call) for f in found if not f.by_name}
    return [f for f in found if not (f.by_name and f.region in helpers)]


#: the names of functions that evaluate (``evaluate_model``, ``test``,
#: ``compute_accuracy``, ``predict``, ``inference``)
_EVALUATION_NAME = re.compile(
    r"(^|_)(eval|evaluate|evaluation|test|testing|valid|validate|validation|predict|"
    r"accuracy|inference)(_|$)",
    re.I,
)


def _evaluation_functions(
    model: ModuleIndex, training_funcs: set[cst.CSTNode | None]
) -> list[cst.FunctionDef]:
    """Functions that are an evaluation pass without a ``no_grad`` region:
    named as evaluating (``evaluate_model``), no ``backward()``/``step()``
    of their own and not called in a training iteration (``training_funcs``),
    computing what evaluation computes (``_evaluates``). ``torch.no_grad``
    only saves memory there: the dropout is on all the same."""
    index = loops(model)
    stepping = {
        model.enclosing(e.node, cst.FunctionDef)
        for e in index.events
        if e.kind in ("backward", "step", "zero_grad")
    }
    found: list[cst.FunctionDef] = []
    for node in model.nodes_of_type(cst.FunctionDef):
        func = cast("cst.FunctionDef", node)
        if (
            not _EVALUATION_NAME.search(func.name.value)
            or func in training_funcs
            or func in stepping
            or not _evaluates(model, func)
        ):
            continue
        found.append(func)
    return found


def _called_model(model: ModuleIndex, func: cst.BaseExpression) -> Value:
    """The model a call runs. ``self.net(x)`` is read as the instance's
    attribute (``self.net = net`` in ``__init__``): the interpreter evaluates
    such a call as a method call and records no value for ``self.net``."""
    kinds = kinds_of(model)
    value = kinds.value_of(func)
    if isinstance(value, (Instance, Sequential, Foreign)) or not isinstance(func, cst.Attribute):
        return value
    owner = kinds.value_of(func.value)
    if (
        isinstance(owner, Instance)
        and plain_class(model, owner.cls)
        and kinds.method(owner.cls, func.attr.value) is None
    ):
        return kinds.class_attrs(owner.cls).get(func.attr.value, value)
    return value


def _grad_off_method_calls(model: ModuleIndex) -> dict[int, cst.CSTNode]:
    """Calls, on an instance, of a same-file method decorated to turn
    gradients off (``@torch.inference_mode()``) that runs the model's layers:
    id of the call → the function (or module) around it."""
    decorated = {
        node.name.value
        for node in contexts(model).grad_off_nodes()
        if isinstance(node, cst.FunctionDef) and model.enclosing(node, cst.ClassDef) is not None
    }
    found: dict[int, cst.CSTNode] = {}
    if not decorated:
        return found
    kinds = kinds_of(model)
    for site in model.calls:
        func = site.node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in decorated):
            continue
        owner = kinds.value_of(func.value)
        method = kinds.method(owner.cls, func.attr.value) if isinstance(owner, Instance) else None
        if method is not None and contexts(model).grad_region(method.body) is method:
            found[id(site.node)] = model.enclosing(site.node, cst.FunctionDef) or model.module
    return found


def _runs_through_method(
    model: ModuleIndex, target: cst.BaseExpression
) -> tuple[str, Value] | None:
    """``model.get_embeddings`` where ``model`` is an instance of a same-file
    module class whose method ``get_embeddings`` runs its layers
    (``self.encoder(x)``, ``self(x)``): the receiver and the instance."""
    if not isinstance(target, cst.Attribute) or target.attr.value == "forward":
        return None
    receiver = dotted_text(target.value)
    owner = kinds_of(model).value_of(target.value)
    if receiver is None or receiver == "self" or not isinstance(owner, Instance):
        return None
    kinds = kinds_of(model)
    method = kinds.method(owner.cls, target.attr.value)
    if method is None:
        return None
    attrs = kinds.class_attrs(owner.cls)
    for inner in calls_in(method, memo_of(model)):
        func = inner.func
        if isinstance(func, cst.Name) and func.value == "self":
            return receiver, owner
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
            and isinstance(attrs.get(func.attr.value), (Layer, Sequential, Instance))
        ):
            return receiver, owner
    return None


def _model_in_helper(
    model: ModuleIndex, index: LoopIndex, call: cst.Call
) -> tuple[str, Value] | None:
    """The model a same-file helper runs when ``call`` calls it: the
    receiver and value of the helper's first call of a known model, outside
    any grad-off region of its own. A model the helper takes as a parameter
    is the one ``call`` passes (a unit test handing ``get_gen_loss`` a
    ``torch.zeros_like`` runs no model, whatever the training loop passes)."""
    func = index.resolve_function(call)
    if func is None:
        return None
    ctx = contexts(model)
    params = param_names(func.params)
    passed = arguments_by_param(call, params[1:] if params[:1] == ["self"] else params)
    for inner in calls_in(func, memo_of(model)):
        receiver = dotted_text(inner.func)
        if receiver is None or receiver == "self" or ctx.grad_region(inner) is not None:
            continue
        value = _called_model(model, inner.func)
        if not isinstance(value, (Instance, Sequential, Foreign)):
            continue
        head = receiver.split(".", 1)[0]
        if head in params and head != "self":
            arg = passed.get(head) if passed is not None else None
            if arg is None or not isinstance(
                _called_model(model, arg.value), (Instance, Sequential, Foreign)
            ):
                continue
        return receiver, value
    return None


def _fresh_in_function(model: ModuleIndex, target: cst.BaseExpression, value: Value) -> bool:
    """``block = get_generator_block(25, 12)`` (or ``Net()``) in the function
    that runs it, every binding of the name there a construction and every
    other use a call of it (no optimiser given its parameters, no weights
    loaded, not handed to a training helper): a fresh, never trained model
    (a notebook's unit test of a GAN block, audit s162) -- running it
    measures no training."""
    if not isinstance(target, cst.Name) or not isinstance(value, (Instance, Sequential)):
        return False
    func = model.enclosing(target, cst.FunctionDef)
    bindings = model.bindings(target) or []
    if (
        func is None
        or not bindings
        or model.scopes[func].bindings.get(target.value) is not bindings
    ):
        return False  # the module's model, or a parameter's
    if any(
        b.kind != "assign" or not isinstance(b.node, cst.Call) or not _constructs(model, b.node)
        for b in bindings
    ):
        return False
    for use in names_in(func, target.value, memo_of(model)):
        parent = model.parent(use)
        if isinstance(parent, cst.AssignTarget) or (
            isinstance(parent, cst.Call) and parent.func is use
        ):
            continue
        if isinstance(parent, cst.Subscript) and parent.value is use:
            if not isinstance(model.parent(parent), (cst.AssignTarget, cst.Del)):
                continue  # ``type(block[0]) == nn.Linear``
        if isinstance(parent, cst.Arg) and parent.value is use:
            call = model.parent(parent)
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value in _LOOKING
                and model.qualname(call.func) == f"builtins.{call.func.value}"
            ):
                continue  # ``len(block) == 3``
        return False
    return True


#: methods that put trained weights into a module (Keras' ``model.load`` too)
_LOADS_WEIGHTS = frozenset(apis.WEIGHT_LOADING_METHODS) | {"load"}


def _constructs(model: ModuleIndex, call: cst.Call, depth: int = 2) -> bool:
    """``call`` builds a module afresh: a class's construction, an
    ``nn.*`` layer, a same-file function returning such constructions
    (``get_generator_block(25, 12)``), or a method of a fresh construction
    (``Generator(...).get_gen()``) -- nothing that loads weights."""
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
        return func.attr.value not in _LOADS_WEIGHTS and _constructs(model, func.value, depth)
    if isinstance(kinds_of(model).value_of(func), ClassRef):
        return True
    qualname = model.qualname(func) or ""
    if qualname.startswith(apis.TORCH_NN_PREFIX) and qualname.rsplit(".", 1)[-1][:1].isupper():
        return True
    made_by = model.returning_function(func)
    if made_by is None or depth <= 0:
        return False
    returns = [r.value for r in own_returns(made_by)]
    if any(
        isinstance(c.func, cst.Attribute) and c.func.attr.value in _LOADS_WEIGHTS
        for c in calls_in(made_by, memo_of(model))
    ):
        return False
    return bool(returns) and all(
        isinstance(value, cst.Call) and _constructs(model, value, depth - 1) for value in returns
    )


def _pass_after_training(model: ModuleIndex, region: cst.CSTNode) -> bool:
    """``for epoch: <train loop over batches>; with no_grad: for x, y in
    val_loader: ...``: a pass with a loop of its own, in an epoch loop of a
    training function, after (not inside) the loop that trains. Such a pass
    runs once per epoch over other data: an evaluation, not a metric of the
    batch being trained."""
    enclosing = loops(model).enclosing_loops(region)
    if not enclosing or any(
        e.kind == "backward" and not e.nested for lp in enclosing for e in lp.events
    ):
        return False  # no epoch loop, or one that trains in the pass's own iteration
    memo = memo_of(model)
    passed: cst.CSTNode = region
    if not nodes_in(region, cst.For, cst.While, memo=memo):
        # ``for x, y in val_loader: with torch.no_grad(): ...``: the region is
        # the body of a loop over other data, itself in the epoch loop
        inner = enclosing[0]
        around = model.enclosing(region, cst.For, cst.While)
        if (
            around is not None
            and around is not inner.node
            and any(a is inner.node for a in model.ancestors(around))
        ):
            # a loop with no training events the loop index does not list
            passed = around
        elif not inner.is_training and len(enclosing) >= 2:
            passed, enclosing = inner.node, enclosing[1:]
        else:
            # in the epoch loop itself, on a batch of the training data (the
            # last one, or one kept for an early-stopping check): a training metric
            return False
    order = model.analysis(_call_order)
    starts = [order[id(c)] for c in calls_in(passed, memo) if id(c) in order]
    if not starts:
        return False
    return any(
        child.is_training and any(e.order < min(starts) for e in child.events)
        for child in enclosing[0].children
    )


def _call_order(model: ModuleIndex) -> dict[int, int]:
    """Each call's rank in source order (the loop index orders events so)."""
    return {id(site.node): i for i, site in enumerate(model.calls)}


def _put_in_train_mode_on_purpose(model: ModuleIndex, region: cst.CSTNode, receiver: str) -> bool:
    """``net.train()`` inside the pass, or among the few statements just before
    it in its block (Monte-Carlo dropout switched on by hand): deliberate. A
    ``train()`` before a loop (an epoch's start) is not "just before"."""
    block = model.parent(region)
    body = getattr(block, "body", None)
    preceding: list[cst.CSTNode] = []
    if isinstance(region, cst.With) and isinstance(body, (list, tuple)) and region in body:
        for statement in reversed(list(body)[: list(body).index(region)]):
            if isinstance(statement, (cst.For, cst.While)) or len(preceding) >= _JUST_BEFORE:
                break
            preceding.append(statement)
    memo = memo_of(model)
    for node in [region, *preceding]:
        for call in calls_in(node, memo):
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value == "train"
                and dotted_text(func.value) == receiver
            ):
                return True
    return False


#: statements before a pass read for a deliberate ``train()``
_JUST_BEFORE = 3


def _training_functions(model: ModuleIndex) -> set[cst.CSTNode | None]:
    """Functions that run a backward(), and the same-file functions called in
    a training iteration (two calls deep): metrics computed there describe the
    training batch, in train mode on purpose. A call after the batch loop of
    an epoch loop (``evaluate(val_loader)``) is not in a training iteration."""
    index = loops(model)
    backward = [e.node for e in index.events if e.kind == "backward"]
    found: set[cst.CSTNode | None] = {model.enclosing(n, cst.FunctionDef) for n in backward}
    found.discard(None)
    step_functions = {
        model.enclosing(n, cst.FunctionDef) for n in backward if not index.enclosing_loops(n)
    }
    memo = memo_of(model)
    # the calls of the loops that train in every pass: a call in a training
    # iteration is under one of them (asked first: cheaper than its walk up)
    training_loops = [
        lp.node
        for lp in index.loops
        if any(e.kind == "backward" and not e.nested for e in lp.events)
    ]
    in_training_loops = [calls_in(node, memo) for node in training_loops]
    under = {id(call) for listed in in_training_loops for call in listed}
    calls: list[cst.Call] = []
    for func in found:
        assert func is not None
        calls += [
            call
            for call in calls_in(func, memo)
            if func in step_functions or (id(call) in under and _in_training_iteration(index, call))
        ]
    for listed in in_training_loops:
        calls += listed
    for _ in range(2):
        callees: list[cst.FunctionDef] = []
        for call in calls:
            func = index.resolve_function(call)
            if func is not None and func not in found and not _periodic_pass(model, call, func):
                found.add(func)
                callees.append(func)
        calls = [call for func in callees for call in calls_in(func, memo)]
    return found


def _periodic_pass(model: ModuleIndex, call: cst.Call, func: cst.FunctionDef) -> bool:
    """``if step % eval_every == 0: self.validate(val_loader)`` in a training
    loop: a function with a loop of its own, called under an ``if`` of the
    iteration, runs a pass over other data now and then (mid-epoch validation);
    it does not describe the training batch."""
    if not nodes_in(func, cst.For, cst.While, memo=memo_of(model)):
        return False
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.For, cst.While, cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if isinstance(ancestor, cst.If):
            return True
    return False


def _in_training_iteration(index: LoopIndex, node: cst.CSTNode) -> bool:
    """Inside a loop whose every pass runs a backward() (not only an inner loop's)."""
    return any(
        e.kind == "backward" and not e.nested
        for lp in index.enclosing_loops(node)
        for e in lp.events
    )


def _switched_models(model: ModuleIndex) -> list[Value] | None:
    """The models something may put in eval mode; None when one of them is
    unknown (then nothing is sure)."""
    kinds = kinds_of(model)
    found: list[Value] = []
    receivers: list[cst.BaseExpression] = []
    for site in model.method_calls("eval", "train"):
        call = site.node
        if not isinstance(call.func, cst.Attribute):
            continue
        if call.func.attr.value == "train":
            mode = argument(call, 0, "mode")
            if mode is None or literal_value(mode) is True:
                continue
        receivers.append(call.func.value)
    # every ``Assign`` of the file, by scope (the walk's record: not a scan of
    # every node); ``found`` is only asked for membership, so order is moot
    for statements in model.assignments.values():
        for node in statements:
            for target in node.targets:
                t = target.target
                if isinstance(t, cst.Attribute) and t.attr.value == "training":
                    receivers.append(t.value)
    for receiver in receivers:
        value = kinds.value_of(receiver)
        if isinstance(value, VisionModel):
            value = _unheaded(value)
        if isinstance(value, Instance) and plain_class(model, value.cls):
            # ``Model(data).train(2)``: a plain trainer class's own method
            # (skip-ganomaly's ``train(epochs)``, audit s177), no mode switch
            continue
        if not isinstance(value, (Instance, Instances, Sequential, Foreign, VisionModel)):
            return None
        found.append(value)
    return found


def _classes(value: Value) -> frozenset[cst.ClassDef]:
    if isinstance(value, Instance):
        return frozenset({value.cls})
    if isinstance(value, Instances):
        return value.classes
    return frozenset()


def _among(value: Value, switched: list[Value]) -> bool:
    """``value`` is one of the switched models, or shares a class with one (a
    notebook's two ``ConvNet`` classes joined where a helper gets either)."""
    if value in switched:
        return True
    mine = _classes(value)
    return bool(mine) and any(mine & _classes(other) for other in switched)


def _owner_switched(model: ModuleIndex, target: cst.BaseExpression, switched: list[Value]) -> bool:
    """A module holding the called one (``model`` of ``model.encoder(x)``) is
    one something may put in eval mode: that switches its submodules too."""
    kinds = kinds_of(model)
    owner = target.value if isinstance(target, cst.Attribute) else None
    while owner is not None:
        held = kinds.value_of(owner)
        if isinstance(held, (Instance, Instances, Sequential, Foreign)) and _among(held, switched):
            return True
        owner = owner.value if isinstance(owner, cst.Attribute) else None
    return False


def _unheaded(value: VisionModel) -> VisionModel:
    """The torchvision model whatever head a script gave it (``model.fc =
    nn.Linear(n, 10)`` after ``model.eval()`` is the same model)."""
    return VisionModel(value.qualname, value.head_attr)


def _switched_just_before(model: ModuleIndex, call: cst.Call, receiver: str) -> bool:
    """The nearest mode switch of ``receiver`` above ``call``, in the blocks
    that hold it up to its function's body (``model.eval()`` opening the
    function that evaluates; ``with torch.no_grad(): model.eval()`` then the
    loop, udacity's validation pass), is ``receiver.eval()``: whatever mode
    the callers leave it in, the pass runs in eval mode. A statement between
    them that may switch it unseen (a block naming it, a call it is handed
    to) leaves the mode unknown."""
    node: cst.CSTNode = call
    while True:
        parent = model.parent(node)
        if parent is None or isinstance(parent, (cst.FunctionDef, cst.Module, cst.Lambda)):
            return False
        if isinstance(parent, cst.IndentedBlock) and isinstance(node, cst.BaseStatement):
            body = list(parent.body)
            for stmt in reversed(body[: body.index(node)]):
                mode = _mode_switch(stmt, receiver)
                if mode is not None:
                    return mode == "eval"
                if _may_switch(model, stmt, receiver):
                    return False
        node = parent


def _may_switch(model: ModuleIndex, stmt: cst.BaseStatement, receiver: str) -> bool:
    """A block naming the model (``if ...: model.train()``), or a call it is
    handed to (``train_one_epoch(model)``)."""
    root = receiver.split(".", 1)[0]
    text = model.code(stmt)
    if root not in text:
        return False
    return not isinstance(stmt, cst.SimpleStatementLine) or bool(
        re.search(rf"[(,]\s*{re.escape(root)}[\w.]*\s*[,)]", text)
    )


def _mode_switch(stmt: cst.BaseStatement, receiver: str) -> str | None:
    """``receiver.eval()`` → "eval", ``receiver.train()`` → "train" (a
    statement of its own; also of a module holding ``receiver``), else None."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    call = small.value if isinstance(small, cst.Expr) else None
    names: list[str | None] = []
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        # ``network = network.eval()``: ``eval()`` gives the module back
        # (snntorch's autoencoder tutorial, audit s193)
        call = small.value
        names.append(dotted_text(small.targets[0].target))
    switched = (
        dotted_text(call.func.value)
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
        else None
    )
    names.append(switched)
    # ``model.eval()`` switches ``model.encoder`` too
    if switched is None or not any(
        name is not None and (receiver == name or receiver.startswith(name + ".")) for name in names
    ):
        return None
    assert isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
    name = call.func.attr.value
    if name == "eval" and not call.args:
        return "eval"
    if name == "train":
        mode = literal_value(call.args[0].value) if call.args else True
        return "eval" if mode is False else "train"
    return None


def _switched_only_later(model: ModuleIndex, value: Value, region: cst.CSTNode) -> bool:
    """Module-level code (a script, a notebook's cells in order) that trains
    before ``region`` and leaves ``value`` in train mode there: the module-level
    statements above it, read in order, train it (a backward, or a same-file
    function that runs one) and the last mode they give it is train mode
    (``model.eval()`` only in a later cell; ``evaluate()`` then ``train_epoch()``
    again in a refit loop). A call that may switch it unseen (another module's
    function given the model) makes the mode unknown."""
    top = _top_statement(model, region)
    runs: list[tuple[cst.CSTNode, cst.Call | None]] = (
        [(top, None)] if top is not None else _module_level_callers(model, region)
    )
    if not runs:
        return False
    body: list[cst.CSTNode] = list(model.module.body)
    for top, caller in runs:
        walker = _ModeWalk(model, value)
        for statement in body[: body.index(top)]:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue  # a definition runs nothing
            walker.statement(statement)
            if walker.mode == "unknown":
                return False
        # what the statement does before the call or the region (``model.eval();
        # val(loader, model)``, ``model.eval()`` then ``with torch.no_grad():`` in
        # the epoch loop)
        walker.before(top, caller if caller is not None else region)
        if not (walker.trained and walker.mode == "train"):
            return False
    return True


def _module_level_callers(
    model: ModuleIndex, region: cst.CSTNode
) -> list[tuple[cst.CSTNode, cst.Call | None]]:
    """For a region in a module-level function (``def extract(loader): with
    torch.no_grad(): ...``): the module-level statements that call it, with
    the call, when every use of its name is such a call (its callers are all
    known); else none."""
    func = model.enclosing(region, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or model.parent(func) is not model.module:
        return []
    memo = model.analysis(_callers_memo)
    if func not in memo:
        memo[func] = _callers_at_module_level(model, func)
    return memo[func]


def _callers_memo(
    model: ModuleIndex,
) -> dict[cst.FunctionDef, list[tuple[cst.CSTNode, cst.Call | None]]]:
    return {}


def _called_at_module_level(model: ModuleIndex) -> frozenset[str]:
    """The names module-level statements call (``extract(loader)``)."""
    return frozenset(
        stmt_call.func.value
        for stmt in model.module.body
        if not isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
        for stmt_call in calls_in(stmt, memo_of(model))
        if isinstance(stmt_call.func, cst.Name)
    )


def _callers_at_module_level(
    model: ModuleIndex, func: cst.FunctionDef
) -> list[tuple[cst.CSTNode, cst.Call | None]]:
    if func.name.value not in model.analysis(_called_at_module_level):
        return []  # not called at module level: no need for every site
    sites = gradients(model).call_sites(func)
    if not sites:
        return []
    tops: list[tuple[cst.CSTNode, cst.Call | None]] = []
    for call in sites:
        top = _top_statement(model, call)
        if top is None or model.enclosing(call, cst.FunctionDef) is not None:
            return []
        tops.append((top, call))
    return tops


class _ModeWalk:
    """The mode one model is left in by statements run in order, and whether
    they trained it."""

    def __init__(self, model: ModuleIndex, value: Value) -> None:
        self.model = model
        self.value = value
        self.kinds = kinds_of(model)
        self.index = loops(model)
        #: "train" (a fresh module), "eval", or "unknown"
        self.mode = "train"
        self.trained = False

    def statement(self, node: cst.CSTNode, depth: int = 0) -> None:
        for call in calls_in(node, memo_of(self.model)):
            self._call(call, node, depth)

    def _same(self, expr: cst.BaseExpression) -> bool:
        """``expr`` holds the walked model (a torchvision model whatever its head)."""
        held = self.kinds.value_of(expr)
        if isinstance(held, VisionModel):
            held = _unheaded(held)
        return held == self.value

    def before(self, top: cst.CSTNode, stop: cst.CSTNode) -> None:
        """The calls of the module-level statement ``top`` that come before
        ``stop`` (a call, or the region holding the evaluation) in the source
        (a loop's body read once)."""
        if stop is top:
            return
        for call in calls_in(top, memo_of(self.model)):
            if call is stop or self.mode == "unknown" or self.model.within(call, stop):
                return
            self._call(call, top, 0)

    def _call(self, call: cst.Call, within: cst.CSTNode, depth: int) -> None:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("train", "eval"):
            if self._same(func.value):
                mode = "eval" if func.attr.value == "eval" else "train"
                flag = argument(call, 0, "mode") if mode == "train" else None
                if flag is not None:
                    literal = literal_value(flag)
                    mode = "train" if literal is True else "eval" if literal is False else "unknown"
                self._set(mode, call, within)
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "backward":
            self.trained = True
            return
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "apply"
            and self._same(func.value)
        ):
            # ``model.apply(set_bn_eval)``: a function run on every submodule
            # may switch some of them to eval mode
            self.mode = "unknown"
            return
        callee = self.index.resolve_function(call)
        if callee is not None:
            if depth >= _MODE_DEPTH:
                self.mode = "unknown"
                return
            before = self.mode
            self.statement(callee.body, depth + 1)
            if self.mode != before and self._conditional(call, within):
                self.mode = "unknown"
            return
        for position, arg in enumerate(call.args):
            if self._same(arg.value) and not _mode_safe_in_callee(self.model, call, position):
                self.mode = "unknown"  # handed to code this walk cannot see
                return

    def _set(self, mode: str, call: cst.Call, within: cst.CSTNode) -> None:
        if mode != self.mode and self._conditional(call, within):
            self.mode = "unknown"
        else:
            self.mode = mode

    def _conditional(self, node: cst.CSTNode, within: cst.CSTNode) -> bool:
        """Under an ``if``/``try``/``while`` of the statement (a ``for``
        body is taken as run)."""
        at: cst.CSTNode | None = self.model.parent(node)
        while at is not None and at is not within:
            if isinstance(at, (cst.If, cst.Try, cst.TryStar, cst.While, cst.IfExp, cst.Match)):
                return True
            at = self.model.parent(at)
        return False


#: same-file calls followed for a model's mode
_MODE_DEPTH = 3


def _top_statement(model: ModuleIndex, node: cst.CSTNode) -> cst.CSTNode | None:
    """The module-level statement holding ``node`` when no function or class
    lies between them; None otherwise."""
    at: cst.CSTNode | None = node
    while at is not None:
        if isinstance(at, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None  # the function itself may be the module-level statement
        parent = model.parent(at)
        if parent is model.module:
            return at
        at = parent
    return None


def _foreign_mode_layer(value: Foreign) -> Origin | None:
    """Where the model's class in another project module builds a dropout or
    batch-norm layer (``self.drop = nn.Dropout(0.5)`` in its ``__init__``, as
    its summary keeps it), looked up along its project bases; None when the
    class or a base is unknown (a library base class may hold anything)."""
    context = project_context()
    ref = value.ref
    if context is None or not isinstance(ref, SInstance):
        return None
    # (value, a base of the model's class): an unknown base may hold
    # anything, an unknown submodule only hides what it holds
    todo: list[tuple[SValue, bool]] = [(ref, True)]
    seen: set[tuple[str, str]] = set()
    while todo and len(seen) < 8:
        held, base_line = todo.pop(0)
        current = context.resolve(held)
        if isinstance(current, (SClass, SInstance)) and (current.file, current.name) in seen:
            continue
        cls = context.class_summary(current) if isinstance(current, (SClass, SInstance)) else None
        if cls is None:
            if base_line:
                return None
            continue
        assert isinstance(current, (SClass, SInstance))
        seen.add((current.file, current.name))
        if cls.mode_layer is not None:
            return cls.mode_layer
        for attr in cls.attrs.values():
            found = _mode_layer_in(attr)
            if found is not None:
                return found
            if isinstance(attr, SInstance):
                # ``self.model = Xception()`` of a third module (Deepfake-Detection's
                # TransferModel, audit s185): what the submodule's class builds
                todo.append((attr, False))
        for base in cls.bases:
            if isinstance(base, SObject):
                if base.qualname not in apis.TORCH_MODULE_BASES and base_line:
                    return None
                continue
            todo.append((base, base_line))
    return None


def _trained_here(index: LoopIndex, receiver: str) -> bool:
    """This file puts ``receiver`` in train mode itself (``self.net.train()``
    in a trainer's ``train_epoch``): whatever mode the function that made the
    model left it in, evaluations after that run in train mode."""
    return any(event.kind == "train" and event.receiver == receiver for event in index.events)


def _trained_by_callers(model: ModuleIndex, call: cst.Call, receiver: str) -> bool:
    """``receiver`` is a parameter of the module-level function ``call`` is
    in, which only other project files call, each handing it a model it
    trains and never puts in eval mode (``CallRecord.train_mode``): the
    function gets the model in train mode."""
    func = model.enclosing(call, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or model.parent(func) is not model.module:
        return False
    params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
    keyword_only = [p.name.value for p in func.params.kwonly_params]
    if receiver not in params and receiver not in keyword_only:
        return False
    place = str(params.index(receiver)) if receiver in params else receiver
    sites = gradients(model).call_sites(func)
    if sites is None:
        return False  # its name used otherwise: callers out of sight
    if sites:
        # called here: each call hands it a model this file trains and never
        # puts in eval mode (``test(valid_loader, model)`` in ``main()``)
        if any(
            place not in (found := train_mode_arguments(model, site)) and receiver not in found
            for site in sites
        ):
            return False
        if project_context() is None:
            return True
    records = kinds_of(model).calls_from_other_files(func)
    if any(record.opaque for record in records or ()):
        return False
    if not records:
        return bool(sites)
    return all(place in r.train_mode or receiver in r.train_mode for r in records)


def _built_by_callers(model: ModuleIndex, call: cst.Call, receiver: cst.BaseExpression) -> bool:
    """``receiver`` is a parameter of the module-level function ``call`` is
    in, which only this file calls, each call handing it a model ``_built_here``
    (``predict_with_model(image, model)`` in ``run()`` after ``model =
    TransferModel()``: Deepfake-Detection, audit s185)."""
    func = model.enclosing(call, cst.FunctionDef)
    if (
        not isinstance(receiver, cst.Name)
        or not isinstance(func, cst.FunctionDef)
        or model.parent(func) is not model.module
    ):
        return False
    params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
    if receiver.value not in params:
        return False
    sites = gradients(model).call_sites(func)
    if not sites or kinds_of(model).calls_from_other_files(func):
        return False
    position = params.index(receiver.value)
    for site in sites:
        passed = argument(site, position, receiver.value)
        if not isinstance(passed, cst.Name) or not _built_here(model, passed):
            return False
    return True


def _built_here(model: ModuleIndex, receiver: cst.BaseExpression) -> bool:
    """The other module's model is built in this file from its class (``m =
    Net()``), not handed out by a function of that module (``load_model()``
    may have put it in eval mode before returning it)."""
    context = project_context()
    if context is None or not isinstance(receiver, cst.Name):
        return False
    bindings = model.bindings(receiver) or []
    kinds = kinds_of(model)
    for binding in bindings:
        built = binding.node
        if (
            binding.kind == "assign"
            and isinstance(built, cst.Attribute)
            and built.attr.value == "module"
            and isinstance(built.value, cst.Name)
            and built.value.value == receiver.value
        ):
            continue  # ``model = model.module``: the same model, unwrapped
        if binding.kind != "assign" or not isinstance(built, cst.Call):
            return False
        if _moved_copy(built, receiver.value):
            continue  # ``net = net.cuda()``: the same model, moved
        while (
            isinstance(built.func, cst.Attribute)
            and isinstance(built.func.value, cst.Call)
            and built.func.attr.value in _MOVING_METHODS
        ):
            built = built.func.value  # ``Net().to(device)``
        if _wraps_itself(model, built, receiver.value):
            continue  # ``net = nn.DataParallel(net)``: the same model, wrapped
        made_by = kinds.value_of(built.func)
        if not isinstance(made_by, Foreign):
            return False
        made = context.resolve(made_by.ref)
        if not isinstance(made, SClass) and not _fresh_from_factory(made):
            return False
    return bool(bindings)


def _wraps_itself(model: ModuleIndex, call: cst.Call, name: str) -> bool:
    """``nn.DataParallel(net)`` (or ``torch.compile(net)``) of ``name`` itself:
    its calls run the same model (MalConv-Pytorch, audit s195)."""
    if model.qualname(call.func) not in apis.MODULE_WRAPPERS:
        return False
    wrapped = argument(call, 0, "module") or argument(call, 0, "model")
    return isinstance(wrapped, cst.Name) and wrapped.value == name


#: module methods that give the module back and change no mode (not
#: ``apply(fn)``, whose ``fn`` may switch submodules: ``apply(set_bn_eval)``)
_MOVING_METHODS = apis.MODULE_MOVES - {"eval", "train"}


def _moved_copy(built: cst.Call, name: str) -> bool:
    """``net.cuda()``, ``net.to(device)`` of ``net`` itself: the same module."""
    func = built.func
    return (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == name
        and func.attr.value in _MOVING_METHODS
    )


def _fresh_from_factory(ref: SValue) -> bool:
    """``build_model(cfg)`` of another project module, which constructs and
    returns the model (``return MODELS[cfg.name](...)``) and puts it in no
    mode (no ``.eval()`` among its events, inlined from what it calls): the
    model comes back in train mode, as a constructor gives it. Not when that
    module keeps an instance of the class at module level (``return MODEL``
    may hand out one that was put in eval mode there)."""
    context = project_context()
    if context is None or not isinstance(ref, SFunction):
        return False
    summary = context.function_summary(ref)
    if summary is None or any(event.kind == "eval" for event in summary.events):
        return False
    returned = summary.returns
    classes = returned.members if isinstance(returned, SInstances) else (returned,)
    if not classes or not all(isinstance(c, SInstance) for c in classes):
        return False
    module = context.summary(ref.file)
    if module is None:
        return False
    for value in module.names.values():
        held = value.members if isinstance(value, SInstances) else (value,)
        if any(isinstance(v, SInstance) and v in classes for v in held):
            return False
    return True


def _remote_mode_layer(value: Sequential) -> Origin | None:
    """A dropout/batch-norm layer of an ``nn.Sequential`` built in another
    project module (its layers carry their sites there)."""
    if value.origin is not None:
        return None
    for layer in value.layers:
        if isinstance(layer, Layer) and layer.site is not None:
            if layer.qualname in apis.MODE_DEPENDENT_LAYERS:
                return layer.site
        elif isinstance(layer, Sequential) and layer is not value:
            found = _remote_mode_layer(layer)
            if found is not None:
                return found
    return None


def _mode_layer_in(value: SValue) -> Origin | None:
    if isinstance(value, SLayer) and value.qualname in apis.MODE_DEPENDENT_LAYERS:
        return value.origin
    if isinstance(value, SSequential):
        for layer in value.layers:
            found = _mode_layer_in(layer)
            if found is not None:
                return found
    return None


def _mode_layer(model: ModuleIndex, value: Value) -> cst.Call | None:
    """A dropout/batch-norm layer the model holds (its constructor call)."""
    kinds = kinds_of(model)
    if isinstance(value, Sequential):
        if value.origin is None:
            return None
        for layer in value.layers:
            if isinstance(layer, Layer) and isinstance(layer.origin, cst.Call):
                if _matters(model, layer.origin):
                    return layer.origin
            elif isinstance(layer, Instance):
                inner = _class_layer(model, layer.cls, 0)
                if inner is not None:
                    return inner
            elif isinstance(layer, Sequential) and layer is not value:
                # a block a helper builds: ``nn.Sequential(block(16, 32), ...)``
                inner = _mode_layer(model, layer)
                if inner is not None:
                    return inner
        for call in calls_in(value.origin, memo_of(model)):
            if _matters(model, call):
                return call
        return None
    if isinstance(value, Instances) and not value.foreign and value.classes:
        # ``UNet1d(...) if dims == 1 else UNet2d(...)``: every choice holds one
        layers = [
            _class_layer(model, cls, 0) if is_torch_module(model, cls) else None
            for cls in sorted(value.classes, key=lambda c: c.name.value)
        ]
        return layers[0] if all(layer is not None for layer in layers) else None
    if not isinstance(value, Instance) or not is_torch_module(model, value.cls):
        return None
    del kinds
    return _class_layer(model, value.cls, 0)


def class_mode_layer(model: ModuleIndex, cls: cst.ClassDef) -> cst.Call | None:
    """A dropout/batch-norm layer an ``nn.Module`` class of this file builds
    (itself, through same-file bases or the same-file classes it builds)."""
    return _class_layer(model, cls, 0) if is_torch_module(model, cls) else None


def _class_layer(model: ModuleIndex, cls: cst.ClassDef, depth: int) -> cst.Call | None:
    kinds = kinds_of(model)
    memo = memo_of(model)
    for klass in kinds.mro(cls):
        for call in calls_in(klass, memo):
            if (
                _matters(model, call)
                and not gated_by_flag(model, klass, call)
                and not (klass is cls and built_behind_an_off_flag(model, cls, call, None))
            ):
                return call
            if depth < 3 and model.qualname(call.func) is None:
                ref = kinds.value_of(call.func)
                if isinstance(ref, ClassRef) and ref.cls is not klass:
                    inner = _class_layer(model, ref.cls, depth + 1)
                    if inner is not None:
                        return inner
                if isinstance(ref, FunctionRef):
                    # ``self.enc = nn.Sequential(conv_block(3, 64), ...)``: the
                    # layers a same-file helper builds and returns
                    inner = _returned_layer(model, ref.func, depth + 1)
                    if inner is not None:
                        return inner
    return None


def _returned_layer(model: ModuleIndex, func: cst.FunctionDef, depth: int) -> cst.Call | None:
    """A dropout/batch-norm layer a same-file function returns: built in a
    ``return`` (``return nn.Sequential(conv, nn.BatchNorm2d(c), ...)``) or put
    into a name it returns (``layers = [...]``, ``layers.append(...)``,
    ``layers += [...]`` then ``return nn.Sequential(*layers)``); a layer the
    function builds for anything else (a probe, a test) is not the model's."""
    returns = [r.value for r in own_returns(func) if r.value is not None]
    if not returns:
        return None
    returned = {
        cast(cst.Name, n).value
        for value in returns
        for n in nodes_in(value, cst.Name, memo=memo_of(model))
    }
    kinds = kinds_of(model)
    for call in calls_in(func, memo_of(model)):
        if model.enclosing(call, cst.FunctionDef) is not func or not _kept(model, call, returned):
            continue
        if _matters(model, call):
            return call
        if depth < 3 and model.qualname(call.func) is None:
            ref = kinds.value_of(call.func)
            if isinstance(ref, ClassRef):
                inner = _class_layer(model, ref.cls, depth + 1)
            elif isinstance(ref, FunctionRef) and ref.func is not func:
                inner = _returned_layer(model, ref.func, depth + 1)
            else:
                inner = None
            if inner is not None:
                return inner
    return None


def _kept(model: ModuleIndex, call: cst.Call, returned: set[str]) -> bool:
    """``call`` is in what its function returns: inside a ``return``, or in
    a statement that binds, extends or appends to a returned name."""
    node: cst.CSTNode | None = call
    while node is not None and not isinstance(node, cst.BaseSmallStatement):
        node = model.parent(node)
    if isinstance(node, cst.Return):
        return True
    if isinstance(node, cst.Assign):
        return any(
            isinstance(t.target, cst.Name) and t.target.value in returned for t in node.targets
        )
    if isinstance(node, (cst.AugAssign, cst.AnnAssign)):
        return isinstance(node.target, cst.Name) and node.target.value in returned
    if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
        func = node.value.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("append", "extend", "add_module", "insert")
            and isinstance(func.value, cst.Name)
            and func.value.value in returned
        )
    return False


def _matters(model: ModuleIndex, call: cst.Call) -> bool:
    """A dropout with ``p > 0`` (or the default), or a batch norm that keeps
    running statistics."""
    qualname = model.qualname(call.func)
    if qualname in apis.RNN_DROPOUT_ARGUMENTS:
        # ``nn.LSTM(..., num_layers=2, dropout=0.5)``: dropout between the layers
        layers_at, dropout_at = apis.RNN_DROPOUT_ARGUMENTS[qualname]
        layers = argument(call, layers_at, "num_layers")
        dropout = argument(call, dropout_at, "dropout")
        if layers is None or dropout is None:
            return False
        stacked, rate = number(model, layers), number(model, dropout)
        return stacked is not None and stacked > 1 and rate is not None and rate > 0
    if qualname not in apis.MODE_DEPENDENT_LAYERS:
        return False
    if qualname in apis.TORCH_DROPOUT_LAYERS:
        p = argument(call, 0, "p")
        if p is None:
            return True
        # also ``nn.Dropout(dropout)`` of ``Net(dropout=0.1)``, and of
        # ``Net(dropout=0.5)`` beside ``Net(dropout=0.3)``
        values = possible_numbers(model, p)
        return bool(values) and all(value > 0 for value in values or ())
    tracking = argument(call, 4, "track_running_stats")
    return tracking is None or literal_value(tracking) is True


def _handed_away(model: ModuleIndex, receiver: str) -> bool:
    """The model object is passed to a call this file does not define (which
    could put it in eval mode), other than a project function whose summary
    says it never switches that parameter's mode (``iwae_loss(vae, x)`` in
    ``losses.py`` only calls it: ``FunctionSummary.mode_safe``)."""
    index = loops(model)
    for site in model.calls:
        for position, arg in enumerate(site.node.args):
            if dotted_text(arg.value) != receiver:
                continue
            if site.qualname is not None and (
                site.qualname.startswith((apis.TORCH_PREFIX, apis.BUILTINS_PREFIX))
                or site.qualname in apis.OBJECT_COPIES
            ):
                continue  # torch's own functions, print() and deepcopy do not switch modes
            if index.resolve_function(site.node) is None and not (
                _plain_class_built(model, site.node)
                or _mode_safe_in_callee(model, site.node, position)
            ):
                return True
    return False


def _plain_class_built(model: ModuleIndex, call: cst.Call) -> bool:
    """``Trainer(model, optimizer)`` of a same-file class deriving from
    nothing else (recitation-3's hand-written trainer, audit s165): an
    ``eval()`` its methods call is in this file, among those the analysis
    reads (``_switched_models``), unless a method hands what it keeps
    (``self.model``) to a function out of sight."""
    value = kinds_of(model).value_of(call.func)
    if not isinstance(value, ClassRef) or not plain_class(model, value.cls):
        return False
    index = loops(model)
    for inner in calls_in(value.cls, memo_of(model)):
        site = model.call_site(inner)
        qualname = site.qualname if site is not None else None
        if qualname is not None and qualname.startswith((apis.TORCH_PREFIX, apis.BUILTINS_PREFIX)):
            continue
        if index.resolve_function(inner) is None and any(
            isinstance(a.value, cst.Attribute) and dotted_text(a.value.value) == "self"
            for a in inner.args
        ):
            return False
    return True


def _mode_safe_in_callee(model: ModuleIndex, call: cst.Call, position: int) -> bool:
    """The argument at ``position`` goes to a parameter that the project
    function of another module ``call`` runs never puts in another mode."""
    context = project_context()
    value = kinds_of(model).value_of(call.func)
    ref = getattr(value, "ref", None)
    if context is None or not isinstance(value, Foreign) or not isinstance(ref, SFunction):
        return False
    if "." in ref.name or any(a.star for a in call.args):
        return False  # a method: ``self`` shifts the positions
    summary = context.function_summary(ref)
    if summary is None:
        return False
    arg = call.args[position]
    if arg.keyword is not None:
        param = arg.keyword.value
    elif position < len(summary.params):
        param = summary.params[position]
    else:
        return False
    return param in summary.mode_safe


#: what a function may do with a model it is handed without switching its mode
#: (``model(x)``, ``model.parameters()``, ``model.encoder(x)``): anything but these
_SWITCHES_MODE = frozenset(
    {
        "train",
        "eval",
        "training",
        "apply",
        "modules",
        "children",
        "named_modules",
        "named_children",
        "requires_grad_",
    }
)
#: libraries whose functions only read what a model's attribute holds
_SIZING_ROOTS = frozenset({"torch", "numpy", "math"})
#: attributes of a model that are plain values, not submodules
_PLAIN_ATTRIBUTES = frozenset({"device", "dtype", "config", "training", "num_classes"})
#: builtins that only look at what they are given
_LOOKING = frozenset({"isinstance", "print", "len", "id", "type", "repr", "str", "hasattr"})


def mode_safe_params(model: ModuleIndex, func: cst.FunctionDef) -> tuple[str, ...]:
    """For the function's summary: the parameters it surely never puts in
    another mode (so a caller handing it a model keeps knowing the model's
    mode, LF603): every use of the parameter is a call of it, or an attribute
    of it other than a mode switch (``model.train()``, ``.eval()``,
    ``.training = ...``, ``.apply(fn)``, iterating ``.modules()``) that is not
    handed on, or an argument of a same-file function that is itself safe
    with it; never rebound, stored or passed to another call."""
    names = _param_names(func)
    return tuple(n for n in names if _param_mode_safe(model, func, n, set()))


def _param_names(func: cst.FunctionDef) -> list[str]:
    names = param_names(func.params)
    return names[1:] if names[:1] == ["self"] else names


def _param_mode_safe(
    model: ModuleIndex, func: cst.FunctionDef, param: str, seen: set[tuple[int, str]]
) -> bool:
    key = (id(func), param)
    if key in seen:
        return True  # a recursive call: the other uses decide
    if len(seen) > _MAX_HANDED:
        return False
    seen.add(key)
    uses = names_in(func.body, param, memo_of(model))
    return all(_mode_safe_use(model, use, seen) for use in uses)


#: same-file functions followed when a parameter is handed on
_MAX_HANDED = 8


def _mode_safe_use(model: ModuleIndex, name: cst.Name, seen: set[tuple[int, str]]) -> bool:
    """``model(x)``, ``model.encoder(x)``, ``model.parameters()``,
    ``isinstance(model, ...)``, ``helper(model, x)`` of a same-file helper
    safe with it: a use that cannot switch the mode of the model or of a
    submodule (``model.module.eval()``, ``f(model.backbone)``)."""
    node: cst.CSTNode = name
    parent = model.parent(node)
    while isinstance(parent, cst.Attribute) and parent.value is node:
        if parent.attr.value in _SWITCHES_MODE:
            return False
        node, parent = parent, model.parent(parent)
    if isinstance(parent, cst.Call) and parent.func is node:
        # called: its arguments must not hand the model on (``m.add_module(m)``)
        return not any(names_in(arg.value, name.value) for arg in parent.args)
    if node is not name:
        # an attribute read (``model.config.n``), not stored nor handed on
        # (``x.to(model.device)`` hands on a device, not a module)
        if isinstance(parent, cst.Arg) and isinstance(node, cst.Attribute):
            if node.attr.value in _PLAIN_ATTRIBUTES:
                return True
            # ``torch.zeros(n, net.hidden)``: a framework function sizes a
            # tensor with it; it switches no module's mode
            call = model.parent(parent)
            qualname = model.qualname(call.func) if isinstance(call, cst.Call) else None
            return qualname is not None and qualname.split(".", 1)[0] in _SIZING_ROOTS
        return not isinstance(parent, (cst.Arg, cst.AssignTarget, cst.Element, cst.AugAssign))
    if not isinstance(parent, cst.Arg):
        return False
    call = model.parent(parent)
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Name):
        return False
    if call.func.value in _LOOKING:
        return True
    callee = loops(model).resolve_function(call)
    if callee is None or parent.star:
        return False
    if parent.keyword is not None:
        target = parent.keyword.value
    else:
        index = [a for a in call.args if a.keyword is None].index(parent)
        names = _param_names(callee)
        if index >= len(names):
            return False
        target = names[index]
    return _param_mode_safe(model, callee, target, seen)


def _after_module_level_training(
    model: ModuleIndex, index: LoopIndex
) -> dict[int, cst.SimpleStatementLine]:
    """The calls of module-level statements that follow a module-level
    training loop (a notebook's ``preds = model(X_test)`` after its training
    cell): evaluation passes too when what they compute is evaluation."""
    training = {
        id(stmt)
        for loop in index.loops
        if loop.is_training
        and isinstance(loop.node, (cst.For, cst.While))
        and (stmt := _top_statement(model, loop.node)) is not None
    }
    if not training:
        return {}
    found: dict[int, cst.SimpleStatementLine] = {}
    trained = False
    memo = memo_of(model)
    for stmt in model.module.body:
        if id(stmt) in training:
            trained = True
        elif trained and isinstance(stmt, cst.SimpleStatementLine):
            for call in calls_in(stmt, memo):
                found[id(call)] = stmt
    return found


def _after_restored_weights(model: ModuleIndex, index: LoopIndex) -> dict[int, cst.CSTNode]:
    """In a file that trains nothing, the calls of the model whose weights a
    module-level ``model.load_state_dict(...)`` restored, in the module-level
    statements after it (an inference notebook's test loop feeding sklearn's
    metrics: Deceptrax123's crop-weed segmentation, audit s205)."""
    if any(e.kind in _TRAINING_EVENTS for e in index.events):
        return {}
    found: dict[int, cst.CSTNode] = {}
    restored: set[str] = set()
    memo = memo_of(model)
    for stmt in model.module.body:
        if restored and isinstance(stmt, (cst.SimpleStatementLine, cst.For)):
            for call in calls_in(stmt, memo):
                if dotted_text(call.func) in restored:
                    found[id(call)] = stmt
        if isinstance(stmt, cst.SimpleStatementLine):
            for call in calls_in(stmt, memo):
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value == "load_state_dict":
                    receiver = dotted_text(func.value)
                    if receiver is not None:
                        restored.add(receiver)
    return found


def _over_a_loader(model: ModuleIndex, region: cst.CSTNode) -> bool:
    """``for x, y in loader:`` / ``for i, b in enumerate(DataLoader(...)):``:
    a loop over batches of a data loader (built here, or named so)."""
    if not isinstance(region, cst.For):
        return False
    source = region.iter
    if isinstance(source, cst.Call) and model.qualname(source.func) == "builtins.enumerate":
        source = source.args[0].value if source.args else source
    return _loader_source(model, source)


def _loader_source(model: ModuleIndex, source: cst.BaseExpression) -> bool:
    """``DataLoader(...)``, a name bound to one, or a name that says loader."""
    made = reaching_assignment(model, source) if isinstance(source, cst.Name) else source
    if isinstance(made, cst.Call) and model.qualname(made.func) in apis.DATA_LOADERS:
        return True
    return _a_loader(source)


#: what a file that trains does
_TRAINING_EVENTS = frozenset({"backward", "step", "own_step", "manual"})


def _after_training_in_function(model: ModuleIndex, index: LoopIndex, region: cst.CSTNode) -> bool:
    """``region`` is a statement of a function's body that follows one holding
    a loop that trains (``for epoch ...: ... backward() ...`` then ``with
    torch.no_grad(): for xv, yv in val_loader: ...``, audit s162): the
    function's pass after its training, as after a notebook's training cell."""
    func = model.enclosing(region, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or not isinstance(func.body, cst.IndentedBlock):
        return False
    body: list[cst.CSTNode] = list(func.body.body)
    top: cst.CSTNode = region
    while model.parent(top) is not func.body:
        up = model.parent(top)
        if up is None or up is func:
            return False
        top = up
    if top not in body:
        return False
    before = body[: body.index(top)]
    memo = memo_of(model)
    trained = {
        id(loop.node)
        for loop in index.loops
        if loop.is_training and isinstance(loop.node, (cst.For, cst.While))
    }
    return any(
        id(node) in trained
        for stmt in before
        for node in ([stmt] if isinstance(stmt, (cst.For, cst.While)) else [])
        + nodes_in(stmt, cst.For, cst.While, memo=memo)
    )


def _evaluated_after(model: ModuleIndex, region: cst.CSTNode) -> bool:
    """``with torch.no_grad(): preds = model(x)`` (or, after a module-level
    training loop, ``preds = model(X_test)``) followed, in the same block, by
    an evaluation of what the block assigned (``acc = (preds.argmax(1) ==
    y).float().mean()``)."""
    if not isinstance(region, (cst.With, cst.SimpleStatementLine, cst.For)):
        return False
    block = model.parent(region)
    body = getattr(block, "body", None)
    if not isinstance(body, (list, tuple)) or region not in body:
        return False
    memo = memo_of(model)
    assigned = {
        t.target.value
        for node in nodes_in(region, cst.Assign, memo=memo)
        for t in node.targets  # type: ignore[attr-defined]
        if isinstance(t.target, cst.Name)
    }
    if not assigned:
        return False
    following = list(body)[list(body).index(region) + 1 :][:_FOLLOWING]
    for statement in following:
        if _reads_any_of(model, statement, assigned) and _evaluates(model, statement):
            return True
    return False


#: statements after a no_grad block read for the evaluation of its results
_FOLLOWING = 5

#: calls that move or convert a collected output and keep what it holds
_KEEPING = apis.VALUE_KEEPING_METHODS | apis.DETACHING_METHODS


def _collects_outputs(model: ModuleIndex, region: cst.CSTNode, call: cst.Call) -> bool:
    """The pass runs the model over a data set's batches (``for x, y in
    loader``, in a loop of the region) and collects what it computes
    (``feats.append(mu.cpu())``): predictions or features for later use,
    computed in train mode."""
    memo = memo_of(model)
    around = set(map(id, model.ancestors(call)))
    loops_in = [n for n in nodes_in(region, cst.For, memo=memo) if id(n) in around]
    if not loops_in:
        # ``for inputs in loader: with torch.no_grad(): ...``: the region is
        # the body of the loop over batches (VRP_DRL_MHA's rollout, audit s222)
        outer = model.enclosing(region, cst.For)
        if outer is None or model.enclosing(outer, cst.FunctionDef) is not model.enclosing(
            region, cst.FunctionDef
        ):
            return False
        loops_in = [outer]
    # over a data set's (input, label) batches: samples drawn from noise
    # (``for z in fixed_noise: samples.append(gen(z))``) are no evaluation
    loop = cast(cst.For, loops_in[0])
    batch = loop.target
    if not isinstance(batch, (cst.Tuple, cst.List)) and not (
        isinstance(batch, cst.Name) and _loader_source(model, loop.iter)
    ):
        # ``for x in loader:`` of a data set of bare tensors is a pass too
        return False
    inputs = target_names(batch)
    if not any(names_in(arg.value, name) for arg in call.args for name in inputs):
        return False
    computed = _bound_from(model, loop, call)
    for site in calls_in(loop, memo):
        func = site.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend")):
            continue
        if len(site.args) != 1:
            continue
        arg = site.args[0].value
        while True:
            if (
                isinstance(arg, cst.Call)
                and isinstance(arg.func, cst.Attribute)
                and arg.func.attr.value in _KEEPING
            ):
                arg = arg.func.value
            elif isinstance(arg, cst.Subscript):
                arg = arg.value  # ``out.cpu()[keep]``: some of the same values
            elif isinstance(arg, cst.Attribute) and arg.attr.value == "data":
                arg = arg.value  # ``pred.cpu().data.numpy()`` (resnet1d, audit s154)
            else:
                break
        if arg is call or (isinstance(arg, cst.Name) and arg.value in computed):
            return True
    return False


def _a_loader(expr: cst.BaseExpression) -> bool:
    """``loader``, ``self.val_loader``, ``test_dataloader``: named a loader."""
    text = dotted_text(expr)
    return text is not None and "loader" in text.rsplit(".", 1)[-1].lower()


def _evaluates(model: ModuleIndex, region: cst.CSTNode, call: cst.Call | None = None) -> bool:
    """The region computes what evaluation computes: a loss, an argmax, a
    comparison, a metric, an error (a squared or absolute difference), or
    predictions it writes to a file (with ``call``, the model call: what is
    written reads its output, not the inputs: a GAN's noise vectors saved
    beside its samples, audit R17)."""
    kinds = kinds_of(model)
    memo = memo_of(model)
    for writer in calls_in(region, memo):
        if writer in kinds.loss_calls:
            return True
        qualname = model.qualname(writer.func)
        if qualname is not None:
            short = qualname.rsplit(".", 1)[-1]
            if qualname.startswith(apis.SKLEARN_METRICS_PREFIX) or short in ("argmax", "max"):
                return True
            if qualname in apis.VALUE_WRITERS and (
                call is None or _reads_output(model, region, call, writer)
            ):
                return True  # predictions written out (Demfier's ``predict_probas``, audit s161)
            continue
        func = writer.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        if isinstance(func, cst.Name):
            name = func.value
        if name is None:
            continue
        if name in _EVAL_METHODS and isinstance(func, cst.Attribute):
            return True
        if (
            name in apis.VALUE_WRITER_METHODS
            and isinstance(func, cst.Attribute)
            and (call is None or _reads_output(model, region, call, writer))
        ):
            return True
        if any(word in name.lower() for word in _METRIC_WORDS):
            return True

    for node in nodes_in(region, cst.Comparison, memo=memo):
        if _equality_or_threshold(kinds, node):  # type: ignore[arg-type]
            return True
    return any(
        _error_of(model, node)
        for node in nodes_in(region, cst.BinaryOperation, cst.Call, memo=memo)
    )


def _binds_a_loss(model: ModuleIndex, region: cst.CSTNode) -> bool:
    """A loop over held-out data binds a name of a loss (``TLoss =
    -torch.mean(y * torch.log(prob))``, ``SumLoss += ...``): a validation
    loss written by hand (sagieppel's FCN, audit s167)."""
    for node in nodes_in(region, cst.Assign, cst.AugAssign, memo=memo_of(model)):
        targets = (
            [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]  # type: ignore[attr-defined]
        )
        if any(isinstance(t, cst.Name) and "loss" in t.value.lower() for t in targets):
            return True
    return False


def _reads_output(
    model: ModuleIndex, region: cst.CSTNode, call: cst.Call, writer: cst.Call
) -> bool:
    """``writer`` (``np.save(path, preds)``, ``df.to_csv(...)``) writes what
    the model ``call`` gave: the call itself, or a name the region binds from
    it (``preds = out.argmax(1)``, ``rows.append(out)``), two steps deep."""
    made = _bound_from(model, region, call)
    for _ in range(2):
        for source, targets in _flows_in(model, region):
            if model.within(call, source) or _reads_any_of(model, source, made):
                for target in targets:  # (``rows.append(model(x))`` too)
                    made |= target_names(target)
    return model.within(call, writer) or _reads_any_of(model, writer, made)


def _bound_from(model: ModuleIndex, node: cst.CSTNode, call: cst.Call) -> set[str]:
    """The names the assignments under ``node`` bind to what holds the model
    ``call`` (``out = model(x)``, ``out, h = model.forward(x)``,
    ``pred = model(x).argmax(1)``)."""
    around = set(map(id, model.ancestors(call)))
    bound: set[str] = set()
    for found in nodes_in(node, cst.Assign, memo=memo_of(model)):
        assign = cast(cst.Assign, found)
        if assign.value is call or id(assign.value) in around:
            for target in assign.targets:
                bound |= target_names(target.target)
    return bound


def _flows_in(
    model: ModuleIndex, region: cst.CSTNode
) -> Iterator[tuple[cst.CSTNode, list[cst.BaseExpression]]]:
    """(value, targets) of the region's assignments, and of its
    ``rows.append(x)`` calls (the list then holds ``x``)."""
    for node in nodes_in(region, cst.Assign, cst.AugAssign, cst.Call, memo=memo_of(model)):
        if isinstance(node, cst.Assign):
            yield node.value, [t.target for t in node.targets]
        elif isinstance(node, cst.AugAssign):
            yield node.value, [node.target]
        elif isinstance(node, cst.Call):
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in ("append", "extend")
                and isinstance(func.value, cst.Name)
            ):
                yield node, [func.value]


def _reads_any_of(model: ModuleIndex, node: cst.CSTNode, names: set[str]) -> bool:
    return bool(names) and any(
        cast("cst.Name", n).value in names for n in nodes_in(node, cst.Name, memo=memo_of(model))
    )


def _error_of(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """A squared or absolute difference (``((model(x) - x) ** 2).mean(1)``,
    ``torch.abs(out - y)``): a reconstruction error or an anomaly score."""
    if not isinstance(node, cst.BaseExpression):
        return False
    operand = num.square_base(model, node) or num.abs_operand(model, node)
    if operand is None and isinstance(node, cst.Call) and node.args:
        # ``abs(out - y)``, ``np.abs(...)``: the same error, computed off the graph
        if model.qualname(node.func) in apis.PLAIN_ABS:
            operand = node.args[0].value
    return operand is not None and num.is_binop(operand, cst.Subtract)


_ORDERINGS = (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual)


def _equality_or_threshold(kinds: KindAnalysis, node: cst.Comparison) -> bool:
    """``preds == y``, or probabilities cut at a threshold (``sigmoid(out) >
    0.5``: hard predictions, like an argmax); ``i > 10`` is control flow, and
    a random draw against a rate (``torch.rand(n) < 0.15``, a mask) no
    prediction: the value kinds say which side holds probabilities."""
    left = node.left
    for target in node.comparisons:
        if isinstance(target.operator, cst.Equal):
            # ``y.shape == a.shape``: a smoke test of a module, no prediction;
            # nor ``set(out.keys()) == {8}``, ``name == "train"``: a literal
            # collection or a string is no label
            sides = (left, target.comparator)
            return not any(
                num.shape_read(side) or _literal_display(kinds.model, side) for side in sides
            )
        if isinstance(target.operator, _ORDERINGS) and (
            _probability_cut(left)
            and _probabilities(kinds, target.comparator)
            or _probability_cut(target.comparator)
            and _probabilities(kinds, left)
        ):
            return True
        left = target.comparator
    return False


def _literal_display(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 2) -> bool:
    """A string, or a set/list/tuple/dict written out of literals; also a name
    bound once to one, and ``set(...)``/``sorted(...)``/``list(...)``/
    ``tuple(...)`` of one (``set(granularities)``)."""
    if isinstance(expr, cst.Name) and depth > 0:
        bound = reaching_assignment(model, expr)
        return bound is not None and _literal_display(model, bound, depth - 1)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in ("set", "sorted", "list", "tuple", "frozenset")
        and not model.bindings(expr.func)
        and len(expr.args) == 1
        and not expr.args[0].star
        and depth > 0
    ):
        return _literal_display(model, expr.args[0].value, depth - 1)
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(expr, (cst.Set, cst.List, cst.Tuple)):
        return all(
            not isinstance(e, cst.StarredElement) and literal_value(e.value) is not NotImplemented
            for e in expr.elements
        )
    if isinstance(expr, cst.Dict):
        return not expr.elements
    return False


def _probabilities(kinds: KindAnalysis, expr: cst.BaseExpression) -> bool:
    return kinds.kind(expr) in (Kind.PROBS, Kind.SIGMOID_PROBS)


def _probability_cut(expr: cst.BaseExpression) -> bool:
    value = literal_value(expr)
    return isinstance(value, float) and 0.0 < value < 1.0


# --- models that compute the same in both modes (LF309) ------------------------------
