"""LF411 keras-input-shape-with-batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import keras as K
from lossflint.analysis.image_format import branch_format
from lossflint.analysis.names import dotted_text
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


class InputShapeWithBatch(Rule):
    code = "LF411"
    name = "keras-input-shape-with-batch"
    severity = Severity.WARNING
    summary = (
        "`input_shape` includes the batch size, or is channels-first on a channels-last Conv2D"
    )
    needs = NEEDS
    what = """
Flags the first layer of a model receiving an input shape with one axis more
than the layer takes (the batch size included in `input_shape`, e.g.
`Conv2D(..., input_shape=(32, 28, 28, 1))`), and a channels-first image shape
`(1 or 3, H, W)` on a `Conv2D` (or 2-D pooling) layer that is channels-last
(the default, unless `data_format="channels_first"` or the image data format is
set in the file). Silent in a branch that runs only under the channels-first
format (`if K.image_data_format() == "channels_first":`, Keras 1's
`image_dim_ordering() == "th"`, or the `else` of the opposite test).
"""
    why = """
`input_shape` excludes the batch axis: one axis too many fails at build time
with a `ValueError`. A channels-first shape on a channels-last convolution
convolves over (channels, height) and treats the width as channels: the model
builds (or fails on the tiny first axis) and learns nonsense.
"""
    example = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Conv2D(32, 3, input_shape=(3, 32, 32))])  # error: LF411 (channels-first)
    fixed = keras.Sequential([layers.Conv2D(32, 3, input_shape=(32, 32, 3))])  # OK: channels-last
    """
    use_instead = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Conv2D(32, 3, input_shape=(32, 32, 3))])
    """
    references = (
        ("Keras: Conv2D layer", "https://keras.io/api/layers/convolution_layers/convolution2d/"),
    )
    fix_safety = (
        "There is no automatic fix: drop the batch axis, or transpose the data to channels-last."
    )
    INVALID = [
        # the shape passed positionally to InputLayer
        Invalid(
            """
            import keras
            from keras import layers
            cnn = keras.Sequential()
            cnn.add(layers.InputLayer([1, 64, 64]))
            cnn.add(layers.Conv2D(16, 5, activation='relu'))  # error: LF411 at `layers.Conv2D(`
            cnn.add(layers.GlobalAveragePooling2D())
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers
            model = keras.Sequential([
                layers.Conv2D(32, (3, 3), activation='relu', input_shape=(3, 32, 32)),  # error: LF411 at `layers.Conv2D(`
                layers.Flatten(), layers.Dense(10, activation='softmax')])
            """,
        ),
        # Keras 1's spelling run on today's Keras (a StackOverflow "accuracy
        # stuck at 10%" snippet, held-out H12 p09): channels-last by default
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers.convolutional import Convolution2D
            model = Sequential()
            model.add(Convolution2D(32, 3, 3, border_mode='valid', input_shape=(1, 24, 32)))  # error: LF411 at `Convolution2D(`
            model.compile(loss="categorical_crossentropy", optimizer="sgd")
            model.fit(x_train, y_train, epochs=5)
            """,
        ),
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import LSTM, Dense
            BATCH = 64
            model = Sequential()
            model.add(LSTM(50, input_shape=(BATCH, 10, 1)))  # error: LF411 at `LSTM(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            inp = tf.keras.Input(shape=(None, 28, 28, 1))
            x = tf.keras.layers.Conv2D(16, 3, activation='relu')(inp)  # error: LF411 at `tf.keras.layers.Conv2D(`
            """,
        ),
        # the channels-first shape sits in the channels-last branch
        Invalid(
            """
            from keras import backend as K
            from keras.layers import Conv2D
            from keras.models import Sequential
            model = Sequential()
            if K.image_data_format() == 'channels_last':
                model.add(Conv2D(64, (5, 5), input_shape=(1, 28, 28)))  # error: LF411 at `Conv2D(`
            else:
                model.add(Conv2D(64, (5, 5), input_shape=(28, 28, 1)))
            """,
        ),
        # a test of something else is no guard
        Invalid(
            """
            from keras import backend as K
            from keras.layers import Conv2D
            from keras.models import Sequential
            model = Sequential()
            if K.backend() == 'theano':
                model.add(Conv2D(64, (5, 5), input_shape=(1, 28, 28)))  # error: LF411 at `Conv2D(`
            """,
        ),
    ]
    VALID = [
        # a channels-last shape passed positionally to InputLayer
        """
        import keras
        from keras import layers
        cnn = keras.Sequential()
        cnn.add(layers.InputLayer([64, 64, 1]))
        cnn.add(layers.Conv2D(16, 5, activation='relu'))
        cnn.add(layers.GlobalAveragePooling2D())
        """,
        # a parameter hides the module-level name
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        input_shape = (3, 32, 32)
        def build(input_shape):
            return keras.Sequential([layers.Conv2D(8, 3, input_shape=input_shape)])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Conv2D(8, 3, input_shape=(32, 32, 3))])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Conv2D(8, 3, input_shape=(3, 32, 32), data_format='channels_first')])
        """,
        # Keras 1: dim_ordering='th' is channels first
        """
        from keras.models import Sequential
        from keras.layers import Convolution2D
        model = Sequential()
        model.add(Convolution2D(32, 3, 3, dim_ordering='th', input_shape=(1, 28, 28)))
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        keras.backend.set_image_data_format('channels_first')
        model = keras.Sequential([layers.Conv2D(8, 3, input_shape=(3, 32, 32))])
        """,
        # a 3-channel image of width 3 is ambiguous: silent
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Conv2D(8, 1, input_shape=(3, 16, 3))])
        """,
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.LSTM(8, input_shape=(10, 1))])
        """,
        # Conv3D takes rank 4
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([layers.Conv3D(8, 3, input_shape=(16, 16, 16, 1))])
        """,
        # the branch runs only under the channels-first format (keras-contrib
        # improved_wgan.py, repro 09 of the s7 audit)
        """
        from keras import backend as K
        from keras.layers import Conv2D, Dense, Flatten
        from keras.models import Sequential
        model = Sequential()
        if K.image_data_format() == 'channels_first':
            model.add(Conv2D(64, (5, 5), padding='same', input_shape=(1, 28, 28)))
        else:
            model.add(Conv2D(64, (5, 5), padding='same', input_shape=(28, 28, 1)))
        model.add(Flatten())
        """,
        # Keras 1's spelling, and the else of the opposite test
        """
        from keras import backend as K
        from keras.layers import Convolution2D
        from keras.models import Sequential
        a = Sequential()
        if K.image_dim_ordering() == 'th':
            a.add(Convolution2D(32, 3, 3, input_shape=(3, 32, 32)))
        b = Sequential()
        if K.image_data_format() != 'channels_first':
            b.add(Convolution2D(32, 3, 3, input_shape=(32, 32, 3)))
        else:
            b.add(Convolution2D(32, 3, 3, input_shape=(3, 32, 32)))
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
            shape = first.shape
            if len(shape) == required + 1:
                yield Finding(
                    first.layer.node,
                    f"`{name}` takes inputs of rank {required} but `input_shape` "
                    f"{format_shape(shape)} has {len(shape)} axes: `input_shape` excludes the batch axis",
                )
            elif (
                name in apis.CONV2D_LIKE
                and len(shape) == 3
                and first.layer.channels_first is False
                and not facts.image_format_set
                and shape[0] in (1, 3)
                and isinstance(shape[1], int)
                and isinstance(shape[2], int)
                and shape[1] > 4
                and shape[2] > 4
                # under `if K.image_data_format() == "channels_first":` (or an
                # `else` of the opposite test) the shape matches the format
                and branch_format(model, first.layer.node) in (None, "channels_last")
            ):
                written = first.layer.node.func if isinstance(first.layer.node, cst.Call) else None
                text = dotted_text(written) if written is not None else None
                shown = text.rsplit(".", 1)[-1] if text else name  # ``Convolution2D`` as written
                yield Finding(
                    first.layer.node,
                    f"`input_shape` {format_shape(shape)} is channels-first but `{shown}` is "
                    "channels-last: it convolves over channels and height and reads the width "
                    'as channels; use `(H, W, C)` or `data_format="channels_first"`',
                )
