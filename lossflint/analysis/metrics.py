"""Metric facts: comparisons, sklearn metric functions, scores vs hard labels.

The LF5xx rules ask here whether an expression holds *scores* (probabilities or
logits: the value-kind dataflow for PyTorch, the Keras facts for
``model.predict``) or *hard labels* (argmax, rounding, a threshold, a
classifier's ``predict``), where the comparisons of a file are, and where its
sklearn metric functions are called (also through a local alias,
``auc = roc_auc_score``).

Hard labels are followed through what evaluation code does with predictions:
a same-file helper that returns them (``def predict(...): return
out.argmax(1)``, also one item of a returned tuple), a list they are appended
to and then concatenated (``preds.append(...)``; ``torch.cat(preds)``), a
comprehension (``[1 if p > 0.5 else 0 for p in s]``) and the indices of
``torch.max(x, dim)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis import numerics as num
from lossflint.analysis.apis import Kind
from lossflint.analysis.attribute_constants import only_self_write
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.gradients import gradients
from lossflint.analysis.interpreter.syntax import param_defaults, param_names
from lossflint.analysis.kinds import kinds_of
from lossflint.analysis.loops import loops
from lossflint.analysis.names import dotted_text, self_attribute
from lossflint.analysis.reaching import binding_loop, reaching_assignment
from lossflint.analysis.values import EvalPrediction, Tensor

if TYPE_CHECKING:
    from lossflint.analysis.index import ModuleIndex
    from lossflint.analysis.names import Scope

#: how many assignments, calls and returns a value is followed through
_MAX_DEPTH = 10
_ORDER = (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual)


class MetricFacts:
    def __init__(self, model: ModuleIndex) -> None:
        self.model = model
        # the parent map holds every node in visit order: no second tree walk
        self.comparisons = cast("list[cst.Comparison]", model.nodes_of_type(cst.Comparison))
        self.keras = K.keras_facts(model)

    # --- metric calls ----------------------------------------------------------

    def metric_calls(self, names: frozenset[str]) -> Iterator[tuple[cst.Call, str]]:
        """(call, qualified name) of the calls of ``names``: direct, and through
        a name bound once to one of them (``auc = roc_auc_score``), in source order."""
        direct = [(site.node, site.qualname or "") for site in self.model.calls_to(*sorted(names))]
        aliased = [(call, name) for call, name in self._aliased_calls if name in names]
        if not aliased:
            yield from direct
            return
        order = {site.node: i for i, site in enumerate(self.model.calls)}
        yield from sorted(direct + aliased, key=lambda found: order[found[0]])

    def metric_object_calls(self, classes: frozenset[str]) -> Iterator[cst.Call]:
        """Calls of a metric object built from ``classes`` that take
        ``(y_true, y_pred)``: ``acc = keras.metrics.Accuracy()`` then
        ``acc(labels, predictions)`` or ``acc.update_state(labels, predictions)``."""
        for site in self.model.calls:
            call = site.node
            func = call.func
            receiver: cst.BaseExpression | None = None
            if isinstance(func, cst.Name) and site.qualname is None:
                receiver = func
            elif (
                isinstance(func, cst.Attribute)
                and func.attr.value == "update_state"
                and isinstance(func.value, (cst.Name, cst.Attribute))
            ):
                receiver = func.value
            elif isinstance(func, cst.Call) and self.model.qualname(func.func) in classes:
                yield call  # ``keras.metrics.Accuracy()(y, p)``
                continue
            if receiver is None:
                continue
            built: cst.BaseExpression | None = None
            if isinstance(receiver, cst.Name):
                built = self._single_assignment(receiver)
            elif (ident := self_attribute(receiver)) is not None:
                # ``self.acc = keras.metrics.Accuracy()``, the file's only write of it
                write = only_self_write(self.model, ident)
                built = write[1] if write is not None else None
            if isinstance(built, cst.Call) and self.model.qualname(built.func) in classes:
                yield call

    @cached_property
    def _aliased_calls(self) -> list[tuple[cst.Call, str]]:
        found = []
        for site in self.model.calls:
            func = site.node.func
            if site.qualname is not None or not isinstance(func, cst.Name):
                continue
            assigned = self._single_assignment(func)
            if isinstance(assigned, (cst.Name, cst.Attribute)):
                qualname = self.model.qualname(assigned)
                if qualname in _SKLEARN_METRICS:
                    found.append((site.node, qualname))
        return found

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
            if value.kind is Kind.LOG_PROBS:
                # ``log_softmax`` output (or its max over classes): floats <= 0,
                # never equal to a class label either
                return "log-probabilities", value
        kvalue = self.keras.value(expr)
        if isinstance(kvalue, K.TfLogits):
            return "logits", kvalue
        if isinstance(kvalue, K.TfProbs):
            return "probabilities", kvalue
        if isinstance(kvalue, K.KTensor) and kvalue.model is not None:
            head = kvalue.model.head()
            if head is not None:
                if head.activation in apis.PROBABILITY_ACTIVATIONS:
                    return "probabilities", kvalue
                if head.activation == "linear":
                    return "logits", kvalue
        if depth >= _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Call) and self.model.qualname(expr.func) in apis.COLLECT_FUNCS:
            first = argument(expr, 0, "tensors", "object", "a", "data", "values", "arrays")
            return self.score_kind(first, depth + 1) if first is not None else None
        if isinstance(expr, cst.Name):
            # ``p = torch.sigmoid(z).detach().numpy()``: the dataflow stops at
            # numpy(); a name assigned once holds what was assigned
            assigned = self._assigned(expr)
            if assigned is None and self._assigned_more_than_once(expr):
                # ``logits = model(x)`` in the loop, ``logits =
                # torch.cat(all_logits)`` after it: the binding every path to
                # here passes last
                assigned = reaching_assignment(self.model, expr)
            if _is_empty_list(assigned):
                found = [self.score_kind(item, depth + 1) for item in self._appended(expr)]
                kinds = {f[0] for f in found if f is not None}
                if found and None not in found and len(kinds) == 1:
                    return found[0]
            elif assigned is not None and (
                _strip(assigned) is not assigned
                or (
                    isinstance(assigned, cst.Call)
                    and self.model.qualname(assigned.func) in apis.COLLECT_FUNCS
                )
            ):
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
            if loss is not None and loss.name in apis.BINARY_LOSSES and loss.from_logits is True:
                return value
            return None
        if self._sigmoid_loss_on_logits or _named_logits(_strip(expr)):
            return value
        return None

    @cached_property
    def _sigmoid_loss_on_logits(self) -> bool:
        """The file trains a binary classifier on logits: with a sigmoid loss,
        or with ``BCELoss`` given the logits by mistake (LF105; its author
        takes them for probabilities) -- not a regression loss on 0/1 targets,
        where 0.5 is the right threshold."""
        kinds = kinds_of(self.model)
        return any(
            call.functional == apis.BCE_LOGITS
            or call.functional in apis.TF_SIGMOID_CE
            or (
                call.functional == apis.BCE
                and call.input_expr is not None
                and kinds.kind(call.input_expr) is Kind.LOGITS
            )
            for call in kinds.loss_calls.values()
        )

    # --- hard labels -----------------------------------------------------------

    def hard_labels(self, expr: cst.BaseExpression, depth: int = 0) -> cst.CSTNode | None:
        """The node that makes ``expr`` hard labels (argmax, round, threshold,
        ``predict`` of a classifier), or None."""
        if depth > _MAX_DEPTH:
            return None
        expr = _strip(expr)
        value = kinds_of(self.model).value_of(expr)
        if isinstance(value, Tensor) and value.kind is Kind.CLASS_INDICES and value.origin:
            return value.origin
        kvalue = self.keras.value(expr)
        if isinstance(kvalue, K.Labels) and kvalue.predicted:
            return kvalue.origin
        if _is_threshold(expr):
            return expr
        if isinstance(expr, cst.IfExp):
            # ``1 if p > 0.5 else 0``, ``1 if is_anomaly else 0`` of ``for
            # is_anomaly in dist >= t``
            if (_is_threshold(expr.test) or self._thresholds_drawn(expr.test)) and {
                literal_value(expr.body),
                literal_value(expr.orelse),
            } <= {0, 1}:
                return expr
            return None
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
            return self.hard_labels(expr.elt, depth + 1)
        if isinstance(expr, cst.Subscript):
            return self._max_indices(expr)
        if isinstance(expr, cst.Attribute) and expr.attr.value == "indices":
            # ``x.max(dim=1).indices``: only torch's max has them
            return expr if _is_max_call(self.model, expr.value, method=True) else None
        if isinstance(expr, cst.Call):
            return self._hard_call(expr, depth)
        if isinstance(expr, cst.Name):
            return self._hard_name(expr, depth)
        return None

    def _hard_call(self, expr: cst.Call, depth: int) -> cst.CSTNode | None:
        qualname = self.model.qualname(expr.func)
        if qualname in apis.ROUND_FUNCS and len(expr.args) == 1:
            return expr  # ``np.round(p, 3)`` keeps scores
        if (
            qualname in apis.ARGMAX
            or qualname in apis.THRESHOLD_FUNCS
            or qualname in apis.MEMBERSHIP_FUNCS
        ):
            return expr
        if qualname in apis.WHERE and len(expr.args) == 3:
            # ``torch.where(p > t, torch.ones_like(p), torch.zeros_like(p))`` too
            # (Meta-MGNN, audit s232)
            if all(num.zero_or_one(self.model, a.value) for a in expr.args[1:]):
                return expr
        if (qualname in apis.COLLECT_FUNCS or qualname in apis.BUILTIN_LABEL_CASTS) and expr.args:
            return self.hard_labels(expr.args[0].value, depth + 1)
        func = expr.func
        if qualname is None and isinstance(func, cst.Attribute):
            name = func.attr.value
            if name in apis.HARD_METHODS and (name != "round" or not expr.args):
                return expr
            if name in apis.LABEL_CAST_METHODS or name in apis.KEEP_METHODS:
                return self.hard_labels(func.value, depth + 1)
            if name in ("predict", "predict_classes") and self._is_classifier(func.value):
                return expr
            return None
        returned = self._returns(expr)
        if returned:
            return self._all_hard(returned, depth)
        return None

    def _thresholds_drawn(self, test: cst.BaseExpression) -> bool:
        """``is_anomaly`` bound by ``for is_anomaly in dist >= 14:``."""
        loop = binding_loop(self.model, test) if isinstance(test, cst.Name) else None
        return loop is not None and _is_threshold(loop.iter)

    def _hard_name(self, name: cst.Name, depth: int) -> cst.CSTNode | None:
        passed = self._passed_by_every_caller(name)
        if passed:
            # ``def report(y_true, y_pred): average_precision_score(y_true,
            # y_pred)`` called with hard labels (keras-anomaly-detection)
            return self._all_hard(passed, depth)
        assigned = self._assigned(name)
        if _is_empty_list(assigned):
            # ``preds = []`` then ``preds.append(out.argmax(1))``
            return self._all_hard(self._appended(name), depth)
        concatenated = self._concatenated(name)
        if concatenated:
            # ``y_score = []`` then ``y_score = y_score + pred.tolist()``
            return self._all_hard(concatenated, depth)
        if assigned is not None and self._zeros(assigned):
            # ``y_pred = np.zeros(p.shape)`` then ``y_pred[np.where(p >= t)] = 1``
            marked = self._thresholded_stores(name)
            if marked is not None:
                return marked
        if assigned is not None:
            return self.hard_labels(assigned, depth + 1)
        if len(self.model.bindings(name) or []) > 1:
            # ``y_scores = np.where(y_scores > 0.5, 1, 0)``: the name (or a
            # parameter) rebound to its own thresholding; what every path to
            # here passes last is hard
            last = reaching_assignment(self.model, name)
            if _is_empty_list(last):
                # ``y_scores = []`` (appended in the loop), then ``y_scores =
                # torch.cat(y_scores)`` (Meta-MGNN, audit s232)
                return self._all_hard(self._appended(name), depth)
            if last is not None:
                return self.hard_labels(last, depth + 1)
        unpacked = self._unpacked(name)
        if unpacked is None:
            return None
        value, index, width = unpacked
        if index == 1 and width == 2 and _is_max_call(self.model, value, method=True):
            return value  # ``_, predicted = torch.max(out, 1)``
        if isinstance(value, cst.Call):
            items = [
                r.elements[index].value
                for r in self._returns(value)
                if isinstance(r, cst.Tuple) and len(r.elements) == width
            ]
            if items and len(items) == len(self._returns(value)):
                return self._all_hard(items, depth)
        return None

    def _passed_by_every_caller(self, name: cst.Name) -> list[cst.BaseExpression] | None:
        """What every same-file caller passes for the parameter ``name``."""
        bindings = self.model.bindings(name) or []
        if len(bindings) != 1 or bindings[0].kind != "param":
            return None
        return gradients(self.model).passed_to(name)

    def _zeros(self, expr: cst.BaseExpression) -> bool:
        """``np.zeros(shape)`` / ``np.zeros_like(p)``."""
        if not isinstance(expr, cst.Call):
            return False
        qualname = self.model.qualname(expr.func) or ""
        return qualname in apis.FILLED_TENSORS and qualname.rsplit(".", 1)[-1].startswith("zeros")

    def _thresholded_stores(self, name: cst.Name) -> cst.CSTNode | None:
        """Every item store into ``name`` in its scope writes 0 or 1 at the
        rows a threshold picks (``y[np.where(p >= t)] = 1``, ``y[p > 0.5] =
        1``): the first such store, else None."""
        scope = self.model.scope_of(name).node
        found: list[cst.CSTNode] = []
        for node in self.model.nodes_of_type(cst.Assign, cst.AugAssign):
            if self.model.scope_of(node).node is not scope:
                continue
            if isinstance(node, cst.AugAssign):
                item = node.target
                if isinstance(item, cst.Subscript) and dotted_text(item.value) == name.value:
                    return None  # ``y[m] += p[m]``: scores added in place
                continue
            assert isinstance(node, cst.Assign)
            for target in node.targets:
                inner = target.target
                if not (
                    isinstance(inner, cst.Subscript)
                    and isinstance(inner.value, cst.Name)
                    and inner.value.value == name.value
                ):
                    continue
                index = inner.slice[0].slice if len(inner.slice) == 1 else None
                picked = index.value if isinstance(index, cst.Index) else None
                if isinstance(picked, cst.Call) and self.model.qualname(picked.func) in apis.WHERE:
                    picked = picked.args[0].value if len(picked.args) == 1 else None
                if picked is None or not _is_threshold(picked):
                    return None
                if literal_value(node.value) not in (0, 1):
                    return None
                found.append(node)
        return found[0] if found else None

    def _all_hard(self, exprs: list[cst.BaseExpression], depth: int) -> cst.CSTNode | None:
        """The first hard node when every one of ``exprs`` is hard labels."""
        if not exprs:
            return None
        found = [self.hard_labels(e, depth + 1) for e in exprs]
        return found[0] if all(f is not None for f in found) else None

    def _max_indices(self, expr: cst.Subscript) -> cst.CSTNode | None:
        """``torch.max(out, 1)[1]``: the indices item of max over a dimension."""
        if len(expr.slice) != 1:
            return None
        index = expr.slice[0].slice
        if not isinstance(index, cst.Index) or literal_value(index.value) != 1:
            return None
        return expr.value if _is_max_call(self.model, expr.value, method=False) else None

    # --- following values through a file ---------------------------------------

    def _single_assignment(self, name: cst.Name) -> cst.BaseExpression | None:
        bindings = self.model.bindings(name)
        if bindings and len(bindings) == 1 and bindings[0].kind == "assign":
            node = bindings[0].node
            if isinstance(node, cst.BaseExpression):
                return node
        return None

    def _assigned(self, name: cst.Name) -> cst.BaseExpression | None:
        """What ``name`` is bound to: ``name = value``, or its item of
        ``preds, labels = [], []``."""
        assigned = self._single_assignment(name)
        if assigned is not None:
            return assigned
        unpacked = self._unpacked(name)
        if unpacked is not None:
            value, index, width = unpacked
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == width:
                element = value.elements[index]
                if isinstance(element, cst.Element):
                    return element.value
        return None

    def is_half(self, expr: cst.BaseExpression) -> bool:
        """``0.5``, or a parameter defaulting to 0.5 that a call in this file
        leaves at its default (``def get_accuracy(SR, GT, threshold=0.5):
        SR = SR > threshold``, called as ``get_accuracy(logits, GT)``)."""
        if literal_value(expr) == 0.5:
            return True
        if not isinstance(expr, cst.Name):
            return False
        bindings = self.model.bindings(expr) or []
        func = self.model.enclosing(expr, cst.FunctionDef)
        if (
            len(bindings) != 1
            or bindings[0].kind != "param"
            or not isinstance(func, cst.FunctionDef)
        ):
            return False
        names = param_names(func.params)
        default = param_defaults(func.params).get(expr.value)
        if default is None or literal_value(default) != 0.5:
            return False
        position = names.index(expr.value)
        index = loops(self.model)
        for site in self.model.calls:
            call = site.node
            if index.resolve_function(call) is not func or any(a.star for a in call.args):
                continue
            passed = argument(call, position, expr.value)
            if passed is None:
                return True
        return False

    def _assigned_more_than_once(self, name: cst.Name) -> bool:
        # ``logits, labels = torch.cat(logits), ...`` binds as "other"
        bindings = self.model.bindings(name) or []
        return sum(1 for b in bindings if b.kind in ("assign", "other")) > 1

    def _concatenated(self, name: cst.Name) -> list[cst.BaseExpression]:
        """What a list grows by when every binding of ``name`` is ``name = []``
        (once, also as ``a, name = [], []``) or ``name = name + items`` /
        ``name += items`` (kaggle-pcam's ``y_score = y_score + pred.tolist()``,
        audit s157); else nothing."""
        bindings = self.model.bindings(name) or []
        grown: list[cst.BaseExpression] = []
        empty = 0
        for binding in bindings:
            node = binding.node
            parent = self.model.parent(node) if node is not None else None
            if isinstance(parent, cst.AugAssign) and parent.value is node:
                if not isinstance(parent.operator, cst.AddAssign):
                    return []
                grown.append(parent.value)
            elif binding.kind == "assign" and isinstance(node, cst.List) and not node.elements:
                empty += 1
            elif (
                binding.kind == "assign"
                and isinstance(node, cst.BinaryOperation)
                and isinstance(node.operator, cst.Add)
                and isinstance(node.left, cst.Name)
                and node.left.value == name.value
            ):
                grown.append(node.right)
            elif binding.kind == "other" and node is None:
                empty += 1  # checked below: an item of ``a, b = [], []``
            else:
                return []
        others = sum(1 for b in bindings if b.kind == "other" and b.node is None)
        if others and others != self._unpacked_empty_lists(name):
            return []
        return grown if empty == 1 else []

    def _unpacked_empty_lists(self, name: cst.Name) -> int:
        """How many ``a, name = [], []`` bind ``name`` in its scope."""
        return sum(
            1
            for value, index, width in self._unpacking_sites(name)
            if isinstance(value, (cst.Tuple, cst.List))
            and len(value.elements) == width
            and _is_empty_list(value.elements[index].value)
        )

    def _appended(self, name: cst.Name) -> list[cst.BaseExpression]:
        """What is appended to (or extends) the list ``name`` is bound to."""
        bindings = self.model.bindings(name)
        return [
            item
            for site, item in self._list_growth.get(name.value, ())
            if self.model.bindings(site) is bindings
        ]

    @cached_property
    def _list_growth(self) -> dict[str, list[tuple[cst.Name, cst.BaseExpression]]]:
        """``xs.append(item)`` / ``xs.extend(items)``: (``xs``, item) by name."""
        found: dict[str, list[tuple[cst.Name, cst.BaseExpression]]] = {}
        for site in self.model.method_calls("append", "extend"):
            func = site.node.func
            if (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and len(site.node.args) == 1
                and not site.node.args[0].star
            ):
                found.setdefault(func.value.value, []).append((func.value, site.node.args[0].value))
        return found

    def _unpacked(self, name: cst.Name) -> tuple[cst.BaseExpression, int, int] | None:
        """(value, index, width) when ``name``'s only binding is item ``index``
        of ``a, b = value``."""
        bindings = self.model.bindings(name)
        if not bindings or len(bindings) != 1 or bindings[0].kind != "other":
            return None
        found = self._unpacking_sites(name)
        return found[0] if len(found) == 1 else None

    def _unpacking_sites(self, name: cst.Name) -> list[tuple[cst.BaseExpression, int, int]]:
        """(value, index, width) for each ``a, name = value`` of ``name``'s scope."""
        bindings = self.model.bindings(name)
        scope: Scope | None = self.model.scope_of(name)
        while scope is not None and scope.bindings.get(name.value) is not bindings:
            scope = scope.parent
        if scope is None:
            return []
        found = []
        for assign in self.model.assignments.get(scope.node, ()):
            for target in assign.targets:
                if not isinstance(target.target, (cst.Tuple, cst.List)):
                    continue
                elements = target.target.elements
                for index, element in enumerate(elements):
                    if isinstance(element.value, cst.Name) and element.value.value == name.value:
                        found.append((assign.value, index, len(elements)))
        return found

    def _returns(self, call: cst.Call) -> list[cst.BaseExpression]:
        """What a same-file function called here returns, when every ``return``
        gives a value (empty: not such a function)."""
        definition = self.model.defined_function(call.func)
        if definition is None:
            return []
        return self._function_returns(definition)

    def _function_returns(self, func: cst.FunctionDef) -> list[cst.BaseExpression]:
        if func in self._returns_cache:
            return self._returns_cache[func]
        values: list[cst.BaseExpression] = []
        complete = func not in self.model.generators
        todo: list[cst.CSTNode] = [func.body]
        while todo and complete:
            node = todo.pop()
            if isinstance(node, cst.Return):
                if node.value is None:
                    complete = False
                else:
                    values.append(node.value)
                continue
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(node, (cst.BaseExpression, cst.Expr, cst.Assign)):
                continue  # no return statement inside an expression
            todo.extend(node.children)
        self._returns_cache[func] = values if complete else []
        return self._returns_cache[func]

    @cached_property
    def _returns_cache(self) -> dict[cst.FunctionDef, list[cst.BaseExpression]]:
        return {}

    def _is_classifier(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            assigned = self._single_assignment(expr)
            if isinstance(assigned, cst.Call):
                return self._builds_classifier(assigned, 2)
        return False

    def _builds_classifier(self, call: cst.Call, depth: int) -> bool:
        """``LogisticRegression()``, or a pipeline whose last step is one
        (``Pipeline([..., ("clf", LogisticRegression())])``, ``make_pipeline(...,
        SVC())``): its ``predict`` gives hard labels."""
        qualname = self.model.qualname(call.func)
        if qualname is None:
            return False
        if qualname in apis.THIRD_PARTY_CLASSIFIERS:
            return True
        last = qualname.rsplit(".", 1)[-1]
        if qualname.startswith(apis.SKLEARN_LIKE_PREFIXES) and (
            last.endswith("Classifier") or last in apis.SKLEARN_CLASSIFIERS
        ):
            return True
        if depth <= 0 or qualname not in apis.SKLEARN_PIPELINES:
            return False
        steps = argument(call, 0, "steps") if last == "Pipeline" else None
        final: cst.BaseExpression | None = None
        if isinstance(steps, (cst.List, cst.Tuple)) and steps.elements:
            pair = steps.elements[-1].value
            if isinstance(pair, cst.Tuple) and len(pair.elements) == 2:
                final = pair.elements[1].value
        elif last != "Pipeline" and call.args and not call.args[-1].star:
            final = call.args[-1].value  # make_pipeline(scaler, SVC())
        return isinstance(final, cst.Call) and self._builds_classifier(final, depth - 1)

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

    def _fields_of_one_prediction(self, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
        """``p.predictions`` and ``p.label_ids`` of one ``EvalPrediction``:
        the model's scores and the labels, not one computed from the other."""
        a, b = _strip(a), _strip(b)
        if not (isinstance(a, cst.Attribute) and isinstance(b, cst.Attribute)):
            return False
        if a.attr.value == b.attr.value:
            return False
        kinds = kinds_of(self.model)
        return isinstance(kinds.value_of(a.value), EvalPrediction) and isinstance(
            kinds.value_of(b.value), EvalPrediction
        )

    def derived_from(self, other: cst.BaseExpression, pred: cst.BaseExpression) -> bool:
        """``other`` is computed from ``pred`` (``hmax = max_pool2d(heat)``;
        ``hmax == heat``): a comparison of scores with themselves (peak
        finding, NMS), not with labels."""
        root = _root_name(pred)
        if root is None or self._fields_of_one_prediction(other, pred):
            return False
        if _mentions(other, root):
            return True
        other_root = _root_name(other)
        if other_root is None or other_root == root:
            return False
        scope = self.model.scope_of(other)
        for binding in scope.bindings.get(other_root, []):
            if binding.node is None:
                continue
            statement = self.model.statement_of(binding.node)
            if isinstance(statement, cst.SimpleStatementLine) and any(
                isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign))
                and small.value is not None
                and _mentions(small.value, root)
                for small in statement.body
            ):
                return True
        return False

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


def _is_empty_list(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.List) and not expr.elements


def _is_threshold(expr: cst.BaseExpression) -> bool:
    """``p > 0.5``, ``a < p <= b``: order comparisons give booleans."""
    return isinstance(expr, cst.Comparison) and all(
        isinstance(c.operator, _ORDER) for c in expr.comparisons
    )


def _is_max_call(model: ModuleIndex, expr: cst.BaseExpression, method: bool) -> bool:
    """``torch.max(x, dim)`` (or, with ``method``, ``x.max(dim)``): a max over a
    dimension, which returns (values, indices)."""
    if not isinstance(expr, cst.Call):
        return False
    qualname = model.qualname(expr.func)
    if qualname in apis.MAX_WITH_INDICES:
        return argument(expr, 1, "dim") is not None
    func = expr.func
    return (
        method
        and qualname is None
        and isinstance(func, cst.Attribute)
        and func.attr.value in ("max", "min")
        and argument(expr, 0, "dim") is not None
    )


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
    """A name, attribute or string key that says it holds logits (``logits``,
    ``out.logits``, ``out["aspect_logits"]``)."""
    name = expr.value if isinstance(expr, cst.Name) else None
    if isinstance(expr, cst.Attribute):
        name = expr.attr.value
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            key = index.value.evaluated_value
            name = key if isinstance(key, str) else None
    return name is not None and "logit" in name.lower()


def constant(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """A number written as a call or a constant (``float("-inf")``,
    ``math.inf``, ``-np.inf``): comparing scores with it counts masked or
    saturated entries, not correct predictions."""
    if isinstance(expr, cst.UnaryOperation):
        expr = expr.expression
    if isinstance(expr, cst.Call) and model.qualname(expr.func) == "builtins.float":
        return len(expr.args) == 1 and literal_value(expr.args[0].value) is not NotImplemented
    qualname = model.qualname(expr) if isinstance(expr, cst.Attribute) else None
    return qualname is not None and qualname.rsplit(".", 1)[-1] in ("inf", "nan", "pi", "e")


def metric_facts(model: ModuleIndex) -> MetricFacts:
    """The metric facts of ``model``, built on first use and kept on the model."""
    return model.analysis(MetricFacts)


_SKLEARN_METRICS = apis.SKLEARN_ACCURACY | apis.SKLEARN_AUC | apis.SKLEARN_PRF


def _root_name(expr: cst.BaseExpression) -> str | None:
    while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call)):
        expr = expr.func if isinstance(expr, cst.Call) else expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _mentions(expr: cst.CSTNode, name: str) -> bool:
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and node.value == name:
            return True
        stack.extend(node.children)
    return False


def class_column(model: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """``y[:, i]`` or ``y.take([i], axis=1).ravel()`` with ``i`` the target of a
    ``for`` around it: one class's column of a one-hot matrix, scored class by
    class (DDIMDL's one-vs-rest scores over 65 event classes, audit s232)."""
    for _ in range(3):
        if (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value in _FLATTENING
        ):
            expr = expr.func.value
    index: cst.BaseExpression | None = None
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 2:
        first, second = (element.slice for element in expr.slice)
        if (
            isinstance(first, cst.Slice)
            and first.lower is None
            and first.upper is None
            and isinstance(second, cst.Index)
        ):
            index = second.value
    elif (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "take"
        and literal_value(argument(expr, 1, "axis")) == 1
    ):
        taken = argument(expr, 0, "indices")
        if isinstance(taken, cst.List) and len(taken.elements) == 1:
            taken = taken.elements[0].value
        index = taken
    return isinstance(index, cst.Name) and binding_loop(model, index) is not None


#: methods that flatten a column to a vector and keep its values
_FLATTENING = frozenset({"ravel", "flatten", "squeeze", "reshape", "numpy", "cpu"})
