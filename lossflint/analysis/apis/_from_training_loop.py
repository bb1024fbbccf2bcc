"""Framework names moved out of rules/training_loop (to be merged into the framework modules)."""

from __future__ import annotations

#: qualified names under this prefix are torch functions (a constant-initialised
#: layer's output is followed through them in ``analysis/weight_init.py``)
TORCH_PREFIX = "torch."

#: tensor methods whose result no longer holds the autograd graph
DETACHING_METHODS = frozenset({"item", "detach", "tolist", "numpy", "detach_"})
