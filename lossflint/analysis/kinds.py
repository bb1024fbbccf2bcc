"""Value kinds: what each expression holds where it is evaluated.

The value-kind domain of the abstract interpreter (``interpreter/`` runs the
statements, functions, classes, closures and rounds): tensors of a known kind
(probabilities, logits, class indices, losses ...), ``torch.nn`` layers,
``nn.Sequential`` stacks and loss objects, and how framework calls, tensor
methods and operators produce them. Calls of losses are recorded as
``LossCall``s, so the LF1xx rules read one list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis, tensor_lists
from lossflint.analysis.accelerators import passed_through
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import (
    argument,
    has_star_args,
    iterable_index,
    keyword,
    literal_value,
    positional,
    super_method,
)
from lossflint.analysis.hf_metrics import metrics_trainer
from lossflint.analysis.interpreter import Env, Interpreter
from lossflint.analysis.interpreter.syntax import param_names
from lossflint.analysis.label_shifts import keeps_class_indices
from lossflint.analysis.layer_lists import private_list
from lossflint.analysis.loss_holders import loss_holder_classes
from lossflint.analysis.mask_names import named_like_a_mask
from lossflint.analysis.names import Scope, dotted_text
from lossflint.analysis.reaching import iterated_parts
from lossflint.analysis.registries import added_to
from lossflint.analysis.type_tests import class_test
from lossflint.analysis.values import (
    NONE,
    UNKNOWN,
    AnyLoss,
    ApiFunction,
    Batches,
    ClassRef,
    DictValue,
    Distribution,
    EvalPrediction,
    Foreign,
    FunctionRef,
    Instance,
    Instances,
    Layer,
    LayerList,
    LossObject,
    ProbSum,
    Registry,
    Sequential,
    Tensor,
    TensorList,
    Thunk,
    TupleValue,
    Value,
    VisionModel,
    common_tail,
)
from lossflint.analysis.walk import nodes_in
from lossflint.project import bridge, callers
from lossflint.project.summary import (
    CallRecord,
    Origin,
    SDict,
    SInstance,
    SKerasModel,
    SLayer,
    SLoss,
    SSequential,
    STensor,
    STuple,
    SValue,
)

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: ``nn.Module`` methods that return the module itself
_MODULE_SELF_METHODS = frozenset(
    {"to", "cuda", "cpu", "train", "eval", "float", "half", "double", "requires_grad_"}
)
_LAYER_SELF_METHODS = _MODULE_SELF_METHODS - {"requires_grad_"}


@dataclass(frozen=True)
class ForeignLoss(Value):
    """A loss object built in another project module (``criterion =
    nn.CrossEntropyLoss()`` in ``losses.py``, imported): its summary, which
    carries the class and its constructor's keywords as text."""

    ref: SLoss

    @property
    def functional(self) -> str:
        return self.ref.functional


@dataclass(eq=False)
class LossCall:
    """A call of a loss: functional (``F.cross_entropy(x, y)``) or through a
    loss object (``crit(x, y)``), with its values at that point."""

    node: cst.Call
    functional: str
    input_expr: cst.BaseExpression | None
    target_expr: cst.BaseExpression | None
    #: the constructor call for loss objects (its keywords apply too)
    ctor: cst.Call | None = None
    keywords: dict[str, cst.BaseExpression] = field(default_factory=dict)
    where: str = ""
    #: a loss object built in another project module (then ``ctor`` is None
    #: and ``keywords`` holds its constructor's keywords, parsed from the summary)
    foreign: SLoss | None = None
    #: the same construction written in other branches too (a fix of ``ctor``
    #: alone would be partial)
    other_ctors: tuple[cst.Call, ...] = ()

    @property
    def is_object(self) -> bool:
        """Called through a loss object (``crit(x, y)``), not the functional form."""
        return self.ctor is not None or self.foreign is not None

    @property
    def built_at(self) -> Origin | None:
        """Where a loss object of another module was built (``losses.py:3``)."""
        return self.foreign.origin if self.foreign is not None else None


class KindAnalysis(Interpreter[Value]):
    """The value-kind domain; ``run`` (in ``__init__``) fills ``values`` and
    ``loss_calls``."""

    NONE = NONE

    # a Keras ``Layer``/``Model`` subclass runs its ``call`` (the base class's
    # ``__call__`` dispatches to it): after ``__call__``, which a class
    # defining both runs itself
    CALL_METHODS = ("forward", "__call__", "call")
    PINS_FROM_OTHER_FILES = True
    #: a function with one call site sees the module names as they are there
    #: (two sites joined would lose the model each trains: module's end then)
    GLOBALS_AT_CALL_SITES = "one_site"
    # its hooks read no fact they record; ``loss_calls`` is a dict written
    # again with the same call's loss
    SKIPS_REPEATED_PASS = True

    def __init__(self, model: ModuleIndex) -> None:
        super().__init__(model, UNKNOWN)
        self.loss_calls: dict[cst.Call, LossCall] = {}
        self.run()

    def method_pinned_classes(self) -> dict[str, cst.ClassDef]:
        return loss_holder_classes(self.model)

    # --- public -----------------------------------------------------------

    def value_of(self, expr: cst.BaseExpression) -> Value:
        found = self.values.get(expr)
        if found is not None:
            return found
        if type(expr) is cst.Name and self._function_local(expr):
            return UNKNOWN
        return self.evaluate_alone(expr)

    def _function_local(self, name: cst.Name) -> bool:
        """``name`` reads a variable of the function around it (or of one
        enclosing it) that the interpreter recorded no value for: not the
        module's name of that spelling (a unit test's ``gen = torch.zeros_like``
        is not the module's ``gen = UNet()``, audit s162). A parameter's
        default is read where the function is defined."""
        model = self.model
        scope: Scope | None = model.scope_of(name)
        ident = name.value
        while scope is not None and scope.kind in ("function", "lambda"):
            if ident in scope.globals:
                return False
            found = None if ident in scope.nonlocals else scope.bindings.get(ident)
            if found is not None:
                if any(b.kind == "param" for b in found) and model.enclosing(name, cst.Param):
                    return False
                return True
            scope = scope.parent
        return False

    def kind(self, expr: cst.BaseExpression) -> Kind:
        value = self.value_of(expr)
        return value.kind if isinstance(value, Tensor) else Kind.UNKNOWN

    def _activation_kind(self, activation: cst.BaseExpression | None) -> Kind | None:
        """The kind a Keras ``activation`` argument (``"softmax"``,
        ``tf.nn.sigmoid``) gives: probabilities, or None."""
        if activation is None:
            return None
        name = literal_value(activation)
        if not isinstance(name, str):
            name = apis.ACTIVATION_FUNCS.get(self.model.qualname(activation) or "")
        if name is not None:
            name = apis.ACTIVATION_STRINGS.get(name, name)
        return {"softmax": Kind.PROBS, "sigmoid": Kind.SIGMOID_PROBS}.get(name or "")

    def describe(self, value: Value) -> str:
        """Evidence for a message: "softmax at line 41 (Net.forward)", or for
        a kind that comes from another project module "F.softmax at
        models/net.py:18 in Net.forward"."""
        site = getattr(value, "site", None)
        if site is not None:
            return str(site.describe())
        origin = getattr(value, "origin", None)
        if origin is None:
            return ""
        try:
            line = self.model.line_of(origin)
        except KeyError:
            return ""
        what = _origin_label(self.model, origin)
        where = getattr(value, "where", "")
        suffix = f" in {where}" if where and where not in ("<module>", "?") else ""
        return f"{what} at line {line}{suffix}"

    # --- domain -------------------------------------------------------------

    def contract_pins(self) -> list[tuple[cst.FunctionDef, str, Value]]:
        found: list[tuple[cst.FunctionDef, str, Value]] = []
        for init, records in self._external_inits.items():
            cls = self.class_of_method(init)
            pin = hf_trainer_model_pin(self.model, cls, init, records) if cls else None
            if pin is not None:
                values = [self.from_summary(given) for given in pin.models]
                found.append((pin.method, pin.param, self._join_all(values)))
        return found

    def begin_round(self) -> None:
        self.loss_calls = {}

    def attribute(self, expr: cst.Attribute, base: Value) -> Value:
        if isinstance(base, Tensor) and base.kind is Kind.LOSS and expr.attr.value == "data":
            return UNKNOWN  # ``loss.data``: no graph
        if isinstance(base, Tensor) and expr.attr.value in ("data", "T", "mT"):
            return base
        if isinstance(base, Distribution) and expr.attr.value == "probs":
            # ``torch.log(pi.probs)`` of ``OneHotCategorical(logits=z)``
            # (tonyduan/mdn, audit s201)
            return Tensor(base.probs, origin=base.origin, where=base.where)
        if isinstance(base, EvalPrediction) and expr.attr.value in _EVAL_PREDICTION_FIELDS:
            return base.items[_EVAL_PREDICTION_FIELDS.index(expr.attr.value)]
        return UNKNOWN

    def type_test_truth(self, test: cst.BaseExpression, env: Env) -> bool | None:
        """``type(objective) == nn.CrossEntropyLoss`` (``is``, ``isinstance``,
        joined with ``or``) on a loss object whose class is known: the
        branches a dispatch on the loss's class does not take for it."""
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
            left = self.type_test_truth(test.left, env)
            right = self.type_test_truth(test.right, env)
            if left is True or right is True:
                return True
            return False if left is False and right is False else None
        found = class_test(self.model, test)
        if found is None or found.operator is None:
            return None
        classes = set()
        for tested in found.classes:
            name = tested.rsplit(".", 1)[-1] if tested else ""
            # a concrete torch loss class (none subclasses another): not
            # ``_Loss`` or ``nn.Module``, whose instances every loss object is
            if not tested or not tested.startswith(apis.TORCH_PREFIX):
                return None
            if name.startswith("_") or not name.endswith("Loss"):
                return None
            classes.add(name)
        value = env.get(found.subject)
        if isinstance(value, LossObject):
            qualname = self.model.qualname(value.ctor.func) or ""
        elif isinstance(value, ForeignLoss):
            qualname = value.ref.name
        else:
            return None
        if not qualname.startswith(apis.TORCH_PREFIX):
            return None
        return qualname.rsplit(".", 1)[-1] in classes

    def callback_arguments(self, expr: cst.BaseExpression, func: cst.FunctionDef) -> Env | None:
        trainer = metrics_trainer(self.model, expr)
        params = param_names(func.params)
        if trainer is None or not params:
            return None
        logits = Tensor(Kind.LOGITS, origin=trainer, where=self.frame.label)
        return {params[0]: EvalPrediction((logits, UNKNOWN))}

    def subscript(self, expr: cst.Subscript, base: Value) -> Value:
        if isinstance(base, TensorList):
            return tensor_lists.subscripted(expr, base)
        if isinstance(base, LayerList):
            return _layer_of(expr, base)
        return base if isinstance(base, Tensor) else UNKNOWN

    def _module_list(self, call: cst.Call, args: list[Value]) -> Value:
        """``nn.ModuleList([nn.Sequential(...), ...])``: its modules, in order
        (``.append`` grows it like a list of layers)."""
        if args and isinstance(args[0], LayerList):
            return args[0]
        listed = argument(call, 0, "modules")
        if isinstance(listed, cst.List) and all(type(e) is cst.Element for e in listed.elements):
            return LayerList(tuple(self.value_of(e.value) for e in listed.elements))
        return UNKNOWN

    def unpacked_item(self, value: Value) -> Value:
        # rows (or the parts a split made) of probabilities are probabilities
        return value if isinstance(value, Tensor) and value.kind in _PART_KINDS else UNKNOWN

    def join_values(self, a: Value, b: Value) -> Value:
        if (
            isinstance(a, LossObject)
            and isinstance(b, LossObject)
            and a.functional == b.functional
            and _same_construction(self.model, a.ctor, b.ctor)
        ):
            # ``if gpu: bce = nn.BCELoss().cuda() else: bce = nn.BCELoss()``
            if a.ctor is b.ctor:
                return a
            others = tuple(dict.fromkeys((*a.others, b.ctor, *b.others)))
            return replace(a, others=tuple(c for c in others if c is not a.ctor))
        if (
            isinstance(a, ForeignLoss)
            and isinstance(b, ForeignLoss)
            and (a.ref.functional, a.ref.keywords) == (b.ref.functional, b.ref.keywords)
        ):
            return a  # the same loss of another module, located at two places
        if isinstance(a, _LOSS_OBJECTS) and isinstance(b, _LOSS_OBJECTS):
            return AnyLoss()  # another loss on each branch: a loss, not which
        if isinstance(a, LayerList) and isinstance(b, LayerList):
            return LayerList(common_tail(a.items, b.items, UNKNOWN))
        if isinstance(a, TensorList) and isinstance(b, TensorList):
            return tensor_lists.joined(a, b)
        if (
            isinstance(a, Sequential)
            and isinstance(b, Sequential)
            and a.origin is not None
            and a.origin is b.origin
            and a != b
        ):
            # ``model = nn.Sequential()`` grown by ``add_module`` in a loop: the
            # layers both paths end with, after what is not known
            return Sequential(common_tail(a.layers, b.layers, UNKNOWN), a.origin)
        if isinstance(a, DictValue) and isinstance(b, DictValue) and a != b:
            # ``return {"logits": z}`` on two paths: the keys both agree on
            theirs_items = dict(b.items)
            return DictValue(
                tuple(
                    (key, self.join(value, theirs_items[key]))
                    for key, value in a.items
                    if key in theirs_items
                )
            )
        mine, theirs = _instances(a), _instances(b)
        if a != b and mine is not None and theirs is not None:
            # `return FM(n)` / `return LR(n)` from one factory, `netD = _netD(...)
            # if opt.imagenet else _netD_CIFAR10(...)`: either class
            classes, foreign = mine[0] | theirs[0], mine[1] | theirs[1]
            if len(classes) + len(foreign) <= _MAX_CLASSES_JOINED:
                return Instances(classes, foreign)
        return super().join_values(a, b)

    def binary(self, op: str, left: Value, right: Value, node: cst.CSTNode) -> Value:
        if op == "Add" and isinstance(left, LayerList):
            # ``layers += [nn.Linear(h, 1)]``
            return LayerList(grown(left.items, right))
        if op == "Add" and isinstance(left, TensorList):
            # ``outputs = outputs + [p]``
            return tensor_lists.extended(left, right) if isinstance(right, TensorList) else UNKNOWN
        if op == "Power" and isinstance(node, cst.BinaryOperation):
            exponent = literal_value(node.right)
            if (
                isinstance(exponent, int)
                and not isinstance(exponent, bool)
                and exponent % 2 == 0
                and exponent > 0
            ):
                return Tensor(Kind.NON_NEGATIVE, origin=node, where=self.frame.label)
        if (
            op == "Subtract"
            and isinstance(node, cst.BinaryOperation)
            and literal_value(node.left) in (1, 1.0)
            and isinstance(right, Tensor)
            and right.kind is Kind.SIGMOID_PROBS
        ):
            return right  # ``1 - torch.sigmoid(z)`` is ``torch.sigmoid(-z)``
        averaged = _averaged_probs(op, left, right, node, self.frame.label)
        if averaged is not None:
            return averaged
        masked = _masked_probs(op, left, right, node, self.model)
        if masked is not None:
            return masked
        picked = _one_hot_pick(op, left, right)
        if picked is not None:
            return picked
        scores = _linear_map_of_logits(op, left, right)
        if scores is not None:
            return scores
        return _arith(left, right)

    def unary(self, expr: cst.UnaryOperation, operand: Value) -> Value:
        return operand if _is_loss(operand) else UNKNOWN

    def list_display(self, expr: cst.List, items: list[Value]) -> Value:
        if not self._unpacks_into_sequential:
            # no list of this file can become a stack's layers
            return tensor_lists.displayed(expr, items)
        built: tuple[Value, ...] = ()
        for element, value in zip(expr.elements, items, strict=True):
            if type(element) is cst.StarredElement:
                built = grown(built, value)
            else:
                built = (*built, value)
        return LayerList(built)

    def module_attribute(self, qualname: str, expr: cst.Attribute) -> Value:
        if (
            qualname in apis.SOFTMAX
            or qualname in apis.LOG_SOFTMAX
            or qualname in apis.SIGMOID
            # ``loss_fn = F.cross_entropy``: a loss called later under another name
            or qualname in apis.LOSS_FUNCTIONS
        ):
            parent = self.model.parent(expr)
            if not (isinstance(parent, cst.Call) and parent.func is expr):
                return ApiFunction(qualname)  # ``f=torch.sigmoid``: called later
        return UNKNOWN

    def comprehension(self, expr: cst.BaseExpression, element: Value) -> Value:
        # ``[F.softmax(m(x), 1) for x in xs]``: a list of one kind
        if type(expr) is cst.ListComp and isinstance(element, (Tensor, Instance)):
            return TensorList(element)
        return UNKNOWN

    def dict_display(self, expr: cst.Dict, items: list[tuple[str, Value]]) -> Value:
        # a registry of models or losses (``MODELS = {"mlp": MLP}``) ...
        if (
            items
            and len(items) == len(expr.elements)
            and len(items) <= _MAX_CLASSES_JOINED
            and all(isinstance(v, (ClassRef, FunctionRef, Foreign, Thunk)) for _, v in items)
            and not added_to(self.model, expr)
        ):
            return Registry(tuple(items))
        # ... or a dict of tensors of a known kind (a model's outputs), of
        # layers (``nn.ModuleDict({"cls": head})``) or of the training's
        # objects (``{"loss_criterion": nn.BCELoss()}``: SA-ConvLSTM's
        # training parameters, audit s207); configs and logs would only make
        # loops take more passes
        # -- and of models, nested too: a factory's ``{"critic": {"net": critic,
        # "opt": optim}}`` read back as ``init["critic"]["net"]`` (polixir/OfflineRL,
        # audit s219)
        if not any(
            isinstance(value, (Tensor, Layer, Sequential, LossObject, Instance, DictValue))
            for _, value in items
        ):
            return UNKNOWN
        return DictValue(tuple(items))

    @cached_property
    def _unpacks_into_sequential(self) -> bool:
        """The file calls ``nn.Sequential(*...)``: its lists may be layers."""
        return any(
            site.qualname in apis.SEQUENTIAL and has_star_args(site.node)
            for site in self.model.calls
        )

    def api_call(self, call: cst.Call, qualname: str, args: list[Value], env: Env) -> Value:
        where = self.frame.label

        def made(kind: Kind) -> Tensor:
            return Tensor(kind, origin=call, where=where)

        batches = self._batches_call(call, qualname, args)
        if batches is not None:
            return batches
        collected = tensor_lists.collected(call, qualname, args, where)
        if collected is not None:
            return collected
        if qualname == "builtins.list" and not call.args:
            return tensor_lists.EMPTY  # ``outs = list()``, as ``outs = []``
        if qualname in apis.OBJECT_COPIES and args:
            copied = _argument_value(call, args, 0, "x")
            if isinstance(copied, (Instance, Instances, Sequential, Foreign, VisionModel)):
                return copied  # ``baseline = copy.deepcopy(model)``: a model of that class
        if qualname in apis.PART_FUNCTIONS:
            # ``a, b = tf.split(p, 2)``: each part holds some of the same values
            parts = _argument_value(
                call, args, 0, "input" if qualname.startswith("torch") else "value"
            )
            if isinstance(parts, Tensor) and parts.kind in _PART_KINDS:
                return parts
        if qualname == apis.PAD_PACKED:
            # ``pad_packed_sequence(pack_padded_sequence(probs, n))[0]``: the
            # probabilities again, padded with zeros (still in [0, 1])
            packed = _argument_value(call, args, 0, "sequence")
            if isinstance(packed, Tensor) and packed.kind in _PART_KINDS:
                return TupleValue((packed, UNKNOWN))
        if qualname in apis.SELECTION_FUNCTIONS or qualname in apis.TF_SELECTION_FUNCTIONS:
            # a selection of probabilities is still probabilities
            picked = _argument_value(call, args, 0, "input")
            if isinstance(picked, Tensor):
                return picked
        if qualname in apis.WHERE and qualname.startswith("torch"):
            # ``torch.where(mask, probs, torch.ones_like(probs))``: padding
            # filled with probability 1 leaves probabilities
            kept = _argument_value(call, args, 1, "input")
            filler = argument(call, 2, "other")
            if (
                isinstance(kept, Tensor)
                and kept.kind in (Kind.PROBS, Kind.SIGMOID_PROBS)
                and filler is not None
                and (
                    literal_value(filler) in (1, 1.0)
                    or (
                        isinstance(filler, cst.Call)
                        and self.model.qualname(filler.func) in apis.ONES_FACTORIES
                    )
                )
            ):
                return kept
        if qualname in apis.INTERPOLATIONS:
            # a bilinear resize of sigmoid outputs: values in (0, 1) still, and
            # softmax ones still sum to 1 (ACGPN's cross_entropy2d, audit s199)
            resized = _argument_value(call, args, 0, "input")
            mode = argument(call, 3, "mode")
            if (
                isinstance(resized, Tensor)
                and resized.kind in (Kind.PROBS, Kind.SIGMOID_PROBS, Kind.LOGITS)
                and (mode is None or literal_value(mode) in apis.INTERPOLATION_MODES)
            ):
                return resized
        if (
            qualname in apis.SOFTMAX_DISTRIBUTIONS or qualname in apis.SIGMOID_DISTRIBUTIONS
        ) and keyword(call, "logits") is not None:
            kind = Kind.PROBS if qualname in apis.SOFTMAX_DISTRIBUTIONS else Kind.SIGMOID_PROBS
            return Distribution(kind, origin=call, where=where)
        if qualname in apis.SOFTMAX:
            return made(Kind.PROBS)
        if qualname in apis.LOG_SOFTMAX:
            return made(Kind.LOG_PROBS)
        if qualname in apis.SIGMOID:
            return made(Kind.SIGMOID_PROBS)
        if qualname in apis.BOUNDED_ACTIVATIONS:
            return made(Kind.BOUNDED)  # tanh, sin, cos (sigmoid: above)
        if qualname in apis.ARGMAX or qualname in apis.RANDINT:
            return made(Kind.CLASS_INDICES)
        if qualname in apis.ONE_HOT:
            return made(Kind.ONE_HOT)
        if qualname in apis.EXP:
            # ``torch.exp(F.log_softmax(h, 1))``: the probabilities again
            logged = _argument_value(
                call, args, 0, "input" if qualname.startswith("torch") else "x"
            )
            if isinstance(logged, Tensor) and logged.kind is Kind.LOG_PROBS:
                return made(Kind.PROBS)
        if qualname in apis.NON_NEGATIVE_FUNCS:
            return made(Kind.NON_NEGATIVE)
        if qualname in apis.MAX_MIN:
            # torch.max(x, 1) -> (values, indices); torch.max(a, b) is elementwise
            second = argument(call, 1, "dim")
            if second is not None and isinstance(literal_value(second), int):
                values = _max_values(_argument_value(call, args, 0, "input"))
                return TupleValue((values, made(Kind.CLASS_INDICES)))
            return UNKNOWN
        if qualname == apis.FUNCTIONAL_LINEAR:
            return made(Kind.LOGITS)
        if qualname in apis.LAYER_KINDS:
            return Layer(apis.LAYER_KINDS[qualname], qualname, origin=call, where=where)
        if qualname == apis.KERAS_DENSE or qualname in apis.TF_DENSE:
            # `Dense(10, activation="softmax")` / TF1's `tf.layers.dense(h, 10,
            # activation=tf.nn.softmax)`: probabilities (no activation: silent,
            # a regression head is no logits)
            dense = qualname == apis.KERAS_DENSE
            activated = self._activation_kind(argument(call, 1 if dense else 2, "activation"))
            if activated is not None:
                if dense:
                    return Layer(activated, qualname, origin=call, where=where)
                return made(activated)
        if qualname == apis.KERAS_SOFTMAX_LAYER:
            # ``p = Softmax()(h)`` in the functional API (any axis: probabilities)
            return Layer(Kind.PROBS, qualname, origin=call, where=where)
        if qualname == apis.KERAS_ACTIVATION_LAYER:
            # ``Activation("softmax")`` / ``Activation(tf.nn.sigmoid)``; another
            # activation (or one not written as a literal) is silent
            activated = self._activation_kind(argument(call, 0, "activation"))
            if activated is not None:
                return Layer(activated, qualname, origin=call, where=where)
        if qualname in apis.SEQUENTIAL:
            return self._sequential(call, args)
        if qualname in apis.VISION_MODEL_HEADS:
            return VisionModel(qualname, apis.VISION_MODEL_HEADS[qualname])
        if qualname == apis.MODULE_LIST:
            return self._module_list(call, args)
        if qualname in apis.MODULE_DICTS:
            # ``nn.ModuleDict({"cls": nn.Sequential(...)})``: its heads by name
            given = _argument_value(call, args, 0, "modules")
            return given if isinstance(given, DictValue) else UNKNOWN
        if qualname in apis.APPLY_MODULE or qualname in apis.MODULE_WRAPPERS:
            module = _argument_value(call, args, 0, "module")
            if qualname in apis.MODULE_WRAPPERS:
                # another module's model too (``nn.DataParallel(SpeechTransformer(...))``)
                wrapped = (Layer, Sequential, Instance, Instances, Foreign, VisionModel)
                return module if isinstance(module, wrapped) else UNKNOWN
            inputs = _argument_value(call, args, 1, "inputs")
            return self._apply_layer(call, module, inputs)
        if qualname in apis.LOSS_CLASSES:
            return LossObject(apis.LOSS_CLASSES[qualname], call)
        if qualname in apis.GRAPH_KEEPING_REDUCTIONS:
            # ``torch.mean(loss)`` is ``loss.mean()``: still the loss, graph and all
            reduced = _argument_value(call, args, 0, "input")
            if _is_loss(reduced) and len(call.args) == 1:
                return reduced
            if (
                qualname in apis.torch.MEAN
                and isinstance(reduced, Tensor)
                and self._averages_distributions(reduced, argument(call, 1, "dim"))
            ):
                return reduced
            if qualname in apis.SUM and isinstance(reduced, Tensor) and reduced.picked:
                return _picked_entries(reduced, argument(call, 1, "dim", "axis"))
        if qualname in apis.LOSS_FUNCTIONS:
            if self.recording:
                self._record_loss(call, qualname, None)
            return made(Kind.LOSS)
        if qualname in apis.TF_SOFTMAX_CE or qualname in apis.TF_SIGMOID_CE:
            if self.recording:
                self._record_tf_loss(call, qualname)
            return made(Kind.LOSS)
        if qualname in apis.LONG_TENSOR_CTORS:
            return made(Kind.CLASS_INDICES)
        if qualname in apis.CONSTANT_TENSORS:
            # torch.tensor(labels, dtype=torch.long): what `.long()` makes
            dtype = argument(call, 99, "dtype")
            if dtype is not None and self.model.qualname(dtype) in apis.LONG_DTYPES:
                return made(Kind.CLASS_INDICES)
        return UNKNOWN

    def _sequential(self, call: cst.Call, args: list[Value]) -> Value:
        if has_star_args(call):
            return self._unpacked_sequential(call, args)
        layers: list[Value] = list(args)
        if len(call.args) == 1 and isinstance(call.args[0].value, cst.Call):
            inner = call.args[0].value
            if self.model.qualname(inner.func) in apis.LAYER_DICTS:
                layers = self._ordered_dict_layers(inner)
        return Sequential(tuple(layers), origin=call)

    def _unpacked_sequential(self, call: cst.Call, args: list[Value]) -> Value:
        """``nn.Sequential(*layers)`` of a list built here, or
        ``nn.Sequential(*block(a, b), nn.Linear(b, 1))``: the layers after
        what cannot be seen still say what the stack outputs."""
        layers: tuple[Value, ...] = ()
        for arg, value in zip(call.args, args, strict=True):
            if arg.star == "**" or arg.keyword is not None:
                return UNKNOWN
            if not arg.star:
                layers = (*layers, value)
            elif isinstance(arg.value, cst.Name) and private_list(
                self.model, arg.value, apis.SEQUENTIAL
            ):
                layers = grown(layers, value)
            else:
                layers = (*layers, UNKNOWN)
        return Sequential(layers, origin=call)

    def _ordered_dict_layers(self, call: cst.Call) -> list[Value]:
        if len(call.args) != 1 or not isinstance(call.args[0].value, (cst.List, cst.Tuple)):
            return [UNKNOWN]
        layers: list[Value] = []
        for element in call.args[0].value.elements:
            pair = element.value
            if isinstance(pair, cst.Tuple) and len(pair.elements) == 2:
                layers.append(self.eval_quietly(pair.elements[1].value, {}))
            else:
                return [UNKNOWN]
        return layers

    def instance_method(
        self, call: cst.Call, func: cst.Attribute, receiver: Instance, args: list[Value], env: Env
    ) -> Value:
        return receiver if func.attr.value in _MODULE_SELF_METHODS else UNKNOWN

    def _instances_method(
        self, call: cst.Call, name: str, receiver: Instances, args: list[Value], env: Env
    ) -> Value:
        """``model.to(device)`` of one of several classes (``build_model(args.arch)``
        of a registry): the same model when no class defines the method;
        ``model.forward(x)``: what every class's ``forward`` returns, joined."""
        foreign = sorted(receiver.foreign, key=repr)
        if name == "forward" and all(isinstance(f, Foreign) for f in foreign):
            classes = sorted(receiver.classes, key=lambda c: c.name.value)
            methods = [self.method(cls, "forward") for cls in classes]
            if all(m is not None for m in methods):
                # (also of other modules' classes: SACN's models picked by an
                # if/elif chain from ``models.py``, audit s180)
                return self._join_all(
                    [
                        *(
                            self._call_function(call, m, cls, args, env)
                            for m, cls in zip(methods, classes, strict=True)
                            if m is not None
                        ),
                        *(self.call_foreign(call, f) for f in foreign if isinstance(f, Foreign)),
                    ]
                )
        if all(self.method(c, name) is None for c in receiver.classes) and all(
            isinstance(f, Foreign) for f in foreign
        ):
            # ``model.loss(pred, y)``: a loss object every class keeps
            held = [self.class_attrs(c).get(name) for c in receiver.classes]
            held += [self.foreign_attribute(f, name) for f in foreign if isinstance(f, Foreign)]
            if held and all(isinstance(v, (LossObject, ForeignLoss)) for v in held):
                return self._call(call, self._join_all(held), args, env)  # type: ignore[arg-type]
        if name not in _MODULE_SELF_METHODS or any(
            self.method(cls, name) is not None for cls in receiver.classes
        ):
            return UNKNOWN
        for other in receiver.foreign:
            if not isinstance(other, Foreign):
                return UNKNOWN
            if self.foreign_method_call(call, other, name, args, env) is not other:
                return UNKNOWN
        return receiver

    def _batches_call(self, call: cst.Call, qualname: str, args: list[Value]) -> Value | None:
        """Labelled data sets and what keeps their labels: a torchvision
        classification data set, a ``DataLoader``/``Subset``/``random_split``
        of one, ``enumerate``/``tqdm``/``iter`` over one, ``next(...)`` of
        one (None: not such a call)."""
        if qualname in apis.TORCHVISION_CLASSIFICATION_DATASETS:
            changer = argument(call, None, "target_transform")
            if (
                changer is not None
                and literal_value(changer) is not None
                and not keeps_class_indices(self.model, changer)
            ) or self._labels_changed_after:
                return UNKNOWN
            labels = Tensor(Kind.CLASS_INDICES, origin=call, where=self.frame.label)
            return Batches(TupleValue((UNKNOWN, labels)))
        if qualname in apis.DATA_LOADERS:
            if any(keyword(call, name) is not None for name in apis.LOADER_BATCH_CHANGERS):
                return UNKNOWN
            found = _argument_value(call, args, 0, "dataset")
            return found if isinstance(found, Batches) else UNKNOWN
        if qualname in apis.DATASET_SUBSETS:
            found = _argument_value(call, args, 0, "dataset")
            return found if isinstance(found, Batches) else UNKNOWN
        if qualname == apis.RANDOM_SPLIT:
            found = _argument_value(call, args, 0, "dataset")
            lengths = argument(call, 1, "lengths")
            if isinstance(found, Batches) and isinstance(lengths, (cst.List, cst.Tuple)):
                if not any(isinstance(e, cst.StarredElement) for e in lengths.elements):
                    return TupleValue(tuple(found for _ in lengths.elements))
            return UNKNOWN
        if qualname in apis.ITERATION_WRAPPERS:
            at = iterable_index(call)
            found = args[at] if at is not None and at < len(args) else UNKNOWN
            if not isinstance(found, Batches):
                return None
            if qualname == "builtins.enumerate":
                return Batches(TupleValue((UNKNOWN, found.element)))
            return found
        if qualname == apis.NEXT and len(call.args) == 1:
            found = args[0] if args else UNKNOWN
            return found.element if isinstance(found, Batches) else None
        return None

    @cached_property
    def _labels_changed_after(self) -> bool:
        """The file writes a data set's labels (``ds.targets = ...``,
        ``ds.target_transform = ...``): its labels are not the set's own."""
        for node in self.model.nodes_of_type(cst.Attribute):
            if (
                isinstance(node, cst.Attribute)
                and node.attr.value in apis.DATASET_LABEL_ATTRIBUTES
                and _is_written(self.model, node)
            ):
                return True
        return False

    def _assign(self, target: cst.BaseExpression, value: Value, env: Env) -> None:
        loop = self.model.parent(target)
        if value is UNKNOWN and isinstance(loop, cst.For) and loop.target is target:
            # ``for x, y in loader:``: the batches of a labelled data set
            iterated = self.eval_quietly(loop.iter, env)
            if isinstance(iterated, Batches):
                value = iterated.element
            elif isinstance(iterated, TensorList):
                value = tensor_lists.item(iterated)  # ``for p in policies:``
            elif isinstance(iterated, Tensor):
                value = self.unpacked_item(iterated)  # ``for row in probs:``: rows
            else:
                value = self._enumerated_list(loop.iter, env)
        elif value is UNKNOWN and isinstance(loop, cst.CompFor) and loop.target is target:
            # ``[p.log() for p in policies]``
            iterated = self.eval_quietly(loop.iter, env)
            if isinstance(iterated, TensorList):
                value = tensor_lists.item(iterated)
            else:
                value = self._enumerated_list(loop.iter, env)
        if isinstance(value, TensorList) and type(target) is not cst.Name:
            value = UNKNOWN  # ``self.saved = []``: other methods append unseen
        super()._assign(target, value, env)
        if type(target) is cst.Attribute and type(target.value) is cst.Name:
            held = env.get(target.value.value)
            if isinstance(held, VisionModel) and target.attr.value == held.head_attr:
                # ``model.fc = nn.Linear(n, 1)``: the model now ends in that head
                env[target.value.value] = replace(held, head=value)

    def _enumerated_list(self, iterated: cst.BaseExpression, env: Env) -> Value:
        """``for i, p in enumerate(policies):``; ``for p, a in zip(probs,
        actions):`` (pemami's pointer network, audit s222): an item of each
        list zipped (``reaching.iterated_parts``), unknown for anything else."""
        parts = iterated_parts(self.model, iterated)
        if parts is None:
            return UNKNOWN
        items = []
        for part in parts:
            held = self.eval_quietly(part, env) if part is not None else UNKNOWN
            items.append(tensor_lists.item(held) if isinstance(held, TensorList) else UNKNOWN)
        if all(item is UNKNOWN for item in items):
            return UNKNOWN
        return TupleValue(tuple(items))

    def store_item(self, target: cst.Subscript, value: Value, env: Env) -> None:
        key = self.model.dotted(target.value)
        held = env.get(key) if key is not None else None
        if key is not None and isinstance(held, TensorList):
            # ``outputs[t] = p``
            env[key] = tensor_lists.with_item(held, value, appended=False)
        elif (
            key is not None
            and isinstance(held, Tensor)
            and isinstance(value, Tensor)
            and Kind.UNKNOWN not in (held.kind, value.kind)
            and value.kind is not held.kind
        ):
            # ``output[..., :2] = torch.sigmoid(output[..., :2])`` (a YOLO
            # head): part of the conv output is probabilities now, part not
            env[key] = UNKNOWN

    def method_call(
        self, call: cst.Call, func: cst.Attribute, receiver: Value, args: list[Value], env: Env
    ) -> Value:
        name = func.attr.value
        if name == "backward" and receiver is UNKNOWN and type(func.value) is cst.Name:
            if not positional(call):
                # ``loss.backward()``: whatever computed it (a loss function
                # handed in), the name holds a loss with its graph from here on
                env[func.value.value] = Tensor(Kind.LOSS, origin=call, where=self.frame.label)
            return UNKNOWN
        if isinstance(receiver, (LayerList, DictValue)):
            return _container_method(call, func, receiver, args, env)
        if isinstance(receiver, TensorList):
            after, result = tensor_lists.method(call, name, receiver, args)
            if type(func.value) is cst.Name:
                env[func.value.value] = after
            return result
        if isinstance(receiver, ForeignLoss):
            if name in _LAYER_SELF_METHODS:
                return receiver
            return self.call_value(call, receiver, args, env) if name == "forward" else UNKNOWN
        if isinstance(receiver, (Layer, Sequential, LossObject, AnyLoss)):
            if name in _LAYER_SELF_METHODS:
                return receiver
            if isinstance(receiver, Sequential) and name in ("add_module", "append"):
                layer = args[-1] if args else UNKNOWN
                key = dotted_text(func.value)
                if key is not None:
                    env[key] = Sequential((*receiver.layers, layer), receiver.origin)
                return UNKNOWN
            if name == "forward":
                return self.call_value(call, receiver, args, env)
            return UNKNOWN
        if isinstance(receiver, VisionModel):
            if name in _MODULE_SELF_METHODS:
                return receiver
            return self.call_value(call, receiver, args, env) if name == "forward" else UNKNOWN
        if isinstance(receiver, (ClassRef, FunctionRef, TupleValue)):
            return UNKNOWN
        if isinstance(receiver, Instances):
            return self._instances_method(call, name, receiver, args, env)
        passed = passed_through(self.model, call, func, args)
        if passed is not None:
            return passed
        where = self.frame.label
        hot = self._scattered_ones(call, func) if name in ("scatter_", "scatter") else None
        if hot is not None:
            # ``y_onehot = torch.zeros(n, k); y_onehot.scatter_(1, y.view(-1, 1), 1)``
            made_hot = Tensor(hot, origin=call, where=where)
            if name == "scatter_" and type(func.value) is cst.Name:
                env[func.value.value] = made_hot
            return made_hot
        if isinstance(receiver, Tensor):
            if receiver.kind is Kind.LOSS and name in _GRAPH_DROPPING:
                return UNKNOWN  # ``loss.detach()``: the value, without the graph LF306 is about
            if name in apis.EXP_METHODS and receiver.kind is Kind.LOG_PROBS and not call.args:
                return Tensor(Kind.PROBS, origin=call, where=where)  # ``log_p.exp()``
            if name in apis.KIND_PRESERVING_METHODS:
                if name in apis.FLOAT_CASTS or (
                    name in ("to", "type") and _casts_to_float(call, self.model)
                ):
                    return Tensor(
                        receiver.kind, True, receiver.origin, receiver.where, receiver.site
                    )
                return receiver
            if name in apis.SELECTION_METHODS:
                return receiver  # ``p.gather(1, y)``: some of the same values
            if name in ("masked_fill", "masked_fill_") and _masks_out(call, receiver.kind):
                # ``scores.masked_fill(c_mask == 1, -1e10)``: padding pushed to
                # -inf, the rest still logits (QANet's span heads, audit s188)
                return receiver
            if receiver.kind in _PROBABILITY_KINDS and _upper_clamp_only(call, name):
                # ``p.clamp(max=1 - 1e-20)``: a 0 stays 0 (no guard for log)
                return receiver
            if name in apis.PART_METHODS and receiver.kind in _PART_KINDS:
                return receiver  # ``a, b = p.chunk(2)``: parts of the same values
            if name in ("max", "min") and (positional(call) or argument(call, None, "dim")):
                indices = Tensor(Kind.CLASS_INDICES, origin=call, where=where)
                return TupleValue((_max_values(receiver), indices))
            if _is_loss(receiver) and name in ("mean", "sum"):
                return receiver
            if name == "sum" and receiver.picked:
                return _picked_entries(receiver, argument(call, 0, "dim"))
            if name == "mean" and self._averages_distributions(receiver, argument(call, 0, "dim")):
                return receiver
            if receiver.kind is Kind.NON_NEGATIVE and _keeps_non_negative(call, name):
                # ``abs(s - t).pow(p).sum()``: 0 where every |s - t| is
                # (torchdistill's feature loss, audit s171)
                return receiver
        if name in ("max", "min") and receiver is UNKNOWN and _is_dim_reduction(call):
            # only torch's max(dim) returns (values, indices)
            if self._receiver_is_framework_object(func.value, env):
                return TupleValue((UNKNOWN, Tensor(Kind.CLASS_INDICES, origin=call, where=where)))
        if name in apis.METHOD_KINDS and len(positional(call)) <= apis.METHOD_MAX_POSITIONAL.get(
            name, 0
        ):
            if self._receiver_is_framework_object(func.value, env):
                return Tensor(apis.METHOD_KINDS[name], origin=call, where=where)
        return UNKNOWN

    def _averages_distributions(self, tensor: Tensor, dim: cst.BaseExpression | None) -> bool:
        """A mean over axis 0 of softmax probabilities taken over another
        axis (``torch.mean(torch.cat([softmax(l, dim=1) ...]), dim=0)``): an
        average of distributions, still one (DTFD-MIL's test loop, audit
        s197)."""
        if tensor.kind is not Kind.PROBS or dim is None or literal_value(dim) != 0:
            return False
        origin = tensor.origin
        if not isinstance(origin, cst.Call):
            return False
        info = self.model.qualname(origin.func)
        if info not in apis.torch.SOFTMAX:
            return False
        axis = argument(origin, 1, "dim")
        value = literal_value(axis) if axis is not None else None
        return isinstance(value, int) and not isinstance(value, bool) and value != 0

    def _scattered_ones(self, call: cst.Call, func: cst.Attribute) -> Kind | None:
        """``zeros.scatter_(1, index, 1)``: ones scattered along the rows of a
        tensor of zeros (built inline, or bound once to ``torch.zeros``): one
        per row at each label's column (``index`` a column: ``y.view(-1, 1)``)
        is one-hot labels; several (``ids[:, :k]``), ones in every row."""
        args = positional(call)
        if len(args) != 3 or len(call.args) != 3 or literal_value(args[2].value) not in (1, 1.0):
            return None
        if literal_value(args[0].value) not in (1, -1):
            return None
        receiver: cst.BaseExpression | None = func.value
        if isinstance(receiver, cst.Name):
            bindings = self.model.bindings(receiver) or []
            node = bindings[0].node if len(bindings) == 1 and bindings[0].kind == "assign" else None
            receiver = node if isinstance(node, cst.BaseExpression) else None
        if (
            not isinstance(receiver, cst.Call)
            or self.model.qualname(receiver.func) not in apis.ZEROS
        ):
            return None
        return Kind.ONE_HOT if _a_column(args[1].value) else Kind.ROW_HOT

    def _receiver_is_framework_object(self, expr: cst.BaseExpression, env: Env) -> bool:
        """A plain receiver (not ``self``, not a module, not a same-file object):
        ``x.softmax(1)`` on it is the tensor method."""
        if self.model.qualname(expr) is not None:
            return False
        head: cst.BaseExpression = expr
        while isinstance(head, (cst.Attribute, cst.Subscript)):
            head = head.value
        if isinstance(head, cst.Name) and head.value in ("self", "cls"):
            return isinstance(expr, cst.Subscript) or (
                isinstance(expr, cst.Attribute) and dotted_text(expr) in env
            )
        return True

    def from_summary(self, value: SValue, at: cst.CSTNode | None = None) -> Value:
        """Tensors of a known kind from another project module keep where the
        kind came from (``site``) for the evidence of a message."""
        if isinstance(value, STensor) and value.kind in Kind.__members__:
            kind = Kind[value.kind]
            where = value.origin.where if value.origin is not None else ""
            return Tensor(kind, value.float_cast, where=where, site=value.origin)
        if isinstance(value, STuple):
            return TupleValue(tuple(self.from_summary(item) for item in value.items))
        if isinstance(value, SDict):
            return DictValue(tuple((k, self.from_summary(v)) for k, v in value.items.items()))
        if isinstance(value, SLoss) and value.functional in apis.LOSS_FUNCTIONS:
            return ForeignLoss(value)
        if isinstance(value, SLayer):
            # a layer or a stack built in another module (a factory's nn.Sequential)
            output = None
            if value.output is not None:
                if value.output not in Kind.__members__:
                    return UNKNOWN
                output = Kind[value.output]
            where = value.origin.where if value.origin is not None else ""
            return Layer(output, value.qualname, where=where, site=value.origin)
        if isinstance(value, SSequential):
            layers = tuple(self.from_summary(layer) for layer in value.layers)
            return Sequential(layers) if layers else UNKNOWN
        if isinstance(value, SKerasModel) and value.style == "tensor" and value.layers:
            # another module's Keras head helper: the kind its last layer gives
            last = value.layers[-1]
            head = _KERAS_OUTPUT_KINDS.get(last.activation or "") if last is not None else None
            if head is None or last is None:
                return UNKNOWN
            where = last.origin.where if last.origin is not None else ""
            return Tensor(head, where=where, site=last.origin)
        return super().from_summary(value, at)

    def call_value(self, call: cst.Call, callee: Value, args: list[Value], env: Env) -> Value:
        if isinstance(callee, Layer):
            if callee.output is not None:
                return Tensor(
                    callee.output, origin=callee.origin, where=callee.where, site=callee.site
                )
            return args[0] if args and isinstance(args[0], Tensor) else UNKNOWN
        if isinstance(callee, Sequential):
            value: Value = args[0] if args else UNKNOWN
            for layer in callee.layers:
                value = self._apply_layer(call, layer, value)
            return value
        if isinstance(callee, LossObject):
            if self.recording:
                self._record_loss(call, callee.functional, callee.ctor, others=callee.others)
            return Tensor(Kind.LOSS, origin=call, where=self.frame.label)
        if isinstance(callee, AnyLoss):
            return Tensor(Kind.LOSS, origin=call, where=self.frame.label)
        if isinstance(callee, ForeignLoss):
            if self.recording:
                self._record_loss(call, callee.functional, None, callee.ref)
            return Tensor(Kind.LOSS, origin=call, where=self.frame.label)
        if isinstance(callee, ApiFunction):
            return self.api_call(call, callee.qualname, args, env)
        if isinstance(callee, VisionModel) and callee.head is not None:
            return self._apply_layer(call, callee.head, UNKNOWN)
        return UNKNOWN

    def _apply_layer(self, call: cst.Call, layer: Value, value: Value) -> Value:
        if isinstance(layer, Layer):
            if layer.output is not None:
                return Tensor(layer.output, origin=layer.origin, where=layer.where, site=layer.site)
            return value
        if isinstance(layer, (Sequential, Instance)):
            saved, self.recording = self.recording, False
            try:
                return self._call(call, layer, [value], {})
            finally:
                self.recording = saved
        return UNKNOWN

    # --- losses -------------------------------------------------------------------

    def _record_loss(
        self,
        call: cst.Call,
        functional: str,
        ctor: cst.Call | None,
        foreign: SLoss | None = None,
        others: tuple[cst.Call, ...] = (),
    ) -> None:
        keywords: dict[str, cst.BaseExpression] = {}
        if foreign is not None:
            keywords.update(_parsed_keywords(foreign))
        if ctor is not None:
            for arg in ctor.args:
                if arg.keyword is not None:
                    keywords[arg.keyword.value] = arg.value
        for arg in call.args:
            if arg.keyword is not None:
                keywords[arg.keyword.value] = arg.value
        self.loss_calls[call] = LossCall(
            node=call,
            functional=functional,
            input_expr=argument(call, 0, "input"),
            target_expr=argument(call, 1, "target"),
            ctor=ctor,
            keywords=keywords,
            where=self.frame.label,
            foreign=foreign,
            other_ctors=others,
        )

    def _record_tf_loss(self, call: cst.Call, qualname: str) -> None:
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        # TF2's order is ``(labels, logits)`` for every one of them (TF1's
        # sentinel makes positional calls raise: LF414's)
        ordered = (
            [a.value for a in call.args if a.keyword is None] if not has_star_args(call) else []
        )
        self.loss_calls[call] = LossCall(
            node=call,
            functional=qualname,
            input_expr=keywords.get("logits", ordered[1] if len(ordered) > 1 else None),
            target_expr=keywords.get("labels", ordered[0] if ordered else None),
            keywords=keywords,
            where=self.frame.label,
        )


# --- helpers ------------------------------------------------------------------

#: kinds whose parts (a split, unpacked rows) keep the kind: a part of a
#: distribution is still probabilities; logits, losses and labels are left alone
_PART_KINDS = frozenset({Kind.PROBS, Kind.SIGMOID_PROBS, Kind.LOG_PROBS})


def _argument_value(call: cst.Call, args: list[Value], index: int, keyword: str) -> Value:
    """The value of the argument at ``index`` (or named ``keyword``) of ``call``."""
    expr = argument(call, index, keyword)
    if expr is None or has_star_args(call):
        return UNKNOWN
    for arg, value in zip(call.args, args, strict=False):
        if arg.value is expr:
            return value
    return UNKNOWN


def _parsed_keywords(loss: SLoss) -> dict[str, cst.BaseExpression]:
    """The constructor keywords a summary keeps as text, as expressions the
    rules can read like this file's own (``reduction="sum"``); one that does
    not parse is left out (unknown)."""
    out: dict[str, cst.BaseExpression] = {}
    for name, text in loss.keywords.items():
        try:
            out[name] = cst.parse_expression(text)
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            continue
    return out


_LOSS_OBJECTS = (LossObject, ForeignLoss, AnyLoss)
#: methods giving a loss's value without its graph
_GRAPH_DROPPING = frozenset({"detach", "item", "numpy", "tolist"})


def _is_loss(value: Value) -> bool:
    return isinstance(value, Tensor) and value.kind is Kind.LOSS


#: how many classes an instance of "one of these" names before it is unknown
#: (pytorch-fm picks one of sixteen CTR models by name)
_MAX_CLASSES_JOINED = 24
#: what a Keras head helper's last activation makes of its output
_KERAS_OUTPUT_KINDS = {"softmax": Kind.PROBS, "sigmoid": Kind.SIGMOID_PROBS}


def _instances(value: Value) -> tuple[frozenset[cst.ClassDef], frozenset[Value]] | None:
    """The classes ``value`` is an instance of: this file's, other modules'."""
    if isinstance(value, Instance):
        return frozenset({value.cls}), frozenset()
    if isinstance(value, Instances):
        return value.classes, value.foreign
    if isinstance(value, Foreign) and isinstance(value.ref, SInstance):
        return frozenset(), frozenset({value})
    return None


def _same_construction(model: ModuleIndex, a: cst.Call, b: cst.Call) -> bool:
    """Two constructor calls of one class with the same arguments, as written."""
    if a is b:
        return True
    if model.qualname(a.func) != model.qualname(b.func) or len(a.args) != len(b.args):
        return False
    return all(
        (x.keyword.value if x.keyword else None) == (y.keyword.value if y.keyword else None)
        and x.star == y.star
        and model.code(x.value) == model.code(y.value)
        for x, y in zip(a.args, b.args, strict=True)
    )


def grown(items: tuple[Value, ...], added: Value) -> tuple[Value, ...]:
    """``items`` followed by the items of ``added`` (a list we know, else an
    unknown run of items)."""
    if isinstance(added, LayerList):
        return (*items, *added.items)
    return (*items, UNKNOWN)


def _container_method(
    call: cst.Call,
    func: cst.Attribute,
    receiver: LayerList | DictValue,
    args: list[Value],
    env: Env,
) -> Value:
    """``layers.append(layer)`` / ``layers.extend(more)`` grow the list;
    ``out.get("probs")`` reads the dict; any other method may change either."""
    name = func.attr.value
    key = dotted_text(func.value)
    if isinstance(receiver, DictValue):
        if name == "get" and call.args and isinstance(literal_value(call.args[0].value), str):
            found = receiver.get(str(literal_value(call.args[0].value)))
            return found if found is not None and len(call.args) == 1 else UNKNOWN
        if name in _READING_DICT_METHODS:
            return UNKNOWN
    elif key is not None and len(args) == 1 and not call.args[0].star:
        if name == "append":
            env[key] = LayerList((*receiver.items, args[0]))
            return UNKNOWN
        if name == "extend":
            env[key] = LayerList(grown(receiver.items, args[0]))
            return UNKNOWN
    if key is not None and key in env:
        env[key] = UNKNOWN
    return UNKNOWN


#: dict methods that change nothing
_READING_DICT_METHODS = frozenset({"get", "keys", "values", "items", "copy"})


def _prob_count(value: Value) -> int:
    if isinstance(value, Tensor) and value.kind is Kind.PROBS:
        return 1
    return value.count if isinstance(value, ProbSum) else 0


def _averaged_probs(
    op: str, left: Value, right: Value, node: cst.CSTNode, where: str
) -> Value | None:
    """``p1 + p2 + p3`` of softmax outputs, and that sum divided by 3: their
    average, probabilities again."""
    if op == "Add" and _prob_count(left) and _prob_count(right):
        return ProbSum(_prob_count(left) + _prob_count(right))
    if (
        op == "Divide"
        and isinstance(left, ProbSum)
        and isinstance(node, cst.BinaryOperation)
        and literal_value(node.right) in (left.count, float(left.count))
    ):
        return Tensor(Kind.PROBS, origin=node, where=where)
    return None


def _arith(left: Value, right: Value) -> Value:
    # any arithmetic on a loss is still a loss attached to the graph
    if _is_loss(left):
        return left
    if _is_loss(right):
        return right
    return UNKNOWN


#: operators that keep unnormalised scores unnormalised: a bias added, a
#: temperature or scale, a graph convolution's ``A @ (x W)``. Not a
#: subtraction: ``z - z.logsumexp(1, keepdim=True)`` is a log-softmax by hand
_LINEAR_OPS = frozenset({"Add", "Multiply", "Divide", "MatrixMultiply"})


def _linear_map_of_logits(op: str, left: Value, right: Value) -> Value | None:
    """Logits combined with something of no known kind (a parameter, an
    adjacency matrix, a number) by a linear operation: still logits."""
    if op not in _LINEAR_OPS:
        return None
    for scores, other in ((left, right), (right, left)):
        if (
            isinstance(scores, Tensor)
            and scores.kind is Kind.LOGITS
            and not isinstance(other, Tensor)
            and not _is_loss(other)
        ):
            if op == "Divide" and scores is right:
                return None  # ``1 / z``
            return scores
    return None


#: ``EvalPrediction``'s fields, in its tuple order
_EVAL_PREDICTION_FIELDS = ("predictions", "label_ids")

#: scores whose largest entry along a dim is still a score of that kind
_SCORE_KINDS = frozenset({Kind.LOGITS, Kind.PROBS, Kind.SIGMOID_PROBS, Kind.LOG_PROBS})


def _max_values(scores: Value) -> Value:
    """The values of ``scores.max(dim)``: the largest logit is a logit (what
    ``preds = logits.max(1)[0]`` compared with labels holds)."""
    if isinstance(scores, Tensor) and scores.kind in _SCORE_KINDS:
        return scores
    return UNKNOWN


_PROBABILITY_KINDS = frozenset({Kind.PROBS, Kind.SIGMOID_PROBS})


def _upper_clamp_only(call: cst.Call, name: str) -> bool:
    """``x.clamp(max=v)``, ``x.clip(None, v)``, ``x.clamp_max(v)``: bounded
    from above only."""
    if name == "clamp_max":
        return True
    if name not in ("clamp", "clip"):
        return False
    lower = argument(call, 0, "min")
    upper = argument(call, 1, "max")
    return upper is not None and (lower is None or literal_value(lower) is None)


def _is_dim_reduction(call: cst.Call) -> bool:
    """``x.max(1)`` / ``x.max(dim=1)``: a literal integer dim, nothing else."""
    args = positional(call)
    if len(call.args) != 1:
        return False
    if args:
        value = literal_value(args[0].value)
    else:
        dim = argument(call, None, "dim")
        value = literal_value(dim)
    return isinstance(value, int) and not isinstance(value, bool)


def _casts_to_float(call: cst.Call, model: ModuleIndex) -> bool:
    for arg in call.args:
        expr = arg.value
        qualname = model.qualname(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if qualname in apis.FLOAT_DTYPES:
            return True
        if (
            arg.keyword is not None
            and arg.keyword.value == "dtype"
            and qualname
            and "float" in qualname
        ):
            return True
    return False


def _origin_label(model: ModuleIndex, origin: cst.CSTNode) -> str:
    """``nn.Softmax``, ``torch.softmax``, ``logits.softmax``: the callee as written."""
    if (
        isinstance(origin, cst.Call)
        and isinstance(origin.func, cst.Attribute)
        and origin.func.attr.value == "backward"
        and isinstance(origin.func.value, cst.Name)
    ):
        return f"`{origin.func.value.value}.backward()`"  # a loss known by its backward
    if isinstance(origin, cst.Call):
        text = " ".join(model.code(origin.func).split())
        if len(text) <= 30:
            return text
        # the last dotted parts that fit: ``...functional.log_softmax``, not
        # a name cut mid-word
        parts = text.split(".")
        kept = parts[-1]
        for part in reversed(parts[:-1]):
            if len(part) + 1 + len(kept) > 27:
                break
            kept = f"{part}.{kept}"
        return "..." + kept[-27:] if len(kept) > 27 else "..." + kept
    if (
        isinstance(origin, cst.BinaryOperation)
        and isinstance(origin.operator, cst.Divide)
        and isinstance(origin.left, cst.BinaryOperation)
        and isinstance(origin.left.operator, cst.Add)
    ):
        return "an average of softmax outputs"  # ``(p1 + p2 + p3) / 3``
    return "an expression"


def activation_operand(model: ModuleIndex, call: cst.Call) -> cst.BaseExpression | None:
    """The tensor an activation call is applied to: ``F.softmax(x, 1)`` → x,
    ``x.softmax(1)`` → x; None when ``call`` is not a framework activation."""
    qualname = model.qualname(call.func)
    if qualname is not None:
        if qualname in apis.SOFTMAX or qualname in apis.SIGMOID or qualname in apis.LOG_SOFTMAX:
            return argument(call, 0, "input", "x", "logits")
        return None
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("softmax", "sigmoid", "log_softmax"):
        site = model.call_site(call)
        if site is not None and site.method is not None:
            value = kinds_of(model).value_of(call)
            if isinstance(value, Tensor) and value.origin is call:
                return func.value
    return None


def activation_dim(model: ModuleIndex, call: cst.Call) -> object:
    """The literal ``dim`` of a softmax call (NotImplemented if not literal/absent);
    for a Keras layer that applies one, its axis (``keras_layer_axis``)."""
    keras_axis = keras_layer_axis(model, call)
    if keras_axis is not NotImplemented:
        return keras_axis
    if model.qualname(call.func) is not None:
        return literal_value(argument(call, 1, "dim", "axis"))
    return literal_value(argument(call, 0, "dim"))


def keras_layer_axis(model: ModuleIndex, ctor: cst.CSTNode | None) -> object:
    """The axis the activation of a Keras layer built by ``ctor`` normalises:
    ``Softmax(axis=1)``'s, the last (-1) for ``Softmax()``, ``Activation(...)``
    and ``Dense(n, activation=...)``; NotImplemented for anything else."""
    if not isinstance(ctor, cst.Call):
        return NotImplemented
    qualname = model.qualname(ctor.func)
    if qualname in (apis.KERAS_DENSE, apis.KERAS_ACTIVATION_LAYER):
        return -1
    if qualname == apis.KERAS_SOFTMAX_LAYER:
        axis = argument(ctor, 0, "axis")
        return -1 if axis is None else literal_value(axis)
    return NotImplemented


def kinds_of(model: ModuleIndex) -> KindAnalysis:
    """The value-kind analysis of ``model``, run on first use and kept on the model."""
    return model.analysis(KindAnalysis)


# --- the model a Hugging Face trainer subclass's ``compute_loss`` is handed ---


@dataclass(frozen=True)
class TrainerModelPin:
    """``compute_loss(self, model, inputs)`` of a Hugging Face trainer
    subclass built in other files with ``model=...``: by the trainer's
    contract its ``model`` parameter is that model (wrapped for devices at
    most: DataParallel/DDP wrappers return what the model returns)."""

    method: cst.FunctionDef
    param: str
    #: what each construction passes as the trainer's model
    models: tuple[SValue, ...]


def hf_trainer_model_pin(
    model: ModuleIndex, cls: cst.ClassDef, init: cst.FunctionDef, records: list[CallRecord]
) -> TrainerModelPin | None:
    """The pin of ``cls.compute_loss``'s model parameter from the other files'
    constructions of ``cls`` (``records``, all of them: the engine lists those
    of a class named in its file only where defined, constructed or
    annotated), when nothing can hand the method another model: ``cls`` is a
    Hugging Face trainer subclass whose own ``__init__`` only forwards
    ``*args, **kwargs`` to the trainer's, nothing in the class rebinds
    ``self.model``, no construction gives ``model_init`` (the trainer then
    builds its model from it), this file constructs it nowhere, no project
    file subclasses it, and ``compute_loss`` is defined once, undecorated,
    named here only where defined or called on ``self`` and called in no
    other file out of sight."""
    method = _own_method(cls, apis.HF_COMPUTE_LOSS)
    if method is None or init.decorators or not hf_trainer_class(model, cls, 0):
        return None
    params = [*method.params.posonly_params, *method.params.params]
    if len(params) < 3 or method.params.posonly_params:
        return None
    if not _forwards_to_base(model, init) or _rebinds_model(cls):
        return None
    name = cls.name.value
    if any(
        isinstance(site.node.func, cst.Name) and site.node.func.value == name
        for site in model.calls
    ):
        return None  # constructed here too: what it is given there is not in the records
    models: list[SValue] = []
    for record in records:
        if record.opaque or record.name != name or "model_init" in record.keywords:
            return None
        given = record.keywords.get("model", record.args[0] if record.args else None)
        if given is None:
            return None
        models.append(given)
    if not models or not _only_self_calls(model, method) or callers.subclassed(name) is not False:
        return None
    elsewhere = callers.external_method_calls([f"{name}.{apis.HF_COMPUTE_LOSS}"])
    if elsewhere is None or any(r.opaque for rs in elsewhere.values() for r in rs):
        return None
    return TrainerModelPin(method, params[1].name.value, tuple(models))


def _own_method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    """``cls``'s method ``name``, defined once in its body and undecorated."""
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    found = [s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == name]
    if len(found) != 1 or found[0].decorators:
        return None
    return found[0]


def _forwards_to_base(model: ModuleIndex, init: cst.FunctionDef) -> bool:
    """``def __init__(self, *args, teacher=None, **kwargs):
    super().__init__(*args, **kwargs)``: the trainer's own parameters
    (``model`` first) get exactly what the construction passes; ``args`` and
    ``kwargs`` are read nowhere else, and no keyword-only parameter takes the
    trainer's ``model`` for itself."""
    params = init.params
    if len(params.params) != 1 or params.posonly_params:  # ``self`` alone
        return False
    if any(p.name.value in ("model", "model_init") for p in params.kwonly_params):
        return False
    stars: dict[str, str] = {}
    if isinstance(params.star_arg, cst.Param):
        stars["*"] = params.star_arg.name.value
    if params.star_kwarg is not None:
        stars["**"] = params.star_kwarg.name.value
    if not stars:
        return False
    forwarded = 0
    for call in nodes_in(init.body, cst.Call):
        assert isinstance(call, cst.Call)
        if super_method(call) != "__init__":
            continue
        given = {a.star: a.value.value for a in call.args if isinstance(a.value, cst.Name)}
        if len(call.args) != len(stars) or given != stars:
            return False
        forwarded += 1
    if forwarded != 1:
        return False
    # read as variables (``self.args`` is the trainer's attribute, not them)
    attrs = {id(n.attr) for n in nodes_in(init.body, cst.Attribute) if isinstance(n, cst.Attribute)}
    mentions = [
        n
        for n in nodes_in(init.body, cst.Name)
        if isinstance(n, cst.Name) and n.value in stars.values() and id(n) not in attrs
    ]
    return len(mentions) == len(stars)


def _rebinds_model(cls: cst.ClassDef) -> bool:
    """Something in the class assigns ``self.model`` / ``self.model_wrapped``
    (the trainer then trains something else than it was given)."""
    for node in nodes_in(cls, cst.AssignTarget, cst.AugAssign, cst.AnnAssign):
        target = node.target  # type: ignore[attr-defined]
        for item in nodes_in(target, cst.Attribute):
            assert isinstance(item, cst.Attribute)
            if item.attr.value in ("model", "model_wrapped") and isinstance(item.value, cst.Name):
                return True
    return False


def _only_self_calls(model: ModuleIndex, method: cst.FunctionDef) -> bool:
    """``method``'s name appears in this file only where it is defined (it,
    or a same-named method of another class: a definition calls nothing) or
    called on ``self`` (those calls pin it too)."""
    short = method.name.value
    for node in model.nodes_of_type(cst.Name):
        assert isinstance(node, cst.Name)
        if node.value != short or node is method.name:
            continue
        holder = model.parent(node)
        if isinstance(holder, cst.FunctionDef) and holder.name is node:
            continue
        call = model.parent(holder) if holder is not None else None
        if not (
            isinstance(holder, cst.Attribute)
            and holder.attr is node
            and isinstance(holder.value, cst.Name)
            and holder.value.value == "self"
            and isinstance(call, cst.Call)
            and call.func is holder
        ):
            return False
    return True


def hf_trainer_class(model: ModuleIndex, cls: cst.ClassDef, depth: int) -> bool:
    """A subclass (in this file, or through bases of another project module)
    of a Hugging Face trainer."""
    if depth > 8:
        return False
    for base in cls.bases:
        if base.keyword is not None:
            continue
        qualname = model.qualname(base.value)
        if qualname in apis.HF_LOSS_TRAINERS:
            return True
        if isinstance(base.value, cst.Name):
            bindings = model.module_scope.bindings.get(base.value.value, [])
            if len(bindings) == 1 and isinstance(bindings[0].node, cst.ClassDef):
                if hf_trainer_class(model, bindings[0].node, depth + 1):
                    return True
                continue
        if qualname is not None and qualname.split(".", 1)[0] not in bridge.FRAMEWORK_ROOTS:
            found = bridge.value_of_qualname(qualname)
            if found is not None and bridge.derives_from(found, apis.HF_LOSS_TRAINERS):
                return True
    return False


def _is_written(model: ModuleIndex, node: cst.Attribute) -> bool:
    """``node`` is assigned to (``ds.targets = ...``, ``ds.targets += ...``)."""
    parent = model.parent(node)
    if isinstance(parent, cst.AssignTarget):
        return True
    return isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is node


def _layer_of(expr: cst.Subscript, layers: LayerList) -> Value:
    """``heads[k]`` of a module list: the module at a literal index, or what
    every module is when they are all known and the same (one per task)."""
    if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
        return UNKNOWN
    index = literal_value(expr.slice[0].slice.value)
    items = layers.items
    if isinstance(index, int) and not isinstance(index, bool):
        if index < 0 and -index <= len(items) and UNKNOWN not in items[index:]:
            # ``layers[-1]`` after ``layers.append(output)`` (pix2pix-tensorflow,
            # audit s160): the items after the last unknown run end the list
            return items[index]
        if UNKNOWN in items or not -len(items) <= index < len(items):
            return UNKNOWN
        return items[index]
    if not items or UNKNOWN in items or any(item != items[0] for item in items):
        return UNKNOWN
    return items[0]


def _a_column(index: cst.BaseExpression) -> bool:
    """``y.view(-1, 1)``, ``y.reshape(-1, 1)``, ``y.unsqueeze(1)``, ``y[:, None]``
    (a cast around or inside kept): one index per row."""
    while (
        isinstance(index, cst.Call)
        and isinstance(index.func, cst.Attribute)
        and index.func.attr.value in ("long", "int", "to", "type", "cuda", "cpu")
    ):
        index = index.func.value
    if isinstance(index, cst.Subscript):
        last = index.slice[-1].slice if index.slice else None
        return isinstance(last, cst.Index) and literal_value(last.value) is None
    if not isinstance(index, cst.Call) or not isinstance(index.func, cst.Attribute):
        return False
    values = [literal_value(a.value) for a in index.args]
    method = index.func.attr.value
    if method in ("view", "reshape"):
        return values == [-1, 1]
    return method == "unsqueeze" and values in ([1], [-1])


def _masked_probs(
    op: str, left: Value, right: Value, node: cst.CSTNode, model: ModuleIndex
) -> Value | None:
    """``torch.sigmoid(h) * mask.float()``: probabilities with the padding
    zeroed, probabilities still (PreSumm's extractive scores fed to
    ``BCELoss``, audit s198)."""
    if op != "Multiply" or not isinstance(node, cst.BinaryOperation):
        return None
    for value, other in ((left, node.right), (right, node.left)):
        if not isinstance(value, Tensor) or value.kind not in (Kind.SIGMOID_PROBS, Kind.PROBS):
            continue
        while (
            isinstance(other, cst.Call)
            and isinstance(other.func, cst.Attribute)
            and other.func.attr.value in apis.RESHAPE_METHODS | apis.CAST_METHODS
        ):
            other = other.func.value
        if named_like_a_mask(other) or _off_diagonal(model, other):
            return value
    return None


def _off_diagonal(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``1 - torch.eye(n)``: ones off the diagonal (a graph autoencoder's
    adjacency without self-loops: vgsatorras/egnn, audit s212)."""
    return (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, cst.Subtract)
        and literal_value(expr.left) in (1, 1.0)
        and isinstance(expr.right, cst.Call)
        and model.qualname(expr.right.func) in apis.IDENTITY_STARTS
    )


def _one_hot_pick(op: str, left: Value, right: Value) -> Value | None:
    """``p * F.one_hot(q, n)`` of probabilities: their entries at the one-hot's
    ones (and zeros elsewhere), picked once summed over the classes."""
    if op != "Multiply":
        return None
    for value, other in ((left, right), (right, left)):
        if (
            isinstance(value, Tensor)
            and value.kind in _PROBABILITY_KINDS
            and isinstance(other, Tensor)
            and other.kind is Kind.ONE_HOT
        ):
            return replace(value, picked=True)
    return None


def _picked_entries(reduced: Value, dim: cst.BaseExpression | None) -> Value:
    """The sum over the classes of a one-hot pick (``(p * one_hot).sum(-1)``):
    one entry of each row, of the same kind; UNKNOWN otherwise."""
    if isinstance(reduced, Tensor) and reduced.picked and dim is not None:
        return replace(reduced, picked=False)
    return UNKNOWN


def _keeps_non_negative(call: cst.Call, name: str) -> bool:
    """A method of a non-negative tensor whose result is non-negative and 0
    where the tensor's values all are: a sum or mean, a power whose exponent
    is not a literal <= 0."""
    if name in ("sum", "mean", "nansum"):
        return True
    if name == "pow" and len(call.args) == 1 and call.args[0].keyword is None:
        exponent = literal_value(call.args[0].value)
        return exponent is NotImplemented or (
            isinstance(exponent, (int, float)) and not isinstance(exponent, bool) and exponent > 0
        )
    return False


def _masks_out(call: cst.Call, kind: Kind) -> bool:
    """``masked_fill(mask, value)`` that leaves ``kind`` as it is: logits or
    log-probabilities filled with a huge negative (``-1e10``, ``-inf``),
    probabilities filled with 0."""
    value = argument(call, 1, "value")
    if value is None:
        return False
    if kind in (Kind.LOGITS, Kind.LOG_PROBS):
        return _very_negative(value)
    return kind in (Kind.PROBS, Kind.SIGMOID_PROBS) and literal_value(value) in (0, 0.0)


def _very_negative(expr: cst.BaseExpression) -> bool:
    """``-1e10``, ``-1e4``, ``float("-inf")``, ``-float("inf")``, ``-np.inf``."""
    number = literal_value(expr)
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        return number <= -1e4
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = expr.expression
        if isinstance(inner, cst.Attribute) and inner.attr.value == "inf":
            return True  # ``-np.inf``, ``-math.inf``
        return _float_of(inner) in ("inf", "infinity")
    return _float_of(expr) in ("-inf", "-infinity")


def _float_of(expr: cst.BaseExpression) -> str | None:
    """``"-inf"`` of ``float("-Inf")`` (lower-cased); None for anything else."""
    if not (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "float"
        and len(expr.args) == 1
    ):
        return None
    text = literal_value(expr.args[0].value)
    return text.lower() if isinstance(text, str) else None
