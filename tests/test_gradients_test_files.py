"""Code in a unit test's file gets no gradient unless a backward is seen
reaching it: an ODE solver's norm callback handed to the library, a benchmark
problem solved forward (torchdiffeq's tests, audit R96). The rule examples are
all linted as ``example.py``, so the path needs tests of its own."""

from __future__ import annotations

import pytest

from lossflint.linter import RuleSet, lint_text

#: a norm callback handed to a solver; a distance a test checks
SCAFFOLDING = """\
import torch
import torchdiffeq


def test_norm_is_called():
    def norm(state):
        return state.pow(2).mean().sqrt()

    torchdiffeq.odeint(f, torch.tensor(1.0), t, options=dict(norm=norm))


def distance(a, b):
    return torch.sqrt(((a - b) ** 2).sum())
"""

#: a test that differentiates the root it checks
DIFFERENTIATED = """\
import torch


def test_distance_gradient():
    a = torch.randn(3, requires_grad=True)
    d = torch.sqrt((a ** 2).sum())
    d.backward()
"""


def codes(text: str, filename: str) -> list[str]:
    found = lint_text(text, filename, RuleSet(["LF205", "LF206"]), []).diagnostics
    return [d.code for d in found]


@pytest.mark.parametrize("path", ["tests/norm_tests.py", "tests/DETEST/detest.py", "test_ode.py"])
def test_scaffolding_in_test_files_is_silent(path: str) -> None:
    assert codes(SCAFFOLDING, path) == []


def test_the_same_code_elsewhere_fires() -> None:
    assert codes(SCAFFOLDING, "ode/solvers.py") == ["LF205", "LF205"]


def test_a_test_that_differentiates_the_root_still_fires() -> None:
    assert codes(DIFFERENTIATED, "tests/test_grad.py") == ["LF205"]
