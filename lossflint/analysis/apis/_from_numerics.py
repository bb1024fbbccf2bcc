"""Framework names moved out of rules/numerics (to be merged into the framework modules)."""

from __future__ import annotations

#: the module the LF2xx fixes call ``logsigmoid`` / ``softplus`` from (imported
#: as ``F`` when the file lacks it)
TORCH_FUNCTIONAL = "torch.nn.functional"

#: zeros shaped like their argument: ``max(zeros_like(x), y)`` is exactly ``relu(y)``
#: (``torch.zeros(shape)`` could broadcast ``y`` to a larger shape)
ZEROS_LIKE = "torch.zeros_like"

#: calls that turn a tensor into a Python number: no gradient flows past them
TO_PYTHON_NUMBER = frozenset({"builtins.float", "builtins.int", "math.isfinite"})

#: tensors built from a Python value: constant when that value is
CONSTANT_TENSORS = frozenset(
    {
        "torch.tensor",
        "torch.as_tensor",
        "tensorflow.constant",
        "tensorflow.convert_to_tensor",
        "numpy.array",
        "numpy.asarray",
    }
)

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
        "tensorflow.constant",
        "tensorflow.zeros",
        "tensorflow.ones",
        "tensorflow.range",
        "tensorflow.eye",
    }
)

#: ``with tf.GradientTape() as tape:`` records what runs inside for differentiation
GRADIENT_TAPES = frozenset({"tensorflow.GradientTape", "tensorflow.autodiff.GradientTape"})
#: ``torch.autograd.grad(outputs, inputs)``: its first argument is differentiated
AUTOGRAD_GRAD = frozenset({"torch.autograd.grad"})
#: NumPy/math powers and roots (a power of a positive constant is positive)
SCALAR_POWERS = frozenset({"math.sqrt", "math.pow", "numpy.square", "numpy.sqrt"})
