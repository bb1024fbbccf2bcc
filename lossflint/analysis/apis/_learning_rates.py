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
