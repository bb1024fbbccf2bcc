"""TensorFlow functions that pick or reshape elements of their first argument
(the TF part of ``torch.SELECTION_FUNCTIONS``): a selection of probabilities is
still probabilities (``tf.gather(tf.squeeze(tf.nn.softmax(x)), action)``).
Kept apart from ``keras.py`` while another helper works there; to be joined
into ``apis.SELECTION_FUNCTIONS``."""

TF_SELECTION_FUNCTIONS = frozenset(
    {
        "tensorflow.gather",
        "tensorflow.squeeze",
        "tensorflow.reshape",
        "tensorflow.expand_dims",
        "tensorflow.transpose",
        "tensorflow.boolean_mask",
        "keras.ops.take_along_axis",
        "keras.ops.squeeze",
        "keras.ops.reshape",
        "keras.ops.expand_dims",
    }
)
