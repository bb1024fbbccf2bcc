"""Numbers a class keeps on ``self``.

``Normalize(power=2)`` stores ``self.power = power`` in ``__init__`` and its
``forward`` computes ``x.pow(self.power).sum(1).pow(1. / self.power)``: an L2
norm, a square root of a sum of squares. What ``self.power`` holds is known
when the file writes that attribute once, in the class's ``__init__``, as a
literal or as a parameter with a literal default, and every construction of
the class the analysis can see passes the same literal or nothing: the
class's name is used in this file only by its definition and plain calls,
and no other project file that may load this one names it but as another
module's attribute (``transforms.Normalize``): a construction there could pass
another exponent. Anything else is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import in_super_arguments, keyword, literal_value
from lossflint.analysis.interpreter.syntax import param_defaults
from lossflint.analysis.names import dotted_text
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.variable_uses import variable_uses
from lossflint.analysis.walk import memo_of, names_in, nodes_in
from lossflint.project.callers import named_unqualified_where_loaded
from lossflint.project.context import current as project_context

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

Number = int | float


def number(model: ModuleIndex, expr: cst.BaseExpression, depth: int = 3) -> Number | None:
    """The number ``expr`` surely is: a literal, arithmetic of such numbers,
    or ``self.<attr>`` holding one (above); None otherwise."""
    value = literal_value(expr)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if depth <= 0:
        return None
    if isinstance(expr, cst.BinaryOperation):
        left = number(model, expr.left, depth - 1)
        right = number(model, expr.right, depth - 1)
        if left is None or right is None:
            return None
        if isinstance(expr.operator, cst.Divide):
            return left / right if right else None
        if isinstance(expr.operator, cst.Multiply):
            return left * right
        if isinstance(expr.operator, cst.Add):
            return left + right
        if isinstance(expr.operator, cst.Subtract):
            return left - right
        return None
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == "self"
    ):
        return _attribute_number(model, expr)
    key: str | None = None
    if (
        isinstance(expr, cst.Subscript)
        and isinstance(expr.value, cst.Name)
        and len(expr.slice) == 1
    ):
        # ``config['dropout']`` of ``__init__(self, config)``, every construction
        # passing one dict written out (Demfier's LSTMClassifier, audit s161)
        index = expr.slice[0].slice
        raw = literal_value(index.value) if isinstance(index, cst.Index) else None
        if not isinstance(raw, str):
            return None
        key, expr = raw, expr.value
    if isinstance(expr, cst.Name):
        # ``nn.LSTM(..., num_layers=n_layers)`` in ``__init__(self, n_layers=2)``
        owner = _init_parameter(model, expr)
        if owner is not None:
            return _parameter_number(model, *owner, expr.value, key=key)
        init = model.enclosing(expr, cst.FunctionDef, cst.Lambda, cst.ClassDef)
        if key is None and (
            isinstance(init, cst.FunctionDef)
            and model.parent(init) is model.module
            and not init.decorators
            and any(b.kind == "param" for b in model.bindings(expr) or ())
        ):
            # ``def pairwise_distances(a, b, p=2)`` called only here, never
            # with another ``p``
            return _parameter_number(model, init, init, expr.value, method=False, depth=depth - 1)
    return None


def possible_numbers(model: ModuleIndex, expr: cst.BaseExpression) -> frozenset[Number] | None:
    """Every number ``expr`` may be: ``number``'s one, or for a parameter of
    a class's ``__init__``, what each construction of the file passes
    (``nn.Dropout(p=dropout)`` of ``TransferModel(dropout=0.5)`` and
    ``TransferModel(dropout=0.3)``: audit s185); None when one is unknown."""
    one = number(model, expr)
    if one is not None:
        return frozenset({one})
    if not isinstance(expr, cst.Name):
        return None
    owner = _init_parameter(model, expr)
    return _parameter_numbers(model, *owner, expr.value) if owner is not None else None


def _init_parameter(
    model: ModuleIndex, name: cst.Name
) -> tuple[cst.ClassDef, cst.FunctionDef] | None:
    """The class and its ``__init__`` whose parameter ``name`` is."""
    init = model.enclosing(name, cst.FunctionDef, cst.Lambda, cst.ClassDef)
    cls = model.enclosing(init, cst.ClassDef) if init is not None else None
    if (
        isinstance(init, cst.FunctionDef)
        and init.name.value == "__init__"
        and isinstance(cls, cst.ClassDef)
        and model.parent(model.parent(init)) is cls  # type: ignore[arg-type]
        and any(b.kind == "param" for b in model.bindings(name) or ())
    ):
        return cls, init
    return None


def learned_parameter(
    model: ModuleIndex, expr: cst.BaseExpression, whole_matrix: bool = False
) -> bool:
    """``self.S`` that the class's ``__init__`` (the file's only write of the
    attribute) makes an ``nn.Parameter``/``tf.Variable`` of something other
    than zeros, or a name bound once to such a variable (``V =
    tf.Variable(tf.random.normal(...))``): a learned value, 0 only by accident
    (the diagonal of Glow's LU 1x1 convolution under ``log|S|``, a weight
    column's norm under weight normalisation)."""
    if isinstance(expr, cst.Name):
        given = _lambda_arguments(model, expr)
        if given is not None:
            # ``logabs = lambda x: torch.log(torch.abs(x))``, only ever called
            # on learned parameters (JEM's ActNorm: ``logabs(self.scale)``)
            return bool(given) and all(learned_parameter(model, arg) for arg in given)
        bound = reaching_assignment(model, expr)
        if bound is None:
            return _variables_everywhere(model, expr)
        value: cst.BaseExpression = bound
    elif (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == "self"
    ):
        cls = model.enclosing(expr, cst.ClassDef)
        # (another class's ``self.scale`` — glow-pytorch's ZeroConv2d beside
        # ActNorm, audit s174 — writes another object)
        write = only_self_write(
            model, expr.attr.value, cls=cls if isinstance(cls, cst.ClassDef) else None
        )
        if write is None or model.enclosing(write[0], cst.ClassDef) is not cls:
            return False
        value = write[1]
    else:
        return False
    if isinstance(value, cst.Call) and _keras_weight(value):
        return _learned_keras_weight(value)
    if (
        not isinstance(value, cst.Call)
        or model.qualname(value.func) not in apis.TRAINABLE_VARIABLES
    ):
        return False
    start = value.args[0].value if value.args else None
    if start is None or literal_value(start) in (0, 0.0):
        return False
    made = model.qualname(start.func) if isinstance(start, cst.Call) else None
    # an identity start is 0 off the diagonal: only its determinant or diagonal
    # (``whole_matrix``) is not
    return made not in apis.ZERO_STARTS and (whole_matrix or made not in apis.IDENTITY_STARTS)


def _keras_weight(call: cst.Call) -> bool:
    """``self.add_weight(...)``: a Keras layer's weight (its ``build``)."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in apis.KERAS_ADD_WEIGHT
        and isinstance(func.value, cst.Name)
        and func.value.value == "self"
    )


def _learned_keras_weight(call: cst.Call) -> bool:
    """A trainable Keras weight not started at zeros or at the identity
    (``initializer=self.kernel_initializer``, glorot by default; a weight
    normalisation's kernel, DingKe/nn_playground, audit s193)."""
    trainable = keyword(call, "trainable")
    if trainable is not None and literal_value(trainable.value) is not True:
        return False
    start = keyword(call, "initializer")
    if start is None:
        return True  # Keras's default: glorot_uniform
    text = literal_value(start.value)
    if isinstance(text, str):
        return text.lower() not in apis.KERAS_ZERO_INITIALIZERS
    name = dotted_text(start.value.func if isinstance(start.value, cst.Call) else start.value)
    return name is not None and name.rsplit(".", 1)[-1].lower() not in apis.KERAS_ZERO_INITIALIZERS


#: what leaves a learned matrix learned: its determinant, its diagonal, a cast
_LEARNED_VIEWS = frozenset({"det", "diag", "diagonal", "double", "float", "t"})


def learned_parameter_view(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``learned_parameter`` of ``expr`` or of what its determinant, diagonal
    or cast is taken of (``torch.det(self.weight.double())``: log|det W| of an
    invertible layer's learned weight, ffjord's glow layer, audit s174)."""
    peeled = False
    for _ in range(4):
        if learned_parameter(model, expr, whole_matrix=peeled):
            return True
        if not isinstance(expr, cst.Call):
            return False
        func = expr.func
        qualname = model.qualname(func)
        if qualname is not None:
            if qualname.rsplit(".", 1)[-1] not in _LEARNED_VIEWS or not qualname.startswith(
                "torch."
            ):
                return False
            if not expr.args or expr.args[0].keyword is not None or expr.args[0].star:
                return False
            view = qualname.rsplit(".", 1)[-1]
            expr = expr.args[0].value
        elif isinstance(func, cst.Attribute) and func.attr.value in _LEARNED_VIEWS:
            view = func.attr.value
            expr = func.value
        else:
            return False
        peeled = peeled or view in ("det", "diag", "diagonal")
    return False


def _lambda_arguments(model: ModuleIndex, name: cst.Name) -> list[cst.BaseExpression] | None:
    """What every call of the lambda whose parameter ``name`` is passes
    there, when the lambda is bound once to a name that is only called (one
    positional argument each); None when ``name`` is no such parameter."""
    bindings = model.bindings(name) or []
    if len(bindings) != 1 or bindings[0].kind != "param":
        return None
    lam = model.enclosing(name, cst.Lambda)
    if not isinstance(lam, cst.Lambda) or len(lam.params.params) != 1:
        return None
    if lam.params.params[0].name.value != name.value:
        return None
    assign = model.parent(lam)
    if not (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
    ):
        return None
    alias = assign.targets[0].target.value
    given: list[cst.BaseExpression] = []
    mentions = fresh = 0
    for node in model.nodes_of_type(cst.Name):
        if not isinstance(node, cst.Name) or node.value != alias:
            continue
        mentions += 1
        call = model.parent(node)
        if isinstance(call, cst.Call) and call.func is node:
            if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
                return []
            if _fresh_leaf_start(model, call):
                # ``nn.Parameter(logabs(w_s))``: a new parameter's starting
                # value, no gradient behind it (glow-pytorch, audit s174)
                fresh += 1
                continue
            given.append(call.args[0].value)
    # the binding itself, then calls only: the lambda goes nowhere else
    return given if mentions == len(given) + fresh + 1 else []


def _fresh_leaf_start(model: ModuleIndex, call: cst.Call) -> bool:
    """``call`` is what a new leaf starts from: ``nn.Parameter(call)``."""
    arg = model.parent(call)
    outer = model.parent(arg) if isinstance(arg, cst.Arg) else None
    return (
        isinstance(outer, cst.Call)
        and outer.args[0] is arg
        and model.qualname(outer.func) in apis.FRESH_LEAVES
    )


def _variables_everywhere(model: ModuleIndex, name: cst.Name) -> bool:
    """Every binding of ``name`` in its function makes a trainable variable:
    ``V = tf.get_variable('V', shape, initializer=...)`` in one branch, ``V, g,
    b = [tf.get_variable(n) for n in ['V', 'g', 'b']]`` (the same variables,
    reused) in the other (mean-teacher's weight-normalised layers)."""
    func = model.enclosing(name, cst.FunctionDef)
    if func is None:
        return False
    found = False
    for assign in nodes_in(func, cst.Assign, memo=memo_of(model)):
        assert isinstance(assign, cst.Assign)
        for target in assign.targets:
            names = [n for n in nodes_in(target.target, cst.Name) if n.value == name.value]  # type: ignore[attr-defined]
            if not names:
                continue
            value = assign.value
            if isinstance(value, cst.ListComp):
                value = value.elt
            if not (
                isinstance(value, cst.Call)
                and model.qualname(value.func) in apis.TRAINABLE_VARIABLES
            ):
                return False
            found = True
    return found


def _attribute_number(model: ModuleIndex, expr: cst.Attribute) -> Number | None:
    cls = model.enclosing(expr, cst.ClassDef)
    if not isinstance(cls, cst.ClassDef):
        return None
    write = only_self_write(model, expr.attr.value, cls=cls)
    if write is None:
        return None
    attribute, value = write
    init = model.enclosing(attribute, cst.FunctionDef)
    if (
        not isinstance(init, cst.FunctionDef)
        or init.name.value != "__init__"
        or model.enclosing(init, cst.ClassDef) is not cls
    ):
        return None
    found = literal_value(value)
    if isinstance(found, (int, float)) and not isinstance(found, bool):
        return found
    if isinstance(value, cst.Subscript):
        return number(model, value, depth=1)  # ``self.dropout = config['dropout']``
    if not isinstance(value, cst.Name):
        return None
    return _parameter_number(model, cls, init, value.value)


def only_self_write(
    model: ModuleIndex,
    ident: str,
    changed_by: frozenset[str] = frozenset(),
    cls: cst.ClassDef | None = None,
    none_placeholders: bool = False,
) -> tuple[cst.Attribute, cst.BaseExpression] | None:
    """The one ``self.<ident> = value`` of the file, when nothing else in it
    writes an attribute of that name (another object's included: an
    augmented or annotated assignment, an unpacking, a ``del``), calls a
    method of ``changed_by`` on it (``self.sigmas.requires_grad_()``), or calls
    ``setattr``. With ``cls``, the ``self.<ident> = ...`` of another class
    that neither derives from it nor is a base of it (by their names here)
    write other objects (``Spectrogram.n_fft``, ``MelSpectrogram.n_fft``).
    With ``none_placeholders``, ``self.<ident> = None`` (a slot ``__init__``
    declares before a method fills it) is no write."""
    memo = memo_of(model)
    if next(iter(names_in(model.module, "setattr", memo)), None) is not None:
        return None
    found: tuple[cst.Attribute, cst.BaseExpression] | None = None
    for name in names_in(model.module, ident, memo):
        attribute = model.parent(name)
        if not (isinstance(attribute, cst.Attribute) and attribute.attr is name):
            continue
        holder = model.parent(attribute)
        if (
            isinstance(holder, cst.AssignTarget)
            and cls is not None
            and _unrelated(model, cls, attribute)
        ):
            continue
        if isinstance(holder, cst.AssignTarget):
            assign = model.parent(holder)
            if (
                none_placeholders
                and isinstance(assign, cst.Assign)
                and len(assign.targets) == 1
                and isinstance(assign.value, cst.Name)
                and assign.value.value == "None"
            ):
                continue
            if (
                found is not None
                or not isinstance(assign, cst.Assign)
                or len(assign.targets) != 1
                or not isinstance(attribute.value, cst.Name)
                or attribute.value.value != "self"
            ):
                return None
            found = (attribute, assign.value)
        elif isinstance(holder, (cst.AugAssign, cst.AnnAssign, cst.Element, cst.Tuple, cst.List)):
            return None
        elif isinstance(holder, cst.Del):
            return None
        elif isinstance(holder, cst.Attribute) and holder.attr.value in changed_by:
            return None
    return found


def _unrelated(model: ModuleIndex, cls: cst.ClassDef, attribute: cst.Attribute) -> bool:
    """``self.x = ...`` in a method of a class unrelated to ``cls`` (neither
    names the other among its bases)."""
    if not (isinstance(attribute.value, cst.Name) and attribute.value.value == "self"):
        return False
    other = model.enclosing(attribute, cst.ClassDef)
    if not isinstance(other, cst.ClassDef) or other is cls:
        return False
    names = {cls.name.value, other.name.value}
    bases = {model.code(b.value).rsplit(".", 1)[-1] for c in (cls, other) for b in c.bases}
    return not (names & bases)


def _parameter_number(
    model: ModuleIndex,
    cls: cst.ClassDef | cst.FunctionDef,
    init: cst.FunctionDef,
    param: str,
    method: bool = True,
    key: str | None = None,
    depth: int = 0,
) -> Number | None:
    """``self.power = power``: the one number every construction of the class
    seen gives ``__init__``'s parameter, passed as a literal or left to a
    literal default (``UNet(dropout=0.1)`` over ``dropout=0.0``); without
    ``method``, every call of the top-level function ``cls`` (``init``)."""
    values = _parameter_numbers(model, cls, init, param, method, key, depth)
    if values is None or len(values) != 1:
        return None
    return next(iter(values))


def _parameter_numbers(
    model: ModuleIndex,
    cls: cst.ClassDef | cst.FunctionDef,
    init: cst.FunctionDef,
    param: str,
    method: bool = True,
    key: str | None = None,
    depth: int = 0,
) -> frozenset[Number] | None:
    """What ``_parameter_number`` reads: the numbers the constructions of
    the class give the parameter, when each is one (``TransferModel(dropout=0.5)``
    here, ``dropout=0.3`` in the factory: audit s185)."""
    params = init.params
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    if method:
        positional = positional[1:]
    if param not in positional and param not in {p.name.value for p in params.kwonly_params}:
        return None
    scope = model.scope_of(init.body)
    if len(scope.bindings.get(param, ())) != 1:
        return None  # rebound in ``__init__``
    default = literal_value(param_defaults(params).get(param)) if key is None else None
    if not isinstance(default, (int, float)) or isinstance(default, bool):
        default = None  # no default: every construction must pass it
    if params.star_arg is not cst.MaybeSentinel.DEFAULT:
        return None
    # (a ``**kwargs`` of ``__init__`` takes only names it does not list: a
    # construction passing this one binds it here, as ``_passed`` reads it)
    values: set[Number | None] = set()
    own = model.module_scope.bindings.get(cls.name.value)
    for use in names_in(model.module, cls.name.value, memo_of(model)):
        if use is cls.name:
            continue
        if own is not None and model.scope_of(use).lookup(use.value) is not own:
            continue  # a local variable of that spelling (NIMA's ``emd_loss = 0.0``)
        if in_super_arguments(model, use):
            continue  # ``super(Normalize, self).__init__()``
        call = model.parent(use)
        if not isinstance(call, cst.Call) or call.func is not use:
            return None  # subclassed, handed on, aliased: constructions out of sight
        passed = _passed(call, positional, param, model, key, depth)
        if passed is False:
            return None
        values.add(default if passed is None else passed)
    if not values:
        values.add(default)  # built nowhere here: what the default says
    if None in values or _may_be_constructed_elsewhere(model, cls.name.value):
        return None
    return frozenset(v for v in values if v is not None)


def _may_be_constructed_elsewhere(model: ModuleIndex, name: str) -> bool:
    if str(getattr(model, "path", "")).endswith(".ipynb") or project_context() is None:
        return False  # no other file can load a notebook (or a lone file)
    return named_unqualified_where_loaded(name) is not False


def _passed(
    call: cst.Call,
    positional: list[str],
    param: str,
    model: ModuleIndex | None = None,
    key: str | None = None,
    depth: int = 0,
) -> Number | None | bool:
    """The literal ``call`` passes for ``param`` (with ``key``: the number at
    that key of the dict it passes): None when it passes nothing, False when
    it passes something else or cannot be read (``*args``)."""
    at = positional.index(param) if param in positional else None
    index = 0
    given: cst.BaseExpression | None = None
    for arg in call.args:
        if arg.star:
            return False
        if arg.keyword is None:
            if index == at:
                given = arg.value
            index += 1
        elif arg.keyword.value == param:
            given = arg.value
    if given is None:
        return None if key is None else False
    if key is None and model is not None and isinstance(given, cst.Name):
        # ``num_samples = 1`` ... ``Dataset(num_samples=num_samples)``
        reached = reaching_assignment(model, given)
        if reached is None and depth > 0:
            # ``single_emd_loss(p, q, r=r)`` inside ``emd_loss(p, q, r=2)``: the
            # caller's parameter, as its own calls fill it (NIMA, audit s197)
            found = number(model, given, depth)
            return found if found is not None else False
        return _literal_number(reached) if reached is not None else False
    if key is None or model is None:
        return _literal_number(given)
    return _dict_number(model, given, key)


def _dict_number(model: ModuleIndex, given: cst.BaseExpression, key: str) -> Number | bool:
    """The literal number at ``key`` of a dict written out, inline or as a
    module-level name bound once and only ever read (no ``config[k] = v``,
    ``config.update(...)``); False otherwise."""
    if isinstance(given, cst.Name):
        bindings = model.bindings(given) or []
        if (
            len(bindings) != 1
            or bindings[0].kind != "assign"
            or model.scope_of(given).lookup(given.value)
            is not model.module_scope.bindings.get(given.value)
        ):
            return False
        # (not another variable of that name: ``__init__``'s ``config``)
        for use, parent in variable_uses(model, given.value, bindings):
            if isinstance(parent, cst.AssignTarget) or (
                isinstance(parent, cst.Arg) and parent.value is use
            ):
                continue
            if isinstance(parent, cst.Subscript) and parent.value is use:
                if not isinstance(model.parent(parent), cst.AssignTarget):
                    continue
            return False
        bound = bindings[0].node
        if not isinstance(bound, cst.Dict):
            return False
        given = bound
    if not isinstance(given, cst.Dict):
        return False
    found: Number | bool = False
    for element in given.elements:
        if not isinstance(element, cst.DictElement):
            return False  # ``**defaults``: the key may come from there
        if literal_value(element.key) == key:
            found = _literal_number(element.value)
    return found


def _literal_number(expr: cst.BaseExpression) -> Number | bool:
    value = literal_value(expr)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return False


def constant_list_length(model: ModuleIndex, expr: cst.BaseExpression) -> int | None:
    """How many items a module-level list (or tuple) of literals holds,
    named where it is read: bound once, and every other use reads it
    (``len(ACTIONS)``, ``ACTIONS[i]``, ``for a in ACTIONS``) -- no
    ``append``, no item written, not handed to a call that may change it."""
    if not isinstance(expr, cst.Name):
        return None
    bindings = model.bindings(expr) or []
    if (
        len(bindings) != 1
        or bindings[0].kind != "assign"
        or bindings is not model.module_scope.bindings.get(expr.value)
    ):
        return None
    listed = bindings[0].node
    if not isinstance(listed, (cst.List, cst.Tuple)) or any(
        not isinstance(e, cst.Element) or literal_value(e.value) is NotImplemented
        for e in listed.elements
    ):
        return None
    for use, parent in variable_uses(model, expr.value, bindings):
        if isinstance(parent, cst.AssignTarget):
            continue
        if isinstance(parent, cst.Subscript) and parent.value is use:
            if isinstance(model.parent(parent), (cst.AssignTarget, cst.Del)):
                return None
            continue
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is use:
            continue
        if isinstance(parent, cst.Arg) and parent.value is use:
            call = model.parent(parent)
            if isinstance(call, cst.Call) and model.qualname(call.func) in _READING_BUILTINS:
                continue
        if isinstance(parent, cst.ComparisonTarget) and parent.comparator is use:
            continue  # ``a in ACTIONS``
        return None
    return len(listed.elements)


#: built-ins that read a list without changing it
_READING_BUILTINS = frozenset(
    {"builtins.len", "builtins.enumerate", "builtins.list", "builtins.tuple", "builtins.sorted"}
    | {"builtins.print", "builtins.range", "builtins.zip", "builtins.set"}
)
