"""What the loss-input rules share: the loss calls and values they look at, the
wording of their findings, and one finding per loss call naming the others of the same cause."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.apis import Kind
from lossflint.analysis.keras import keras_facts
from lossflint.analysis.kinds import LossCall
from lossflint.analysis.values import Tensor, Value
from lossflint.diagnostics import Finding, FixSpec, RelatedNode, RelatedSite
from lossflint.registry import Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

PROBABILITY_KINDS = (Kind.PROBS, Kind.SIGMOID_PROBS)


def loss_label(model: SemanticModel, loss: LossCall) -> str:
    """The loss as the user wrote it: ``CrossEntropyLoss`` or ``cross_entropy``."""
    if loss.ctor is not None:
        qualname = model.qualname(loss.ctor.func)
        if qualname:
            return qualname.rsplit(".", 1)[-1]
    if loss.foreign is not None and loss.foreign.name:
        return loss.foreign.name.rsplit(".", 1)[-1]
    return apis.short_loss(loss.functional)


def expr_label(model: SemanticModel, expr: cst.BaseExpression) -> str:
    text = " ".join(model.code(expr).split())
    return text if len(text) <= 40 else text[:37] + "..."


def evidence(model: SemanticModel, expr: cst.BaseExpression, value: Value) -> str:
    """ "'scores' comes from softmax at line 41 (Net.forward)", or "" when the
    producing call is the expression itself."""
    if isinstance(value, Tensor) and value.origin is expr:
        return ""
    described = model.kinds.describe(value)
    if not described:
        return ""
    return f"`{expr_label(model, expr)}` comes from {described}"


def related(
    model: SemanticModel, expr: cst.BaseExpression, value: Value
) -> tuple[RelatedNode | RelatedSite, ...]:
    if isinstance(value, Tensor) and value.origin is not None and value.origin is not expr:
        return (RelatedNode(f"{value.kind.value} produced here", value.origin),)
    if isinstance(value, Tensor) and value.site is not None:  # in another project module
        site = value.site
        what = f"{value.kind.value} produced here"
        return (RelatedSite(what, site.file, site.line, site.column),)
    return ()


#: the end of a related entry naming where a loss object was built: not a cause
BUILT_HERE = " built here"


def loss_related(loss: LossCall) -> tuple[RelatedSite, ...]:
    """Where a loss object built in another project module was made."""
    site = loss.built_at
    if site is None:
        return ()
    return (RelatedSite(f"{site.label}{BUILT_HERE}", site.file, site.line, site.column),)


def message(head: str, evidence: str, advice: str) -> str:
    return f"{head}: {evidence}; {advice}" if evidence else f"{head}; {advice}"


def loss_input(model: SemanticModel, loss: LossCall) -> tuple[cst.BaseExpression, Tensor] | None:
    if loss.input_expr is None:
        return None
    value = model.value(loss.input_expr)
    if not isinstance(value, Tensor):
        return None
    return loss.input_expr, value


def loss_target(model: SemanticModel, loss: LossCall) -> tuple[cst.BaseExpression, Tensor] | None:
    if loss.target_expr is None:
        return None
    value = model.value(loss.target_expr)
    if not isinstance(value, Tensor):
        return None
    return loss.target_expr, value


def losses(model: SemanticModel, *functionals: str) -> list[LossCall]:
    """The calls of these losses (functional or loss object), by functional name."""
    wanted = set(functionals)
    return [c for c in model.kinds.loss_calls.values() if c.functional in wanted]


def inputs_of_kind(
    model: SemanticModel, functionals: tuple[str, ...], kinds: tuple[Kind, ...]
) -> Iterator[tuple[LossCall, cst.BaseExpression, Tensor]]:
    """Calls of these losses whose input holds one of ``kinds`` there."""
    for loss in losses(model, *functionals):
        found = loss_input(model, loss)
        if found is not None and found[1].kind in kinds:
            yield loss, found[0], found[1]


def keras_activated_inputs(
    model: SemanticModel,
    functionals: Iterable[str],
    activations: tuple[str, ...],
    head_of: Callable[[LossCall, str], str],
) -> Iterator[Finding]:
    """TF's ``*_cross_entropy_with_logits(logits=model(x))`` on a Keras model
    whose last layer applies one of ``activations``; ``head_of(loss,
    activation)`` words what is wrong."""
    facts = keras_facts(model)
    if not facts.relevant:
        return
    for loss in losses(model, *functionals):
        if loss.input_expr is None or model.kinds.kind(loss.input_expr) is not Kind.UNKNOWN:
            continue
        found = facts.output_activation(loss.input_expr)
        if found is None or found[0] not in activations:
            continue
        activation, kmodel = found
        head = kmodel.head()
        assert head is not None
        layer = head.activation_layer
        written = (
            f"`{layer.name}()`"
            if layer.name.lower() == activation
            else f"`{layer.name}(..., activation={activation!r})`"
        )
        place: RelatedNode | RelatedSite = RelatedNode(f"the {activation}", layer.node)
        where = f"line {model.line_of(layer.node)}"
        if layer.far and layer.origin is not None:  # built by another module's factory
            origin = layer.origin
            where = f"{origin.file}:{origin.line}"
            place = RelatedSite(f"the {activation}", origin.file, origin.line, origin.column)
        yield Finding(
            node=loss.node,
            message=message(
                head_of(loss, activation),
                f"`{expr_label(model, loss.input_expr)}` comes from the model's last "
                f"layer {written} at {where}",
                "pass the logits instead (no activation on the last layer)",
            ),
            related=(place, *loss_related(loss)),
        )


class LossInputRule(Rule):
    """A loss-input rule: one finding per loss call.

    When the same wrong value (one softmax/sigmoid/Linear origin) reaches
    several loss calls, each call is reported (RULES: a loss-input finding
    points at the loss call) and its message names the others, so the fix at
    the origin is seen to settle them all.
    """

    def findings(self, model: SemanticModel) -> Iterator[Finding]:  # pragma: no cover
        raise NotImplementedError

    def report(
        self,
        model: SemanticModel,
        loss: LossCall,
        expr: cst.BaseExpression,
        value: Value,
        head: str,
        advice: str,
        fix: FixSpec | None = None,
    ) -> Finding:
        """The finding at the loss call, with the evidence of where ``value`` came from."""
        return Finding(
            node=loss.node,
            message=message(head, evidence(model, expr, value), advice),
            fix=fix,
            related=(*related(model, expr, value), *loss_related(loss)),
        )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        groups: dict[object, list[Finding]] = {}
        order: list[list[Finding]] = []
        for finding in self.findings(model):
            cause = finding.related[0] if finding.related else None
            if cause is None or cause.message.endswith(BUILT_HERE):
                # no value to name (the activation is inline): one finding per call
                order.append([finding])
                continue
            key: object = (
                id(cause.node)
                if isinstance(cause, RelatedNode)
                else (cause.file, cause.line, cause.column)
            )
            if key not in groups:
                groups[key] = []
                order.append(groups[key])
            groups[key].append(finding)
        for group in order:
            if len(group) == 1:
                yield group[0]
                continue
            for finding in group:
                rows = list(
                    dict.fromkeys(str(model.line_of(f.node)) for f in group if f is not finding)
                )
                where = f"line{'s' if len(rows) > 1 else ''} {', '.join(rows)}"
                yield Finding(
                    node=finding.node,
                    message=f"{finding.message} (output of the same layer also reaches the loss at {where})",
                    fix=finding.fix,
                    related=finding.related,
                )
