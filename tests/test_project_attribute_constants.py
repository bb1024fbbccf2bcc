"""A number a class keeps on ``self`` (``analysis/attribute_constants.py``):
``Normalize(power=2)``'s ``x.pow(self.power).sum(1).pow(1. / self.power)`` is an
L2 norm (LF205) only while no other file that loads the module may build the
class with another exponent; ``transforms.Normalize`` in a training script is
another module's class."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

MODELS = """
import torch.nn as nn

class Normalize(nn.Module):
    def __init__(self, power=2):
        super(Normalize, self).__init__()
        self.power = power

    def forward(self, x):
        norm = x.pow(self.power).sum(1, keepdim=True).pow(1. / self.power)
        return x.div(norm)

class Embedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(512, 128)
        self.l2norm = Normalize(2)

    def forward(self, x):
        return self.l2norm(self.fc(x))
"""


def _findings(root: Path, train: str) -> list[tuple[str, int, str]]:
    return project_findings(root, {"models.py": MODELS, "train.py": train})


def test_another_modules_class_of_the_same_name_builds_nothing_here(tmp_path: Path) -> None:
    train = (
        "import torch\n"
        "import torchvision.transforms as transforms\n"
        "from models import Embedder\n\n"
        "normalize = transforms.Normalize(mean=(0.5,), std=(0.5,))\n"
        "net = Embedder()\n"
        "opt = torch.optim.SGD(net.parameters(), lr=0.03)\n"
        "for x in loader:\n"
        "    loss = -net(x).sum()\n"
        "    opt.zero_grad()\n"
        "    loss.backward()\n"
        "    opt.step()\n"
    )
    assert ("models.py", 10, "LF205") in _findings(tmp_path, train)


def test_a_construction_in_another_module_keeps_the_exponent_unknown(tmp_path: Path) -> None:
    train = (
        "import torch\n"
        "from models import Normalize\n\n"
        "l1 = Normalize(1)\n"
        "print(l1(torch.randn(4, 8)))\n"
    )
    assert [f for f in _findings(tmp_path, train) if f[2] == "LF205"] == []


def test_a_construction_through_a_module_alias_keeps_the_exponent_unknown(
    tmp_path: Path,
) -> None:
    train = (
        "import torch\nimport models as nm\n\nl1 = nm.Normalize(1)\nprint(l1(torch.randn(4, 8)))\n"
    )
    assert [f for f in _findings(tmp_path, train) if f[2] == "LF205"] == []
