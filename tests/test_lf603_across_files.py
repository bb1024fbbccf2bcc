"""LF603 across files: an ``evaluate(model, loader)`` of one module that never
calls ``eval()``, called by other modules with a model they train and never
put in eval mode (``CallRecord.train_mode``), and a model class whose
dropout/batch-norm layers sit in a ``ModuleList`` (``ClassSummary.mode_layer``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

EVALUATION = """\
import torch


@torch.no_grad()
def evaluate(model, loader):
    hits = 0
    for x, y in loader:
        hits += (model(x).argmax(1) == y).sum().item()
    return hits
"""

TRAIN = """\
import torch
import torch.nn as nn

from evaluation import evaluate
{imports}
model = {model}
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    model.train()
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
{before}    print(evaluate(model, val_loader))
"""

SEQUENTIAL = "nn.Sequential(nn.Linear(10, 32), nn.Dropout(0.5), nn.Linear(32, 2))"

MODELS = """\
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, dims=(10, 64, 32)):
        super().__init__()
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(b) for b in dims[1:])
        self.head = nn.Linear(dims[-1], 2)

    def forward(self, x):
        for lin, bn in zip(self.hidden, self.norms):
            x = F.relu(bn(lin(x)))
        return self.head(x)
"""


def lf603(root: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=["LF603"])
    return [(Path(d.filename).name, d.location.row) for d in found]


@pytest.mark.parametrize(
    ("model", "imports"),
    [(SEQUENTIAL, ""), ("MLP()", "from models import MLP\n")],
)
def test_reported_in_the_evaluating_module(tmp_path: Path, model: str, imports: str) -> None:
    train = TRAIN.format(imports=imports, model=model, before="")
    files = {"evaluation.py": EVALUATION, "models.py": MODELS, "train.py": train}
    assert lf603(tmp_path, files) == [("evaluation.py", 8)]


@pytest.mark.parametrize(
    ("before", "extra"),
    [
        ("    model.eval()\n", {}),  # the caller switches
        ("    model.train(False)\n", {}),
        # another module's function switches it before (its events are inlined)
        (
            "    validate(model, val_loader)\n",
            {"helpers.py": "def validate(m, dl):\n    m.eval()\n"},
        ),
        # handed to code whose mode changes nobody can list
        ("    ema_update(model)\n", {}),
    ],
)
def test_a_caller_that_may_switch_modes_keeps_it_silent(
    tmp_path: Path, before: str, extra: dict[str, str]
) -> None:
    imports = "from helpers import validate\n" if "validate" in before else ""
    train = TRAIN.format(imports=imports, model=SEQUENTIAL, before=before)
    files = {"evaluation.py": EVALUATION, "train.py": train, **extra}
    assert lf603(tmp_path, files) == []


def test_a_second_caller_with_an_eval_model_keeps_it_silent(tmp_path: Path) -> None:
    train = TRAIN.format(imports="", model=SEQUENTIAL, before="")
    test = (
        "import torch.nn as nn\nfrom evaluation import evaluate\n"
        f"net = {SEQUENTIAL}\nnet.load_state_dict(state)\nnet.eval()\nevaluate(net, test_loader)\n"
    )
    files = {"evaluation.py": EVALUATION, "train.py": train, "test_model.py": test}
    assert lf603(tmp_path, files) == []


def test_a_model_without_dropout_or_batch_norm_is_silent(tmp_path: Path) -> None:
    train = TRAIN.format(imports="", model="nn.Sequential(nn.Linear(10, 2))", before="")
    assert lf603(tmp_path, {"evaluation.py": EVALUATION, "train.py": train}) == []


VALIDATING = """\
import torch
{imports}
net = {build}
{moved}opt = torch.optim.Adagrad(net.parameters())
for epoch in range(10):
    for x in train_batches:
        opt.zero_grad()
        net(x).pow(2).mean().backward()
        opt.step()
    val_loss = 0
    for x in val_batches:
        val_loss += net(x).pow(2).mean().item()
    print(val_loss, sample(net, val_batches[0]))
"""

SAMPLER = """\
import torch


def sample(net, x):
    h = torch.zeros(x.size(0), net.hidden{switch})
    with torch.no_grad():
        return net(x) + h.sum()
"""


@pytest.mark.parametrize(
    ("build", "moved"),
    [
        ("MLP()", "net = net.cuda()\n"),  # social-lstm's ``if use_cuda: net = net.cuda()``
        ("MLP().to('cuda')", ""),
    ],
)
def test_a_moved_model_of_another_module_is_the_model_built_here(
    tmp_path: Path, build: str, moved: str
) -> None:
    """quancore/social-lstm (audit s139): the validation pass of a model class
    of another module, moved to the GPU, and handed to a helper of another
    module that only reads a size off it (``torch.zeros(n, net.hidden)``)."""
    imports = "from models import MLP\nfrom sampling import sample\n"
    train = VALIDATING.format(imports=imports, build=build, moved=moved)
    files = {"models.py": MODELS, "sampling.py": SAMPLER.format(switch=""), "train.py": train}
    row = train.splitlines().index("        val_loss += net(x).pow(2).mean().item()") + 1
    assert lf603(tmp_path, files) == [("train.py", row)]


def test_a_model_handed_to_apply_may_have_been_switched(tmp_path: Path) -> None:
    """``net = net.apply(set_bn_eval)``: ``apply`` returns the module too, but
    its function may put submodules in eval mode."""
    imports = "from models import MLP, set_bn_eval\nfrom sampling import sample\n"
    train = VALIDATING.format(
        imports=imports, build="MLP()", moved="net = net.apply(set_bn_eval)\n"
    )
    files = {"models.py": MODELS, "sampling.py": SAMPLER.format(switch=""), "train.py": train}
    assert lf603(tmp_path, files) == []


def test_a_helper_handing_a_submodule_elsewhere_may_switch_it(tmp_path: Path) -> None:
    imports = "from models import MLP\nfrom sampling import sample\n"
    train = VALIDATING.format(imports=imports, build="MLP()", moved="")
    sampler = SAMPLER.format(switch="").replace("net.hidden)", "1)\n    freeze(net.hidden)")
    files = {"models.py": MODELS, "sampling.py": sampler, "train.py": train}
    assert lf603(tmp_path, files) == []
