"""Classes of the file that are a ``DataLoader`` under another name: a
subclass whose ``__init__``, if it has one, hands every argument on to the
base unchanged (``class AudioDataLoader(DataLoader): def __init__(self,
*args, **kwargs): super().__init__(*args, **kwargs); self.collate_fn =
_collate_fn``, as speech recognition repos write it). Built with the same
arguments, it shuffles exactly when a ``DataLoader`` would (LF602)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.walk import calls_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def loader_subclass(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    """``cls`` derives from a ``DataLoader`` and passes its arguments on."""
    if not any(model.qualname(base.value) in apis.DATA_LOADERS for base in cls.bases):
        return False
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    inits = [s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"]
    if not inits:
        return True
    if len(inits) != 1:
        return False
    return _forwards_everything(model, inits[0])


def _forwards_everything(model: ModuleIndex, init: cst.FunctionDef) -> bool:
    """``def __init__(self, *args, **kwargs)`` calling
    ``super().__init__(*args, **kwargs)`` (or ``super(C, self).__init__``),
    nothing else changing how it samples."""
    params = init.params
    star = params.star_arg
    if (
        len(params.params) != 1
        or params.kwonly_params
        or not isinstance(star, cst.Param)
        or params.star_kwarg is None
    ):
        return False
    names = (star.name.value, params.star_kwarg.name.value)
    for call in calls_in(init):
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "__init__"
            and isinstance(func.value, cst.Call)
            and isinstance(func.value.func, cst.Name)
            and func.value.func.value == "super"
        ):
            passed = [
                (a.star, a.value.value if isinstance(a.value, cst.Name) else None)
                for a in call.args
            ]
            return passed == [("*", names[0]), ("**", names[1])]
    return False
