"""Lists of tensors of one kind (or of instances of one class: an ensemble's
models), for the value-kind interpreter (``kinds``).

A rollout or a decoder collects its outputs in a list and reads them back
later: ``policies.append(model(state))`` then ``policies[step].log()``, or
``outputs.append(F.softmax(self.out(h)))`` then ``torch.stack(outputs)``. The
list holds values of one kind only while everything that goes in is known
and of that kind; anything else that may change it (a method we do not
follow, an item written with another kind) makes it unknown, and a list kept
on an object (``self.saved = []``) is never tracked: other methods append to
it unseen. The item appended last is kept apart, whatever the others are
(pix2pix-tensorflow's discriminator: ``layers.append(tf.sigmoid(x))``, then
``return layers[-1]``, audit s160).
"""

from __future__ import annotations

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.values import (
    UNKNOWN,
    Instance,
    LayerList,
    Tensor,
    TensorList,
    Value,
)

#: an empty list: nothing known went in yet
EMPTY = TensorList(None)
#: list methods that read it and leave it as it is
_READING = frozenset({"copy", "index", "count"})


def displayed(expr: cst.List, items: list[Value]) -> Value:
    """``[]``, ``[p]``, ``[p, *more]``: a list of known items, else unknown."""
    held: TensorList = EMPTY
    for element, value in zip(expr.elements, items, strict=True):
        if type(element) is cst.StarredElement:
            if not isinstance(value, TensorList):
                return UNKNOWN
            added: Value = extended(held, value)
        else:
            added = with_item(held, value)
        if not isinstance(added, TensorList):
            return UNKNOWN
        held = added
    return held


def _empty(held: TensorList) -> bool:
    return held.element is None and not held.mixed


def with_item(held: TensorList, value: Value, appended: bool = True) -> Value:
    """``held`` after ``append(value)`` (not ``appended``: written at some
    index, ``outputs[t] = p``, or inserted)."""
    if not isinstance(value, (Tensor, Instance)):
        return UNKNOWN
    last = value if appended else None
    if _empty(held):
        return TensorList(value, last)
    if not held.mixed and held.element == value:
        return TensorList(held.element, last)
    return TensorList(None, last, mixed=True)


def _merged(a: TensorList, b: TensorList, last: Tensor | Instance | None) -> TensorList:
    mixed = a.mixed or b.mixed or a.element != b.element
    return TensorList(None if mixed else a.element, last, mixed)


def joined(a: TensorList, b: TensorList) -> Value:
    """The list on either of two paths (a loop's first pass and its next)."""
    if _empty(a):
        return b
    if _empty(b):
        return a
    return _merged(a, b, a.last if a.last == b.last else None)


def extended(a: TensorList, b: TensorList) -> Value:
    """``a + b`` / ``a.extend(b)``: ``b``'s items after ``a``'s."""
    if _empty(a):
        return b
    if _empty(b):
        return a
    return _merged(a, b, b.last)


def item(held: TensorList) -> Value:
    """What ``held[i]`` or ``for x in held`` gives."""
    return held.element if held.element is not None else UNKNOWN


def subscripted(expr: cst.Subscript, held: TensorList) -> Value:
    """``held[i]`` is an item (``held[-1]`` the one appended last, when
    known); ``held[1:]`` the same kind of list."""
    if len(expr.slice) != 1:
        return UNKNOWN
    where = expr.slice[0].slice
    if isinstance(where, cst.Slice):
        return held if not held.mixed else UNKNOWN
    if held.last is not None and isinstance(where, cst.Index) and literal_value(where.value) == -1:
        return held.last
    return item(held)


def method(call: cst.Call, name: str, held: TensorList, args: list[Value]) -> tuple[Value, Value]:
    """``held.<name>(...)``: (the list afterwards, what the call gives)."""
    if name == "append" and len(args) == 1 and not call.args[0].star:
        if not isinstance(args[0], (Tensor, Instance)):
            # an item we do not know: none is of one kind now, but the next
            # append is still the last item
            return TensorList(None, None, mixed=True), UNKNOWN
        return with_item(held, args[0]), UNKNOWN
    if name == "extend" and len(args) == 1 and not call.args[0].star:
        more = args[0]
        return (extended(held, more) if isinstance(more, TensorList) else UNKNOWN), UNKNOWN
    if name == "insert" and len(args) == 2:
        return with_item(held, args[1], appended=False), UNKNOWN
    if name == "pop":
        return TensorList(held.element, None, held.mixed), item(held)
    if name == "copy":
        return held, held
    if name in _READING:
        return held, UNKNOWN
    return UNKNOWN, UNKNOWN


def collected(call: cst.Call, qualname: str, args: list[Value], where: str) -> Value | None:
    """``torch.cat(outputs)`` / ``torch.stack(policies, 1)``: every entry is
    an entry of an item (a decoder's steps, joined and viewed back as rows),
    so the tensor has the items' kind; None when this is no such call. Joined
    along the first axis it is the items' tensor (the same axes); stacked, or
    joined along another axis, its axes are not the items': it comes from
    this call (a rule reading the axes of the softmax that made the items
    would read the wrong ones)."""
    if qualname not in apis.JOIN_FUNCTIONS or not args:
        return None
    listed = args[0]
    if isinstance(listed, LayerList) and listed.items:
        # a file that unpacks lists into ``nn.Sequential`` keeps every list
        # display as a LayerList: ``torch.cat([pos_prob, neg_prob])`` too
        held: Value = EMPTY
        for item_value in listed.items:
            held = with_item(held, item_value) if isinstance(held, TensorList) else UNKNOWN
        listed = held
    if not isinstance(listed, TensorList):
        return None
    element = listed.element
    if not isinstance(element, Tensor):
        return UNKNOWN
    dim = argument(call, 1, "dim", "axis")
    if qualname not in apis.STACK_FUNCTIONS and (dim is None or literal_value(dim) == 0):
        return element
    return Tensor(element.kind, element.float_cast, call, where)
