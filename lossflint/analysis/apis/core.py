"""What the framework modules share: the value-kind lattice, framework roots, and
the few Python built-ins the tables list next to framework functions."""

from __future__ import annotations

import enum


class Kind(str, enum.Enum):
    """What a tensor holds (the value-kind lattice; UNKNOWN is the top)."""

    LOGITS = "logits"
    PROBS = "probabilities"  # softmax output
    SIGMOID_PROBS = "sigmoid probabilities"
    LOG_PROBS = "log-probabilities"
    CLASS_INDICES = "class indices"
    ONE_HOT = "one-hot labels"
    #: 0/1 with ones in every row (``zeros.scatter_(1, ids[:, :k], 1)``, MAE's mask)
    ROW_HOT = "ones in every row"
    NON_NEGATIVE = "non-negative values"
    #: tanh output (sin, cos): every value in [-1, 1]
    BOUNDED = "values in [-1, 1]"
    LOSS = "a loss"
    UNKNOWN = "unknown"


#: the keywords an optimiser constructor takes its base learning rate under
#: (torch ``lr``; Keras ``learning_rate``, legacy ``lr``)
OPTIMIZER_RATE_KEYWORDS = ("lr", "learning_rate")
#: a module of one of these frameworks imported means "tensors live here"
TENSOR_FRAMEWORKS = ("torch", "tensorflow", "keras", "jax")
#: frameworks whose ``param.grad`` is not torch's accumulating one (MXNet's
#: ``backward`` writes it) or that clear it their own way
OTHER_GRAD_FRAMEWORKS = ("mxnet", "paddle", "chainer", "jax")
#: array libraries whose methods share names with torch's (``x.sum()``)
NON_TORCH_ARRAY_LIBRARIES = ("numpy", "tensorflow", "keras", "jax", "pandas", "cupy")
#: array and data-frame libraries whose values share method names with tensors
#: (polars' ``pl.col(c).pow(2).sqrt()``, pandas' ``s.pow(2)``) and hold no gradient
DATA_ARRAY_LIBRARIES = ("numpy", "pandas", "polars", "cupy", "dask", "modin", "pyspark")

#: libraries of numbers and arrays: their calls compute, they build no layer
NUMBER_LIBRARIES = frozenset({"math", "numpy", "operator", "random", "cmath", "statistics"})
#: standard libraries a model's ``__init__`` calls that build no layer
#: (``logging.getLogger(__name__)``, ``warnings.warn(...)``)
LAYERLESS_LIBRARIES = frozenset({"logging", "warnings", "os", "sys", "itertools", "functools"})

#: built-ins that round, reduce or cast like the framework functions they sit with
BUILTIN_ROUND = frozenset({"builtins.round"})
BUILTIN_REDUCE = frozenset({"builtins.sum", "builtins.float"})
#: Python's built-ins (``print(model)`` does not switch its mode)
BUILTINS_PREFIX = "builtins."
#: calls that turn a tensor into a Python number: no gradient flows past them
TO_PYTHON_NUMBER = frozenset({"builtins.float", "builtins.int", "math.isfinite"})
#: built-ins that keep a count's zero (``int(mask.sum())``)
BUILTIN_NUMBER_CASTS = frozenset({"builtins.int", "builtins.float"})
#: the built-in reading an attribute by its name (``getattr(models, "AdversarialNet")``)
BUILTIN_GETATTR = "builtins.getattr"
#: the built-in that counts the items of a sequence (``len(CLASSES)``)
BUILTIN_LEN = "builtins.len"
#: the built-in counting from a start to a stop (``range(n_train - T)``)
BUILTIN_RANGE = "builtins.range"
#: the built-in that builds a dict from keywords (``dict(model=net, args=targs)``)
BUILTIN_DICT = "builtins.dict"
#: a callable with some arguments bound (``partial(categorical_crossentropy,
#: from_logits=True)`` is that loss)
FUNCTOOLS_PARTIAL = "functools.partial"
#: built-ins that cast a hard label and keep it hard: ``int(p > 0.5)``
BUILTIN_LABEL_CASTS = frozenset({"builtins.int", "builtins.bool", "builtins.float"})
#: the built-in that gathers predictions like ``torch.cat`` (``COLLECT_FUNCS``)
BUILTIN_COLLECT = frozenset({"builtins.list"})
#: ``math`` powers and roots (a power of a positive constant is positive)
MATH_POWERS = frozenset({"math.sqrt", "math.pow"})
#: calls that iterate their first argument element by element
ITERATION_WRAPPERS = frozenset(
    {
        "builtins.enumerate",
        "builtins.iter",
        "tqdm.tqdm",
        "tqdm.auto.tqdm",
        "tqdm.notebook.tqdm",
        "tqdm.tqdm_notebook",
    }
)
NEXT = "builtins.next"
#: calls that write values to a file (predictions kept for later: an
#: inference pass) -- and the pandas method that does
VALUE_WRITERS = frozenset(
    {"pickle.dump", "numpy.save", "numpy.savez", "numpy.savetxt", "json.dump", "joblib.dump"}
)
VALUE_WRITER_METHODS = frozenset({"to_csv"})

# --- methods tensors and arrays share (the metrics read them) --------------------------

#: methods that turn an elementwise comparison into a count or a number
REDUCE_METHODS = frozenset(
    {
        "sum",
        "mean",
        "float",
        "double",
        "item",
        "astype",
        "type",
        "int",
        "long",
        "count_nonzero",
        "to",
    }
)
#: methods that keep a tensor's scores on the way to numpy
PASS_METHODS = frozenset({"numpy", "cpu", "detach", "squeeze", "flatten", "ravel", "cuda", "clone"})
#: methods that turn scores into hard labels
HARD_METHODS = frozenset({"round", "argmax", "argmin"})
#: casts that keep hard labels hard
LABEL_CAST_METHODS = frozenset({"astype", "int", "long", "float", "double", "type", "to"})
#: methods that keep what an array holds on the way to Python or a new shape
KEEP_METHODS = frozenset({"tolist", "reshape", "view", "view_as", "squeeze", "flatten", "ravel"})
#: methods that keep the rows of an array
ROW_KEEPING_METHODS = frozenset(
    {"reshape", "astype", "copy", "to_numpy", "values", "float", "reset_index", "tolist", "numpy"}
    # pandas < 1.0's ``df.as_matrix()`` (``.values``)
    | {"as_matrix"}
    # a one-column array flattened (``fit_transform(df[[col]]).ravel()``)
    | {"ravel", "flatten", "squeeze"}
)
#: reductions of an array whose use in ``(x - mean) / std`` is a standardisation
MEAN_METHODS = frozenset({"mean"})
SPREAD_METHODS = frozenset({"std", "var", "max"})


def framework_of(qualname: str | None) -> str | None:
    """ "torch" / "tensorflow" (Keras included) / "numpy" ...: the root of a name."""
    if qualname is None:
        return None
    root = qualname.split(".", 1)[0]
    if root == "keras":
        return "tensorflow"
    return root


def short_loss(functional: str) -> str:
    """``torch.nn.functional.cross_entropy`` → ``cross_entropy``."""
    return functional.rsplit(".", 1)[-1]


#: tensor methods that pick, move or reshape elements: a bound on every
#: element of the receiver holds for the result (``p.clamp(min=eps).gather(1, i)``)
SELECTION_METHODS = frozenset(
    {
        "gather",
        "squeeze",
        "unsqueeze",
        "view",
        "view_as",
        "reshape",
        "reshape_as",
        "flatten",
        "index_select",
        "take_along_dim",
        "take_along_axis",
        "permute",
        "transpose",
        "contiguous",
        "expand",
        "expand_as",
        "narrow",
        "select",
        "masked_select",
        "detach",
        "clone",
        "cpu",
        "cuda",
    }
)

#: the bounds' keywords of the clip functions (``CLAMP``): torch's ``min``/``max``,
#: ``tf.clip_by_value``'s ``clip_value_min``, NumPy's ``a_min``, the Keras 2
#: backend's ``K.clip(x, min_value, max_value)`` and Keras 3's
#: ``keras.ops.clip(x, x_min, x_max)``
CLIP_MIN_KEYWORDS = ("min", "clip_value_min", "a_min", "min_value", "x_min")
CLIP_MAX_KEYWORDS = ("max", "clip_value_max", "a_max", "max_value", "x_max")

#: names of positive infinity (a gradient clip at that norm only measures it)
INFINITIES = frozenset({"math.inf", "numpy.inf", "torch.inf"})

#: a configuration class's decorator and field helper (``analysis/config_fields.py``)
DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass"})
DATACLASS_FIELD = frozenset({"dataclasses.field"})
#: tensor methods (not of Python numbers) that keep or move their values: a
#: value they give is a tensor (``analysis/exp_overflow.py``)
TENSOR_VALUE_METHODS = frozenset(
    {"unsqueeze", "view", "reshape", "expand", "expand_as", "repeat", "to", "cuda", "float"}
)

#: division written as a call: ``tf.div(a, b)``, ``torch.div(a, b)``
DIVIDE_FUNCS = frozenset(
    {
        "tensorflow.div",
        "tensorflow.divide",
        "tensorflow.truediv",
        "tensorflow.math.divide",
        "tensorflow.math.truediv",
        "torch.div",
        "torch.divide",
        "torch.true_divide",
    }
)

#: keywords of a tensor op that change nothing it computes (TensorFlow's
#: ``name=``; torch's ``out=None``)
NAMING_KEYWORDS = frozenset({"name"})
NO_OUTPUT_KEYWORD = "out"


#: named numbers of the math libraries (``np.log(2 * np.pi)`` is a constant)
MATH_CONSTANTS = frozenset(
    {"math.pi", "math.e", "math.tau", "numpy.pi", "numpy.e", "torch.pi", "torch.e"}
)

#: absolute values outside the tensor frameworks (``abs(x)``, ``np.abs(x)``)
PLAIN_ABS = frozenset({"builtins.abs", "numpy.abs", "numpy.absolute"})


#: calls that end the program where they stand (``exit()`` left in a script)
SCRIPT_EXITS = frozenset({"builtins.exit", "builtins.quit", "sys.exit", "os._exit"})

#: copies of an object: a deep copy of a model is a model of the same class
#: (``self.model = copy.deepcopy(model)`` in a rollout baseline)
OBJECT_COPIES = frozenset({"copy.deepcopy", "copy.copy"})
