"""LF203 examples of a Keras loss function given to ``compile(loss=f)``,
whose ``y_pred`` is the model's output; kept apart so the rule's example
modules stay small."""

from __future__ import annotations

from lossflint.examples import Invalid

COMPILED_INVALID = [
    # unguarded on a softmax model: log(0) = -inf, 0 * -inf = NaN
    Invalid(
        """
        from keras import backend as K
        from keras.layers import Dense
        from keras.models import Sequential

        model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")])

        def weighted_ce(y_true, y_pred):
            return -K.sum(y_true * K.log(y_pred) * [1.0, 2.0, 0.5], axis=-1)  # error: LF203

        model.compile(optimizer="adam", loss=weighted_ce)
        """
    ),
]

COMPILED_VALID = [
    # the widely copied weighted categorical cross-entropy: clipped as Keras's
    # own categorical_crossentropy clips probabilities (the guard is the fix
    # a custom loss can make without changing the model's head)
    """
    from keras import backend as K
    from keras.layers import Dense
    from keras.models import Sequential

    model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")])

    def weighted_ce(y_true, y_pred):
        y_pred = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())
        return -K.sum(y_true * K.log(y_pred) * [1.0, 2.0, 0.5], axis=-1)

    model.compile(optimizer="adam", loss=weighted_ce)
    """,
]
