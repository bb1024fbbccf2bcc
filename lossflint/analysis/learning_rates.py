"""Learning rates: what an optimiser's ``lr`` holds, and the LR actually applied.

LF307 asks here, for each optimiser constructor of the loop index
(``loops(model).optimizer_ctors``):

- :meth:`LearningRates.applied`: the learning rate the optimiser really runs
  at, when the file says it. A number, a module constant or a config-dict
  literal given as ``lr=`` (``_number``), unless a scheduler rescales it:
  ``OneCycleLR``/``CyclicLR`` overwrite it and climb to their ``max_lr``, which
  is then the LR judged; ``LambdaLR``/``MultiplicativeLR`` multiply it by a user
  function, an unknown warm-up/scheduler wrapper of the project
  (``GradualWarmupScheduler(optimizer, ...)``), a Keras ``LearningRateScheduler``
  callback or ``param_group["lr"] = ...`` assignments set it at run time: the
  applied LR is unknown and nothing is judged. Schedulers that start at the
  base LR and only lower it (``StepLR``, cosine annealing, transformers'
  ``get_*_schedule_with_warmup``, whose warm-up climbs *to* the base LR) leave
  the base LR as the peak actually applied.
- :meth:`LearningRates.compares_rates`: the file loops over several learning
  rates on purpose (``for lr in [1e-3, 1e-2, 0.1, 1.0]``).
- :func:`is_test_module`: unit tests build optimisers with arbitrary settings.
- :func:`high_rates`: the constructors whose applied LR reaches their family's
  limit, less the lessons (a linear model, a toy, a notebook comparing a high
  LR with a normal one, a test file, a loop over rates).

What the optimiser trains (a linear model, a toy) is ``trained_models.py``'s.

A scheduler is tied to the optimiser it receives by the name the optimiser was
assigned to (``opt``, ``self.optimizer``) in the same function (class, for
``self.`` attributes). An optimiser assigned to no name (returned by a
factory) is judged by its base LR only when no rescaling or peak scheduler of
the file could be driving it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import (
    argument,
    argument_node,
    calls_passing,
    has_star_args,
    literal_items,
    literal_value,
    positional,
)
from lossflint.analysis.config_fields import (
    branch_not_taken,
    config_field,
    instance_field,
    passed_config_field,
)
from lossflint.analysis.interpreter.syntax import param_names, statements_of
from lossflint.analysis.loops import loops, role_from_name
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.read_only_params import only_read
from lossflint.analysis.test_files import is_test_module
from lossflint.analysis.walk import descendants, own_returns
from lossflint.project.constants import ForeignLiteral, imported_literal

__all__ = ["ForeignLiteral", "is_test_module"]
from lossflint.analysis.trained_models import trained_models

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.loops import OptimizerCtor

#: names of variables that hold learning rates (``lr``, ``lrs``, ``base_lr``,
#: ``learning_rates``), not ``dropout_rate``
_LR_NAME = re.compile(r"(^|_)(lrs?|learning_?rates?)($|_)", re.IGNORECASE)
#: callee names of project schedulers and warm-up wrappers the catalogue does not know
_SCHEDULER_NAME = re.compile(r"sched|warm", re.IGNORECASE)
#: a model with fewer weights is a toy (a hello-RNN, an API demo): a large step
#: is tried and converges there
TOY_PARAMETERS = 1_000


@dataclass(frozen=True)
class AppliedLR:
    """The learning rate an optimiser runs at, and where the file sets it."""

    value: float
    #: reported: the ``lr=``/``learning_rate=`` argument, or the scheduler's ``max_lr=``
    arg: cst.Arg
    #: the constant or config entry the number comes from (None: a literal
    #: there), in this file or another project module
    source: cst.CSTNode | ForeignLiteral | None
    #: the scheduler whose peak ``value`` is (``"OneCycleLR"``), None for the base LR
    peak_of: str | None = None
    #: its argument holding that peak
    peak_name: str = "max_lr"


@dataclass(frozen=True)
class _SchedulerUse:
    call: cst.Call
    kind: str  # "rescaling" / "peak" / "unknown"
    name: str
    keys: frozenset[tuple[str, cst.CSTNode]]


class LearningRates:
    def __init__(self, model: ModuleIndex) -> None:
        self.model = model

    # --- the LR applied -----------------------------------------------------------

    def lr_argument(self, ctor: OptimizerCtor) -> cst.Arg | None:
        """The argument that sets the base learning rate."""
        if ctor.framework == "torch":
            return argument_node(ctor.call, 1, "lr")
        return argument_node(ctor.call, 0, "learning_rate", "lr")

    def applied(self, ctor: OptimizerCtor) -> AppliedLR | None:
        """The peak learning rate the optimiser is run at, when it is known."""
        if ctor.framework == "keras" and self._keras_lr_callback:
            return None
        if ctor.framework == "torch" and self._param_group_lr_set:
            return None
        if ctor.framework == "torch" and _every_group_sets_lr(self.model, ctor.call):
            return None
        keys = self._keys_of(ctor.call)
        uses = self._scheduler_uses
        tied = [u for u in uses if u.keys & keys and not self._rebound_between(ctor.call, u, keys)]
        if keys and not tied and any(u.keys & keys for u in uses):
            return None  # its name was given another optimiser before the scheduler
        if not tied and any(not (u.keys & self._ctor_keys) for u in uses):
            # a scheduler drives an optimiser made elsewhere (a factory, another
            # function): it may be this one
            return None
        if any(u.kind != "peak" for u in tied):
            return None
        if tied:
            use = tied[0]
            index, name = apis.PEAK_LR_SCHEDULERS[use.name]
            arg = argument_node(use.call, index, name)
            peak = self.number(arg.value) if arg is not None else None
            if arg is None or peak is None:
                return None
            return AppliedLR(peak[0], arg, peak[1], use.name.rsplit(".", 1)[-1])
        arg = self.lr_argument(ctor)
        found = self.number(arg.value) if arg is not None else None
        if arg is not None and found is None and ctor.framework == "keras":
            return self._keras_schedule_peak(arg.value)
        if arg is None or found is None:
            return None
        return AppliedLR(found[0], arg, found[1])

    def _keras_schedule_peak(self, expr: cst.BaseExpression) -> AppliedLR | None:
        """``Adam(learning_rate=InverseTimeDecay(initial_learning_rate=0.1,
        ...))``, directly or through a name bound once: the rate the
        schedule starts from (or warms up to), which it then lowers."""
        if isinstance(expr, cst.Name):
            bound = self._single_assignment(expr)
            expr = bound if bound is not None else expr
        if not isinstance(expr, cst.Call) or has_star_args(expr):
            return None
        qualname = self.model.qualname(expr.func) or ""
        module, _, name = qualname.rpartition(".")
        if name not in apis.KERAS_LR_SCHEDULES or not module.endswith(apis.KERAS_SCHEDULE_MODULES):
            return None
        index, keyword = apis.KERAS_LR_SCHEDULES[name]
        if name == "CosineDecay" and argument_node(expr, 4, "warmup_target") is not None:
            index, keyword = 4, "warmup_target"
        arg = argument_node(expr, index, keyword)
        if arg is None:
            return None
        if keyword == "values":
            if not isinstance(arg.value, (cst.List, cst.Tuple)):
                return None
            numbers = [self.number(e.value) for e in arg.value.elements]
            if not numbers or any(n is None for n in numbers):
                return None
            peak = max((n for n in numbers if n is not None), key=lambda n: n[0])
        else:
            found = self.number(arg.value)
            if found is None:
                return None
            peak = found
        return AppliedLR(peak[0], arg, peak[1], name, keyword)

    @cached_property
    def _scheduler_uses(self) -> list[_SchedulerUse]:
        found = []
        for site in self.model.calls:
            qualname = site.qualname
            if qualname in apis.RESCALING_SCHEDULERS:
                if _warm_up_to_one(self.model, site.node):
                    continue  # climbs to the base LR: that is the LR applied
                kind = "rescaling"
            elif qualname in apis.PEAK_LR_SCHEDULERS:
                kind = "peak"
            elif qualname is not None and (
                qualname.startswith(apis.SCHEDULER_PREFIXES) or qualname in apis.SCHEDULER_FUNCTIONS
            ):
                continue  # starts at the base LR and lowers it
            else:
                func = site.node.func
                # the name called, read off the node first: most calls are no
                # scheduler, and the dotted text of each costs a walk down
                tail = (
                    func.attr.value
                    if type(func) is cst.Attribute
                    else func.value
                    if type(func) is cst.Name
                    else ""
                )
                if not _SCHEDULER_NAME.search(tail):
                    continue
                callee = dotted_text(func)
                last = callee.rsplit(".", 1)[-1] if callee is not None else ""
                if not _SCHEDULER_NAME.search(last) or last == "step":
                    continue
                kind = "unknown"
            keys: set[tuple[str, cst.CSTNode]] = set()
            for arg in site.node.args:
                key = dotted_text(arg.value)
                if key is not None:
                    keys.add((key, self._owner(site.node, key)))
            if (
                kind != "unknown"
                or keys & self._ctor_keys
                or any(role_from_name(key) == "optimizer" for key, _ in keys)
            ):
                found.append(_SchedulerUse(site.node, kind, qualname or "", frozenset(keys)))
        return found

    def _rebound_between(
        self, ctor: cst.Call, use: _SchedulerUse, keys: frozenset[tuple[str, cst.CSTNode]]
    ) -> bool:
        """``optimizer = Adam(...)``, later ``optimizer = SGD(...)``, then
        ``CyclicLR(optimizer, ...)``: the name the scheduler is given was
        assigned again, after this constructor and before the scheduler (a
        notebook re-running its cells in order)."""
        start = self.model.line_of(ctor)
        end = self.model.line_of(use.call)
        if end <= start:
            return False
        for key, owner in keys & use.keys:
            for node in self.model.nodes_of_type(cst.Assign):
                line = self.model.line_of(node)
                if not start < line < end or node.value is ctor:  # type: ignore[attr-defined]
                    continue
                if (
                    any(
                        dotted_text(t.target) == key
                        for t in node.targets  # type: ignore[attr-defined]
                    )
                    and self._owner(node, key) is owner
                ):
                    return True
        return False

    @cached_property
    def _ctor_keys(self) -> frozenset[tuple[str, cst.CSTNode]]:
        keys: set[tuple[str, cst.CSTNode]] = set()
        for ctor in loops(self.model).optimizer_ctors:
            keys |= self._keys_of(ctor.call)
        return frozenset(keys)

    def _keys_of(self, call: cst.Call) -> frozenset[tuple[str, cst.CSTNode]]:
        """(name, owner) the constructed optimiser is assigned to."""
        parent = self.model.parent(call)
        targets: list[cst.BaseExpression] = []
        if isinstance(parent, cst.Assign):
            targets = [t.target for t in parent.targets]
        elif isinstance(parent, cst.AnnAssign):
            targets = [parent.target]
        keys = set()
        for target in targets:
            key = dotted_text(target)
            if key is not None:
                keys.add((key, self._owner(call, key)))
        return frozenset(keys)

    def _owner(self, node: cst.CSTNode, key: str) -> cst.CSTNode:
        """Where a name lives: its class for ``self.x``, else its function (or the module)."""
        kind = cst.ClassDef if key.startswith("self.") else cst.FunctionDef
        owner = self.model.enclosing(node, kind)
        return owner if owner is not None else self.model.module

    @cached_property
    def _keras_lr_callback(self) -> bool:
        return any(self.model.calls_to(*sorted(apis.KERAS_LR_CALLBACKS)))

    @cached_property
    def _param_group_lr_set(self) -> bool:
        """``g["lr"] = …`` for ``g`` in ``opt.param_groups``, or
        ``opt.param_groups[0]["lr"] = …``: a hand-written schedule."""
        for node in self.model.nodes_of_type(cst.Assign):
            for target in node.targets:  # type: ignore[attr-defined]
                t = target.target
                if not isinstance(t, cst.Subscript) or len(t.slice) != 1:
                    continue
                index = t.slice[0].slice
                if not isinstance(index, cst.Index) or literal_value(index.value) != "lr":
                    continue
                text = self.model.code(t.value)
                if "param_group" in text or self._iterates_param_groups(t.value):
                    return True
        return False

    def _iterates_param_groups(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Name):
            return False
        for node in self.model.ancestors(expr):
            if isinstance(node, cst.For) and dotted_text(node.target) == expr.value:
                return "param_groups" in self.model.code(node.iter)
        return False

    # --- numbers --------------------------------------------------------------------

    def number(
        self, expr: cst.BaseExpression, depth: int = 0
    ) -> tuple[float, cst.CSTNode | ForeignLiteral | None] | None:
        """A literal number, or one a module constant / config-dict literal gives
        (of this file or, imported, of another project module), with where it
        is written (None for a literal in place)."""
        if depth > 4:
            return None
        value = literal_value(expr)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value), (expr if depth else None)
        if isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript)):
            foreign = imported_literal(self.model, expr)
            if foreign is not None:
                number = foreign.value
                if isinstance(number, (int, float)) and not isinstance(number, bool):
                    return float(number), foreign
                return None
        if isinstance(expr, cst.Name):
            # bound once, or (``lr = 1e-2`` in one cell, ``lr = 1.0`` in a
            # later one) by the assignment every path to the use passes last
            bound = self._single_assignment(expr) or reaching_assignment(self.model, expr)
            return None if bound is None else self.number(bound, depth + 1)
        if isinstance(expr, cst.Attribute) and dotted_text(expr.value) == "self":
            bound = self._attribute_assignment(expr)
            return None if bound is None else self.number(bound, depth + 1)
        if isinstance(expr, cst.Attribute):
            field = self._config_field(expr)
            if isinstance(field, ForeignLiteral):
                number = field.value
                if isinstance(number, (int, float)) and not isinstance(number, bool):
                    return float(number), field
                return None
            return None if field is None else self.number(field, depth + 1)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            element = expr.slice[0].slice
            if not isinstance(element, cst.Index):
                return None
            key = literal_value(element.value)
            if not isinstance(key, str):
                return None
            copied = self._foreign_copy_item(expr)
            if copied is not None:
                number = copied.value
                if isinstance(number, (int, float)) and not isinstance(number, bool):
                    return float(number), copied
                return None
            container = self._dict_literal(expr.value, depth)
            if container is None:
                return None
            for found, value in literal_items(container):
                if found == key:
                    return self.number(value, depth + 1)
        return None

    def _config_field(self, expr: cst.Attribute) -> cst.BaseExpression | ForeignLiteral | None:
        """``cfg.lr`` of a configuration object (``config_fields``); also
        ``self.cfg.lr`` when ``self.cfg = Config(...)`` is its one assignment."""
        base = expr.value
        if isinstance(base, cst.Attribute) and dotted_text(base.value) == "self":
            made = self._attribute_assignment(base)
            if isinstance(made, cst.Call):
                return instance_field(self.model, made, expr.attr.value)
            if isinstance(made, cst.Name):
                # ``self.cfg = cfg`` of ``__init__(self, cfg)``: what the callers built
                return passed_config_field(self.model, made, expr.attr.value)
            return None
        return config_field(self.model, expr)

    def _single_assignment(self, name: cst.Name) -> cst.BaseExpression | None:
        bindings = self.model.bindings(name)
        if not bindings or len(bindings) != 1 or bindings[0].kind != "assign":
            return None
        node = bindings[0].node
        return node if isinstance(node, cst.BaseExpression) else None

    def _attribute_assignment(self, expr: cst.Attribute) -> cst.BaseExpression | None:
        """What ``self.lr`` holds when the file assigns ``<x>.lr`` exactly once,
        as ``self.lr = <value>`` in a method of the class ``expr`` is in."""
        cls = self.model.enclosing(expr, cst.ClassDef)
        name = expr.attr.value
        found: list[cst.BaseExpression] = []
        for node in self.model.nodes_of_type(cst.Call, cst.Assign, cst.AugAssign, cst.AnnAssign):
            kind = type(node)
            if kind is cst.Call and dotted_text(node.func) == "setattr":  # type: ignore[attr-defined]
                return None
            if kind not in (cst.Assign, cst.AugAssign, cst.AnnAssign):
                continue
            targets = (
                [t.target for t in node.targets]  # type: ignore[attr-defined]
                if kind is cst.Assign
                else [node.target]  # type: ignore[attr-defined]
            )
            for target in targets:
                if isinstance(target, cst.Attribute) and target.attr.value == name:
                    if kind is not cst.Assign or dotted_text(target.value) != "self":
                        return None
                    if self.model.enclosing(node, cst.ClassDef) is not cls:
                        return None
                    found.append(node.value)  # type: ignore[attr-defined]
        return found[0] if cls is not None and len(found) == 1 else None

    def _dict_literal(self, expr: cst.BaseExpression, depth: int) -> cst.Dict | cst.Call | None:
        """A dict written out: ``{"lr": 0.1}`` or ``dict(lr=0.1)``."""
        if isinstance(expr, cst.Dict) or self._dict_call(expr):
            return expr  # type: ignore[return-value]
        source = self._copied(expr)
        if source is not None and depth <= 4:
            return self._dict_literal(source, depth + 1)  # ``copy.deepcopy(CONFIG)``
        if isinstance(expr, cst.Subscript):
            # CONFIG["optim"]["lr"]
            if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
                return None
            key = literal_value(expr.slice[0].slice.value)
            outer = self._dict_literal(expr.value, depth + 1)
            if outer is None or not isinstance(key, str):
                return None
            for found, value in literal_items(outer):
                if found == key:
                    return value if isinstance(value, cst.Dict) or self._dict_call(value) else None  # type: ignore[return-value]
            return None
        if not isinstance(expr, cst.Name) or depth > 4:
            return None
        bound = self._single_assignment(expr)
        if bound is None or self._mutated(expr.value) or self._handed_on(expr.value):
            return None
        if isinstance(bound, cst.Dict) or self._dict_call(bound):
            return bound  # type: ignore[return-value]
        if isinstance(bound, (cst.Subscript, cst.Call)):
            # ``optim_cfg = CONFIG["optim"]``, ``cfg = copy.deepcopy(CONFIG)``
            return self._dict_literal(bound, depth + 1)
        return None

    def _copied(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """What ``copy.deepcopy(X)``, ``copy.copy(X)``, ``dict(X)`` or
        ``X.copy()`` copies: the copy holds X's items when it is made."""
        if not isinstance(expr, cst.Call):
            return None
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value == "copy" and not expr.args:
            if self.model.qualname(func) is None:  # ``cfg.copy()``, not the ``copy`` module's
                return func.value
        if self.model.qualname(expr.func) in _COPIES and len(expr.args) == 1:
            arg = expr.args[0]
            return arg.value if arg.keyword is None and not arg.star else None
        return None

    def _handed_on(self, name: str) -> bool:
        """``name`` (a config dict) is an argument of a call that may change
        it (``apply_overrides(cfg, args.override)``): anything but printing,
        measuring or copying it."""
        for call in calls_passing(self.model, name):
            if call is None:
                return True
            if self.model.qualname(call.func) in _READS_ONLY or self._read_by_callee(call, name):
                continue
            return True
        return False

    def _read_by_callee(self, call: cst.Call, name: str) -> bool:
        """``build_loaders(CONFIG)`` of a same-file function that only reads
        the parameter it gets."""
        func = loops(self.model).resolve_function(call)
        if func is None or any(a.star for a in call.args):
            return False
        params = param_names(func.params)
        if params[:1] == ["self"] and isinstance(call.func, cst.Attribute):
            params = params[1:]
        for position, arg in enumerate(call.args):
            if dotted_text(arg.value) != name:
                continue
            if arg.keyword is not None:
                param = arg.keyword.value
            else:
                param = params[position] if position < len(params) else ""
            if not only_read(self.model, func, param):
                return False
        return True

    def _foreign_copy_item(self, expr: cst.Subscript) -> ForeignLiteral | None:
        """``cfg["optim"]["lr"]`` where ``cfg`` is bound once, never changed
        nor handed on, to a copy of another project module's literal dict
        constant (``cfg = copy.deepcopy(CONFIG)``, ``from config import
        CONFIG``): the literal there, when every key is in it."""
        keys: list[str] = []
        base: cst.BaseExpression = expr
        while isinstance(base, cst.Subscript) and len(keys) < 6:
            if len(base.slice) != 1 or not isinstance(base.slice[0].slice, cst.Index):
                return None
            key = literal_value(base.slice[0].slice.value)
            if not isinstance(key, str):
                return None
            keys.append(key)
            base = base.value
        if not isinstance(base, cst.Name):
            return None
        bound = self._single_assignment(base)
        source = self._copied(bound) if bound is not None else None
        if source is None or self._mutated(base.value) or self._handed_on(base.value):
            return None
        if isinstance(source, cst.Name) and (
            self._mutated(source.value) or self._handed_on(source.value)
        ):
            return None
        found = imported_literal(self.model, source)
        if found is None:
            return None
        value: object = found.value
        literal = None
        for key in reversed(keys):
            if not isinstance(value, dict) or key not in value:
                return None
            literal = value[key]
            value = literal.value
        if literal is None:
            return None
        return ForeignLiteral(literal.value, found.file, literal.line, literal.column)

    def _dict_call(self, expr: cst.BaseExpression) -> bool:
        """``dict(lr=0.1, momentum=0.9)``: keywords only."""
        return (
            isinstance(expr, cst.Call)
            and self.model.qualname(expr.func) == "builtins.dict"
            and all(a.keyword is not None and not a.star for a in expr.args)
        )

    def _mutated(self, name: str) -> bool:
        """``CONFIG["lr"] = ...`` / ``CONFIG.update(...)`` anywhere in the file."""
        for node in self.model.nodes_of_type(cst.Assign, cst.AugAssign):
            if isinstance(node, (cst.Assign, cst.AugAssign)):
                targets = (
                    [t.target for t in node.targets]
                    if isinstance(node, cst.Assign)
                    else [node.target]
                )
                for target in targets:
                    current: cst.BaseExpression = target
                    while isinstance(current, cst.Subscript):
                        current = current.value
                        if isinstance(current, cst.Name) and current.value == name:
                            return True
        for site in self.model.method_calls("update", "setdefault", "pop", "__setitem__"):
            func = site.node.func
            if isinstance(func, cst.Attribute) and dotted_text(func.value) == name:
                return True
        return False

    # --- exemptions -----------------------------------------------------------------

    @cached_property
    def compares_rates(self) -> bool:
        """A loop (or comprehension) over a literal list of several learning
        rates: the file tries them on purpose, a high one included."""
        for node in self.model.nodes_of_type(cst.For, cst.CompFor):
            if isinstance(node, (cst.For, cst.CompFor)):
                values, name = self._literal_numbers(node.iter)
                target = dotted_text(node.target) or ""
                if len(set(values)) >= 2 and (_LR_NAME.search(target) or _LR_NAME.search(name)):
                    return True
        return False

    def _literal_numbers(self, expr: cst.BaseExpression) -> tuple[list[float], str]:
        name = ""
        if isinstance(expr, cst.Name):
            name = expr.value
            bound = self._single_assignment(expr)
            if bound is None:
                return [], name
            expr = bound
        if not isinstance(expr, (cst.List, cst.Tuple)):
            return [], name
        values = []
        for element in expr.elements:
            value = literal_value(element.value)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return [], name
            values.append(float(value))
        return values, name


#: calls that copy a dict: the copy holds what the original holds
_COPIES = frozenset({"copy.deepcopy", "copy.copy", "builtins.dict"})
#: calls a config dict may be handed to without changing it (printed,
#: saved, logged); any other call, a project helper above all, may override
#: its entries
_READS_ONLY = _COPIES | frozenset(
    {
        "builtins.print",
        "builtins.len",
        "builtins.repr",
        "builtins.str",
        "json.dump",
        "json.dumps",
        "pprint.pprint",
        "yaml.dump",
        "yaml.safe_dump",
        "wandb.init",
        "mlflow.log_params",
    }
)


def learning_rates(model: ModuleIndex) -> LearningRates:
    """The learning-rate facts of ``model``, built on first use and kept on the model."""
    return model.analysis(LearningRates)


@dataclass(frozen=True)
class HighRate:
    """An optimiser run at a learning rate at or above its family's limit."""

    ctor: OptimizerCtor
    applied: AppliedLR
    limit: float


#: a rate this many times the family's threshold is reported even for linear models and toys
ABSURD_FACTOR = 100


def high_rates(model: ModuleIndex, limits: dict[str, float]) -> Iterator[HighRate]:
    """The optimiser constructors of a family in ``limits`` whose applied LR
    reaches that family's limit: not in test files or files comparing rates,
    not for a linear model or a toy, not a notebook's demonstration."""
    if is_test_module(model):
        return
    rates = learning_rates(model)
    trained = trained_models(model)
    if rates.compares_rates:
        return
    index = loops(model)
    ctors = [c for c in index.optimizer_ctors if c.family in limits]
    # SGD whose gradient norm is clipped moves at most lr * max_norm a step
    # (PyTorch's word-language-model recipe: lr=20 with clip 0.25); an
    # adaptive optimiser rescales the clipped gradient anyway
    clipped = any(event.kind == "clip" for event in index.events)
    shown = _demonstrations(model, rates, ctors, limits)
    for ctor in ctors:
        limit = limits[ctor.family]
        if has_star_args(ctor.call) or ctor.call in shown or branch_not_taken(model, ctor.call):
            continue  # (``if cfg.optimizer == "adam":`` with ``optimizer = "sgd"``)
        if clipped and ctor.family == "sgd":
            continue
        applied = rates.applied(ctor)
        if applied is None or applied.value < limit:
            continue
        if (
            trained.is_gaussian_process(ctor)
            or trained.restore_only(ctor)
            or _optimises_tensors(ctor)
            or _applies_to_variables(model, ctor)
        ):
            continue
        # a rate a hundred times the family's threshold (Adam at 10, 1000 in
        # lukas/ml-class's CIFAR demo) is no setting even a linear model or a toy takes
        absurd = applied.value >= ABSURD_FACTOR * limit
        if trained.is_linear(ctor) and not absurd:
            continue
        count = trained.parameter_count(ctor)
        if count is not None and count < TOY_PARAMETERS and not absurd:
            continue
        yield HighRate(ctor, applied, limit)


def source_note(model: ModuleIndex, applied: AppliedLR) -> str:
    """`` (from line 12)`` / `` (from configs/base.py:7)``: where the number is written."""
    source = applied.source
    if isinstance(source, ForeignLiteral):
        return f" (from {source.file}:{source.line})"
    return "" if source is None else f" (from line {model.line_of(source)})"


def _optimises_tensors(ctor: OptimizerCtor) -> bool:
    """A torch optimiser over a literal list of tensors (``Adam([image],
    lr=0.1)``: style transfer, DeepDream, adversarial inputs, inversion), not
    a module's parameters nor parameter groups: pixels take large steps by
    design, and which of them are weights is unknown."""
    if ctor.framework != "torch":
        return False
    params = argument(ctor.call, 0, "params")
    if not isinstance(params, (cst.List, cst.Tuple)) or not params.elements:
        return False
    for element in params.elements:
        value = element.value
        if (
            type(value) is cst.Call
            and type(value.func) is cst.Attribute
            and value.func.attr.value == "requires_grad_"
        ):
            value = value.func.value  # ``[image.requires_grad_()]``: the image itself
        if type(element) is cst.StarredElement or type(value) not in _TENSOR_ELEMENTS:
            return False
    return True


def _applies_to_variables(model: ModuleIndex, ctor: OptimizerCtor) -> bool:
    """A Keras optimiser whose every ``apply_gradients(zip(grads, [a, b]))`` /
    ``minimize(loss, var_list=[a, b])`` names its variables in a literal list
    (the two scalars of a variational fit, an image): no network's weights,
    as for a torch optimiser over a list of tensors."""
    if ctor.framework != "keras":
        return False
    parent = model.parent(ctor.call)
    if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
        return False
    name = dotted_text(parent.targets[0].target)
    if name is None:
        return False
    uses = [
        site.node
        for site in model.method_calls("apply_gradients", "minimize")
        if isinstance(site.node.func, cst.Attribute) and dotted_text(site.node.func.value) == name
    ]
    if not uses:
        return False
    for call in uses:
        if call.func.attr.value == "minimize":  # type: ignore[attr-defined]
            variables = argument(call, 1, "var_list")
        else:
            pairs = argument(call, 0, "grads_and_vars")
            zipped = positional(pairs) if isinstance(pairs, cst.Call) else []
            ok = isinstance(pairs, cst.Call) and dotted_text(pairs.func) == "zip"
            variables = zipped[1].value if ok and len(zipped) == 2 else None
            if isinstance(pairs, (cst.List, cst.Tuple)):
                # ``apply_gradients([(grads, combination_image)])``: written pairs
                variables = _pair_variables(pairs)
        if not isinstance(variables, (cst.List, cst.Tuple)) or not variables.elements:
            return False
        if any(
            type(e) is cst.StarredElement or type(e.value) not in _TENSOR_ELEMENTS
            for e in variables.elements
        ):
            return False
    return True


def _pair_variables(pairs: cst.List | cst.Tuple) -> cst.List | None:
    """The variables of ``[(g1, v1), (g2, v2)]`` as a list display; None
    when an item is no written pair."""
    found: list[cst.Element] = []
    for element in pairs.elements:
        pair = element.value if isinstance(element, cst.Element) else None
        if not isinstance(pair, cst.Tuple) or len(pair.elements) != 2:
            return None
        second = pair.elements[1]
        if not isinstance(second, cst.Element):
            return None
        found.append(cst.Element(second.value))
    return cst.List(found) if found else None


def _every_group_sets_lr(model: ModuleIndex, call: cst.Call) -> bool:
    """``Adam([{"params": ..., "lr": base_lr}, ...], lr=0.1)``: every
    parameter group sets its own rate, so the constructor's applies to none
    (XNOR-Net builds the list with ``params += [{..., "lr": base_lr}]``)."""
    params = argument(call, 0, "params")
    scope = model.enclosing(call, cst.FunctionDef) or model.module
    return params is not None and _groups_set_lr(model, params, scope, 2)


def _groups_set_lr(
    model: ModuleIndex, expr: cst.BaseExpression, scope: cst.CSTNode, depth: int
) -> bool:
    """The groups ``expr`` holds each set ``lr``: a list written out, a name
    the scope fills with such groups, or what a same-file function building
    them returns (``param_groups(model, base_lr)``)."""
    if isinstance(expr, cst.Name):
        groups = _groups_written(scope, expr.value)
        return groups is not None and bool(groups) and all(_group_sets_lr(g) for g in groups)
    if isinstance(expr, cst.Call) and depth > 0:
        func = loops(model).resolve_function(expr)
        returns = [r.value for r in own_returns(func)] if func is not None else []
        return bool(returns) and all(
            value is not None and _groups_set_lr(model, value, func, depth - 1)  # type: ignore[arg-type]
            for value in returns
        )
    return _group_list_sets_lr(expr)


def _group_list_sets_lr(expr: cst.BaseExpression | None) -> bool:
    if isinstance(expr, (cst.List, cst.Tuple)):
        return bool(expr.elements) and all(
            isinstance(e, cst.Element) and _group_sets_lr(e.value) for e in expr.elements
        )
    if isinstance(expr, cst.ListComp):
        return _group_sets_lr(expr.elt)
    return False


def _group_sets_lr(expr: cst.BaseExpression) -> bool:
    """``{"params": p, "lr": x}`` / ``dict(params=p, lr=x)``."""
    if isinstance(expr, cst.Dict):
        return any(
            isinstance(e, cst.DictElement)
            and isinstance(e.key, cst.SimpleString)
            and e.key.evaluated_value == "lr"
            for e in expr.elements
        )
    if isinstance(expr, cst.Call) and dotted_text(expr.func) == "dict":
        return any(a.keyword is not None and a.keyword.value == "lr" for a in expr.args)
    return False


def _groups_written(scope: cst.CSTNode, name: str) -> list[cst.BaseExpression] | None:
    """What is put into the list ``name`` in ``scope``: ``name = [...]``,
    ``name += [...]``, ``name.append(g)``; None when it is written otherwise
    (another value, ``extend`` of something not written out, a loop target)."""
    found: list[cst.BaseExpression] = []
    for node in descendants(scope):
        kind = type(node)
        if kind is cst.Assign:
            if any(_names(t.target, name) for t in node.targets):  # type: ignore[attr-defined]
                value = node.value  # type: ignore[attr-defined]
                if not isinstance(value, (cst.List, cst.Tuple, cst.ListComp)):
                    return None
                if isinstance(value, cst.ListComp):
                    found.append(value.elt)
                else:
                    found.extend(e.value for e in value.elements if isinstance(e, cst.Element))
                    if any(not isinstance(e, cst.Element) for e in value.elements):
                        return None
        elif kind is cst.AugAssign or kind is cst.AnnAssign or kind is cst.For:
            target = node.target  # type: ignore[attr-defined]
            if _names(target, name):
                value = getattr(node, "value", None)
                if kind is not cst.AugAssign or not isinstance(value, (cst.List, cst.Tuple)):
                    return None
                for element in value.elements:
                    if not isinstance(element, cst.Element):
                        return None
                    found.append(element.value)
        elif kind is cst.Call:
            func = node.func  # type: ignore[attr-defined]
            if isinstance(func, cst.Attribute) and _names(func.value, name):
                method = func.attr.value
                args = node.args  # type: ignore[attr-defined]
                if method == "append" and len(args) == 1 and not args[0].star:
                    found.append(args[0].value)
                elif method in ("extend", "insert", "__iadd__"):
                    return None
    return found


def _names(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


#: how a tensor appears in an optimiser's list (a call or a dict is a
#: parameter group or a module's parameters: the rule holds)
_TENSOR_ELEMENTS = (cst.Name, cst.Attribute, cst.Subscript)


def _demonstrations(
    model: ModuleIndex,
    rates: LearningRates,
    ctors: list[OptimizerCtor],
    limits: dict[str, float],
) -> set[cst.Call]:
    """In a notebook, the high-LR constructors of an optimiser that the notebook
    also builds with a normal LR: a lesson comparing the two on purpose."""
    if not model.path.endswith(".ipynb"):
        return set()
    by_name: dict[str, list[tuple[cst.Call, float]]] = {}
    for ctor in ctors:
        arg = rates.lr_argument(ctor)
        found = rates.number(arg.value) if arg is not None else None
        if found is not None:
            by_name.setdefault(ctor.name, []).append((ctor.call, found[0]))
    shown: set[cst.Call] = set()
    for ctor in ctors:
        built = by_name.get(ctor.name, [])
        limit = limits[ctor.family]
        if any(value < limit for _, value in built):
            shown |= {call for call, value in built if value >= limit}
    return shown


def _warm_up_to_one(model: ModuleIndex, call: cst.Call) -> bool:
    """``LambdaLR(optimizer, lambda it: min(1.0, (it + 1) / warmup))``: a
    factor that climbs to 1 and stays there, so the base LR is applied (a
    function defined in the file whose one statement returns that, too)."""
    factor = argument(call, 1, "lr_lambda")
    if isinstance(factor, cst.Name):
        node = model.defined_function(factor)
        if node is None:
            return False
        body = statements_of(node)
        if len(body) != 1 or not isinstance(
            body[0], (cst.SimpleStatementLine, cst.SimpleStatementSuite)
        ):
            return False
        small = body[0].body[0]
        factor = small.value if isinstance(small, cst.Return) else None
    elif isinstance(factor, cst.Lambda):
        factor = factor.body
    else:
        return False
    if not isinstance(factor, cst.Call) or model.qualname(factor.func) != "builtins.min":
        return False
    args = [a for a in factor.args if a.keyword is None and not a.star]
    return len(args) == 2 and any(literal_value(a.value) == 1 for a in args)
