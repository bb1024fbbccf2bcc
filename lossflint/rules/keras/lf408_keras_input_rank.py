"""LF408 keras-input-rank."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import keras as K
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.keras.common import (
    NEEDS,
    format_shape,
    input_rank_layer,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class InputRank(Rule):
    code = "LF408"
    name = "keras-input-rank"
    severity = Severity.ERROR
    summary = (
        "`input_shape` of too low a rank for the layer (LSTM/Conv1D need 2, Conv2D 3, Conv3D 4)"
    )
    needs = NEEDS
    what = """
Flags the first layer of a model receiving an input shape (its `input_shape=`,
or a preceding `Input(shape=...)`) with fewer axes than it takes: rank 1 for
`LSTM`/`GRU`/`SimpleRNN`/`Conv1D`/1-D pooling, rank 2 for `Conv2D`/2-D pooling,
rank 3 for `Conv3D`. The batch axis is not part of `input_shape`.
"""
    why = """
Recurrent and 1-D convolution layers take `(timesteps, features)`, `Conv2D`
takes `(height, width, channels)`. A shape without the feature/channel axis makes
the model fail at build time with a `ValueError` ("expected ndim=3, found ndim=2").
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.LSTM(32, input_shape=(100,)),     # error: LF408
                              layers.Dense(1)])
    fixed = keras.Sequential([layers.LSTM(32, input_shape=(100, 1)),   # OK: 100 steps of 1 feature
                              layers.Dense(1)])
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.LSTM(32, input_shape=(100, 1)), layers.Dense(1)])
    """
    references = (("Keras: LSTM layer", "https://keras.io/api/layers/recurrent_layers/lstm/"),)
    fix_safety = "There is no automatic fix: add the feature/channel axis (and reshape the data)."
    INVALID = [
        # the size's value is unknown here (another module's constant): the rank is not
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            from prep import MAXLEN

            encoder = keras.Sequential([
                layers.LSTM(64, input_shape=(MAXLEN,)),  # error: LF408 at `layers.LSTM(`
                layers.Dense(5, activation="softmax"),
            ])
            """,
        ),
        # the shape passed positionally to InputLayer
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            rnn = keras.Sequential([layers.InputLayer((40,)),
                layers.GRU(16),  # error: LF408 at `layers.GRU(`
                layers.Dense(1)])
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([
                layers.LSTM(32, input_shape=(100,)),  # error: LF408 at `layers.LSTM(`
                layers.Dense(1)])
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Conv2D, Flatten, Dense
            model = Sequential()
            model.add(Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28)))  # error: LF408 at `Conv2D(`
            model.add(Flatten())
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            inp = tf.keras.Input(shape=(64,))
            x = tf.keras.layers.Conv1D(16, 3)(inp)  # error: LF408 at `tf.keras.layers.Conv1D(`
            """,
        ),
        Invalid(
            """
            import keras
            from keras import layers
            model = keras.Sequential([keras.Input(shape=(16, 16, 16)), layers.Conv3D(8, 3)])  # error: LF408 at `layers.Conv3D(`
            """,
        ),
    ]
    VALID = [
        # sizes read off the data: unknown values, the right rank
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        model = keras.Sequential([
            layers.LSTM(32, input_shape=(X_train.shape[1], X_train.shape[2])),
            layers.Dense(1),
        ])
        cnn = keras.Sequential([layers.Conv2D(8, 3, input_shape=(H, W, x.shape[-1]))])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        from prep import MAXLEN, N_FEATURES

        encoder = keras.Sequential([
            layers.LSTM(64, input_shape=(MAXLEN, N_FEATURES)),
            layers.Dense(5, activation="softmax"),
        ])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        rnn = keras.Sequential([layers.InputLayer((40, 1)), layers.GRU(16), layers.Dense(1)])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.LSTM(32, input_shape=(100, 1))])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Conv2D(8, 3, input_shape=(28, 28, 1))])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Dense(8, input_shape=(28,))])
        """,
        # Reshape first: the Conv2D gets rank 3
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Reshape((28, 28, 1), input_shape=(784,)), layers.Conv2D(8, 3)])
        """,
        # shape from the data: unknown
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.LSTM(8, input_shape=x.shape[1:])])
        """,
        # not the first layer: Keras ignores input_shape there
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Embedding(100, 8, input_length=10), layers.LSTM(8, input_shape=(10,))])
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        facts = K.keras_facts(model)
        if not facts.relevant:
            return
        for first in facts.first_inputs:
            found = input_rank_layer(first.layer)
            if found is None:
                continue
            name, required = found
            if len(first.shape) < required:
                yield Finding(
                    first.layer.node,
                    f"`{name}` takes inputs of rank {required} (batch excluded) but gets "
                    f"shape {format_shape(first.shape)}: the model fails to build; add the "
                    f"{'feature' if required == 2 else 'channel'} axis",
                )
