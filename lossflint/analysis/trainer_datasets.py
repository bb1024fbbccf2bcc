"""The training set a Hugging Face ``Trainer`` subclass reads as
``self.train_dataset`` in its own ``get_train_dataloader`` (LF602).

By the trainer's contract it is what the constructor was given as
``train_dataset=``: a map-style data set (a ``datasets.Dataset`` split, a
torch ``Dataset``), which the trainer's own loader samples at random. A
project that streams (``load_dataset(..., streaming=True)``, an
``IterableDataset``, ``to_iterable_dataset()``, named by any of its files)
may hand it an iterable one, which no loader shuffles: then it is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.names import dotted_text
from lossflint.analysis.walk import descendants
from lossflint.project import callers

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

#: words of a project that may hand the trainer an iterable data set
_STREAMING = frozenset(
    {"streaming", "IterableDataset", "IterableDatasetDict", "to_iterable_dataset", "IterDataPipe"}
)


def trainer_train_set(model: ModuleIndex, expr: cst.Attribute, cls: cst.ClassDef) -> bool:
    """``self.train_dataset`` in a method of ``cls``, a subclass of the
    Hugging Face ``Trainer`` that never sets the attribute itself, in a
    project that never streams: a map-style data set."""
    if expr.attr.value != "train_dataset" or dotted_text(expr.value) != "self":
        return False
    if not any(model.qualname(base.value) in apis.HF_TRAINERS for base in cls.bases):
        return False
    if _sets_train_dataset(cls):
        return False
    if any(node.value in _STREAMING for node in model.nodes_of_type(cst.Name)):  # type: ignore[attr-defined]
        return False
    # the data set may be made anywhere (``class Shards(IterableDataset)`` in
    # ``data.py``): every project file is read, not only those loading this one
    return callers.named_in_project(set(_STREAMING)) is not True


def _sets_train_dataset(cls: cst.ClassDef) -> bool:
    for node in descendants(cls):
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign)):
            if dotted_text(node.target) == "self.train_dataset":
                return True
    return False
