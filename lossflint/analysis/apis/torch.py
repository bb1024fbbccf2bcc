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

#: the release string, as tests of it are written (``torch.__version__ < "0.4"``)
TORCH_VERSION = "torch.__version__"
SOFTMAX = frozenset({"torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax"})
LOG_SOFTMAX = frozenset(
    {"torch.log_softmax", "torch.nn.functional.log_softmax", "torch.special.log_softmax"}
)
SIGMOID = frozenset({"torch.sigmoid", "torch.nn.functional.sigmoid", "torch.special.expit"})
#: positive, unnormalised outputs (a point process's intensities, a Poisson
#: rate): never a probability, whatever a formula weighs their log with
RATE_FUNCS = frozenset({"torch.nn.functional.softplus"})
RATE_LAYERS = frozenset({"torch.nn.Softplus"})
#: calls that give their first argument's values back in another layout
#: (padded with a constant to one length)
VALUE_KEEPING = frozenset({"torch.nn.utils.rnn.pad_sequence"})
#: functions that only reshape their first argument (every value kept)
SHAPE_FUNCTIONS = frozenset({"torch.unsqueeze", "torch.reshape", "torch.squeeze", "torch.flatten"})
#: resizes of a feature map; ``INTERPOLATION_MODES`` (and the default mode)
#: make each output value a convex combination of input values
INTERPOLATIONS = frozenset(
    {
        "torch.nn.functional.interpolate",
        "torch.nn.functional.upsample",
        "torch.nn.functional.upsample_bilinear",
        "torch.nn.functional.upsample_nearest",
    }
)
INTERPOLATION_MODES = frozenset(
    {"nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area"}
)
#: the count of the non-zero entries: a count of a mask, 0 when none is set
COUNT_NONZERO = frozenset({"torch.count_nonzero"})
#: squashing functions: their output lies in [-1, 1] (an ``exp`` of it is at most e)
BOUNDED_ACTIVATIONS = frozenset(
    {
        "torch.tanh",
        "torch.nn.functional.tanh",
        "torch.sigmoid",
        "torch.nn.functional.sigmoid",
        "torch.sin",
        "torch.cos",
    }
)
LOG = frozenset({"torch.log", "torch.special.log"})
#: logarithms in another base (0 gives -inf as for ``log``; ``log1p`` is no log of 0)
LOG_BASES = {"torch.log10": 10, "torch.log2": 2}
EXP = frozenset({"torch.exp"})
EXP_METHODS = frozenset({"exp"})
NON_NEGATIVE_FUNCS = frozenset(
    {"torch.relu", "torch.nn.functional.relu", "torch.abs", "torch.square", "torch.exp"}
)
ARGMAX = frozenset({"torch.argmax", "torch.argmin"})
ONE_HOT = frozenset({"torch.nn.functional.one_hot"})
RANDINT = frozenset({"torch.randint"})
#: where the deprecated ``size_average``/``reduce`` sit among a loss class's
#: positional parameters (PyTorch 0.4-era code passes them positionally:
#: ``nn.NLLLoss(weight, size_average, ignore_index)``)
LEGACY_REDUCTION_POSITIONS: dict[str, tuple[int, int]] = {
    "torch.nn.L1Loss": (0, 1),
    "torch.nn.MSELoss": (0, 1),
    "torch.nn.SmoothL1Loss": (0, 1),
    "torch.nn.SoftMarginLoss": (0, 1),
    "torch.nn.KLDivLoss": (0, 1),
    "torch.nn.MultiLabelMarginLoss": (0, 1),
    "torch.nn.BCELoss": (1, 2),
    "torch.nn.BCEWithLogitsLoss": (1, 2),
    "torch.nn.MultiLabelSoftMarginLoss": (1, 2),
    "torch.nn.HingeEmbeddingLoss": (1, 2),
    "torch.nn.CosineEmbeddingLoss": (1, 2),
    "torch.nn.MarginRankingLoss": (1, 2),
    "torch.nn.NLLLoss": (1, 3),
    "torch.nn.NLLLoss2d": (1, 3),
    "torch.nn.CrossEntropyLoss": (1, 3),
    "torch.nn.PoissonNLLLoss": (2, 4),
    "torch.nn.MultiMarginLoss": (3, 4),
    "torch.nn.TripletMarginLoss": (4, 5),
    # the functional forms (``F.cross_entropy(x, y, w, self.size_average)``)
    "torch.nn.functional.cross_entropy": (3, 5),
    "torch.nn.functional.nll_loss": (3, 5),
    "torch.nn.functional.binary_cross_entropy": (3, 4),
    "torch.nn.functional.binary_cross_entropy_with_logits": (3, 4),
    "torch.nn.functional.multilabel_soft_margin_loss": (3, 4),
    "torch.nn.functional.hinge_embedding_loss": (3, 4),
    "torch.nn.functional.mse_loss": (2, 3),
    "torch.nn.functional.l1_loss": (2, 3),
    "torch.nn.functional.smooth_l1_loss": (2, 3),
    "torch.nn.functional.kl_div": (2, 3),
    "torch.nn.functional.soft_margin_loss": (2, 3),
    "torch.nn.functional.multilabel_margin_loss": (2, 3),
    "torch.nn.functional.poisson_nll_loss": (4, 6),
    "torch.nn.functional.margin_ranking_loss": (4, 5),
    "torch.nn.functional.cosine_embedding_loss": (4, 5),
    "torch.nn.functional.multi_margin_loss": (5, 6),
}
#: wrappers that make a function a per-sample data transform
DATA_TRANSFORM_WRAPPERS = frozenset(
    {"torchvision.transforms.Lambda", "torchvision.transforms.transforms.Lambda"}
    | {"torchvision.transforms.v2.Lambda"}
)
#: draws of random numbers: a data set of such rows has no order to learn
RANDOM_DRAWS = frozenset(
    {
        "torch.randn",
        "torch.rand",
        "torch.randint",
        "torch.normal",
        "torch.randperm",
        "numpy.random.randn",
        "numpy.random.rand",
        "numpy.random.randint",
        "numpy.random.normal",
        "numpy.random.uniform",
        "numpy.random.random",
    }
)
#: draws of continuous random numbers: many of them have a std far from 0
#: (DevNet's reference scores ``torch.randn(5000)``)
CONTINUOUS_RANDOM_DRAWS = frozenset(
    {
        "torch.randn",
        "torch.rand",
        "torch.normal",
        "numpy.random.randn",
        "numpy.random.rand",
        "numpy.random.normal",
        "numpy.random.uniform",
        "numpy.random.random",
        "tensorflow.random.normal",
        "tensorflow.random.uniform",
        "tensorflow.random_normal",
        "tensorflow.random_uniform",
        "keras.backend.random_normal",
        "keras.backend.random_uniform",
    }
)
#: an order drawn at random (a data set indexing its rows through one)
#: tensor methods that overwrite every element with fresh random draws
#: (``w.normal_(0, 1)``): what the tensor held before, gradient included, is gone
RANDOM_REFILLS = frozenset(
    {"normal_", "uniform_", "bernoulli_", "exponential_", "random_", "geometric_", "cauchy_"}
    | {"log_normal_"}
)
RANDOM_ORDERS = RANDOM_DRAWS | frozenset({"numpy.random.permutation", "random.sample"})
#: shuffles of a list or array in place (``random.shuffle(self.lines)``)
SHUFFLES_IN_PLACE = frozenset({"random.shuffle", "numpy.random.shuffle"})
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
    "tanh": Kind.BOUNDED,
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
        # a test-time augmentation flips probability maps back
        "flip",
        "fliplr",
        "flipud",
        "roll",
        "rot90",
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
    "torch.nn.Tanh": Kind.BOUNDED,
    "torch.nn.Linear": Kind.LOGITS,
    "torch.nn.LazyLinear": Kind.LOGITS,
    "torch.nn.Bilinear": Kind.LOGITS,
    "torch.nn.Conv1d": Kind.LOGITS,
    "torch.nn.Conv2d": Kind.LOGITS,
    "torch.nn.Conv3d": Kind.LOGITS,
    "torch.nn.ConvTranspose1d": Kind.LOGITS,
    "torch.nn.ConvTranspose2d": Kind.LOGITS,
    "torch.nn.ConvTranspose3d": Kind.LOGITS,
    "torch.nn.Identity": None,
    "torch.nn.Dropout": None,
    "torch.nn.Dropout1d": None,
    "torch.nn.Dropout2d": None,
    "torch.nn.Flatten": None,
    # a shape change after the head's sigmoid (eecs498's VAE decoder, audit s165)
    "torch.nn.Unflatten": None,
    # PyTorch Geometric's message-passing layers end in a linear map (no
    # activation): a GNN whose last layer is one outputs scores
    **{
        f"torch_geometric.nn.{prefix}{name}": Kind.LOGITS
        for name in (
            "GCNConv",
            "SAGEConv",
            "GATConv",
            "GATv2Conv",
            "GraphConv",
            "ChebConv",
            "TransformerConv",
            "Linear",
        )
        for prefix in ("", "conv.")
    },
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
        "torch.nn.parallel.DistributedDataParallel",
        "torch.nn.parallel.distributed.DistributedDataParallel",
        # ``model = torch.compile(model)``: an OptimizedModule whose calls run
        # the original forward (its train()/eval() reach the original too)
        "torch.compile",
        # Ray Train wraps the model in DistributedDataParallel (or leaves it)
        "ray.train.torch.prepare_model",
        # ignite's ``idist.auto_model(model)``: the model, or DDP/DataParallel of it
        "ignite.distributed.auto_model",
        "ignite.distributed.auto.auto_model",
    }
    # Opacus's per-sample-gradient wrappers: their calls run the wrapped model
    | {
        f"opacus.{path}"
        for path in (
            "GradSampleModule",
            "grad_sample.GradSampleModule",
            "grad_sample.grad_sample_module.GradSampleModule",
            "grad_sample.GradSampleModuleFastGradientClipping",
        )
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
#: layers whose output is ``(N, C, H, W)``: its class axis is dim 1 (LF110)
IMAGE_MAP_LAYERS = frozenset(
    {"torch.nn.Conv2d", "torch.nn.ConvTranspose2d", "torch.nn.LazyConv2d", "torch.nn.BatchNorm2d"}
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
    # the 0.3-era alias of NLLLoss for images (removed in later releases, still
    # in segmentation repositories)
    "torch.nn.NLLLoss2d": "torch.nn.functional.nll_loss",
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
#: losses that are a mean (or sum) of squared errors: 0 on a perfect fit
SQUARED_ERROR_LOSSES = frozenset({"torch.nn.functional.mse_loss"})
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
MULTIPLY = frozenset({"torch.mul", "torch.multiply"})
SUBTRACT = frozenset({"torch.sub", "torch.subtract"})
VARIANCE = frozenset({"torch.var"})
ACOS = frozenset({"torch.acos", "torch.arccos", "torch.asin", "torch.arcsin"})
ACOS_METHODS = ("acos", "arccos", "asin", "arcsin")
LOG1P = frozenset({"torch.log1p"})
COSINE_SIMILARITY = frozenset({"torch.nn.functional.cosine_similarity", "torch.cosine_similarity"})
NORMALIZE = frozenset({"torch.nn.functional.normalize"})
SUM = frozenset({"torch.sum", "torch.nansum"})
#: functions whose result carries their first argument's value (and gradient) on
PASSING_FUNCS = frozenset(
    f"torch.{name}"
    for name in (
        "sum",
        "nansum",
        "mean",
        "abs",
        "sqrt",
        "square",
        "exp",
        "log",
        "pow",
        "max",
        "min",
        "amax",
        "amin",
        "clamp",
        "squeeze",
        "unsqueeze",
        "reshape",
        "flatten",
        "transpose",
        "mul",
        "div",
        "add",
        "sub",
        "norm",
        # the selected values, with their indices (``torch.topk(d, k)[0]``)
        "topk",
        "sort",
        "kthvalue",
    )
) | frozenset(
    # a softmax passes its input's gradient on (its argmax is an index: audit
    # s159's capsule lengths, softmaxed only to pick the masked class)
    {"torch.softmax", "torch.nn.functional.softmax", "torch.log_softmax"}
    | {"torch.nn.functional.log_softmax", "torch.sigmoid"}
)
MEAN = frozenset({"torch.mean"})
NORM = frozenset({"torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm"})
STD = frozenset({"torch.std"})
#: true division written as a call: ``torch.div(a, d)``, ``a.div(d)``
DIVIDE_FUNCTIONS = frozenset({"torch.div", "torch.true_divide", "torch.divide"})
DIVIDE_METHODS = ("div", "div_", "true_divide", "divide")
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
#: tensors allocated to be written slice by slice (``buf[i] = loss``)
TORCH_BUFFER_FACTORIES = ZEROS | frozenset(
    {
        "torch.empty",
        "torch.empty_like",
        "torch.ones",
        "torch.full",
        "torch.Tensor",
        "torch.FloatTensor",
    }
)
#: running sums (``log(cumsum(exp(x)))`` is a running log-sum-exp: a Cox partial likelihood)
CUMSUM = frozenset({"torch.cumsum"})
#: tensor methods making zeros of the receiver's dtype and device (``x.new_zeros(shape)``)
ZEROS_METHODS = frozenset({"new_zeros"})
#: zeros in any framework: a parameter started there is 0 at the first step
ZERO_STARTS = ZEROS | frozenset(
    {"tensorflow.zeros", "tensorflow.zeros_like", "numpy.zeros", "numpy.zeros_like"}
)
#: tensors of ones (``tf.where(c, tf.zeros_like(x), tf.ones_like(x))`` is a 0/1 mask)
ONE_STARTS = frozenset(
    f"{module}.{name}"
    for module in ("torch", "tensorflow", "numpy")
    for name in ("ones", "ones_like")
)
#: starts holding zeros off the diagonal only: a determinant or a diagonal of
#: the learned matrix is nonzero, its entries are not
IDENTITY_STARTS = frozenset({"torch.eye", "tensorflow.eye", "numpy.eye", "numpy.identity"})
ELEMENTWISE_MAX = frozenset({"torch.max", "torch.maximum"})
BOOL_METHODS = frozenset(
    {"eq", "ne", "gt", "lt", "ge", "le", "bool", "logical_and", "logical_or", "logical_not"}
)
BOOL_FUNCS = frozenset(
    {"torch.logical_and", "torch.logical_or", "torch.logical_not", "torch.eq", "torch.ne"}
    | {f"torch.{c}" for c in ("gt", "lt", "ge", "le", "greater", "less")}
    | {"torch.greater_equal", "torch.less_equal", "torch.not_equal"}
)
CAST_METHODS = frozenset({"float", "double", "half", "int", "long", "to", "type"})
#: methods that give the same values in another shape (a mask reshaped keeps
#: which entries are zero)
RESHAPE_METHODS = frozenset(
    {"unsqueeze", "view", "reshape", "expand", "expand_as", "squeeze", "flatten", "type_as"}
)
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
#: functional comparisons: a boolean result, no gradient flows back through it
COMPARISON_FUNCS = frozenset(
    f"torch.{name}"
    for name in (
        "lt le gt ge eq ne less less_equal greater greater_equal not_equal equal isclose allclose"
    ).split()
)

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
#: functions whose every output element lies in [-1, 1] (and methods so named)
UNIT_BOUNDED = frozenset(
    {
        "torch.tanh",
        "torch.nn.functional.tanh",
        "torch.nn.functional.hardtanh",
        "torch.nn.functional.softsign",
        "tensorflow.math.tanh",
        "tensorflow.nn.tanh",
        "tensorflow.tanh",
        "keras.activations.tanh",
    }
)
UNIT_BOUNDED_METHODS = frozenset({"tanh"})
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
#: custom autograd functions: autograd runs their ``forward`` and ``backward``
#: with grad mode off (``backward`` on unless ``create_graph=True``)
AUTOGRAD_FUNCTIONS = frozenset(
    {
        "torch.autograd.Function",
        "torch.autograd.function.Function",
        "torch.autograd.function.InplaceFunction",
    }
)
#: the methods of a custom autograd function that autograd runs itself
AUTOGRAD_FUNCTION_METHODS = frozenset({"forward", "backward"})
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

#: Lightning Fabric: ``Fabric(precision="16-true")`` converts what ``setup``
#: gets to float16 (no scaler, unlike "16-mixed")
FABRIC_CLASSES = frozenset(
    {"lightning.Fabric", "lightning.fabric.Fabric", "lightning_fabric.Fabric"}
)
FABRIC_HALF_PRECISIONS = frozenset({"16-true", "half-true"})
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
#: adding values into a tensor at given indices (a pointer-generator's
#: ``vocab_dist.scatter_add(2, ids, attn_dist)``): the other entries keep theirs
SCATTER_ADD_METHODS = frozenset({"scatter_add", "index_add"})
SCATTER_ADD_FUNCTIONS = frozenset({"torch.scatter_add", "torch.index_add"})
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

# --- more tensors -------------------------------------------------------------------

#: the module the LF2xx fixes call ``logsigmoid`` / ``softplus`` from (imported
#: as ``F`` when the file lacks it)
TORCH_FUNCTIONAL = "torch.nn.functional"
#: zeros shaped like their argument: ``max(zeros_like(x), y)`` is exactly ``relu(y)``
#: (``torch.zeros(shape)`` could broadcast ``y`` to a larger shape)
ZEROS_LIKE = "torch.zeros_like"
#: qualified names under this prefix are torch functions (a constant-initialised
#: layer's output is followed through them in ``analysis/weight_init.py``)
TORCH_PREFIX = "torch."
#: tensor methods whose result no longer holds the autograd graph
DETACHING_METHODS = frozenset({"item", "detach", "tolist", "numpy", "detach_"})
#: ``torch.autograd.grad(outputs, inputs)``: its first argument is differentiated
AUTOGRAD_GRAD = frozenset({"torch.autograd.grad"})
#: tensors built from a Python value: constant when that value is
CONSTANT_TENSORS = frozenset({"torch.tensor", "torch.as_tensor"})
#: a grid of numbers fixed by constant arguments
CONSTANT_GRIDS = frozenset({"torch.arange", "torch.linspace", "torch.logspace"})
#: distributions built from logits (``Categorical(logits=torch.log(p))``): a -inf
#: logit is a class of probability 0
LOGIT_DISTRIBUTIONS = frozenset(
    {"torch.distributions.Categorical", "torch.distributions.categorical.Categorical"}
)
#: distributions whose ``probs`` are the softmax / sigmoid of the ``logits=``
#: they are built from (``OneHotCategorical(logits=z).probs``)
SOFTMAX_DISTRIBUTIONS = frozenset(
    {
        "torch.distributions.Categorical",
        "torch.distributions.categorical.Categorical",
        "torch.distributions.OneHotCategorical",
        "torch.distributions.one_hot_categorical.OneHotCategorical",
    }
)
SIGMOID_DISTRIBUTIONS = frozenset(
    {"torch.distributions.Bernoulli", "torch.distributions.bernoulli.Bernoulli"}
)
#: tensors of one repeated value, whatever their shape (``torch.ones_like(p)``)
FILLED_TENSORS = frozenset({"torch.ones", "torch.zeros", "torch.ones_like", "torch.zeros_like"})
#: ... of the value given second (``torch.full(shape, 0.5)``)
FULL_TENSORS = frozenset({"torch.full", "torch.full_like"})
#: what `.long()` makes, built directly: class indices (``torch.tensor(y, dtype=torch.long)``)
LONG_DTYPES = frozenset({"torch.long", "torch.int64"})
LONG_TENSOR_CTORS = frozenset({"torch.LongTensor", "torch.cuda.LongTensor"})
#: elementwise activations that keep a float16 input float16 under autocast (not on
#: autocast's float32 list)
FP16_KEEPING_ACTIVATIONS = frozenset(
    {
        "torch.sigmoid",
        "torch.nn.functional.sigmoid",
        "torch.tanh",
        "torch.nn.functional.relu",
        "torch.relu",
        "torch.abs",
        "torch.square",
    }
)
FP16_KEEPING_METHODS = frozenset({"sigmoid", "tanh", "relu", "abs", "square", "clone"})
#: wrap a tensor as a trainable leaf: its gradient is what training computes
#: (whatever built the wrapped tensor, a factory or a constant)
TRAINABLE_VARIABLES = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
#: functions reading their first argument's values at indices
INDEXED_READS = frozenset({"torch.gather", "torch.index_select", "torch.take_along_dim"})
#: functions drawing integer indices (no gradient flows through them)
INDEX_SAMPLERS = frozenset({"torch.multinomial"})
#: factories whose positional arguments are the sizes (``torch.zeros(3, 4)``)
SIZED_FACTORIES = frozenset(
    {"torch.zeros", "torch.ones", "torch.empty", "torch.rand", "torch.randn"}
)
#: tensor factories: their result has no gradient history (unless requires_grad=True)
TENSOR_FACTORIES = frozenset(
    {
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
        "torch.arange",
        "torch.zeros",
        "torch.ones",
        "torch.full",
        "torch.eye",
        "torch.linspace",
        "torch.empty",
        "torch.rand",
        "torch.randn",
        "torch.randint",
        "torch.zeros_like",
        "torch.ones_like",
        "torch.full_like",
        "torch.empty_like",
        "torch.rand_like",
        "torch.randn_like",
        # the legacy constructors copy data into a new leaf
        "torch.Tensor",
        "torch.FloatTensor",
        "torch.DoubleTensor",
        "torch.HalfTensor",
        "torch.LongTensor",
        "torch.IntTensor",
        "torch.BoolTensor",
        "torch.ByteTensor",
        "torch.cuda.FloatTensor",
        "torch.cuda.LongTensor",
        # window functions: constants
        "torch.hann_window",
        "torch.hamming_window",
        "torch.blackman_window",
        "torch.bartlett_window",
        "torch.kaiser_window",
    }
)
#: the loss object whose functional form is ``KL_DIV`` (LF107 reads its
#: ``reduction``, which sits at another position than in the functional call)
KL_DIV_LOSS = "torch.nn.KLDivLoss"
#: PyTorch losses ``(input, target)`` where swapping changes what is computed (LF604)
ORDERED_TORCH_LOSSES = frozenset(
    {
        "torch.nn.functional.cross_entropy",
        "torch.nn.functional.nll_loss",
        "torch.nn.functional.binary_cross_entropy",
        "torch.nn.functional.binary_cross_entropy_with_logits",
        "torch.nn.functional.multilabel_soft_margin_loss",
        "torch.nn.functional.multi_margin_loss",
    }
)
#: calls joining a list of tensors (a decoder's steps) into one tensor
#: tensors of ones: ``torch.ones(n)``, ``torch.ones_like(x)``
ONES_FACTORIES = frozenset({"torch.ones", "torch.ones_like"})
#: joins along an existing axis (``torch.stack`` makes a new one)
CONCATENATIONS = frozenset({"torch.cat", "torch.concat", "torch.concatenate"})
JOIN_FUNCTIONS = frozenset({"torch.cat", "torch.concat", "torch.concatenate", "torch.stack"})
#: ... of them, those adding an axis
STACK_FUNCTIONS = frozenset({"torch.stack"})
#: calls that gather or convert predictions and keep what they hold (metrics)
COLLECT_FUNCS = frozenset(
    {
        "torch.cat",
        "torch.concat",
        "torch.concatenate",
        "torch.stack",
        "torch.hstack",
        "torch.vstack",
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
    }
)
#: ``torch.max(x, dim)`` returns (values, indices): item 1 and ``.indices`` are
#: class indices whatever ``x`` holds
MAX_WITH_INDICES = frozenset({"torch.max", "torch.min"})

# --- data loading (LF602) -----------------------------------------------------------

#: the loader a subclass passing its arguments on stands for
DATA_LOADER = "torch.utils.data.DataLoader"
DATA_LOADERS = frozenset(
    {
        "torch.utils.data.DataLoader",
        "torch.utils.data.dataloader.DataLoader",
        # MONAI's subclass, with the same arguments
        "monai.data.DataLoader",
        "monai.data.dataloader.DataLoader",
    }
)
#: where ``DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, ...)``
#: takes its arguments
LOADER_BATCH_SIZE_POSITION = 1
LOADER_SHUFFLE_POSITION = 2
LOADER_SAMPLER_POSITION = 3
LOADER_BATCH_SAMPLER_POSITION = 4
#: data sets that are map-style (indexable, in a fixed order)
MAP_DATASETS = frozenset(
    {
        "torch.utils.data.TensorDataset",
        "torch.utils.data.dataset.TensorDataset",
        # MONAI's indexable data sets (not its iterable ones: GridPatchDataset,
        # IterableDataset, ShuffleBuffer)
        *(
            f"monai.data.{module}{name}"
            for module in ("", "dataset.")
            for name in (
                "Dataset",
                "ArrayDataset",
                "CacheDataset",
                "PersistentDataset",
                "LMDBDataset",
                "CacheNTransDataset",
                "ZipDataset",
                "NPZDictItemDataset",
            )
        ),
        "monai.data.ImageDataset",
        "monai.data.image_dataset.ImageDataset",
    }
)
#: every data set class under these prefixes is map-style
MAP_DATASET_PREFIXES = ("torchvision.datasets.", "torchaudio.datasets.")
RANDOM_SPLIT = "torch.utils.data.random_split"
#: torchvision classification data sets: ``ds[i]`` is ``(image, class index)``
#: unless a ``target_transform`` changes the label
#: torchvision's MNIST-like and CIFAR data sets (classification sets whose
#: ``.data`` holds the raw pixels)
_TORCHVISION_PIXEL_SETS = (
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "EMNIST",
    "QMNIST",
    "CIFAR10",
    "CIFAR100",
)
TORCHVISION_CLASSIFICATION_DATASETS = frozenset(
    f"torchvision.datasets.{name}"
    for name in (
        *_TORCHVISION_PIXEL_SETS,
        "SVHN",
        "STL10",
        "USPS",
        "ImageFolder",
        "DatasetFolder",
        "ImageNet",
        "GTSRB",
        "Food101",
        "Flowers102",
        "EuroSAT",
        "DTD",
        "FER2013",
        "mnist.MNIST",
        "mnist.FashionMNIST",
        "mnist.KMNIST",
        "mnist.EMNIST",
        "mnist.QMNIST",
        "cifar.CIFAR10",
        "cifar.CIFAR100",
        "folder.ImageFolder",
        "folder.DatasetFolder",
    )
)
#: what a labelled data set's labels are changed through after it is built
#: (``train_ds.targets = (train_ds.targets == 3).float()``)
DATASET_LABEL_ATTRIBUTES = frozenset(
    {"targets", "labels", "train_labels", "test_labels", "target_transform", "samples", "imgs"}
)
#: ``DataLoader`` keywords that change what a batch holds
LOADER_BATCH_CHANGERS = frozenset({"collate_fn"})
#: torchvision data sets that are iterable (streamed), by class name
ITERABLE_TORCHVISION = frozenset({"Kinetics"})
#: Hugging Face ``datasets``: what loads a data set (a ``DatasetDict`` of
#: splits, or one split with ``split="train"``; iterable with ``streaming=True``)
HF_LOAD_DATASET = frozenset({"datasets.load_dataset", "datasets.load.load_dataset"})
#: ``datasets.Dataset`` constructors (one map-style split in the rows' order)
HF_DATASET_CONSTRUCTORS = frozenset(
    {
        f"datasets.{owner}.{name}"
        for owner in ("Dataset", "arrow_dataset.Dataset")
        for name in ("from_pandas", "from_dict", "from_list", "from_csv", "from_generator")
    }
)
#: ``datasets.Dataset``/``DatasetDict`` methods returning the same rows in the
#: same order (a map-style data set stays one)
HF_ROW_KEEPING_METHODS = frozenset(
    {
        "map",
        "filter",
        "select",
        "select_columns",
        "remove_columns",
        "rename_column",
        "rename_columns",
        "with_format",
        "with_transform",
        "cast",
        "cast_column",
        "flatten",
        "sort",
    }
)
#: base classes of map-style / iterable user data sets
MAP_DATASET_BASES = frozenset({"torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset"})
ITERABLE_DATASET_BASES = frozenset(
    {
        "torch.utils.data.IterableDataset",
        "torch.utils.data.dataset.IterableDataset",
        "torch.utils.data.IterDataPipe",
        "torchdata.datapipes.iter.IterDataPipe",
    }
)
#: data set base classes: their items are prepared before any model sees them
DATA_SET_BASES = MAP_DATASET_BASES | ITERABLE_DATASET_BASES
#: tensors made of a Python list's items, one row per item (an episode's
#: returns gathered step by step: LF206)
LIST_TENSORS = frozenset(
    {
        "torch.tensor",
        "torch.as_tensor",
        "torch.Tensor",
        "torch.FloatTensor",
        "torch.stack",
        "torch.cat",
    }
)
#: calls that keep the rows (and the statistics) of their first argument (LF601)
ARRAY_WRAPPERS = frozenset(
    {"torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.FloatTensor"}
)

# --- layers that behave differently in eval mode (LF603) ----------------------------

MODE_DEPENDENT_LAYERS = frozenset(
    {
        "torch.nn.Dropout",
        "torch.nn.Dropout1d",
        "torch.nn.Dropout2d",
        "torch.nn.Dropout3d",
        "torch.nn.AlphaDropout",
        "torch.nn.FeatureAlphaDropout",
        "torch.nn.BatchNorm1d",
        "torch.nn.BatchNorm2d",
        "torch.nn.BatchNorm3d",
        "torch.nn.SyncBatchNorm",
        "torch.nn.LazyBatchNorm1d",
        "torch.nn.LazyBatchNorm2d",
        "torch.nn.LazyBatchNorm3d",
    }
)
TORCH_DROPOUT_LAYERS = frozenset(n for n in MODE_DEPENDENT_LAYERS if "Dropout" in n)
#: recurrent layers with dropout between their stacked layers (only in train
#: mode, only with ``num_layers > 1``): the positions of ``num_layers`` and ``dropout``
RNN_DROPOUT_ARGUMENTS: dict[str, tuple[int, int]] = {
    "torch.nn.LSTM": (2, 5),
    "torch.nn.GRU": (2, 5),
    "torch.nn.RNN": (2, 6),
}
#: layers whose input has a batch axis first (LF605: what they normalise over
#: is the samples of a batch)
BATCH_NORMS = frozenset(n for n in MODE_DEPENDENT_LAYERS if "BatchNorm" in n)
#: layers that compute the same in train and eval mode (an allowlist: a layer not
#: named here may behave differently, as RReLU, InstanceNorm(track_running_stats)
#: and the transformer layers' built-in dropout do)
MODE_FREE_LAYERS = frozenset(
    f"torch.nn.{name}"
    for name in (
        "Linear Bilinear LazyLinear Identity Flatten Unflatten Embedding EmbeddingBag "
        "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d "
        "LazyConv1d LazyConv2d LazyConv3d MaxPool1d MaxPool2d MaxPool3d AvgPool1d "
        "AvgPool2d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d "
        "AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d LPPool1d LPPool2d "
        "ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Tanh Sigmoid Hardtanh "
        "Hardsigmoid Hardswish Softplus Softsign Softmax LogSoftmax Softmax2d LogSigmoid "
        "Tanhshrink Threshold GLU LayerNorm GroupNorm LocalResponseNorm RMSNorm "
        "Upsample UpsamplingNearest2d UpsamplingBilinear2d PixelShuffle PixelUnshuffle "
        "ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ReflectionPad1d "
        "ReflectionPad2d ReplicationPad1d ReplicationPad2d CosineSimilarity PairwiseDistance "
        # weights, no layer: the same in both modes
        "Parameter ParameterList ParameterDict"
    ).split()
)
#: recurrent layers: mode-free unless built with ``dropout`` > 0
RECURRENT_LAYERS = frozenset({"torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN"})
#: instance norms: mode-free unless built with ``track_running_stats=True``
#: (argument 4; 3 for the lazy ones, which take no ``num_features``)
INSTANCE_NORMS = frozenset(
    f"torch.nn.{lazy}InstanceNorm{d}d" for lazy in ("", "Lazy") for d in (1, 2, 3)
)
#: what in a functional call's name makes it behave differently in train mode
MODE_DEPENDENT_WORDS = ("dropout", "batch_norm", "rrelu", "instance_norm")
#: what a module holds when it is built from these: a container of its arguments
MODULE_LIST = "torch.nn.ModuleList"
MODULE_CONTAINERS = frozenset({"torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"})
#: the named-layer dicts a container is built from (``nn.Sequential(OrderedDict([...]))``)
LAYER_DICTS = frozenset({"collections.OrderedDict", "builtins.dict"})
#: methods that move or cast a module and return the module itself
#: (``Net().cuda()``, ``.to(device)``)
MODULE_MOVES = frozenset(
    {"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "eval", "train"}
)
#: of those, the ones that only move a module or tensor to a device (given a
#: device, not a dtype): what they return holds the same values
DEVICE_MOVES = frozenset({"to", "cuda", "cpu"})
#: and the mode switches, which give the module back unchanged too
DEVICE_AND_MODE_MOVES = DEVICE_MOVES | frozenset({"train", "eval"})
#: the last names of torch's data-parallel wrappers, read from syntax alone
#: (``net = torch.nn.DataParallel(net, gpu_ids)``): calling one runs the model
PARALLEL_WRAPPER_NAMES = frozenset({"DataParallel", "DistributedDataParallel"})
#: methods that put trained weights into a model (torch, Keras, Hugging Face)
WEIGHT_LOADING_METHODS = ("load_state_dict", "load_weights", "from_pretrained")
#: containers of named submodules
MODULE_DICTS = frozenset({"torch.nn.ModuleDict", "torch.nn.modules.container.ModuleDict"})
TORCH_MODULE_BASES = frozenset({"torch.nn.Module"})

# --- learning rates and what an optimiser trains (LF307) ----------------------------

#: schedulers that multiply the optimiser's lr by a user function: the LR applied
#: is ``lr * f(step)``, unknown (the Annotated Transformer's ``lr=1`` + Noam factor)
RESCALING_SCHEDULERS = frozenset(
    {"torch.optim.lr_scheduler.LambdaLR", "torch.optim.lr_scheduler.MultiplicativeLR"}
)
#: schedulers that overwrite the optimiser's lr and cycle up to a peak they are
#: given: (position, keyword) of that peak argument
PEAK_LR_SCHEDULERS: dict[str, tuple[int, str]] = {
    "torch.optim.lr_scheduler.OneCycleLR": (1, "max_lr"),
    "torch.optim.lr_scheduler.CyclicLR": (2, "max_lr"),
}
#: the module forms of softmax (``nn.Softmax(dim=0)``): their ``dim`` is the
#: constructor's first argument
SOFTMAX_MODULES = frozenset({"torch.nn.Softmax", "torch.nn.LogSoftmax"})
#: torch layers a linear/logistic regression is made of
LINEAR_LAYERS = frozenset({"torch.nn.Linear", "torch.nn.LazyLinear"})
#: torch modules without weights a linear/logistic regression may hold next to its
#: ``Linear`` (an output squashing, a flatten, dropout); losses are recognised by name
TORCH_PARAMETER_FREE = frozenset(
    {
        "torch.nn.Sigmoid",
        "torch.nn.Softmax",
        "torch.nn.LogSoftmax",
        "torch.nn.Identity",
        "torch.nn.Flatten",
        "torch.nn.Dropout",
    }
)
TORCH_NN_PREFIX = "torch.nn."
#: ``torch.nn`` namespaces of functions, not layers a module holds
TORCH_NN_FUNCTION_PREFIXES = ("torch.nn.functional.", "torch.nn.init.", "torch.nn.utils.")
#: libraries whose functions make plain arrays and tensors (no layers)
ARRAY_LIBRARY_PREFIXES = ("torch.", "numpy.", "math.", "builtins.", "scipy.")
#: torch layers whose weight count the sizes they are given decide: the
#: (position, keyword) names of those sizes
LAYER_SIZE_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "torch.nn.Linear": ("in_features", "out_features"),
    "torch.nn.Embedding": ("num_embeddings", "embedding_dim"),
    "torch.nn.RNN": ("input_size", "hidden_size"),
    "torch.nn.GRU": ("input_size", "hidden_size"),
    "torch.nn.LSTM": ("input_size", "hidden_size"),
    # a scale and a shift per feature (``affine=True``, their default)
    "torch.nn.BatchNorm1d": ("num_features",),
    "torch.nn.BatchNorm2d": ("num_features",),
    "torch.nn.BatchNorm3d": ("num_features",),
    "torch.nn.LayerNorm": ("normalized_shape",),
}
#: weight matrices per recurrent layer (one per gate), by ``torch.nn`` class name
RECURRENT_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
#: weight-free activations: they add nothing to a model's weight count
TORCH_ACTIVATION_MODULES = frozenset(
    f"torch.nn.{name}"
    for name in ("ReLU", "LeakyReLU", "Tanh", "GELU", "ELU", "SiLU", "Softplus", "ReLU6", "Mish")
)
#: calls that wrap a model and train the same weights: (position, keyword) of the model
MODEL_WRAPPERS: dict[str, tuple[int, str]] = {
    "torch.distributed.tensor.parallel.parallelize_module": (0, "module"),
    "torch.nn.DataParallel": (0, "module"),
    "torch.nn.parallel.DataParallel": (0, "module"),
    "torch.nn.parallel.DistributedDataParallel": (0, "module"),
    "torch.distributed.fsdp.FullyShardedDataParallel": (0, "module"),
    "torch.compile": (0, "model"),
    "ignite.distributed.auto_model": (0, "model"),
    "ignite.distributed.auto.auto_model": (0, "model"),
}

# --- raw pixels on their way to a model (LF412, LF413) ------------------------------

#: torchvision data sets whose ``.data`` holds the raw 0-255 pixels (only reading
#: the data set object, ``ds[i]``, goes through its transform)
TORCHVISION_PIXEL_DATASETS = frozenset(
    f"torchvision.datasets.{name}"
    for name in (
        *_TORCHVISION_PIXEL_SETS,
        "mnist.MNIST",
        "mnist.FashionMNIST",
        "mnist.KMNIST",
        "mnist.EMNIST",
        "mnist.QMNIST",
        "cifar.CIFAR10",
        "cifar.CIFAR100",
    )
)
#: attributes of those data sets holding the pixels / the class labels
TORCHVISION_PIXEL_ATTRIBUTES = frozenset({"data", "train_data", "test_data"})
TORCHVISION_LABEL_ATTRIBUTES = frozenset({"targets", "train_labels", "test_labels"})
#: data sets of tensors: ``ds[i]`` is the tuple of its tensors' rows
TENSOR_DATASETS = frozenset(
    {"torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset"}
)
#: calls that keep the values of their first argument (a conversion, a reshape)
TORCH_VALUE_KEEPING_FUNCS = frozenset(
    {
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
        "torch.Tensor",
        "torch.FloatTensor",
        "torch.DoubleTensor",
        "torch.autograd.Variable",
        "torch.flatten",
        "torch.reshape",
        "torch.unsqueeze",
        "torch.squeeze",
        "torch.permute",
        "torch.transpose",
        "torch.flip",
        "torch.fliplr",
        "torch.flipud",
        "torch.roll",
        "torch.rot90",
    }
)
#: tensor/array methods that keep the values (dtype, device, shape, copies, rows):
#: those that keep the kind, and numpy's, integer casts, row picks and in-place reshapes
VALUE_KEEPING_METHODS = KIND_PRESERVING_METHODS | frozenset(
    {
        "numpy",
        "astype",
        "copy",
        "ravel",
        "long",
        "int",
        "byte",
        "repeat",
        "index_select",
        "narrow",
        "unsqueeze_",
        "squeeze_",
        "resize_",
        "t_",
        "transpose_",
    }
)
#: tensor methods whose arguments are sizes, dims or a tensor whose shape or
#: dtype only is read (``grid.type_as(x)``): what they give is computed from
#: the receiver alone. (``.to(device)`` stays out: an unknown device keeps
#: PPO's advantage standardisation ``(adv - adv.mean()) / adv.std()`` of a
#: helper's tensor, moved with ``adv.to(device)``, among the values LF206 asks
#: about; see ``rollout_returns.py``.)
SHAPE_ARGUMENT_METHODS = frozenset(
    {
        "type_as",
        "repeat",
        "tile",
        "view",
        "view_as",
        "reshape",
        "reshape_as",
        "expand",
        "expand_as",
        "permute",
        "transpose",
        "unsqueeze",
        "squeeze",
        "flatten",
        "roll",
        "flip",
        "narrow",
    }
)
#: calls and methods that cut an array into batches of its rows
BATCH_SPLITTING_FUNCS = frozenset({"torch.split", "torch.chunk", "torch.tensor_split"})
BATCH_SPLITTING_METHODS = frozenset({"split", "chunk", "tensor_split"})
#: calls and methods that cut a tensor into parts (a list of them, or unpacked):
#: parts of probabilities are probabilities
#: unpacks a ``PackedSequence`` into ``(padded, lengths)``: the values, padded with 0
PAD_PACKED = "torch.nn.utils.rnn.pad_packed_sequence"
PART_FUNCTIONS = frozenset(
    {*BATCH_SPLITTING_FUNCS, "torch.unbind", "tensorflow.split", "tensorflow.unstack"}
)
PART_METHODS = frozenset({*BATCH_SPLITTING_METHODS, "unbind"})
#: layers with weights that take the input as it is (no normalisation of their own)
TORCH_INPUT_LAYERS = frozenset(
    f"torch.nn.{name}"
    for name in (
        "Linear",
        "LazyLinear",
        "Bilinear",
        "Conv1d",
        "Conv2d",
        "Conv3d",
        "LazyConv1d",
        "LazyConv2d",
        "LazyConv3d",
        "RNN",
        "LSTM",
        "GRU",
    )
)
#: normalisation layers: a model holding one rescales what it is given
TORCH_NORM_LAYERS = frozenset(
    f"torch.nn.{name}"
    for name in (
        "BatchNorm1d",
        "BatchNorm2d",
        "BatchNorm3d",
        "LazyBatchNorm1d",
        "LazyBatchNorm2d",
        "LazyBatchNorm3d",
        "SyncBatchNorm",
        "LayerNorm",
        "GroupNorm",
        "InstanceNorm1d",
        "InstanceNorm2d",
        "InstanceNorm3d",
        "LazyInstanceNorm1d",
        "LazyInstanceNorm2d",
        "LazyInstanceNorm3d",
        "LocalResponseNorm",
        "RMSNorm",
    )
)
#: layers that pass the values through (a shape change, dropout)
TORCH_VALUE_KEEPING_LAYERS = frozenset(
    f"torch.nn.{name}"
    for name in ("Flatten", "Unflatten", "Identity", "Dropout", "Dropout1d", "Dropout2d")
)
#: losses that read their target as class indices
CLASS_INDEX_LOSSES = frozenset(
    {"torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss"}
)
#: a data set of some of another data set's items
DATASET_SUBSETS = frozenset({"torch.utils.data.Subset", "torch.utils.data.dataset.Subset"})

#: a matrix's diagonal (``torch.diag(sim)``; also the methods ``DIAGONAL_METHODS``)
DIAGONALS = frozenset({"torch.diag", "torch.diagonal", "torch.diag_embed"})
#: the tensor methods taking a diagonal
DIAGONAL_METHODS = frozenset({"diag", "diagonal"})
#: functions that pick or reshape elements of their first argument (see
#: ``core.SELECTION_METHODS``)
SELECTION_FUNCTIONS = frozenset(
    {
        # the values packed as they are (a ``PackedSequence``)
        "torch.nn.utils.rnn.pack_padded_sequence",
        "torch.gather",
        "torch.squeeze",
        "torch.unsqueeze",
        "torch.reshape",
        "torch.flatten",
        "torch.index_select",
        "torch.take_along_dim",
        "torch.transpose",
        "torch.permute",
        "torch.narrow",
        "torch.select",
        "torch.masked_select",
        "torch.flip",
        "torch.fliplr",
        "torch.flipud",
        "torch.roll",
        "torch.rot90",
    }
)


#: torchvision classification models by constructor, and the attribute that
#: holds the last module of their ``forward`` (the head a fine-tuning script
#: replaces: ``model.fc = nn.Linear(...)``, ``model.classifier = ...``)
_VISION_FAMILIES = {
    "fc": "resnet18 resnet34 resnet50 resnet101 resnet152 resnext50_32x4d resnext101_32x8d"
    " resnext101_64x4d wide_resnet50_2 wide_resnet101_2 inception_v3 googlenet"
    " shufflenet_v2_x0_5 shufflenet_v2_x1_0 shufflenet_v2_x1_5 shufflenet_v2_x2_0"
    " regnet_x_400mf regnet_y_400mf",
    "classifier": "densenet121 densenet161 densenet169 densenet201 vgg11 vgg11_bn vgg13 vgg13_bn"
    " vgg16 vgg16_bn vgg19 vgg19_bn alexnet mobilenet_v2 mobilenet_v3_large mobilenet_v3_small"
    " efficientnet_b0 efficientnet_b1 efficientnet_b2 efficientnet_b3 efficientnet_b4"
    " efficientnet_b5 efficientnet_b6 efficientnet_b7 efficientnet_v2_s efficientnet_v2_m"
    " efficientnet_v2_l mnasnet0_5 mnasnet1_0 squeezenet1_0 squeezenet1_1 convnext_tiny"
    " convnext_small convnext_base convnext_large",
    "heads": "vit_b_16 vit_b_32 vit_l_16 vit_l_32 vit_h_14",
    "head": "swin_t swin_s swin_b swin_v2_t swin_v2_s swin_v2_b",
}
VISION_MODEL_HEADS = {
    f"torchvision.models.{name}": attr
    for attr, names in _VISION_FAMILIES.items()
    for name in names.split()
}

#: the torchvision models holding batch norm, dropout or stochastic depth (the
#: ViTs' dropout defaults to 0: they behave the same in either mode)
VISION_MODELS_WITH_MODE_LAYERS = frozenset(
    name for name in VISION_MODEL_HEADS if not name.startswith("torchvision.models.vit_")
)

#: functions that transpose their first argument (the same values, moved)
TRANSPOSE_FUNCTIONS = frozenset(
    {"torch.t", "torch.transpose", "tensorflow.transpose", "tensorflow.linalg.matrix_transpose"}
    | {"keras.backend.transpose", "keras.ops.transpose"}
)
#: the sign of each element (-1, 0 or 1), in every framework
SIGN_FUNCTIONS = frozenset(
    {"torch.sign", "tensorflow.sign", "tensorflow.math.sign", "numpy.sign"}
    | {"keras.backend.sign", "keras.ops.sign"}
)

#: methods of a module that hand back the module itself (``m.cuda()(x)`` runs it)
MODULE_RETURNING_METHODS = frozenset(
    {"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "type"}
    | {"requires_grad_", "apply", "share_memory"}
)
#: class methods rebuilding a saved instance (Lightning): ``__init__`` gets the
#: hyper-parameters saved by the training run, so such a call pins nothing
RESTORING_CLASS_METHODS = frozenset({"load_from_checkpoint"})
#: what runs a module's ``forward``: calling it, and the framework methods that
#: run a model (Keras, Lightning)
MODULE_CALL_METHODS = frozenset({"forward", "call", "__call__"})
#: functions printing a model's layers (by one forward pass on made-up input)
MODEL_INSPECTORS = frozenset({"torchinfo.summary", "torchsummary.summary"})
#: attributes of a wrapper holding the wrapped module (DDP's ``module``)
WRAPPED_MODULE_ATTRIBUTES = frozenset({"module", "_orig_mod"})
MODEL_RUN_METHODS = frozenset(
    {"fit", "fit_generator", "predict", "predict_on_batch", "evaluate", "train_on_batch"}
    | {"test_on_batch", "train_step", "test_step", "predict_step", "training_step"}
    | {"validation_step", "_call_impl", "_wrapped_call_impl", "compiled_call"}
)

#: constructors making a new leaf tensor of their argument's values: no
#: gradient reaches back through them (``nn.Parameter(s.abs().log())``)
FRESH_LEAVES = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
