"""LF603 stays out of unit tests: a test runs a model under no_grad for its
output's shape, not to report an evaluation (lightning-bolts tests, R14)."""

from __future__ import annotations

import textwrap

from lossflint import lint_source
from lossflint.registry import all_rules

#: the rule's own example of an evaluation function named ``test`` (markers dropped)
SOURCE = next(
    textwrap.dedent(example.source).replace("  # error: LF603 at `model(x)`", "")
    for example in all_rules()["LF603"].INVALID
    if "def test(model, loader)" in example.source
)


def test_reported_in_a_script() -> None:
    found = lint_source(SOURCE, "evaluate.py", select=["LF603"])
    assert [d.code for d in found] == ["LF603"]


def test_silent_in_a_test_file() -> None:
    assert lint_source(SOURCE, "tests/test_models.py", select=["LF603"]) == []
