"""LF307 examples from the audits: rates compared on purpose, pixels optimised
directly, SGD whose gradient norm is clipped every step (all silent)."""

from __future__ import annotations

from lossflint.examples import Invalid
from lossflint.rules.training_loop import lf307_param_group_examples as groups
from lossflint.rules.training_loop import lf307_single_weight_examples as single
from lossflint.rules.training_loop.lf307_config_examples import CONFIG_INVALID, CONFIG_VALID
from lossflint.rules.training_loop.lf307_keras_schedule_examples import (
    SCHEDULE_INVALID,
    SCHEDULE_VALID,
)
from lossflint.rules.training_loop.lf307_toy_examples import TOY_INVALID, TOY_VALID

_CONFIG = """
from dataclasses import dataclass, field

import torch
import torch.nn as nn

{config}

model = nn.Sequential(nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 10))
{made}
opt = torch.optim.Adam(model.parameters(), lr={lr}){marker}
for x, y in loader:
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
"""
_DATACLASS = "@dataclass\nclass Config:\n    hidden: int = 256\n    lr: float = 0.3"
_KAGGLE = "class CFG:\n    epochs = 10\n    lr = 0.5"
_MARK = "  # error: LF307 at `{}`"

#: a config dict copied before use (held-out s18: ``cfg`` made from a
#: module-level dict literal holding the LR)
_COPIED = """
import copy

import torch
import torch.nn as nn

SETTINGS = {{"optim": {{"lr": 0.3, "betas": (0.9, 0.99)}}, "epochs": 40}}


def train(loader{params}):
    cfg = {copy}
{before}    net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 8))
    opt = torch.optim.Adam(net.parameters(), lr={lr}){marker}
{after}    for x, y in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
"""


def _copied(
    copy: str = "copy.deepcopy(SETTINGS)",
    lr: str = 'cfg["optim"]["lr"]',
    marker: str = "",
    before: str = "",
    after: str = "",
    params: str = "",
) -> str:
    return _COPIED.format(
        copy=copy, lr=lr, marker=marker, before=before, after=after, params=params
    )


AUDIT_VALID = [
    *SCHEDULE_VALID,
    *CONFIG_VALID,
    *TOY_VALID,
    *groups.PARAM_GROUP_VALID,
    *single.SINGLE_WEIGHT_VALID,
    # a helper that may override the entry
    """
    import torch

    CONFIG = {"batch_size": 64, "lr": 0.1}

    def apply_overrides(cfg):
        cfg["lr"] = 1e-3

    apply_overrides(CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=CONFIG["lr"])
    """,
    # a Gaussian process's kernel hyperparameters at gpytorch's documented
    # rate (y0ast/DUE toy regression, audit R41)
    """
    import gpytorch
    import torch

    class ExactGPModel(gpytorch.models.ExactGP):
        def __init__(self, train_x, train_y, likelihood):
            super().__init__(train_x, train_y, likelihood)
            self.mean_module = gpytorch.means.ConstantMean()
            self.covar_module = gpytorch.kernels.ScaleKernel(gpytorch.kernels.RBFKernel())

        def forward(self, x):
            return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))

    likelihood = gpytorch.likelihoods.GaussianLikelihood()
    gp = ExactGPModel(train_x, train_y, likelihood)
    optimizer = torch.optim.Adam(gp.parameters(), lr=0.1)
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, gp)
    for i in range(100):
        optimizer.zero_grad()
        loss = -mll(gp(train_x), train_y)
        loss.backward()
        optimizer.step()
    """,
    # an optimiser built only to restore a checkpoint's slots applies no rate
    # (tensorflow/docs' estimator guide, audit s30)
    """
    import tensorflow as tf

    opt = tf.keras.optimizers.Adam(0.1)
    net = Net()
    ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net)
    ckpt.restore(tf.train.latest_checkpoint("./ckpts/"))
    """,
    # the copy is changed before the optimiser reads it
    _copied(before='    cfg["optim"]["lr"] = lr\n', params=", lr"),
    # handed to code that may change it (command-line overrides)
    _copied(before="    apply_overrides(cfg, overrides)\n", params=", overrides"),
    # the LR applied is the one-cycle schedule's peak, not the config's
    _copied(
        after="    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, total_steps=100)\n"
    ),
    # a configuration object whose field is set otherwise than by its class
    _CONFIG.format(config=_DATACLASS, made="cfg = Config(lr=1e-3)", lr="cfg.lr", marker=""),
    _CONFIG.format(config=_DATACLASS, made="cfg = Config(256, 1e-3)", lr="cfg.lr", marker=""),
    _CONFIG.format(config=_DATACLASS, made="cfg = Config(**vars(args))", lr="cfg.lr", marker=""),
    _CONFIG.format(
        config=_DATACLASS, made="cfg = Config()\ncfg.lr = args.lr", lr="cfg.lr", marker=""
    ),
    _CONFIG.format(
        config=_KAGGLE + "\n    def __init__(self, lr):\n        self.lr = lr",
        made="cfg = CFG(1e-3)",
        lr="cfg.lr",
        marker="",
    ),
    _CONFIG.format(config="class CFG(Base):\n    lr = 0.5", made="", lr="CFG.lr", marker=""),
    # the dataclass rescales its base rate by the batch size after init
    _CONFIG.format(
        config=_DATACLASS
        + "\n    batch_size: int = 64\n\n    def __post_init__(self):\n"
        + "        self.lr = self.lr * self.batch_size / 256",
        made="cfg = Config()",
        lr="cfg.lr",
        marker="",
    ),
    # a warm-up capped at 1, then scaled down: the factor never reaches 1
    """
    import torch
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, s / 4000) * min(1.0, 4000 / (s + 1)) * 1e-3
    )
    """,
    # capped at 1 but by a factor given elsewhere: unknown
    """
    import torch
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1, s / 100) * decay(s))
    """,
    # Adam over the two scalars of a variational fit, named in a literal list
    # (R14 tensorchiefs/dl_book)
    """
    import tensorflow as tf

    mu_sigma = tf.Variable([263.0, 34.0])
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-1)
    for step in range(40000):
        with tf.GradientTape() as tape:
            loss = objective(mu_sigma)
        grads = tape.gradient(loss, [mu_sigma])
        optimizer.apply_gradients(zip(grads, [mu_sigma]))
    """,
    # the name the scheduler gets was given an SGD after the Adam (a book
    # notebook run in order; R14 dvgodoy/PyTorchStepByStep)
    """
    import torch.nn as nn
    import torch.optim as optim
    from torch.optim.lr_scheduler import CyclicLR

    cnn = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    optimizer = optim.Adam(cnn.parameters(), lr=3e-4)

    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1))
    optimizer = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    cyclic_scheduler = CyclicLR(optimizer, base_lr=0.025, max_lr=0.1, step_size_up=10)
    """,
    # learning rates compared on purpose
    """
    import torch
    for lr in [1e-3, 1e-2, 1e-1, 1.0]:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    baseline = torch.optim.Adam(model.parameters(), lr=0.5)
    """,
    # neural style transfer: the image is the parameter (Mastering-PyTorch)
    """
    import torch

    def transfer(vgg, content, steps=300):
        ip_image = torch.randn(content.shape)
        optimizer = torch.optim.Adam([ip_image.requires_grad_()], lr=0.1)
        for _ in range(steps):
            optimizer.zero_grad()
            loss = (vgg(ip_image) - vgg(content)).pow(2).mean()
            loss.backward()
            optimizer.step()
    """,
    # PyTorch's transformer language-model recipe: SGD at lr 4 with the
    # gradient norm clipped every step and a decaying schedule
    """
    import torch
    import torch.nn as nn

    def train(model, batches, epochs=50):
        loss_func = nn.CrossEntropyLoss()
        lrate = 4.0
        optim_module = torch.optim.SGD(model.parameters(), lr=lrate)
        sched_module = torch.optim.lr_scheduler.StepLR(optim_module, 1.0, gamma=0.88)
        for ep in range(epochs):
            for data, labels in batches:
                optim_module.zero_grad()
                op = model(data)
                loss_curr = loss_func(op.view(-1, op.size(-1)), labels)
                loss_curr.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 0.6)
                optim_module.step()
            sched_module.step()
    """,
    # session 7: toy Keras models (under 1,000 weights) are counted like torch's:
    # SimpleRNN(5) over (10, 1) + Dense(1) = 41 weights (lazyprogrammer sine.py,
    # repro 05 of the audit), and a Sequential of Dense(5) over 10 inputs (61)
    """
    from keras.layers import Dense, Input, SimpleRNN
    from keras.models import Model
    from keras.optimizers import Adam

    T = 10
    D = 1
    i = Input(shape=(T, D))
    x = SimpleRNN(5)(i)
    x = Dense(1)(x)
    model = Model(i, x)
    model.compile(loss="mse", optimizer=Adam(lr=0.1))
    """,
    """
    from tensorflow import keras

    model = keras.Sequential([
        keras.layers.Dense(5, activation="relu", input_shape=(10,)),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mse")
    """,
]

AUDIT_INVALID = [
    *SCHEDULE_INVALID,
    *CONFIG_INVALID,
    *TOY_INVALID,
    *groups.PARAM_GROUP_INVALID,
    *single.SINGLE_WEIGHT_INVALID,
    # the config dict handed to a helper that only reads it (held-out H13 p02)
    Invalid(
        """
        import torch

        CONFIG = {"batch_size": 64, "lr": 0.1}

        def build_loaders(cfg):
            return make(cfg["batch_size"], cfg.get("workers", 2))

        loaders = build_loaders(CONFIG)
        optimizer = torch.optim.AdamW(model.parameters(), lr=CONFIG["lr"])  # error: LF307 at `lr=CONFIG`
        """
    ),
    # a single linear layer, but Adam at 1000: no problem takes that step
    # (lukas/ml-class's keras-cifar demo, audit R43)
    Invalid(
        """
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=1000),  # error: LF307 at `learning_rate=1000`
            loss="sparse_categorical_crossentropy",
        )
        model.fit(x_train, y_train, epochs=5)
        """
    ),
    # checkpointed and applied: the rate trains the model
    Invalid(
        """
        import tensorflow as tf

        opt = tf.keras.optimizers.Adam(0.1)  # error: LF307
        ckpt = tf.train.Checkpoint(optimizer=opt, net=net)

        def train_step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(net(x) - y))
            grads = tape.gradient(loss, net.trainable_variables)
            opt.apply_gradients(zip(grads, net.trainable_variables))
        """
    ),
    Invalid(_copied(marker="  # error: LF307 at `lr=`")),
    # a part of the dict, by a name of its own; a shallow copy
    Invalid(
        _copied(copy='dict(SETTINGS)["optim"]', lr='cfg["lr"]', marker="  # error: LF307 at `lr=`")
    ),
    Invalid(_copied(copy="SETTINGS.copy()", marker="  # error: LF307 at `lr=`")),
    # a dataclass's default, read from an instance (H16 p02's config, same file)
    Invalid(
        _CONFIG.format(
            config=_DATACLASS, made="cfg = Config()", lr="cfg.lr", marker=_MARK.format("lr=cfg.lr")
        )
    ),
    Invalid(
        _CONFIG.format(
            config=_DATACLASS.replace("= 0.3", "= field(default=0.3)"),
            made="cfg = Config(hidden=128)",
            lr="cfg.lr",
            marker=_MARK.format("lr=cfg.lr"),
        )
    ),
    # a Kaggle-style settings class read directly
    Invalid(_CONFIG.format(config=_KAGGLE, made="", lr="CFG.lr", marker=_MARK.format("lr=CFG.lr"))),
    # a warm-up LambdaLR capped at 1 climbs to the base LR, which is then
    # applied (held-out: linear scaling of an SGD recipe given to AdamW)
    Invalid(
        """
        import torch
        CFG = {"lr": 0.4, "epochs": 90}
        optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"])  # error: LF307
        warmup = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: min(1.0, (it + 1) / 500))
        """,
    ),
    Invalid(
        """
        import torch
        def warmup_factor(step):
            return min((step + 1) / 1000, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.3)  # error: LF307
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=warmup_factor)
        """,
    ),
    # the same loop over a model's weights
    Invalid(
        """
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"), tf.keras.layers.Dense(10)])
        optimizer = tf.keras.optimizers.Adam(learning_rate=1e-1)  # error: LF307 at `learning_rate=1e-1`
        for x, y in dataset:
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        """
    ),
    # the same RNN at a real size (6,273 weights)
    Invalid(
        """
        from keras.layers import Dense, Input, SimpleRNN
        from keras.models import Model
        from keras.optimizers import Adam

        i = Input(shape=(10, 32))
        x = Dense(1)(SimpleRNN(64)(i))
        model = Model(i, x)
        model.compile(loss="mse", optimizer=Adam(lr=0.1))  # error: LF307 at `lr=0.1`
        """,
    ),
    # a toy-looking Sequential whose input size the file does not give
    Invalid(
        """
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(5, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mse")  # error: LF307 at `learning_rate=0.1`
        """,
    ),
    # a config written as dict(...) (mmcv style) (H12 p06)
    Invalid(
        """
        import torch
        optimizer_cfg = dict(type="Adam", lr=0.125)
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
        opt = torch.optim.Adam(model.parameters(), lr=optimizer_cfg["lr"])  # error: LF307 at `lr=`
        """
    ),
]
