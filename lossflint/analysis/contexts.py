"""Context regions of a module: grad mode, autocast, GradScaler, fp16 conversions.

Public API (everything else is private)::

    from lossflint.analysis.contexts import contexts

    ctx = contexts(model)            # ContextIndex, built once per file
    ctx.in_no_grad(node) -> bool     # inside `with torch.no_grad()` / `inference_mode()` /
                                     # `set_grad_enabled(False)` or a function decorated with
                                     # them, and no nearer `enable_grad()` re-enables it
    ctx.autocast_dtype(node) -> str | None
        # "float16", "bfloat16", "unknown" (an autocast whose dtype or device cannot be
        # read statically) or None (not under autocast, or under `enabled=False`).
        # Defaults follow PyTorch: torch.cuda.amp.autocast() -> float16,
        # torch.cpu.amp.autocast() -> bfloat16, torch.autocast("cuda") -> float16,
        # torch.autocast("cpu") -> bfloat16; `dtype=` wins. `enabled=<expression>` counts
        # as enabled (the bug exists whenever the flag is on).
    ctx.autocast_region(node) -> AutocastRegion | None   # the nearest enabled region
                                     # (.node: the With/def, .call, .dtype, .enabled)
    ctx.autocast_regions() -> list[AutocastRegion]       # every region of the file
    ctx.any_autocast_around(node) -> bool  # inside an autocast region of its function,
                                     # enabled or not
    ctx.grad_region(node) -> CSTNode | None   # the With/def that disables grad for node
    ctx.has_grad_scaler(node=None) -> bool
        # a GradScaler is constructed in the file (not with enabled=False), or the
        # function holding ``node`` uses one (``x.scale(loss).backward()`` /
        # ``x.unscale_(opt)`` / ``x.step(opt)`` on a name bound to a GradScaler or
        # named like a scaler)
    ctx.is_half(expr) -> bool
        # ``x.half()``, ``x.to(torch.float16)``, ``torch.zeros(..., dtype=torch.half)``,
        # a name bound only to such values, a model converted in place with a
        # statement ``model.half()`` / ``model.to(torch.float16)``, or the call of such
        # a model (its output is float16)
    ctx.half_models -> set of keys ("model", "self.net") converted in place

Regions stop at function boundaries: a function defined inside ``with no_grad()``
runs in whatever mode its caller has, so it is not "in" the region. Decorators
(``@torch.no_grad()``, ``@torch.inference_mode()``, ``@torch.autocast(...)``)
make the whole body a region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, assigned_to, keyword, literal_value, positional
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.names import dotted_text
from lossflint.analysis.values import Foreign, Instance, Layer, Sequential
from lossflint.project.context import current as project_context
from lossflint.project.summary import SClass, SInstance, SObject, SValue

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lossflint.analysis.index import CallSite, ModuleIndex


@dataclass(frozen=True)
class AutocastRegion:
    node: cst.CSTNode  # the With or the decorated FunctionDef
    call: cst.Call | None  # the autocast call (None for a bare decorator)
    dtype: str  # "float16" / "bfloat16" / "unknown"
    enabled: bool | None  # True, False, or None (an expression)


@dataclass(frozen=True)
class _GradRegion:
    node: cst.CSTNode
    grad_enabled: bool


_R = TypeVar("_R", _GradRegion, AutocastRegion)


@dataclass
class ContextIndex:
    model: ModuleIndex
    #: With/FunctionDef node → the regions it opens (in item order)
    _grad: dict[cst.CSTNode, _GradRegion] = field(default_factory=dict)
    #: the ``forward``/``backward`` of custom autograd functions (grad off by autograd)
    autograd_methods: set[cst.CSTNode] = field(default_factory=set)
    _autocast: dict[cst.CSTNode, AutocastRegion] = field(default_factory=dict)
    half_models: set[str] = field(default_factory=set)
    scaler_names: set[str] = field(default_factory=set)
    _file_scaler: bool = False

    # --- queries ------------------------------------------------------------

    def in_no_grad(self, node: cst.CSTNode) -> bool:
        for region in self._enclosing(node, self._grad):
            return not region.grad_enabled
        return False

    def grad_region(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The With/FunctionDef that disables grad for ``node`` (None if grad is on)."""
        for region in self._enclosing(node, self._grad):
            return None if region.grad_enabled else region.node
        return None

    def grad_off_nodes(self) -> list[cst.CSTNode]:
        """The With/FunctionDef nodes that turn grad off: a node under none of
        them has no :meth:`grad_region` (a first filter, cheaper than the
        walk up from every node asked about)."""
        return [region.node for region in self._grad.values() if not region.grad_enabled]

    def autocast_region(self, node: cst.CSTNode) -> AutocastRegion | None:
        for region in self._enclosing(node, self._autocast):
            return None if region.enabled is False else region
        return None

    def autocast_dtype(self, node: cst.CSTNode) -> str | None:
        region = self.autocast_region(node)
        return region.dtype if region is not None else None

    def any_autocast_around(self, node: cst.CSTNode) -> bool:
        """Inside an autocast region of its own function, enabled or not (a
        caller's autocast does not reach it unchanged)."""
        return bool(self._enclosing(node, self._autocast))

    def autocast_regions(self) -> list[AutocastRegion]:
        return list(self._autocast.values())

    def has_grad_scaler(self, node: cst.CSTNode | None = None) -> bool:
        if self._file_scaler:
            return True
        if node is None:
            return False
        func = node if isinstance(node, cst.FunctionDef) else None
        if func is None:
            found = self.model.enclosing(node, cst.FunctionDef)
            func = found if isinstance(found, cst.FunctionDef) else None
        scope_node: cst.CSTNode = func if func is not None else self.model.module
        for site in self.model.method_calls("scale", "unscale_"):
            receiver = (
                dotted_text(site.node.func.value)
                if isinstance(site.node.func, cst.Attribute)
                else None
            )
            if receiver is None or not _looks_like_scaler(receiver, self.scaler_names):
                continue
            if scope_node is self.model.module or self._inside(site.node, scope_node):
                return True
        return False

    def is_half(self, expr: cst.BaseExpression, _depth: int = 0) -> bool:
        if _depth > 8:
            return False
        if isinstance(expr, cst.Call):
            func = expr.func
            qualname = self.model.qualname(func)
            if qualname is not None:
                dtype = argument(expr, None, "dtype")
                return dtype is not None and self._dtype(dtype) == "float16"
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method == "half":
                    return True
                if method in ("to", "type"):
                    return self._to_dtype(expr) == "float16"
                if method in ("float", "double", "bfloat16"):
                    return False
            # calling an fp16 model gives fp16 outputs
            return isinstance(func, (cst.Name, cst.Attribute)) and self.is_half(func, _depth + 1)
        if isinstance(expr, cst.Name):
            key = expr.value
            if key in self.half_models:
                return True
            bindings = self.model.bindings(expr)
            if not bindings:
                return False
            values = [b.node for b in bindings]
            if any(
                b.kind != "assign" or not isinstance(v, cst.BaseExpression)
                for b, v in zip(bindings, values, strict=True)
            ):
                return False
            return all(
                isinstance(v, cst.BaseExpression) and self.is_half(v, _depth + 1) for v in values
            )
        if isinstance(expr, cst.Attribute):
            dotted = dotted_text(expr)
            return dotted is not None and dotted in self.half_models
        return False

    # --- building -------------------------------------------------------------

    def _build(self) -> None:
        model = self.model
        for node in model.scopes:
            if isinstance(node, cst.FunctionDef):
                for deco in node.decorators:
                    self._register(node, deco.decorator)
            elif isinstance(node, cst.ClassDef) and any(
                model.qualname(base.value) in apis.AUTOGRAD_FUNCTIONS for base in node.bases
            ):
                for stmt in getattr(node.body, "body", ()):
                    if (
                        isinstance(stmt, cst.FunctionDef)
                        and stmt.name.value in apis.AUTOGRAD_FUNCTION_METHODS
                    ):
                        self._grad.setdefault(stmt, _GradRegion(stmt, False))
                        self.autograd_methods.add(stmt)
        half_fabrics: set[str] = set()
        for site in model.calls:
            call = site.node
            parent = model.parent(call)
            if isinstance(parent, cst.WithItem):
                with_node = model.parent(parent)
                if isinstance(with_node, cst.With):
                    self._register(with_node, call)
            qualname = site.qualname
            if qualname in apis.GRAD_SCALERS:
                enabled = argument(call, None, "enabled")
                if literal_value(enabled) is not False:
                    self._file_scaler = True
                    target = assigned_to(model, call)
                    if target is not None:
                        self.scaler_names.add(target)
            if qualname in apis.FABRIC_CLASSES:
                precision = literal_value(argument(call, None, "precision"))
                target = assigned_to(model, call)
                if precision in apis.FABRIC_HALF_PRECISIONS and target is not None:
                    half_fabrics.add(target)
            method = site.method
            if _pretrained_load(site) and self._loaded_in_half(call):
                # ``from_pretrained(path, torch_dtype=torch.float16)``: every
                # weight float16 (zphang/minimal-llama, audit s190), unless the
                # model is then wrapped (``get_peft_model(model, cfg)``: float32
                # adapters are what trains)
                target = assigned_to(model, _through_moves(model, call))
                if target is not None and _kept_as_loaded(model, call):
                    self.half_models.add(target)
                continue
            if method in ("half", "to") and isinstance(call.func, cst.Attribute):
                if method == "to" and self._to_dtype(call) != "float16":
                    continue
                receiver = dotted_text(call.func.value)
                # ``model = model.half().cuda()``: the moves after it keep the model
                outermost = _through_moves(model, call)
                statement = model.parent(outermost)
                if receiver is None:
                    # `net = nn.Sequential(...).cuda().half()`: converted on construction
                    target = assigned_to(model, outermost)
                    if target is not None and _is_module_like(call.func.value, model):
                        self.half_models.add(target)
                    continue
                if isinstance(statement, cst.Expr):
                    # `model.half()` as a statement: modules convert in place
                    self.half_models.add(receiver)
                else:
                    target = assigned_to(model, outermost)
                    if target is not None and (
                        target == receiver or _is_module_like(call.func.value, model)
                    ):
                        # `model = model.half()` / `model = Net().half()`
                        self.half_models.add(target)
        if half_fabrics:
            self._fabric_setups(half_fabrics)

    def _fabric_setups(self, half_fabrics: set[str]) -> None:
        """``model, optimizer = fabric.setup(model, optimizer)`` of a
        ``Fabric(precision="16-true")``: the model is float16 (like ``.half()``)."""
        for site in self.model.method_calls("setup"):
            call = site.node
            if not isinstance(call.func, cst.Attribute):
                continue
            if dotted_text(call.func.value) not in half_fabrics or not call.args:
                continue
            first = dotted_text(call.args[0].value)
            if first is not None:
                self.half_models.add(first)

    def half_conversions(self) -> Iterator[CallSite]:
        """``x.half()``, ``x.to(torch.float16)``, ``x.to(dtype=torch.half)``,
        ``Model.from_pretrained(path, torch_dtype=torch.float16)``."""
        for site in self.model.method_calls("half", "to"):
            if site.method == "half" or self._to_dtype(site.node) == "float16":
                yield site
        for site in self.model.calls:
            if _pretrained_load(site) and self._loaded_in_half(site.node):
                yield site

    def _loaded_in_half(self, call: cst.Call) -> bool:
        dtype = argument(call, None, *apis.PRETRAINED_DTYPE_KEYWORDS)
        return dtype is not None and self._dtype(dtype) == "float16"

    def _register(self, owner: cst.CSTNode, expr: cst.BaseExpression) -> None:
        call = expr if isinstance(expr, cst.Call) else None
        func = call.func if call is not None else expr
        qualname = self.model.qualname(func)
        if qualname is None:
            return
        if qualname in apis.NO_GRAD:
            mode = argument(call, 0, "mode") if call is not None else None
            if literal_value(mode) is False:
                self._grad.setdefault(owner, _GradRegion(owner, True))
            else:
                self._grad.setdefault(owner, _GradRegion(owner, False))
        elif qualname in apis.ENABLE_GRAD:
            self._grad.setdefault(owner, _GradRegion(owner, True))
        elif qualname in apis.SET_GRAD_ENABLED and call is not None:
            enabled = literal_value(argument(call, 0, "mode"))
            if enabled is False:
                self._grad.setdefault(owner, _GradRegion(owner, False))
            elif enabled is True:
                self._grad.setdefault(owner, _GradRegion(owner, True))
        elif qualname in apis.AUTOCAST:
            self._autocast.setdefault(
                owner, self._autocast_region(owner, call, apis.AUTOCAST[qualname])
            )

    def _autocast_region(
        self, owner: cst.CSTNode, call: cst.Call | None, default: str | None
    ) -> AutocastRegion:
        if call is None:
            return AutocastRegion(owner, None, default or "unknown", True)
        enabled_expr = keyword(call, "enabled")
        enabled: bool | None = True
        if enabled_expr is not None:
            value = literal_value(enabled_expr.value)
            enabled = value if isinstance(value, bool) else None
        dtype_expr = keyword(call, "dtype")
        dtype: str | None
        if dtype_expr is not None:
            dtype = self._dtype(dtype_expr.value) or "unknown"
        elif default is not None:
            dtype = default
        else:
            device = literal_value(argument(call, 0, "device_type"))
            dtype = (
                apis.DEVICE_DEFAULT_DTYPE.get(device, "unknown")
                if isinstance(device, str)
                else "unknown"
            )
            if dtype_expr is None and len(positional(call)) > 1:
                dtype = self._dtype(positional(call)[1].value) or "unknown"
        return AutocastRegion(owner, call, dtype, enabled)

    def _dtype(self, expr: cst.BaseExpression) -> str | None:
        qualname = self.model.qualname(expr)
        if qualname is not None:
            return apis.DTYPE_NAMES.get(qualname)
        value = literal_value(expr)
        if value in ("float16", "half"):
            return "float16"
        if value == "bfloat16":
            return "bfloat16"
        return None

    def _to_dtype(self, call: cst.Call) -> str | None:
        dtype = argument(call, None, "dtype")
        if dtype is not None:
            return self._dtype(dtype)
        for arg in positional(call):
            found = self._dtype(arg.value)
            if found is not None:
                return found
        return None

    # --- helpers -------------------------------------------------------------------

    def _enclosing(self, node: cst.CSTNode, table: dict[cst.CSTNode, _R]) -> list[_R]:
        """Regions of ``table`` around ``node``, nearest first, within its function."""
        found: list[_R] = []
        child = node
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, cst.With):
                region = table.get(ancestor)
                if region is not None and child is ancestor.body:
                    found.append(region)
            elif isinstance(ancestor, cst.FunctionDef):
                if child is ancestor.body:
                    region = table.get(ancestor)
                    if region is not None:
                        found.append(region)
                    break
            elif isinstance(ancestor, (cst.Lambda, cst.ClassDef)):
                break
            child = ancestor
        return found

    def _inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return any(a is container for a in self.model.ancestors(node))


#: a flag switching mixed precision on (``args.amp``, ``self.fp16``, ``use_half``)
_PRECISION_FLAG = re.compile(r"amp|fp16|half|mixed|scaler")


def in_full_precision_branch(model: ModuleIndex, node: cst.CSTNode) -> bool:
    """``node`` runs only when a mixed-precision flag is off: in the body of
    ``if not self.fp16:`` or in the ``else`` of ``if args.amp:`` (a clip kept
    for the fp32 path, no loss scale in it)."""
    child: cst.CSTNode = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(ancestor, cst.If):
            test = ancestor.test
            negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
            flag = test.expression if negated else test  # type: ignore[attr-defined]
            text = dotted_text(flag) if isinstance(flag, (cst.Name, cst.Attribute)) else None
            if text is not None and _PRECISION_FLAG.search(text.rsplit(".", 1)[-1].lower()):
                in_body = child is ancestor.body
                if in_body == negated:
                    return True
        child = ancestor
    return False


def contexts(model: ModuleIndex) -> ContextIndex:
    """The context index of ``model``, built on first use and kept on the model."""
    return model.analysis(_build_contexts)


def _build_contexts(model: ModuleIndex) -> ContextIndex:
    index = ContextIndex(model)
    index._build()
    return index


def _is_module_like(expr: cst.BaseExpression, model: ModuleIndex) -> bool:
    """``Net().half()`` / ``nn.Linear(...).half()``: a constructed model, not a
    tensor; ``Generator(z).half()`` with ``Generator`` an ``nn.Module`` class
    of another project module too."""
    if not isinstance(expr, (cst.Call, cst.Name, cst.Attribute)):
        return False
    value = kinds_of(model).value_of(expr)
    if isinstance(value, Foreign):
        return _foreign_module_instance(value)
    return isinstance(value, (Instance, Layer, Sequential))


def _foreign_module_instance(value: Foreign) -> bool:
    """An instance of another project module's class that derives, through
    project classes, from ``nn.Module`` (as its summary records the bases)."""
    context = project_context()
    if context is None or not isinstance(value.ref, SInstance):
        return False
    todo: list[SValue] = [value.ref]
    seen: set[tuple[str, str]] = set()
    while todo and len(seen) < 8:
        current = context.resolve(todo.pop(0))
        if not isinstance(current, (SClass, SInstance)):
            return False
        if (current.file, current.name) in seen:
            continue
        seen.add((current.file, current.name))
        cls = context.class_summary(current)
        if cls is None:
            return False
        for base in cls.bases:
            if isinstance(base, SObject):
                if base.qualname in apis.TORCH_MODULE_BASES:
                    return True
            else:
                todo.append(base)
    return False


def _looks_like_scaler(key: str, known: set[str]) -> bool:
    return key in known or "scaler" in key.rsplit(".", 1)[-1].lower()


def _through_moves(model: ModuleIndex, call: cst.Call) -> cst.Call:
    """``call`` and the device moves chained after it (``.half().cuda()``,
    ``.half().to(device)``): the outermost call, which holds the same model."""
    while True:
        attribute = model.parent(call)
        outer = model.parent(attribute) if attribute is not None else None
        if not (
            isinstance(attribute, cst.Attribute)
            and isinstance(outer, cst.Call)
            and outer.func is attribute
            and attribute.attr.value in apis.DEVICE_AND_MODE_MOVES
        ):
            return call
        if attribute.attr.value == "to" and any(
            (arg.keyword is not None and arg.keyword.value == "dtype")
            or any(word in model.code(arg.value) for word in ("float", "half", "double"))
            for arg in outer.args
        ):
            return call  # ``.half().to(torch.float32)``: a dtype, maybe not fp16 any more
        call = outer


def _pretrained_load(site: CallSite) -> bool:
    """``Model.from_pretrained(...)``, of a class this file names by its
    qualified name or of any other receiver."""
    name = site.method or (site.qualname.rsplit(".", 1)[-1] if site.qualname else None)
    return name in apis.PRETRAINED_LOADERS


def _kept_as_loaded(model: ModuleIndex, call: cst.Call) -> bool:
    """The name the loaded model is bound to is rebound only to moves of
    itself (``model = model.to(device)``), and the file wraps no model in
    adapters (``peft``)."""
    if any((site.qualname or "").startswith(apis.ADAPTER_LIBRARIES) for site in model.calls):
        return False
    outermost = _through_moves(model, call)
    statement = model.parent(outermost)
    if not (isinstance(statement, cst.Assign) and len(statement.targets) == 1):
        return False
    name = statement.targets[0].target
    if not isinstance(name, cst.Name):
        return True  # ``self.model = ...``: the attribute's other writes are not looked at
    for binding in model.bindings(name) or ():
        value = binding.node
        if value is outermost:
            continue
        if not (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and isinstance(value.func.value, cst.Name)
            and value.func.value.value == name.value
            and value.func.attr.value in apis.DEVICE_AND_MODE_MOVES
        ):
            return False
    return True
