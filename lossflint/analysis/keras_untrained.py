"""Keras compiles whose loss is provably never evaluated in the file.

A GAN generator compiled with ``loss='binary_crossentropy'`` and trained only
through the combined model (``Sequential([generator, discriminator])``) never
evaluates its own compiled loss: a last-layer/loss mismatch there is harmless.
The proof is syntactic and closed: every use of the compiled model's name in
the file must be one that cannot train or evaluate it (``predict``, a call
building another model, ``trainable = False``, ...). Anything else (passed to
an unknown function, returned, aliased, stored on an object) is unknown, and
unknown keeps the finding.

A compile replaced by the next statement's compile of the same model, with
nothing in between (``model.compile(loss='mse')`` then
``model.compile(loss='categorical_crossentropy')``, two configurations shown
side by side) never runs its loss either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.walk import memo_of, names_in, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: methods that neither run the compiled loss nor hand the model on
_SAFE_METHODS = frozenset(
    {
        "compile",
        "predict",
        "predict_on_batch",
        "predict_generator",
        "summary",
        "save",
        "save_weights",
        "load_weights",
        "get_weights",
        "set_weights",
        "get_layer",
        "count_params",
        "to_json",
        "to_yaml",
        "get_config",
        "add",
        "pop",
        "build",
        "reset_states",
    }
)
#: attributes read or set without running the compiled loss
_SAFE_ATTRIBUTES = frozenset(
    {
        "trainable",
        "layers",
        "input",
        "inputs",
        "output",
        "outputs",
        "input_shape",
        "output_shape",
        "name",
        "weights",
        "trainable_weights",
        "non_trainable_weights",
        "trainable_variables",
        "non_trainable_variables",
        "variables",
    }
)
#: the calls that train a model on its compiled loss
_TRAINING_METHODS = ("fit", "fit_generator", "train_on_batch")
#: how deep a model handed to a same-file function is followed
_DEPTH = 2


def never_trained(
    index: ModuleIndex, compile_call: cst.Call, is_model: Callable[[cst.BaseExpression], bool]
) -> bool:
    """The model ``compile_call`` compiles (``name.compile(...)``) provably
    never reaches a fit/evaluate in this file, which trains other models;
    ``is_model(expr)``: ``expr`` is
    known to be a Keras model (a ``.add(name)`` receiver)."""
    func = compile_call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return False
    if next(index.method_calls(*_TRAINING_METHODS), None) is None:
        # nothing is trained here: a snippet, or a model built for another
        # module to fit; only a training script's idle compile is provably dead
        return False
    ident = func.value.value
    owner = index.enclosing(compile_call, cst.FunctionDef, cst.Lambda, cst.ClassDef)
    if owner is not None:
        scope = index.scope_of(func.value)
        local = (
            isinstance(owner, cst.FunctionDef)
            and scope.node is owner
            and ident in scope.bindings
            and ident not in scope.globals | scope.nonlocals
            and not any(
                isinstance(inner, (cst.FunctionDef, cst.Lambda))
                for inner in nodes_in(owner.body, cst.FunctionDef, cst.Lambda, memo=memo_of(index))
            )
        )
        # a factory's local model: its uses are the function's (and, returned,
        # its callers'), not those of another factory's ``model``
        root: cst.CSTNode = owner if local else index.module
        return _uses_are_safe(index, root, ident, is_model, _DEPTH)
    before = _binding_position(index, func.value)
    return all(
        _safe_use(index, name, is_model, _DEPTH)
        for name in names_in(index.module, ident, memo_of(index))
        if not _runs_before(index, name, before)
    )


def _binding_position(index: ModuleIndex, receiver: cst.Name) -> int | None:
    """The index in the module's body of the top-level statement holding the
    ``name = value`` that the compile's receiver surely reads (None: unknown)."""
    value = reaching_assignment(index, receiver)
    if value is None:
        return None
    at: cst.CSTNode | None = value
    while at is not None and index.parent(at) is not index.module:
        at = index.parent(at)
    body = index.module.body
    return body.index(at) if at is not None and at in body else None


def _runs_before(index: ModuleIndex, name: cst.Name, position: int | None) -> bool:
    """``name`` is read by a top-level statement before ``position`` (and
    outside any function or class, which could run later): it sees an earlier
    model of the same name (a notebook's first ``export_model``), not this one."""
    if position is None or index.enclosing(name, cst.FunctionDef, cst.Lambda, cst.ClassDef):
        return False
    at: cst.CSTNode | None = name
    while at is not None and index.parent(at) is not index.module:
        at = index.parent(at)
    body = index.module.body
    return at is not None and at in body and body.index(at) < position


def recompiled_before_use(index: ModuleIndex, compile_call: cst.Call) -> bool:
    """``name.compile(...)`` is a statement of its own, and a following
    statement of the same block compiles ``name`` again, with no statement in
    between mentioning ``name``: the first loss is replaced before anything
    can train or evaluate the model with it."""
    func = compile_call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return False
    ident = func.value.value
    line = index.statement_of(compile_call)
    if not _compiles(line, ident) or line.body[0].value is not compile_call:  # type: ignore[attr-defined]
        return False
    block = index.parent(line)
    body = getattr(block, "body", None)
    if not isinstance(body, (list, tuple)) or line not in body:
        return False
    for statement in body[body.index(line) + 1 :]:
        if _compiles(statement, ident):
            return True
        if next(iter(names_in(statement, ident, memo_of(index))), None) is not None:
            return False
    return False


def _compiles(statement: cst.CSTNode, ident: str) -> bool:
    """``statement`` is ``ident.compile(...)`` alone (its value unused)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    expr = statement.body[0]
    call = expr.value if isinstance(expr, cst.Expr) else None
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "compile"
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == ident
    )


def _uses_are_safe(
    index: ModuleIndex,
    root: cst.CSTNode,
    ident: str,
    is_model: Callable[[cst.BaseExpression], bool],
    depth: int,
) -> bool:
    return all(
        _safe_use(index, name, is_model, depth) for name in names_in(root, ident, memo_of(index))
    )


def _safe_use(
    index: ModuleIndex,
    name: cst.Name,
    is_model: Callable[[cst.BaseExpression], bool],
    depth: int,
) -> bool:
    parent = index.parent(name)
    grand = index.parent(parent) if parent is not None else None
    if isinstance(parent, cst.AssignTarget) and parent.target is name:
        # a fresh model (a call); an alias of another name could be fit under it
        assign = grand
        return isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call)
    if isinstance(parent, cst.Attribute):
        if parent.value is not name:
            return True  # ``x.name``: another object's attribute
        attr = parent.attr.value
        if isinstance(grand, cst.Call) and grand.func is parent:
            return attr in _SAFE_METHODS
        return attr in _SAFE_ATTRIBUTES
    if isinstance(parent, cst.Call) and parent.func is name:
        return True  # ``name(x)``: a tensor, or a layer of another model
    if isinstance(parent, (cst.Param, cst.Global, cst.NameItem, cst.Del)):
        # another binding of the name (a parameter): its uses are in this
        # scan too, each judged like ours
        return True
    holder = index.parent(grand) if grand is not None else None
    if (
        isinstance(parent, cst.Element)
        and isinstance(grand, cst.Tuple)
        and isinstance(holder, cst.AssignTarget)
    ):
        # ``generator, disc = build_models()``: fresh values, like a lone target
        assign = index.parent(holder)
        return isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call)
    if isinstance(parent, cst.Return) and parent.value is name:
        return _returned_as_same_name(index, parent, None, name.value, is_model, depth)
    if (
        isinstance(parent, cst.Element)
        and isinstance(grand, cst.Tuple)
        and isinstance(holder, cst.Return)
    ):
        position = [e.value for e in grand.elements].index(name)
        return _returned_as_same_name(index, holder, position, name.value, is_model, depth)
    if isinstance(parent, cst.Element) and isinstance(grand, (cst.List, cst.Tuple)):
        arg = index.parent(grand)
        call = index.parent(arg) if arg is not None else None
        return (
            isinstance(arg, cst.Arg)
            and isinstance(call, cst.Call)
            and index.qualname(call.func) in apis.KERAS_SEQUENTIAL
        )
    if isinstance(parent, cst.Arg) and parent.value is name and isinstance(grand, cst.Call):
        func = grand.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add":
            return is_model(func.value)  # a layer of another model
        if isinstance(func, cst.Name) and depth > 0:
            return _safe_in_function(index, grand, parent, func.value, is_model, depth - 1)
    return False


def _safe_in_function(
    index: ModuleIndex,
    call: cst.Call,
    arg: cst.Arg,
    function_name: str,
    is_model: Callable[[cst.BaseExpression], bool],
    depth: int,
) -> bool:
    """The model handed to a same-file top-level function is used safely there."""
    defs = [
        s
        for s in index.module.body
        if isinstance(s, cst.FunctionDef) and s.name.value == function_name
    ]
    if len(defs) != 1:
        return False
    function = defs[0]
    params = function.params
    if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.star_kwarg is not None:
        return False
    if any(a.star for a in call.args):
        return False
    positional = (*params.posonly_params, *params.params)
    param: cst.Param | None = None
    if arg.keyword is None:
        at = [a for a in call.args if a.keyword is None].index(arg)
        param = positional[at] if at < len(positional) else None
    else:
        keyword = arg.keyword.value
        param = next(
            (p for p in (*positional, *params.kwonly_params) if p.name.value == keyword), None
        )
    if param is None:
        return False
    return _uses_are_safe(index, function.body, param.name.value, is_model, depth)


def _returned_as_same_name(
    index: ModuleIndex,
    returned: cst.CSTNode,
    position: int | None,
    ident: str,
    is_model: Callable[[cst.BaseExpression], bool],
    depth: int,
) -> bool:
    """``return generator, discriminator`` of a top-level function every call
    of which unpacks the result into the same names (``generator,
    discriminator = build_models()``): the scan of ``ident`` sees those uses;
    into another name (``gen = generator()``), whose own uses are then
    scanned the same way."""
    func = index.enclosing(returned, cst.FunctionDef, cst.Lambda, cst.ClassDef)
    if not isinstance(func, cst.FunctionDef) or func not in index.module.body:
        return False
    uses = list(names_in(index.module, func.name.value, memo_of(index)))
    calls = [u for u in uses if u is not func.name]
    if not calls:
        return False
    for use in calls:
        call = index.parent(use)
        assign = index.parent(call) if isinstance(call, cst.Call) else None
        if (
            not isinstance(call, cst.Call)
            or call.func is not use
            or not isinstance(assign, cst.Assign)
            or len(assign.targets) != 1
        ):
            return False
        target: cst.BaseExpression = assign.targets[0].target
        if position is not None:
            if not isinstance(target, cst.Tuple) or position >= len(target.elements):
                return False
            target = target.elements[position].value
        if not isinstance(target, cst.Name):
            return False
        if target.value != ident and (
            depth <= 0 or not _uses_are_safe(index, index.module, target.value, is_model, depth - 1)
        ):
            return False
    return True
