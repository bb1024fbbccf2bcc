"""LF307 on a subclassed Keras model trained in a custom loop: a model that is
one ``Dense`` layer is a linear regression, exempt like ``Sequential([Dense])``;
the optimiser must be tied to it (``apply_gradients`` over its variables)."""

from __future__ import annotations

import textwrap

import pytest

from lossflint.linter import RuleSet, lint_text

LINEAR = """
import tensorflow as tf

class Regressor(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.out = tf.keras.layers.Dense(3)

    def call(self, x):
        return self.out(x)

def step(model, xb, yb, opt):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(xb) - yb))
    params = model.trainable_variables
    opt.apply_gradients(zip(tape.gradient(loss, params), params))
    return loss

reg = Regressor()
adam = tf.keras.optimizers.Adam(0.2)
for xb, yb in batches:
    step(reg, xb, yb, adam)
"""


def codes(source: str) -> list[tuple[int, str]]:
    result = lint_text(textwrap.dedent(source), "train.py", RuleSet(["LF307"]), [])
    return [(d.location.row, d.code) for d in result.diagnostics]


def test_a_subclassed_single_dense_model_is_linear() -> None:
    assert codes(LINEAR) == []


def test_the_variables_read_inline_are_the_same_model() -> None:
    source = LINEAR.replace(
        "    params = model.trainable_variables\n"
        "    opt.apply_gradients(zip(tape.gradient(loss, params), params))\n",
        "    grads = tape.gradient(loss, model.trainable_variables)\n"
        "    opt.apply_gradients(zip(grads, model.trainable_variables))\n",
    )
    assert "params" not in source
    assert codes(source) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # a hidden ReLU layer: not linear any more
        (
            "        return self.out(x)\n",
            "        return self.out(tf.keras.layers.Dense(64, activation='relu')(x))\n",
        ),
        # the optimiser also updates variables we cannot see
        (
            "    return loss\n",
            "    opt.apply_gradients(zip(tape.gradient(loss, extra), extra))\n    return loss\n",
        ),
        # the same step also trains a model we cannot see
        (
            "    step(reg, xb, yb, adam)\n",
            "    step(reg, xb, yb, adam)\n    step(load_backbone(), xb, yb, adam)\n",
        ),
        # handed to code we cannot see, which may train another model with it
        (
            "    step(reg, xb, yb, adam)\n",
            "    step(reg, xb, yb, adam)\nfine_tune(adam)\n",
        ),
        # minimize() of a loss we cannot see
        (
            "    return loss\n",
            "    opt.minimize(other_loss, var_list=other_vars)\n    return loss\n",
        ),
    ],
)
def test_still_fires_when_the_model_is_not_provably_linear(old: str, new: str) -> None:
    assert old in LINEAR
    source = LINEAR.replace(old, new)
    line = textwrap.dedent(source).splitlines().index("adam = tf.keras.optimizers.Adam(0.2)") + 1
    assert codes(source) == [(line, "LF307")]


def test_two_cells_building_the_same_optimiser_for_the_linear_model() -> None:
    # a notebook rebuilding ``adam`` in a later cell, saved with a checkpoint
    source = LINEAR + (
        "ckpt = tf.train.Checkpoint(optimizer=adam, net=reg)\n"
        "adam = tf.keras.optimizers.Adam(0.2)\n"
        "step(reg, xb, yb, adam)\n"
    )
    assert codes(source) == []


def test_an_optimiser_tied_to_nothing_still_fires() -> None:
    source = "import tensorflow as tf\nopt = tf.keras.optimizers.Adam(0.5)\n"
    assert codes(source) == [(2, "LF307")]
