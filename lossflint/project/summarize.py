"""From one module's analysis to its summary.

The module is parsed and analysed exactly as when it is linted (one libcst
parse, the ``SemanticModel``, the value-kind dataflow and the loop index, with
the project context active so that its own imports come from their
summaries); what other files may use is then written down as plain data:

- ``names``: every module-level name as the module body leaves it; imports of
  project modules become re-exports (``SAlias``/``SModule``), so a package
  ``__init__`` that does ``from .net import Net`` exports ``Net``;
- ``functions``: for each top-level function and each method of a top-level
  class, what it returns and the training-loop events it performs, with the
  events of the same-file functions it calls inlined where they are called;
- ``classes``: bases, what calling an instance returns (``forward``/``call``/
  ``__call__``), and ``self.<attr>`` values;
- ``star``: ``__all__`` when it is a literal list, else the public names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import cached_property
from typing import Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.accumulation import class_accumulations, detached, returns_without_grad
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, has_star_args, literal_value
from lossflint.analysis.config_fields import built_numbers
from lossflint.analysis.contexts import contexts
from lossflint.analysis.data_flow import (
    calls_a_trainer_elsewhere,
    split_returns,
    trained_parameters,
    training_returns,
)
from lossflint.analysis.datasets import index_flag, ordered_dataset
from lossflint.analysis.eval_callers import calls_leaving_eval
from lossflint.analysis.eval_passes import class_mode_layer, mode_safe_params
from lossflint.analysis.gradients import GradientFacts, Reach, gradients, returns_only_from_params
from lossflint.analysis.interpreter.syntax import kept_init, passed_through
from lossflint.analysis.kept_loaders import kept_and_trained
from lossflint.analysis.keyword_dicts import unpacked_keywords
from lossflint.analysis.kinds import KindAnalysis, _origin_label
from lossflint.analysis.label_shifts import shifts_its_parameter
from lossflint.analysis.loop_callees import tests_existence
from lossflint.analysis.loops import Event, loops
from lossflint.analysis.mode_free_models import class_mode_free
from lossflint.analysis.model import SemanticModel
from lossflint.analysis.names import (
    dotted_name,
    dotted_text,
    last_name,
    self_attribute,
    target_binds,
)
from lossflint.analysis.numerics import returns_cosine
from lossflint.analysis.optimizer_builds import runs_every_epoch_pass
from lossflint.analysis.shuffling_helpers import shuffles_rows
from lossflint.analysis.split_helpers import split_parameters
from lossflint.analysis.train_mode import train_mode_arguments
from lossflint.analysis.unrun_params import RUNS_MODULE, unrun_params
from lossflint.analysis.values import (
    ApiFunction,
    ClassRef,
    DictValue,
    FunctionRef,
    Instance,
    Instances,
    Layer,
    LossObject,
    Registry,
    Sequential,
    Tensor,
    TupleValue,
    Value,
)
from lossflint.analysis.walk import memo_of, names_in, own_returns
from lossflint.project import bridge
from lossflint.project.code_words import code_words
from lossflint.project.constants import ForeignLiteral, imported_literal
from lossflint.project.context import FOR_SUMMARY, ONLY_ITEM, PIN_EXTERNAL, ProjectContext
from lossflint.project.exports import ImportSpec, import_value
from lossflint.project.layout import Module
from lossflint.project.summary import (
    S_UNKNOWN,
    CallRecord,
    ClassSummary,
    EventSummary,
    FunctionSummary,
    ModuleSummary,
    Origin,
    SAlias,
    SClass,
    SDict,
    SField,
    SFunction,
    SInstance,
    SInstances,
    SKerasBatches,
    SKerasData,
    SKerasLayer,
    SKerasLoss,
    SKerasModel,
    SKerasOutput,
    SLayer,
    SLoss,
    SModule,
    SObject,
    SSequential,
    STensor,
    STuple,
    SValue,
    empty_summary,
)

#: ``EventSummary.param`` of an event on a parameter's name the function rebinds first
REBOUND_PARAM = -1
#: calls of other modules' functions listed per module; more makes them opaque
MAX_CALL_RECORDS = 64
#: how deep same-file calls are inlined into a function's events
MAX_INLINE_DEPTH = 3
#: nothing real is deeper; bounded so a pathological value cannot recurse forever
MAX_VALUE_DEPTH = 12
_METHODS_CALLED = ("forward", "call", "__call__")
_BRANCHES = (cst.If, cst.Try, cst.TryStar, cst.Match, cst.IfExp, cst.BooleanOperation, cst.With)
_LOOPS = (cst.For, cst.While, cst.CompFor)
#: a ``def``/``class`` statement's start: its indentation, keyword and name
_DEFINITION = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+(\w+)", re.MULTILINE)


def summarize_text(text: str, module: Module, context: ProjectContext) -> ModuleSummary:
    """With ``context.item``, the summary answers for that item alone (``text``
    is its item text, :mod:`lossflint.project.items`): its entries, nothing else."""
    from lossflint.linter import parse

    item = context.item

    parsed = parse(text, module.rel)
    if not isinstance(parsed, cst.Module):
        return empty_summary(module.rel, parsed=False)
    model = SemanticModel(parsed, module.rel, source=text)
    # a summary is what the module says on its own: parameters are not pinned
    # by its callers in other files (whose summaries read this one: a cycle)
    model.options[FOR_SUMMARY] = True
    if item is not None:
        model.options[ONLY_ITEM] = item
    return Summarizer(model, module, context, text, item).summary()


def pinned_call_records(
    text: str, module: Module, context: ProjectContext
) -> tuple[CallRecord, ...] | None:
    """The calls of ``text`` (``module``) of other project modules, its
    parameters pinned by its callers in other files as in a lint of it
    (``SummaryStore.pinned_calls``); None when it does not parse."""
    from lossflint.linter import parse

    parsed = parse(text, module.rel)
    if not isinstance(parsed, cst.Module):
        return None
    model = SemanticModel(parsed, module.rel, source=text)
    model.options[FOR_SUMMARY] = True
    model.options[PIN_EXTERNAL] = True
    return Summarizer(model, module, context, text)._calls()


class Summarizer:
    def __init__(
        self,
        model: SemanticModel,
        module: Module,
        context: ProjectContext,
        text: str = "",
        item: str | None = None,
    ) -> None:
        self.model = model
        self.item = item
        self.text = text
        self.rel = module.rel
        self.module = module
        self.context = context
        self.kinds: KindAnalysis = model.kinds
        self._names: dict[cst.CSTNode, str] = {}
        self._classes: dict[str, cst.ClassDef] = {}
        self._functions: dict[str, cst.FunctionDef] = {}
        #: what this file's ``from mod import *`` of project modules bind (``_star_bound``)
        self._star_values: dict[str, SValue] | None = None
        for stmt in model.module.body:
            if isinstance(stmt, cst.ClassDef):
                self._classes[stmt.name.value] = stmt
                self._names[stmt] = stmt.name.value
                for inner in _block(stmt):
                    if isinstance(inner, cst.FunctionDef):
                        name = f"{stmt.name.value}.{inner.name.value}"
                        self._functions[name] = inner
                        self._names[inner] = name
            elif isinstance(stmt, cst.FunctionDef):
                self._functions[stmt.name.value] = stmt
                self._names[stmt] = stmt.name.value

    def summary(self) -> ModuleSummary:
        names = self._module_names()
        if self.item is not None:
            # an item's summary: what the item's askers read (its name, its
            # class or function entries); the module's calls are read from
            # whole summaries only
            item = self.item
            return ModuleSummary(
                file=self.rel,
                parsed=True,
                names={item: names[item]} if item in names else {},
                functions={
                    name: self._function(name, f)
                    for name, f in self._functions.items()
                    if name == item or ("." not in item and name.startswith(f"{item}."))
                },
                classes={n: self._class(c) for n, c in self._classes.items() if n == item},
            )
        return ModuleSummary(
            file=self.rel,
            parsed=True,
            names=names,
            star=self._star(names),
            functions={name: self._function(name, f) for name, f in self._functions.items()},
            classes={name: self._class(c) for name, c in self._classes.items()},
            calls=self._calls(),
        )

    # --- module names ---------------------------------------------------------

    def _module_names(self) -> dict[str, SValue]:
        out: dict[str, SValue] = {}
        end = dict(getattr(self.kinds, "_globals", {}))
        for name, bindings in self.model.module_scope.bindings.items():
            if not bindings:
                continue
            last = bindings[-1]
            node = last.node
            if isinstance(node, (cst.Import, cst.ImportFrom)) and len(bindings) == 1:
                value = self._import_value(node, name)
            elif name in end:
                value = self.value(end[name])
                if value == S_UNKNOWN and self._keras is not None:
                    value = self._keras_value(self._keras._globals.get(name))
            elif last.kind == "def" and isinstance(node, cst.FunctionDef) and len(bindings) == 1:
                value = SFunction(self.rel, name) if node in self._names else S_UNKNOWN
            elif last.kind == "class" and isinstance(node, cst.ClassDef) and len(bindings) == 1:
                value = SClass(self.rel, name) if node in self._names else S_UNKNOWN
            else:
                value = S_UNKNOWN
            if value != S_UNKNOWN:
                out[name] = value
        for stmt in self._star_imports():
            level = len(stmt.relative)
            dotted = dotted_text(stmt.module) if stmt.module is not None else ""
            for name, value in self.context.star_names(dotted or "", level).items():
                out.setdefault(name, value)
        return out

    def _relatively_imported(
        self, name: cst.Name
    ) -> tuple[SFunction | SClass | None, SFunction | None] | None:
        """What a call of ``name`` calls when a relative import of a project
        module binds it (``from .preprocessing import gcn``; such a name has no
        qualified name), as :meth:`_star_bound` gives it."""
        bindings = self.model.bindings(name) or []
        node = bindings[0].node if len(bindings) == 1 else None
        if not isinstance(node, cst.ImportFrom) or not node.relative:
            return None
        found = bridge.value_of_import(node, name.value, self.context)
        found = self.context.resolve(found) if found is not None else None
        return self._called_target(found)

    def _star_bound(
        self, name: cst.Name
    ) -> tuple[SFunction | SClass | None, SFunction | None] | None:
        """What a call of ``name``, bound by no statement of this file, calls
        when the file's ``from mod import *`` of project modules bind it to one
        function or class of another module (as :meth:`_calls` keeps them: the
        target, and the ``forward`` an instance of the class runs); None when
        nothing here binds it so."""
        if self.model.bindings(name):
            return None
        if self._star_values is None:
            self._star_values = {}
            for stmt in self._star_imports():
                level = len(stmt.relative)
                dotted = dotted_text(stmt.module) if stmt.module is not None else ""
                for key, value in self.context.star_names(dotted or "", level).items():
                    value = self.context.resolve(value)
                    if self._star_values.setdefault(key, value) != value:
                        self._star_values[key] = S_UNKNOWN  # two modules bind it differently
        found = self._star_values.get(name.value)
        return self._called_target(found)

    def _called_target(
        self, found: SValue | None
    ) -> tuple[SFunction | SClass | None, SFunction | None] | None:
        """Another module's top-level function or class (one whose
        construction keeps its arguments), and the ``forward`` an instance of
        the class runs, as :meth:`_calls` keeps them; None for anything else."""
        if not isinstance(found, (SFunction, SClass)) or found.file == self.rel:
            return None
        if "." in found.name or (isinstance(found, SClass) and not self._keeps_arguments(found)):
            return None
        runs = (
            self._call_method(SInstance(found.file, found.name))
            if isinstance(found, SClass)
            else None
        )
        return found, runs

    def _star_imports(self) -> list[cst.ImportFrom]:
        found = []
        for stmt in self.model.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.ImportFrom) and isinstance(
                        small.names, cst.ImportStar
                    ):
                        found.append(small)
        return found

    def _import_value(self, node: cst.Import | cst.ImportFrom, local: str) -> SValue:
        if isinstance(node.names, cst.ImportStar):
            return S_UNKNOWN
        aliases = tuple(
            (dotted_text(alias.name) or "", _asname(alias) if alias.asname is not None else None)
            for alias in node.names
        )
        if isinstance(node, cst.Import):
            return import_value(
                self.context.layout, self.module, ImportSpec(False, "", 0, aliases), local
            )
        dotted = (dotted_text(node.module) or "") if node.module is not None else ""
        spec = ImportSpec(True, dotted, len(node.relative), aliases)
        return import_value(self.context.layout, self.module, spec, local)

    def _star(self, names: dict[str, SValue]) -> tuple[str, ...]:
        for stmt in self.model.assignments.get(self.model.module, ()):
            for target in stmt.targets:
                if isinstance(target.target, cst.Name) and target.target.value == "__all__":
                    listed = _string_list(stmt.value)
                    return tuple(n for n in listed if n in names) if listed else ()
        return tuple(sorted(n for n in names if not n.startswith("_")))

    # --- functions ---------------------------------------------------------------

    @cached_property
    def _kinds_alone(self) -> KindAnalysis:
        return _KindsAlone(self.model)

    def _kinds_for(self, func: cst.FunctionDef) -> KindAnalysis:
        """The analysis whose values of ``func`` hold for a caller in another
        file: one where this module's own calls pin no parameter when they pin
        ``func``'s or, for a method, an ``__init__`` of its class (``flatten(t)``
        called here with softmax output returns whatever train.py gives it)."""
        cls = self.kinds.class_of_method(func)
        if self.kinds.pinned(func) or (cls is not None and self._init_pinned(cls)):
            return self._kinds_alone
        return self.kinds

    def _init_pinned(self, cls: cst.ClassDef) -> bool:
        for klass in self.kinds.mro(cls):
            init = self.kinds.method(klass, "__init__")
            if init is not None and self.kinds.pinned(init):
                return True
        return False

    def _function(self, name: str, func: cst.FunctionDef) -> FunctionSummary:
        returns_of = getattr(self._kinds_for(func), "_function_returns", None)
        returns: SValue = S_UNKNOWN
        if returns_of is not None:
            try:
                returns = self.value(returns_of(func))
            except RecursionError:
                returns = S_UNKNOWN
        if (_has_unknown(returns) or isinstance(returns, STensor)) and self._keras is not None:
            keras = self._keras_alone if self._keras.pinned(func) else self._keras
            keras_returns = getattr(keras, "_function_returns", None)
            if keras_returns is not None:
                try:
                    found = self._keras_value(keras_returns(func))
                except RecursionError:
                    found = S_UNKNOWN
                if isinstance(found, SKerasModel) and found.style == "tensor":
                    # a head helper: the Keras layers say more than the kind
                    # (which the kind domain reads back off the last layer)
                    returns = found
                elif _has_unknown(returns):
                    returns = _merge(returns, found)
        if returns == S_UNKNOWN and self._keras_slots is not None:
            # ``def to_dataset(x, y): return from_tensor_slices((x, y)).batch(n)``:
            # a dataset of what each caller passes
            try:
                found = self._keras_value(self._keras_slots._function_returns(func))
            except RecursionError:
                found = S_UNKNOWN
            if isinstance(found, SKerasBatches) and any(found.params):
                returns = found
        if (
            isinstance(returns, STensor)
            and returns.kind == Kind.LOSS.name
            and self._returns_detached(func)
        ):
            # ``return loss.detach()`` / ``loss.item()``: no graph reaches the
            # caller (a running total of it is no leak: LF306 in train.py)
            returns = S_UNKNOWN
        params = _params(func)
        line = self._line(func.name, name)
        key_param, by_key = self._keyed_returns(func)
        return FunctionSummary(
            name,
            line,
            params,
            returns,
            self._events(func, params),
            trained_parameters(self.model, func, params) + kept_and_trained(self.model, func),
            returns_cosine(self.model, func),
            key_param,
            by_key,
            mode_safe_params(self.model, func),
            returns_without_grad(self.model, func),
            split_parameters(self.model, func, params),
            unrun_params(self.model, func),
            _returned_param(func, params),
            shifts_its_parameter(self.model, func),
            "." not in name and returns_only_from_params(self.model, func),
            shuffles_rows(self.model, func),
        )

    def _keyed_returns(self, func: cst.FunctionDef) -> tuple[str, SValue]:
        """``return MODELS[name](**kw)`` (or ``return MODELS[name]``) as the
        function's last statement, ``MODELS`` a closed registry of classes
        and ``name`` a parameter: what each key makes."""
        body = _block(func)
        last = body[-1] if body else None
        if not isinstance(last, cst.SimpleStatementLine) or not isinstance(
            last.body[0], cst.Return
        ):
            return "", S_UNKNOWN
        value = last.body[0].value
        called = isinstance(value, cst.Call)
        if isinstance(value, cst.Call):
            value = value.func
        if (
            not isinstance(value, cst.Subscript)
            or len(value.slice) != 1
            or not isinstance(value.slice[0].slice, cst.Index)
            or not isinstance(key := value.slice[0].slice.value, cst.Name)
            or not self._only_param(func, key.value)
        ):
            return "", S_UNKNOWN
        registry = self.kinds.values.get(value.value)
        if not isinstance(registry, Registry):
            return "", S_UNKNOWN
        made: dict[str, SValue] = {}
        for name, entry in registry.items:
            ref = self.value(entry)
            if isinstance(ref, SAlias):
                ref = self.context.resolve(ref)
            if called and isinstance(ref, SClass):
                made[name] = SInstance(ref.file, ref.name)
            elif not called and isinstance(ref, (SClass, SFunction)):
                made[name] = ref
            else:
                return "", S_UNKNOWN
        return key.value, SDict(made)

    def _returns_detached(self, func: cst.FunctionDef) -> bool:
        values = [node.value for node in own_returns(func)]
        return bool(values) and all(
            value is not None and detached(self.model, value) for value in values
        )

    def _events(self, func: cst.FunctionDef, params: tuple[str, ...]) -> tuple[EventSummary, ...]:
        if func not in self._owned:
            return ()
        return tuple(self._events_in(func, params, 0, False, 0, frozenset()))

    @cached_property
    def _owned(self) -> dict[cst.CSTNode, list[tuple[float, Event | cst.Call]]]:
        """Per function, its training events and its calls of same-file
        functions, in source order; empty when the module has no event at all
        (one pass over the events and the calls, not one per function)."""
        index = loops(self.model)
        if not index.events:
            return {}
        owned: dict[cst.CSTNode, list[tuple[float, Event | cst.Call]]] = {}
        for event in index.events:
            func = self._function_of(event.node)
            if func is not None:
                owned.setdefault(func, []).append((event.order, event))
        for order, site in enumerate(self.model.calls):
            if site.qualname is not None:
                continue  # an API, not a same-file function
            func = self._function_of(site.node)
            if func is not None:
                owned.setdefault(func, []).append((order, site.node))
        for items in owned.values():
            items.sort(key=lambda item: item[0])
        return owned

    def _function_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        for ancestor in self.model.ancestors(node):
            if type(ancestor) is cst.FunctionDef:
                return ancestor
        return None

    def _events_in(
        self,
        func: cst.FunctionDef,
        params: tuple[str, ...],
        depth: int,
        conditional: bool,
        looped: int,
        seen: frozenset[cst.CSTNode],
    ) -> list[EventSummary]:
        """The events ``func`` runs, with those of the same-file functions it
        calls inlined; ``looped``: loops around the call that got here."""
        index = loops(self.model)
        out: list[EventSummary] = []
        for _, item in self._owned.get(func, ()):
            if isinstance(item, Event):
                out.append(self._event(item, func, params, conditional, looped))
                continue
            if depth >= MAX_INLINE_DEPTH:
                continue
            callee = index.resolve_function(item)
            if callee is None or callee is func or callee in seen or callee not in self._owned:
                continue
            inner = self._events_in(
                callee,
                (),
                depth + 1,
                conditional or self._under(item, func, _BRANCHES),
                looped + self._loops_around(item, func),
                seen | {func},
            )
            out.extend(replace(e, param=None) for e in inner)
        return out

    def _event(
        self,
        event: Event,
        func: cst.FunctionDef,
        params: tuple[str, ...],
        conditional: bool,
        looped: int,
    ) -> EventSummary:
        position = self._position(event.node)
        receiver = event.receiver
        head = receiver.split(".")[0] if receiver else None
        param = None
        if head in params:
            # -1: the parameter's name, rebound first (``model = deepcopy(model)``)
            param = params.index(head) if self._only_param(func, head) else REBOUND_PARAM
        around = looped + self._loops_around(event.node, func)
        return EventSummary(
            kind=event.kind,
            line=position[0],
            column=position[1],
            receiver=receiver,
            param=param,
            conditional=conditional or self._branched(event.node, func, receiver),
            nested=around >= 1,
            deep=around >= 2,
        )

    def _loops_around(self, node: cst.CSTNode, func: cst.FunctionDef) -> int:
        """Loops of ``func`` around ``node`` (at most 2: what the events tell)."""
        count = 0
        for ancestor in self.model.ancestors(node):
            if ancestor is func or count >= 2:
                break
            if isinstance(ancestor, _LOOPS):
                count += 1
        return count

    def _only_param(self, func: cst.FunctionDef, name: str | None) -> bool:
        """Whether ``name`` stays the parameter in ``func`` (``model =
        deepcopy(model)`` makes the events on it the copy's, not the caller's)."""
        scope = self.model.scopes.get(func)
        bindings = scope.bindings.get(name or "", []) if scope is not None else []
        # ``backbone = backbone.to(device)``, ``backbone = backbone.module``
        # (face.evoLVe's ``perform_val``, audit s168): the same model, or the
        # one its wrapper runs
        return sum(b.kind == "param" for b in bindings) == 1 and all(
            b.kind == "param" or _same_module(b.node, name) for b in bindings
        )

    def _branched(self, node: cst.CSTNode, func: cst.FunctionDef, receiver: str | None) -> bool:
        """``_under`` a branch, ``if self.scheduler is not None:`` around
        ``self.scheduler.step()`` left out: whenever there is one, it steps
        (UNIT's ``update_learning_rate``, audit s160)."""
        for ancestor in self.model.ancestors(node):
            if ancestor is func:
                return False
            if isinstance(ancestor, cst.If) and tests_existence(ancestor, receiver):
                continue
            if isinstance(ancestor, _BRANCHES):
                return True
        return False

    def _under(self, node: cst.CSTNode, func: cst.FunctionDef, types: tuple[type, ...]) -> bool:
        for ancestor in self.model.ancestors(node):
            if ancestor is func:
                return False
            if isinstance(ancestor, types):
                return True
        return False

    # --- calls of other modules' functions ---------------------------------------------

    def _calls(self) -> tuple[CallRecord, ...]:
        """The calls this module makes of other project modules' top-level
        functions and classes (a construction: ``__init__``'s arguments), with
        their arguments' values; one also used other than called (passed on,
        aliased, called with ``*args``, a base class here) gets one opaque
        record: whoever calls it then is out of sight."""
        if not self.text:
            return ()
        resolved: dict[str, SFunction | SClass | None] = {}
        records: list[CallRecord] = []
        opaque: dict[SFunction | SClass, CallRecord] = {}
        #: calls per name as written at the call (``nll`` in ``nll(p, y)``)
        called_as: dict[str, int] = {}
        targets: set[SFunction | SClass] = set()
        #: constructions of other modules' classes an instance call runs the
        #: ``forward`` of, and the calls through instances, by the name written
        constructed: list[tuple[cst.Call, SFunction]] = []
        through: dict[tuple[str, SFunction], int] = {}
        classes: dict[str, SFunction | None] = {}
        aliases = self._function_aliases()
        handed_out = self._factory_results()
        #: recorded calls of other modules' functions and classes (``_handed_on``)
        handing: list[cst.Call] = []
        for site in self.model.calls:
            qualname = site.qualname
            func_expr = site.node.func
            if (
                qualname is None
                and isinstance(func_expr, cst.Name)
                and func_expr.value in handed_out
            ):
                # ``loss_func = get_loss_func(kind)`` then ``loss_func(out, y)``:
                # a call of the function the factory hands out
                given = handed_out[func_expr.value]
                if len(records) < MAX_CALL_RECORDS and not has_star_args(site.node):
                    records.append(self._record(given, site.node))
                else:
                    opaque.setdefault(given, CallRecord(given.file, given.name, 0, 0, opaque=True))
                continue
            if qualname is None and isinstance(func_expr, cst.Name) and func_expr.value in aliases:
                # ``loss_fn = my_loss`` then ``loss_fn(pred, y)``: a call of ``my_loss``
                qualname, original = aliases[func_expr.value]
                called_as[original] = called_as.get(original, 0) + 1
            elif qualname is None and isinstance(func_expr, cst.Name):
                starred = self._star_bound(func_expr) or self._relatively_imported(func_expr)
                if starred is not None:
                    # ``from utils import *`` then ``evaluate_model(model, it)``;
                    # ``from .preprocessing import gcn`` then ``gcn(x)``
                    qualname = f"*{func_expr.value}"
                    resolved.setdefault(qualname, starred[0])
                    classes.setdefault(qualname, starred[1])
            if qualname is None:
                method = self._method_called(site.node)
                through_instance = False
                if (
                    method is not None
                    and isinstance(func_expr, cst.Attribute)
                    and func_expr.attr.value in bridge.CALL_METHODS
                ):
                    # ``model.forward(g, p)``: a call through the instance
                    # written out (HR-VITON's LPIPS metric, audit s199)
                    written = last_name(func_expr.value)
                    if written is not None:
                        through[(written, method)] = through.get((written, method), 0) + 1
                if method is None:
                    method = self._instance_called(site.node)
                    through_instance = method is not None
                    written = last_name(func_expr)
                    if method is not None and written is not None:
                        through[(written, method)] = through.get((written, method), 0) + 1
                # a method call not listed (too many calls) is seen by callers.py
                # as a mention of the method no record explains; a call through
                # an instance names nothing: it is made opaque here
                if method is not None and len(records) < MAX_CALL_RECORDS:
                    records.append(self._record(method, site.node))
                elif through_instance and method is not None:
                    opaque.setdefault(
                        method, CallRecord(method.file, method.name, 0, 0, opaque=True)
                    )
                continue
            if qualname.split(".", 1)[0] in bridge.FRAMEWORK_ROOTS:
                continue
            if qualname not in resolved:
                found = bridge.value_of_qualname(qualname, self.context)
                found = self.context.resolve(found) if found is not None else None
                resolved[qualname] = (
                    found
                    if isinstance(found, (SFunction, SClass))
                    and (isinstance(found, SFunction) or self._keeps_arguments(found))
                    and found.file != self.rel
                    and "." not in found.name
                    else None
                )
                classes[qualname] = (
                    self._call_method(SInstance(found.file, found.name))
                    if isinstance(found, SClass) and found.file != self.rel
                    else None
                )
            runs = classes[qualname]
            if runs is not None:
                constructed.append((site.node, runs))
            ref = resolved[qualname]
            if ref is None:
                continue
            targets.add(ref)
            written = last_name(site.node.func)
            if written is not None:
                called_as[written] = called_as.get(written, 0) + 1
            call = site.node
            unpacked = unpacked_keywords(self.model, call) if has_star_args(call) else ()
            if unpacked is None or len(records) >= MAX_CALL_RECORDS:
                opaque.setdefault(ref, CallRecord(ref.file, ref.name, 0, 0, opaque=True))
                continue
            records.append(self._record(ref, call))
            handing.append(call)
        for record, ref, written in self._compiled_losses(resolved):
            # ``model.compile(loss=entropy_loss)`` of another module's function:
            # Keras calls it with the model's output (any other mention of it
            # here makes it opaque below)
            if len(records) >= MAX_CALL_RECORDS:
                opaque.setdefault(ref, CallRecord(ref.file, ref.name, 0, 0, opaque=True))
                continue
            targets.add(ref)
            called_as[written] = called_as.get(written, 0) + 1
            records.append(record)
        for ref in sorted(targets, key=lambda r: (r.file, r.name)):
            if ref not in opaque and self._used_otherwise(ref, called_as):
                opaque[ref] = CallRecord(ref.file, ref.name, 0, 0, opaque=True)
        handed = self._handed_on(handing)
        for call, method in constructed:
            if method not in opaque and self._escapes(call, method, through, handed):
                opaque[method] = CallRecord(method.file, method.name, 0, 0, opaque=True)
        return (*records, *opaque.values())

    def _compiled_losses(
        self, resolved: dict[str, SFunction | SClass | None]
    ) -> Iterator[tuple[CallRecord, SFunction, str]]:
        """``model.compile(loss=f)`` with ``f`` a top-level function of another
        project module and ``model`` a single-output Keras model seen here:
        the call Keras makes, ``f(y_true, y_pred)`` with the model's output
        (marked as handed by a compile); with the function and the name
        written."""
        if self._keras is None:
            return
        from lossflint.analysis.keras import KModel, KTensor

        for site in self.model.method_calls("compile"):
            call = site.node
            loss = argument(call, 1, "loss")
            if not isinstance(loss, cst.Name) or not isinstance(call.func, cst.Attribute):
                continue
            qualname = self.model.qualname(loss)
            if qualname is None or qualname.split(".", 1)[0] in bridge.FRAMEWORK_ROOTS:
                continue
            if qualname not in resolved:
                found = bridge.value_of_qualname(qualname, self.context)
                found = self.context.resolve(found) if found is not None else None
                resolved[qualname] = found if isinstance(found, (SFunction, SClass)) else None
            ref = resolved[qualname]
            if not isinstance(ref, SFunction) or ref.file == self.rel or "." in ref.name:
                continue
            compiled = self._keras.values.get(call.func.value)
            if not isinstance(compiled, KModel) or compiled.outputs or not compiled.layers:
                continue
            output = self._keras_value(KTensor(compiled.layers, compiled.input_shape, compiled))
            if not isinstance(output, SKerasModel):
                continue
            line, column = self._cheap_position(call)
            args = (S_UNKNOWN, replace(output, handed=True))
            yield CallRecord(ref.file, ref.name, line, column, args), ref, loss.value

    def _instance_called(self, call: cst.Call) -> SFunction | None:
        """``crit(out, y)`` where ``crit`` is an instance of a class of
        another project module: the ``forward``/``__call__`` it runs
        (``FocalLoss.forward``), whose parameters the call may pin."""
        if has_star_args(call):
            return None
        func = call.func
        value = self.kinds.values.get(func)
        if value is None and isinstance(func, cst.Attribute):
            # ``self.crit(out, y)``: what the class's methods assign to ``self.crit``
            receiver = self.kinds.values.get(func.value)
            if isinstance(receiver, Instance):
                try:
                    value = self.kinds.class_attrs(receiver.cls).get(func.attr.value)
                except RecursionError:
                    value = None
        ref = getattr(value, "ref", None)
        return self._call_method(ref) if isinstance(ref, SInstance) else None

    def _call_method(self, ref: SInstance) -> SFunction | None:
        for name in bridge.CALL_METHODS:
            found = bridge.attribute(ref, name, self.context)
            if isinstance(found, SFunction):
                if found.file == self.rel or found.name.count(".") != 1:
                    return None
                summary = self.context.function_summary(found)
                return found if summary is not None and len(summary.params) > 1 else None
        return None

    def _escapes(
        self,
        call: cst.Call,
        method: SFunction,
        through: dict[tuple[str, SFunction], int],
        handed: dict[str, int],
    ) -> bool:
        """Whether the instance a construction makes (``crit = L()``) may be
        called out of this module's sight: not bound to a name (``train(net,
        L())``), or bound to a name (``crit``, ``self.crit``) that the module
        mentions more often than it binds it, calls it in recorded calls and
        hands it whole to another module's function or class in a recorded
        call (``Trainer(net, crit)``: that record carries the instance, and
        ``callers.external_instance_calls`` follows it there)."""
        bound = self._bound_name(call)
        if bound is None:
            return True
        seen = self._bindings_of(bound) + through.get((bound, method), 0) + handed.get(bound, 0)
        mentions = self._mentions(bound) - self._asked_only(bound)
        return mentions > seen and mentions - self._never_the_instance(bound) > seen

    def _never_the_instance(self, name: str) -> int:
        """Words ``name`` that cannot be the instance: in the module's imports
        (``from models.loss import L``: a module's name) and keywords of calls
        (``Trainer(loss=loss)``: a parameter's name)."""
        imported = sum(
            code_words(self.model.code(node), name)
            for node in self.model.nodes_of_type(cst.Import, cst.ImportFrom)
        )
        keywords = sum(
            1
            for node in self.model.nodes_of_type(cst.Arg)
            if isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value == name
        )
        return imported + keywords

    @staticmethod
    def _handed_on(calls: list[cst.Call]) -> dict[str, int]:
        """By name, the arguments that are a bare name (or ``self.<name>``)
        of the recorded calls of other modules' functions and classes."""
        counts: dict[str, int] = {}
        for node in calls:
            for arg in node.args:
                value = arg.value
                name = (
                    value.value
                    if isinstance(value, cst.Name)
                    else value.attr.value
                    if isinstance(value, cst.Attribute) and dotted_text(value.value) == "self"
                    else None
                )
                if name is not None:
                    counts[name] = counts.get(name, 0) + 1
        return counts

    def _asked_only(self, name: str) -> int:
        """Mentions of ``name`` (or ``<x>.name``) as the receiver of a method
        that does not run the module (``self.model.parameters()``, a
        discarded ``self.model.train()``): the instance goes nowhere."""
        count = 0
        for node in self.model.nodes_of_type(cst.Name, cst.Attribute):
            if isinstance(node, cst.Name):
                if node.value != name:
                    continue
            elif not (isinstance(node, cst.Attribute) and node.attr.value == name):
                continue
            parent = self.model.parent(node)
            if (
                isinstance(parent, cst.Param)
                or self._rewrapped(node, parent, name)
                or self._inspected(node, parent)
                or self._handed_to_caller(node, parent)
            ):
                # a parameter's name (another scope's binding), a rewrap, a
                # summary, a same-file function that only calls it
                count += 1
                continue
            while (
                isinstance(parent, cst.Attribute)
                and parent.value is node
                and parent.attr.value in apis.WRAPPED_MODULE_ATTRIBUTES
            ):
                # ``self.model.module.state_dict()``: the module DDP wraps
                node, parent = parent, self.model.parent(parent)
            if not (isinstance(parent, cst.Attribute) and parent.value is node):
                continue
            call = self.model.parent(parent)
            if not (isinstance(call, cst.Call) and call.func is parent):
                continue
            method = parent.attr.value
            if method in RUNS_MODULE and not (
                method in apis.MODULE_RETURNING_METHODS
                and isinstance(self.model.parent(call), cst.Expr)
            ):
                continue
            count += 1
        return count

    def _handed_to_caller(self, node: cst.CSTNode, parent: cst.CSTNode | None) -> bool:
        """``enhance_one_track(model, path)`` of a same-file function that
        calls its parameter (those calls are recorded where they are written)
        or asks it for what does not run it, and does nothing else with it."""
        if not (isinstance(parent, cst.Arg) and parent.value is node and parent.keyword is None):
            return False
        call = self.model.parent(parent)
        if not isinstance(call, cst.Call) or has_star_args(call):
            return False
        func = self.model.defined_function(call.func)
        if func is None or func.params.star_arg is not cst.MaybeSentinel.DEFAULT:
            return False
        position = next(i for i, a in enumerate(call.args) if a is parent)
        params = [*func.params.posonly_params, *func.params.params]
        if position >= len(params):
            return False
        param = params[position].name.value
        uses = [n for n in names_in(func.body, param, memo_of(self.model))]
        for use in uses:
            holder = self.model.parent(use)
            if isinstance(holder, cst.Call) and holder.func is use:
                continue
            if (
                isinstance(holder, cst.Attribute)
                and holder.value is use
                and holder.attr.value not in RUNS_MODULE
                and isinstance(self.model.parent(holder), cst.Call)
            ):
                continue
            return False
        return bool(uses)

    def _inspected(self, node: cst.CSTNode, parent: cst.CSTNode | None) -> bool:
        """``summary(self.model, input_size)`` of torchinfo: layers printed,
        the model run once on made-up input."""
        if not (isinstance(parent, cst.Arg) and parent.value is node and parent.keyword is None):
            return False
        call = self.model.parent(parent)
        return (
            isinstance(call, cst.Call)
            and bool(call.args)
            and call.args[0] is parent
            and self.model.qualname(call.func) in apis.MODEL_INSPECTORS
        )

    def _rewrapped(self, node: cst.CSTNode, parent: cst.CSTNode | None, name: str) -> bool:
        """``self.model = DDP(self.model, ...)``: the instance wrapped in
        place by a wrapper whose calls run its ``forward`` (the wrapper's
        calls are the instance's)."""
        if not (isinstance(parent, cst.Arg) and parent.value is node and parent.keyword is None):
            return False
        call = self.model.parent(parent)
        if not (isinstance(call, cst.Call) and call.args and call.args[0] is parent):
            return False
        if self.model.qualname(call.func) not in apis.MODULE_WRAPPERS:
            return False
        assign = self.model.parent(call)
        if not (
            isinstance(assign, cst.Assign) and assign.value is call and len(assign.targets) == 1
        ):
            return False
        target = assign.targets[0].target
        written = target.value if isinstance(target, cst.Name) else self_attribute(target)
        return written == name

    def _bound_name(self, call: cst.Call) -> str | None:
        """The name (or ``self.<name>``) a construction is assigned to, alone
        or element-wise (``net, crit = Net(), L()``)."""
        parent = self.model.parent(call)
        target: cst.BaseExpression | None = None
        # ``Audio2Mel(...).cuda()`` / ``.to(device)``: the module itself, moved
        while (
            isinstance(parent, cst.Attribute)
            and parent.value is call
            and parent.attr.value in apis.MODULE_MOVES
            and isinstance(self.model.parent(parent), cst.Call)
        ):
            call = self.model.parent(parent)  # type: ignore[assignment]
            parent = self.model.parent(call)
        if isinstance(parent, cst.Element):
            holder = self.model.parent(parent)
            assign = self.model.parent(holder) if holder is not None else None
            if (
                isinstance(holder, cst.Tuple)
                and isinstance(assign, cst.Assign)
                and assign.value is holder
                and len(assign.targets) == 1
                and isinstance(assign.targets[0].target, cst.Tuple)
            ):
                elements = assign.targets[0].target.elements
                index = next((i for i, e in enumerate(holder.elements) if e is parent), None)
                if index is not None and len(elements) == len(holder.elements):
                    target = elements[index].value
        elif isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1:
            target = parent.targets[0].target
        if isinstance(target, cst.Name):
            return target.value
        return self_attribute(target) if target is not None else None

    def _bindings_of(self, name: str) -> int:
        """Assignments to ``name`` or ``<x>.name`` in the module."""
        count = 0
        for stmt in self.model.assignments.values():
            for node in stmt:
                for target in node.targets:
                    inner = target.target
                    parts = inner.elements if isinstance(inner, cst.Tuple) else ()
                    attributes = [inner, *(e.value for e in parts)]
                    if target_binds(inner, name) or any(
                        isinstance(a, cst.Attribute) and a.attr.value == name for a in attributes
                    ):
                        count += 1
        return count

    def _factory_results(self) -> dict[str, SFunction]:
        """``loss_func = get_loss_func(kind)``, bound once, only ever called,
        of another module's factory whose summary returns one function of its
        module: alias → that function. Its module reads the calls of the alias
        as its own calls (``callers.external_calls``); a factory result used
        otherwise is no record, and that module then finds the factory named
        here without one: out of sight."""
        found: dict[str, SFunction] = {}
        for alias, value in self._called_aliases():
            if not isinstance(value, cst.Call):
                continue
            qualname = self.model.qualname(value.func)
            if qualname is None or qualname.split(".", 1)[0] in bridge.FRAMEWORK_ROOTS:
                continue
            factory = bridge.value_of_qualname(qualname, self.context)
            factory = self.context.resolve(factory) if factory is not None else None
            if not isinstance(factory, SFunction) or factory.file == self.rel:
                continue
            summary = self.context.function_summary(factory)
            given = summary.returns if summary is not None else None
            if (
                isinstance(given, SFunction)
                and given.file == factory.file
                and "." not in given.name
                and "." not in factory.name
            ):
                found[alias] = given
        return found

    def _function_aliases(self) -> dict[str, tuple[str, str]]:
        """``loss_fn = my_loss`` (bound once, to an imported name, and only ever
        called): alias → (the imported name's qualname, the name as written).
        The alias's assignment is the one extra mention of ``my_loss``."""
        found: dict[str, tuple[str, str]] = {}
        for alias, value in self._called_aliases():
            if not isinstance(value, cst.Name) or alias in found:
                continue
            qualname = self.model.qualname(value)
            if qualname is None or qualname.split(".", 1)[0] in bridge.FRAMEWORK_ROOTS:
                continue
            found[alias] = (qualname, value.value)
        return found

    def _called_aliases(self) -> Iterator[tuple[str, cst.BaseExpression]]:
        """Names bound once by a plain assignment and otherwise only called
        (every other mention of the name in the text is a call of it): the
        name and the value bound."""
        called: dict[str, int] = {}
        for site in self.model.calls:
            if isinstance(site.node.func, cst.Name):
                called[site.node.func.value] = called.get(site.node.func.value, 0) + 1
        for scope in self.model.scopes.values():
            for alias, bindings in scope.bindings.items():
                if len(bindings) != 1 or bindings[0].kind != "assign":
                    continue
                value = bindings[0].node
                calls = called.get(alias, 0)
                if (
                    isinstance(value, cst.BaseExpression)
                    and calls
                    and self._mentions(alias) == calls + 1
                ):
                    yield alias, value

    @cached_property
    def _leaving_eval(self) -> frozenset[cst.Call]:
        return calls_leaving_eval(self.model)

    def _record(self, ref: SFunction | SClass, call: cst.Call) -> CallRecord:
        line, column = self._cheap_position(call)
        args = tuple(self._argument(a.value) for a in call.args if a.keyword is None and not a.star)
        keywords = {
            a.keyword.value: self._argument(a.value) for a in call.args if a.keyword is not None
        }
        # ``Trainer(**common)`` of ``common = dict(model=net, ...)``
        for key, value in unpacked_keywords(self.model, call) or ():
            keywords[key] = self._argument(value)
        no_grad = self._gradients.reach(call) is Reach.NO
        trained = self._training_returns.get(call, ())
        split, split_node = self._split_returns.get(call, ((), None))
        compiled, per_sample, compile_call = self._compiled_returns.get(call, ("", False, None))
        scaled, scaled_loss, scaled_use = self._scaled_label_returns.get(call, ((), "", None))
        return CallRecord(
            ref.file,
            ref.name,
            line,
            column,
            args,
            keywords,
            no_grad=no_grad,
            trained=trained,
            # rare: worth a position pass for the callee's message
            trained_at=f"{self.rel}:{self._position(call)[0]}" if trained else "",
            leaves_eval_at=(
                f"{self.rel}:{self._position(call)[0]}" if call in self._leaving_eval else ""
            ),
            split=split,
            split_at=f"{self.rel}:{self._position(split_node)[0]}" if split_node else "",
            compiled=compiled,
            compiled_per_sample=per_sample,
            compiled_at=f"{self.rel}:{self._position(compile_call)[0]}" if compile_call else "",
            scaled_labels=scaled,
            scaled_labels_loss=scaled_loss,
            scaled_labels_at=f"{self.rel}:{self._position(scaled_use)[0]}" if scaled_use else "",
            autocast=self._autocast_at(call),
            epoch_pass_at=(
                f"{self.rel}:{self._position(call)[0]}"
                if runs_every_epoch_pass(self.model, call)
                else ""
            ),
            train_mode=train_mode_arguments(self.model, call),
            no_grad_args=self._gradients.arguments_without_gradient(call),
        )

    def _autocast_at(self, call: cst.Call) -> str:
        """Where the autocast region around ``call`` is, if any."""
        region = contexts(self.model).autocast_region(call)
        if region is None:
            return ""
        return f"{self.rel}:{self._position(region.node)[0]}"

    @cached_property
    def _compiled_returns(self) -> dict[cst.Call, tuple[str, bool, cst.Call]]:
        from lossflint.analysis.keras import compiled_calls

        return compiled_calls(self.model)

    @cached_property
    def _scaled_label_returns(
        self,
    ) -> dict[cst.Call, tuple[tuple[tuple[int, int], ...], str, cst.CSTNode]]:
        from lossflint.analysis.keras import scaled_label_calls

        return scaled_label_calls(self.model)

    @cached_property
    def _split_returns(self) -> dict[cst.Call, tuple[tuple[str, ...], cst.Call]]:
        return split_returns(self.model)

    @cached_property
    def _training_returns(self) -> dict[cst.Call, tuple[str, ...]]:
        if not any(
            e.kind == "backward" for e in loops(self.model).events
        ) and not calls_a_trainer_elsewhere(self.model):
            return {}  # nothing here (or in a function it calls) trains
        return training_returns(self.model)

    def _method_called(self, call: cst.Call) -> SFunction | None:
        """``trainer.fit(loader)`` where ``trainer`` is an instance of a class
        of another project module: that class's method (``Trainer.fit``, as
        its bases give it), whose parameters the call may pin; None for
        anything else, or a call with ``*args``."""
        func = call.func
        if not isinstance(func, cst.Attribute) or has_star_args(call):
            return None
        receiver = self.kinds.values.get(func.value)
        ref = getattr(receiver, "ref", None)
        if not isinstance(ref, SInstance):
            return None
        found = bridge.attribute(ref, func.attr.value, self.context)
        if (
            not isinstance(found, SFunction)
            or found.file == self.rel
            or found.name.count(".") != 1
            or not found.name.endswith("." + func.attr.value)
        ):
            return None
        summary = self.context.function_summary(found)
        # a method taking nothing but self has nothing to pin
        return found if summary is not None and len(summary.params) > 1 else None

    def _keeps_arguments(self, found: SClass) -> bool:
        """A class whose constructions are recorded (``__init__``'s arguments):
        one that keeps what it is given (``ClassSummary.keeps_arguments``);
        recording every ``Net()`` costs a position pass for nothing."""
        summary = self.context.class_summary(found)
        return summary is not None and summary.keeps_arguments

    @cached_property
    def _gradients(self) -> GradientFacts:
        return gradients(self.model)

    def _argument(self, expr: cst.BaseExpression) -> SValue:
        value = self.kinds.values.get(expr)
        try:
            found = self.value(value) if value is not None else S_UNKNOWN
            if found == S_UNKNOWN and self._keras is not None:
                # a Keras model's output (``bin_probs`` of ``count, bin_probs =
                # model(x)``): what the callee's parameter holds
                found = self._keras_output(self._keras.values.get(expr))
            if isinstance(found, SInstance) and isinstance(expr, cst.Name):
                found = self._with_fields(found, expr)
            return found
        except RecursionError:
            return S_UNKNOWN

    def _with_fields(self, instance: SInstance, name: cst.Name) -> SInstance:
        """``cfg`` of ``cfg = TrainConfig()`` handed to another module: the
        numbers its fields surely hold (``Trainer(cfg)``'s ``self.cfg.lr``)."""
        names = self.context.literal_fields(instance)
        numbers = built_numbers(self.model, name, names) if names else []
        fields: list[SField] = []
        for field_name, number, given in numbers:
            if isinstance(given, ForeignLiteral):
                fields.append(SField(field_name, number, given.file, given.line, given.column))
            else:
                line, column = self._position(given)
                fields.append(SField(field_name, number, self.rel, line, column))
        return replace(instance, fields=tuple(fields)) if fields else instance

    def _keras_output(self, value: Any) -> SValue:
        from lossflint.analysis.keras import KTensor

        if isinstance(value, KTensor) and value.model is not None:
            return self._keras_value(value)
        return S_UNKNOWN

    def _used_otherwise(self, ref: SFunction | SClass, called_as: dict[str, int]) -> bool:
        """Whether a name bound to ``ref`` appears other than in an import or
        as the callee of a call (``apply(nll)``, ``f = losses.nll``): counted on
        the text, so a mention in a comment counts too (silence, never a guess)."""
        short = ref.name
        names = {short}
        imported: dict[str, int] = {}
        for scope in self.model.scopes.values():
            for local, bindings in scope.bindings.items():
                for binding in bindings:
                    qualname = binding.qualname
                    if (
                        qualname is None
                        and isinstance(binding.node, cst.ImportFrom)
                        and binding.node.relative
                    ):
                        # ``from .preprocessing import gcn``: the name it binds
                        qualname = _imported_name(binding.node, local)
                    elif binding.kind != "import":
                        continue
                    if not qualname:
                        continue
                    if qualname.rsplit(".", 1)[-1] == short:
                        names.add(local)
                        imported[local] = imported.get(local, 0) + 1
                        if local != short:
                            imported[short] = imported.get(short, 0) + 1
        for name in names:
            # ``from evaluate import evaluate``: the module's name is no use of it
            allowed = (
                imported.get(name, 0)
                + called_as.get(name, 0)
                + self._module_words(name)
                + self._key_only_dict_values(name)
            )
            if self._mentions(name) > allowed:
                return True
        return False

    def _key_only_dict_values(self, name: str) -> int:
        """How often ``name`` is a value of a module-level dict literal that
        the module reads only for its keys (``LOSSES = {"bce": elbo_loss}``
        with ``choices=list(LOSSES)``): no call goes through it."""
        count = 0
        for node in self.model.nodes_of_type(cst.Dict):
            assert isinstance(node, cst.Dict)
            values = [
                e
                for e in node.elements
                if isinstance(e, cst.DictElement)
                and isinstance(e.value, cst.Name)
                and e.value.value == name
            ]
            if not values:
                continue
            holder = self.model.parent(node)
            if not (
                isinstance(holder, cst.Assign)
                and len(holder.targets) == 1
                and isinstance(holder.targets[0].target, cst.Name)
                and self.model.scope_of(holder).node is self.model.module
            ):
                continue
            held = holder.targets[0].target
            assert isinstance(held, cst.Name)
            if self._keys_only(held):
                count += len(values)
        return count

    def _keys_only(self, held: cst.Name) -> bool:
        """Every other mention of ``held`` reads its keys: ``list(D)``,
        ``sorted(D)``, ``D.keys()``, ``k in D``, ``choices=D``."""
        for use in names_in(self.model.module, held.value, memo_of(self.model)):
            if use is held:
                continue
            parent = self.model.parent(use)
            if isinstance(parent, cst.Arg):
                call = self.model.parent(parent)
                if parent.keyword is not None and parent.keyword.value == "choices":
                    continue
                if (
                    isinstance(call, cst.Call)
                    and isinstance(call.func, cst.Name)
                    and call.func.value in ("list", "sorted", "set", "tuple", "len")
                    and len(call.args) == 1
                ):
                    continue
                return False
            if isinstance(parent, cst.Attribute) and parent.attr.value == "keys":
                continue
            if isinstance(parent, cst.ComparisonTarget) and isinstance(
                parent.operator, (cst.In, cst.NotIn)
            ):
                continue
            return False
        return True

    def _module_words(self, name: str) -> int:
        """How often ``name`` is a part of an imported module's dotted name
        (``from evaluate import evaluate``, ``import engine.train``)."""
        count = 0
        for node in self._imports:
            if isinstance(node, cst.ImportFrom):
                if node.module is not None:
                    count += (dotted_text(node.module) or "").split(".").count(name)
                continue
            for alias in node.names:
                parts = (dotted_text(alias.name) or "").split(".")
                # ``import evaluate`` binds its first part: counted as an import
                count += (parts if alias.asname is not None else parts[1:]).count(name)
        return count

    @cached_property
    def _imports(self) -> list[cst.Import | cst.ImportFrom]:
        return [
            node for node in self.model.parents if isinstance(node, (cst.Import, cst.ImportFrom))
        ]

    def _mentions(self, name: str) -> int:
        """How often ``name`` appears in the module's code as a word (not in
        a comment or a docstring: they call nothing)."""
        return code_words(self.text, name)

    # --- classes -------------------------------------------------------------------

    def _class(self, cls: cst.ClassDef) -> ClassSummary:
        methods = tuple(
            stmt.name.value for stmt in _block(cls) if isinstance(stmt, cst.FunctionDef)
        )
        call: SValue = S_UNKNOWN
        for name in _METHODS_CALLED:
            if name in methods:
                summary_name = f"{cls.name.value}.{name}"
                func = self._functions.get(summary_name)
                if func is not None:
                    call = self._function(summary_name, func).returns
                break
        attrs: dict[str, SValue] = {}
        kinds = self._kinds_alone if self._init_pinned(cls) else self.kinds
        attrs_of = getattr(kinds, "class_attrs", None) or getattr(kinds, "_attrs", None)
        if attrs_of is not None:
            try:
                for key, value in attrs_of(cls).items():
                    converted = self.value(value)
                    if converted != S_UNKNOWN:
                        attrs[key] = converted
            except RecursionError:
                attrs = {}
        for name, value in self._keras_attrs(cls).items():
            attrs.setdefault(name, value)
        for name, value in self._class_body_values(cls).items():
            attrs.setdefault(name, value)
        return ClassSummary(
            name=cls.name.value,
            line=self._line(cls.name, cls.name.value),
            bases=tuple(self._base(arg.value) for arg in cls.bases if arg.keyword is None),
            call=call,
            attrs=attrs,
            methods=methods,
            keeps_arguments=kept_init(self.model, cls) is not None,
            accumulates=class_accumulations(cls),
            ordered_dataset=ordered_dataset(self.model, cls),
            index_flag=index_flag(self.model, cls),
            keras_model=self._keras_subclass(cls),
            mode_layer=self._origin(class_mode_layer(self.model, cls), cls.name.value),
            mode_free=self._mode_free(cls),
        )

    def _mode_free(self, cls: cst.ClassDef) -> tuple[SValue, ...] | None:
        try:
            needs = class_mode_free(self.model, cls)
        except RecursionError:
            return None
        return needs

    def _keras_subclass(self, cls: cst.ClassDef) -> SValue:
        """A ``keras.Model`` subclass: the model its ``call`` builds (its last
        layers), for a module that constructs and compiles it."""
        if self._keras is None:
            return S_UNKNOWN
        try:
            found = self._keras.subclassed_model(cls)
            return self._keras_value(found) if found is not None else S_UNKNOWN
        except RecursionError:
            return S_UNKNOWN

    def _class_body_values(self, cls: cst.ClassDef) -> dict[str, SValue]:
        """Names the class body binds once to a value of a domain (``ce =
        nn.CrossEntropyLoss()``): ``Losses.ce`` and ``Losses().ce`` hold it."""
        found: dict[str, list[cst.BaseExpression]] = {}
        for stmt in _block(cls):
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            found.setdefault(target.target.value, []).append(small.value)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    found.setdefault(small.target.value, []).append(small.value or small.target)
        out: dict[str, SValue] = {}
        for name, values in found.items():
            if len(values) != 1 or name in self._functions_of(cls):
                continue
            try:
                value = self.value(self.kinds.evaluate_alone(values[0]))
                if value == S_UNKNOWN and self._keras is not None:
                    value = self._keras_value(self._keras.evaluate_alone(values[0]))
            except RecursionError:
                continue
            if isinstance(value, (SLoss, SLayer, SSequential, STensor, SKerasLoss)):
                out[name] = value
        return out

    def _functions_of(self, cls: cst.ClassDef) -> set[str]:
        return {stmt.name.value for stmt in _block(cls) if isinstance(stmt, cst.FunctionDef)}

    def _base(self, expr: cst.BaseExpression) -> SValue:
        qualname = self.model.qualname(expr)
        if qualname is not None and not qualname.startswith("builtins."):
            parts = dotted_name(expr) or []
            bindings = self.model.module_scope.bindings.get(parts[0], []) if parts else []
            node = bindings[-1].node if bindings else None
            if isinstance(node, (cst.Import, cst.ImportFrom)):
                local = self._import_value(node, parts[0])
                if isinstance(local, (SAlias, SModule)):
                    if isinstance(local, SModule) and len(parts) > 1:
                        return SAlias(local.file, parts[-1]) if len(parts) == 2 else S_UNKNOWN
                    return local if isinstance(local, SAlias) else S_UNKNOWN
            return SObject("framework_class", qualname)
        if isinstance(expr, cst.Name):
            bindings = self.model.module_scope.bindings.get(expr.value, [])
            if len(bindings) == 1 and bindings[0].kind == "class":
                return SClass(self.rel, expr.value)
            if len(bindings) == 1 and isinstance(bindings[0].node, cst.ImportFrom):
                return self._import_value(bindings[0].node, expr.value)
        return S_UNKNOWN

    # --- Keras ----------------------------------------------------------------------

    @cached_property
    def _keras(self) -> Any:
        """The Keras facts of the module, when it imports Keras or TensorFlow
        or compiles a model (one another module's factory built)."""
        if ".compile(" in self.text:
            from lossflint.analysis.keras import keras_facts

            return keras_facts(self.model)
        for bindings in self.model.module_scope.bindings.values():
            for binding in bindings:
                if binding.qualname and binding.qualname.split(".")[0] in ("keras", "tensorflow"):
                    from lossflint.analysis.keras import keras_facts

                    return keras_facts(self.model)
        return None

    @cached_property
    def _keras_slots(self) -> Any:
        """The Keras facts with the parameters nothing pins kept as
        ``ParamSlot``: what a function builds a dataset of (only for a module
        whose text builds datasets from arrays)."""
        if self._keras is None or "from_tensor" not in self.text:
            return None
        from lossflint.analysis.keras import KerasFacts

        class KerasSlots(KerasFacts):
            PINS_FROM_CALLS = False
            GLOBALS_AT_CALL_SITES = False
            PARAM_SLOTS = True

        return KerasSlots(self.model)

    @cached_property
    def _keras_alone(self) -> Any:
        """The Keras facts as another file calling the module's functions sees
        them: no parameter pinned by the module's own calls, module names as
        the module leaves them (an importer runs all of it first)."""
        from lossflint.analysis.keras import KerasFacts

        class KerasAlone(KerasFacts):
            PINS_FROM_CALLS = False
            GLOBALS_AT_CALL_SITES = False

        return KerasAlone(self.model)

    def _keras_attrs(self, cls: cst.ClassDef) -> dict[str, SValue]:
        """``self.<attr>`` values of the Keras facts (``self.loss_fn =
        keras.losses.CategoricalCrossentropy(from_logits=True)``), as a
        caller in another file sees them when the class's own constructions
        pin its ``__init__``."""
        if self._keras is None:
            return {}
        pinned = any(
            init is not None and self._keras.pinned(init)
            for init in (self._keras.method(k, "__init__") for k in self._keras.mro(cls))
        )
        keras = self._keras_alone if pinned else self._keras
        out: dict[str, SValue] = {}
        try:
            for key, value in keras.class_attrs(cls).items():
                converted = self._keras_value(value)
                if converted != S_UNKNOWN:
                    out[key] = converted
        except RecursionError:
            return {}
        return out

    def _keras_value(self, value: Any, depth: int = 0) -> SValue:
        from lossflint.analysis.keras import (
            Batches,
            Divided,
            Images,
            KLayer,
            KLoss,
            KModel,
            KTensor,
            Labels,
            ParamSlot,
            ScaledLabels,
        )

        if isinstance(value, TupleValue) and depth < 3:
            items = tuple(self._keras_value(item, depth + 1) for item in value.items)
            return STuple(items) if not all(i == S_UNKNOWN for i in items) else S_UNKNOWN
        if isinstance(value, Batches) and depth < 3:
            element = self._keras_value(value.element, depth + 1)
            held = value.element
            if isinstance(held, TupleValue) and any(isinstance(i, ParamSlot) for i in held.items):
                params = tuple(i.name if isinstance(i, ParamSlot) else "" for i in held.items)
                items = element.items if isinstance(element, STuple) else (S_UNKNOWN,) * len(params)
                return SKerasBatches(STuple(tuple(items)), params)
            return SKerasBatches(element) if element != S_UNKNOWN else S_UNKNOWN
        if isinstance(value, Images):
            return SKerasData(
                "images", dataset=value.dataset, origin=self._origin(value.origin, "")
            )
        if isinstance(value, Labels) and value.per_sample and not value.predicted:
            origin = self._origin(value.origin, "")
            return SKerasData("labels", encoding=value.encoding, origin=origin)
        if isinstance(value, ScaledLabels) and value.far is None and value.labels.per_sample:
            # ``y_train / 255.0`` returned by a loader helper: a caller training
            # a classifier on it has LF413 reported here
            origin = self._origin(value.statement, "")
            return SKerasData("scaled", encoding=value.labels.encoding, origin=origin)
        if isinstance(value, Divided) and value.far is None:
            return SKerasData("divided", origin=self._origin(value.statement, ""))
        if isinstance(value, KLoss) and value.style == "class":
            origin = self._origin(value.node, "")
            param = self._parameter_of(value) if value.from_logits is None else ""
            return SKerasLoss(value.name, value.from_logits, origin, param)
        if isinstance(value, KTensor) and value.model is not None and not value.predicted:
            # ``model(x)`` (one output of a multi-output model too): its head
            # crosses files as the model's output (style "output")
            if not value.chain or all(layer is None for layer in value.chain):
                return S_UNKNOWN
            return SKerasModel(
                self._keras_layers(value.chain), "output", self._origin(value.model.node, "")
            )
        if isinstance(value, KTensor):
            # ``def head(x, n): return Dense(n, activation="softmax")(x)``: what
            # a caller passes in, through these layers (style "tensor")
            last = value.chain[-1] if value.chain else None
            if (
                value.predicted
                or value.model is not None
                or not isinstance(last, KLayer)
                or value.chain[0] is not None
            ):
                return S_UNKNOWN
            value = KModel(last.node, value.chain[1:], "tensor")
        if not isinstance(value, KModel) or not value.layers:
            return S_UNKNOWN
        outputs = tuple(
            SKerasOutput(self._keras_layers(out.layers), out.name or "") for out in value.outputs
        )
        return SKerasModel(
            self._keras_layers(value.layers),
            value.style,
            self._origin(value.node, ""),
            outputs,
            value.keyed,
        )

    def _keras_layers(self, chain: tuple[Any, ...]) -> tuple[SKerasLayer | None, ...]:
        from lossflint.analysis.keras import KLayer

        layers: list[SKerasLayer | None] = []
        for layer in chain:
            if not isinstance(layer, KLayer):
                layers.append(None)
                continue
            # a layer another module's factory built: where it was built there,
            # with no parameter of this module's functions in it
            far = bool(layer.far)
            layers.append(
                SKerasLayer(
                    layer.name,
                    layer.units,
                    layer.activation,
                    layer.return_sequences,
                    layer.other_axis,
                    layer.origin if far else self._origin(layer.node, ""),
                    *(() if far else self._units_parameter(layer)),
                    *(() if far else self._activation_parameter(layer)),
                )
            )
        return tuple(layers)

    def _units_parameter(self, layer: Any) -> tuple[str, int | None]:
        """``n`` (and its literal default) in ``Dense(n, ...)`` when the units
        are a parameter of the top-level function building the layer."""
        if layer.units is not None or layer.name != "Dense":
            return "", None
        param = self._builder_parameter(layer.node, argument(layer.node, 0, "units"))
        if param is None:
            return "", None
        default = literal_value(param.default) if param.default else None
        if isinstance(param.default, cst.Name):
            # `def build_tagger(n_tags=N_TAGS)`, N_TAGS written in config.py
            found = imported_literal(self.model, param.default)
            default = found.value if found is not None else None
        units = default if isinstance(default, int) and not isinstance(default, bool) else None
        return param.name.value, units

    def _activation_parameter(self, layer: Any) -> tuple[str, str]:
        """``head_activation`` (and its literal default, canonical: "linear"
        for None) in ``Dense(n, activation=head_activation)`` when it is a
        parameter of the top-level function building the layer."""
        if layer.activation is not None or layer.name != "Dense":
            return "", ""
        param = self._builder_parameter(layer.node, argument(layer.node, 1, "activation"))
        if param is None:
            return "", ""
        default = ""
        if param.default is not None:
            found = literal_value(param.default)
            if found is None:
                default = "linear"
            elif isinstance(found, str):
                default = apis.ACTIVATION_STRINGS.get(found.lower(), found.lower())
        return param.name.value, default

    def _builder_parameter(
        self, node: cst.CSTNode, arg: cst.BaseExpression | None
    ) -> cst.Param | None:
        """The parameter ``arg`` names, of the top-level function holding
        ``node``, never rebound there."""
        func = self.model.enclosing(node, cst.FunctionDef)
        if not isinstance(arg, cst.Name) or not isinstance(func, cst.FunctionDef):
            return None
        if self._names.get(func) != func.name.value:
            return None  # a method, a nested function: not a call another file makes
        bindings = self.model.scopes[func].bindings.get(arg.value, [])
        if len(bindings) != 1 or bindings[0].kind != "param":
            return None
        param = bindings[0].node
        return param if isinstance(param, cst.Param) else None

    def _parameter_of(self, loss: Any) -> str:
        """``flag`` in ``CategoricalCrossentropy(from_logits=flag)`` when it is
        a parameter of the top-level function building the loss, bound nowhere
        else in it; "" otherwise."""
        arg = loss.from_logits_arg
        if arg is None or not isinstance(arg.value, cst.Name):
            return ""
        func = self.model.enclosing(loss.node, cst.FunctionDef)
        if not isinstance(func, cst.FunctionDef) or self._names.get(func) != func.name.value:
            return ""  # a method, a nested function: not a call another file makes
        name = arg.value.value
        bindings = self.model.scopes[func].bindings.get(name, [])
        return name if len(bindings) == 1 and bindings[0].kind == "param" else ""

    # --- values ----------------------------------------------------------------------

    def value(self, value: Value, depth: int = 0) -> SValue:
        if depth > MAX_VALUE_DEPTH:
            return S_UNKNOWN
        # what another project module gave this one (``values.Foreign``) stays as it was
        ref = getattr(value, "ref", None)
        if isinstance(ref, SValue):
            return ref
        if isinstance(value, Tensor):
            site = getattr(value, "site", None)
            origin = site if isinstance(site, Origin) else self._origin(value.origin, value.where)
            return STensor(value.kind.name, value.float_cast, origin)
        if isinstance(value, Layer):
            output = value.output.name if value.output is not None else None
            return SLayer(value.qualname, output, self._origin(value.origin, value.where))
        if isinstance(value, Sequential):
            layers = tuple(self.value(layer, depth + 1) for layer in value.layers)
            return SSequential(layers, self._origin(value.origin, ""))
        if isinstance(value, LossObject):
            keywords = {
                arg.keyword.value: self.model.code(arg.value)
                for arg in value.ctor.args
                if arg.keyword is not None
            }
            cls = self.model.qualname(value.ctor.func) or ""
            return SLoss(value.functional, keywords, self._origin(value.ctor, ""), cls)
        if isinstance(value, ApiFunction) and value.qualname in apis.LOSS_FUNCTIONS:
            # ``criterion = F.cross_entropy``: calling it is that functional loss
            return SLoss(value.qualname, {}, None, value.qualname)
        if isinstance(value, TupleValue):
            return STuple(tuple(self.value(item, depth + 1) for item in value.items))
        if isinstance(value, DictValue):
            items = {key: self.value(item, depth + 1) for key, item in value.items}
            known = {key: item for key, item in items.items() if item != S_UNKNOWN}
            return SDict(known) if known else S_UNKNOWN
        if isinstance(value, Instance):
            name = self._names.get(value.cls)
            return SInstance(self.rel, name) if name is not None else S_UNKNOWN
        if isinstance(value, Instances):
            return self._instances(value)
        if isinstance(value, ClassRef):
            name = self._names.get(value.cls)
            return SClass(self.rel, name) if name is not None else S_UNKNOWN
        if isinstance(value, FunctionRef):
            name = self._names.get(value.func)
            return SFunction(self.rel, name) if name is not None else S_UNKNOWN
        return S_UNKNOWN

    def _instances(self, value: Instances) -> SValue:
        """One of several classes, this file's or other modules': each named."""
        members: list[SValue] = [self.value(Instance(cls)) for cls in value.classes]
        members += [getattr(other, "ref", S_UNKNOWN) for other in value.foreign]
        if not members or not all(isinstance(m, SInstance) for m in members):
            return S_UNKNOWN
        ordered = sorted(members, key=lambda m: (getattr(m, "file", ""), getattr(m, "name", "")))
        return SInstances(tuple(dict.fromkeys(ordered)))

    def _origin(self, node: cst.CSTNode | None, where: str) -> Origin | None:
        if node is None:
            return None
        try:
            line, column = self._position(node)
        except KeyError:
            return None
        return Origin(self.rel, line, column, _origin_label(self.model, node), where)

    def _position(self, node: cst.CSTNode) -> tuple[int, int]:
        pos = self.model.position(node)
        return pos.start.line, pos.start.column + 1

    def _cheap_position(self, node: cst.CSTNode) -> tuple[int, int]:
        """Where ``node`` is, when positions are computed anyway; (0, 0) otherwise
        (a position pass costs as much as the rest of a summary)."""
        if "_positions" not in self.model.__dict__:
            return 0, 0
        try:
            return self._position(node)
        except KeyError:
            return 0, 0

    def _line(self, node: cst.CSTNode, name: str) -> int:
        """The line of the definition ``name`` (``Net``, ``Net.forward``):
        from the positions when they are computed anyway, else from CPython's
        parse of the text (a module whose summary has no origin pays for no
        position pass; the answer must not depend on which it is: an item's
        summary and the whole module's give the same)."""
        if "_positions" in self.model.__dict__:
            try:
                return self._position(node)[0]
            except KeyError:
                pass
        return self._definition_lines.get(name, 0)

    @cached_property
    def _definition_lines(self) -> dict[str, int]:
        """``{"Net": 3, "Net.forward": 9}`` read off the text's lines (a
        second parse of every summarised text cost more than its positions)."""
        lines: dict[str, int] = {}
        owner: str | None = None
        body_indent: str | None = None
        line, last = 1, 0
        for match in _DEFINITION.finditer(self.text):
            line += self.text.count("\n", last, match.start())
            last = match.start()
            indent, kind, name = match.group(1), match.group(2), match.group(3)
            if not indent:
                lines[name] = line
                owner, body_indent = (name, None) if kind == "class" else (None, None)
            elif owner is not None and kind == "def":
                if body_indent is None:
                    body_indent = indent
                if indent == body_indent:
                    lines[f"{owner}.{name}"] = line
        return lines


class _KindsAlone(KindAnalysis):
    """The kind domain with no parameter pinned by the module's own calls."""

    PINS_FROM_CALLS = False


def _same_module(value: cst.CSTNode | None, name: str | None) -> bool:
    """``name.to(device)``, ``name.cuda()``, ``name.module``: for a module,
    the module itself (moves return it) or the one its wrapper runs."""
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        moved = value.func.attr.value in apis.DEVICE_MOVES
        value = value.func.value if moved else None
    elif isinstance(value, cst.Attribute) and value.attr.value == "module":
        value = value.value
    else:
        return False
    return isinstance(value, cst.Name) and value.value == name


def _string_list(expr: cst.BaseExpression) -> list[str]:
    """``["a", "b"]`` / ``("a", "b")`` → the strings; [] for anything else."""
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return []
    out = []
    for element in expr.elements:
        value = literal_value(element.value)
        if not isinstance(value, str):
            return []
        out.append(value)
    return out


def _block(node: cst.ClassDef | cst.FunctionDef) -> list[cst.BaseStatement]:
    body = node.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else []


def _params(func: cst.FunctionDef) -> tuple[str, ...]:
    params = func.params
    return tuple(p.name.value for p in (*params.posonly_params, *params.params))


def _asname(alias: cst.ImportAlias) -> str:
    assert alias.asname is not None
    name = alias.asname.name
    return name.value if isinstance(name, cst.Name) else ""


def _has_unknown(value: SValue) -> bool:
    """Unknown somewhere (``return (x, y), (xt, yt)``: the kind domain knows
    the one-hot labels, not the images; the Keras facts may)."""
    if isinstance(value, STuple):
        return any(_has_unknown(item) for item in value.items)
    return value == S_UNKNOWN


def _merge(kinds: SValue, keras: SValue) -> SValue:
    """The kind domain's value, its unknown parts filled from the Keras facts."""
    if kinds == S_UNKNOWN:
        return keras
    if (
        isinstance(kinds, STuple)
        and isinstance(keras, STuple)
        and len(kinds.items) == len(keras.items)
    ):
        return STuple(tuple(_merge(a, b) for a, b in zip(kinds.items, keras.items, strict=True)))
    return kinds


def _returned_param(func: cst.FunctionDef, params: tuple[str, ...]) -> str:
    """The parameter every ``return`` gives back unchanged (``passed_through``),
    when the summary lists it (``bridge.returned_argument`` asks its position)."""
    name = passed_through(func)
    return name if name is not None and name in params else ""


def _imported_name(node: cst.ImportFrom, local: str) -> str | None:
    """The name ``node`` imports under ``local`` (``gcn`` for ``from .pre
    import gcn`` or ``from .pre import normalise as gcn``)."""
    if isinstance(node.names, cst.ImportStar):
        return None
    for alias in node.names:
        asname = alias.asname.name if alias.asname is not None else None
        bound = asname.value if isinstance(asname, cst.Name) else dotted_text(alias.name)
        if bound == local:
            return dotted_text(alias.name)
    return None
