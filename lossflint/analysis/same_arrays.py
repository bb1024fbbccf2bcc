"""Two expressions that surely read the same array.

``MinMaxScaler().fit(df.iloc[:, 4:5].astype('float32'))`` then
``transform(df.iloc[:, 4:5].astype('float32'))`` (huseinzol05's
Stock-Prediction-Models, R46): the same code, over names bound once, with
no call but row-keeping methods (``astype``, ``reshape``, ``values``) and
no subscript but literal slices and keys: the same rows each time.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.walk import memo_of, nodes_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: the node types such an expression may hold
_PLAIN = (
    cst.Name,
    cst.Attribute,
    cst.Subscript,
    cst.SubscriptElement,
    cst.Index,
    cst.Slice,
    cst.Integer,
    cst.Float,
    cst.SimpleString,
    cst.UnaryOperation,
    cst.Minus,
    cst.Call,
    cst.Arg,
    cst.List,
    cst.Element,
    cst.Dot,
    cst.Comma,
    cst.Colon,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftParen,
    cst.RightParen,
    cst.AssignEqual,
    cst.SimpleWhitespace,
    cst.ParenthesizedWhitespace,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.EmptyLine,
    cst.Comment,
)


def same_array(model: ModuleIndex, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    """``a`` and ``b`` are written alike and read the same rows (above)."""
    if a is b or _squash(model.code(a)) != _squash(model.code(b)):
        return False
    return _plain(model, a) and _plain(model, b) and _same_names(model, a, b)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _plain(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    memo = memo_of(model)
    for node in nodes_in(expr, cst.Call, memo=memo):
        func = cast(cst.Call, node).func
        if not isinstance(func, cst.Attribute) or func.attr.value not in apis.ROW_KEEPING_METHODS:
            return False
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if not isinstance(node, _PLAIN):
            return False
        stack.extend(node.children)
    return True


def _same_names(model: ModuleIndex, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    """Each name read is bound once, so both read the same value."""
    memo = memo_of(model)
    for expr in (a, b):
        for node in nodes_in(expr, cst.Name, memo=memo):
            name = cast(cst.Name, node)
            parent = model.parent(name)
            if isinstance(parent, cst.Attribute) and parent.attr is name:
                continue  # ``.iloc``, ``.astype``
            if isinstance(parent, cst.Arg) and parent.keyword is name:
                continue
            if len(model.bindings(name) or ()) != 1:
                return False
    return True


def copy_source(model: ModuleIndex, expr: cst.BaseExpression) -> cst.BaseExpression:
    """``X`` of a name bound where it is read to ``X.copy()`` / ``np.copy(X)``
    (an autoencoder's targets ``Y = X.copy()``: harshtikuu's video anomaly
    detector, audit s236); ``expr`` itself otherwise."""
    value = reaching_assignment(model, expr) if isinstance(expr, cst.Name) else None
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value == "copy" and not value.args:
            return func.value
        if model.qualname(func) in apis.ARRAY_COPIES and len(value.args) == 1:
            return value.args[0].value
    return expr
