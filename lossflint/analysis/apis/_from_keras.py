"""Framework names moved out of rules/keras (to be merged into the framework modules)."""

from __future__ import annotations
