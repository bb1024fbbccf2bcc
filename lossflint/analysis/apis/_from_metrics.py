"""Framework names the metric facts read (to be merged into the framework modules)."""

from __future__ import annotations

#: calls that gather or convert predictions and keep what they hold (hard labels
#: stay hard, scores stay scores): ``torch.cat(preds)``, ``np.concatenate(preds)``
COLLECT_FUNCS = frozenset(
    {
        "torch.cat",
        "torch.concat",
        "torch.concatenate",
        "torch.stack",
        "torch.hstack",
        "torch.vstack",
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
        "numpy.concatenate",
        "numpy.stack",
        "numpy.hstack",
        "numpy.vstack",
        "numpy.array",
        "numpy.asarray",
        "numpy.squeeze",
        "numpy.ravel",
        "tensorflow.concat",
        "tensorflow.stack",
        "tensorflow.convert_to_tensor",
        "builtins.list",
    }
)
#: ``torch.max(x, dim)`` returns (values, indices): item 1 and ``.indices`` are
#: class indices whatever ``x`` holds
MAX_WITH_INDICES = frozenset({"torch.max", "torch.min"})
#: built-ins that cast a hard label and keep it hard: ``int(p > 0.5)``
BUILTIN_LABEL_CASTS = frozenset({"builtins.int", "builtins.bool", "builtins.float"})
#: methods that keep what an array holds on the way to Python or a new shape
KEEP_METHODS = frozenset({"tolist", "reshape", "view", "view_as", "squeeze", "flatten", "ravel"})
