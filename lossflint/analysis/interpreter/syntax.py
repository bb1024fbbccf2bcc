"""Reading the syntax the interpreter needs: bodies, parameters, decorators,
match patterns, the owner of a ``nonlocal`` name."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import super_method
from lossflint.analysis.walk import bound_names, children, descendants, nodes_in, own_returns

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.names import Scope


def statements_of(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        # ``def f(x): return x / 255``: the suite itself, a node of the tree
        # (its small statements are a line's; a made-up line has no position)
        return [body]
    if isinstance(body, (list, tuple)):
        return body
    return []


def binding_function(scope: Scope | None, name: str) -> cst.FunctionDef | None:
    """The enclosing function that owns ``name`` (a ``nonlocal`` target)."""
    while scope is not None and scope.parent is not None:
        if scope.kind == "function" and name in scope.bindings:
            return scope.node  # type: ignore[return-value]
        scope = scope.parent
    return None


def is_main_guard(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    texts = [
        s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"
    ]
    return len(names) == 1 and len(texts) == 1


def param_names(params: cst.Parameters) -> list[str]:
    return [p.name.value for p in (*params.posonly_params, *params.params)] + [
        p.name.value for p in params.kwonly_params
    ]


def argument_names(call: cst.Call, func: cst.FunctionDef, skip: int) -> list[str | None] | None:
    """The parameter of ``func`` each argument of ``call`` binds, in the
    call's order (``skip``: leading parameters the receiver binds; None for a
    positional argument past the last parameter); None when the call unpacks
    ``*args``/``**kwargs`` (which parameters it binds is unknown)."""
    params = func.params
    in_order = [p.name.value for p in (*params.posonly_params, *params.params)][skip:]
    names: list[str | None] = []
    index = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            names.append(in_order[index] if index < len(in_order) else None)
            index += 1
        else:
            names.append(arg.keyword.value)
    return names


def filled_positionally(func: cst.FunctionDef, call: cst.Call) -> list[str]:
    """The parameters of ``func`` that positional arguments of ``call`` fill,
    in order: without a leading ``self``/``cls`` when the call reaches it as
    an attribute (``obj.method(x)``, ``Class.build(x)``)."""
    ordered = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
    if ordered[:1] in (["self"], ["cls"]) and isinstance(call.func, cst.Attribute):
        return ordered[1:]
    return ordered


def arguments_by_param(call: cst.Call, positional: Sequence[str]) -> dict[str, cst.Arg] | None:
    """Each parameter name → the argument of ``call`` that binds it, given
    the parameters positional arguments fill in order (a same-file
    function's, or another module's summary's); None when the call unpacks
    ``*args``/``**kwargs`` (which parameters it binds is unknown)."""
    bound: dict[str, cst.Arg] = {}
    index = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            bound[arg.keyword.value] = arg
        else:
            if index < len(positional):
                bound[positional[index]] = arg
            index += 1
    return bound


def param_defaults(params: cst.Parameters) -> dict[str, cst.BaseExpression]:
    return {
        p.name.value: p.default
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        if p.default is not None
    }


def decorators(func: cst.FunctionDef) -> set[str]:
    names = set()
    for dec in func.decorators:
        target = dec.decorator
        if isinstance(target, cst.Call):
            target = target.func
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, cst.Attribute):
            names.add(target.attr.value)
    return names


def is_static(func: cst.FunctionDef) -> bool:
    return "staticmethod" in decorators(func)


def is_classmethod(func: cst.FunctionDef) -> bool:
    return "classmethod" in decorators(func)


def irrefutable(case: cst.MatchCase) -> bool:
    pattern = case.pattern
    return case.guard is None and isinstance(pattern, cst.MatchAs) and pattern.pattern is None


def match_names(pattern: cst.MatchPattern) -> list[str]:
    names: list[str] = []

    class _Names(cst.CSTVisitor):
        def visit_MatchAs(self, node: cst.MatchAs) -> None:
            if node.name is not None:
                names.append(node.name.value)

        def visit_MatchStar(self, node: cst.MatchStar) -> None:
            if node.name is not None:
                names.append(node.name.value)

    pattern.visit(_Names())
    return names


def kept_init(model: ModuleIndex, cls: cst.ClassDef) -> cst.FunctionDef | None:
    """The ``__init__`` a construction of ``cls`` runs, when it keeps a
    parameter that the class calls (``self.criterion = criterion``, then
    ``self.criterion(...)``): the classes whose constructions in other files
    are worth reading. The ``__init__`` is ``cls``'s own or inherited along
    single same-file bases (``class Trainer(BaseTrainer)``); the calls may be
    in any same-file class running it. None for a decorated class (a
    decorator may hand it out: ``@MODELS.register_module()``)."""
    classes = top_classes(model)
    chain = _init_chain(cls, classes)
    if not chain:
        return None
    owner = chain[-1]
    init = own_init(owner)
    if init is None or init.decorators:
        return None
    if forwards_all(init) and _calls_a_method_parameter(owner):
        # a framework class's subclass forwarding everything to the base
        # (``super().__init__(*args, **kwargs)``) whose methods call what
        # they are handed (``compute_loss(self, model, inputs)``): the base
        # keeps the arguments, a framework contract says what the methods get
        return init
    names = param_names(init.params)
    if len(names) < 2:
        return None
    me, params = names[0], set(names[1:])
    held: set[str] = set()
    for node in model.assignments.get(init, ()):
        for target in node.targets:
            for t, value in _kept_pairs(target.target, node.value):
                if (
                    isinstance(t, cst.Attribute)
                    and isinstance(t.value, cst.Name)
                    and t.value.value == me
                    and _root_name(value) in params
                ):
                    held.add(t.attr.value)
    if not held:
        return None
    family = init_family(owner, classes)
    for site in model.calls:
        # ``self.criterion(...)``, ``self.optimizer.step()``
        func = site.node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute):
            func = func.value
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in held
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
            and any(klass in model.ancestors(site.node) for klass in family)
        ):
            return init
        if _reads_kept_rate(site.node, held) and any(
            klass in model.ancestors(site.node) for klass in family
        ):
            # ``Adam(..., lr=self.cfg.lr)``: the configuration a caller built
            # says the rate (LF307)
            return init
    return None


def _reads_kept_rate(call: cst.Call, held: set[str]) -> bool:
    """``lr=self.<held>.<field>`` among ``call``'s keywords."""
    for arg in call.args:
        value = arg.value
        if (
            arg.keyword is not None
            and arg.keyword.value in apis.OPTIMIZER_RATE_KEYWORDS
            and isinstance(value, cst.Attribute)
            and isinstance(value.value, cst.Attribute)
            and value.value.attr.value in held
            and isinstance(value.value.value, cst.Name)
            and value.value.value.value == "self"
        ):
            return True
    return False


def forwards_all(init: cst.FunctionDef) -> bool:
    """``def __init__(self, *args, ..., **kwargs): super().__init__(*args,
    **kwargs)``: every argument but keyword-only ones reaches the base."""
    params = init.params
    if not isinstance(params.star_arg, cst.Param) or params.star_kwarg is None:
        return False
    stars = {"*": params.star_arg.name.value, "**": params.star_kwarg.name.value}
    for call in nodes_in(init.body, cst.Call):
        assert isinstance(call, cst.Call)
        if super_method(call) == "__init__":
            given = {a.star: getattr(a.value, "value", None) for a in call.args}
            return len(call.args) == 2 and given == stars
    return False


def _calls_a_method_parameter(cls: cst.ClassDef) -> bool:
    """A method of ``cls`` calls one of its parameters other than ``self``
    (``outputs = model(**inputs)``)."""
    for stmt in statements_of(cls):
        if not isinstance(stmt, cst.FunctionDef) or stmt.name.value == "__init__":
            continue
        params = set(param_names(stmt.params)[1:])
        for call in nodes_in(stmt.body, cst.Call):
            assert isinstance(call, cst.Call)
            if isinstance(call.func, cst.Name) and call.func.value in params:
                return True
    return False


def _kept_pairs(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
    """The (target, value) pairs an assignment binds: ``self.model = model``,
    and item by item ``self.model, self.opt = model, opt`` (a tuple of as many
    plain items on both sides; a starred item pairs nothing)."""
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        targets, values = target.elements, value.elements
        if len(targets) != len(values) or any(
            isinstance(e, cst.StarredElement) for e in (*targets, *values)
        ):
            return []
        return [(t.value, v.value) for t, v in zip(targets, values, strict=True)]
    return [(target, value)]


def own_method(cls: cst.ClassDef, *names: str) -> cst.FunctionDef | None:
    """The first method of one of ``names`` written in ``cls``'s body, if any."""
    return next(
        (
            node
            for node in statements_of(cls)
            if isinstance(node, cst.FunctionDef) and node.name.value in names
        ),
        None,
    )


def own_init(cls: cst.ClassDef) -> cst.FunctionDef | None:
    """The ``__init__`` written in ``cls``'s body, if any."""
    return own_method(cls, "__init__")


def top_classes(model: ModuleIndex) -> dict[str, cst.ClassDef]:
    """Top-level classes bound once, by name."""
    bindings = model.module_scope.bindings
    return {
        stmt.name.value: stmt
        for stmt in model.module.body
        if isinstance(stmt, cst.ClassDef) and len(bindings.get(stmt.name.value, ())) == 1
    }


def _init_chain(cls: cst.ClassDef, classes: dict[str, cst.ClassDef]) -> list[cst.ClassDef]:
    """``cls``, then its one same-file base, ... up to the first class with an
    ``__init__`` of its own; empty when the way there is not sure (several
    bases, a keyword such as ``metaclass=``, a decorator, a base of another
    file that may define ``__init__``); ``classes``: ``top_classes``."""
    chain: list[cst.ClassDef] = []
    current = cls
    while len(chain) < 8:
        if current.decorators or current in chain:
            return []
        chain.append(current)
        if own_init(current) is not None:
            return chain
        bases = current.bases
        if current.keywords or len(bases) != 1 or not isinstance(bases[0].value, cst.Name):
            return []
        parent = classes.get(bases[0].value.value)
        if parent is None:
            return []
        current = parent
    return []


def init_family(owner: cst.ClassDef, classes: dict[str, cst.ClassDef]) -> list[cst.ClassDef]:
    """The top-level classes of the file (``classes``: ``top_classes``) whose
    constructions run ``owner``'s own ``__init__`` (``owner`` and its
    same-file subclasses that do not define one)."""
    return [
        klass
        for klass in classes.values()
        if (chain := _init_chain(klass, classes)) and chain[-1] is owner
    ]


def _root_name(expr: cst.BaseExpression) -> str | None:
    """``model`` in ``model``, ``model.to(device)``, ``model.cuda()``."""
    while True:
        if isinstance(expr, cst.Name):
            return expr.value
        if isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Attribute):
            expr = expr.value
        else:
            return None


@lru_cache(maxsize=4096)
def passed_through(func: cst.FunctionDef) -> str | None:
    """The parameter every ``return`` of ``func`` gives back, as it is or
    moved to a device (``return x``, ``return x.to(device)``), never rebound
    nor changed in place in the body (ADDA's ``init_model(net, restore)``
    loads weights into ``net`` and returns it; ``to_device(model, device)``):
    a call gives what its caller passed there. None when a return gives
    anything else, or the body stores into it (``x[x >= 0.5] = 1`` of a
    thresholding helper), hands it to a call, or calls an in-place method
    of it (``x.clamp_(0, 1)``)."""
    returns = own_returns(func)
    found: str | None = None
    for ret in returns:
        value = ret.value
        if (
            type(value) is cst.Call
            and type(value.func) is cst.Attribute
            and value.func.attr.value in apis.DEVICE_MOVES
            and all(_names_a_device(arg) for arg in value.args)
        ):
            value = value.func.value
        if type(value) is not cst.Name or found not in (None, value.value):
            return None
        found = value.value
    params = func.params
    named = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    if found is None or found == "self" or found not in named:
        return None
    wrapped: set[int] = set()
    if found in bound_names(func.body):
        rebinds = _wrapping_rebinds(func, found)
        if rebinds is None:
            return None
        wrapped = {id(n) for r in rebinds for n in nodes_in(r, cst.Name)}
    returned = {id(n) for r in returns for n in nodes_in(r, cst.Name)} | wrapped
    for use in nodes_in(func.body, cst.Name):
        if isinstance(use, cst.Name) and use.value == found and id(use) not in returned:
            if not _leaves_unchanged(func, use):
                return None
    return None if nodes_in(func.body, cst.Yield) else found


def _wrapping_rebinds(func: cst.FunctionDef, name: str) -> list[cst.Assign] | None:
    """Every binding of ``name`` in ``func`` wraps it for several devices
    (skip-ganomaly's ``init_net``: ``net = torch.nn.DataParallel(net,
    gpu_ids)``, audit s177): calling the wrapper runs the same model, so the
    helper still gives back what it was handed. None when another binding
    exists (a loop, a different value, an unpacking)."""
    found: list[cst.Assign] = []
    others = (cst.NamedExpr, cst.Del, cst.Import, cst.ImportFrom, cst.FunctionDef, cst.ClassDef)
    if any(name in bound_names(n) for n in nodes_in(func.body, *others, cst.Global, cst.Nonlocal)):
        return None  # ``del net``, ``(net := ...)``, a nested ``def net``
    for node in nodes_in(func.body, cst.Assign, cst.AugAssign, cst.AnnAssign, cst.For, cst.With):
        if isinstance(node, cst.With):
            if any(i.asname is not None and name in bound_names(i.asname) for i in node.items):
                return None
            continue
        if isinstance(node, cst.For):
            if name in bound_names(node.target):
                return None
            continue
        if not isinstance(node, cst.Assign):
            if name in bound_names(node):
                return None
            continue
        targets = [t.target for t in node.targets]
        if not any(isinstance(t, cst.Name) and t.value == name for t in targets):
            if any(name in bound_names(t) for t in node.targets):
                return None
            continue
        value = node.value
        if len(targets) != 1 or not isinstance(value, cst.Call):
            return None
        callee = value.func
        last = (
            callee.attr.value
            if isinstance(callee, cst.Attribute)
            else getattr(callee, "value", None)
        )
        first = value.args[0] if value.args else None
        if (
            last not in apis.PARALLEL_WRAPPER_NAMES
            or first is None
            or first.keyword is not None
            or not isinstance(first.value, cst.Name)
            or first.value.value != name
        ):
            return None
        found.append(node)
    return found


def _leaves_unchanged(func: cst.FunctionDef, use: cst.Name) -> bool:
    """``use`` reads the parameter without changing what it computes: a test
    (``x is None``), the receiver of a method that is not in place
    (``net.load_state_dict(...)``, ``net.apply(init_weights)``, ``x.dim()``),
    a flag set on it (``net.restored = True``), a call of it (``model(x)``)."""
    parents = _parents_within(func)
    parent = parents.get(id(use))
    if isinstance(parent, cst.ComparisonTarget) or (
        isinstance(parent, cst.Comparison) and parent.left is use
    ):
        return True
    if isinstance(parent, cst.Call) and parent.func is use:
        # ``output = model(data)`` of ``train(model, ...)`` that returns its
        # model: called, still the same object (saliency_guided_training, s236)
        return True
    if not isinstance(parent, cst.Attribute) or parent.value is not use:
        return False
    above = parents.get(id(parent))
    if isinstance(above, cst.AssignTarget):
        # ``net.restored = True``: a flag on the module, not its values (``x.data = ...``)
        return parent.attr.value != "data"
    return (
        isinstance(above, cst.Call) and above.func is parent and not parent.attr.value.endswith("_")
    )


@lru_cache(maxsize=256)
def _parents_within(func: cst.FunctionDef) -> dict[int, cst.CSTNode]:
    found: dict[int, cst.CSTNode] = {}
    for node in (func.body, *descendants(func.body)):
        for child in children(node):
            found[id(child)] = node
    return found


def _names_a_device(arg: cst.Arg) -> bool:
    """``x.to(device)``, ``x.to("cuda")``, ``non_blocking=True``: not a dtype
    (``x.to(torch.float16)`` changes what the value is)."""
    if arg.keyword is not None:
        return arg.keyword.value in ("device", "non_blocking")
    value = arg.value
    if type(value) in (cst.SimpleString, cst.Integer):
        return True  # ``.to("cuda")``, ``.cuda(0)``
    last = value.attr.value if type(value) is cst.Attribute else getattr(value, "value", None)
    return isinstance(last, str) and any(w in last.lower() for w in ("device", "gpu", "rank"))
