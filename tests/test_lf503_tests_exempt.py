"""LF503 needs a file name: a unit test compares a metric against sklearn's
reference value, where `zero_division` decides nothing (ignite's metric tests,
audit s133; the rule examples are all linted as ``example.py``)."""

from __future__ import annotations

import pytest

from lossflint.linter import RuleSet, lint_text

REFERENCE = """\
import numpy as np
from sklearn.metrics import precision_score


def test_precision_macro():
    y, p = np.array([0, 1, 1]), np.array([0, 1, 0])
    assert my_precision(y, p) == precision_score(y, p, average="macro")
"""


def codes(filename: str) -> list[str]:
    return [d.code for d in lint_text(REFERENCE, filename, RuleSet(["LF503"]), []).diagnostics]


@pytest.mark.parametrize("path", ["tests/ignite/metrics/test_precision.py", "test_metrics.py"])
def test_unit_tests_are_exempt(path: str) -> None:
    assert codes(path) == []


def test_the_same_code_in_a_script_is_reported() -> None:
    assert codes("evaluate.py") == ["LF503"]
