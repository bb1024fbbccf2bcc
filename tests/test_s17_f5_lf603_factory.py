"""LF603 across files: a model built by another module's factory function
(``build_model(cfg)`` returning ``MODELS[cfg.name](...)``) comes back in train
mode, as a constructor gives it; an evaluation of it with no ``.eval()`` runs
in train mode. Also a BatchNorm a class builds through a same-file helper
function (``conv_block``) seen from another module's evaluation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

NETS = """\
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, width=32, p=0.3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(16, width), nn.Dropout(p), nn.Linear(width, 4))

    def forward(self, x):
        return self.body(x)


ZOO = {{"tagger": Tagger}}


def make_net(spec):
    return ZOO[spec.kind](width=spec.width)
{extra}
"""

SCORE = """\
import torch

from nets import {factory}


def score(spec, rows, tags):
    net = {factory}(spec)
    net.load_state_dict(torch.load("best.pt"))
    with torch.no_grad():
        hits = (net(rows).argmax(-1) == tags).float().mean().item()
    return hits
"""

EVALED = """

def load_net(spec):
    net = make_net(spec)
    net.eval()
    return net
"""

KEPT = """

SHARED = Tagger()
SHARED.eval()


def shared_net(spec):
    return SHARED
"""

CHAINED = """

def ready_net(spec):
    return make_net(spec).eval()
"""


def findings(root: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    found = lint_paths([root], select=["LF603"])
    return sorted((Path(d.filename).name, d.location.row) for d in found)


def test_factory_of_a_registry_returns_a_model_in_train_mode(tmp_path: Path) -> None:
    files = {"nets.py": NETS.format(extra=""), "score.py": SCORE.format(factory="make_net")}
    assert findings(tmp_path, files) == [("score.py", 10)]


@pytest.mark.parametrize(
    ("extra", "factory"),
    [
        # the factory puts the model in eval mode before returning it
        (EVALED, "load_net"),
        # a model the module keeps (and put in eval mode there)
        (KEPT, "shared_net"),
        # eval() chained on the construction
        (CHAINED, "ready_net"),
    ],
)
def test_factory_that_may_return_an_eval_model_is_silent(
    tmp_path: Path, extra: str, factory: str
) -> None:
    files = {"nets.py": NETS.format(extra=extra), "score.py": SCORE.format(factory=factory)}
    assert findings(tmp_path, files) == []


def test_eval_called_in_the_evaluating_file_is_silent(tmp_path: Path) -> None:
    score = SCORE.format(factory="make_net").replace(
        "    with torch.no_grad():", "    net.eval()\n    with torch.no_grad():"
    )
    assert findings(tmp_path, {"nets.py": NETS.format(extra=""), "score.py": score}) == []


ENCODER = """\
import torch.nn as nn


def stage(cin, cout):
    parts = [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]
    parts.append(nn.BatchNorm2d(cout))
    return nn.Sequential(*parts)


def probe(c):
    # a layer built for something else: not what the helper returns
    nn.BatchNorm2d(c)
    return nn.Identity()


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(stage(3, 16), stage(16, 32))

    def forward(self, x):
        return self.net(x).mean((2, 3))


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3), probe(8))

    def forward(self, x):
        return self.net(x).mean((2, 3))
"""

EPISODES = """\
import torch
import torch.nn.functional as F

from encoder import {cls}

enc = {cls}()
opt = torch.optim.Adam(enc.parameters())
for x, y in train_batches:
    opt.zero_grad()
    F.cross_entropy(enc(x), y).backward()
    opt.step()
with torch.no_grad():
    acc = (enc(xv).argmax(1) == yv).float().mean()
"""


def test_batch_norm_built_by_a_helper_function_of_the_class_module(tmp_path: Path) -> None:
    files = {"encoder.py": ENCODER, "episodes.py": EPISODES.format(cls="Encoder")}
    assert findings(tmp_path, files) == [("episodes.py", 13)]


def test_helper_layer_not_returned_is_not_the_models(tmp_path: Path) -> None:
    files = {"encoder.py": ENCODER, "episodes.py": EPISODES.format(cls="Plain")}
    assert findings(tmp_path, files) == []
