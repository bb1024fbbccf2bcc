"""The per-file semantic model shared by every rule.

``SemanticModel`` is the module index (``index.py``: the one walk, scopes,
bindings, calls, qualified names, positions) with the value-kind dataflow on
top: ``model.value(expr)`` is what rules ask most. The other analyses hang off
the same per-analysis cache through their own accessors (``contexts(model)``,
``loops(model)``, ``keras_facts(model)``, ``metric_facts(model)``); none of
them imports this module, so the model sits above its analyses, never beside.
"""

from __future__ import annotations

import libcst as cst

from lossflint.analysis.index import CallSite, ModuleIndex, module_alias
from lossflint.analysis.kinds import KindAnalysis, kinds_of
from lossflint.analysis.values import Value

__all__ = ["CallSite", "SemanticModel", "module_alias"]


class SemanticModel(ModuleIndex):
    """Everything rules may ask about one module."""

    @property
    def kinds(self) -> KindAnalysis:
        return kinds_of(self)

    def value(self, expr: cst.BaseExpression) -> Value:
        """The abstract value of ``expr`` at the point where it is evaluated."""
        return kinds_of(self).value_of(expr)
