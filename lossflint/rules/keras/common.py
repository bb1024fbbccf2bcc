"""What the LF4xx rules share: which losses meet a known head, and how findings cite layers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.diagnostics import RelatedNode, RelatedSite

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel

NEEDS = ("keras", "tensorflow")


def short(model: SemanticModel, node: cst.CSTNode, limit: int = 48) -> str:
    text = " ".join(model.code(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def layer_evidence(model: SemanticModel, layer: K.KLayer) -> str:
    if layer.far and layer.origin is not None and layer.node is model.module:
        # a model another file hands in (``compile(loss=f)`` there): no call here built it
        return f"`{layer.origin.label}` at {layer.origin.file}:{layer.origin.line}"
    return f"`{short(model, layer.node)}` at line {model.line_of(layer.node)}"


def uses(model: SemanticModel) -> Iterator[tuple[K.LossUse, K.Head]]:
    """Every loss paired with a model whose output head is known."""
    facts = K.keras_facts(model)
    if not facts.relevant:
        return
    for use in facts.loss_uses():
        head = use.model.head() if use.model is not None else None
        if head is not None:
            yield use, head


def loss_text(model: SemanticModel, use: K.LossUse) -> str:
    if use.loss.elsewhere is not None:  # built in another module: name it there
        report = use.report.value if isinstance(use.report, cst.Arg) else use.report
        return f"`{short(model, report, 60)}` ({use.loss.elsewhere})"
    if isinstance(use.loss.node, cst.Name) and use.loss.name:
        # ``loss=loss`` of ``loss = 'categorical_crossentropy'``: say which loss (JamBot, s230)
        return f"`{use.loss.node.value}` ({use.loss.name})"
    return f"`{short(model, use.loss.node, 60)}`"


def output_related(
    head: K.Head, what: str = "the model's output", loss: K.KLoss | None = None
) -> tuple[RelatedNode | RelatedSite, ...]:
    far = loss.origin if loss is not None else None
    built = (RelatedSite("the loss is built here", far.file, far.line, far.column),) if far else ()
    layer = head.activation_layer
    if layer.far and layer.origin is not None and isinstance(layer.node, cst.Module):
        site = layer.origin
        return (RelatedSite(what, site.file, site.line, site.column), *built)
    return (RelatedNode(what, layer.node), *built)


def input_rank_layer(layer: K.KLayer) -> tuple[str, int] | None:
    """The layer's name (the wrapped one for ``Bidirectional``) and the input
    rank it takes, when it takes a fixed one."""
    name = layer.inner.name if layer.name == "Bidirectional" and layer.inner else layer.name
    required = apis.REQUIRED_RANK.get(name)
    return (name, required) if required is not None else None


def format_shape(shape: tuple[int | None, ...]) -> str:
    """``shape`` as Python writes the tuple (``(100,)``, ``(28, 28)``)."""
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
