"""Framework names moved out of rules/training_loop (to be merged into the framework modules)."""

from __future__ import annotations
