"""What lossflint knows about framework APIs, by canonical qualified name.

Rules never spell a framework name themselves; they ask these tables (through
the semantic model) so that every import style and alias is handled once.
"""

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
    NON_NEGATIVE = "non-negative values"
    LOSS = "a loss"
    UNKNOWN = "unknown"


def _both(names: set[str]) -> frozenset[str]:
    return frozenset(names)


SOFTMAX = _both(
    {
        "torch.softmax",
        "torch.nn.functional.softmax",
        "torch.special.softmax",
        "tensorflow.nn.softmax",
        "tensorflow.math.softmax",
        "keras.activations.softmax",
        "keras.ops.softmax",
        "numpy.softmax",
    }
)
LOG_SOFTMAX = _both(
    {
        "torch.log_softmax",
        "torch.nn.functional.log_softmax",
        "torch.special.log_softmax",
        "tensorflow.nn.log_softmax",
        "tensorflow.math.log_softmax",
        "keras.ops.log_softmax",
    }
)
SIGMOID = _both(
    {
        "torch.sigmoid",
        "torch.nn.functional.sigmoid",
        "torch.special.expit",
        "tensorflow.sigmoid",
        "tensorflow.nn.sigmoid",
        "tensorflow.math.sigmoid",
        "keras.activations.sigmoid",
        "keras.ops.sigmoid",
    }
)
LOG = _both(
    {"torch.log", "torch.special.log", "tensorflow.math.log", "tensorflow.log", "numpy.log"}
)
EXP = _both({"torch.exp", "tensorflow.math.exp", "tensorflow.exp", "numpy.exp"})
SUM = _both({"torch.sum", "tensorflow.reduce_sum", "tensorflow.math.reduce_sum", "numpy.sum"})
NON_NEGATIVE_FUNCS = _both(
    {
        "torch.relu",
        "torch.nn.functional.relu",
        "torch.abs",
        "torch.square",
        "torch.exp",
        "tensorflow.nn.relu",
        "tensorflow.abs",
        "tensorflow.math.abs",
        "tensorflow.square",
        "tensorflow.math.square",
        "tensorflow.exp",
        "tensorflow.math.exp",
    }
)
ARGMAX = _both(
    {"torch.argmax", "torch.argmin", "tensorflow.argmax", "tensorflow.math.argmax", "numpy.argmax"}
)
ONE_HOT = _both({"torch.nn.functional.one_hot", "tensorflow.one_hot", "keras.utils.to_categorical"})
RANDINT = _both({"torch.randint"})

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
PASSTHROUGH_LAYERS = frozenset(k for k, v in LAYER_KINDS.items() if v is None)
SEQUENTIAL = frozenset({"torch.nn.Sequential"})
MODULE_BASES = frozenset(
    {
        "torch.nn.Module",
        "lightning.LightningModule",
        "pytorch_lightning.LightningModule",
        "lightning.pytorch.LightningModule",
    }
)


# --- losses -----------------------------------------------------------------

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

#: where the input and the target sit positionally in functional losses
LOSS_INPUT_KEYWORDS = ("input", "logits")
LOSS_TARGET_KEYWORDS = ("target", "labels")


def functional_loss_name(qualname: str | None) -> str | None:
    """The functional twin of a loss class, or the loss function itself."""
    if qualname is None:
        return None
    if qualname in LOSS_FUNCTIONS:
        return qualname
    return None


def short_loss(functional: str) -> str:
    return functional.rsplit(".", 1)[-1]


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

#: log functions by framework, and what log(softmax)/log(sigmoid) become
LOG_BY_FRAMEWORK: dict[str, str] = {
    "torch.log": "torch",
    "torch.special.log": "torch",
    "tensorflow.math.log": "tensorflow",
    "tensorflow.log": "tensorflow",
    "numpy.log": "numpy",
}
LOG_SIGMOID = {
    "torch": "torch.nn.functional.logsigmoid",
    "tensorflow": "tensorflow.math.log_sigmoid",
}


def framework_of(qualname: str | None) -> str | None:
    if qualname is None:
        return None
    root = qualname.split(".", 1)[0]
    if root == "keras":
        return "tensorflow"
    return root
