"""Constant weight inits of hidden layers (what LF315 reports).

A weight set to one constant is harmless on a bias, a norm, the final layer or
a zero-initialised gate; it breaks training only on a *hidden* layer, whose
units then stay identical. This module finds the init calls (torch init
functions, ``fill_``/``zero_`` on a weight, Keras constant initialisers) and
decides, from the file alone, whether the layer they set is hidden.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, keyword, literal_value, positional
from lossflint.analysis.keras_symmetry import (
    drifts_apart,
    next_added,
    next_applied,
    next_weight_layer,
)
from lossflint.analysis.layer_list_inits import (
    class_layer_attrs,
    class_layer_sites,
    hidden_list_layer,
    operand_names,
)
from lossflint.analysis.loops import NORM_HINTS, OUTPUT_LAYER_HINTS
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.type_tests import class_test
from lossflint.analysis.values import Layer, Sequential
from lossflint.analysis.walk import calls_in
from lossflint.project.callers import external_calls

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


@dataclass(frozen=True)
class ConstantInit:
    """An init call that sets a hidden layer's whole weight to ``value``."""

    call: cst.Call
    value: float


def constant_hidden_inits(model: SemanticModel) -> Iterator[ConstantInit]:
    """Torch init functions first, then ``fill_``/``zero_``, then Keras layers."""
    weight_layer_count = sum(len(list(model.calls_to(q))) for q in apis.WEIGHT_LAYERS)
    for qualname, fixed_value in apis.CONSTANT_INITS.items():
        for site in model.calls_to(qualname):
            call = site.node
            target = argument(call, 0, "tensor")
            if target is None:
                continue
            if fixed_value is not None:
                constant = fixed_value
            else:
                found = literal_value(argument(call, 1, "val"))
                if not isinstance(found, (int, float)) or isinstance(found, bool):
                    continue
                constant = float(found)
            if _hidden_weight(model, call, target, weight_layer_count, constant):
                yield ConstantInit(call, constant)
    for site in model.method_calls("fill_", "zero_"):
        call = site.node
        func = call.func
        assert isinstance(func, cst.Attribute)
        if func.attr.value == "fill_":
            args = positional(call)
            if len(args) != 1:
                continue
            found = literal_value(args[0].value)
            if not isinstance(found, (int, float)) or isinstance(found, bool):
                continue
            constant = float(found)
        else:
            if call.args:
                continue
            constant = 0.0
        if _hidden_weight(model, call, func.value, weight_layer_count, constant):
            yield ConstantInit(call, constant)
    for site in model.calls_to(*apis.KERAS_WEIGHT_LAYERS):
        call = site.node
        init = keyword(call, "kernel_initializer")
        frozen = keyword(call, "trainable")
        if init is None or (frozen is not None and literal_value(frozen.value) is False):
            continue  # a fixed layer (``trainable=False``: a sum, an average) is meant constant
        keras_constant = _keras_constant(model, init.value)
        if keras_constant is None or not _keras_hidden(model, call):
            continue
        if abs(keras_constant) <= 1 and literal_value(argument(call, 0, "units")) == 1:
            continue  # one unit has no twin to stay equal to (a learned global bias)
        following = next_weight_layer(model, call)
        following_init = keyword(following, "kernel_initializer") if following else None
        next_constant = (
            None
            if following is None
            else following_init is not None
            and _keras_constant(model, following_init.value) is not None
        )
        if drifts_apart(model, call, keras_constant, next_constant):
            continue  # the next layer's random weights set its units apart
        yield ConstantInit(call, keras_constant)


def _hidden_weight(
    model: SemanticModel,
    call: cst.Call,
    target: cst.BaseExpression,
    weight_layer_count: int,
    constant: float = 0.0,
) -> bool:
    """``target`` is ``<layer>.weight`` (or its ``.data``) of a hidden layer."""
    if isinstance(target, cst.Attribute) and target.attr.value == "data":
        target = target.value
    if not (isinstance(target, cst.Attribute) and target.attr.value == "weight"):
        return False
    return _hidden(model, call, target.value, weight_layer_count, constant)


def _hidden(
    model: SemanticModel,
    call: cst.Call,
    owner: cst.BaseExpression,
    weight_layer_count: int,
    constant: float = 0.0,
) -> bool:
    # (a) `if isinstance(m, nn.Linear): ...` in an init function
    if isinstance(owner, cst.Name):
        classes = _narrowed_classes(model, call, owner.value)
        if classes and _targets_one_layer(model, call, owner.value):
            return False
        if classes and all(q in apis.WEIGHT_LAYERS for q in classes):
            if _applied_to_single_layers(model, call) or _only_a_final_layer(model, classes):
                return False
            return weight_layer_count >= 2 or _init_function_used_elsewhere(model, call)
        # (a') ``for layer in self.hidden: layer.weight.data.fill_(c)`` of a module list
        return not classes and hidden_list_layer(model, call, owner, zero=constant == 0)
    # (b) `self.fc1.weight` of a class with a later weight layer
    if (
        isinstance(owner, cst.Attribute)
        and isinstance(owner.value, cst.Name)
        and owner.value.value == "self"
    ):
        return _hidden_attribute(
            model, call, owner.attr.value, zero=constant == 0, constant=constant
        )
    # (c) `seq[0].weight` of an nn.Sequential
    found = _sequential_item(model, owner)
    if found is None:
        return False
    container, position = found
    layer = container.layers[position]
    if not (isinstance(layer, Layer) and layer.qualname in apis.WEIGHT_LAYERS):
        return False
    return any(
        isinstance(later, Layer) and later.qualname in apis.WEIGHT_LAYERS
        for later in container.layers[position + 1 :]
    )


def _only_a_final_layer(model: SemanticModel, classes: list[str]) -> bool:
    """The file builds one layer of these classes, the last item of an
    ``nn.Sequential`` (an ``OrderedDict``'s last entry too): the classifier
    a ``for m in self.modules(): if isinstance(m, nn.Linear)`` zeroes
    (davda54/sam's WideResNet, audit s164) is the final layer."""
    built = [site.node for q in classes for site in model.calls_to(q)]
    if len(built) != 1:
        return False
    layer = built[0]
    for up in model.ancestors(layer):
        if isinstance(up, cst.Call) and model.qualname(up.func) in apis.SEQUENTIAL:
            items = [a for a in up.args if not a.keyword]
            return bool(items) and not items[-1].star and _holds_last(model, items[-1].value, layer)
    return False


def _holds_last(model: SemanticModel, item: cst.BaseExpression, layer: cst.CSTNode) -> bool:
    """``item`` is ``layer``, or an ``OrderedDict([..., (name, layer)])``
    whose last entry holds it."""
    if item is layer:
        return True
    if (
        isinstance(item, cst.Call)
        and (model.qualname(item.func) or "").endswith("OrderedDict")
        and len(item.args) == 1
        and isinstance(item.args[0].value, (cst.List, cst.Tuple))
    ):
        entries = item.args[0].value.elements
        last = entries[-1].value if entries else None
        return (
            isinstance(last, cst.Tuple)
            and len(last.elements) == 2
            and last.elements[1].value is layer
        )
    return False


def _sequential_item(
    model: SemanticModel, expr: cst.BaseExpression
) -> tuple[Sequential, int] | None:
    """``seq[2]`` of a known ``nn.Sequential``: the container and the index."""
    if not isinstance(expr, cst.Subscript) or len(expr.slice) != 1:
        return None
    element = expr.slice[0].slice
    if not isinstance(element, cst.Index):
        return None
    position = literal_value(element.value)
    container = model.value(expr.value)
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        return None
    if not isinstance(container, Sequential) or position >= len(container.layers):
        return None
    return container, position


def _applied_to_single_layers(model: SemanticModel, call: cst.Call) -> bool:
    """The init function holding ``call`` is only applied (``block.apply(
    init_42)``) to modules the file knows, each with at most one weight
    layer: which layer of the model that is (the final one, as often) is not
    known, so it is not surely a hidden one."""
    func = model.enclosing(call, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef):
        return False
    receivers: list[cst.BaseExpression] = []
    for site in model.method_calls("apply"):
        args = site.node.args
        if (
            len(args) == 1
            and isinstance(args[0].value, cst.Name)
            and args[0].value.value == func.name.value
        ):
            receivers.append(cast(cst.Attribute, site.node.func).value)
    if not receivers:
        return False
    for receiver in receivers:
        value = model.value(receiver)
        item = _sequential_item(model, receiver)
        if item is not None:
            # ``net[2].apply(init_42)``: that layer; hidden when a weight layer follows
            container, position = item
            if any(
                isinstance(later, Layer) and later.qualname in apis.WEIGHT_LAYERS
                for later in container.layers[position + 1 :]
            ):
                return False
            value = container.layers[position]
        if isinstance(value, Layer):
            continue
        if not isinstance(value, Sequential) or any(layer is None for layer in value.layers):
            return False
        weights = [
            layer
            for layer in value.layers
            if not isinstance(layer, Layer) or layer.qualname in apis.WEIGHT_LAYERS
        ]
        if len(weights) > 1:
            return False
    return True


def _init_function_used_elsewhere(model: SemanticModel, call: cst.Call) -> bool:
    """``call`` is in a module-level init function of a file that builds no
    model (``utils/init.py``) that other project modules use (``model.apply(
    init_weights)`` in ``models/``): the layers it sets are theirs, which a
    per-layer init function is written for."""
    func = model.enclosing(call, cst.FunctionDef)
    if not isinstance(func, cst.FunctionDef) or model.parent(func) is not model.module:
        return False
    found = external_calls([func.name.value])
    return bool(found and found.get(func.name.value))


def _keras_constant(model: SemanticModel, expr: cst.BaseExpression, depth: int = 2) -> float | None:
    if isinstance(expr, cst.Name) and depth > 0:
        # ``init = Constant(value=0)`` then ``kernel_initializer=init``
        bound = reaching_assignment(model, expr)
        return _keras_constant(model, bound, depth - 1) if bound is not None else None
    text = literal_value(expr)
    if isinstance(text, str):
        return apis.KERAS_CONSTANT_STRINGS.get(text.lower())
    if isinstance(expr, cst.Call):
        qualname = model.qualname(expr.func)
        if qualname in apis.KERAS_CONSTANT_INITIALIZERS:
            default = apis.KERAS_CONSTANT_INITIALIZERS[qualname]
            if default is not None:
                return default
            found = literal_value(argument(expr, 0, "value"))
            if isinstance(found, (int, float)) and not isinstance(found, bool):
                return float(found)
            if argument(expr, 0, "value") is None:
                return 0.0
    return None


def _keras_hidden(model: SemanticModel, call: cst.Call) -> bool:
    """The layer is followed by another weight layer in a Sequential list or
    ``model.add`` chain, or (a subclassed model) its output feeds another
    weight layer of the class (``self.out(self.fc(x))`` in ``call``)."""
    parent = model.parent(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            return _hidden_attribute(model, call, target.attr.value, apis.KERAS_WEIGHT_LAYERS)
    if isinstance(parent, cst.Element):
        container = model.parent(parent)
        holder = model.parent(container) if container is not None else None
        owner = model.parent(holder) if isinstance(holder, cst.Arg) else None
        if isinstance(container, cst.List) and isinstance(owner, cst.Call):
            if model.qualname(owner.func) not in apis.KERAS_SEQUENTIAL:
                return False
            elements = [e.value for e in container.elements]
            position = next(i for i, e in enumerate(elements) if e is call)
            return any(
                isinstance(e, cst.Call) and model.qualname(e.func) in apis.KERAS_WEIGHT_LAYERS
                for e in elements[position + 1 :]
            )
        return False
    if isinstance(parent, cst.Call) and parent.func is call:
        return _functional_hidden(model, parent)
    if isinstance(parent, cst.Arg):
        add = model.parent(parent)
        if not (
            isinstance(add, cst.Call)
            and isinstance(add.func, cst.Attribute)
            and add.func.attr.value == "add"
        ):
            return False
        return next_added(model, add) is not None
    return False


def _functional_hidden(model: SemanticModel, applied: cst.Call) -> bool:
    """Functional API: ``x = layers.Dense(256, ...)(x)`` whose result reaches
    another weight layer's application later in the same block."""
    return next_applied(model, applied) is not None


def _targets_one_layer(model: SemanticModel, node: cst.CSTNode, name: str) -> bool:
    """Inside ``if name.startswith("head"):`` (or any test that is not an
    isinstance check on ``name``): the init picks particular layers, such as
    timm's zero-initialised classifier head."""
    child = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, cst.If) and (child is ancestor.body or child is ancestor.orelse):
            if _isinstance_classes(model, ancestor.test, name) is None:
                return True
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
            break
        child = ancestor
    return False


def _narrowed_classes(model: SemanticModel, node: cst.CSTNode, name: str) -> list[str]:
    """Classes ``name`` is narrowed to by an enclosing ``if isinstance(name, C)``."""
    child = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, cst.If) and child is ancestor.body:
            classes = _isinstance_classes(model, ancestor.test, name)
            if classes is not None:
                return classes
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
            break
        child = ancestor
    return []


def _isinstance_classes(
    model: SemanticModel, test: cst.BaseExpression, name: str
) -> list[str] | None:
    named = _class_name_test(model, test, name)
    if named is not None:
        # DCGAN's ``classname.find('Conv') != -1``: the layers whose class
        # name holds the text (a norm layer's is not a weight layer's)
        layers = sorted(q for q in apis.WEIGHT_LAYERS if named in q.rsplit(".", 1)[-1])
        return layers if layers and not any(h in named.lower() for h in NORM_HINTS) else ["?"]
    found = class_test(model, test)
    if found is None or found.subject != name:
        return None
    return [n if n is not None else "?" for n in found.classes]


def _class_name_test(model: SemanticModel, test: cst.BaseExpression, name: str) -> str | None:
    """The text a test looks for in ``name``'s class name: ``classname.find('Conv')
    != -1``, ``'Conv' in classname``, ``classname.startswith('Conv')``, with
    ``classname = m.__class__.__name__`` (or ``type(m).__name__``)."""
    subject: cst.BaseExpression | None = None
    text: object = None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        left = test.left
        if (
            isinstance(target.operator, (cst.NotEqual, cst.GreaterThan, cst.GreaterThanEqual))
            and isinstance(left, cst.Call)
            and isinstance(left.func, cst.Attribute)
            and left.func.attr.value == "find"
            and len(left.args) == 1
            and literal_value(target.comparator) in (-1, 0)
        ):
            subject, text = left.func.value, literal_value(left.args[0].value)
        elif isinstance(target.operator, cst.In):
            subject, text = target.comparator, literal_value(left)
    elif (
        isinstance(test, cst.Call)
        and isinstance(test.func, cst.Attribute)
        and test.func.attr.value == "startswith"
        and len(test.args) == 1
    ):
        subject, text = test.func.value, literal_value(test.args[0].value)
    if not isinstance(text, str) or not text or subject is None:
        return None
    if isinstance(subject, cst.Name):
        bindings = model.bindings(subject) or []
        if len(bindings) != 1 or not isinstance(bindings[0].node, cst.BaseExpression):
            return None
        subject = bindings[0].node
    return text if _names_class_of(model, subject, name) else None


def _names_class_of(model: SemanticModel, expr: cst.BaseExpression, name: str) -> bool:
    """``expr`` is ``name.__class__.__name__`` or ``type(name).__name__``."""
    if not isinstance(expr, cst.Attribute) or expr.attr.value != "__name__":
        return False
    owner = expr.value
    if isinstance(owner, cst.Attribute) and owner.attr.value == "__class__":
        return dotted_text(owner.value) == name
    return (
        isinstance(owner, cst.Call)
        and model.qualname(owner.func) == "builtins.type"
        and len(owner.args) == 1
        and dotted_text(owner.args[0].value) == name
    )


def _hidden_attribute(
    model: SemanticModel,
    call: cst.Call,
    attr: str,
    kinds: frozenset[str] = apis.WEIGHT_LAYERS,
    zero: bool = True,
    constant: float = 0.0,
) -> bool:
    """``self.<attr>`` is a hidden layer: not named for normalisation, not the
    layer ``forward`` returns, feeding another layer; named like an output,
    offset or gate projection (``proj``, ``gate``, ``head``) it is a hidden
    layer only for a non-zero constant (their zero init is a known technique)."""
    lowered = attr.lower()
    if any(h in lowered for h in NORM_HINTS):
        return False
    output_like = any(h in lowered for h in OUTPUT_LAYER_HINTS)
    if zero and output_like:
        return False
    cls = model.enclosing(call, cst.ClassDef)
    if not isinstance(cls, cst.ClassDef):
        return False
    if output_like and _ends_residual_branch(model, cls, attr):
        return False  # ``x = x + self.out_proj(h)``: a small start of the branch, like zero
    layers = class_layer_attrs(model, cls, kinds)
    if attr not in layers or layers[-1] == attr:
        return False
    if abs(constant) <= 1 and _one_unit(model, cls, attr):
        return False  # one output unit has no twin to stay equal to (an attention gate's)
    # the layer whose output forward (Keras: call) returns is the final one
    for node in cls.body.body:
        if isinstance(node, cst.FunctionDef) and node.name.value in ("forward", "call"):
            for inner in calls_in(node):
                if dotted_text(inner.func) == f"self.{attr}" and _in_return(model, inner):
                    if not _is_argument_of_call(model, inner, node):
                        return False
    # declaration order is weak evidence: require that the layer's output
    # feeds another weight layer (zero-initialised offset/gate projections
    # whose output is used directly are a known technique)
    return _feeds_another_layer(model, cls, attr, set(layers) - {attr})


def _one_unit(model: SemanticModel, cls: cst.ClassDef, attr: str) -> bool:
    """``self.<attr> = nn.Conv1d(c, 1, 9)`` / ``nn.Linear(d, 1)`` in ``cls``:
    a layer with one output unit (every construction of it)."""
    ctors = [call for name, call in class_layer_sites(model, cls) if name == attr]
    return bool(ctors) and all(
        literal_value(argument(c, 1, "out_features") or argument(c, 1, "out_channels")) == 1
        for c in ctors
    )


def _ends_residual_branch(model: SemanticModel, cls: cst.ClassDef, attr: str) -> bool:
    """A method adds ``self.<attr>(...)`` to something (``x + self.out_proj(h)``,
    ``x += self.out_proj(h)``): the last layer of a residual branch."""
    for node in cls.body.body:
        if not isinstance(node, cst.FunctionDef):
            continue
        for inner in calls_in(node):
            if dotted_text(inner.func) != f"self.{attr}":
                continue
            parent = model.parent(inner)
            if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Add):
                return True
            if isinstance(parent, cst.AugAssign) and isinstance(parent.operator, cst.AddAssign):
                return True
    return False


def _feeds_another_layer(
    model: SemanticModel, cls: cst.ClassDef, attr: str, others: set[str]
) -> bool:
    """``self.b(self.a(x))`` or ``h = self.a(x) ... self.b(h)`` in a method."""
    for node in cls.body.body:
        if not isinstance(node, cst.FunctionDef):
            continue
        fed_names: set[str] = set()
        calls = calls_in(node)
        for inner in calls:
            if dotted_text(inner.func) != f"self.{attr}":
                continue
            for ancestor in model.ancestors(inner):
                if isinstance(ancestor, cst.Call):
                    name = dotted_text(ancestor.func) or ""
                    if name.startswith("self.") and name[5:] in others:
                        return True
                if isinstance(ancestor, cst.Assign):
                    for target in ancestor.targets:
                        if isinstance(target.target, cst.Name):
                            fed_names.add(target.target.value)
                    break
                if isinstance(ancestor, cst.BaseStatement):
                    break
        if not fed_names:
            continue
        for outer in calls:
            name = dotted_text(outer.func) or ""
            if not (name.startswith("self.") and name[5:] in others):
                continue
            for arg in outer.args:
                if any(
                    isinstance(n, cst.Name) and n.value in fed_names
                    for n in operand_names(model, arg.value)
                ):
                    return True
    return False


def _in_return(model: SemanticModel, node: cst.CSTNode) -> bool:
    return model.enclosing(node, cst.Return) is not None


def _is_argument_of_call(model: SemanticModel, node: cst.CSTNode, stop: cst.CSTNode) -> bool:
    """``self.out(self.hidden(x))``: ``self.hidden`` feeds another call."""
    for ancestor in model.ancestors(node):
        if ancestor is stop or isinstance(ancestor, cst.Return):
            return False
        if isinstance(ancestor, cst.Arg):
            return True
    return False
