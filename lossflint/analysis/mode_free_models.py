"""Models that compute the same in train and eval mode (LF603, LF309: no
evaluation in train mode can be wrong for them), and whether a class is a
torch module. Kept apart from the evaluation passes so that the train-mode
facts (``train_mode.py``) and the passes (``eval_passes.py``) can both read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, literal_value, super_method
from lossflint.analysis.flag_arms import built_behind_an_off_flag
from lossflint.analysis.interpreter.syntax import (
    arguments_by_param,
    own_init,
    own_method,
    param_names,
)
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import (
    UNKNOWN,
    ClassRef,
    Foreign,
    FunctionRef,
    Instance,
    Layer,
    Sequential,
    Value,
)
from lossflint.analysis.walk import calls_in, memo_of, nodes_in
from lossflint.project.context import current as project_context
from lossflint.project.summary import SAlias, SClass, SInstance, SValue

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def is_torch_module(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    for klass in kinds_of(model).mro(cls):
        for base in klass.bases:
            if model.qualname(base.value) in apis.TORCH_MODULE_BASES:
                return True
    return False


def surely_mode_free(model: ModuleIndex, value: Value) -> bool:
    """Whether ``value`` is a model known to its last layer that computes the
    same in train and eval mode: an ``nn.Sequential`` or an ``nn.Module``
    class built only from layers that do (``apis.MODE_FREE_LAYERS``; recurrent
    layers without dropout) and project classes that are so (same file, or
    another module's as its summary says: ``ClassSummary.mode_free``), whose
    code never reads ``self.training`` nor calls a dropout or batch norm. Any
    doubt -- a library layer, a submodule handed in or made by a helper of
    another module -- is False."""
    needs: list[SValue] = []
    if isinstance(value, Sequential):
        if value.origin is None:
            return False
        # a layer the domain does not model (``nn.MaxPool2d(2)``) is still a
        # call written in the Sequential's own arguments, checked below
        written = _layers_written_in(value.origin)
        free = all(
            _layer_mode_free(model, layer, needs) or (layer is UNKNOWN and written)
            for layer in value.layers
        ) and all(
            _call_mode_free(model, call, 0, needs)
            for call in calls_in(value.origin, memo_of(model))
        )
    elif isinstance(value, Instance):
        free = _class_mode_free(model, value.cls, 0, None, needs)
    elif isinstance(value, Layer):
        free = _layer_mode_free(model, value, needs)  # a bare ``nn.Linear(1, 1)``
    elif isinstance(value, Foreign):
        needs.append(value.ref)
        free = True
    else:
        return False
    return free and all(foreign_mode_free(ref) for ref in needs)


def class_mode_free(model: ModuleIndex, cls: cst.ClassDef) -> tuple[SValue, ...] | None:
    """For the module's summary: None unless ``cls`` is a torch module that
    computes the same in both modes provided the classes of other project
    modules it builds (returned, ``Block(32)`` imported relatively) do."""
    needs: list[SValue] = []
    if not _class_mode_free(model, cls, 0, None, needs):
        return None
    return tuple(needs)


def foreign_mode_free(ref: SValue, depth: int = 0) -> bool:
    """A class (or an instance of one) of another project module that its
    summary says is mode-free, and so are the classes it builds in turn."""
    context = project_context()
    if context is None or depth > 4:
        return False
    found = context.resolve(ref)
    if not isinstance(found, (SClass, SInstance)):
        return False
    cls = context.class_summary(found)
    if cls is None or cls.mode_free is None:
        return False
    return all(foreign_mode_free(inner, depth + 1) for inner in cls.mode_free)


def _layers_written_in(origin: cst.CSTNode, subclass: bool = False) -> bool:
    """``nn.Sequential(nn.Conv2d(...), nn.ReLU(), ...)``: every layer is a call
    written there (no ``*layers``, no layer made elsewhere). A container
    subclass may also get ``*[Step(c) for _ in range(n)]`` and keyword options."""
    if not isinstance(origin, cst.Call) or not origin.args:
        return False
    for arg in origin.args:
        if type(arg.value) is cst.Call and not arg.star and arg.keyword is None:
            continue
        if not subclass:
            return False
        if arg.keyword is not None and isinstance(
            arg.value, (cst.Name, cst.Attribute, cst.BaseNumber, cst.SimpleString)
        ):
            continue  # ``checkpoint_grads=checkpoint_grads``
        made = arg.value
        if not (
            arg.star == "*"
            and isinstance(made, (cst.ListComp, cst.GeneratorExp))
            and type(made.elt) is cst.Call
        ):
            return False
    return True


def _own_layers(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    """A container subclass that hands its base the layers it writes itself
    (``super().__init__(Actnorm(c), Conv1x1(c))``), not those it is given."""
    init = own_init(cls)
    if init is None:
        return False
    for call in nodes_in(init.body, cst.Call, memo=memo_of(model)):
        if super_method(call) == "__init__":  # type: ignore[arg-type]
            return _layers_written_in(call)
    return False


def _layer_mode_free(model: ModuleIndex, layer: Value, needs: list[SValue]) -> bool:
    if isinstance(layer, Layer):
        return isinstance(layer.origin, cst.Call) and _call_mode_free(model, layer.origin, 0, needs)
    if isinstance(layer, Instance):
        return _class_mode_free(model, layer.cls, 0, None, needs)
    if isinstance(layer, Foreign):
        needs.append(layer.ref)
        return True
    return isinstance(layer, Sequential) and surely_mode_free(model, layer)


def _class_mode_free(
    model: ModuleIndex,
    cls: cst.ClassDef,
    depth: int,
    made_by: cst.Call | None,
    needs: list[SValue],
) -> bool:
    """``made_by``: the construction call, when known; a container subclass
    (``class FlowSequential(nn.Sequential)``) holds the layers it is given.
    Each class is judged once per construction (Glow nests classes five deep);
    one that builds itself is not mode-free."""
    verdicts = model.analysis(_verdicts)
    key = (cls, made_by)
    if key not in verdicts:
        if depth > _MAX_DEPTH:
            return False
        verdicts[key] = (False, ())  # while judged: a cycle is not mode-free
        inner: list[SValue] = []
        free = _class_verdict(model, cls, depth, made_by, inner)
        verdicts[key] = (free, tuple(inner))
    free, inner_needs = verdicts[key]
    if free:
        needs.extend(inner_needs)
    return free


_MAX_DEPTH = 8


def _verdicts(
    model: ModuleIndex,
) -> dict[tuple[cst.ClassDef, cst.Call | None], tuple[bool, tuple[SValue, ...]]]:
    return {}


def _class_verdict(
    model: ModuleIndex,
    cls: cst.ClassDef,
    depth: int,
    made_by: cst.Call | None,
    needs: list[SValue],
) -> bool:
    kinds = kinds_of(model)
    container = False
    for klass in kinds.mro(cls):
        for base in klass.bases:
            name = model.qualname(base.value)
            if name in apis.MODULE_CONTAINERS:
                container = True
            elif name is not None and name not in apis.TORCH_MODULE_BASES:
                return False  # a library base class: its layers are unknown
    if container and not (
        _own_layers(model, cls) or (made_by is not None and _layers_written_in(made_by, True))
    ):
        return False
    if not container and not is_torch_module(model, cls):
        return False
    for klass in kinds.mro(cls):
        for node in nodes_in(
            klass, cst.Attribute, cst.Call, cst.Assign, cst.AnnAssign, memo=memo_of(model)
        ):
            if type(node) is cst.Attribute and node.attr.value == "training":  # type: ignore[attr-defined]
                return False
            if (
                type(node) is cst.Call
                and not _call_mode_free(model, node, depth, needs)  # type: ignore[arg-type]
                and not (klass is cls and built_behind_an_off_flag(model, cls, node, made_by))
            ):
                return False
            if type(node) in (cst.Assign, cst.AnnAssign) and _handed_in_submodule(
                model, node, klass
            ):
                return False
    return True


def _call_mode_free(model: ModuleIndex, call: cst.Call, depth: int, needs: list[SValue]) -> bool:
    qualname = model.qualname(call.func)
    if qualname is None:
        ref = kinds_of(model).value_of(call.func)
        if isinstance(ref, ClassRef):
            return _class_mode_free(model, ref.cls, depth + 1, call, needs)
        if isinstance(ref, FunctionRef) and ref.bound is None:
            # `self.features = make_layers(cfg)`: what it builds is in its body
            return _function_mode_free(model, ref.func, depth + 1, needs)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in _REGISTERS:
            return False  # add_module / register_module: a submodule we do not see
        if isinstance(ref, Foreign):
            # ``ResStack(256)`` imported relatively: mode-free if that
            # module's summary says the class is
            if isinstance(ref.ref, (SClass, SAlias)):
                needs.append(ref.ref)
                return True
            return False
        return True  # a method or a same-file function computing, not building
    if qualname.startswith("builtins."):
        # setattr(self, name, layer) registers a submodule we do not see
        return qualname not in ("builtins.setattr", "builtins.getattr", "builtins.eval")
    short = qualname.rsplit(".", 1)[-1].lower()
    if any(word in short for word in apis.MODE_DEPENDENT_WORDS):
        return False
    if qualname in apis.MODE_FREE_LAYERS or qualname in apis.MODULE_CONTAINERS:
        return True
    if qualname in apis.LAYER_DICTS:
        return True  # ``OrderedDict([("conv", nn.Conv2d(...)), ...])``: its layers are checked too
    if qualname.split(".", 1)[0] in apis.NUMBER_LIBRARIES | apis.LAYERLESS_LIBRARIES:
        return True  # ``math.log(256)`` in a forward, ``logging.getLogger(...)``
    if qualname in apis.RECURRENT_LAYERS:
        dropout = argument(
            call, 5, "dropout"
        )  # (input, hidden, layers, bias, batch_first, dropout)
        value = literal_value(dropout) if dropout is not None else 0
        return dropout is None or (isinstance(value, (int, float)) and value == 0)
    if qualname in apis.INSTANCE_NORMS:
        # statistics of the batch in both modes unless running ones are kept
        index = 3 if ".Lazy" in qualname else 4
        tracked = argument(call, index, "track_running_stats")
        return tracked is None or literal_value(tracked) is False
    if not qualname.startswith("torch."):
        return False  # a model or layer from another library
    # any other torch.nn class is a layer not known to be mode-free
    return not (qualname.startswith("torch.nn.") and qualname.rsplit(".", 1)[-1][:1].isupper())


def _function_mode_free(
    model: ModuleIndex, func: cst.FunctionDef, depth: int, needs: list[SValue]
) -> bool:
    """A same-file function called from a model's class builds or computes only
    what is mode-free (a ``make_layers`` adding batch norms is not)."""
    if depth > _MAX_DEPTH:
        return False
    for node in nodes_in(func.body, cst.Attribute, cst.Call, memo=memo_of(model)):
        if isinstance(node, cst.Attribute) and node.attr.value == "training":
            return False
        if isinstance(node, cst.Call) and not _call_mode_free(model, node, depth, needs):
            return False
    return True


_REGISTERS = frozenset({"add_module", "register_module"})


def _handed_in_submodule(model: ModuleIndex, node: cst.CSTNode, cls: cst.ClassDef) -> bool:
    """``self.x = <a name or attribute>``: maybe a module made elsewhere; not
    when the class never runs ``self.x`` nor hands it on whole (a size kept for
    ``extra_repr``: ``self.input_dim = input_dim``), nor when it is a function
    by its parameter's default (``activation=F.relu``)."""
    if isinstance(node, cst.Assign):
        targets = [t.target for t in node.targets]
        value: cst.BaseExpression | None = node.value
    elif isinstance(node, cst.AnnAssign):
        targets, value = [node.target], node.value
    else:
        return False
    if not any(isinstance(t, cst.Attribute) and dotted_text(t.value) == "self" for t in targets):
        return False
    if isinstance(value, cst.Name) and (
        value.value in ("None", "True", "False")  # ``self.norm = None``: no module
        or _plain_parameter(model, value)
        or _size_of_a_layer(model, value, node)
    ):
        return False  # `self.hidden = hidden` with `hidden: int = 128`
    if not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript)):
        return False
    if isinstance(value, cst.Name) and _function_default(model, value):
        return False
    if _framework_function(model.qualname(value)):
        return False  # ``self.relu = torch.relu``: a function, not a module
    fields = [t.attr.value for t in targets if isinstance(t, cst.Attribute)]
    return any(_run_or_handed_on(model, cls, field) for field in fields)


def _function_default(model: ModuleIndex, name: cst.Name) -> bool:
    """``name`` is a parameter defaulting to a framework function (``F.relu``)."""
    bindings = model.bindings(name) or []
    if len(bindings) != 1 or not isinstance(bindings[0].node, cst.Param):
        return False
    default = bindings[0].node.default
    return default is not None and _framework_function(model.qualname(default))


def _framework_function(qualname: str | None) -> bool:
    """``torch.relu``, ``F.gelu``: a torch function (lower-case), not a layer class."""
    return qualname is not None and (
        qualname.startswith("torch.nn.functional.")
        or (qualname.startswith("torch.") and qualname.rsplit(".", 1)[-1][:1].islower())
    )


def _run_or_handed_on(model: ModuleIndex, cls: cst.ClassDef, field: str) -> bool:
    """``self.<field>`` is called (``self.act(x)``), iterated, or passed whole
    somewhere in ``cls``: it may be a module; one only read as a number is not."""
    for node in nodes_in(cls, cst.Attribute, memo=memo_of(model)):
        assert isinstance(node, cst.Attribute)
        if node.attr.value != field or dotted_text(node.value) != "self":
            continue
        parent = model.parent(node)
        if isinstance(parent, cst.Call) and parent.func is node:
            return True
        if isinstance(parent, cst.Arg) and _size_for_own_builder(model, cls, parent):
            continue  # ``self.encoder(self.in_channel, 8)`` whose parameter sizes a layer
        if isinstance(parent, (cst.Arg, cst.Element, cst.For, cst.CompFor, cst.Return)):
            return True
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return True  # ``self.block.forward(x)``, ``self.encoder.layers``
        if isinstance(parent, cst.Subscript) and parent.value is node:
            item = model.parent(parent)
            if isinstance(item, cst.Call) and item.func is parent:
                return True  # ``self.layers[i](x)``; not ``self.sizes[i]``
        if isinstance(parent, cst.Assign) and parent.value is node:
            return True  # ``layer = self.block``: followed no further
    return False


def _size_for_own_builder(model: ModuleIndex, cls: cst.ClassDef, arg: cst.Arg) -> bool:
    """``arg`` goes to ``self.<method>(...)`` of ``cls`` whose parameter it
    binds is only ever handed to layer constructors taking sizes
    (``nn.Conv2d(in_channels, out_channels, 3)``): a number (LKU-Net's
    ``UNet.encoder``, audit s220)."""
    call = model.parent(arg)
    if not (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == "self"
        and not any(a.star for a in call.args)
    ):
        return False
    method = own_method(cls, call.func.attr.value)
    if method is None:
        return False
    bound = arguments_by_param(call, param_names(method.params)[1:])
    param = next((name for name, given in (bound or {}).items() if given is arg), None)
    if param is None:
        return False
    uses = [
        n
        for n in nodes_in(method.body, cst.Name, memo=memo_of(model))
        if isinstance(n, cst.Name) and n.value == param
    ]
    return bool(uses) and all(_sizes_a_layer(model, use) for use in uses)


def _sizes_a_layer(model: ModuleIndex, use: cst.Name) -> bool:
    """``use`` is (part of) a positional or keyword argument of a torch layer
    constructor (``nn.Conv2d(c, 2 * c, 3)``)."""
    node: cst.CSTNode = use
    for _ in range(4):
        parent = model.parent(node)
        if isinstance(parent, cst.Arg):
            call = model.parent(parent)
            qualname = model.qualname(call.func) if isinstance(call, cst.Call) else None
            return (
                qualname is not None
                and qualname.startswith(apis.TORCH_NN_PREFIX)
                and qualname not in apis.MODULE_CONTAINERS  # ``nn.Sequential(head)`` holds it
            )
        if not isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)):
            return False
        node = parent
    return False


def _size_of_a_layer(model: ModuleIndex, name: cst.Name, node: cst.CSTNode) -> bool:
    """``name``, a parameter of the function around ``node``, is also handed
    to a layer constructor of that function that takes sizes, not modules
    (``nn.LSTM(in_dim, hidden_dim, ...)``): a number, not a submodule."""
    bindings = model.bindings(name) or []
    if not bindings or any(b.kind != "param" for b in bindings):
        return False
    func = model.enclosing(node, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef):
        return False
    for call in nodes_in(func.body, cst.Call, memo=memo_of(model)):
        qualname = model.qualname(call.func)  # type: ignore[attr-defined]
        if (
            qualname not in apis.MODE_FREE_LAYERS
            and qualname not in apis.RECURRENT_LAYERS
            and qualname not in apis.INSTANCE_NORMS
        ):
            continue
        for arg in call.args:  # type: ignore[attr-defined]
            if type(arg.value) is cst.Name and arg.value.value == name.value:
                return True
    return False


_PLAIN_TYPES = frozenset({"int", "float", "bool", "str"})


def _plain_parameter(model: ModuleIndex, name: cst.Name) -> bool:
    """``name`` is a parameter annotated as, or defaulting to, a number or a string."""
    bindings = model.bindings(name) or []
    if not bindings or any(b.kind != "param" for b in bindings):
        return False
    for binding in bindings:
        param = binding.node
        if not isinstance(param, cst.Param):
            return False
        annotation = param.annotation
        if annotation is not None and dotted_text(annotation.annotation) in _PLAIN_TYPES:
            continue
        default = literal_value(param.default) if param.default is not None else None
        if not isinstance(default, (int, float, str)):
            return False
    return True


def gated_by_flag(model: ModuleIndex, cls: cst.ClassDef, layer: cst.Call) -> bool:
    """``self.dropout = nn.Dropout(p)`` applied in ``forward`` only under ``if
    is_training:``, a parameter of ``forward`` that defaults to False: a call
    that does not pass it runs no dropout in either mode (DSKSD's
    DeepNLP-models notebooks)."""
    assign = model.parent(layer)
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return False
    target = assign.targets[0].target
    if not (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == "self"
    ):
        return False
    attr = target.attr.value
    forward = own_method(cls, "forward", "__call__")
    if forward is None:
        return False
    flags = {
        p.name.value
        for p in forward.params.params
        if p.default is not None and literal_value(p.default) in (False, None)
    }
    uses = [
        n
        for n in nodes_in(forward.body, cst.Attribute, memo=memo_of(model))
        if isinstance(n, cst.Attribute)
        and n.attr.value == attr
        and isinstance(n.value, cst.Name)
        and n.value.value == "self"
    ]
    if not uses or not flags:
        return False
    for use in uses:
        gate = model.enclosing(use, cst.If)
        if not (
            isinstance(gate, cst.If)
            and isinstance(gate.test, cst.Name)
            and gate.test.value in flags
            and any(a is gate.body for a in model.ancestors(use))
        ):
            return False  # also ``else: x = self.dropout(x)``: runs when the flag is off
    return True
