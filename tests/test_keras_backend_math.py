"""The Keras backend's math (``from keras import backend as K``: ``K.sqrt``,
``K.square``, ``K.sum``, ``K.mean``, ``K.std``, ``K.clip``, ``K.maximum``,
``K.sigmoid``) read as TensorFlow's functions of the same meaning, so the
numerics rules see them (audit s19: GDL_code's WGAN-GP ``gradient_penalty_loss``
was silent where the ``tf.*`` spelling is reported), and a ``K.clip`` with
``K.epsilon()`` guards wherever ``tf.clip_by_value`` does."""

from __future__ import annotations

import textwrap

import pytest

from lossflint.linter import lint_source


def found(source: str) -> list[tuple[str, int]]:
    return [(d.code, d.location.row) for d in lint_source(textwrap.dedent(source))]


@pytest.mark.parametrize("module", ["keras", "tensorflow.keras"])
def test_gradient_penalty_norm_without_eps(module: str) -> None:
    source = f"""\
        import numpy as np
        from {module} import backend as K


        def gradient_penalty_loss(y_true, y_pred, interpolated_samples):
            gradients = K.gradients(y_pred, interpolated_samples)[0]
            gradients_sqr = K.square(gradients)
            gradients_sqr_sum = K.sum(gradients_sqr, axis=np.arange(1, len(gradients_sqr.shape)))
            gradient_l2_norm = K.sqrt(gradients_sqr_sum)
            gradient_penalty = K.square(1 - gradient_l2_norm)
            return K.mean(gradient_penalty)
        """
    assert found(source) == [("LF205", 9)]


def test_distances_and_rmse_loss() -> None:
    source = """\
        from tensorflow.keras import backend as K


        def pairwise_dist(a, b):
            return K.sqrt(K.sum(K.square(a - b), axis=-1))


        def rmse(y_true, y_pred):
            return K.sqrt(K.mean(K.square(y_pred - y_true)))
        """
    assert found(source) == [("LF205", 5), ("LF205", 9)]


def test_division_by_backend_std() -> None:
    source = """\
        from keras import backend as K


        def zscore_loss(y_true, y_pred):
            z = (y_pred - K.mean(y_pred)) / K.std(y_pred)
            return K.mean(K.square(z - y_true))
        """
    assert found(source) == [("LF206", 5)]


def test_log_of_backend_sigmoid() -> None:
    source = """\
        import tensorflow as tf
        from keras import backend as K


        def gate_penalty(x):
            return tf.math.log(K.sigmoid(x))
        """
    assert found(source) == [("LF201", 6)]


VALID = [
    # Keras's siamese example: the root of a clamp from below by K.epsilon()
    """\
    from keras import backend as K


    def euclidean_distance(vects):
        x, y = vects
        sum_square = K.sum(K.square(x - y), axis=1, keepdims=True)
        return K.sqrt(K.maximum(sum_square, K.epsilon()))
    """,
    # an added K.epsilon(); a clip from below
    """\
    from tensorflow.keras import backend as K


    def penalty(g):
        norm = K.sqrt(K.sum(K.square(g), axis=1) + K.epsilon())
        return K.mean(K.square(1.0 - norm))


    def dist(v):
        return K.sqrt(K.clip(K.sum(K.square(v[0] - v[1]), axis=-1), K.epsilon(), None))
    """,
    # a K.clip with K.epsilon() is a guard for the log
    """\
    import tensorflow as tf
    from keras import backend as K


    def bce(y_true, y_pred):
        p = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())
        q = K.clip(1 - y_pred, K.epsilon(), 1.0)
        return K.mean(y_true * tf.math.log(p) + (1 - y_true) * tf.math.log(q), axis=-1)
    """,
    # an RMSE used only as a metric: no gradient flows through it
    """\
    from tensorflow import keras
    from tensorflow.keras import backend as K


    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))


    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=[rmse])
    model.fit(x, y)
    """,
    # a project's own K (not the Keras backend)
    """\
    import mathlib as K


    def dist(a, b):
        return K.sqrt(K.sum(K.square(a - b), axis=-1))
    """,
    # the denominator guarded by K.epsilon() (the classic Keras recall metric)
    """\
    from keras import backend as K


    def recall(y_true, y_pred):
        true_positives = K.sum(K.round(K.clip(y_true * y_pred, 0, 1)))
        possible_positives = K.sum(K.round(K.clip(y_true, 0, 1)))
        return true_positives / (possible_positives + K.epsilon())
    """,
]


@pytest.mark.parametrize("source", VALID)
def test_valid(source: str) -> None:
    assert found(source) == []
