"""The places one variable appears: every ``Name`` spelled like it that the
same bindings make (its assignments and its reads), with each one's parent.
Rules asking "is this dict/list only ever read so?" check each parent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.walk import memo_of, names_in

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.names import Binding


def variable_uses(
    model: ModuleIndex, ident: str, bindings: list[Binding]
) -> Iterator[tuple[cst.Name, cst.CSTNode | None]]:
    """Each ``Name`` spelled ``ident`` whose bindings are ``bindings`` (not
    another variable of that name in another scope), with its parent."""
    for use in names_in(model.module, ident, memo_of(model)):
        if model.bindings(use) is bindings:
            yield use, model.parent(use)
