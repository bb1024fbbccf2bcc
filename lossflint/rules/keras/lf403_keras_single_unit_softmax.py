"""LF403 keras-single-unit-softmax."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.keras_merged_heads import merged_branch
from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    layer_evidence,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class SingleUnitSoftmax(Rule):
    code = "LF403"
    name = "keras-single-unit-softmax"
    severity = Severity.ERROR
    summary = "softmax over a single unit: the output is always 1.0"
    fix_kind = "unsafe"
    needs = NEEDS
    what = """
Flags `Dense(1, activation="softmax")` and a `Dense(1)` followed (through
dropout) by `Activation("softmax")` or `Softmax()` in a model.
"""
    why = """
Softmax normalises over the last axis; over one unit it is `exp(z) / exp(z) = 1`.
The model outputs the constant 1.0 for every input, the gradient through the
output is zero, and a binary classifier built this way never learns.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="softmax"),  # error: LF403 (always 1.0)
    ])
    binary = keras.Sequential([
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),  # OK: a binary classifier
    ])
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    binary = keras.Sequential([
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    """
    references = (
        ("Keras: layer activations", "https://keras.io/api/layers/activations/"),
        (
            "Keras: BinaryCrossentropy",
            "https://keras.io/api/losses/probabilistic_losses/#binarycrossentropy-class",
        ),
    )
    fix_safety = """
Unsafe: `"softmax"` becomes `"sigmoid"` (for `Dense(1, activation="softmax")`),
which changes the model; it is what a one-unit binary output needs.
"""
    INVALID = [
        # branches concatenated first, then one softmax unit as the output
        Invalid(
            """
            from keras.layers import Dense, Input, concatenate
            from keras.models import Model

            inp = Input(shape=(12,))
            a, b = Dense(8)(inp), Dense(8)(inp)
            out = Dense(1, activation="softmax")(concatenate([a, b]))  # error: LF403
            model = Model(inp, out)
            """
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([
                layers.Dense(16, activation='relu'),
                layers.Dense(1, activation='softmax'),  # error: LF403 at `layers.Dense(`
            ])
            """,
            fixed="""
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([
                layers.Dense(16, activation='relu'),
                layers.Dense(1, activation='sigmoid'),  # error: LF403 at `layers.Dense(`
            ])
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense, Activation
            model = Sequential()
            model.add(Dense(1))
            model.add(Activation('softmax'))  # error: LF403 at `Activation(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            inp = tf.keras.Input(shape=(4,))
            out = tf.keras.layers.Dense(1, activation=tf.nn.softmax)(inp)  # error: LF403 at `tf.keras.layers.Dense(`
            """,
        ),
        Invalid(
            """
            import keras
            from keras import layers
            inp = keras.Input(shape=(4,))
            z = layers.Dense(1)(inp)
            z = layers.Dropout(0.2)(z)
            out = layers.Softmax()(z)  # error: LF403 at `layers.Softmax(`
            model = keras.Model(inp, out)
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense, Activation
            hidden = []
            for units in layer_sizes:
                hidden.append(Dense(units, activation='relu'))
            hidden.append(Dense(1))
            hidden.append(Activation('softmax'))  # error: LF403 at `Activation(`
            model = Sequential(hidden)
            """,
        ),
    ]
    VALID = [
        # a mixture density network's weights for m components, concatenated
        # with the means and scales: one component's weight is 1.0 on purpose
        # (axelbrando's MDN notebooks, audit s201)
        """
        from keras import backend as K
        from keras.layers import Dense, Input, concatenate
        from keras.models import Model

        m = 1
        inp = Input(shape=(12,))
        h = Dense(64, activation="relu")(inp)
        mus = Dense(m)(h)
        sigmas = Dense(m, activation=K.exp)(h)
        alphas = Dense(m, activation="softmax")(h)
        model = Model(inp, concatenate([mus, sigmas, alphas], axis=1))
        model.compile(optimizer="rmsprop", loss=mdn_loss)
        """,
        # ... merged by the Concatenate layer
        """
        from keras.layers import Concatenate, Dense, Input
        from keras.models import Model

        m = 1
        inp = Input(shape=(12,))
        alphas = Dense(m, activation="softmax")(inp)
        mus = Dense(m)(inp)
        model = Model(inp, Concatenate(axis=1)([mus, alphas]))
        """,
        # ... in Keras 0.x's Graph, merged by add_output
        """
        from keras.layers.core import Dense
        from keras.models import Graph

        m = 1
        graph = Graph()
        graph.add_input(name="input", input_shape=(1,))
        graph.add_node(Dense(output_dim=m), name="FC_mus", input="input")
        graph.add_node(Dense(output_dim=m, activation="softmax"), name="FC_alphas", input="input")
        graph.add_output(name="output", inputs=["FC_mus", "FC_alphas"], merge_mode="concat")
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        layer = layers.Dense(1, activation='sigmoid')
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        layer = layers.Dense(10, activation='softmax')
        """,
        # attention: scores per time step, softmax over the time axis
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        inp = keras.Input(shape=(20, 8))
        scores = layers.Dense(1)(inp)
        weights = layers.Softmax(axis=1)(scores)
        model = keras.Model(inp, weights)
        """,
        # units from a variable we cannot read
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        layer = layers.Dense(n_out, activation='softmax')
        """,
        # a user class named Dense
        """
        class Dense:
            def __init__(self, units, activation=None):
                pass
        layer = Dense(1, activation='softmax')
        """,
        # Dense(1) then a non-softmax activation
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(1), layers.Activation('sigmoid')])
        """,
        # module constant for the number of classes
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        N_CLASSES = 5
        layer = layers.Dense(N_CLASSES, activation='softmax')
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        seen: set[cst.CSTNode] = set()
        for site in model.calls_to(apis.KERAS_DENSE):
            layer = facts.value(site.node)
            if (
                isinstance(layer, K.KLayer)
                and layer.units == 1
                and layer.activation == "softmax"
                and layer.node not in seen
            ):
                seen.add(layer.node)
                if merged_branch(model, site.node):
                    continue
                fix = None
                node = layer.activation_node
                if isinstance(node, cst.SimpleString):
                    quote = node.value[0]
                    fix = FixSpec(
                        Applicability.UNSAFE,
                        "use a sigmoid output",
                        (NodeEdit(node, f"{quote}sigmoid{quote}"),),
                    )
                yield Finding(
                    layer.node,
                    "`Dense(1)` with softmax always outputs 1.0 (softmax over one unit); "
                    'use `activation="sigmoid"` for a binary output',
                    fix=fix,
                )
        for kmodel in facts.models.values():
            layers = kmodel.layers
            for index, layer in enumerate(layers):
                if layer is None or not (
                    (layer.name == "Activation" and layer.activation == "softmax")
                    or (layer.name == "Softmax" and not layer.other_axis)
                ):
                    continue
                before = index - 1
                while (
                    before >= 0
                    and layers[before] is not None
                    and (
                        layers[before].name in apis.DROPOUT_LAYERS  # type: ignore[union-attr]
                    )
                ):
                    before -= 1
                prev = layers[before] if before >= 0 else None
                if (
                    prev is not None
                    and prev.name == "Dense"
                    and prev.units == 1
                    and prev.activation == "linear"
                    and layer.node not in seen
                ):
                    seen.add(layer.node)
                    yield Finding(
                        layer.node,
                        f"softmax after a one-unit layer ({layer_evidence(model, prev)}) "
                        'always outputs 1.0; use `Activation("sigmoid")` for a binary output',
                        related=(RelatedNode("the one-unit layer", prev.node),),
                    )
