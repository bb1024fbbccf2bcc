"""Framework names moved out of rules/loss_inputs (to be merged into the framework modules)."""

from __future__ import annotations
