"""What a field of a configuration object holds, read from its class.

Training scripts keep their settings in a class: a dataclass instance
(``cfg = Config(); Adam(..., lr=cfg.lr)``) or the class itself, Kaggle style
(``class CFG: lr = 0.3`` ... ``lr=CFG.lr``). ``config_field`` gives the
expression that sets such a field, when the file says it surely:

- the class is defined in this file, once, and its body assigns the field once
  (``lr = 0.3``, ``lr: float = 0.3``, ``lr: float = field(default=0.3)``);
- an instance is the one binding of its name, made by a call of that class
  that passes the field by keyword (that value), by position (a dataclass's
  fields in order), or not at all (the class's default); ``*args`` or
  ``**kwargs`` in the call may set anything: unknown;
- nothing else sets it: no method of the class assigns ``self.<field>``, no
  statement of the file assigns ``<anything>.<field>``, and the file never
  calls ``setattr``.

A class with bases other than ``object`` may inherit or override the field:
unknown. Anything else is unknown too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import calls_passing, keyword, literal_value
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import descendants
from lossflint.project.constants import (
    ForeignLiteral,
    imported_class,
    imported_project_callable,
    set_by_project,
)
from lossflint.project.context import current
from lossflint.project.summary import SField, SInstance

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def config_field(
    model: ModuleIndex, expr: cst.Attribute
) -> cst.BaseExpression | ForeignLiteral | None:
    """The expression that gives ``expr`` (``cfg.lr`` / ``CFG.lr``) its value."""
    name = expr.attr.value
    base = expr.value
    if not isinstance(base, cst.Name) or _set_elsewhere(model, name):
        return None
    bindings = model.bindings(base) or []
    if len(bindings) != 1:
        return None
    binding = bindings[0]
    if binding.kind == "class" and isinstance(binding.node, cst.ClassDef):
        if _handed_on(model, base.value, name):
            return None
        return _class_field(model, binding.node, name)
    if binding.kind != "assign" or not isinstance(binding.node, cst.Call):
        return None
    return instance_field(model, binding.node, name)


def instance_field(
    model: ModuleIndex, call: cst.Call, name: str
) -> cst.BaseExpression | ForeignLiteral | None:
    """What the field ``name`` of the object ``call`` makes holds: ``call``
    constructs a class of this file, or one another project module defines
    (``from config import Config``), and nothing sets the field otherwise."""
    cls = _defined_class(model, call.func)
    foreign = imported_class(model, call.func) if cls is None else None
    if (cls is None and foreign is None) or any(arg.star for arg in call.args):
        return None
    if _set_elsewhere(model, name) or _escapes(model, call, name):
        return None
    given = keyword(call, name)
    if given is not None:
        return given.value
    context = current()
    shape = context.class_field(foreign, name) if foreign is not None and context else None
    if foreign is not None and shape is None:
        return None
    positional = [arg.value for arg in call.args if arg.keyword is None]
    if positional:
        fields = _dataclass_fields(model, cls) if cls is not None else shape[2]  # type: ignore[index]
        if fields is None or name not in fields:
            return None
        index = fields.index(name)
        if index < len(positional):
            return positional[index]
    if cls is not None:
        return _class_field(model, cls, name)
    literal, rel, _ = shape  # type: ignore[misc]
    if literal is None:
        return None
    return ForeignLiteral(literal.value, rel, literal.line, literal.column)


def built_numbers(
    model: ModuleIndex, name: cst.Name, fields: Iterable[str]
) -> list[tuple[str, float, cst.BaseExpression | ForeignLiteral]]:
    """The numbers the fields of the object ``name`` holds, when ``name`` is
    bound once to a construction of a configuration class (``cfg =
    TrainConfig()``) and nothing here sets them, each with what gives it: an
    expression of this file (``TrainConfig(lr=0.2)``) or the literal of the
    class's body."""
    found: list[tuple[str, float, cst.BaseExpression | ForeignLiteral]] = []
    for field in fields:
        given = config_field(model, cst.Attribute(value=name, attr=cst.Name(field)))
        number = given.value if isinstance(given, ForeignLiteral) else literal_value(given)
        if given is None or not isinstance(number, (int, float)) or isinstance(number, bool):
            continue
        found.append((field, float(number), given))
    return found


def passed_config_field(model: ModuleIndex, name: cst.Name, field: str) -> ForeignLiteral | None:
    """``self.cfg.lr`` where ``self.cfg = cfg`` keeps the ``__init__``
    parameter ``cfg`` (``name``): the number every construction of the class
    in other project files gives the field (``AnomalyModule(cfg)`` of ``cfg =
    TrainConfig()``, whose ``lr: float = 0.2``), when they agree and nothing
    in this file sets it."""
    from lossflint.analysis.kinds import kinds_of

    bindings = model.bindings(name) or []
    init = model.enclosing(name, cst.FunctionDef)
    if (
        len(bindings) != 1
        or bindings[0].kind != "param"
        or not isinstance(init, cst.FunctionDef)
        or init.name.value != "__init__"
        or _set_elsewhere(model, field)
    ):
        return None
    params = [p.name.value for p in (*init.params.posonly_params, *init.params.params)]
    if name.value not in params or params.index(name.value) == 0:
        return None
    position = params.index(name.value) - 1
    records = kinds_of(model).inits_from_other_files(init)
    found: list[SField] = []
    for record in records:
        given = record.keywords.get(name.value)
        if given is None and position < len(record.args):
            given = record.args[position]
        if record.opaque or not isinstance(given, SInstance):
            return None
        numbers = [f for f in given.fields if f.name == field]
        if not numbers:
            return None
        found.append(numbers[0])
    if not found or any(f.value != found[0].value for f in found):
        return None
    first = found[0]
    return ForeignLiteral(first.value, first.file, first.line, first.column)


def _escapes(model: ModuleIndex, call: cst.Call, name: str) -> bool:
    """The object ``call`` makes is handed to code that may set its fields:
    passed to a call other than of this file's functions and classes (or of
    another project module's, when no project file sets ``.<name>`` or calls
    ``setattr``): ``parser.parse_args(namespace=cfg)``, ``vars(cfg)``."""
    holder = model.parent(call)
    if not isinstance(holder, cst.Assign) or len(holder.targets) != 1:
        return not isinstance(model.parent(call), cst.Attribute)  # ``Config().lr``
    held = dotted_text(holder.targets[0].target)
    return held is None or _handed_on(model, held, name)


def _handed_on(model: ModuleIndex, held: str, name: str) -> bool:
    """``held`` (``cfg``, ``self.cfg``, a settings class) is an argument of a
    call that may set its field ``name``."""
    for callee in calls_passing(model, held):
        if callee is None:
            return True
        func = callee.func
        if model.defined_function(func) is not None or _defined_class(model, func) is not None:
            continue
        if model.qualname(func) in _READING_BUILTINS:
            continue  # ``print(cfg)``: read, never set
        if imported_project_callable(model, func) and not set_by_project(name):
            continue
        return True
    return False


#: built-ins that only read the object they are given (``vars`` and
#: ``setattr`` hand out or change its fields)
_READING_BUILTINS = frozenset(
    f"builtins.{name}"
    for name in (
        "print",
        "str",
        "repr",
        "format",
        "len",
        "type",
        "id",
        "hash",
        "isinstance",
        "hasattr",
    )
)


def _defined_class(model: ModuleIndex, func: cst.BaseExpression) -> cst.ClassDef | None:
    if not isinstance(func, cst.Name):
        return None
    bindings = model.bindings(func) or []
    if len(bindings) != 1 or bindings[0].kind != "class":
        return None
    node = bindings[0].node
    return node if isinstance(node, cst.ClassDef) else None


def _class_field(model: ModuleIndex, cls: cst.ClassDef, name: str) -> cst.BaseExpression | None:
    """The one assignment of ``name`` in the body of ``cls``, when no method
    of it sets ``self.<name>`` (an ``__init__``/``__post_init__`` may)."""
    if any(dotted_text(base.value) not in ("object",) for base in cls.bases):
        return None
    found: list[cst.BaseExpression] = []
    for stmt in cls.body.body:
        if isinstance(stmt, cst.FunctionDef):
            if _assigns_self(stmt, name):
                return None
            continue
        if not isinstance(stmt, cst.SimpleStatementLine):
            if _binds(stmt, name):
                return None  # under an ``if``/``try`` in the class body
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name) and target.target.value == name:
                        found.append(small.value)
            elif (
                isinstance(small, cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value == name
                and small.value is not None
            ):
                found.append(_field_default(model, small.value))
    if len(found) != 1:
        return None
    return found[0]


def _field_default(model: ModuleIndex, value: cst.BaseExpression) -> cst.BaseExpression:
    """``field(default=0.3)`` → ``0.3`` (anything else is itself)."""
    if isinstance(value, cst.Call) and model.qualname(value.func) in apis.DATACLASS_FIELD:
        default = keyword(value, "default")
        if default is not None:
            return default.value
    return value


def _dataclass_fields(model: ModuleIndex, cls: cst.ClassDef) -> list[str] | None:
    """A dataclass's fields in order (its annotated names); None for a class
    that is not one (its constructor's parameters are its ``__init__``'s)."""
    if not any(
        model.qualname(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
        in apis.DATACLASS_DECORATORS
        for d in cls.decorators
    ):
        return None
    fields: list[str] = []
    for stmt in cls.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    fields.append(small.target.value)
    return fields


def _assigns_self(func: cst.FunctionDef, name: str) -> bool:
    wanted = f"self.{name}"
    for node in descendants(func):
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            if dotted_text(node.target) == wanted:
                return True
    return False


def _binds(stmt: cst.CSTNode, name: str) -> bool:
    return any(isinstance(node, cst.Name) and node.value == name for node in descendants(stmt))


def _set_elsewhere(model: ModuleIndex, name: str) -> bool:
    """``<x>.<name> = ...`` (or ``+=``) anywhere in the file outside a method
    assigning ``self`` (those are read per class), or a ``setattr`` call."""
    for node in model.nodes_of_type(cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Call):
        if isinstance(node, cst.Call):
            if dotted_text(node.func) == "setattr":
                return True
            continue
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
            targets = [node.target]
        else:
            continue
        for target in targets:
            if (
                isinstance(target, cst.Attribute)
                and target.attr.value == name
                and dotted_text(target.value) != "self"
            ):
                return True
    return False


def branch_not_taken(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """``node`` sits in a branch a configuration field decides against: the
    body of ``if cfg.optimizer == "adam":`` (or the ``elif`` after a test
    that holds) where ``cfg.optimizer`` is the literal ``"sgd"``."""
    child, parent = node, model.parents.get(node)
    while parent is not None:
        if type(parent) is cst.If:
            truth = _config_test(model, parent.test)
            if truth is False and child is parent.body:
                return True
            if truth is True and child is parent.orelse:
                return True
        child, parent = parent, model.parents.get(parent)
    return False


def _config_test(model: ModuleIndex, test: cst.BaseExpression) -> bool | None:
    """Whether ``cfg.<field> == <literal>`` (or ``!=``) holds, the field a
    literal of its configuration class; None when not known."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    if not isinstance(target.operator, (cst.Equal, cst.NotEqual)):
        return None
    expected = literal_value(target.comparator)
    if not isinstance(test.left, cst.Attribute) or not isinstance(expected, str):
        return None
    found = config_field(model, test.left)
    value = found.value if isinstance(found, ForeignLiteral) else None
    if isinstance(found, cst.BaseExpression):
        value = literal_value(found)
    if not isinstance(value, str):
        return None
    return (value == expected) is isinstance(target.operator, cst.Equal)
