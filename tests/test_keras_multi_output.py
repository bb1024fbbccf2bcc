"""A multi-output Keras model built by a factory in another module (held-out
s16 p11): each output keeps its own head across files (unpacked, indexed,
by key, through ``predict``, in ``compile``), and a helper of a third module
handed one output knows it (LF203 there)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lossflint import lint_paths

MODEL = """\
from tensorflow import keras
from tensorflow.keras import layers


def build_counter(n_bins, n_types=6):
    inp = keras.Input(shape=(224, 224, 3))
    x = layers.GlobalAveragePooling2D()(inp)
    count = layers.Dense(1, activation="softplus", name="count")(x)
    bins = layers.Dense(n_bins, activation="softmax", name="bins")(x)
    presence = layers.Dense(n_types, name="presence_logits")(x)
    return keras.Model(inp, [count, bins, presence], name="counter")


def build_keyed(n_bins):
    inp = keras.Input(shape=(32,))
    bins = layers.Dense(n_bins, activation="softmax")(inp)
    logits = layers.Dense(n_bins)(inp)
    return keras.Model(inp, {"probs": bins, "logits": logits})
"""

LOSSES = """\
import tensorflow as tf
from tensorflow import keras

poisson = keras.losses.Poisson()


def smoothed_bin_ce(bin_probs, bins, n_bins, eps=0.1):
    y = tf.one_hot(bins, n_bins) * (1.0 - eps) + eps / n_bins
    p = tf.clip_by_value(bin_probs, 1e-7, 1.0)
    return -tf.reduce_sum(y * tf.math.log(p), axis=-1)


def presence_loss(presence, logits):
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=presence, logits=logits)
"""

TRAIN = """\
import tensorflow as tf

from losses import poisson, presence_loss, smoothed_bin_ce
from model import build_counter

model = build_counter(10)


def train_step(images, count, bins, presence):
    with tf.GradientTape() as tape:
        pred_count, bin_probs, presence_logits = model(images, training=True)
        l_count = poisson(pred_count, count[:, None])
        l_bins = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=bins, logits=bin_probs)
        l_smooth = smoothed_bin_ce(bin_probs, bins, 10)
        l_pres = presence_loss(presence, presence_logits)
        ok = poisson(count[:, None], pred_count)
        loss = l_count + l_bins + l_smooth + l_pres + ok
    return tape.gradient(loss, model.trainable_variables)


for images, count, bins, presence in train_ds:
    train_step(images, count, bins, presence)
"""

KEYED = """\
import tensorflow as tf

from model import build_keyed

model = build_keyed(10)
for x, y in ds:
    out = model(x)
    bad = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=out["probs"])
    ok = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=out["logits"])
    second = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x)[1])
"""

COMPILED = """\
from tensorflow import keras

from model import build_counter

model = build_counter(10)
model.compile(
    optimizer="adam",
    loss={"count": "poisson", "bins": "sparse_categorical_crossentropy",
          "presence_logits": "binary_crossentropy"},
)
other = build_counter(10)
other.compile(optimizer="adam", loss=["poisson", "sparse_categorical_crossentropy"])
"""


def findings(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=["LF1", "LF2", "LF4", "LF6"])
    return sorted((Path(d.filename).name, d.location.row, d.code) for d in found)


def test_each_output_of_another_modules_factory(tmp_path: Path) -> None:
    files = {"model.py": MODEL, "losses.py": LOSSES, "train.py": TRAIN}
    assert findings(tmp_path, files) == [
        ("losses.py", 10, "LF203"),  # the softmax output handed to the helper
        ("train.py", 12, "LF604"),  # the count head's loss, (y_pred, y_true)
        ("train.py", 13, "LF101"),  # the softmax head as logits
    ]


def test_outputs_by_key_and_by_index(tmp_path: Path) -> None:
    files = {"model.py": MODEL, "keyed.py": KEYED}
    # the dict's model has no index 1: only the key names the softmax output
    assert findings(tmp_path, files) == [("keyed.py", 8, "LF101")]


def test_compile_per_output_by_name_across_files(tmp_path: Path) -> None:
    files = {"model.py": MODEL, "compiled.py": COMPILED}
    # the linear presence head gets a loss on probabilities; the list with
    # fewer losses than outputs is not mapped to them
    assert findings(tmp_path, files) == [("compiled.py", 9, "LF402")]
