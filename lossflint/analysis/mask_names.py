"""Names that say a tensor is a mask: ``mask``, ``pad_mask``,
``self.valid_mask``, a 0/1 flag per sample (``has_claim``, ``is_positive``,
``valid``, pycox's ``events``). Read by the numerics (``is_mask``) and by the
kind analysis (probabilities times a mask stay probabilities), which the
numerics build on."""

from __future__ import annotations

import libcst as cst

#: a survival model's 0/1 indicator per sample (pycox's ``events``): a batch
#: may hold none
_INDICATOR_WORDS = frozenset({"event", "events"})


def named_like_a_mask(expr: cst.BaseExpression) -> bool:
    """``expr`` is a name or an attribute whose name says mask."""
    name = None
    if isinstance(expr, cst.Name):
        name = expr.value
    elif isinstance(expr, cst.Attribute):
        name = expr.attr.value
    if name is None:
        return False
    lowered = name.lower()
    words = lowered.split("_")
    return (
        "mask" in lowered
        or words[0] in ("is", "has")
        and len(words) > 1
        or "valid" in words
        or bool(_INDICATOR_WORDS & set(words))
    )
