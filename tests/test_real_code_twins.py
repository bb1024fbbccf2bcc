"""Shapes a real-code audit (55 public repositories, every finding read)
found wrongly reported, beyond the rules' own examples (a rule module's
size is capped): the correct code, on which the rule stays silent, next to
the wrong code it must still report."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint.api import lint_paths
from lossflint.examples import dedent
from lossflint.linter import RuleSet, lint_text


def _rows(code: str, source: str) -> list[int]:
    result = lint_text(dedent(source), "example.py", RuleSet([code]), [])
    assert not result.errors, result.errors
    return [d.location.row for d in result.diagnostics if d.code == code]


LF306_SILENT = [
    # a detached loss scaled by the batch size holds no graph
    # (L1aoXingyu/pytorch-beginner: `running_loss += loss.data[0] * label.size(0)`)
    """
    import torch
    from torch import nn

    net = nn.Linear(10, 2)
    crit = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=1e-2)
    running, seen = 0.0, 0
    for inputs, labels in train_loader:
        loss = crit(net(inputs), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.detach() * inputs.size(0)
        running += inputs.size(0) * loss.data
        running += -(loss.data[0] * len(labels))
        seen += inputs.size(0)
    """,
    # a step function that returns its loss detached (spro/practical-pytorch)
    """
    import torch
    from torch import nn

    net = nn.Linear(10, 2)
    crit = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=0.01)


    def train(x, y):
        opt.zero_grad()
        loss = crit(net(x), y)
        loss.backward()
        opt.step()
        return loss.detach()


    current_loss = 0
    history = []
    for x, y in loader:
        loss = train(x, y)
        current_loss += loss
        history.append(train(x, y) * 2)
    """,
]

LF306_FIRES = [
    # the attached loss on the right of a product still carries the graph
    (
        """
        import torch
        from torch import nn

        net = nn.Linear(10, 2)
        crit = nn.CrossEntropyLoss()
        opt = torch.optim.SGD(net.parameters(), lr=1e-2)
        running = 0.0
        for inputs, labels in train_loader:
            loss = crit(net(inputs), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += inputs.size(0) * loss
        """,
        [13],
    ),
    # a step function returning the loss it back-propagated, attached
    (
        """
        import torch
        from torch import nn

        net = nn.Linear(10, 2)
        crit = nn.CrossEntropyLoss()
        opt = torch.optim.SGD(net.parameters(), lr=0.01)


        def train(x, y):
            opt.zero_grad()
            loss = crit(net(x), y)
            loss.backward()
            opt.step()
            return loss


        current_loss = 0
        for x, y in loader:
            loss = train(x, y)
            current_loss += loss
        """,
        [20],
    ),
]

LF307_SILENT = [
    # an optimiser over input pixels, not weights (style transfer, DeepDream,
    # class visualisation: Practical_DL, pytorch-cnn-visualizations)
    """
    import torch
    import torchvision

    cnn = torchvision.models.vgg19(weights=None).features.eval()
    canvas = torch.rand(1, 3, 224, 224).requires_grad_(True)
    opt = torch.optim.Adam([canvas], lr=0.1)


    class DeepDream:
        def __init__(self, image):
            self.processed_image = image.clone().requires_grad_(True)

        def dream(self):
            optimizer = torch.optim.SGD([self.processed_image], lr=12, weight_decay=1e-4)
            for _ in range(50):
                optimizer.zero_grad()
                loss = -cnn(self.processed_image).mean()
                loss.backward()
                optimizer.step()
    """,
]

LF307_FIRES = [
    # parameter groups in a list literal are still a model's weights
    (
        """
        import torch
        import torch.nn as nn
        backbone = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256))
        head = nn.Sequential(nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))
        optimizer = torch.optim.Adam(
            [{"params": backbone.parameters()}, {"params": head.parameters()}],
            lr=0.5,
        )
        """,
        [7],
    ),
]


@pytest.mark.parametrize("source", LF306_SILENT)
def test_lf306_silent(source: str) -> None:
    assert _rows("LF306", source) == []


@pytest.mark.parametrize(("source", "rows"), LF306_FIRES)
def test_lf306_fires(source: str, rows: list[int]) -> None:
    assert _rows("LF306", source) == rows


@pytest.mark.parametrize("source", LF307_SILENT)
def test_lf307_silent(source: str) -> None:
    assert _rows("LF307", source) == []


@pytest.mark.parametrize(("source", "rows"), LF307_FIRES)
def test_lf307_fires(source: str, rows: list[int]) -> None:
    assert _rows("LF307", source) == rows


_LF309_RNN = """
import torch
from torch import nn


class Rnn(nn.Module):
    def __init__(self, in_dim, hidden_dim, n_layer, n_class):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.lstm = nn.LSTM(in_dim, hidden_dim, n_layer, batch_first=True{dropout})
        self.classifier = nn.Linear(hidden_dim, n_class)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.classifier(out[:, -1, :])


model = Rnn(28, 128, 2, 10)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    for img, label in train_loader:
        loss = criterion(model(img), label)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        for img, label in test_loader:
            out = model(img)
"""


def test_lf309_silent_on_a_model_without_dropout_keeping_a_size() -> None:
    # `self.hidden_dim = hidden_dim` is a size (it is nn.LSTM's hidden_size),
    # not a submodule handed in: the model computes the same in eval mode
    # (L1aoXingyu/pytorch-beginner)
    assert _rows("LF309", _LF309_RNN.format(dropout="")) == []


def test_lf309_fires_on_the_same_model_with_dropout() -> None:
    assert _rows("LF309", _LF309_RNN.format(dropout=", dropout=0.2")) == [26]


_LSE_POOL = """
import torch
import torch.nn.functional as F
from torch import nn


class LsePlus2d(nn.Module):
    def __init__(self, r: float = 10.0):
        super().__init__()
        self.r = nn.Parameter(torch.tensor(r))

    def forward(self, x):
        x_max = F.adaptive_max_pool2d(x, 1)
        exp_x = torch.exp({operand})
        sum_exp = exp_x.mean(dim=(2, 3), keepdim=True)
        return x_max + (1.0 / self.r) * torch.log(sum_exp)
"""


def test_lf204_silent_on_a_scaled_shifted_exponent() -> None:
    # timm's LSE pooling: the max is subtracted before scaling (timm/layers/other_pool.py)
    assert _rows("LF204", _LSE_POOL.format(operand="self.r * (x - x_max)")) == []
    assert _rows("LF204", _LSE_POOL.format(operand="(x - x_max) / 0.1")) == []


def test_lf204_fires_on_the_unshifted_exponent() -> None:
    assert _rows("LF204", _LSE_POOL.format(operand="self.r * x")) == [15]


_LF306_TUPLE_STEP = """
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)


def train(x, y):
    optimizer.zero_grad()
    output = model(x)
    loss = criterion(output, y)
    loss.backward()
    optimizer.step()
    return output, {returned}


current_loss = 0
for x, y in loader:
    output, loss = train(x, y)
    current_loss += loss
"""


def test_lf306_silent_on_a_detached_loss_returned_in_a_tuple() -> None:
    # spro/practical-pytorch's char-rnn: `return output, loss.data[0]`
    assert _rows("LF306", _LF306_TUPLE_STEP.format(returned="loss.data[0]")) == []
    assert _rows("LF306", _LF306_TUPLE_STEP.format(returned="loss.item()")) == []


def test_lf306_fires_on_the_attached_loss_returned_in_a_tuple() -> None:
    assert _rows("LF306", _LF306_TUPLE_STEP.format(returned="loss")) == [21]


_ENGINE = """
import torch
from torch import nn

crit = nn.CrossEntropyLoss()


def train_step(model, opt, x, y):
    opt.zero_grad()
    loss = crit(model(x), y)
    loss.backward()
    opt.step()
    return {returned}
"""

_TRAIN = """
import torch
from torch import nn

from engine import train_step

model = nn.Linear(10, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
running = 0.0
for x, y in loader:
    loss = train_step(model, opt, x, y)
    running += loss
"""


@pytest.mark.parametrize(("returned", "rows"), [("loss.detach()", []), ("loss", [11])])
def test_lf306_through_a_step_function_of_another_module(
    tmp_path: Path, returned: str, rows: list[int]
) -> None:
    # engine.py's train_step returns its loss detached: the running total in
    # train.py holds no graph; the attached return still leaks
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "engine.py").write_text(dedent(_ENGINE.format(returned=returned)))
    (tmp_path / "train.py").write_text(dedent(_TRAIN))
    found = lint_paths([tmp_path / "train.py"], select=["LF306"], isolated=True)
    assert [d.location.row for d in found] == rows
