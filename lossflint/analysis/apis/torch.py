"""PyTorch names, canonical (``torch.nn.modules.loss.X`` is ``torch.nn.X``; see names.py).

Tables that other frameworks share (softmax, sums, clamps, ...) hold the PyTorch
part only; ``apis/__init__`` joins them with the Keras/TF and NumPy parts.
"""

from __future__ import annotations

from lossflint.analysis.apis.core import Kind

# --- canonical spellings (read by names.py) -------------------------------------------

#: prefix rewrites, in order: the first that matches applies
CANONICAL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("torch.nn.modules.loss.", "torch.nn."),
    ("torch.nn.modules.activation.", "torch.nn."),
    ("torch.nn.modules.linear.", "torch.nn."),
    ("torch.nn.modules.container.", "torch.nn."),
    ("torch.nn.modules.module.", "torch.nn."),
    ("torch.nn.modules.", "torch.nn."),
    ("torch.optim.lr_scheduler.", "torch.optim.lr_scheduler."),
    ("torch.cuda.amp.grad_scaler.", "torch.cuda.amp."),
)

# --- activations and value kinds ------------------------------------------------

SOFTMAX = frozenset({"torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax"})
LOG_SOFTMAX = frozenset(
    {"torch.log_softmax", "torch.nn.functional.log_softmax", "torch.special.log_softmax"}
)
SIGMOID = frozenset({"torch.sigmoid", "torch.nn.functional.sigmoid", "torch.special.expit"})
LOG = frozenset({"torch.log", "torch.special.log"})
EXP = frozenset({"torch.exp"})
NON_NEGATIVE_FUNCS = frozenset(
    {"torch.relu", "torch.nn.functional.relu", "torch.abs", "torch.square", "torch.exp"}
)
ARGMAX = frozenset({"torch.argmax", "torch.argmin"})
ONE_HOT = frozenset({"torch.nn.functional.one_hot"})
RANDINT = frozenset({"torch.randint"})
#: ``torch.max(x, dim)`` → (values, indices); ``torch.max(a, b)`` is elementwise
MAX_MIN = frozenset({"torch.max", "torch.min"})
FUNCTIONAL_LINEAR = "torch.nn.functional.linear"

#: tensor methods by the kind they produce
METHOD_KINDS: dict[str, Kind] = {
    "softmax": Kind.PROBS,
    "log_softmax": Kind.LOG_PROBS,
    "sigmoid": Kind.SIGMOID_PROBS,
    "argmax": Kind.CLASS_INDICES,
    "argmin": Kind.CLASS_INDICES,
    "relu": Kind.NON_NEGATIVE,
    "abs": Kind.NON_NEGATIVE,
    "square": Kind.NON_NEGATIVE,
    "exp": Kind.NON_NEGATIVE,
    "long": Kind.CLASS_INDICES,
}

#: how many positional arguments the tensor method takes at most: a call with
#: more is not that method (``obj.softmax(x, 1)`` on a module-like object)
METHOD_MAX_POSITIONAL: dict[str, int] = {
    "softmax": 1,
    "log_softmax": 1,
    "argmax": 1,
    "argmin": 1,
}

#: tensor methods that keep the kind of their receiver
KIND_PRESERVING_METHODS = frozenset(
    {
        "to",
        "cuda",
        "cpu",
        "detach",
        "clone",
        "contiguous",
        "view",
        "view_as",
        "reshape",
        "reshape_as",
        "squeeze",
        "unsqueeze",
        "permute",
        "transpose",
        "flatten",
        "float",
        "double",
        "half",
        "bfloat16",
        "type",
        "type_as",
        "requires_grad_",
        "pin_memory",
        "expand",
        "expand_as",
    }
)
FLOAT_CASTS = frozenset({"float", "double", "half", "bfloat16"})

# --- modules ------------------------------------------------------------------------

#: torch.nn layers: what calling an instance produces (None = its input's kind)
LAYER_KINDS: dict[str, Kind | None] = {
    "torch.nn.Softmax": Kind.PROBS,
    "torch.nn.Softmax2d": Kind.PROBS,
    "torch.nn.LogSoftmax": Kind.LOG_PROBS,
    "torch.nn.Sigmoid": Kind.SIGMOID_PROBS,
    "torch.nn.ReLU": Kind.NON_NEGATIVE,
    "torch.nn.Linear": Kind.LOGITS,
    "torch.nn.LazyLinear": Kind.LOGITS,
    "torch.nn.Bilinear": Kind.LOGITS,
    "torch.nn.Conv1d": Kind.LOGITS,
    "torch.nn.Conv2d": Kind.LOGITS,
    "torch.nn.Conv3d": Kind.LOGITS,
    "torch.nn.Identity": None,
    "torch.nn.Dropout": None,
    "torch.nn.Dropout1d": None,
    "torch.nn.Dropout2d": None,
    "torch.nn.Flatten": None,
}
SEQUENTIAL = frozenset({"torch.nn.Sequential"})
#: ``data_parallel(module, inputs, ...)``: ``module(inputs)`` replicated over devices
APPLY_MODULE = frozenset(
    {"torch.nn.parallel.data_parallel", "torch.nn.parallel.data_parallel.data_parallel"}
)
#: wrappers whose calls run the wrapped module's forward on the same weights
MODULE_WRAPPERS = frozenset(
    {
        "torch.nn.DataParallel",
        "torch.nn.parallel.DataParallel",
        "torch.nn.parallel.data_parallel.DataParallel",
    }
)
#: layers with a weight matrix whose units must differ (not norms, not embeddings)
WEIGHT_LAYERS = frozenset(
    {
        "torch.nn.Linear",
        "torch.nn.LazyLinear",
        "torch.nn.Bilinear",
        "torch.nn.Conv1d",
        "torch.nn.Conv2d",
        "torch.nn.Conv3d",
        "torch.nn.ConvTranspose1d",
        "torch.nn.ConvTranspose2d",
        "torch.nn.ConvTranspose3d",
    }
)
FUNCTIONAL_DROPOUT = frozenset(
    {
        "torch.nn.functional.dropout",
        "torch.nn.functional.dropout1d",
        "torch.nn.functional.dropout2d",
        "torch.nn.functional.dropout3d",
        "torch.nn.functional.alpha_dropout",
        "torch.nn.functional.feature_alpha_dropout",
    }
)
#: init functions that set a tensor to one constant → that constant (None: the
#: ``val`` argument, second positional)
CONSTANT_INITS: dict[str, float | None] = {
    "torch.nn.init.constant_": None,
    "torch.nn.init.constant": None,
    "torch.nn.init.zeros_": 0.0,
    "torch.nn.init.ones_": 1.0,
}

# --- losses -------------------------------------------------------------------------

#: loss class → its functional twin; both are "the same loss" for the rules
LOSS_CLASSES: dict[str, str] = {
    "torch.nn.CrossEntropyLoss": "torch.nn.functional.cross_entropy",
    "torch.nn.NLLLoss": "torch.nn.functional.nll_loss",
    "torch.nn.BCELoss": "torch.nn.functional.binary_cross_entropy",
    "torch.nn.BCEWithLogitsLoss": "torch.nn.functional.binary_cross_entropy_with_logits",
    "torch.nn.KLDivLoss": "torch.nn.functional.kl_div",
    "torch.nn.MSELoss": "torch.nn.functional.mse_loss",
    "torch.nn.L1Loss": "torch.nn.functional.l1_loss",
    "torch.nn.SmoothL1Loss": "torch.nn.functional.smooth_l1_loss",
    "torch.nn.HuberLoss": "torch.nn.functional.huber_loss",
    "torch.nn.MultiLabelSoftMarginLoss": "torch.nn.functional.multilabel_soft_margin_loss",
    "torch.nn.MultiMarginLoss": "torch.nn.functional.multi_margin_loss",
    "torch.nn.SoftMarginLoss": "torch.nn.functional.soft_margin_loss",
    "torch.nn.PoissonNLLLoss": "torch.nn.functional.poisson_nll_loss",
    "torch.nn.GaussianNLLLoss": "torch.nn.functional.gaussian_nll_loss",
    "torch.nn.CosineEmbeddingLoss": "torch.nn.functional.cosine_embedding_loss",
    "torch.nn.MarginRankingLoss": "torch.nn.functional.margin_ranking_loss",
    "torch.nn.HingeEmbeddingLoss": "torch.nn.functional.hinge_embedding_loss",
    "torch.nn.TripletMarginLoss": "torch.nn.functional.triplet_margin_loss",
    "torch.nn.CTCLoss": "torch.nn.functional.ctc_loss",
    "torch.nn.MultiLabelMarginLoss": "torch.nn.functional.multilabel_margin_loss",
}
LOSS_FUNCTIONS = frozenset(LOSS_CLASSES.values())

CROSS_ENTROPY = "torch.nn.functional.cross_entropy"
NLL = "torch.nn.functional.nll_loss"
BCE = "torch.nn.functional.binary_cross_entropy"
BCE_LOGITS = "torch.nn.functional.binary_cross_entropy_with_logits"
KL_DIV = "torch.nn.functional.kl_div"
REGRESSION_LOSSES = frozenset(
    {
        "torch.nn.functional.mse_loss",
        "torch.nn.functional.l1_loss",
        "torch.nn.functional.smooth_l1_loss",
        "torch.nn.functional.huber_loss",
    }
)

#: softmax-like functions/layers whose ``dim`` is optional but must be given,
#: with the position of ``dim`` among the arguments
IMPLICIT_DIM: dict[str, int] = {
    "torch.nn.functional.softmax": 1,
    "torch.nn.functional.log_softmax": 1,
    "torch.nn.functional.softmin": 1,
    "torch.nn.Softmax": 0,
    "torch.nn.LogSoftmax": 0,
    "torch.nn.Softmin": 0,
}

# --- numerics -----------------------------------------------------------------------

SQRT = frozenset({"torch.sqrt"})
POW = frozenset({"torch.pow"})
SQUARE = frozenset({"torch.square"})
ACOS = frozenset({"torch.acos", "torch.arccos", "torch.asin", "torch.arcsin"})
ACOS_METHODS = ("acos", "arccos", "asin", "arcsin")
LOG1P = frozenset({"torch.log1p"})
COSINE_SIMILARITY = frozenset({"torch.nn.functional.cosine_similarity", "torch.cosine_similarity"})
NORMALIZE = frozenset({"torch.nn.functional.normalize"})
SUM = frozenset({"torch.sum", "torch.nansum"})
MEAN = frozenset({"torch.mean"})
NORM = frozenset({"torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm"})
STD = frozenset({"torch.std"})
EINSUM = "torch.einsum"
MATMUL = frozenset({"torch.matmul", "torch.mm", "torch.bmm", "torch.dot", EINSUM})
#: functions that bound their first argument from below (min at index 1)
CLAMP = frozenset({"torch.clamp", "torch.clip", "torch.clamp_min"})
CLAMP_MIN = "torch.clamp_min"
CLAMP_METHODS = frozenset({"clamp", "clamp_min", "clip", "clamp_", "clamp_min_", "clip_"})
MAXIMUM = frozenset({"torch.maximum", "torch.max", "torch.fmax"})
FINFO = frozenset({"torch.finfo"})
WHERE = frozenset({"torch.where"})
NAN_TO_NUM = frozenset({"torch.nan_to_num"})
MAX_REDUCTIONS = frozenset({"torch.max", "torch.amax"})
ZEROS = frozenset({"torch.zeros_like", "torch.zeros"})
ELEMENTWISE_MAX = frozenset({"torch.max", "torch.maximum"})
BOOL_METHODS = frozenset(
    {"eq", "ne", "gt", "lt", "ge", "le", "bool", "logical_and", "logical_or", "logical_not"}
)
BOOL_FUNCS = frozenset(
    {"torch.logical_and", "torch.logical_or", "torch.logical_not", "torch.eq", "torch.ne"}
)
CAST_METHODS = frozenset({"float", "double", "half", "int", "long", "to", "type"})
#: methods numpy arrays and Python numbers do not have
TENSOR_ONLY_METHODS = frozenset(
    {"pow", "square", "sqrt", "norm", "exp", "log", "clamp", "clamp_min", "detach", "softmax"}
)
INT_DTYPES = frozenset({"torch.long", "torch.int64", "torch.int", "torch.int32"})

#: what the fixes write for log(sigmoid(x))
TORCH_LOG_SIGMOID = "torch.nn.functional.logsigmoid"
#: what ``log(exp(a) + exp(b))`` becomes (LF204's message)
TORCH_LOGADDEXP = "torch.logaddexp"

# --- comparisons and reductions (metrics) ------------------------------------------

EQ_FUNCS = frozenset({"torch.eq"})
ROUND_FUNCS = frozenset({"torch.round"})
THRESHOLD_FUNCS = frozenset({"torch.gt", "torch.greater", "torch.ge", "torch.greater_equal"})
#: reductions that turn an elementwise comparison into an accuracy
REDUCE_FUNCS = frozenset({"torch.sum", "torch.mean", "torch.count_nonzero"})

# --- float16 ------------------------------------------------------------------------

#: dtype objects by the name of the precision they stand for
DTYPE_NAMES: dict[str, str] = {
    "torch.float16": "float16",
    "torch.half": "float16",
    "torch.bfloat16": "bfloat16",
    "torch.float32": "float32",
    "torch.float": "float32",
    "torch.float64": "float64",
    "torch.double": "float64",
}
FLOAT_DTYPES = frozenset(DTYPE_NAMES)
#: ops whose output is float16 under a float16 autocast region (besides matmul)
FP16_UNDER_AUTOCAST = frozenset(
    {
        FUNCTIONAL_LINEAR,
        "torch.nn.functional.conv1d",
        "torch.nn.functional.conv2d",
        "torch.nn.functional.conv3d",
        "torch.addmm",
        "torch.baddbmm",
    }
)
#: elementwise ops that keep their input's dtype
DTYPE_KEEPING_METHODS = frozenset(
    {"abs", "relu", "square", "neg", "detach", "clone", "contiguous", "tanh", "flatten"}
)
DTYPE_KEEPING_FUNCS = frozenset(
    {"torch.abs", "torch.relu", "torch.square", "torch.nn.functional.relu", "torch.tanh"}
)
#: reductions that keep the dtype outside autocast
DTYPE_KEEPING_REDUCTIONS = frozenset({"sum", "mean", "norm", "std", "amax", "max"})

# --- grad mode, autocast, GradScaler -------------------------------------------------

NO_GRAD = frozenset(
    {
        "torch.no_grad",
        "torch.inference_mode",
        "torch.autograd.no_grad",
        "torch.autograd.inference_mode",
        "torch.autograd.grad_mode.no_grad",
        "torch.autograd.grad_mode.inference_mode",
    }
)
ENABLE_GRAD = frozenset({"torch.enable_grad", "torch.autograd.enable_grad"})
SET_GRAD_ENABLED = frozenset({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled"})

#: autocast context managers → default dtype when no ``dtype=`` is given
#: (None: depends on the ``device_type`` argument)
AUTOCAST: dict[str, str | None] = {
    "torch.autocast": None,
    "torch.amp.autocast": None,
    "torch.amp.autocast_mode.autocast": None,
    "torch.cuda.amp.autocast": "float16",
    "torch.cuda.amp.autocast_mode.autocast": "float16",
    "torch.cpu.amp.autocast": "bfloat16",
    "torch.cpu.amp.autocast_mode.autocast": "bfloat16",
}
#: ``torch.autocast(device_type)`` → its default dtype
DEVICE_DEFAULT_DTYPE = {"cuda": "float16", "cpu": "bfloat16", "xpu": "bfloat16", "hpu": "bfloat16"}

GRAD_SCALERS = frozenset(
    {
        "torch.cuda.amp.GradScaler",
        "torch.amp.GradScaler",
        "torch.amp.grad_scaler.GradScaler",
        "torch.cpu.amp.GradScaler",
        "torch.GradScaler",
    }
)

# --- training loops -------------------------------------------------------------------

#: optimiser families for LF307: "adaptive", "sgd", "unbounded" (lr ~ 1 is normal), "other"
TORCH_OPTIMIZERS: dict[str, str] = {
    "Adam": "adaptive",
    "AdamW": "adaptive",
    "Adamax": "adaptive",
    "NAdam": "adaptive",
    "RAdam": "adaptive",
    "RMSprop": "adaptive",
    "Adagrad": "adaptive",
    "SparseAdam": "adaptive",
    "SGD": "sgd",
    "ASGD": "sgd",
    "Adadelta": "unbounded",
    "LBFGS": "unbounded",
    "Rprop": "other",
    "Adafactor": "other",
}
TORCH_OPTIMIZER_PREFIXES = ("torch.optim.",)
#: optimisers whose default eps is 1e-8
ADAM_FAMILY = frozenset(
    {
        "torch.optim.Adam",
        "torch.optim.AdamW",
        "torch.optim.Adamax",
        "torch.optim.NAdam",
        "torch.optim.RAdam",
    }
)
SCHEDULER_PREFIXES = ("torch.optim.lr_scheduler.",)
CLIP_FUNCTIONS = frozenset(
    {
        "torch.nn.utils.clip_grad_norm_",
        "torch.nn.utils.clip_grad_value_",
        "torch.nn.utils.clip_grad_norm",
        "torch.nn.utils.clip_grad.clip_grad_norm_",
        "torch.nn.utils.clip_grad.clip_grad_value_",
        "torch.nn.utils.clip_grad.clip_grad_norm",
    }
)
AUTOGRAD_BACKWARD = frozenset({"torch.autograd.backward"})
ANOMALY_SETTERS = frozenset(
    {"torch.autograd.set_detect_anomaly", "torch.autograd.anomaly_mode.set_detect_anomaly"}
)
ANOMALY_CONTEXT = frozenset(
    {"torch.autograd.detect_anomaly", "torch.autograd.anomaly_mode.detect_anomaly"}
)
