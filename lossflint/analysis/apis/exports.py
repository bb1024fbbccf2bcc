"""What a name means when the file does not bind it: star imports of framework
modules, and the conventions of code pasted without imports.

``from keras.layers import *`` binds every public name of ``keras.layers``: the
names come from :data:`~lossflint.analysis.apis.exports_installed.INSTALLED_EXPORTS`
(read from the installed frameworks by ``scripts/generate_star_exports.py``), the
Keras 1/2 and TensorFlow names below (versions not installed), and every name the
catalogue knows under that module. lossflint imports none of these frameworks.

A name bound nowhere in a file (a snippet starting at ``model = Sequential()``)
means what :data:`CONVENTIONS` says, when the file's evidence agrees on the
framework (``names.py`` decides; ``docs/snippets.md`` explains the rule).
"""

from __future__ import annotations

from functools import cache

from lossflint.analysis.apis.exports_installed import INSTALLED_EXPORTS

# --- frameworks, as the convention rule counts them -----------------------------------

TORCH = "torch"
KERAS = "keras"  # Keras and TensorFlow
#: a name every framework's code means the same way (``np``)
ANY = "any"
#: other array frameworks: their code is evidence against both torch and Keras
OTHER = "other"

#: top-level packages whose import is evidence for a framework
IMPORT_EVIDENCE: dict[str, str] = {
    "torch": TORCH,
    "torchvision": TORCH,
    "torchaudio": TORCH,
    "torchtext": TORCH,
    "pytorch_lightning": TORCH,
    "lightning": TORCH,
    "keras": KERAS,
    "tensorflow": KERAS,
    "tf_keras": KERAS,
    "jax": OTHER,
    "flax": OTHER,
    "optax": OTHER,
    "haiku": OTHER,
    "mxnet": OTHER,
    "paddle": OTHER,
    "chainer": OTHER,
    "theano": OTHER,
    "mindspore": OTHER,
    "oneflow": OTHER,
    "torch_snippets": TORCH,
    "fastai": TORCH,
}

#: attribute names whose use marks a framework's code, in a file without framework
#: imports: ``loss.backward()`` / ``optimizer.zero_grad()`` for torch; Keras needs
#: ``compile`` and one of the others (``set.add`` and ``torch.compile`` alone are not)
TORCH_METHODS = frozenset({"backward", "zero_grad"})
KERAS_COMPILE = "compile"
KERAS_METHODS = frozenset({"add", "fit", "fit_generator", "evaluate", "predict", "summary"})

#: names whose use means the file can bind names we cannot see: no convention applies
NAME_INJECTORS = frozenset({"exec", "execfile", "globals", "get_ipython", "__builtins__"})


def _conventions() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {
        # modules, under their usual aliases
        "np": {ANY: "numpy"},
        "torch": {TORCH: "torch"},
        "nn": {TORCH: "torch.nn"},
        "F": {TORCH: "torch.nn.functional"},
        "optim": {TORCH: "torch.optim"},
        "tf": {KERAS: "tensorflow"},
        "keras": {KERAS: "keras"},
        "K": {KERAS: "keras.backend"},
        "layers": {KERAS: "keras.layers"},
        "models": {KERAS: "keras.models"},
        "optimizers": {KERAS: "keras.optimizers"},
        "losses": {KERAS: "keras.losses"},
        "np_utils": {KERAS: "keras.utils.np_utils"},
        # functions and classes
        "to_categorical": {KERAS: "keras.utils.to_categorical"},
        "load_model": {KERAS: "keras.models.load_model"},
        "Model": {KERAS: "keras.models.Model"},
        "ImageDataGenerator": {KERAS: "keras.preprocessing.image.ImageDataGenerator"},
        "EarlyStopping": {KERAS: "keras.callbacks.EarlyStopping"},
        "ModelCheckpoint": {KERAS: "keras.callbacks.ModelCheckpoint"},
        "Nadam": {KERAS: "keras.optimizers.Nadam"},
        "Variable": {TORCH: "torch.autograd.Variable"},
        "DataLoader": {TORCH: "torch.utils.data.DataLoader"},
        "TensorDataset": {TORCH: "torch.utils.data.TensorDataset"},
    }
    for name in (
        "mnist",
        "fashion_mnist",
        "cifar10",
        "cifar100",
        "imdb",
        "reuters",
        "boston_housing",
    ):
        table[name] = {KERAS: f"keras.datasets.{name}"}
    for name in (
        "Dense",
        "Activation",
        "BatchNormalization",
        "Input",
        "InputLayer",
        "Reshape",
        "Lambda",
        "Bidirectional",
        "TimeDistributed",
        "Concatenate",
        "Masking",
        "RepeatVector",
        "Permute",
        "SimpleRNN",
        "GaussianNoise",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "Conv2DTranspose",
        "SeparableConv2D",
        "ZeroPadding2D",
        "UpSampling2D",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        *(
            f"{base}{d}D"
            for base in ("Conv", "Convolution", "MaxPooling", "AveragePooling")
            for d in "123"
        ),
    ):
        table[name] = {KERAS: f"keras.layers.{name}"}
    for name in (
        "Linear",
        "Conv1d",
        "Conv2d",
        "Conv3d",
        "MaxPool1d",
        "MaxPool2d",
        "AvgPool2d",
        "BatchNorm1d",
        "BatchNorm2d",
        "ModuleList",
        "Sigmoid",
        "Tanh",
        "LogSoftmax",
        "CrossEntropyLoss",
        "NLLLoss",
        "BCELoss",
        "BCEWithLogitsLoss",
        "MSELoss",
        "L1Loss",
        "KLDivLoss",
    ):
        table[name] = {TORCH: f"torch.nn.{name}"}
    # scikit-learn's preprocessing, the same in any framework's snippet
    # (``X = scaler.fit_transform(X)`` then ``train_test_split(X, y)``)
    table["pd"] = {ANY: "pandas"}
    table["train_test_split"] = {ANY: "sklearn.model_selection.train_test_split"}
    for name in ("StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler"):
        table[name] = {ANY: f"sklearn.preprocessing.{name}"}
    # the same name in both: only the file's evidence picks one
    table["Sequential"] = {TORCH: "torch.nn.Sequential", KERAS: "keras.models.Sequential"}
    for name in ("Flatten", "Dropout", "LSTM", "GRU", "Embedding", "ReLU", "LeakyReLU", "ELU"):
        table[name] = {TORCH: f"torch.nn.{name}", KERAS: f"keras.layers.{name}"}
    for name in ("Softmax", "PReLU"):
        table[name] = {TORCH: f"torch.nn.{name}", KERAS: f"keras.layers.{name}"}
    for name in ("Adam", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "AdamW"):
        table[name] = {TORCH: f"torch.optim.{name}", KERAS: f"keras.optimizers.{name}"}
    return table


#: free name → {framework: what it means there}; one entry: unambiguous
CONVENTIONS: dict[str, dict[str, str]] = _conventions()

# --- star imports ---------------------------------------------------------------------

_KERAS1_CORE = """
    Dense Activation Dropout Flatten Reshape Permute RepeatVector Lambda
    ActivityRegularization Masking SpatialDropout1D SpatialDropout2D SpatialDropout3D
    MaxoutDense Highway TimeDistributedDense Merge merge
"""
_KERAS1_CONVOLUTIONAL = """
    Conv1D Conv2D Conv3D Convolution1D Convolution2D Convolution3D AtrousConvolution1D
    AtrousConvolution2D AtrousConv1D AtrousConv2D Conv2DTranspose Conv3DTranspose
    Deconvolution2D Deconvolution3D Deconv2D Deconv3D SeparableConv1D SeparableConv2D
    SeparableConvolution1D SeparableConvolution2D DepthwiseConv2D UpSampling1D UpSampling2D
    UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D Cropping1D Cropping2D Cropping3D
    MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D AveragePooling3D
"""
_KERAS1_POOLING = """
    MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D AveragePooling3D
    MaxPool1D MaxPool2D MaxPool3D AvgPool1D AvgPool2D AvgPool3D GlobalMaxPooling1D
    GlobalMaxPooling2D GlobalMaxPooling3D GlobalAveragePooling1D GlobalAveragePooling2D
    GlobalAveragePooling3D GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D GlobalAvgPool1D
    GlobalAvgPool2D GlobalAvgPool3D
"""
_KERAS1_RECURRENT = (
    "Recurrent RNN SimpleRNN GRU LSTM SimpleRNNCell GRUCell LSTMCell StackedRNNCells"
)
_KERAS1_ADVANCED_ACTIVATIONS = (
    "LeakyReLU PReLU ELU ThresholdedReLU Softmax ReLU ParametricSoftplus SReLU"
)

#: names of other Keras versions (Keras 1 and 2, ``tf.keras``) by canonical module
_KERAS_EXTRA: dict[str, str] = {
    "keras": "backend layers models optimizers losses activations utils datasets callbacks "
    "metrics initializers regularizers constraints preprocessing applications engine "
    "wrappers",
    "keras.layers": " ".join(
        (
            _KERAS1_CORE,
            _KERAS1_CONVOLUTIONAL,
            _KERAS1_POOLING,
            _KERAS1_RECURRENT,
            _KERAS1_ADVANCED_ACTIVATIONS,
            "CuDNNLSTM CuDNNGRU ConvLSTM2D LocallyConnected1D LocallyConnected2D Embedding "
            "BatchNormalization GaussianNoise GaussianDropout AlphaDropout TimeDistributed "
            "Bidirectional Wrapper DenseFeatures experimental Input InputLayer InputSpec Layer "
            "Add Subtract Multiply Average Maximum Minimum Concatenate Dot add subtract multiply "
            "average maximum minimum concatenate dot",
        )
    ),
    "keras.layers.core": _KERAS1_CORE,
    "keras.layers.convolutional": _KERAS1_CONVOLUTIONAL,
    "keras.layers.pooling": _KERAS1_POOLING,
    "keras.layers.recurrent": _KERAS1_RECURRENT,
    "keras.layers.advanced_activations": _KERAS1_ADVANCED_ACTIVATIONS,
    "keras.layers.normalization": "BatchNormalization LayerNormalization",
    "keras.layers.embeddings": "Embedding",
    "keras.layers.noise": "GaussianNoise GaussianDropout AlphaDropout",
    "keras.layers.wrappers": "Wrapper TimeDistributed Bidirectional",
    "keras.layers.merge": "Merge merge Add Subtract Multiply Average Maximum Minimum "
    "Concatenate Dot add subtract multiply average maximum minimum concatenate dot",
    "keras.models": "Sequential Model Graph load_model save_model model_from_json "
    "model_from_yaml model_from_config clone_model",
    "keras.optimizers": "Optimizer SGD RMSprop Adagrad Adadelta Adam Adamax Nadam TFOptimizer "
    "sgd rmsprop adagrad adadelta adam adamax nadam serialize deserialize get",
    "keras.utils": "np_utils generic_utils to_categorical normalize plot_model Sequence "
    "multi_gpu_model get_file Progbar",
    "keras.utils.np_utils": "to_categorical normalize categorical_probas_to_classes",
    "keras.backend": """
        abs all any arange argmax argmin batch_dot batch_flatten binary_crossentropy cast
        categorical_crossentropy clear_session clip concatenate constant conv1d conv2d cos
        dot dropout elu epsilon equal exp expand_dims flatten floatx function gather
        get_session get_value gradients greater greater_equal hard_sigmoid image_data_format
        image_dim_ordering in_train_phase int_shape l2_normalize learning_phase less
        less_equal log max maximum mean min minimum not_equal one_hot ones ones_like
        placeholder pow prod relu repeat reshape round set_epsilon set_floatx
        set_image_data_format set_image_dim_ordering set_learning_phase set_session
        set_value shape sigmoid sign sin softmax softplus softsign sparse_categorical_crossentropy
        sqrt square squeeze stack std stop_gradient sum switch tanh tile transpose
        update variable zeros zeros_like
    """,
}

#: ``from tensorflow import *`` (TensorFlow is not installed where the tables are built)
_TENSORFLOW = """
    keras nn math linalg losses layers metrics train data image random io signal sparse
    strings summary config compat distribute estimator feature_column initializers
    optimizers saved_model lite test debugging experimental audio bitwise dtypes errors
    graph_util autograph Variable Tensor TensorShape SparseTensor RaggedTensor
    GradientTape Module Graph Session InteractiveSession function constant placeholder
    Variable zeros zeros_like ones ones_like fill eye range linspace reshape transpose
    squeeze expand_dims concat stack unstack split tile gather gather_nd scatter_nd
    boolean_mask where cond case while_loop map_fn argmax argmin reduce_sum reduce_mean
    reduce_max reduce_min reduce_prod reduce_std reduce_any reduce_all reduce_logsumexp
    matmul tensordot einsum add subtract multiply divide truediv floordiv pow sqrt square
    exp log abs sign round floor ceil maximum minimum clip_by_value clip_by_norm
    clip_by_global_norm sigmoid tanh equal not_equal greater greater_equal less less_equal
    logical_and logical_or logical_not cast shape size rank one_hot identity
    stop_gradient gradients random_normal random_uniform truncated_normal set_random_seed
    global_variables_initializer initialize_all_variables get_variable variable_scope
    name_scope device float16 float32 float64 bfloat16 int8 int16 int32 int64 uint8 bool
    string complex64 newaxis print py_function numpy_function convert_to_tensor
    is_tensor norm sort argsort unique cumsum top_k pad slice strided_slice
    reverse meshgrid broadcast_to enable_eager_execution disable_eager_execution
    disable_v2_behavior executing_eagerly log_sigmoid
"""


def _catalogue_names() -> frozenset[str]:
    """Every dotted framework name the catalogue's tables hold."""
    from lossflint.analysis import apis

    found: set[str] = set()

    def add(value: object) -> None:
        if isinstance(value, str):
            if "." in value and value.split(".", 1)[0] in ("torch", "keras", "tensorflow", "numpy"):
                found.add(value)
        elif isinstance(value, (frozenset, set, tuple, list)):
            for item in value:
                add(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                add(key)
                add(item)

    for attribute in vars(apis).values():
        add(attribute)
    return frozenset(found)


_TORCH_CORE = {
    "torch": "torch",
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "np": "numpy",
}

#: third-party helper packages whose star import re-exports the frameworks
#: (their ``__all__`` / imports): those names mean the framework's; any other
#: name the star import may bind stays unknown
REEXPORTS: dict[str, dict[str, str]] = {
    "torch_snippets": {
        **_TORCH_CORE,
        "th": "torch",
        "optim": "torch.optim",
        "torchvision": "torchvision",
        "T": "torchvision.transforms",
        "transforms": "torchvision.transforms",
        "Dataset": "torch.utils.data.Dataset",
        "DataLoader": "torch.utils.data.DataLoader",
    },
    **{
        f"fastai.{module}": _TORCH_CORE
        for module in (
            "basics",
            "torch_basics",
            "torch_core",
            "imports",
            "vision",
            "vision.all",
            "text",
            "text.all",
            "tabular",
            "tabular.all",
            "collab",
        )
    },
}


@cache
def star_exports(module: str) -> frozenset[str] | None:
    """The names ``from <module> import *`` binds, ``module`` in canonical form
    (``tensorflow.keras.layers`` is ``keras.layers``); None for a module the
    catalogue does not know (it may bind anything)."""
    installed = INSTALLED_EXPORTS.get(module)
    extra = _KERAS_EXTRA.get(module)
    if module == "tensorflow":
        extra = _TENSORFLOW
    if installed is None and extra is None:
        return None
    names = set((installed or "").split()) | set((extra or "").split())
    # what the catalogue knows directly under the module (a deeper name is in a
    # submodule, which a star import binds only when the module lists it)
    prefix = module + "."
    for qualname in _catalogue_names():
        if qualname.startswith(prefix) and "." not in qualname[len(prefix) :]:
            names.add(qualname[len(prefix) :])
    return frozenset(names)
