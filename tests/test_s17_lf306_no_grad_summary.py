"""LF306 across modules: a training loop accumulating what another module's
validation step returns (``logs = engine.val_step(x, y); total +=
logs["loss"]``). The callee's summary says whether it runs with gradients off
(``@torch.no_grad()``/``@torch.inference_mode()``, or its value built in a
``with torch.no_grad():`` block), or returns values without a graph
(``loss.item()``): then the running total holds no graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint import lint_paths
from lossflint.project.summary import FunctionSummary, summary_from_json, summary_to_json

ENGINE = """\
import torch
import torch.nn.functional as F


class Engine:
    def __init__(self, model):
        self.model = model

DECORATOR    def val_step(self, x, y):
BODY
"""

#: the losses computed where the step runs (under the decorator, if any)
_PLAIN = """\
        out = self.model(x)
        return {"loss": F.cross_entropy(out, y), "acc": (out.argmax(1) == y).float().mean()}"""

#: the losses computed in a ``no_grad`` block
_BLOCK = """\
        with torch.no_grad():
            out = self.model(x)
            loss = F.cross_entropy(out, y)
            return {"loss": loss, "n": x.size(0)}"""

#: the loss computed before the block, handed on from inside it: it keeps its graph
_BEFORE_BLOCK = """\
        loss = F.cross_entropy(self.model(x), y)
        with torch.no_grad():
            return {"loss": loss, "n": x.size(0)}"""

TRAIN = """\
import torch
import torch.nn.functional as F

from engine import Engine


def main(model, loader, val_x, val_y):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    engine = Engine(model)
    for epoch in range(3):
        total = 0.0
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            logs = engine.val_step(val_x, val_y)
            total += logs["loss"]
        print(epoch, total)
"""


def _found(tmp_path: Path, decorator: str, body: str) -> list[str]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "engine.py").write_text(
        ENGINE.replace("DECORATOR", decorator).replace("BODY", body)
    )
    (tmp_path / "train.py").write_text(TRAIN)
    return sorted(
        f"{Path(d.filename).name}:{d.location.row}:{d.code}"
        for d in lint_paths([tmp_path], select=["LF306"], jobs=1)
    )


@pytest.mark.parametrize(
    ("decorator", "body"),
    [
        ("    @torch.no_grad()\n", _PLAIN),
        ("    @torch.inference_mode()\n", _PLAIN),
        ("", _BLOCK),
    ],
)
def test_silent_when_the_callee_runs_without_grad(
    tmp_path: Path, decorator: str, body: str
) -> None:
    assert _found(tmp_path, decorator, body) == []


@pytest.mark.parametrize("body", [_PLAIN, _BEFORE_BLOCK])
def test_fires_when_the_callee_keeps_the_graph(tmp_path: Path, body: str) -> None:
    assert _found(tmp_path, "", body) == ["train.py:17:LF306"]


def test_summary_field_round_trips() -> None:
    from lossflint.project.summary import ModuleSummary

    summary = ModuleSummary(
        "engine.py",
        functions={"Engine.val_step": FunctionSummary("Engine.val_step", 9, no_grad=True)},
    )
    assert summary_from_json(summary_to_json(summary)) == summary
    plain = ModuleSummary("engine.py", functions={"f": FunctionSummary("f", 1)})
    assert "no_grad" not in str(summary_to_json(plain))  # the default is left out


HELPERS = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)
        self.softmax = nn.LogSoftmax(1)

    def forward(self, x):
        return self.softmax(self.fc(x))


def scalar(x):
    return {value}
"""

LOOP = """\
import torch
import torch.nn.functional as F
from helpers import *


def train(data, epochs):
    model = Net()
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(epochs):
        loss_sum = 0
        for x, y in data:
            model.zero_grad()
            loss = F.nll_loss(model(x), y)
            loss.backward()
            optim.step()
            loss = scalar(loss)
            loss_sum += loss
        print(loss_sum / len(data))
"""


@pytest.mark.parametrize(
    ("value", "found"),
    [
        # a Python number: nothing is kept (threelittlemonkeys' vdcnn, audit R26)
        ("x.view(-1).data.tolist()[0]", []),
        ("x.item()", []),
        ("float(x.detach())", []),
        # the tensor itself: the running sum keeps every graph
        ("x * 1.0", ["train.py:17:LF306"]),
    ],
)
def test_a_loss_rebound_by_another_module_s_helper(
    tmp_path: Path, value: str, found: list[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text(HELPERS.format(value=value))
    (tmp_path / "train.py").write_text(LOOP)
    assert (
        sorted(
            f"{Path(d.filename).name}:{d.location.row}:{d.code}"
            for d in lint_paths([tmp_path], select=["LF306"], jobs=1)
        )
        == found
    )


def test_the_summary_reads_returns_off_the_expression(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a ``return`` holds a graph is read off the expression alone when
    a module is summarised: following names through the gradient analysis for
    every return of every function took minutes on lucidrains'
    denoising-diffusion-pytorch (``karras_unet.py``)."""
    import libcst as cst

    from lossflint.analysis import gradients
    from lossflint.analysis.accumulation import returns_without_grad
    from lossflint.analysis.model import SemanticModel

    def refuse(*_args: object, **_kwargs: object) -> bool:
        raise AssertionError("the gradient analysis was asked")

    monkeypatch.setattr(gradients.GradientFacts, "no_gradient_value", refuse)
    source = (
        "def scalar(x):\n    return x.view(-1).data.tolist()[0]\n\n"
        "def mix(a, b):\n    return a * 0.5 + b.detach()\n"
    )
    model = SemanticModel(cst.parse_module(source), "helpers.py")
    scalar, mix = [n for n in model.module.body if isinstance(n, cst.FunctionDef)]
    assert returns_without_grad(model, scalar)
    assert not returns_without_grad(model, mix)
