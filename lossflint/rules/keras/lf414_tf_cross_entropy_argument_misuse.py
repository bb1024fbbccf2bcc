"""LF414 tf-cross-entropy-argument-misuse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.calls import argument, keyword
from lossflint.analysis.names import dotted_text, name_words
from lossflint.analysis.tf_cross_entropy import (
    class_index_origin,
    drawn_class_indices,
    holds_logits,
    integer_labels,
    labels_description,
    version_fallback,
)
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras import fixes
from lossflint.rules.keras.lf414_tf1_marker_examples import TF1_MARKER_INVALID, TF1_MARKER_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class TfCrossEntropyArgumentMisuse(Rule):
    code = "LF414"
    name = "tf-cross-entropy-argument-misuse"
    severity = Severity.ERROR
    summary = "TF `*_cross_entropy_with_logits`: positional, swapped, or index labels to the dense version"
    fix_kind = "unsafe"
    needs = ("tensorflow", "tf.")
    what = """
Flags calls of `tf.nn.softmax_cross_entropy_with_logits` (and `_v2`),
`tf.nn.sparse_softmax_cross_entropy_with_logits` and
`tf.nn.sigmoid_cross_entropy_with_logits` that pass the arguments positionally
in TF1 graph code (the file uses `tf.placeholder`, `tf.Session`, ...), pass only
one of the two (`softmax_cross_entropy_with_logits(scores)`), swap them
(`logits=` gets one-hot or index labels, `labels=` gets the model's output), or
give class-index labels (an integer `tf.placeholder` of shape `[None]`, argmax
of one-hot labels, a rank-1 random draw of integers such as
`rng.integers(0, k, size=n)` or `np.random.randint(0, k, (n,))`) to the dense
softmax version.
"""
    why = """
In TF 1.x these functions take a sentinel first parameter and raise `ValueError`
for positional arguments (the pre-1.0 order was `(logits, labels)`, which old
code still uses; code written for TF 0.x is reported too: no TensorFlow
installable today runs it as written, TF 1 raises and TF 2 swaps the two). Swapped arguments compute a cross-entropy of the labels
against the model and train on garbage; index labels in the dense version fail
on the shape or broadcast into a wrong loss.
"""
    example = """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 10])
    logits = tf.layers.dense(x, 10)
    loss = tf.nn.softmax_cross_entropy_with_logits(logits, y)                  # error: LF414
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)    # OK
    """
    use_instead = """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 10])
    logits = tf.layers.dense(x, 10)
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
    """
    references = (
        (
            "TensorFlow: tf.nn.softmax_cross_entropy_with_logits",
            "https://www.tensorflow.org/api_docs/python/tf/nn/softmax_cross_entropy_with_logits",
        ),
        (
            "TensorFlow: tf.nn.sparse_softmax_cross_entropy_with_logits",
            "https://www.tensorflow.org/api_docs/python/tf/nn/sparse_softmax_cross_entropy_with_logits",
        ),
    )
    fix_safety = """
Unsafe. Positional calls get `logits=` / `labels=` names in the pre-1.0 order
(`logits` first) unless the first argument is known to be the labels; swapped
keywords are exchanged; index labels switch to the `sparse_` function. Check the
result: the fix cannot see what the arguments hold at run time.
"""
    INVALID = [
        # labels cast to integers, or written as a list of ints (H12 p12)
        Invalid(
            """
            import tensorflow as tf
            def main_loss(labels, logits):
                idx = tf.cast(labels, tf.int32)
                return tf.nn.softmax_cross_entropy_with_logits(labels=idx, logits=logits)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits`
            """
        ),
        Invalid(
            """
            import tensorflow as tf
            def loss_fn(y_onehot, logits):
                labels = tf.argmax(y_onehot, axis=1)
                return tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 784])
            y = tf.placeholder(tf.float32, [None, 10])
            W = tf.Variable(tf.zeros([784, 10]))
            logits = tf.matmul(x, W)
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits, y))  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
            """,
            fixed="""
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 784])
            y = tf.placeholder(tf.float32, [None, 10])
            W = tf.Variable(tf.zeros([784, 10]))
            logits = tf.matmul(x, W)
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
            """,
        ),
        # the other keywords stay
        Invalid(
            """
            import tensorflow as tf
            logits = tf.matmul(tf.placeholder(tf.float32, [None, 784]), W)
            loss = tf.nn.sigmoid_cross_entropy_with_logits(logits, y, name="xent")  # error: LF414 at `tf.nn`
            """,
            fixed="""
            import tensorflow as tf
            logits = tf.matmul(tf.placeholder(tf.float32, [None, 784]), W)
            loss = tf.nn.sigmoid_cross_entropy_with_logits(logits=logits, labels=y, name="xent")  # error: LF414 at `tf.nn`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            def loss_fn(labels, features, w):
                y = tf.one_hot(labels, 10)
                logits = tf.matmul(features, w)
                return tf.nn.softmax_cross_entropy_with_logits(labels=logits, logits=y)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
            """,
            fixed="""
            import tensorflow as tf
            def loss_fn(labels, features, w):
                y = tf.one_hot(labels, 10)
                logits = tf.matmul(features, w)
                return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 784])
            y = tf.placeholder(tf.int64, [None])
            logits = tf.layers.dense(x, 10)
            loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits_v2(`
            """,
            fixed="""
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 784])
            y = tf.placeholder(tf.int64, [None])
            logits = tf.layers.dense(x, 10)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)  # error: LF414 at `tf.nn.softmax_cross_entropy_with_logits_v2(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            def step(x, y):
                out = model(x)
                return tf.nn.sigmoid_cross_entropy_with_logits(out, y)  # error: LF414 at `tf.nn.sigmoid_cross_entropy_with_logits(`
            """,
        ),
        # synthetic class indices drawn from a NumPy generator (or np.random.randint)
        Invalid(
            """
            import numpy as np
            import tensorflow as tf

            n = 256
            rng = np.random.default_rng(7)
            tags = rng.integers(0, 5, size=n)
            scores = tf.keras.layers.Dense(5)(tf.random.normal((n, 12)))
            loss = tf.nn.softmax_cross_entropy_with_logits(labels=tags, logits=scores)  # error: LF414
            y = tf.cast(np.random.randint(0, 10, (32,)), tf.int64)
            ce = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=head(x))  # error: LF414
            """,
        ),
        *TF1_MARKER_INVALID,
    ]
    VALID = [
        *TF1_MARKER_VALID,
        # ... the same integer labels given to the sparse version
        """
        import tensorflow as tf
        def main_loss(labels, logits):
            idx = tf.cast(labels, tf.int32)
            return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=idx, logits=logits)
        """,
        # drawn labels given to the sparse version, one-hot encoded, or drawn as multi-hot rows
        """
        import numpy as np
        import tensorflow as tf

        rng = np.random.default_rng(7)
        tags = rng.integers(0, 5, size=256)
        a = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tags, logits=scores)
        b = tf.nn.softmax_cross_entropy_with_logits(labels=tf.one_hot(tags, 5), logits=scores)
        rows = rng.integers(0, 2, size=(256, 5))
        c = tf.nn.softmax_cross_entropy_with_logits(labels=rows, logits=scores)
        """,
        # a teacher's probabilities as soft labels (Keras teacher model)
        """
        import tensorflow as tf
        teacher = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='softmax')])
        def distill(x, student_logits):
            return tf.nn.softmax_cross_entropy_with_logits(labels=teacher(x), logits=student_logits)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        logits = tf.matmul(x, W)
        loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
        """,
        # a user function of the same name
        """
        def softmax_cross_entropy_with_logits(a, b):
            return a - b
        loss = softmax_cross_entropy_with_logits(logits, y)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for fact in facts.tf_losses:
            labels_expr = argument(fact.call, 0 if fact.positional else None, "labels")
            logits_expr = argument(fact.call, 1 if fact.positional else None, "logits")
            kinds = _Arguments(
                labels=model.value(labels_expr) if labels_expr is not None else None,
                logits=model.value(logits_expr) if logits_expr is not None else None,
            )
            if fact.positional and version_fallback(model, fact.call):
                continue
            if fact.positional:
                # ``import tensorflow.compat.v1 as tf``: the call is v1's, which raises
                v1 = K.v1_path(model, fact.call.func) == "alias"
                found = _positional(fact, kinds, tf1=facts.tf1 or v1)
            else:
                found = _swapped_keywords(fact, kinds) or _index_labels(model, fact, kinds)
            if found is not None:
                yield found


@dataclass(frozen=True)
class _Arguments:
    """The value kinds of the ``labels`` and ``logits`` arguments."""

    labels: Any
    logits: Any


#: words naming a model's scores, or the targets
_LOGIT_WORDS = frozenset({"logits", "logit"})
_LABEL_WORDS = frozenset({"labels", "label", "onehot", "targets", "target"})


def _named(expr: cst.BaseExpression, words: frozenset[str]) -> bool:
    """A name (or ``self.<name>``) with one of ``words`` among its words."""
    text = dotted_text(expr)
    return text is not None and bool(words & set(name_words(text.rsplit(".", 1)[-1])))


def _short(fact: K.TfCrossEntropy) -> str:
    return fact.qualname.rsplit(".", 1)[-1]


def _positional(fact: K.TfCrossEntropy, kinds: _Arguments, *, tf1: bool) -> Finding | None:
    call = fact.call
    args = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        return None
    if len(args) == 1 and not any(
        a.keyword is not None and a.keyword.value in ("labels", "logits") for a in call.args
    ):
        return Finding(
            call,
            f"`{_short(fact)}` called with one argument: it takes both the labels and "
            "the logits, so TF 2 raises `TypeError` (and TF 1.x `ValueError`, named "
            "arguments only); pass `labels=` and `logits=`",
        )
    if len(args) != 2:
        return None
    swapped = (
        holds_logits(fact.labels, kinds.labels)
        or labels_description(fact.logits, kinds.logits) is not None
    )
    # ``(logits, y)``, ``(net_out, labels)``: TF 1's order by name, which TF 1
    # rejects and TF 2 reads swapped
    by_name = _named(args[0].value, _LOGIT_WORDS) or _named(args[1].value, _LABEL_WORDS)
    if not (tf1 or swapped or by_name):
        return None
    if labels_description(fact.labels, kinds.labels):
        names = ("labels", "logits")
    else:
        names = ("logits", "labels")
    if tf1:
        message = (
            f"`{_short(fact)}` called with positional arguments: TF 1.x raises "
            "`ValueError` (only named arguments are accepted); pass "
            "`labels=` and `logits=`"
        )
    elif not swapped:
        message = (
            f"`{_short(fact)}` called with positional arguments in TF 1's old order "
            "(logits, labels): TF 1.x raises `ValueError` and TF 2 reads the first as "
            "`labels`, swapped; pass `labels=` and `logits=` by name"
        )
    else:
        message = (
            f"`{_short(fact)}` gets the model's output as its first positional argument, "
            "which is `labels`: the arguments are swapped; pass `labels=` and "
            "`logits=` by name"
        )
    fixed = fixes.name_arguments(call, args, names)
    return Finding(
        call,
        message,
        fix=FixSpec(Applicability.UNSAFE, "name the arguments", (NodeEdit(call, fixed),)),
    )


def _swapped_keywords(fact: K.TfCrossEntropy, kinds: _Arguments) -> Finding | None:
    call = fact.call
    labels_arg = keyword(call, "labels")
    logits_arg = keyword(call, "logits")
    if labels_arg is None or logits_arg is None:
        return None
    second_is_labels = labels_description(fact.logits, kinds.logits)
    if second_is_labels is None and not holds_logits(fact.labels, kinds.labels):
        return None
    what = (
        f"`logits=` gets {second_is_labels}"
        if second_is_labels
        else ("`labels=` gets the model's output")
    )
    fixed = fixes.swap_values(call, labels_arg, logits_arg)
    return Finding(
        call,
        f"`{_short(fact)}`: {what}; `labels=` and `logits=` are swapped",
        fix=FixSpec(Applicability.UNSAFE, "swap `labels=` and `logits=`", (NodeEdit(call, fixed),)),
    )


def _index_labels(
    model: SemanticModel, fact: K.TfCrossEntropy, kinds: _Arguments
) -> Finding | None:
    call = fact.call
    labels_arg = keyword(call, "labels")
    if labels_arg is None or keyword(call, "logits") is None:
        return None
    index_origin = (
        class_index_origin(fact.labels, kinds.labels)
        or drawn_class_indices(model, labels_arg.value)
        or integer_labels(model, labels_arg.value)
    )
    if fact.qualname not in apis.TF_DENSE_CE or index_origin is None:
        return None
    func = call.func
    fix = None
    if isinstance(func, cst.Attribute):
        fix = FixSpec(
            Applicability.UNSAFE,
            "use `sparse_softmax_cross_entropy_with_logits`",
            (NodeEdit(func.attr, cst.Name("sparse_softmax_cross_entropy_with_logits")),),
        )
    return Finding(
        call,
        f"`{_short(fact)}` expects one-hot (or probability) labels but `labels=` gets "
        f"class indices (line {model.line_of(index_origin)}); use "
        "`sparse_softmax_cross_entropy_with_logits`",
        fix=fix,
        related=(RelatedNode("the labels", index_origin),),
    )
