"""LF307 high-learning-rate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis.learning_rates import ForeignLiteral, HighRate, high_rates, source_note
from lossflint.diagnostics import Finding, RelatedNode, RelatedSite, Severity
from lossflint.examples import Invalid
from lossflint.registry import Option, Rule
from lossflint.rules.training_loop.lf307_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class HighLearningRate(Rule):
    code = "LF307"
    name = "high-learning-rate"
    severity = Severity.WARNING
    summary = "learning rate above the usual range for this optimiser family"
    needs = ("optim",)
    options = {
        "adaptive_max": Option(
            0.1,
            float,
            "adaptive optimisers (Adam, AdamW, Adamax, NAdam, RAdam, RMSprop, Adagrad): "
            "report lr >= this. Their step is ~lr per parameter regardless of the gradient "
            "scale, so 0.1 already moves every weight by 0.1 per step; published settings "
            "are 1e-5..1e-2.",
        ),
        "sgd_max": Option(
            1.0,
            float,
            "SGD: report lr >= this. Large-batch recipes use up to ~0.8 with warmup "
            "(lr 0.1 per 256 images); lr >= 1 diverges for almost every loss.",
        ),
    }
    what = """
Flags the learning rate given to a torch optimiser (`torch.optim.Adam(params, lr=...)`,
positional or keyword) or a Keras optimiser (`keras.optimizers.Adam(learning_rate=...)`,
legacy `lr=`) when it is a number, a module-level constant, or a key of a config dict
literal (`CONFIG = {"lr": 0.5}`; `CONFIG["lr"]`, or of a never-changed copy of it), or a field of
a config object (`self.cfg.lr` where every caller builds `cfg = TrainConfig()`), and it is at least the
family's threshold: adaptive optimisers >= 0.1, SGD >= 1.0. Adadelta and LBFGS (lr ~ 1
is their normal setting) are never reported. String optimisers (`optimizer="adam"`)
have no learning rate to check.

The learning rate judged is the one actually applied. `OneCycleLR` and `CyclicLR`
overwrite the optimiser's `lr` and climb to their `max_lr`: that `max_lr` is judged
(and reported). `LambdaLR`/`MultiplicativeLR` multiply the base LR by a function
(`lr=1` with a Noam factor; a warm-up `min(1, step / n)` alone climbs to it), a warm-up
wrapper of the project (`GradualWarmupScheduler(optimizer, ...)`), a Keras
`LearningRateScheduler` callback or `param_group["lr"] = ...` assignments set it at
run time, or every parameter group sets its own `lr`: then nothing is reported. Schedulers that start at the base LR or climb
to it (`StepLR`, cosine annealing from the base LR, transformers'
`get_*_schedule_with_warmup`) leave the base LR as the peak applied, and it is
judged. A Keras schedule given as the learning rate (`ExponentialDecay`,
`InverseTimeDecay`, `PolynomialDecay`, `CosineDecay`, `PiecewiseConstantDecay`)
starts at its `initial_learning_rate` (the largest of its `values`; `CosineDecay`'s
`warmup_target` when it warms up): that rate is judged and reported.

Not reported: unit tests (`tests/`, `test/`, and `test_*.py`, `*_test.py` that
hold a test function or class or import a test framework), where optimisers get
arbitrary settings; linear and logistic regressions (one `nn.Linear`,
possibly with an activation; a Keras model of `Dense` layers with no activation
between them; a class holding one weight matrix, `nn.Parameter` or `add_weight`,
and no layer: SGC), whose convex, small problem tolerates a large step; toy models of
fewer than 1,000 weights whose layer sizes the file gives (a hello-RNN over five
characters; for Keras, every layer counted from the model's input shape:
`Dense`, `SimpleRNN`/`LSTM`/`GRU`, `Embedding`, `Conv1D`/`Conv2D`, pooling) unless the rate is 100x the threshold; files that loop
over several learning rates on purpose (`for lr in [1e-3, 1e-2, 0.1, 1.0]`), and
notebooks that build the same optimiser with a high and a normal learning rate to
show the difference.
"""
    why = """
Too large a learning rate is the classic cause of a loss that explodes and then turns
into NaN within the first hundred steps. For adaptive optimisers the step size is
about `lr` for every weight, so `lr=0.1` rewrites the weights each step.
"""
    example = """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5)  # error: LF307
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)  # OK
    """
    use_instead = """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    """
    references = (
        (
            "PyTorch: torch.optim.Adam",
            "https://pytorch.org/docs/stable/generated/torch.optim.Adam.html",
        ),
        (
            "PyTorch: torch.optim.SGD",
            "https://pytorch.org/docs/stable/generated/torch.optim.SGD.html",
        ),
    )
    INVALID = [
        Invalid(
            """
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
            optimizer = torch.optim.Adam(model.parameters(), lr=0.5)  # error: LF307 at `lr=0.5`
            """,
        ),
        Invalid(
            """
            from tensorflow import keras

            def build(model):
                model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.3), loss='mse')  # error: LF307 at `learning_rate=`
            """,
        ),
        Invalid(
            """
            import torch.optim as optim
            LR = 0.2

            def make(model):
                return optim.AdamW(model.parameters(), lr=LR)  # error: LF307 at `lr=LR`
            """,
        ),
        Invalid(
            """
            import torch
            CONFIG = {"lr": 0.5, "epochs": 10}

            def make(model):
                return torch.optim.RMSprop(model.parameters(), lr=CONFIG["lr"])  # error: LF307 at `lr=`
            """,
        ),
        Invalid(
            """
            import torch
            opt = torch.optim.SGD(net.parameters(), 2.0, momentum=0.9)  # error: LF307 at `2.0`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            opt = tf.keras.optimizers.SGD(lr=1.5)  # error: LF307 at `lr=1.5`
            """,
        ),
        # one Linear after an RNN is not a linear model
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Model(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.embedding = nn.Embedding(20000, 128)
                    self.rnn = nn.RNN(input_size=128, hidden_size=256, batch_first=True)
                    self.fc = nn.Linear(256, 2)

            model = Model()
            optimizer = torch.optim.Adam(model.parameters(), lr=0.1)  # error: LF307 at `lr=0.1`
            """,
        ),
        # OneCycleLR overwrites the optimiser's lr: its max_lr is the LR applied
        Invalid(
            """
            import torch
            from torch.optim.lr_scheduler import OneCycleLR
            optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4)
            scheduler = OneCycleLR(optimizer, max_lr=0.5, total_steps=1000)  # error: LF307 at `max_lr=0.5`
            """,
        ),
        # cosine annealing and transformers' warm-up start from (or climb to) the base LR
        Invalid(
            """
            import torch
            from transformers import get_linear_schedule_with_warmup
            optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)  # error: LF307 at `lr=0.1`
            scheduler = get_linear_schedule_with_warmup(optimizer, 500, 10000)
            opt2 = torch.optim.Adam(model.parameters(), lr=0.3)  # error: LF307 at `lr=0.3`
            sched2 = torch.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=100)
            """,
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        """
        import torch
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        """,
        """
        import torch
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        """,
        # lr ~ 1 is normal for these
        """
        import torch
        opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
        opt2 = torch.optim.LBFGS(model.parameters(), lr=1)
        """,
        # a string optimiser has no lr
        """
        from tensorflow import keras
        model.compile(optimizer='adam', loss='mse')
        """,
        # unknown at lint time
        """
        import torch
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        """,
        # the config value is overwritten before use
        """
        import torch
        CONFIG = {"lr": 0.5}
        CONFIG["lr"] = 1e-4
        opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
        """,
        # a user class named Adam
        """
        class Adam:
            def __init__(self, params, lr):
                pass
        opt = Adam(params, lr=0.5)
        """,
        # Keras SGD default-ish
        """
        import keras
        opt = keras.optimizers.SGD(0.01)
        """,
        # lr=1 times a Noam factor (the Annotated Transformer): the LR applied is the factor
        """
        import torch
        from torch.optim.lr_scheduler import LambdaLR
        optimizer = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
        lr_scheduler = LambdaLR(optimizer, lr_lambda=lambda step: rate(step, 512, 1.0, 4000))
        """,
        # a base of 1 for a poly schedule given as a LambdaLR (ignite's segmentation configs)
        """
        import torch.optim as optim
        import torch.optim.lr_scheduler as lrs
        optimizer = optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
        lr_scheduler = lrs.LambdaLR(optimizer, lr_lambda=[lambda it: 0.007 * (1 - it / n) ** 0.9])
        """,
        # OneCycleLR: the optimiser's own lr is overwritten; max_lr is normal
        """
        import torch
        optimizer = torch.optim.SGD(model.parameters(), lr=5.0)
        sched = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=100)
        """,
        # a warm-up wrapper of the project, a hand-written schedule, a Keras callback
        """
        import torch
        from warmup_scheduler import GradualWarmupScheduler
        optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
        scheduler = GradualWarmupScheduler(optimizer, multiplier=1, total_epoch=5)
        """,
        """
        import torch
        optimizer = torch.optim.Adam(model.parameters(), lr=1.0)
        for it in range(max_iters):
            for param_group in optimizer.param_groups:
                param_group["lr"] = get_lr(it)
        """,
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1.0), loss="mse")
        lr_schedule = keras.callbacks.LearningRateScheduler(lambda epoch: 1e-8 * 10 ** (epoch / 20))
        model.fit(x, y, epochs=100, callbacks=[lr_schedule])
        """,
        # a scheduler drives an optimiser built by a factory: it may be this one
        """
        import torch
        def make_optimizer(model):
            return torch.optim.Adam(model.parameters(), lr=1.0)
        optimizer = make_optimizer(model)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, s / 4000) * 1e-3)
        """,
        # linear and logistic regressions: one layer, a convex problem
        """
        import torch
        import torch.nn as nn
        model = nn.Linear(1, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=1.0)

        class LogisticRegression(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.linear = nn.Linear(n, 1)
                self.sigmoid = nn.Sigmoid()

            def forward(self, x):
                return self.sigmoid(self.linear(x))

        clf = LogisticRegression(20)
        opt = torch.optim.Adam(clf.parameters(), lr=0.1)
        seq = nn.Sequential(nn.Linear(20, 1), nn.Sigmoid())
        opt3 = torch.optim.Adam(seq.parameters(), lr=0.1)
        """,
        """
        import tensorflow as tf
        l0 = tf.keras.layers.Dense(units=1, input_shape=[1])
        model = tf.keras.Sequential([l0])
        model.compile(loss="mean_squared_error", optimizer=tf.keras.optimizers.Adam(0.1))
        deep_linear = tf.keras.Sequential([
            tf.keras.layers.Dense(units=4, input_shape=[1]),
            tf.keras.layers.Dense(units=4),
            tf.keras.layers.Dense(units=1),
        ])
        optimizer = tf.keras.optimizers.Adam(0.1)
        deep_linear.compile(loss="mean_squared_error", optimizer=optimizer)
        """,
        # a toy: the hello-RNN of PyTorchZeroToAll (60 weights), Adam at 0.1 converges
        """
        import torch
        import torch.nn as nn
        input_size = 5
        hidden_size = 5

        class Model(nn.Module):
            def __init__(self, hidden_size):
                super().__init__()
                self.rnn = nn.RNN(input_size=input_size, hidden_size=hidden_size, batch_first=True)

            def forward(self, x):
                out, _ = self.rnn(x)
                return out.reshape(-1, 5)

        model = Model(hidden_size)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
        toy = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 5))
        opt2 = torch.optim.AdamW(toy.parameters(), lr=0.25)
        """,
        # the tensor-parallel demo of pytorch/examples: a toy MLP, parallelised
        """
        import torch
        import torch.nn as nn
        from torch.distributed.tensor.parallel import parallelize_module

        class ToyModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.in_proj = nn.Linear(10, 32)
                self.relu = nn.ReLU()
                self.out_proj = nn.Linear(32, 5)

        model = ToyModel().to("cuda")
        sp_model = parallelize_module(module=model, device_mesh=mesh, parallelize_plan=plan)
        lr = 0.25
        optimizer = torch.optim.AdamW(sp_model.parameters(), lr=lr, foreach=True)
        tp_model = ToyModel().to("cuda")
        tp_model = parallelize_module(module=tp_model, device_mesh=mesh, parallelize_plan=plan)
        tp_optimizer = torch.optim.AdamW(tp_model.parameters(), lr=lr, foreach=True)
        """,
        *AUDIT_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        limits = {"adaptive": float(self.opts["adaptive_max"]), "sgd": float(self.opts["sgd_max"])}
        for high in high_rates(model, limits):
            src = high.applied.source
            related: tuple[RelatedNode | RelatedSite, ...] = (
                (RelatedSite("the value", src.file, src.line, src.column),)
                if isinstance(src, ForeignLiteral)
                else ()
                if src is None
                else (RelatedNode("the value", src),)
            )
            yield Finding(high.applied.arg, _message(model, high), related=related)


def _message(model: SemanticModel, high: HighRate) -> str:
    ctor, applied = high.ctor, high.applied
    via = source_note(model, applied)
    what = (
        f"{ctor.name} learning rate"
        if applied.peak_of is None
        else f"{ctor.name} peak learning rate (`{applied.peak_name}` of {applied.peak_of})"
    )
    if ctor.family == "adaptive":
        why = (
            "an adaptive optimiser moves every weight by about lr per step, so the loss "
            "usually explodes to NaN; usual values are 1e-5 to 1e-2"
        )
    else:
        why = "the loss usually explodes to NaN; usual values are 0.01 to 0.5"
    return f"{what} {_number(applied.value)}{via} is at or above {_number(high.limit)}: {why}"


def _number(value: float) -> str:
    """``1.0``, ``0.25``, ``3e-05``: as Python writes the float."""
    return repr(float(value)) if value == value and abs(value) < 1e16 else f"{value:g}"
