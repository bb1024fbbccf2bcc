"""LF315 constant-weight-init."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import weight_init
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.lf315_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


_KERAS_SUBCLASS = """
from tensorflow import keras
from tensorflow.keras import layers

class Clf(keras.Model):
    def __init__(self):
        super().__init__()
        self.flat = layers.Flatten()
        self.fc = layers.Dense(128, activation="relu"{hidden_init}){marker}
        self.out = layers.Dense(10{out_init})

    def call(self, x):
        return self.out(self.fc(self.flat(x)))
"""


_DCGAN = """
import torch.nn as nn

class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(100, 64, 4), nn.BatchNorm2d(64), nn.ReLU(),
            nn.ConvTranspose2d(64, 3, 4), nn.Tanh())

def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        {conv}
    elif classname.find('BatchNorm') != -1:
        nn.init.constant_(m.weight.data, 1.0)
        nn.init.constant_(m.bias.data, 0)

netG = Generator()
netG.apply(weights_init)
"""


class ConstantWeightInit(Rule):
    code = "LF315"
    name = "constant-weight-init"
    severity = Severity.WARNING
    summary = "hidden layer weights initialised to one constant"
    needs = ("init", "fill_", "zero_", "initializer")
    what = """
Flags a hidden layer's weight set to one constant: `nn.init.constant_(w, c)`,
`nn.init.zeros_(w)`, `nn.init.ones_(w)`, `w.data.fill_(c)`, `w.zero_()`, and Keras
`kernel_initializer="zeros"` / `"ones"` / `Constant(c)`. "Hidden" means: every
`Linear`/`Conv` of a model with several of them (`if isinstance(m, nn.Linear)` in an
init function of a file that builds several, or of a `utils` module another project
module uses: `model.apply(init_weights)`), an attribute layer that is not the model's last one, the layers of
an `nn.ModuleList` of weight layers that feed another layer (`for layer in self.hidden: ...`), an element of
`nn.Sequential` / `keras.Sequential` followed by another weight layer. Biases,
normalisation layers, the final layer and zero-init of a residual branch's last
norm are known techniques and stay silent; so is a Keras layer with a small constant kernel followed by a randomly initialised one (its units drift apart; not a zero kernel under ReLU).
"""
    why = """
Units that start with identical weights compute identical outputs and receive
identical gradients: the symmetry is never broken, so 512 units learn like one. With zeros the gradient through the layer can vanish entirely;
large constants blow up activations and the loss.
"""
    example = """
    import torch.nn as nn


    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 512)
            self.fc2 = nn.Linear(512, 10)
            self.apply(self._init)

        def _init(self, m):
            if isinstance(m, nn.Linear):
                nn.init.constant_(m.weight, 0.5)  # error: LF315
                nn.init.kaiming_normal_(m.weight)  # OK: breaks the symmetry
                nn.init.zeros_(m.bias)  # OK: biases may be constant
    """
    use_instead = """
    import torch.nn as nn


    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 512)
            self.fc2 = nn.Linear(512, 10)
            self.apply(self._init)

        def _init(self, m):
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight)
                nn.init.zeros_(m.bias)
    """
    references = (("PyTorch: torch.nn.init", "https://pytorch.org/docs/stable/nn.init.html"),)
    INVALID = [
        *AUDIT_INVALID,
        Invalid(
            """
            from keras.models import Sequential
            from keras.layers import Dense
            model = Sequential()
            model.add(Dense(10, activation="softmax"))
            model = Sequential()
            model.add(Dense(64, activation="relu", kernel_initializer="zeros"))  # error: LF315 at `Dense(`
            model.add(Dense(10, activation="softmax"))
            """
        ),
        # Keras functional API: a hidden Dense, then Dropout, then the output Dense
        # (whose zero init is the known technique: silent)
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            inputs = keras.Input((32, 32, 3))
            x = layers.Flatten()(inputs)
            x = layers.Dense(256, activation="relu", kernel_initializer="zeros")(x)  # error: LF315 at `layers.Dense(256`
            x = layers.Dropout(0.3)(x)
            outputs = layers.Dense(10, kernel_initializer="zeros")(x)
            model = keras.Model(inputs, outputs)
            """
        ),
        # a hidden Dense of a subclassed Keras model (H12 p11)
        Invalid(
            _KERAS_SUBCLASS.format(
                hidden_init=', kernel_initializer="zeros"',
                out_init="",
                marker="  # error: LF315 at `layers.Dense(128`",
            )
        ),
        # DCGAN's `weights_init`, its class-name tests read as isinstance (H11 p11)
        Invalid(_DCGAN.format(conv="nn.init.constant_(m.weight.data, 0.0)  # error: LF315")),
        # an init helper called from __init__ reads the stack __init__ built
        Invalid(
            """
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.trunk = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3))
                    self._init()

                def _init(self):
                    nn.init.constant_(self.trunk[0].weight, 0.05)  # error: LF315
            """
        ),
        Invalid(
            """
            import torch.nn as nn

            class MLP(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(10, 64)
                    self.fc2 = nn.Linear(64, 2)
                    self.apply(self._init)

                def _init(self, m):
                    if isinstance(m, nn.Linear):
                        nn.init.constant_(m.weight, 0.5)  # error: LF315 at `nn.init.constant_(`
                        nn.init.zeros_(m.bias)
            """,
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.hidden = nn.Linear(4, 16)
                    self.out = nn.Linear(16, 1)
                    nn.init.zeros_(self.hidden.weight)  # error: LF315 at `nn.init.zeros_(`

                def forward(self, x):
                    return self.out(torch.relu(self.hidden(x)))
            """,
        ),
        Invalid(
            """
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(64, activation='relu', kernel_initializer='zeros'),  # error: LF315 at `keras.layers.Dense(`
                keras.layers.Dense(10, activation='softmax'),
            ])
            """,
        ),
        Invalid(
            """
            import torch
            net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
            with torch.no_grad():
                net[0].weight.data.fill_(1.0)  # error: LF315 at `net[0].weight.data.fill_(`
            """,
        ),
    ]
    VALID = [
        *AUDIT_VALID,
        # a fixed summing layer: constant on purpose, never trained
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        inputs = keras.Input((8,))
        x = layers.Dense(16, activation="relu")(inputs)
        total = layers.Dense(1, kernel_initializer="ones", trainable=False)(x)
        outputs = layers.Dense(1)(total)
        model = keras.Model(inputs, outputs)
        """,
        # ... its output layer zero-initialised (a known technique): silent
        _KERAS_SUBCLASS.format(hidden_init="", out_init=', kernel_initializer="zeros"', marker=""),
        # ... and the original: normal conv weights, constant batch-norm ones
        _DCGAN.format(conv="nn.init.normal_(m.weight.data, 0.0, 0.02)"),
        # FCN-16s: the skip branch's class-score layer starts at zero (Long et al.)
        """
        import torch.nn as nn

        class FCN16s(nn.Module):
            def __init__(self, num_classes):
                super().__init__()
                self.features = nn.Conv2d(3, 512, 3, padding=1)
                self.score_pool4 = nn.Conv2d(512, num_classes, kernel_size=1)
                self.score_pool4.weight.data.zero_()
                self.upscore = nn.ConvTranspose2d(num_classes, num_classes, 4, stride=2)

            def forward(self, x):
                pool4 = self.features(x)
                return self.upscore(self.score_pool4(0.01 * pool4))
        """,
        # timm: only the classifier head is zero-initialised, chosen by name
        """
        import torch.nn as nn

        def init_weights(module, name=''):
            if isinstance(module, nn.Linear):
                if name.startswith('head'):
                    nn.init.zeros_(module.weight)
                else:
                    nn.init.xavier_uniform_(module.weight)

        fc = nn.Linear(2, 2)
        head = nn.Linear(2, 2)
        """,
        # deformable attention: zero-initialised offset projections used directly
        """
        import torch.nn as nn

        class MSDeformAttn(nn.Module):
            def __init__(self):
                super().__init__()
                self.sampling_offsets = nn.Linear(8, 16)
                self.attention_weights = nn.Linear(8, 4)
                self.output_proj = nn.Linear(8, 8)
                nn.init.constant_(self.sampling_offsets.weight.data, 0.0)

            def forward(self, q, v):
                off = self.sampling_offsets(q)
                w = self.attention_weights(q).softmax(-1)
                return self.output_proj(sample(v, off, w))
        """,
        # biases and norms are initialised to constants on purpose
        """
        import torch.nn as nn

        def init(m):
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
        """,
        # zero-init of the final layer
        """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden = nn.Linear(4, 16)
                self.head = nn.Linear(16, 1)
                nn.init.zeros_(self.head.weight)

            def forward(self, x):
                return self.head(torch.relu(self.hidden(x)))
        """,
        # zero-init of a residual branch's last norm (torchvision zero_init_residual)
        """
        import torch.nn as nn

        def zero_init(model):
            for m in model.modules():
                if isinstance(m, Bottleneck):
                    nn.init.constant_(m.bn3.weight, 0)
        """,
        # Keras: zeros on the last layer
        """
        from tensorflow import keras
        model = keras.Sequential([
            keras.layers.Dense(64, activation='relu'),
            keras.layers.Dense(1, kernel_initializer='zeros'),
        ])
        """,
        # logistic regression: a single layer
        """
        import torch
        model = torch.nn.Linear(20, 1)
        torch.nn.init.zeros_(model.weight)
        """,
        # random init
        """
        import torch.nn as nn

        def init(m):
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                m.bias.data.fill_(0.01)
        net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
        """,
        # LoRA's B matrix starts at zero by design
        """
        import torch.nn as nn

        class LoRA(nn.Module):
            def __init__(self):
                super().__init__()
                self.lora_A = nn.Linear(64, 8)
                self.lora_B = nn.Linear(8, 64)
                nn.init.zeros_(self.lora_B.weight)
        """,
        # an init applied to a block holding one layer (which one of the model
        # it is, the final one here, is not known) (d2l, audit s13)
        """
        import torch
        import torch.nn as nn

        block1 = nn.Sequential()
        block1.add_module("linear_1", nn.Linear(2, 5, bias=False))
        block2 = nn.Sequential()
        block2.add_module("linear_2", nn.Linear(5, 5, bias=False))
        model = nn.Sequential()
        model.add_module("first", block1)
        model.add_module("second", block2)

        def init_42(m):
            if type(m) == nn.Linear:
                torch.nn.init.constant_(m.weight, 42)

        block2.apply(init_42)
        """,
        # the zero-init output layer of a first model; a second model reuses
        # the name (a course notebook, audit s18)
        """
        from keras.models import Sequential
        from keras.layers import Dense

        model = Sequential()
        model.add(Dense(64, activation="relu"))
        model.add(Dense(10, activation="softmax", kernel_initializer="zeros"))
        model = Sequential()
        model.add(Dense(64, activation="relu"))
        model.add(Dense(10, activation="softmax"))
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for init in weight_init.constant_hidden_inits(model):
            yield Finding(init.call, self._message(init.value))

    @staticmethod
    def _message(constant: float) -> str:
        size = " (a large constant also blows up activations)" if abs(constant) > 1 else ""
        return (
            f"hidden layer weights all set to {constant:g}{size}: every unit computes the "
            "same output and gets the same gradient, so the symmetry is never broken; use "
            "a random init (kaiming_normal_ / xavier_uniform_)"
        )
