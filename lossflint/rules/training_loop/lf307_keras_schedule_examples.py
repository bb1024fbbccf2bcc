"""LF307 examples of Keras learning-rate schedules: the rate a schedule starts
from (or warms up to) is the peak it applies (sayakpaul's
Knowledge-Distillation-in-Keras, ``InverseTimeDecay(initial_learning_rate=0.1)``,
audit R61); and a torch optimiser built only to load a checkpoint's state, whose
learning rate the state replaces (zphang/minimal-llama, audit s190); kept apart
so the audit examples module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

SCHEDULE_INVALID = [
    Invalid(
        """
        import tensorflow as tf

        lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(
            initial_learning_rate=0.1, decay_steps=2.4, decay_rate=1  # error: LF307 at `initial_learning_rate=0.1`
        )
        model.compile(tf.keras.optimizers.Adam(learning_rate=lr_schedule), loss="mse")
        """
    ),
    Invalid(
        """
        from tensorflow import keras

        steps = keras.optimizers.schedules.PiecewiseConstantDecay([1000, 2000], [0.5, 0.05, 0.005])  # error: LF307 at `[0.5, 0.05, 0.005]`
        model.compile(optimizer=keras.optimizers.RMSprop(steps), loss="mse")
        """
    ),
]

SCHEDULE_VALID = [
    # a usual rate, decayed
    """
    import tensorflow as tf

    schedule = tf.keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=1000, decay_rate=0.9)
    model.compile(tf.keras.optimizers.Adam(learning_rate=schedule), loss="mse")
    """,
    # warm-up from 0.5 by mistake? no: CosineDecay warms up to its warmup_target
    """
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(0.0, 10_000, warmup_target=1e-3, warmup_steps=500)
    model.compile(keras.optimizers.AdamW(schedule), loss="mse")
    """,
    # SGD's limit is 1.0
    """
    import tensorflow as tf

    schedule = tf.keras.optimizers.schedules.PolynomialDecay(0.1, 10_000, end_learning_rate=1e-4)
    model.compile(tf.keras.optimizers.SGD(schedule, momentum=0.9), loss="mse")
    """,
    # a schedule for an image's pixels, not a network's weights (Keras's
    # neural style transfer: the gradients applied to one variable)
    """
    from tensorflow import keras
    import tensorflow as tf

    optimizer = keras.optimizers.SGD(
        keras.optimizers.schedules.ExponentialDecay(initial_learning_rate=100.0, decay_steps=100, decay_rate=0.96)
    )
    combination_image = tf.Variable(preprocess_image(base_image_path))
    for i in range(4000):
        loss, grads = compute_loss_and_grads(combination_image, base_image, style_reference_image)
        optimizer.apply_gradients([(grads, combination_image)])
    """,
]

_RESTORED = """
import torch
import torch.nn as nn


def load_model_and_optimizer(model, optim, load_dir):
    state = torch.load(load_dir)
    model.load_state_dict(state["model"])
    optim.load_state_dict(state["optim"])


def run(load_dir, save_path, loader):
    model = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 2))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1){marker}
    load_model_and_optimizer(model, optimizer, load_dir)
    {after}
    torch.save(model.state_dict(), save_path)
"""

SCHEDULE_VALID.append(_RESTORED.format(marker="", after="pass"))
SCHEDULE_INVALID.append(
    # stepped afterwards: the literal is what a fresh run trains with
    Invalid(
        _RESTORED.format(
            marker="  # error: LF307",
            after=(
                "for x, y in loader:\n"
                "        optimizer.zero_grad()\n"
                "        nn.functional.cross_entropy(model(x), y).backward()\n"
                "        optimizer.step()"
            ),
        )
    )
)
# handed to another module's checkpoint loader (zphang/minimal-llama's FSDP
# conversion, audit s190)
SCHEDULE_VALID.append(
    _RESTORED.format(marker="", after="pass").replace(
        "load_model_and_optimizer(model, optimizer, load_dir)",
        "fsdp_utils.load_model_and_optimizer_sharded(model=model, optim=optimizer)",
    )
)
