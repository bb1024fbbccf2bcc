"""Framework names the learning-rate reasoning reads (to be merged into the framework modules)."""

from __future__ import annotations

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
#: Keras callbacks that set the optimiser's learning rate every epoch
KERAS_LR_CALLBACKS = frozenset({"keras.callbacks.LearningRateScheduler"})
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
#: torch layers whose weight count the sizes they are given decide: the
#: (position, keyword) names of those sizes
LAYER_SIZE_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "torch.nn.Linear": ("in_features", "out_features"),
    "torch.nn.Embedding": ("num_embeddings", "embedding_dim"),
    "torch.nn.RNN": ("input_size", "hidden_size"),
    "torch.nn.GRU": ("input_size", "hidden_size"),
    "torch.nn.LSTM": ("input_size", "hidden_size"),
}
#: weight matrices per recurrent layer (one per gate)
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
}
