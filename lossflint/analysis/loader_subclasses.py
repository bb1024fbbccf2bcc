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
from lossflint.analysis.interpreter.syntax import forwards_all

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
    return _forwards_everything(inits[0])


def _forwards_everything(init: cst.FunctionDef) -> bool:
    """``def __init__(self, *args, **kwargs)`` calling
    ``super().__init__(*args, **kwargs)`` (or ``super(C, self).__init__``):
    no argument of its own that could change how it samples."""
    return len(init.params.params) == 1 and forwards_all(init)
