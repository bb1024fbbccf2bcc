"""Constant inits of the layers a ``nn.ModuleList`` holds (what LF315 reads
beside single layers).

``for layer in self.hidden: layer.weight.data.fill_(0.01)`` sets every layer
of the list alike. They are hidden layers when the list holds weight layers
only and what they compute feeds another weight layer of the class
(``for lin in self.hidden: h = lin(h)``, then ``self.head(h)``): a list of
output heads (``self.heads``, each applied to the same features) is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.loops import NORM_HINTS, OUTPUT_LAYER_HINTS
from lossflint.analysis.names import dotted_text, self_attribute
from lossflint.analysis.walk import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


def class_layer_attrs(
    model: SemanticModel, cls: cst.ClassDef, kinds: frozenset[str] = apis.WEIGHT_LAYERS
) -> list[str]:
    """``self.<attr> = <layer of kinds>(...)`` in the class's methods, in order."""
    return [attr for attr, _ in class_layer_sites(model, cls, kinds)]


def class_layer_sites(
    model: SemanticModel, cls: cst.ClassDef, kinds: frozenset[str] = apis.WEIGHT_LAYERS
) -> Iterator[tuple[str, cst.Call]]:
    """``(attr, constructor)`` of each ``self.<attr> = <layer of kinds>(...)``
    in the class's methods, in order."""
    for site in model.calls:
        if site.qualname not in kinds:
            continue
        parent = model.parent(site.node)
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
            continue
        target = parent.targets[0].target
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and model.enclosing(site.node, cst.ClassDef) is cls
        ):
            yield target.attr.value, site.node


def hidden_list_layer(model: SemanticModel, call: cst.Call, owner: cst.Name, zero: bool) -> bool:
    """``owner`` is the variable of a loop over ``self.<attr>``, a module list
    of weight layers that feeds another weight layer of its class."""
    loop = _loop_binding(model, call, owner.value)
    attr = self_attribute(loop.iter) if loop is not None else None
    cls = model.enclosing(call, cst.ClassDef)
    if attr is None or not isinstance(cls, cst.ClassDef):
        return False
    lowered = attr.lower()
    if any(h in lowered for h in NORM_HINTS):
        return False
    if zero and any(h in lowered for h in OUTPUT_LAYER_HINTS):
        return False
    if not _weight_layer_list(model, cls, attr):
        return False
    others = set(class_layer_attrs(model, cls)) - {attr}
    return bool(others) and _list_feeds_layer(model, cls, attr, others)


def _loop_binding(model: SemanticModel, call: cst.Call, name: str) -> cst.For | None:
    """The innermost ``for <name> in ...:`` around ``call`` in its function."""
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.For):
            target = ancestor.target
            if isinstance(target, cst.Name) and target.value == name:
                return ancestor
    return None


def _weight_layer_list(model: SemanticModel, cls: cst.ClassDef, attr: str) -> bool:
    """The class binds ``self.<attr>`` once, to ``nn.ModuleList`` of weight
    layers written out or built by a comprehension."""
    values: list[cst.BaseExpression] = []
    for node in model.nodes_of_type(cst.Assign):
        assign = node
        assert isinstance(assign, cst.Assign)
        for target in assign.targets:
            if (
                self_attribute(target.target) == attr
                and model.enclosing(assign, cst.ClassDef) is cls
            ):
                values.append(assign.value)
    if len(values) != 1:
        return False
    value = values[0]
    if not (
        isinstance(value, cst.Call)
        and model.qualname(value.func) == apis.MODULE_LIST
        and len(value.args) == 1
        and not value.args[0].star
    ):
        return False
    items = value.args[0].value
    if isinstance(items, (cst.ListComp, cst.GeneratorExp)):
        elements: list[cst.BaseExpression] = [items.elt]
    elif isinstance(items, (cst.List, cst.Tuple)) and items.elements:
        elements = [e.value for e in items.elements]
    else:
        return False
    return all(
        isinstance(e, cst.Call) and model.qualname(e.func) in apis.WEIGHT_LAYERS for e in elements
    )


def _list_feeds_layer(model: SemanticModel, cls: cst.ClassDef, attr: str, others: set[str]) -> bool:
    """A method loops over the list (``for lin in self.<attr>``, or through
    ``zip``/``enumerate``), rebinds a name to what a list layer computes, and
    hands that name to another weight layer ``self.<other>(...)``."""
    for method in cls.body.body:
        if not isinstance(method, cst.FunctionDef):
            continue
        fed: set[str] = set()
        for loop in model.nodes_of_type(cst.For):
            assert isinstance(loop, cst.For)
            if model.enclosing(loop, cst.FunctionDef) is not method or not _iterates(loop, attr):
                continue
            variables = _target_names(loop.target)
            for inner in calls_in(loop.body):
                if not (isinstance(inner.func, cst.Name) and inner.func.value in variables):
                    continue
                statement = model.enclosing(inner, cst.Assign)
                if not isinstance(statement, cst.Assign):
                    continue
                for target in statement.targets:
                    if isinstance(target.target, cst.Name):
                        fed.add(target.target.value)
        if not fed:
            continue
        for outer in calls_in(method):
            name = dotted_text(outer.func) or ""
            if not (name.startswith("self.") and name[5:] in others):
                continue
            if any(
                isinstance(n, cst.Name) and n.value in fed
                for arg in outer.args
                for n in operand_names(model, arg.value)
            ):
                return True
    return False


def _iterates(loop: cst.For, attr: str) -> bool:
    """``for x in self.<attr>``, ``zip(self.<attr>, ...)``, ``enumerate(self.<attr>)``."""
    if self_attribute(loop.iter) == attr:
        return True
    return isinstance(loop.iter, cst.Call) and any(
        self_attribute(arg.value) == attr for arg in loop.iter.args
    )


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in _target_names(e.value)}
    return set()


def operand_names(model: SemanticModel, expr: cst.BaseExpression) -> list[cst.Name]:
    """Names an argument expression is computed from (calls, arithmetic, indexing)."""
    found: list[cst.Name] = []
    stack: list[cst.BaseExpression] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.append(node)
        elif isinstance(node, cst.Call):
            # through framework functions, tensor methods and self.<module>
            # calls only: an arbitrary helper may use its input in any way
            qualname = model.qualname(node.func)
            callee = dotted_text(node.func) or ""
            if (qualname or "").startswith(apis.TORCH_PREFIX) or callee.startswith("self."):
                stack.extend(a.value for a in node.args)
            elif isinstance(node.func, cst.Attribute) and qualname is None:
                stack.append(node.func.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, cst.Subscript):
            stack.append(node.value)
        elif isinstance(node, cst.BinaryOperation):
            stack.extend((node.left, node.right))
        elif isinstance(node, cst.UnaryOperation):
            stack.append(node.expression)
        elif isinstance(node, (cst.Tuple, cst.List)):
            stack.extend(e.value for e in node.elements)
    return found
