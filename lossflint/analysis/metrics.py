"""Metric facts: comparisons, sklearn metric functions, scores vs hard labels.

The LF5xx rules ask here whether an expression holds *scores* (probabilities or
logits: the value-kind dataflow for PyTorch, the Keras facts for
``model.predict``) or *hard labels* (argmax, rounding, a threshold, a
classifier's ``predict``), and where the comparisons of a file are.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.apis import Kind
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.values import Tensor

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex


class MetricFacts:
    def __init__(self, model: ModuleIndex) -> None:
        self.model = model
        # the parent map holds every node in visit order: no second tree walk
        self.comparisons = [n for n in model.parents if type(n) is cst.Comparison]
        self.keras = K.keras_facts(model)

    # --- scores ----------------------------------------------------------------

    def score_kind(self, expr: cst.BaseExpression, depth: int = 0) -> tuple[str, Any] | None:
        """("probabilities" | "logits", evidence value) when ``expr`` holds a
        model's scores on every path."""
        expr = _strip(expr)
        value = kinds_of(self.model).value_of(expr)
        if isinstance(value, Tensor):
            if value.kind in (Kind.PROBS, Kind.SIGMOID_PROBS):
                return "probabilities", value
            if value.kind is Kind.LOGITS:
                return "logits", value
        kvalue = self.keras.value(expr)
        if isinstance(kvalue, K.TfLogits):
            return "logits", kvalue
        if isinstance(kvalue, K.TfProbs):
            return "probabilities", kvalue
        if isinstance(kvalue, K.KTensor) and kvalue.model is not None:
            head = kvalue.model.head()
            if head is not None:
                if head.activation in K.PROBABILITY_ACTIVATIONS:
                    return "probabilities", kvalue
                if head.activation == "linear":
                    return "logits", kvalue
        if isinstance(expr, cst.Name) and depth < 3:
            # ``p = torch.sigmoid(z).detach().numpy()``: the dataflow stops at
            # numpy(); a name assigned once holds what was assigned
            assigned = self._single_assignment(expr)
            if assigned is not None and _strip(assigned) is not assigned:
                return self.score_kind(assigned, depth + 1)
        return None

    def evidence(self, value: Any) -> str:
        if isinstance(value, Tensor):
            text = kinds_of(self.model).describe(value)
            return f" ({text})" if text else ""
        if isinstance(value, (K.TfLogits, K.TfProbs)):
            return f" ({_call_name(value.origin)} at line {self.model.line_of(value.origin)})"
        if isinstance(value, K.KTensor) and value.model is not None:
            head = value.model.head()
            if head is not None:
                layer = head.activation_layer
                return f" (the model's output, line {self.model.line_of(layer.node)})"
        return ""

    def binary_logits(self, expr: cst.BaseExpression) -> Any:
        """The value when ``expr`` holds logits of a binary classifier: logits
        by the dataflow, and the file trains on logits with a sigmoid loss (or
        the variable says it holds logits)."""
        found = self.score_kind(expr)
        if found is None or found[0] != "logits":
            return None
        value = found[1]
        if isinstance(value, K.KTensor):
            comp = self.keras.compile_for(value.model)
            loss = comp.loss if comp is not None else None
            if loss is not None and loss.name in K.BINARY_LOSSES and loss.from_logits is True:
                return value
            return None
        if self._sigmoid_loss_on_logits or _named_logits(_strip(expr)):
            return value
        return None

    @cached_property
    def _sigmoid_loss_on_logits(self) -> bool:
        return any(
            call.functional == apis.BCE_LOGITS or call.functional in apis.TF_SIGMOID_CE
            for call in kinds_of(self.model).loss_calls.values()
        )

    # --- hard labels -----------------------------------------------------------

    def hard_labels(self, expr: cst.BaseExpression, depth: int = 0) -> cst.CSTNode | None:
        """The node that makes ``expr`` hard labels (argmax, round, threshold,
        ``predict`` of a classifier), or None."""
        if depth > 4:
            return None
        expr = _strip(expr)
        value = kinds_of(self.model).value_of(expr)
        if isinstance(value, Tensor) and value.kind is Kind.CLASS_INDICES and value.origin:
            return value.origin
        kvalue = self.keras.value(expr)
        if isinstance(kvalue, K.Labels) and kvalue.predicted:
            return kvalue.origin
        if isinstance(expr, cst.Comparison) and all(
            isinstance(
                c.operator, (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual)
            )
            for c in expr.comparisons
        ):
            return expr
        if isinstance(expr, cst.Call):
            qualname = self.model.qualname(expr.func)
            if qualname in apis.ROUND_FUNCS and len(expr.args) == 1:
                return expr  # ``np.round(p, 3)`` keeps scores
            if qualname in apis.ARGMAX or qualname in apis.THRESHOLD_FUNCS:
                return expr
            if qualname in apis.WHERE and len(expr.args) == 3:
                values = {literal_value(a.value) for a in expr.args[1:]}
                if values <= {0, 1}:
                    return expr
            func = expr.func
            if qualname is None and isinstance(func, cst.Attribute):
                name = func.attr.value
                if name in apis.HARD_METHODS and (name != "round" or not expr.args):
                    return expr
                if name in apis.LABEL_CAST_METHODS:
                    return self.hard_labels(func.value, depth + 1)
                if name in ("predict", "predict_classes") and self._is_classifier(func.value):
                    return expr
            return None
        if isinstance(expr, cst.Name):
            assigned = self._single_assignment(expr)
            if assigned is not None:
                return self.hard_labels(assigned, depth + 1)
        return None

    def _single_assignment(self, name: cst.Name) -> cst.BaseExpression | None:
        bindings = self.model.bindings(name)
        if bindings and len(bindings) == 1 and bindings[0].kind == "assign":
            node = bindings[0].node
            if isinstance(node, cst.BaseExpression):
                return node
        return None

    def _is_classifier(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            assigned = self._single_assignment(expr)
            if isinstance(assigned, cst.Call):
                qualname = self.model.qualname(assigned.func)
                if qualname is None:
                    return False
                if qualname in apis.THIRD_PARTY_CLASSIFIERS:
                    return True
                last = qualname.rsplit(".", 1)[-1]
                return qualname.startswith(apis.SKLEARN_PREFIX) and (
                    last.endswith("Classifier") or last in apis.SKLEARN_CLASSIFIERS
                )
        return False

    # --- accuracy-like comparisons ------------------------------------------------

    def equality_checks(
        self,
    ) -> Iterator[tuple[cst.CSTNode, cst.BaseExpression, cst.BaseExpression]]:
        """``a == b`` / ``a != b`` / ``torch.eq(a, b)`` / ``a.eq(b)``."""
        for comp in self.comparisons:
            if len(comp.comparisons) == 1 and isinstance(
                comp.comparisons[0].operator, (cst.Equal, cst.NotEqual)
            ):
                yield comp, comp.left, comp.comparisons[0].comparator
        for name in apis.EQ_FUNCS:
            for site in self.model.calls_to(name):
                first = argument(site.node, 0, "input", "x")
                second = argument(site.node, 1, "other", "y")
                if first is not None and second is not None:
                    yield site.node, first, second
        for site in self.model.method_calls("eq"):
            func = site.node.func
            other = argument(site.node, 0, "other")
            if isinstance(func, cst.Attribute) and other is not None:
                yield site.node, func.value, other

    def reduced(self, node: cst.CSTNode) -> bool:
        """The elementwise result is summed/averaged/cast: an accuracy."""
        current = node
        parent = self.model.parent(current)
        while isinstance(parent, (cst.Arg,)) or (
            isinstance(parent, cst.Attribute) and parent.value is current
        ):
            if isinstance(parent, cst.Arg):
                call = self.model.parent(parent)
                if isinstance(call, cst.Call):
                    qualname = self.model.qualname(call.func)
                    return qualname in apis.REDUCE_FUNCS
                return False
            # receiver of a method
            call = self.model.parent(parent)
            if isinstance(call, cst.Call) and call.func is parent:
                if parent.attr.value in apis.REDUCE_METHODS:
                    return True
                current = call
                parent = self.model.parent(current)
                continue
            return False
        return False


def _strip(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``p.detach().cpu().numpy()`` → ``p``."""
    while (
        isinstance(expr, cst.Call)
        and not expr.args
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in apis.PASS_METHODS
    ):
        expr = expr.func.value
    return expr


def _call_name(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute):
            return func.attr.value
        if isinstance(func, cst.Name):
            return func.value
    return "here"


def _named_logits(expr: cst.BaseExpression) -> bool:
    name = expr.value if isinstance(expr, cst.Name) else None
    if isinstance(expr, cst.Attribute):
        name = expr.attr.value
    return name is not None and "logit" in name.lower()


def metric_facts(model: ModuleIndex) -> MetricFacts:
    """The metric facts of ``model``, built on first use and kept on the model."""
    return model.analysis(MetricFacts)


# Framework tables the LF5xx rules read as ``M.NAME`` (they live in apis).
ROUND_FUNCS = apis.ROUND_FUNCS
SKLEARN_ACCURACY = apis.SKLEARN_ACCURACY
SKLEARN_AUC = apis.SKLEARN_AUC
SKLEARN_PRF = apis.SKLEARN_PRF
THRESHOLD_FUNCS = apis.THRESHOLD_FUNCS
