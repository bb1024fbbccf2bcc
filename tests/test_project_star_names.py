"""A name a script binds nowhere, bound by ``from <project module> import *``
(pianomania/infoGAN-pytorch: ``from model import *`` then ``D()`` ending in
``nn.Sigmoid`` fed to ``nn.BCELoss``, audit s19). The last star import that
binds the name decides; one that may bind it with what is not the project's
leaves it unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint.config import Settings
from lossflint.parallel import run_files

NETDEFS = """\
import torch.nn as nn

__all__ = {all}


class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(16, 1), nn.Sigmoid())

    def forward(self, x):
        return self.main(x)
"""

TRAIN = """\
import torch
import torch.nn as nn
{imports}

d = D()
criterion = nn.BCELoss()
opt = torch.optim.Adam(d.parameters(), lr=2e-4)
for x, y in loader:
    opt.zero_grad()
    loss = criterion(d(x), y)
    loss.backward()
    opt.step()
"""

OTHER = "import torch.nn as nn\n\nD = nn.Linear\n"


def findings(root: Path, imports: str, exported: str = "['D']") -> list[tuple[int, str]]:
    (root / "pyproject.toml").write_text("")
    (root / "netdefs.py").write_text(NETDEFS.format(all=exported))
    (root / "other.py").write_text(OTHER)
    (root / "helpers.py").write_text("X = 1\n")
    (root / "train.py").write_text(TRAIN.format(imports=imports))
    result = run_files([root / "train.py"], Settings(root=root), jobs=1)
    assert not result.errors
    # the loss line, whatever the imports' lines
    shift = imports.count("\n")
    return [(d.location.row - shift, d.code) for d in result.diagnostics]


@pytest.mark.parametrize(
    "imports",
    [
        "from netdefs import *",
        # a star import of a project module that does not bind it comes later
        "from netdefs import *\nfrom helpers import *",
        # a framework's star import that cannot bind it comes later
        "from netdefs import *\nfrom torch.optim import *",
        # ... or earlier: the project's, last, decides
        "from torch.nn import *\nfrom netdefs import *",
    ],
)
def test_a_star_imported_project_class_is_followed(tmp_path: Path, imports: str) -> None:
    assert findings(tmp_path, imports) == [(10, "LF104")]


@pytest.mark.parametrize(
    "imports, exported",
    [
        # a later project module binds it too: the last one decides (a Linear)
        ("from netdefs import *\nfrom other import *", "['D']"),
        # a module outside the project may bind anything
        ("from netdefs import *\nfrom somelib import *", "['D']"),
        # its __all__ leaves it out: not bound by that star import
        ("from netdefs import *", "[]"),
    ],
)
def test_what_a_star_import_may_not_bind_stays_unknown(
    tmp_path: Path, imports: str, exported: str
) -> None:
    assert findings(tmp_path, imports, exported) == []


def test_a_notebook_s_star_import_of_a_project_module_is_followed(tmp_path: Path) -> None:
    import json

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "netdefs.py").write_text(NETDEFS.format(all="['D']"))
    cells = TRAIN.format(imports="from netdefs import *").split("\n\n")
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": c,
            }
            for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "train.ipynb").write_text(json.dumps(notebook))
    result = run_files([tmp_path / "train.ipynb"], Settings(root=tmp_path), jobs=1)
    assert not result.errors
    assert [(d.cell, d.code) for d in result.diagnostics] == [(2, "LF104")]
