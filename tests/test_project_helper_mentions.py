"""Another file's mention of a helper that is no call (irfanICMLL's
structure_knowledge_distillation, audit s130): a star import whose file names
``L2`` only in a help string or a comment, or an import of ``L2`` never used,
leaves the helper's callers known, and its only caller detaches its result;
a file that calls it on a trained model's features makes it run with
gradients."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

_UTILS = """
import torch


def L2(f_):
    return (((f_ ** 2).sum(dim=1)) ** 0.5).reshape(f_.shape[0], 1, f_.shape[2], f_.shape[3]) + 1e-8


def similarity(feat):
    tmp = L2(feat).detach()
    feat = (feat / tmp).reshape(feat.shape[0], feat.shape[1], -1)
    return torch.einsum("icm,icn->imn", [feat, feat])
"""

_MENTIONS = {
    "help string": """
import argparse
from utils.utils import *


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wd", type=float, help="Regularisation parameter for L2-loss.")
    return parser.parse_args()
""",
    "comment": """
from utils.utils import *

# the L2 norm of each pixel's features
WEIGHT = 1.0
""",
    "unused import": """
from utils.utils import L2, similarity


def pairwise(f_s, f_t):
    return ((similarity(f_t) - similarity(f_s)) ** 2).mean()
""",
}

_CALLER = """
import torch
from utils.utils import L2

net = torch.nn.Conv2d(3, 8, 3)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for x in loader:
    loss = L2(net(x)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


def _lf205(tmp_path: Path, other: str) -> list[tuple[str, int, str]]:
    files = {"utils/__init__.py": "", "utils/utils.py": _UTILS, "utils/options.py": other}
    return [f for f in project_findings(tmp_path, files) if f[2] == "LF205"]


@pytest.mark.parametrize("kind", sorted(_MENTIONS))
def test_a_mention_that_is_no_call_leaves_the_helper_detached(tmp_path: Path, kind: str) -> None:
    assert _lf205(tmp_path, _MENTIONS[kind]) == []


def test_a_call_on_trained_features_runs_it_with_gradients(tmp_path: Path) -> None:
    assert _lf205(tmp_path, _CALLER) == [("utils.py", 6, "LF205")]
