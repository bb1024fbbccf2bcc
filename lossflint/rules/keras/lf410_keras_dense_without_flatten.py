"""LF410 keras-dense-without-flatten."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.keras_patch_labels import per_position_fits
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    layer_evidence,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


_PATCH = """
import numpy as np
from tensorflow.keras.layers import Conv2D, Dense, Input
from tensorflow.keras.models import Model

inp = Input(shape=(64, 64, 3))
x = Conv2D(64, 3, strides=2, padding="same")(inp)
x = Conv2D(128, 3, strides=2, padding="same")(x)
x = Dense(256)(x){marker}
out = Dense(1, activation="sigmoid")(x)
disc = Model(inp, out)
disc.compile(loss="binary_crossentropy", optimizer="adam")
real = {labels}
for images in batches:
    disc.train_on_batch(images, real)
"""


class DenseWithoutFlatten(Rule):
    code = "LF410"
    name = "keras-dense-without-flatten"
    severity = Severity.ERROR
    summary = (
        "Dense head on a convolution/pooling/sequence output without Flatten or global pooling"
    )
    needs = NEEDS
    what = """
Flags the first `Dense` of a model's output head (Dense layers, with only
Dropout/Activation/BatchNormalization between them, ending the model) when it
follows a layer whose output keeps extra axes (`Conv1D/2D/3D`, `*Pooling1D/2D/3D`,
or a recurrent layer with `return_sequences=True` when the labels are one per
sample) with no `Flatten`, `GlobalAveragePooling*`/`GlobalMaxPooling*` or
`Reshape` between, and the model is trained with a classification loss.
A model built by a factory of another module (`build_model()` in
`model.py`, compiled in `train.py`) is reported in the factory's module, at
its `Dense`: that module knows the compile from its callers.
"""
    why = """
`Dense` acts on the last axis only: after `Conv2D` the model outputs a
`(batch, H, W, classes)` tensor. `fit` then fails on the label shape, or the loss
is silently computed per pixel / per time step against broadcast labels.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Conv2D(32, 3, activation="relu"),
                              layers.MaxPooling2D(),
                              layers.Dense(10, activation="softmax")])  # error: LF410
    model.compile(loss="sparse_categorical_crossentropy")

    fixed = keras.Sequential([layers.Conv2D(32, 3, activation="relu"),
                              layers.MaxPooling2D(),
                              layers.Flatten(),                         # OK: one vector per image
                              layers.Dense(10, activation="softmax")])
    fixed.compile(loss="sparse_categorical_crossentropy")
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Conv2D(32, 3, activation="relu"),
                              layers.MaxPooling2D(),
                              layers.Flatten(),
                              layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    """
    references = (
        ("Keras: Flatten layer", "https://keras.io/api/layers/reshaping_layers/flatten/"),
        ("Keras: Dense layer", "https://keras.io/api/layers/core_layers/dense/"),
    )
    fix_safety = "There is no automatic fix: insert `Flatten()` or a global pooling layer."
    INVALID = [
        # the patch discriminator's twin trained on one label per sample
        Invalid(_PATCH.format(labels="np.ones((batch_size, 1))", marker="  # error: LF410")),
        # an autoencoder fitted on its inputs in the same notebook says nothing
        # of the classifier beside it
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            (x, y), _ = keras.datasets.mnist.load_data()
            inp = keras.Input(shape=(28, 28, 1))
            ae = keras.Model(inp, layers.Dense(1, activation="sigmoid")(layers.Conv2D(8, 3, padding="same")(inp)))
            ae.compile(optimizer="adam", loss="binary_crossentropy")
            ae.fit(x, x, epochs=1)
            clf = keras.Sequential([
                layers.Conv2D(32, 3, activation="relu"),
                layers.Dense(10, activation="softmax"),  # error: LF410 at `layers.Dense(`
            ])
            clf.compile(loss="sparse_categorical_crossentropy")
            clf.fit(x, y)
            """,
        ),
        # the functional model's one output given as a list (`outputs=[x]`)
        Invalid(
            """
            from keras.models import Model
            from keras.layers import Dense, Input, Conv2D

            inp = Input(shape=(100, 100, 3))
            x = Conv2D(32, (3, 3), activation="relu")(inp)
            x = Dense(10, activation="softmax")(x)  # error: LF410 at `Dense(`
            model = Model(inputs=[inp], outputs=[x])
            model.compile(loss="categorical_crossentropy", optimizer="sgd")
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([
                layers.Conv2D(32, 3, activation='relu', input_shape=(28, 28, 1)),
                layers.MaxPooling2D(),
                layers.Dense(10, activation='softmax'),  # error: LF410 at `layers.Dense(`
            ])
            model.compile(loss='categorical_crossentropy')
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Conv1D, MaxPooling1D, Dense, Dropout
            model = Sequential()
            model.add(Conv1D(64, 3, activation='relu', input_shape=(100, 1)))
            model.add(MaxPooling1D(2))
            model.add(Dense(64, activation='relu'))  # error: LF410 at `Dense(`
            model.add(Dropout(0.5))
            model.add(Dense(1, activation='sigmoid'))
            model.compile(loss='binary_crossentropy', optimizer='adam')
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            (x, y), _ = keras.datasets.imdb.load_data(num_words=5000)
            inp = keras.Input(shape=(200,))
            h = keras.layers.Embedding(5000, 32)(inp)
            h = keras.layers.LSTM(32, return_sequences=True)(h)
            out = keras.layers.Dense(1, activation='sigmoid')(h)  # error: LF410 at `keras.layers.Dense(`
            model = keras.Model(inp, out)
            model.compile(loss='binary_crossentropy')
            model.fit(x, y)
            """,
        ),
    ]
    VALID = [
        # a per-pixel reconstruction: Dense(1) on a feature map is a 1x1
        # convolution, fitted on images (tremblerz/age-gender-estimator-keras,
        # audit R36)
        """
        from keras.layers import Input, Conv2D, Dense
        from keras.models import Model
        inp = Input(shape=(28, 28, 1))
        h = Conv2D(8, (3, 3), padding="same", activation="relu")(inp)
        out = Dense(1, activation="sigmoid")(h)
        m = Model(inp, out)
        m.compile(optimizer="adam", loss="binary_crossentropy")
        m.fit(x_train, x_train, epochs=1)
        """,
        # ... built by a factory and fitted under another name
        """
        from keras.layers import Input, Conv2D, Dense
        from keras.models import Model

        def build():
            inp = Input(shape=(28, 28, 1))
            out = Dense(1, activation="sigmoid")(Conv2D(8, (3, 3), padding="same")(inp))
            model = Model(inp, out)
            model.compile(optimizer="adam", loss="binary_crossentropy")
            return model

        ae = build()
        ae.fit(x_train, x_train, epochs=1)
        """,
        """
        from keras.layers import Input, Conv2D, Dense
        from keras.models import Model
        inp = Input(shape=(28, 28, 1))
        out = Dense(1, activation="sigmoid")(Conv2D(8, (3, 3), padding="same")(inp))
        m = Model(inp, out)
        m.compile(optimizer="adam", loss="binary_crossentropy")
        m.fit(noisy, clean.reshape(60000, 28, 28, 1), epochs=1)
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Conv2D(8, 3), layers.Flatten(), layers.Dense(10, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Conv2D(8, 3), layers.GlobalAveragePooling2D(), layers.Dense(10, activation='softmax')])
        model.compile(loss='categorical_crossentropy')
        """,
        # sequence tagging: one label per time step, labels not known to be per sample
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Embedding(1000, 32), layers.LSTM(32, return_sequences=True), layers.Dense(9, activation='softmax')])
        model.compile(loss='sparse_categorical_crossentropy')
        model.fit(x, tags)
        """,
        # per-pixel regression head
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Conv2D(8, 3), layers.Dense(1)])
        model.compile(loss='mse')
        """,
        # TimeDistributed is per step on purpose
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.LSTM(8, return_sequences=True), layers.TimeDistributed(layers.Dense(4))])
        model.compile(loss='mse')
        """,
        # last LSTM returns one vector
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.LSTM(8), layers.Dense(1, activation='sigmoid')])
        model.compile(loss='binary_crossentropy')
        """,
        # a patch discriminator (SRGAN): labels for every position of the map
        _PATCH.format(labels="np.ones((batch_size, 16, 16, 1))", marker=""),
        _PATCH.format(labels="np.zeros((batch_size,) + (16, 16, 1))", marker=""),
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        seen: set[cst.CSTNode] = set()
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        # a patch discriminator or an autoencoder, trained on targets with the
        # map's axes: the models those calls train (all, when one is not known)
        per_position = per_position_fits(model)
        trained = {id(fit.call): fit.model.node for fit in facts.fits if fit.model is not None}
        if any(id(call) not in trained for call in per_position):
            return
        exempt = {trained[id(call)] for call in per_position}
        for use in facts.loss_uses():
            if use.model is None or use.loss.name not in apis.CE_LOSSES:
                continue
            if use.model.node in exempt:
                continue
            labels = use.labels
            per_sample = isinstance(labels, K.Labels) and labels.per_sample
            found = _bad_head(use.model.layers, per_sample)
            # a head built in another module is reported there, at its Dense
            # (that module's factory knows this compile from its callers)
            if found is None or found[0].far or found[0].node in seen:
                continue
            seen.add(found[0].node)
            yield _finding(model, *found)
        if not per_position:
            yield from self._compiled_elsewhere(model, facts, seen)

    def _compiled_elsewhere(
        self, model: SemanticModel, facts: K.KerasFacts, seen: set[cst.CSTNode]
    ) -> Iterator[Finding]:
        """A factory here (``def build_model(): ... return model``) whose
        model a caller in another module compiles with a classification loss."""
        # the callers are searched only for a head that could be wrong
        worth = lambda layers: _bad_head(layers, per_sample=True) is not None  # noqa: E731
        for use in facts.compiled_by_callers(worth):
            if use.loss not in apis.CE_LOSSES:
                continue
            bad = _bad_head(use.layers, use.per_sample)
            if bad is None or bad[0].far or bad[0].node in seen:
                continue
            seen.add(bad[0].node)
            yield _finding(model, *bad, compiled_at=use.where)


KModelHead = tuple["K.KLayer | None", ...]


def _bad_head(layers: KModelHead, per_sample: bool) -> tuple[K.KLayer, K.KLayer, bool] | None:
    """The first Dense of the output head and the layer before it, when that
    layer keeps extra axes (and whether it is a sequence); None otherwise."""
    index = len(layers)
    first_dense: K.KLayer | None = None
    while index > 0:
        layer = layers[index - 1]
        if layer is None:
            break
        if layer.name == "Dense":
            first_dense = layer
        elif layer.name not in apis.HEAD_BETWEEN:
            break
        index -= 1
    if first_dense is None or index == 0:
        return None
    prev = layers[index - 1]
    if prev is None:
        return None
    recurrent = (prev.name in apis.RECURRENT or prev.name == "Bidirectional") and (
        prev.return_sequences
    )
    if not (prev.name in apis.KEEPS_AXES or (recurrent and per_sample)):
        return None
    return first_dense, prev, recurrent


def _finding(
    model: SemanticModel,
    first_dense: K.KLayer,
    prev: K.KLayer,
    recurrent: bool,
    compiled_at: str = "",
) -> Finding:
    what = "a sequence" if recurrent else "a feature map"
    trained = f" (the model is compiled for classification at {compiled_at})" if compiled_at else ""
    return Finding(
        first_dense.node,
        f"`Dense` on {what} ({layer_evidence(model, prev)}) acts on the last axis "
        f"only{trained}: the model's output keeps the extra axes and does not match one "
        "label per sample; add `Flatten()` or a global pooling layer before it",
        related=(RelatedNode("the layer with extra axes", prev.node),),
    )
