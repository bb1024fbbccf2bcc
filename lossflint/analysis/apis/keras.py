"""Keras and TensorFlow names, canonical (``tensorflow.keras.*``, ``tf_keras.*`` and
``keras.src.*`` are ``keras.*``; ``tensorflow.compat.v1.*`` is ``tensorflow.*``).

Tables that other frameworks share (softmax, sums, clamps, ...) hold the Keras/TF
part only; ``apis/__init__`` joins them with the PyTorch and NumPy parts.
"""

from __future__ import annotations

# --- canonical spellings (read by names.py) -------------------------------------------

#: prefix rewrites, in order: the first that matches applies
CANONICAL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tensorflow.compat.v1.keras.", "keras."),
    ("tensorflow.compat.v2.keras.", "keras."),
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tf_keras.", "keras."),
    ("keras.src.", "keras."),
    ("keras.api.", "keras."),
    ("tensorflow.compat.v1.", "tensorflow."),
    ("tensorflow.compat.v2.", "tensorflow."),
    # TF 1's internal op modules, imported by libraries written inside TF's
    # tree (tensorlayer's ``from tensorflow.python.ops import standard_ops``):
    # the ops their public names export
    ("tensorflow.python.ops.standard_ops.", "tensorflow."),
    ("tensorflow.python.ops.math_ops.", "tensorflow.math."),
    ("tensorflow.python.ops.nn_ops.", "tensorflow.nn."),
    ("tensorflow.python.ops.nn.", "tensorflow.nn."),
    ("tensorflow.python.ops.array_ops.", "tensorflow."),
    ("tensorflow.python.ops.clip_ops.", "tensorflow."),
)
#: modules that are Keras itself
KERAS_ALIASES = frozenset({"tensorflow.keras", "tf_keras", "keras.src"})

# --- Keras 1/2 spellings (read by names.py after the prefixes above) ------------------

#: Keras 1/2 submodules whose names are now at the top of their package
KERAS_LEGACY_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    (f"keras.layers.{sub}.", "keras.layers.")
    for sub in (
        "core",
        "convolutional",
        "convolutional_recurrent",
        "pooling",
        "recurrent",
        "cudnn_recurrent",
        "normalization",
        "embeddings",
        "advanced_activations",
        "wrappers",
        "noise",
        "merge",
        "local",
    )
) + (
    ("keras.utils.np_utils.", "keras.utils."),
    ("keras.engine.training.", "keras.models."),
    ("keras.engine.sequential.", "keras.models."),
    ("keras.engine.topology.", "keras.layers."),
    ("keras.engine.input_layer.", "keras.layers."),
    # Keras 2 re-exported its backend as ``keras.layers.K`` (``from keras.layers import K``)
    ("keras.layers.K.", "keras.backend."),
)
#: Keras 1/2 class names → the modern class (same meaning for what lossflint reads)
KERAS_LEGACY_NAMES: dict[str, str] = {
    f"keras.layers.{old}": f"keras.layers.{new}"
    for old, new in (
        ("Convolution1D", "Conv1D"),
        ("Convolution2D", "Conv2D"),
        ("Convolution3D", "Conv3D"),
        ("AtrousConvolution1D", "Conv1D"),
        ("AtrousConvolution2D", "Conv2D"),
        ("AtrousConv1D", "Conv1D"),
        ("AtrousConv2D", "Conv2D"),
        ("Deconvolution2D", "Conv2DTranspose"),
        ("Deconvolution3D", "Conv3DTranspose"),
        ("Deconv2D", "Conv2DTranspose"),
        ("Deconv3D", "Conv3DTranspose"),
        ("SeparableConvolution1D", "SeparableConv1D"),
        ("SeparableConvolution2D", "SeparableConv2D"),
        *((f"MaxPool{d}D", f"MaxPooling{d}D") for d in "123"),
        *((f"AvgPool{d}D", f"AveragePooling{d}D") for d in "123"),
        *((f"GlobalMaxPool{d}D", f"GlobalMaxPooling{d}D") for d in "123"),
        *((f"GlobalAvgPool{d}D", f"GlobalAveragePooling{d}D") for d in "123"),
    )
}
KERAS_LEGACY_NAMES.update(
    {
        f"keras.optimizers.{old}": f"keras.optimizers.{new}"
        for old, new in (
            ("sgd", "SGD"),
            ("rmsprop", "RMSprop"),
            ("adagrad", "Adagrad"),
            ("adadelta", "Adadelta"),
            ("adam", "Adam"),
            ("adamax", "Adamax"),
            ("nadam", "Nadam"),
        )
    }
)
#: Keras 2 keyword → its Keras 1 spelling (``calls.keyword`` finds both). Only
#: renames with the same meaning and values: ``dim_ordering`` ('th'/'tf') is not
#: ``data_format``, ``samples_per_epoch`` counts samples where ``steps_per_epoch``
#: counts batches, and ``Dropout(p=)`` is left out because ``p`` means other
#: things in other calls.
LEGACY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "units": ("output_dim",),
    "kernel_initializer": ("init",),
    "recurrent_initializer": ("inner_init",),
    "recurrent_activation": ("inner_activation",),
    "kernel_regularizer": ("W_regularizer",),
    "bias_regularizer": ("b_regularizer",),
    "kernel_constraint": ("W_constraint",),
    "bias_constraint": ("b_constraint",),
    "use_bias": ("bias",),
    "dropout": ("dropout_W",),
    "recurrent_dropout": ("dropout_U",),
    "filters": ("nb_filter",),
    "padding": ("border_mode",),
    "strides": ("subsample",),
    "dilation_rate": ("atrous_rate",),
    "epochs": ("nb_epoch",),
    "learning_rate": ("lr",),
    "inputs": ("input",),
    "outputs": ("output",),
}
#: top-level packages of Keras/TF code
KERAS_ROOTS = ("keras", "tensorflow")

# --- activations and value kinds (PyTorch-style dataflow) ------------------------------


def _backend_math(*names: str) -> frozenset[str]:
    """The Keras 2 backend's math functions (``from keras import backend as K``;
    ``K.sqrt``, ``K.sum``, ``K.clip``: TensorFlow's ``tf.sqrt``,
    ``tf.reduce_sum``, ``tf.clip_by_value`` under another name, same
    positional arguments) and their Keras 3 spelling in ``keras.ops``. Only
    functions whose meaning and argument order match TF's are listed (not
    ``K.argmax``, whose default axis differs, nor ``K.relu``, leaky with
    ``alpha``, nor ``K.softmax``); ``K.log`` and ``K.exp`` are read separately
    (``KERAS_BACKEND_LOG``/``_EXP``: no TensorFlow rewrite is written for them)."""
    return frozenset(
        f"{module}.{name}" for module in ("keras.backend", "keras.ops") for name in names
    )


TF_SOFTMAX = frozenset({"tensorflow.nn.softmax", "tensorflow.math.softmax"})
TF_SIGMOID = frozenset({"tensorflow.sigmoid", "tensorflow.nn.sigmoid", "tensorflow.math.sigmoid"})
#: the Keras 2 backend's ``K.softmax`` too (LF201 writes no fix for it: that
#: backend has no ``log_softmax`` to rename it to)
KERAS_BACKEND_SOFTMAX = "keras.backend.softmax"
SOFTMAX = TF_SOFTMAX | {"keras.activations.softmax", "keras.ops.softmax", KERAS_BACKEND_SOFTMAX}
LOG_SOFTMAX = frozenset(
    {"tensorflow.nn.log_softmax", "tensorflow.math.log_softmax", "keras.ops.log_softmax"}
)
SIGMOID = TF_SIGMOID | {"keras.activations.sigmoid"} | _backend_math("sigmoid")
LOG = frozenset({"tensorflow.math.log", "tensorflow.log"})
EXP = frozenset({"tensorflow.math.exp", "tensorflow.exp"})
NON_NEGATIVE_FUNCS = frozenset(
    {
        "tensorflow.nn.relu",
        "tensorflow.abs",
        "tensorflow.math.abs",
        "tensorflow.square",
        "tensorflow.math.square",
        "tensorflow.exp",
        "tensorflow.math.exp",
    }
    | _backend_math("abs", "square")
)
ARGMAX = frozenset(
    {"tensorflow.argmax", "tensorflow.math.argmax", "tensorflow.argmin", "tensorflow.math.argmin"}
)
ONE_HOT = frozenset({"tensorflow.one_hot", "keras.utils.to_categorical"})
#: samplers whose first argument (or ``logits=``) is unnormalised log-probabilities:
#: a -inf there is a class of probability 0, never drawn
LOGIT_SAMPLERS = frozenset(
    {
        "tensorflow.random.categorical",
        "tensorflow.random.stateless_categorical",
        "tensorflow.multinomial",
        "tensorflow_probability.distributions.Categorical",
        "keras.random.categorical",
    }
)

#: TensorFlow losses whose ``logits=`` argument takes raw scores
TF_SOFTMAX_CE = frozenset(
    {
        "tensorflow.nn.softmax_cross_entropy_with_logits",
        "tensorflow.nn.softmax_cross_entropy_with_logits_v2",
        "tensorflow.nn.sparse_softmax_cross_entropy_with_logits",
        "tensorflow.losses.softmax_cross_entropy",
        "tensorflow.losses.sparse_softmax_cross_entropy",
    }
)
TF_SIGMOID_CE = frozenset(
    {
        "tensorflow.nn.sigmoid_cross_entropy_with_logits",
        "tensorflow.losses.sigmoid_cross_entropy",
    }
)
#: what the fixes write for log(sigmoid(x))
TF_LOG_SIGMOID = "tensorflow.math.log_sigmoid"
#: what ``log(exp(a) + exp(b))`` becomes (LF204's message): TensorFlow has no logaddexp
TF_LOGADDEXP = "tf.math.reduce_logsumexp(tf.stack([a, b]), 0)"

# --- models and layers (the Keras facts) -----------------------------------------------

#: with the Keras 2.0-2.2 paths (``from keras.engine import Model``)
KERAS_SEQUENTIAL = frozenset(
    {"keras.Sequential", "keras.models.Sequential", "keras.engine.sequential.Sequential"}
)
FUNCTIONAL_MODEL = frozenset(
    {"keras.Model", "keras.models.Model", "keras.engine.Model", "keras.engine.training.Model"}
)
INPUT = frozenset({"keras.Input", "keras.layers.Input"})
INPUT_LAYER = frozenset({"keras.layers.InputLayer"})
LAYERS_PREFIX = "keras.layers."
LAYER_PREFIXES = (LAYERS_PREFIX,)
METRICS_PREFIX = "keras.metrics."
#: metric classes whose ``update_state(y_true, y_pred)`` depends on which is which
ORDERED_KERAS_METRICS = frozenset(
    {
        "Accuracy",
        "BinaryAccuracy",
        "CategoricalAccuracy",
        "SparseCategoricalAccuracy",
        "TopKCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy",
        "AUC",
        "Precision",
        "Recall",
        "F1Score",
        "FBetaScore",
        "BinaryCrossentropy",
        "CategoricalCrossentropy",
        "SparseCategoricalCrossentropy",
    }
)

#: activation names Keras accepts as strings, canonicalised
ACTIVATION_STRINGS: dict[str, str] = {
    name: name
    for name in (
        "softmax",
        "sigmoid",
        "hard_sigmoid",
        "linear",
        "relu",
        "relu6",
        "tanh",
        "elu",
        "selu",
        "celu",
        "softplus",
        "softsign",
        "swish",
        "silu",
        "gelu",
        "mish",
        "exponential",
        "leaky_relu",
        "log_softmax",
        "hard_silu",
        "hard_swish",
    )
}
ACTIVATION_STRINGS["hard_swish"] = "hard_silu"

#: activation functions passed as objects (``activation=tf.nn.softmax``)
ACTIVATION_FUNCS: dict[str, str] = {}
for _prefix in ("keras.activations.", "tensorflow.nn.", "tensorflow.math.", "tensorflow."):
    for _name in (
        "softmax",
        "sigmoid",
        "relu",
        "tanh",
        "elu",
        "selu",
        "softplus",
        "swish",
        "silu",
        "gelu",
        "leaky_relu",
        "log_softmax",
        "relu6",
        "softsign",
        "hard_sigmoid",
        "exponential",
        "linear",
    ):
        ACTIVATION_FUNCS[_prefix + _name] = _name

#: layers that are an activation of their own
ACTIVATION_LAYERS: dict[str, str] = {
    "Softmax": "softmax",
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "PReLU": "prelu",
    "ThresholdedReLU": "relu",
}
PROBABILITY_ACTIVATIONS = frozenset({"softmax", "sigmoid", "hard_sigmoid"})

#: layers that change neither the values' meaning nor the last axis
DROPOUT_LAYERS = frozenset(
    {
        "Dropout",
        "AlphaDropout",
        "GaussianDropout",
        "GaussianNoise",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "ActivityRegularization",
    }
)
SHAPE_ONLY_LAYERS = frozenset(
    {"Flatten", "Reshape"}
    # repeat or interpolate between values, or cut some off: the output stays
    # in the range of the input (a ReLU or sigmoid head stays one)
    | {"UpSampling1D", "UpSampling2D", "UpSampling3D"}
    | {"Cropping1D", "Cropping2D", "Cropping3D"}
)
#: weights of a Keras layer (LF307's toy-model count, ``analysis/keras_size.py``):
#: recurrent layers → gates (GRU counts its two bias vectors, ``reset_after``)
KERAS_RNN_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
#: the cells ``keras.layers.RNN(cell)`` unrolls: the same weights as their layer
KERAS_RNN_CELLS = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}
KERAS_CONVOLUTIONS = frozenset({"Conv1D", "Conv2D", "Convolution1D", "Convolution2D"})
KERAS_POOLINGS = frozenset(
    {"MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"}
    | {"MaxPool1D", "MaxPool2D", "AveragePooling1D", "AvgPool1D", "AvgPool2D"}
)
KERAS_GLOBAL_POOLINGS = frozenset(
    f"Global{kind}Pooling{dims}" for kind in ("Max", "Average") for dims in ("1D", "2D")
)
RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU", "RNN"})
#: recurrent layers whose output activation is tanh unless ``activation=`` says otherwise
TANH_RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU"})
WRAPPERS = frozenset({"Bidirectional", "TimeDistributed"})

#: input rank (batch excluded) each layer requires
REQUIRED_RANK: dict[str, int] = {name: 2 for name in RECURRENT}
for _dims, _rank in (("1D", 2), ("2D", 3), ("3D", 4)):
    for _base in (
        "Conv",
        "Convolution",
        "SeparableConv",
        "DepthwiseConv",
        "MaxPooling",
        "MaxPool",
        "AveragePooling",
        "AvgPool",
        "Conv{}Transpose",
        "LocallyConnected",
        "ZeroPadding",
        "UpSampling",
        "Cropping",
    ):
        REQUIRED_RANK[_base.format(_dims) if "{}" in _base else _base + _dims] = _rank
#: Keras 1's layer names (``Convolution2D(32, 3, 3, border_mode="valid")``):
#: their image ordering came from ``keras.json``'s ``image_dim_ordering``,
#: Theano's channels-first on the setups they were written for
#: keywords Keras 1's API did not have: those ``LEGACY_KEYWORDS`` renamed
#: (``nb_epoch`` → ``epochs``), and ``kernel_size``/``data_format`` (Keras 1
#: said ``nb_row, nb_col`` and ``dim_ordering``)
#: ``tf.keras``: Keras 2 and later
TF_KERAS_PREFIX = "tensorflow.keras"
KERAS2_ONLY_KEYWORDS = frozenset(LEGACY_KEYWORDS) | {"kernel_size", "data_format"}
KERAS1_CONV_NAMES = frozenset(
    {"Convolution1D", "Convolution2D", "Convolution3D", "AtrousConvolution2D", "Deconvolution2D"}
)
CONV2D_LIKE = frozenset(
    n
    for n, r in REQUIRED_RANK.items()
    if r == 3 and not n.startswith(("ZeroPadding", "UpSampling", "Cropping"))
)

#: convolutions (they take an ``activation=`` like Dense)
CONV_LAYERS = frozenset(
    n for n in REQUIRED_RANK if n.startswith(("Conv", "SeparableConv", "DepthwiseConv"))
)
#: layers whose output keeps extra (spatial or time) axes
KEEPS_AXES = frozenset(n for n in REQUIRED_RANK if n not in RECURRENT)
HEAD_BETWEEN = (
    DROPOUT_LAYERS | frozenset({"Activation", "BatchNormalization"}) | frozenset(ACTIVATION_LAYERS)
)
#: preprocessing layers that scale pixel values inside the model
SCALING_LAYERS = frozenset(
    {
        "Rescaling",
        "Normalization",
        "BatchNormalization",
        "LayerNormalization",
        "Lambda",
        "experimental.preprocessing.Rescaling",
        "experimental.preprocessing.Normalization",
    }
)

#: layers with weights that take the model's input as it is: a scaling layer
#: after one of them (``Conv2D`` then ``BatchNormalization``) leaves that layer
#: fed raw pixels
INPUT_WEIGHT_LAYERS = CONV_LAYERS | RECURRENT | frozenset({"Dense", "LocallyConnected2D"})

# --- losses----------------------------------------------------------------

CE_LOSSES = frozenset(
    {
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
    }
)
CATEGORICAL_LOSSES = frozenset(
    {
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "categorical_focal_crossentropy",
    }
)
BINARY_LOSSES = frozenset({"binary_crossentropy", "binary_focal_crossentropy"})
KERAS_REGRESSION_LOSSES = frozenset({"mse", "mae", "mape", "msle", "huber", "log_cosh"})
#: losses LF604 leaves alone: the symmetric ones (the cosine similarity, MSE, ...)
#: and the regression losses (MAPE divides by ``y_true``, but nothing says
#: which of two real-valued tensors is the target)
#: ``compile(...)`` keywords listing metrics: Keras computes them outside the tape
KERAS_METRIC_KEYWORDS = frozenset({"metrics", "weighted_metrics"})
#: the keyword of ``load_model``/``model_from_json`` naming user functions
KERAS_CUSTOM_OBJECTS = "custom_objects"
#: Keras 2's graph-mode optimiser method taking the loss to minimise
KERAS2_GET_UPDATES = "get_updates"
KERAS_ORDER_FREE_LOSSES = KERAS_REGRESSION_LOSSES | {"cosine_similarity"}

LOSS_STRINGS: dict[str, str] = {
    "categorical_crossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "binary_crossentropy": "binary_crossentropy",
    "binary_focal_crossentropy": "binary_focal_crossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "mse": "mse",
    "mean_squared_error": "mse",
    "mae": "mae",
    "mean_absolute_error": "mae",
    "mape": "mape",
    "mean_absolute_percentage_error": "mape",
    "msle": "msle",
    "mean_squared_logarithmic_error": "msle",
    "huber": "huber",
    "huber_loss": "huber",
    "log_cosh": "log_cosh",
    "logcosh": "log_cosh",
    "kld": "kld",
    "kl_divergence": "kld",
    "kullback_leibler_divergence": "kld",
    "hinge": "hinge",
    "squared_hinge": "squared_hinge",
    "categorical_hinge": "categorical_hinge",
    "poisson": "poisson",
    "cosine_similarity": "cosine_similarity",
}
LOSS_CLASS_NAMES: dict[str, str] = {
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "MeanSquaredError": "mse",
    "MeanAbsoluteError": "mae",
    "MeanAbsolutePercentageError": "mape",
    "MeanSquaredLogarithmicError": "msle",
    "Huber": "huber",
    "LogCosh": "log_cosh",
    "KLDivergence": "kld",
    "Hinge": "hinge",
    "SquaredHinge": "squared_hinge",
    "CategoricalHinge": "categorical_hinge",
    "Poisson": "poisson",
    "CosineSimilarity": "cosine_similarity",
}
LOSS_MODULES = ("keras.losses.", "keras.metrics.", "keras.backend.", "tensorflow.losses.")
#: position of ``from_logits`` in loss functions ``f(y_true, y_pred, from_logits)``
FUNCTION_FROM_LOGITS_INDEX = 2

ACCURACY_METRICS = frozenset(
    {"accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy", "binary_accuracy"}
)

# --- data--------------------------------------------------------------------

IMAGE_DATASETS = frozenset({"mnist", "fashion_mnist", "cifar10", "cifar100"})
CLASS_DATASETS = IMAGE_DATASETS | frozenset({"imdb", "reuters"})
#: one-hot encoders the Keras facts follow (the dataflow knows only ``ONE_HOT``)
ONE_HOT_FUNCS = ONE_HOT | {"keras.utils.np_utils.to_categorical", "keras.ops.one_hot"}
#: argmax beyond ``ARGMAX`` that the Keras facts follow
KERAS_ARGMAX = frozenset(
    {"keras.ops.argmax", "keras.backend.argmax", "keras.ops.argmin", "keras.backend.argmin"}
)
#: functions that keep what an array holds (pixels stay pixels, labels stay labels)
#: a tensor with its gradient cut: the same values (a model's predictions as targets)
TF_STOP_GRADIENT = frozenset({"tensorflow.stop_gradient", "keras.ops.stop_gradient"})
PRESERVING_FUNCS = frozenset(
    {
        "tensorflow.cast",
        "tensorflow.convert_to_tensor",
        "tensorflow.reshape",
        "tensorflow.expand_dims",
        "tensorflow.squeeze",
        "tensorflow.image.resize",
        "keras.ops.expand_dims",
        "keras.ops.reshape",
        "keras.ops.cast",
    }
)
PRESERVING_METHODS = frozenset(
    {
        "astype",
        "reshape",
        "copy",
        "squeeze",
        "flatten",
        "ravel",
        "numpy",
        "to",
        "float",
        "double",
        "view",
        "transpose",
    }
)
INT_DTYPES = frozenset(f"tensorflow.{t}" for t in ("int32", "int64", "int16", "int8", "uint8"))
TF_FLOAT_DTYPES = frozenset({"tensorflow.float32", "tensorflow.float64", "tensorflow.float16"})
TF_CAST = "tensorflow.cast"
TF_PLACEHOLDER = "tensorflow.placeholder"
DATASETS_PREFIX = "keras.datasets."
TF_LOGITS_FUNCS = frozenset(
    {
        "tensorflow.matmul",
        "tensorflow.nn.xw_plus_b",
        "tensorflow.linalg.matmul",
        "tensorflow.nn.bias_add",
    }
)
TF_DENSE = frozenset({"tensorflow.layers.dense"})
TF_PROBS_FUNCS = TF_SOFTMAX | TF_SIGMOID
#: calls that mark graph-mode TF1 code (positional ``*_with_logits`` calls raise there)
TF1_MARKERS = frozenset(
    {
        "tensorflow.placeholder",
        "tensorflow.Session",
        "tensorflow.InteractiveSession",
        "tensorflow.global_variables_initializer",
        "tensorflow.initialize_all_variables",
        "tensorflow.disable_v2_behavior",
        "tensorflow.disable_eager_execution",
        "tensorflow.train.GradientDescentOptimizer",
        "tensorflow.train.AdamOptimizer",
        "tensorflow.train.MomentumOptimizer",
        "tensorflow.train.RMSPropOptimizer",
        "tensorflow.train.AdagradOptimizer",
        "tensorflow.train.AdadeltaOptimizer",
        "tensorflow.train.FtrlOptimizer",
        "tensorflow.train.Saver",
        "tensorflow.reset_default_graph",
        "tensorflow.add_to_collection",
        "tensorflow.get_collection",
        "tensorflow.assign",
        "tensorflow.log",
        "tensorflow.get_variable",
        "tensorflow.variable_scope",
        # TF 0.x names removed in 1.0: the ``(logits, labels)`` order's code
        "tensorflow.op_scope",
        "tensorflow.variable_op_scope",
        "tensorflow.mul",
        "tensorflow.sub",
        "tensorflow.neg",
    }
)
#: the ``tf.nn`` ones, whose arguments are keyword-only in TF2
TF_CE_WITH_LOGITS = frozenset(
    n for n in TF_SOFTMAX_CE | TF_SIGMOID_CE if n.startswith("tensorflow.nn.")
)
TF_DENSE_CE = frozenset(
    {
        "tensorflow.nn.softmax_cross_entropy_with_logits",
        "tensorflow.nn.softmax_cross_entropy_with_logits_v2",
    }
)
IMAGE_FORMAT_SETTERS = frozenset(
    {
        "keras.backend.set_image_data_format",
        "keras.backend.set_image_dim_ordering",
        "keras.config.set_image_data_format",
    }
)
#: calls that read the configured image data format, and what they return
#: for each layout (Keras 2/3 and Keras 1's ``image_dim_ordering``)
IMAGE_FORMAT_GETTERS = frozenset(
    {
        "keras.backend.image_data_format",
        "keras.backend.image_dim_ordering",
        "keras.config.image_data_format",
    }
)
IMAGE_FORMAT_CHANNELS_FIRST = frozenset({"channels_first", "th"})
IMAGE_FORMAT_CHANNELS_LAST = frozenset({"channels_last", "tf"})

# --- numerics -----------------------------------------------------------------------

SQRT = frozenset({"tensorflow.sqrt", "tensorflow.math.sqrt"}) | _backend_math("sqrt")
POW = frozenset({"tensorflow.pow", "tensorflow.math.pow", "keras.backend.pow", "keras.ops.power"})
SQUARE = frozenset({"tensorflow.square", "tensorflow.math.square"}) | _backend_math("square")
MULTIPLY = frozenset({"tensorflow.multiply", "tensorflow.math.multiply", "keras.ops.multiply"})
SUBTRACT = frozenset({"tensorflow.subtract", "tensorflow.math.subtract", "keras.ops.subtract"})
VARIANCE = frozenset(
    {
        "tensorflow.math.reduce_variance",
        "keras.ops.var",
        "keras.backend.var",
        "tensorflow.keras.backend.var",
    }
)
#: TF1's ``Print(input_, data, ...)``: ``input_`` passes through, ``data`` is printed
TF_PRINT = frozenset({"tensorflow.Print", "tensorflow.compat.v1.Print"})
#: ``tf.nn.l2_loss(t)`` = sum(t ** 2) / 2
L2_LOSS = frozenset({"tensorflow.nn.l2_loss"})
#: squashing functions: their output lies in [-1, 1] (an ``exp`` of it is at most e)
BOUNDED_ACTIVATIONS = frozenset(
    {
        "tensorflow.tanh",
        "tensorflow.math.tanh",
        "tensorflow.sigmoid",
        "tensorflow.math.sigmoid",
        "tensorflow.nn.sigmoid",
        "keras.backend.tanh",
        "keras.backend.sigmoid",
    }
)
#: functions that only reshape their first argument (every value kept)
SHAPE_FUNCTIONS = frozenset(
    {
        "tensorflow.expand_dims",
        "tensorflow.reshape",
        "tensorflow.squeeze",
        "keras.backend.batch_flatten",
        "keras.backend.flatten",
        "keras.backend.reshape",
        "keras.ops.reshape",
        # copies of every entry, side by side: which are 0 (and every value) kept
        "keras.backend.repeat",
        "keras.backend.repeat_elements",
        "tensorflow.tile",
    }
)
#: counts of the non-zero entries: a count of a mask, 0 when none is set
COUNT_NONZERO = frozenset({"tensorflow.math.count_nonzero", "tensorflow.count_nonzero"})
#: TensorFlow's and Keras's mean squared error functions (not scikit-learn's
#: metric of NumPy arrays): 0 on a perfect fit, as ``F.mse_loss``
TF_SQUARED_ERROR_LOSSES = frozenset(
    {
        "tensorflow.losses.mean_squared_error",
        "keras.losses.mean_squared_error",
        "keras.losses.mse",
        "keras.losses.MSE",
        "keras.metrics.mean_squared_error",
        "keras.metrics.mse",
        "keras.metrics.MSE",
    }
)
ACOS = frozenset(
    {"tensorflow.acos", "tensorflow.math.acos", "tensorflow.asin", "tensorflow.math.asin"}
)
LOG1P = frozenset({"tensorflow.math.log1p", "tensorflow.log1p"})  # ``tf.log1p``: TF1
NORMALIZE = frozenset(
    {"tensorflow.math.l2_normalize", "tensorflow.nn.l2_normalize", "tensorflow.linalg.l2_normalize"}
)
CUMSUM = frozenset({"tensorflow.cumsum", "tensorflow.math.cumsum"})
SUM = frozenset({"tensorflow.reduce_sum", "tensorflow.math.reduce_sum"}) | _backend_math("sum")
MEAN = frozenset({"tensorflow.reduce_mean", "tensorflow.math.reduce_mean"}) | _backend_math("mean")
NORM = frozenset({"tensorflow.norm", "tensorflow.linalg.norm"})
STD = frozenset({"tensorflow.math.reduce_std", "tensorflow.reduce_std"}) | _backend_math("std")
MATMUL = frozenset({"tensorflow.matmul", "tensorflow.linalg.matmul"})
#: the Keras backend's matrix products (``K.dot(p, P)``)
BACKEND_MATMUL = _backend_math("dot", "matmul")
DIVIDE_FUNCTIONS = frozenset(
    {"tensorflow.math.divide", "tensorflow.divide", "tensorflow.math.truediv"}
)
#: tensors made of a Python list's items (LF206)
LIST_TENSORS = frozenset(
    {"tensorflow.constant", "tensorflow.convert_to_tensor", "tensorflow.stack", "tensorflow.concat"}
)
#: ``K.clip(x, min_value, max_value)``, ``keras.ops.clip(x, x_min, x_max)``
CLAMP = frozenset({"tensorflow.clip_by_value"}) | _backend_math("clip")
MAXIMUM = frozenset({"tensorflow.maximum", "tensorflow.math.maximum"}) | _backend_math("maximum")
WHERE = frozenset({"tensorflow.where"})
MAX_REDUCTIONS = frozenset({"tensorflow.reduce_max", "tensorflow.math.reduce_max"})

# --- comparisons and reductions (metrics) ------------------------------------------

EQ_FUNCS = frozenset({"tensorflow.equal", "tensorflow.math.equal"})
#: TensorFlow's comparisons and logical operations: a boolean mask
BOOL_FUNCS = frozenset(
    f"{module}.{name}"
    for module in ("tensorflow", "tensorflow.math")
    for name in (
        "equal",
        "not_equal",
        "greater",
        "less",
        "greater_equal",
        "less_equal",
        "logical_and",
        "logical_or",
        "logical_not",
    )
)
ROUND_FUNCS = frozenset({"tensorflow.round", "tensorflow.math.round", "keras.ops.round"})
THRESHOLD_FUNCS = frozenset(
    {
        "tensorflow.greater",
        "tensorflow.math.greater",
        "tensorflow.greater_equal",
        "tensorflow.math.greater_equal",
    }
)
#: functional comparisons: a boolean result, no gradient flows back through it
COMPARISON_FUNCS = frozenset(
    f"{prefix}{name}"
    for prefix in ("tensorflow.", "tensorflow.math.", "keras.ops.", "keras.backend.")
    for name in "less less_equal greater greater_equal equal not_equal".split()
)
#: reductions that turn an elementwise comparison into an accuracy
REDUCE_FUNCS = frozenset(
    {
        "tensorflow.reduce_mean",
        "tensorflow.reduce_sum",
        "tensorflow.math.reduce_mean",
        "tensorflow.math.reduce_sum",
        TF_CAST,
    }
)

# --- training -----------------------------------------------------------------------

#: optimiser families for LF307 (see torch.TORCH_OPTIMIZERS)
KERAS_OPTIMIZERS: dict[str, str] = {
    "Adam": "adaptive",
    "AdamW": "adaptive",
    "Adamax": "adaptive",
    "Nadam": "adaptive",
    "RMSprop": "adaptive",
    "Adagrad": "adaptive",
    "SGD": "sgd",
    "Adadelta": "unbounded",
    "Ftrl": "other",
    "Lion": "other",
    "Adafactor": "other",
    "LossScaleOptimizer": "other",
}
KERAS_OPTIMIZER_PREFIXES = (
    "keras.optimizers.",
    "keras.optimizers.legacy.",
    "keras.optimizers.experimental.",
    "keras.optimizer_v2.",
)
KERAS_WEIGHT_LAYERS = frozenset(
    {
        "keras.layers.Dense",
        "keras.layers.Conv1D",
        "keras.layers.Conv2D",
        "keras.layers.Conv3D",
        "keras.layers.Convolution1D",
        "keras.layers.Convolution2D",
        "keras.layers.Convolution3D",
    }
)
KERAS_CONSTANT_STRINGS: dict[str, float] = {
    "zeros": 0.0,
    "zero": 0.0,
    "ones": 1.0,
    "one": 1.0,
    "constant": 0.0,
}
#: Keras initialiser classes → their constant (None: the ``value`` argument)
KERAS_CONSTANT_INITIALIZERS: dict[str, float | None] = {
    "keras.initializers.Zeros": 0.0,
    "keras.initializers.zeros": 0.0,
    "keras.initializers.Ones": 1.0,
    "keras.initializers.ones": 1.0,
    "keras.initializers.Constant": None,
    "keras.initializers.constant": None,
}

#: a ``tf.data`` dataset of the arrays given (slices along the first axis)
TF_DATASET_FROM_ARRAYS = frozenset(
    {"tensorflow.data.Dataset.from_tensor_slices", "tensorflow.data.Dataset.from_tensors"}
)
#: dataset methods that keep the element values (``map`` may scale them)
TF_DATASET_KEEPING_METHODS = frozenset(
    {"batch", "shuffle", "prefetch", "repeat", "cache", "take", "skip", "unbatch", "padded_batch"}
)

# --- more tensors, data and training --------------------------------------------------

#: the Dense layer; LF403 reads every call of it for a one-unit softmax
KERAS_DENSE = "keras.layers.Dense"
#: Keras layers that only apply an activation, for the value kinds: ``Softmax()``
#: gives probabilities, ``Activation(act)`` what its activation gives
KERAS_SOFTMAX_LAYER = "keras.layers.Softmax"
KERAS_ACTIVATION_LAYER = "keras.layers.Activation"
#: tensors built from a Python value: constant when that value is
CONSTANT_TENSORS = frozenset({"tensorflow.constant", "tensorflow.convert_to_tensor"})
FILLED_TENSORS = frozenset(
    {"tensorflow.ones", "tensorflow.zeros", "tensorflow.ones_like", "tensorflow.zeros_like"}
)
FULL_TENSORS = frozenset({"tensorflow.fill"})
#: trainable variables (``trainable=False`` aside): what a tape or ``minimize``
#: differentiates, whatever initial value they wrap
TRAINABLE_VARIABLES = frozenset(
    {
        "tensorflow.Variable",
        "tensorflow.compat.v1.Variable",
        "tensorflow.get_variable",
        "tensorflow.compat.v1.get_variable",
        "keras.Variable",
        "keras.backend.variable",
    }
)
#: functions and layers that join tensors side by side (a head's branches
#: merged into one output: ``concatenate([mus, sigmas, alphas])``)
BRANCH_CONCATENATIONS = frozenset(
    {
        "keras.layers.concatenate",
        "keras.layers.Concatenate",
        "keras.layers.merge.concatenate",
        "tensorflow.concat",
    }
) | _backend_math("concatenate")
#: Keras 0.x ``Graph``: nodes added by name, outputs merged from named nodes
GRAPH_ADD_NODE = "add_node"
GRAPH_ADD_OUTPUT = "add_output"
GRAPH_CONCAT_MODE = "concat"
#: TF1 functions listing the graph's variables (``for p in
#: tf.trainable_variables()``): the model's weights, gradients and all
TF_VARIABLE_LISTS = frozenset(
    {
        "tensorflow.trainable_variables",
        "tensorflow.compat.v1.trainable_variables",
        "tensorflow.global_variables",
        "tensorflow.compat.v1.global_variables",
        "tensorflow.all_variables",
    }
)
#: TF1 functions that make trainable variables of their own and apply them
#: (``tf.layers.dense(x, 6)``, an RNN over a cell): their output carries a
#: gradient whatever their arguments are (prefixes of qualified names)
TF_VARIABLE_MAKERS = (
    "tensorflow.layers.",
    "tensorflow.contrib.layers.",
    "tensorflow.contrib.slim.",
    "tensorflow.contrib.rnn.",
    "tensorflow.contrib.seq2seq.",
    "tensorflow.nn.rnn_cell.",
    "tensorflow.nn.dynamic_rnn",
    "tensorflow.nn.bidirectional_dynamic_rnn",
    "tensorflow.nn.static_rnn",
    "tensorflow.nn.raw_rnn",
    "tf_slim.",
)
#: tensor factories: their result has no gradient history
TENSOR_FACTORIES = frozenset(
    {
        "tensorflow.constant",
        "tensorflow.zeros",
        "tensorflow.ones",
        "tensorflow.range",
        "tensorflow.eye",
    }
)
#: ``with tf.GradientTape() as tape:`` records what runs inside for differentiation
GRADIENT_TAPES = frozenset({"tensorflow.GradientTape", "tensorflow.autodiff.GradientTape"})
#: calls that gather or convert predictions and keep what they hold (metrics)
COLLECT_FUNCS = frozenset({"tensorflow.concat", "tensorflow.stack", "tensorflow.convert_to_tensor"})
#: the normalisation layer whose ``adapt`` learns statistics of the data (LF601)
KERAS_NORMALIZATION = frozenset(
    {"keras.layers.Normalization", "keras.layers.experimental.preprocessing.Normalization"}
)
#: Keras callbacks that set the optimiser's learning rate every epoch
KERAS_LR_CALLBACKS = frozenset({"keras.callbacks.LearningRateScheduler"})
#: loaders of regression data: continuous targets
REGRESSION_DATA_LOADERS = frozenset(
    {
        "keras.datasets.boston_housing.load_data",
        "keras.datasets.california_housing.load_data",
    }
)
#: the Keras loaders of class labels (``CLASS_DATASETS``)
CLASS_DATA_LOADERS = frozenset(f"keras.datasets.{name}.load_data" for name in CLASS_DATASETS)
#: the ones among them with two classes (0/1 labels)
BINARY_CLASS_LOADERS = frozenset({"keras.datasets.imdb.load_data"})

#: what saves an optimiser's state without training with it
TF_CHECKPOINTS = frozenset({"tensorflow.train.Checkpoint", "tensorflow.train.CheckpointManager"})

# --- selections, the Keras backend's math, random draws -----------------------------

#: TensorFlow/Keras functions that pick or reshape elements of their first
#: argument: a selection of probabilities is still probabilities
DIAGONALS = frozenset(
    {
        "tensorflow.linalg.diag_part",
        "tensorflow.linalg.tensor_diag_part",
        "tensorflow.linalg.diag",
        "tensorflow.diag_part",
        "tensorflow.matrix_diag",
        "tensorflow.matrix_diag_part",
        "tensorflow.linalg.matrix_diag",
    }
)
TF_SELECTION_FUNCTIONS = frozenset(
    {
        "tensorflow.gather",
        "tensorflow.gather_nd",
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

#: the Keras backend's (and ``keras.ops``') log, exp, sum and mean, read by
#: LF204's naive-form search (``K.log(K.sum(K.exp(x)))``); the log also by
#: LF201 (``K.log(p)`` of a ``Softmax()`` layer's output)
KERAS_BACKEND_LOG = frozenset({"keras.backend.log", "keras.ops.log"})
#: symbolic gradients (``K.gradients(loss, x)``): their first argument is
#: differentiated, and the gradients themselves can be again (a penalty)
SYMBOLIC_GRADIENTS = frozenset({"keras.backend.gradients", "tensorflow.gradients"})
#: a symbolic graph evaluated to NumPy arrays (``K.function(inputs, outputs)``):
#: what it computes is not differentiated again
SYMBOLIC_EVALUATION = frozenset({"keras.backend.function"})
KERAS_BACKEND_EXP = frozenset({"keras.backend.exp", "keras.ops.exp"})
KERAS_BACKEND_SUM = frozenset({"keras.backend.sum", "keras.ops.sum"})
KERAS_BACKEND_MEAN = frozenset({"keras.backend.mean", "keras.ops.mean"})

#: TensorFlow's uniform draw: integers when its ``dtype`` is an integer type
TF_RANDOM_UNIFORM = "tensorflow.random.uniform"

#: Keras learning-rate schedules, by class name (``keras.optimizers.schedules``,
#: ``tf.keras.optimizers.schedules``, ``tf.keras.experimental``): the argument
#: holding the rate they start from (PiecewiseConstantDecay: its values, the
#: largest is judged); they only lower it, but ``CosineDecay``'s
#: ``warmup_target`` is the peak when given
KERAS_LR_SCHEDULES: dict[str, tuple[int, str]] = {
    "ExponentialDecay": (0, "initial_learning_rate"),
    "InverseTimeDecay": (0, "initial_learning_rate"),
    "PolynomialDecay": (0, "initial_learning_rate"),
    "CosineDecay": (0, "initial_learning_rate"),
    "CosineDecayRestarts": (0, "initial_learning_rate"),
    "PiecewiseConstantDecay": (1, "values"),
}
KERAS_SCHEDULE_MODULES = ("optimizers.schedules", "experimental", "learning_rate_schedule")

#: metric strings Keras reads as binary accuracy under a binary loss on one unit
BINARY_ACCURACY_STRINGS = frozenset({"accuracy", "acc", "binary_accuracy"})
#: the binary accuracy metric class (threshold 0.5 unless given)
BINARY_ACCURACY_CLASS = "BinaryAccuracy"
#: Keras's exact-match accuracy (``y_pred == y_true``, element by element), as
#: opposed to the categorical/sparse/binary accuracies that argmax or threshold
KERAS_EXACT_ACCURACY = frozenset({"keras.metrics.Accuracy"})
#: a Keras model's methods that train it (gradients flow through what it built)
KERAS_FIT_METHODS = frozenset({"fit", "fit_generator", "train_on_batch"})
#: the Keras backend's fuzz factor (``K.epsilon()``, 1e-7 by default)
KERAS_EPSILON = frozenset({"keras.backend.epsilon", "keras.config.epsilon"})
#: a Keras layer's methods making a weight of its own (``self.add_weight(...)``)
KERAS_ADD_WEIGHT = frozenset({"add_weight", "add_variable"})
#: initializers starting a weight at zeros, or at the identity (0 off the
#: diagonal), by name (a string, or a class / function's last name, lower-cased)
KERAS_ZERO_INITIALIZERS = frozenset({"zeros", "zero", "identity"})

#: an input pipeline's decoders and parsers: tensors read from files, which no
#: gradient reaches (a TF1 reader's ``tf.decode_raw(value, tf.float32)``)
DECODED_DATA = frozenset(
    {
        f"tensorflow.{module}{name}"
        for module in ("", "io.", "compat.v1.")
        for name in ("decode_raw", "parse_single_example", "parse_example", "read_file")
    }
    | {f"tensorflow.image.decode_{kind}" for kind in ("jpeg", "png", "image", "bmp", "gif")}
    | {"tensorflow.io.decode_image", "tensorflow.io.decode_jpeg", "tensorflow.io.decode_png"}
)
