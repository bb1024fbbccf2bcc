"""Reading imported project names the way the interpreter evaluates code.

The interpreter of a file meets an imported name (``Net``, ``build_model``,
``models.net``) and asks here what it is; the answers are summary values
(:mod:`~lossflint.project.summary`), which the interpreter keeps as they are
(wrapped in its ``Foreign`` value) until a domain turns a leaf into its own
value (an ``STensor`` into a tensor of that kind):

- :func:`value_of_import` — an import binding (absolute or relative);
- :func:`value_of_qualname` — ``models.net.Net`` reached as a dotted name;
- :func:`call` — what calling a summarised value returns (a class gives an
  instance, an instance runs ``forward``/``call``/``__call__``, a function
  gives its summarised return, ``nn.Sequential``/layers their output);
- :func:`attribute` — ``module.name``, ``instance.attr``, ``Class.method``.

Everything returns None when the project does not know: unknown means silence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import libcst as cst

from lossflint.project.context import ProjectContext, current
from lossflint.project.summary import (
    S_UNKNOWN,
    ClassSummary,
    FunctionSummary,
    SAlias,
    SClass,
    SDict,
    SFunction,
    SInstance,
    SLayer,
    SModule,
    SObject,
    SSequential,
    STensor,
    SValue,
)

#: the methods a call of an instance runs, by framework
CALL_METHODS = ("forward", "call", "__call__")


def _dotted(node: cst.BaseExpression | None) -> str:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
    return ".".join(reversed(parts))


def value_of_import(
    node: cst.Import | cst.ImportFrom, local: str, context: ProjectContext | None = None
) -> SValue | None:
    """What the import statement ``node`` binds to the name ``local``."""
    context = context or current()
    if context is None:
        return None
    if isinstance(node, cst.Import):
        for alias in node.names:
            if _dotted(alias.name).split(".", 1)[0] in FRAMEWORK_ROOTS:
                continue
            full = _dotted(alias.name)
            asname = alias.asname.name if alias.asname is not None else None
            if isinstance(asname, cst.Name):
                if asname.value == local:
                    return context.import_module(full)
            elif full.split(".")[0] == local:
                return context.import_module(local)
        return None
    if isinstance(node.names, cst.ImportStar):
        return None
    level = len(node.relative)
    module = _dotted(node.module) if node.module is not None else ""
    if not level and module.split(".", 1)[0] in FRAMEWORK_ROOTS:
        return None
    for alias in node.names:
        name = _dotted(alias.name)
        asname = alias.asname.name if alias.asname is not None else None
        bound = asname.value if isinstance(asname, cst.Name) else name
        if bound == local:
            return context.import_name(module, level, name)
    return None


def value_of_star(
    stars: Sequence[cst.ImportFrom], local: str, context: ProjectContext | None = None
) -> SValue | None:
    """A name its module binds nowhere, bound by ``from <project module> import
    *``: ``stars`` are the star imports that may bind it, last first, that the
    catalogue does not read (:meth:`~lossflint.analysis.names.FreeNames.unread_stars`).
    The first that binds it decides; one that is not the project's (a module
    outside the project) may bind anything: unknown."""
    context = context or current()
    if context is None:
        return None
    for node in stars:
        level = len(node.relative)
        module = _dotted(node.module) if node.module is not None else ""
        if not level and module.split(".", 1)[0] in FRAMEWORK_ROOTS:
            return None
        found = context.star_name(module, level, local)
        if found is None:
            return None  # not the project's: it may bind anything
        binds, value = found
        if binds:
            return value
    return None


def value_of_qualname(qualname: str, context: ProjectContext | None = None) -> SValue | None:
    """``models.net.Net`` (a name as imported and dotted): the longest prefix
    that is a project module, then attributes."""
    context = context or current()
    if context is None:
        return None
    parts = qualname.split(".")
    for cut in range(len(parts), 0, -1):
        module = context.import_module(".".join(parts[:cut]))
        if module is None:
            continue
        if cut == len(parts) > 1:
            # ``from pkg.models import TempCNN`` where ``pkg/models/__init__``
            # re-binds the name to the class of ``TempCNN.py``: Python takes
            # the package's attribute before the submodule
            parent = context.import_module(".".join(parts[:-1]))
            bound = context.module_attr(parent, parts[-1]) if parent is not None else None
            resolved = context.resolve(bound) if bound is not None else None
            if resolved is not None and not isinstance(resolved, SModule):
                return bound
        value: SValue | None = module
        for name in parts[cut:]:
            value = attribute(value, name, context) if value is not None else None
        return value
    return None


def attribute(value: SValue, name: str, context: ProjectContext | None = None) -> SValue | None:
    context = context or current()
    if context is None:
        return None
    value = context.resolve(value)
    if isinstance(value, SModule):
        return context.module_attr(value, name)
    if isinstance(value, (SInstance, SClass)) and not context.may_have_member(value, name):
        return None
    if isinstance(value, (SInstance, SClass)):
        # a plain method, by the classes' syntax: no summary of the (often
        # big) classes along the bases is needed to name it
        defined_in = context.method_owner(value, name)
        if defined_in is not None:
            return SFunction(defined_in[0], f"{defined_in[1]}.{name}")
    if isinstance(value, SInstance):
        cls = context.class_summary(value)
        if cls is not None and name in cls.attrs:
            return context.resolve(cls.attrs[name])
        method = context.method_summary(value, name)
        if method is not None:
            owner = method.name.split(".")[0]
            return SFunction(_file_of_method(context, value, owner) or value.file, method.name)
        return None
    if isinstance(value, SClass):
        cls = context.class_summary(value)
        if cls is not None and name in cls.attrs:
            return context.resolve(cls.attrs[name])
        method = context.method_summary(value, name)
        if method is not None:
            owner = method.name.split(".")[0]
            return SFunction(_file_of_method(context, value, owner) or value.file, method.name)
    return None


def _project_classes(
    context: ProjectContext, start: SValue
) -> Iterator[tuple[SClass | SInstance, ClassSummary | None]]:
    """``start``'s class and its project bases (breadth first, bounded), each
    with its summary."""
    todo: list[SValue] = [start]
    seen = 0
    while todo and seen < 20:
        seen += 1
        current_value = context.resolve(todo.pop(0))
        if not isinstance(current_value, (SClass, SInstance)):
            continue
        cls = context.class_summary(current_value)
        yield current_value, cls
        if cls is not None:
            todo.extend(cls.bases)


def derives_from(
    value: SValue,
    qualnames: frozenset[str] | Callable[[str], bool],
    unless: Callable[[ClassSummary], bool] | None = None,
    context: ProjectContext | None = None,
) -> bool:
    """The project class ``value`` has a framework base in ``qualnames`` (or
    one ``qualnames`` accepts) along its project bases (``class
    DistillTrainer(BaseTrainer)``, ``BaseTrainer`` deriving from
    ``transformers.Trainer`` in another module); False when a class along the
    way answers ``unless`` (it overrides what matters)."""
    context = context or current()
    if context is None or not isinstance(context.resolve(value), SClass):
        return False
    accepts = qualnames.__contains__ if isinstance(qualnames, frozenset) else qualnames
    for _, cls in _project_classes(context, value):
        if cls is None:
            continue
        if unless is not None and unless(cls):
            return False
        if any(isinstance(b, SObject) and accepts(b.qualname) for b in cls.bases):
            return True
    return False


def hand_written_optimizer(value: SValue, context: ProjectContext | None = None) -> bool:
    """The project class ``value`` derives from no framework class along its
    project bases and defines ``step``: an optimiser written by hand (a NumPy
    framework's ``SGD``), whose ``step`` is its own."""
    context = context or current()
    if context is None or not isinstance(context.resolve(value), SClass):
        return False
    steps = False
    for _, cls in _project_classes(context, value):
        if cls is None or any(isinstance(b, SObject) for b in cls.bases):
            return False
        steps = steps or "step" in cls.methods
    return steps


def _file_of_method(context: ProjectContext, start: SValue, owner: str) -> str | None:
    """The module of the class ``owner`` met along ``start``'s project bases."""
    for klass, _ in _project_classes(context, start):
        if klass.name == owner:
            return klass.file
    return None


def function_summary_of(value: SValue | None) -> FunctionSummary | None:
    """The summary of the top-level project function ``value`` names
    (through aliases and re-exports), when it is one."""
    context = current()
    if context is None or value is None:
        return None
    value = context.resolve(value)
    if not isinstance(value, SFunction) or "." in value.name:
        return None
    return context.function_summary(value)


def returned_argument(value: SValue) -> tuple[int, str] | None:
    """(position, name) of the parameter a project function returns
    unchanged (``FunctionSummary.returns_param``), when it is one."""
    function = function_summary_of(value)
    if function is None or not function.returns_param:
        return None
    return function.params.index(function.returns_param), function.returns_param


def call(value: SValue, context: ProjectContext | None = None) -> SValue | None:
    """What calling ``value`` returns, when the project knows."""
    context = context or current()
    if context is None:
        return None
    value = context.resolve(value)
    if isinstance(value, SClass):
        return SInstance(value.file, value.name)
    if isinstance(value, SFunction):
        function = context.function_summary(value)
        if function is None or function.returns == S_UNKNOWN:
            return None
        return context.resolve(function.returns)
    if isinstance(value, SInstance):
        for method in CALL_METHODS:
            found = context.method_summary(value, method)
            if found is not None:
                if found.returns == S_UNKNOWN:
                    return None
                return context.resolve(found.returns)
        return None
    if isinstance(value, SLayer):
        return STensor(value.output, origin=value.origin) if value.output is not None else None
    if isinstance(value, SSequential) and value.layers:
        return call(value.layers[-1], context)
    return None


def keyed_call(value: SValue, key_of: Callable[[str, int], object]) -> SValue | None:
    """What calling the project function ``value`` returns when it picks its
    result from a closed registry by a parameter (``FunctionSummary.by_key``)
    and ``key_of(parameter, position)`` gives the literal key the call passes."""
    found = _keyed(value, key_of)
    if found is None:
        return None
    context, entries, key = found
    entry = entries.items.get(key) if isinstance(key, str) else None
    return context.resolve(entry) if entry is not None else None


def registry_entries(value: SValue, key_of: Callable[[str, int], object]) -> list[SValue]:
    """What each entry of that closed registry makes, when the call's key is
    not a literal (``build_model(args.arch)``: any other key raises); empty
    when the function picks nothing so or the key is a literal
    (:func:`keyed_call`'s)."""
    found = _keyed(value, key_of)
    if found is None:
        return []
    context, entries, key = found
    if key is not None and key is not NotImplemented:
        return []
    return [context.resolve(entry) for entry in entries.items.values()]


def _keyed(
    value: SValue, key_of: Callable[[str, int], object]
) -> tuple[ProjectContext, SDict, object] | None:
    """The project function ``value``'s registry and the key a call passes."""
    context = current()
    if context is None:
        return None
    value = context.resolve(value)
    if not isinstance(value, SFunction):
        return None
    function = context.function_summary(value)
    if (
        function is None
        or not function.key_param
        or not isinstance(function.by_key, SDict)
        or function.key_param not in function.params
    ):
        return None
    key = key_of(function.key_param, function.params.index(function.key_param))
    return context, function.by_key, key


def accumulations(
    value: SValue, context: ProjectContext | None = None
) -> tuple[tuple[str, int, str], ...]:
    """What the methods of an instance of a project class add into it
    (``ClassSummary.accumulates``, its project bases' too)."""
    context = context or current()
    if context is None:
        return ()
    found: list[tuple[str, int, str]] = []
    for _, cls in _project_classes(context, value):
        if cls is not None:
            found.extend(cls.accumulates)
    return tuple(found)


def _class_of(value: SValue, context: ProjectContext | None, instance: bool) -> ClassSummary | None:
    """The summary of the project class ``value`` is an instance of
    (``instance``) or names."""
    context = context or current()
    if context is None:
        return None
    value = context.resolve(value)
    if not isinstance(value, SInstance if instance else SClass):
        return None
    return context.class_summary(value)


def dataset_index_flag(
    value: SValue, context: ProjectContext | None = None
) -> tuple[str, bool] | None:
    """The ``__init__`` parameter that decides whether a project data set's
    ``__getitem__`` reads its index, and the value that makes it read it
    (``ClassSummary.index_flag``)."""
    cls = _class_of(value, context, instance=True)
    return cls.index_flag[0] if cls is not None and cls.index_flag else None


def ordered_dataset(value: SValue, context: ProjectContext | None = None) -> bool:
    """An instance of a project class that is a map-style data set read in
    index order (``ClassSummary.ordered_dataset``)."""
    cls = _class_of(value, context, instance=True)
    return cls is not None and cls.ordered_dataset


def keras_subclass(value: SValue, context: ProjectContext | None = None) -> SValue | None:
    """The Keras model a project class subclassing ``keras.Model`` builds
    (``ClassSummary.keras_model``)."""
    cls = _class_of(value, context, instance=False)
    if cls is None or cls.keras_model == S_UNKNOWN:
        return None
    return cls.keras_model


def is_alias(value: SValue) -> bool:
    return isinstance(value, SAlias)


#: roots of framework packages: a dotted name starting with one is never
#: looked up in the project (a project is not expected to vendor them)
FRAMEWORK_ROOTS = frozenset(
    {"torch", "tensorflow", "keras", "numpy", "jax", "flax", "sklearn", "scipy", "pandas", "tf"}
)
#: methods of ``nn.Module``/Keras models that return the model itself
SELF_RETURNING = frozenset(
    {"to", "cuda", "cpu", "train", "eval", "float", "half", "double", "bfloat16", "requires_grad_"}
)
