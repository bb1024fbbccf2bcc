"""The Keras backend's log (``K.log``, ``keras.ops.log``) read by every LF2xx
rule that reads logs (held-out set s18: p09's ``-K.sum(y_true * K.log(y_pred))``
was silent), with no fix written in another framework's functions (Keras 2's
backend has no fused log-space functions, and Keras 3 may run on any
backend), and the keyword bounds of ``K.clip`` / ``keras.ops.clip`` read as
guards."""

from __future__ import annotations

import textwrap

from lossflint.linter import lint_source


def diagnostics(source: str) -> list[tuple[str, int, bool]]:
    """(code, row, whether a fix is offered) of each finding."""
    found = lint_source(textwrap.dedent(source))
    return [(d.code, d.location.row, d.fix is not None) for d in found]


def test_every_log_rule_reads_the_backend_log_without_fixes() -> None:
    source = """\
        import tensorflow as tf
        from tensorflow.keras import backend as K


        def cce(y_true, y_pred):
            return -K.sum(y_true * K.log(y_pred), axis=-1)


        def log_magnitude(x):
            return K.log(K.abs(x))


        def log_prob(z):
            return K.log(tf.nn.softmax(z))


        def log_not_prob(z):
            return K.log(1 - tf.sigmoid(z))


        def lse(x):
            return K.log(K.sum(K.exp(x), axis=-1))
        """
    assert diagnostics(source) == [
        ("LF203", 6, False),
        ("LF202", 10, False),
        ("LF201", 14, False),
        ("LF201", 18, False),
        ("LF204", 22, False),
    ]


def test_keras_ops_log_and_the_suggested_loss() -> None:
    source = """\
        from keras import ops


        def bce(y_true, y_pred):
            return -ops.mean(y_true * ops.log(y_pred) + (1 - y_true) * ops.log(1 - y_pred))
        """
    found = lint_source(textwrap.dedent(source))
    assert [(d.code, d.location.row) for d in found] == [("LF203", 5)]
    assert "keras.losses.binary_crossentropy" in found[0].message
    assert "from_logits=True" in found[0].message


def test_clip_bounds_by_keyword_guard() -> None:
    source = """\
        import tensorflow as tf
        from tensorflow.keras import backend as K
        from keras import ops


        def a(x):
            return K.log(K.clip(K.abs(x), min_value=K.epsilon(), max_value=None))


        def b(x):
            return ops.log(ops.clip(ops.abs(x), x_min=1e-7, x_max=1e7))


        def c(x):
            return tf.math.log(tf.clip_by_value(tf.abs(x), clip_value_min=1e-7, clip_value_max=1.0))


        def d(x):
            return K.log(K.abs(x))
        """
    assert diagnostics(source) == [("LF202", 19, False)]


def test_tensorflow_log_keeps_its_fix() -> None:
    source = """\
        import tensorflow as tf


        def log_magnitude(x):
            return tf.math.log(tf.abs(x))
        """
    assert diagnostics(source) == [("LF202", 5, True)]
