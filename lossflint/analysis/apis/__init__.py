"""The framework catalogue: every framework name the analysis knows.

One module per framework family: ``torch``, ``keras`` (Keras and TensorFlow),
``numpy`` (NumPy and scikit-learn), ``ecosystem`` (Lightning, Accelerate,
transformers); ``core`` holds the value-kind lattice and what they share;
``exports`` (with the generated ``exports_installed``) what star imports of
framework modules bind and the conventions of code pasted without imports
(read by ``names.py`` only, so not joined here).
Readers go through this package (``from lossflint.analysis import apis``;
``apis.SOFTMAX``), so a name can move between the framework modules without
touching its readers. A table several frameworks have (softmax, sums, clamps)
is defined per framework under one name and joined here.
"""

from lossflint.analysis.apis import ecosystem as ecosystem
from lossflint.analysis.apis import keras, numpy, torch
from lossflint.analysis.apis.core import *  # noqa: F403
from lossflint.analysis.apis.core import (
    BUILTIN_COLLECT,
    BUILTIN_REDUCE,
    BUILTIN_ROUND,
    MATH_POWERS,
    framework_of,
)
from lossflint.analysis.apis.ecosystem import *  # noqa: F403
from lossflint.analysis.apis.keras import *  # noqa: F403
from lossflint.analysis.apis.numpy import *  # noqa: F403
from lossflint.analysis.apis.torch import *  # noqa: F403


def _by_framework(names: frozenset[str]) -> dict[str, str]:
    """name → its framework ("torch" / "tensorflow" / "numpy"): the rules write
    their fix with the same framework's function."""
    return {name: framework_of(name) or "" for name in sorted(names)}


# --- tables several frameworks have (each framework module holds its part) -------------

CANONICAL_PREFIXES = keras.CANONICAL_PREFIXES + torch.CANONICAL_PREFIXES

SOFTMAX = torch.SOFTMAX | keras.SOFTMAX | numpy.SOFTMAX
LOG_SOFTMAX = torch.LOG_SOFTMAX | keras.LOG_SOFTMAX
SIGMOID = torch.SIGMOID | keras.SIGMOID
RATE_FUNCS = torch.RATE_FUNCS | frozenset({"tensorflow.nn.softplus", "tensorflow.math.softplus"})
RATE_LAYERS = torch.RATE_LAYERS
TORCH_PARAMETERS = torch.TRAINABLE_VARIABLES
SIZED_FACTORIES = torch.SIZED_FACTORIES
DECODED_DATA = keras.DECODED_DATA
INDEXED_READS = torch.INDEXED_READS
INDEX_SAMPLERS = torch.INDEX_SAMPLERS
VALUE_KEEPING = torch.VALUE_KEEPING
BOUNDED_ACTIVATIONS = torch.BOUNDED_ACTIVATIONS | keras.BOUNDED_ACTIVATIONS
SHAPE_FUNCTIONS = torch.SHAPE_FUNCTIONS | keras.SHAPE_FUNCTIONS
COUNT_NONZERO = torch.COUNT_NONZERO | keras.COUNT_NONZERO
LOG = torch.LOG | keras.LOG | numpy.LOG
LOG_BASES = {**torch.LOG_BASES, **numpy.LOG_BASES}
EXP = torch.EXP | keras.EXP | numpy.EXP
NON_NEGATIVE_FUNCS = torch.NON_NEGATIVE_FUNCS | keras.NON_NEGATIVE_FUNCS
ARGMAX = torch.ARGMAX | keras.ARGMAX | numpy.ARGMAX
COMPARISON_FUNCS = torch.COMPARISON_FUNCS | keras.COMPARISON_FUNCS
ONE_HOT = torch.ONE_HOT | keras.ONE_HOT
INT_DTYPES = torch.INT_DTYPES | keras.INT_DTYPES | numpy.INT_DTYPES

#: log functions → their framework, and what log(sigmoid) becomes in each
LOG_BY_FRAMEWORK = _by_framework(LOG)
#: base-2/10 logarithm functions → (their framework, the base); methods: ``x.log2()``
LOG_BASES_BY_FRAMEWORK = {
    name: (framework_of(name) or "", base) for name, base in sorted(LOG_BASES.items())
}
LOG_BASE_METHODS = {"log10": 10, "log2": 2}
LOG_SIGMOID = {"torch": torch.TORCH_LOG_SIGMOID, "tensorflow": keras.TF_LOG_SIGMOID}
LOGADDEXP = {
    "torch": torch.TORCH_LOGADDEXP,
    "numpy": numpy.NUMPY_LOGADDEXP,
    "tensorflow": keras.TF_LOGADDEXP,
}

# numerics
SQRT = torch.SQRT | keras.SQRT
POW = torch.POW | keras.POW
ACOS = torch.ACOS | keras.ACOS | numpy.ACOS
LOG1P = torch.LOG1P | keras.LOG1P | numpy.LOG1P
SQRT_BY_FRAMEWORK = _by_framework(SQRT)
POW_BY_FRAMEWORK = _by_framework(POW)
ACOS_BY_FRAMEWORK = _by_framework(ACOS)
LOG1P_BY_FRAMEWORK = _by_framework(LOG1P)
SQUARE = torch.SQUARE | keras.SQUARE
MULTIPLY = torch.MULTIPLY | keras.MULTIPLY
SUBTRACT = torch.SUBTRACT | keras.SUBTRACT
VARIANCE = torch.VARIANCE | keras.VARIANCE
NORMALIZE = torch.NORMALIZE | keras.NORMALIZE
SUM = torch.SUM | keras.SUM | numpy.SUM
MEAN = torch.MEAN | keras.MEAN | numpy.MEAN
#: reductions of a tensor that keep its autograd graph (NumPy's would not)
CUMSUM = torch.CUMSUM | keras.CUMSUM
DIAGONALS = torch.DIAGONALS | keras.DIAGONALS
GRAPH_KEEPING_REDUCTIONS = torch.SUM | torch.MEAN | keras.SUM | keras.MEAN
NORM = torch.NORM | keras.NORM | numpy.NORM
STD = torch.STD | keras.STD | numpy.STD
LIST_TENSORS = torch.LIST_TENSORS | keras.LIST_TENSORS
DIVIDE_FUNCTIONS = torch.DIVIDE_FUNCTIONS | keras.DIVIDE_FUNCTIONS
MATMUL = torch.MATMUL | keras.MATMUL
CLAMP = torch.CLAMP | keras.CLAMP | numpy.CLAMP
MAXIMUM = torch.MAXIMUM | keras.MAXIMUM | numpy.MAXIMUM
MAX_REDUCTIONS = torch.MAX_REDUCTIONS | keras.MAX_REDUCTIONS
FINFO = torch.FINFO | numpy.FINFO
WHERE = torch.WHERE | keras.WHERE | numpy.WHERE
NAN_TO_NUM = torch.NAN_TO_NUM | numpy.NAN_TO_NUM

# comparisons and reductions (metrics)
EQ_FUNCS = torch.EQ_FUNCS | keras.EQ_FUNCS | numpy.EQ_FUNCS
BOOL_FUNCS = torch.BOOL_FUNCS | keras.BOOL_FUNCS
ROUND_FUNCS = torch.ROUND_FUNCS | keras.ROUND_FUNCS | numpy.ROUND_FUNCS | BUILTIN_ROUND
THRESHOLD_FUNCS = torch.THRESHOLD_FUNCS | keras.THRESHOLD_FUNCS | numpy.THRESHOLD_FUNCS
MEMBERSHIP_FUNCS = numpy.MEMBERSHIP_FUNCS
REDUCE_FUNCS = torch.REDUCE_FUNCS | keras.REDUCE_FUNCS | numpy.REDUCE_FUNCS | BUILTIN_REDUCE

# arrays the Keras facts follow
ARGMAX_FUNCS = keras.ARGMAX | keras.KERAS_ARGMAX | numpy.ARGMAX
PRESERVING_FUNCS = keras.PRESERVING_FUNCS | numpy.PRESERVING_FUNCS

# tensors and arrays built, converted and gathered
CONSTANT_TENSORS = torch.CONSTANT_TENSORS | keras.CONSTANT_TENSORS | numpy.CONSTANT_TENSORS
CONSTANT_GRIDS = torch.CONSTANT_GRIDS | numpy.CONSTANT_GRIDS
FILLED_TENSORS = torch.FILLED_TENSORS | keras.FILLED_TENSORS | numpy.FILLED_TENSORS
PURE_ARRAY_FUNCS = numpy.PURE_ARRAY_FUNCS
FULL_TENSORS = torch.FULL_TENSORS | keras.FULL_TENSORS | numpy.FULL_TENSORS
TENSOR_FACTORIES = torch.TENSOR_FACTORIES | keras.TENSOR_FACTORIES
TRAINABLE_VARIABLES = torch.TRAINABLE_VARIABLES | keras.TRAINABLE_VARIABLES
SCALAR_POWERS = MATH_POWERS | numpy.SCALAR_POWERS
COLLECT_FUNCS = torch.COLLECT_FUNCS | numpy.COLLECT_FUNCS | keras.COLLECT_FUNCS | BUILTIN_COLLECT
ARRAY_WRAPPERS = numpy.ARRAY_WRAPPERS | torch.ARRAY_WRAPPERS
REGRESSION_DATA_LOADERS = keras.REGRESSION_DATA_LOADERS | numpy.REGRESSION_DATA_LOADERS
