"""Functions that put rows in a random order before they return.

``util.read_data(...)`` of another project module shuffles the training
arrays (``X = X[np.random.permutation(n)]``, ``sklearn.utils.shuffle``,
``np.random.shuffle(idx)``, ``df.sample(frac=1)``) and returns them; a
``DataLoader`` built over what it returns, with no ``shuffle=True``, reads
them in a random order already. Which returned array was shuffled is not
followed across modules: a function that shuffles anything counts
(``FunctionSummary.shuffles_rows``), so LF602 stays silent (unknown means
silence)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import keyword
from lossflint.analysis.walk import calls_in, memo_of

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex

_SHUFFLES = apis.RANDOM_SUBSETS | apis.SHUFFLE_ARRAYS | apis.SHUFFLE_IN_PLACE


def shuffles_rows(model: ModuleIndex, func: cst.FunctionDef) -> bool:
    """``func``'s body calls a shuffle (or ``.sample(frac=...)`` of a frame)."""
    for call in calls_in(func.body, memo_of(model)):
        target = call.func
        if frame_sampled(call):
            return True
        if isinstance(target, (cst.Name, cst.Attribute)) and model.qualname(target) in _SHUFFLES:
            return True
    return False


def frame_sampled(call: cst.Call) -> bool:
    """``df.sample(frac=1)``: a frame's rows drawn in a random order."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == apis.FRAME_SAMPLE_METHOD
        and any(keyword(call, word) is not None for word in apis.FRAME_SAMPLE_KEYWORDS)
    )
