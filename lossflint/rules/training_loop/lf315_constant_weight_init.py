"""LF315 constant-weight-init."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import weight_init
from lossflint.diagnostics import (
    Finding,
    Severity,
)
from lossflint.registry import Invalid, Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


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
init function), an attribute layer that is not the model's last one, an element of
`nn.Sequential` / `keras.Sequential` followed by another weight layer. Biases,
normalisation layers, the final layer and zero-init of a residual branch's last
norm are known techniques and stay silent.
"""
    why = """
Units that start with identical weights compute identical outputs and receive
identical gradients: the symmetry is never broken, so a layer of 512 units learns
like a layer of one. With zeros the gradient through the layer can vanish entirely;
large constants blow up activations and the loss.
"""
    example = """
for m in model.modules():
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)       # LF315
        nn.init.kaiming_normal_(m.weight)      # breaks the symmetry
        nn.init.zeros_(m.bias)                 # biases may be constant
"""
    INVALID = [
        Invalid(
            "import torch.nn as nn\n\nclass MLP(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.fc1 = nn.Linear(10, 64)\n"
            "        self.fc2 = nn.Linear(64, 2)\n        self.apply(self._init)\n\n"
            "    def _init(self, m):\n        if isinstance(m, nn.Linear):\n"
            "            nn.init.constant_(m.weight, 0.5)\n            nn.init.zeros_(m.bias)\n",
            12,
            13,
        ),
        Invalid(
            "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n"
            "    def __init__(self):\n        super().__init__()\n"
            "        self.hidden = nn.Linear(4, 16)\n        self.out = nn.Linear(16, 1)\n"
            "        nn.init.zeros_(self.hidden.weight)\n\n    def forward(self, x):\n"
            "        return self.out(torch.relu(self.hidden(x)))\n",
            9,
            9,
        ),
        Invalid(
            "from tensorflow import keras\nmodel = keras.Sequential([\n"
            "    keras.layers.Dense(64, activation='relu', kernel_initializer='zeros'),\n"
            "    keras.layers.Dense(10, activation='softmax'),\n])\n",
            3,
            5,
        ),
        Invalid(
            "import torch\nnet = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), "
            "torch.nn.Linear(8, 1))\nwith torch.no_grad():\n    net[0].weight.data.fill_(1.0)\n",
            4,
            5,
        ),
    ]
    VALID = [
        # timm: only the classifier head is zero-initialised, chosen by name
        "import torch.nn as nn\n\ndef init_weights(module, name=''):\n"
        "    if isinstance(module, nn.Linear):\n        if name.startswith('head'):\n"
        "            nn.init.zeros_(module.weight)\n        else:\n"
        "            nn.init.xavier_uniform_(module.weight)\n\nfc = nn.Linear(2, 2)\nhead = nn.Linear(2, 2)\n",
        # deformable attention: zero-initialised offset projections used directly
        "import torch.nn as nn\n\nclass MSDeformAttn(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.sampling_offsets = nn.Linear(8, 16)\n"
        "        self.attention_weights = nn.Linear(8, 4)\n        self.output_proj = nn.Linear(8, 8)\n"
        "        nn.init.constant_(self.sampling_offsets.weight.data, 0.0)\n\n"
        "    def forward(self, q, v):\n        off = self.sampling_offsets(q)\n"
        "        w = self.attention_weights(q).softmax(-1)\n        return self.output_proj(sample(v, off, w))\n",
        # biases and norms are initialised to constants on purpose
        "import torch.nn as nn\n\ndef init(m):\n    if isinstance(m, (nn.Conv2d, nn.Linear)):\n"
        "        nn.init.kaiming_normal_(m.weight)\n        nn.init.constant_(m.bias, 0)\n"
        "    elif isinstance(m, nn.BatchNorm2d):\n        nn.init.constant_(m.weight, 1)\n"
        "        nn.init.constant_(m.bias, 0)\nnet = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))\n",
        # zero-init of the final layer
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.hidden = nn.Linear(4, 16)\n        self.head = nn.Linear(16, 1)\n"
        "        nn.init.zeros_(self.head.weight)\n\n    def forward(self, x):\n"
        "        return self.head(torch.relu(self.hidden(x)))\n",
        # zero-init of a residual branch's last norm (torchvision zero_init_residual)
        "import torch.nn as nn\n\ndef zero_init(model):\n    for m in model.modules():\n"
        "        if isinstance(m, Bottleneck):\n            nn.init.constant_(m.bn3.weight, 0)\n",
        # Keras: zeros on the last layer
        "from tensorflow import keras\nmodel = keras.Sequential([\n"
        "    keras.layers.Dense(64, activation='relu'),\n"
        "    keras.layers.Dense(1, kernel_initializer='zeros'),\n])\n",
        # logistic regression: a single layer
        "import torch\nmodel = torch.nn.Linear(20, 1)\ntorch.nn.init.zeros_(model.weight)\n",
        # random init
        "import torch.nn as nn\n\ndef init(m):\n    if isinstance(m, nn.Linear):\n"
        "        nn.init.xavier_uniform_(m.weight)\n        m.bias.data.fill_(0.01)\n"
        "net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))\n",
        # LoRA's B matrix starts at zero by design
        "import torch.nn as nn\n\nclass LoRA(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.lora_A = nn.Linear(64, 8)\n"
        "        self.lora_B = nn.Linear(8, 64)\n        nn.init.zeros_(self.lora_B.weight)\n",
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
