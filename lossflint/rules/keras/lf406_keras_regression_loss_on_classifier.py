"""LF406 keras-regression-loss-on-classifier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.gradients import Reach, gradients
from lossflint.analysis.keras_gan_roles import least_squares_discriminator
from lossflint.analysis.names import dotted_text
from lossflint.analysis.same_arrays import copy_source
from lossflint.diagnostics import Finding, Severity
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    layer_evidence,
    loss_text,
    output_related,
    short,
)
from lossflint.rules.keras.heads_examples import LF406_INVALID, LF406_VALID
from lossflint.rules.keras.lf406_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.keras.lf406_basic_examples import BASIC_INVALID, BASIC_VALID
from lossflint.rules.keras.lf406_method_examples import METHOD_INVALID, METHOD_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class RegressionLossOnClassifier(Rule):
    code = "LF406"
    name = "keras-regression-loss-on-classifier"
    severity = Severity.WARNING
    summary = "regression loss (`mse`/`mae`) on a classifier, or accuracy with a regression loss"
    needs = NEEDS
    what = """
Flags `mse`/`mae` (and the other regression losses: `mape`, `msle`, `huber`,
`log_cosh`) on a model with a softmax output, or with a sigmoid output trained
on class labels of the file (dataset labels, `to_categorical`) or compiled, as
one unit, with an accuracy metric (binary accuracy thresholds it at 0.5 against
0/1 targets: a binary classifier); and a
regression loss compiled with an accuracy metric where the accuracy is
meaningless: on an output of several units, or on a one-unit output whose
targets are not binary (regression data such as `boston_housing` or
`fetch_california_housing` loaded in the file, or labels of more than two
classes).

On a one-unit output Keras resolves `"accuracy"` to binary accuracy
(`output > 0.5` compared with the 0/1 target): a linear or sigmoid unit fitted
with `mse` to binary targets, compiled with `metrics=["accuracy"]`, is a
regression used as a classifier and its accuracy is meaningful, so it is not
flagged; neither is a model whose output is not known.
"""
    why = """
A squared error on probabilities is a poor classification objective (weak
gradients when the model is confidently wrong), and accuracy of a regression
output compares floats to labels: a meaningless number that looks like a metric.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(10, activation="softmax")])
    model.compile(loss="mse", metrics=["accuracy"])                       # error: LF406
    model.fit(x_train, y_train)
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])  # OK
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    """
    references = (
        ("Keras: probabilistic losses", "https://keras.io/api/losses/probabilistic_losses/"),
        ("Keras: regression losses", "https://keras.io/api/losses/regression_losses/"),
    )
    fix_safety = (
        "There is no automatic fix: pick a cross-entropy loss, or drop the accuracy metric."
    )
    INVALID = [
        *LF406_INVALID,
        *AUDIT_INVALID,
        *METHOD_INVALID,
        *BASIC_INVALID,
    ]
    VALID = [
        *AUDIT_VALID,
        *METHOD_VALID,
        *LF406_VALID,
        *BASIC_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for use in facts.loss_uses():
            if use.loss.name not in apis.KERAS_REGRESSION_LOSSES:
                continue
            if use.compile is None and gradients(model).reach(use.report) is Reach.NO:
                # ``t_loss = mse(labels, model(x))`` of a ``test_step``: a reported
                # number, nothing is trained on it
                continue
            head = use.model.head() if use.model is not None else None
            labels = use.labels
            reason = None
            accuracy = use.compile is not None and bool(
                set(use.compile.metrics) & apis.ACCURACY_METRICS
            )
            if (
                head is not None
                and head.activation == "softmax"
                and head.units != 1
                and not _predicted(labels)
            ):
                reason = (
                    f"the model ends in softmax ({layer_evidence(model, head.activation_layer)})"
                )
            elif (
                head is not None
                and head.activation == "sigmoid"
                and isinstance(labels, K.Labels)
                and not labels.predicted
            ):
                reason = (
                    f"the model ends in sigmoid ({layer_evidence(model, head.activation_layer)}) "
                    "and is trained on class labels"
                )
            elif (
                head is not None
                and head.activation == "sigmoid"
                and head.units == 1
                and accuracy
                and _meaningless_accuracy(model, head, labels) is None
                and not least_squares_discriminator(model, use.report)
            ):
                # binary accuracy thresholds the sigmoid at 0.5 against 0/1
                # targets: the compile itself says the unit is a classifier
                reason = (
                    f"the model ends in one sigmoid unit "
                    f"({layer_evidence(model, head.activation_layer)}) scored with accuracy, "
                    "a binary classifier"
                )
            elif (
                head is not None
                and head.activation == "sigmoid"
                and head.units is None
                and head.channels is None
                and accuracy
                and not _predicted(labels)
                and not least_squares_discriminator(model, use.report)
                and _reconstruction(model, facts, use) is None
            ):
                # ``Dense(nb_classes, activation="sigmoid")``: one unit or
                # several, a classifier scored with accuracy (ijcnn19ensemble's
                # Time-CNN, audit s192)
                reason = (
                    f"the model ends in sigmoid ({layer_evidence(model, head.activation_layer)}) "
                    "scored with accuracy, a classifier"
                )
            elif accuracy:
                meaningless = _meaningless_accuracy(model, head, labels) or _reconstruction(
                    model, facts, use
                )
                if meaningless is not None:
                    yield Finding(
                        use.report,
                        f"{loss_text(model, use)} is a regression loss but the model is "
                        f"compiled with an accuracy metric: {meaningless}",
                    )
                continue
            if reason is not None:
                yield Finding(
                    use.report,
                    f"{loss_text(model, use)} is a regression loss on a classifier: {reason}; "
                    "use a cross-entropy loss",
                    related=output_related(head) if head is not None else (),
                )


def _predicted(labels: object) -> bool:
    """The targets are a model's predictions (a teacher's softmax, the model's
    own under ``stop_gradient``): a consistency loss between two
    distributions (Mean Teacher, ICT), not a classifier trained on labels."""
    return isinstance(labels, (K.KTensor, K.Mixed)) or (
        isinstance(labels, K.Labels) and labels.predicted
    )


def _meaningless_accuracy(model: SemanticModel, head: K.Head | None, labels: object) -> str | None:
    """Why an accuracy metric on this regression output means nothing, or None
    when it may be meaningful (a one-unit output on binary targets) or the
    output is not known."""
    if head is not None and head.units is None and head.channels is not None and head.channels > 1:
        # ``Conv2D(3, ...)`` last: "accuracy" becomes categorical accuracy, an
        # argmax over the channels of each pixel of a reconstructed image
        return (
            f"on an output of {head.channels} channels "
            f"({layer_evidence(model, head.activation_layer)}) Keras compares the argmax over "
            "the channels of each pixel with that of the targets, a meaningless number"
        )
    if (
        head is not None
        and (head.units == 1 or (head.units is None and head.channels == 1))
        and head.activation not in _ONE_UNIT_CLASSIFIER_ACTIVATIONS
    ):
        # RULES.md's exemption is a sigmoid or linear unit on binary targets;
        # a relu/tanh unit is a regression (DispNet_Keras, s225; an anomaly
        # autoencoder's tanh map, s236)
        return (
            f"on a one-unit {head.activation} output "
            f"({layer_evidence(model, head.activation_layer)}) Keras computes binary accuracy "
            "(`output > 0.5` against the target), a meaningless number for a regression"
        )
    if head is None or head.units is None:
        return None
    if head.units != 1:
        return (
            f"on an output of {head.units} units ({layer_evidence(model, head.activation_layer)}) "
            "Keras compares the argmax of a regression output with the targets, a meaningless "
            "number"
        )
    binary = (
        "on a one-unit output Keras computes binary accuracy (`output > 0.5` against the target)"
    )
    if isinstance(labels, K.Labels):
        origin = labels.origin
        loader = model.qualname(origin.func) if isinstance(origin, cst.Call) else None
        if labels.predicted or labels.encoding != "int" or loader not in apis.CLASS_DATA_LOADERS:
            return None
        if loader in apis.BINARY_CLASS_LOADERS:
            return None
        return (
            f"{binary}, meaningless on labels of more than two classes "
            f"(`{short(model, origin)}` at line {model.line_of(origin)})"
        )
    if labels is not None or any(
        not _runs_later(model, site.node, head)
        for site in model.calls_to(*sorted(apis.CLASS_DATA_LOADERS))
    ):
        return None
    for site in model.calls_to(*sorted(apis.REGRESSION_DATA_LOADERS)):
        return (
            f"{binary}, meaningless on the continuous targets of regression data "
            f"(`{short(model, site.node)}` at line {model.line_of(site.node)})"
        )
    return None


def _reconstruction(model: SemanticModel, facts: K.KerasFacts, use: K.LossUse) -> str | None:
    """The model is fitted to reproduce its input (``fit(X, X)``: an
    autoencoder), whatever its output width: accuracy of a reconstruction
    means nothing."""
    if use.model is None:
        return None
    for fit in facts.fits:
        if fit.model is None or fit.model.node is not use.model.node:
            continue
        inputs = [a for a in fit.call.args if a.keyword is None][:2]
        if len(inputs) == 2 and dotted_text(inputs[0].value) is not None:
            if dotted_text(inputs[0].value) == dotted_text(copy_source(model, inputs[1].value)):
                x = dotted_text(inputs[0].value)
                return (
                    f"the model is fitted to reproduce its input (`fit({x}, {x}, ...)` "
                    f"at line {model.line_of(fit.call)}, an autoencoder): accuracy of a "
                    "reconstruction is a meaningless number"
                )
    return None


def _runs_later(model: SemanticModel, loader: cst.Call, head: K.Head) -> bool:
    """A module-level data loader written after the module-level model of
    ``head`` (a notebook's later section reusing ``y_train`` for another
    data set): it cannot be what that model was fitted on."""
    node = head.activation_layer.node
    if model.enclosing(loader, cst.FunctionDef, cst.Lambda, cst.ClassDef) is not None:
        return False
    if model.enclosing(node, cst.FunctionDef, cst.Lambda, cst.ClassDef) is not None:
        return False
    return model.line_of(loader) > model.line_of(node)


#: one-unit heads whose accuracy can mean something (0/1 targets scored by
#: thresholding at 0.5)
_ONE_UNIT_CLASSIFIER_ACTIVATIONS = frozenset({"sigmoid", "linear", None})
