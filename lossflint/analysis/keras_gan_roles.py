"""A Keras model compiled as a GAN's discriminator.

``discriminator.compile(loss="mse", metrics=["accuracy"])`` (in ``class
Discriminator``, or a ``build_critic`` function): mean squared error on it is
the least-squares GAN objective (LSGAN), chosen on purpose, not a regression
loss on a classifier (LF406). Told by the names around the compile: the
compiled object's, the enclosing function's or class's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.names import dotted_text

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: names of a GAN's discriminator: trained with mse it is a least-squares GAN
_DISCRIMINATOR_HINTS = ("disc", "critic")


def least_squares_discriminator(model: ModuleIndex, report: cst.CSTNode) -> bool:
    """The compiled model is a GAN's discriminator (see the module)."""
    names: list[str] = []
    call = report if isinstance(report, cst.Call) else model.enclosing(report, cst.Call)
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
        names.append(dotted_text(call.func.value) or "")
    for kind in (cst.FunctionDef, cst.ClassDef):
        scope = model.enclosing(report, kind)
        if isinstance(scope, (cst.FunctionDef, cst.ClassDef)):
            names.append(scope.name.value)
    return any(hint in name.lower() for name in names for hint in _DISCRIMINATOR_HINTS)
