"""Classes of a file that derive from nothing else: no framework base (a
LightningModule, an HF ``Trainer``, ``nn.Module``) calls their methods or
switches their state; only the code that holds an instance does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.kinds import kinds_of

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


def plain_class(model: ModuleIndex, cls: cst.ClassDef) -> bool:
    """``cls`` and its same-file bases derive from ``object`` alone (a
    hand-written trainer, an RMSE "loss" class)."""
    family = kinds_of(model).mro(cls)
    known = {klass.name.value for klass in family}
    return all(
        isinstance(base.value, cst.Name) and base.value.value in known | {"object"}
        for klass in family
        for base in klass.bases
    )
