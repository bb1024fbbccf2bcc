"""Schedulers that follow their own protocol: an instance of a class the
project wrote that defines its own ``step()`` or derives from no framework
scheduler (I-JEPA's ``WarmupCosineSchedule``), whose ``step()`` may set the
rate for the coming update, so stepping it before the optimiser is no bug
(LF310)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.interpreter.syntax import own_init, own_method
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import ClassRef, Foreign, Instance
from lossflint.analysis.walk import calls_in
from lossflint.project import bridge
from lossflint.project.constants import in_project_texts
from lossflint.project.context import current as current_project
from lossflint.project.summary import SClass, SObject

if TYPE_CHECKING:
    from lossflint.analysis.index import CallSite, ModuleIndex
    from lossflint.analysis.model import SemanticModel


def own_protocol_scheduler(model: SemanticModel, receiver: str | None, at: cst.CSTNode) -> bool:
    """The "scheduler" is an instance of a class the project wrote (here or
    in another module) that defines its own ``step()`` or derives from no
    framework scheduler (I-JEPA's ``WarmupCosineSchedule``): its protocol is
    its own and ``step()`` may set the rate for the coming update. A factory function (``scheduler =
    get_scheduler(opt, cfg)``) may return a torch scheduler: still reported."""
    if receiver is None:
        return False
    scope = model.enclosing(at, cst.FunctionDef)
    # ``self.lr_scheduler = WarmupPolyLR(...)`` in ``__init__`` is the one
    # another method of the class steps
    on_self = receiver.startswith("self.")
    cls = model.enclosing(at, cst.ClassDef) if on_self else None
    for site in _assigned_calls(model, receiver):
        if on_self and cls is not None:
            if model.enclosing(site.node, cst.ClassDef) is not cls:
                continue  # another class's attribute of the same name
        elif model.enclosing(site.node, cst.FunctionDef) is not scope:
            continue  # another function's variable of the same name
        if site.qualname is None:
            made_by = model.kinds.value_of(site.node.func)
            if not isinstance(made_by, ClassRef):
                return False
            return _own_protocol_class(model, made_by.cls)
        if _framework_scheduler(site.qualname):
            return False
        return _project_plain_class(site.qualname)
    # not made here: a parameter (``def train(loader, model, optimizer,
    # scheduler)``) holding what its callers pass
    func = at.func if isinstance(at, cst.Call) else None
    if isinstance(func, cst.Attribute) and func.attr.value != "step":
        # the call of a method that steps it (``trainer.update_learning_rate()``,
        # an event inlined from another module): the receiver is not the scheduler
        func = None
        if not _framework_scheduler_assigned(model, receiver):
            return _own_scheduler_written(model)
    if isinstance(func, cst.Attribute):
        held = model.kinds.value_of(func.value)
        if isinstance(held, Instance):
            return _own_protocol_class(model, held.cls)
        if isinstance(func.value, cst.Name) and any(
            b.kind == "param" for b in model.bindings(func.value) or ()
        ):
            if _every_construction_own(model, func.value.value):
                return True
        # handed in from out of sight (``self.scheduler = scheduler`` in a
        # trainer's ``__init__``) in a project that writes its own schedulers
        # (OpenTransformer's ``BaseScheduler(object)``, built by a registry):
        # which one arrives is unknown
        if not _framework_scheduler_assigned(model, receiver):
            return _own_scheduler_written(model)
    return False


#: a scheduler-named class of no base or ``object`` (``class NoamScheduler:``)
_OWN_SCHEDULER_CLASS = re.compile(
    r"^[ \t]*class[ \t]+\w*Sched\w*[ \t]*(?:\([ \t]*(?:object)?[ \t]*\))?[ \t]*:", re.MULTILINE
)


def _assigned_calls(model: SemanticModel, name: str) -> Iterator[CallSite]:
    """The calls of the file whose value ``name = f(...)`` binds (a dotted
    name too: ``self.scheduler``), in any function."""
    for site in model.calls:
        parent = model.parent(site.node)
        if isinstance(parent, cst.Assign) and any(
            dotted_text(t.target) == name for t in parent.targets
        ):
            yield site


def _framework_scheduler(qualname: str) -> bool:
    return qualname.startswith(apis.SCHEDULER_PREFIXES) or qualname in apis.SCHEDULER_FUNCTIONS


def _framework_scheduler_assigned(model: SemanticModel, receiver: str) -> bool:
    """Some ``<receiver> = <framework scheduler>(...)`` in the file, in any
    function (``self.scheduler = StepLR(...)`` in ``__init__``)."""
    return any(
        site.qualname is not None and _framework_scheduler(site.qualname)
        for site in _assigned_calls(model, receiver)
    )


def _own_scheduler_written(model: SemanticModel) -> bool:
    """This file or another of the project defines a scheduler class of its
    own protocol."""
    for cls in model.nodes_of_type(cst.ClassDef):
        assert isinstance(cls, cst.ClassDef)
        if "Sched" in cls.name.value and _own_protocol_class(model, cls):
            return True
    return current_project() is not None and in_project_texts(
        "own-scheduler-class", _OWN_SCHEDULER_CLASS, "Sched"
    )


def _every_construction_own(model: SemanticModel, name: str) -> bool:
    """Every ``name = Cls(...)`` of the file (``= None`` aside) builds a class
    with its own protocol (``scheduler = CycleScheduler(...)`` under an
    ``if``, handed to ``train(..., scheduler)``); False when there is none."""
    found = False
    for site in _assigned_calls(model, name):
        if site.qualname is None:
            made_by = model.kinds.value_of(site.node.func)
            if not isinstance(made_by, ClassRef) or not _own_protocol_class(model, made_by.cls):
                return False
        elif site.qualname.startswith(apis.SCHEDULER_PREFIXES) or not _project_plain_class(
            site.qualname
        ):
            return False
        found = True
    return found


def _own_protocol_class(model: SemanticModel, cls: cst.ClassDef) -> bool:
    """A class of this file deriving from no framework scheduler, or with a
    ``step()`` of its own whose first call is not the base's: a framework
    scheduler's ``__init__`` takes the first step itself (it applies the
    schedule's first value), so a subclass that keeps that ``__init__``
    follows the framework's protocol whatever its ``step()`` does (SeuTao's
    ``CosineAnnealingLR_with_Restart(_LRScheduler)``, audit s200)."""
    own_step = own_method(cls, "step") is not None
    if _scheduler_based(model, cls, _BASE_DEPTH):
        return own_step and not _base_init_runs(cls)
    return own_step or all(_plain_base(model.qualname(b.value)) for b in cls.bases)


#: how many project classes deep a scheduler base is looked for
_BASE_DEPTH = 4


def project_scheduler_class(model: ModuleIndex, func: cst.BaseExpression) -> bool:
    """``func`` names a class the project wrote, here or in another module,
    deriving through project classes from a framework scheduler: its
    instances are schedulers whatever their name (``sgdr =
    CosineAnnealingLR_with_Restart(optimizer, T_max=epochs)``)."""
    made_by = kinds_of(model).value_of(func)
    if isinstance(made_by, ClassRef):
        return _scheduler_based(model, made_by.cls, _BASE_DEPTH)
    if isinstance(made_by, Foreign):
        return bridge.derives_from(made_by.ref, _framework_scheduler)
    return False


def _scheduler_based(model: ModuleIndex, cls: cst.ClassDef, depth: int) -> bool:
    for base in cls.bases:
        qualname = model.qualname(base.value)
        if qualname is not None and _framework_scheduler(qualname):
            return True
        held = kinds_of(model).value_of(base.value)
        if isinstance(held, ClassRef) and held.cls is not cls and depth > 0:
            if _scheduler_based(model, held.cls, depth - 1):
                return True
        elif isinstance(held, Foreign) and bridge.derives_from(held.ref, _framework_scheduler):
            return True
    return False


def _base_init_runs(cls: cst.ClassDef) -> bool:
    """The base's ``__init__`` runs for an instance: the class writes none, or
    its own calls ``super().__init__(...)`` / ``Base.__init__(self, ...)``."""
    init = own_init(cls)
    if init is None:
        return True
    return any(
        isinstance(call.func, cst.Attribute) and call.func.attr.value == "__init__"
        for call in calls_in(init.body)
    )


def _plain_base(qualname: str | None) -> bool:
    """``object`` or a framework class that is no scheduler; a base of this
    file or an unknown one might derive from a scheduler."""
    if qualname is None:
        return False
    return qualname in ("object", "builtins.object") or (
        "." in qualname and not qualname.startswith(apis.SCHEDULER_PREFIXES)
    )


def _project_plain_class(qualname: str) -> bool:
    context = current_project()
    if context is None:
        return False
    found = bridge.value_of_qualname(qualname, context)
    found = context.resolve(found) if found is not None else None
    if not isinstance(found, SClass):
        return False  # a function (a factory) or nothing known
    summary = context.class_summary(found)
    if summary is None:
        return False
    # a class with a step() of its own follows its own protocol
    if bridge.derives_from(found, _framework_scheduler):
        return False  # the framework's ``__init__`` takes the first step
    return "step" in summary.methods or all(
        isinstance(base, SObject) and not base.qualname.startswith(apis.SCHEDULER_PREFIXES)
        for base in summary.bases
    )
