"""Framework names moved out of rules/keras (to be merged into the framework modules)."""

from __future__ import annotations

#: the Dense layer; LF403 reads every call of it for a one-unit softmax
KERAS_DENSE = "keras.layers.Dense"
