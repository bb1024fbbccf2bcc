"""Framework names moved out of rules/numerics (to be merged into the framework modules)."""

from __future__ import annotations
