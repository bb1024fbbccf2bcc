"""Branches a literal test never takes: nothing in them is reported, and
the interpreter reads no value out of them (``analysis/dead_code.py``)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lossflint.analysis.dead_code import constant_truth, unreachable
from lossflint.analysis.model import SemanticModel
from lossflint.linter import RuleSet, lint_text


def _codes(source: str) -> list[tuple[int, str]]:
    result = lint_text(textwrap.dedent(source), "train.py", RuleSet.default(), [])
    return [(d.location.row, d.code) for d in result.diagnostics]


def test_nothing_in_a_dead_branch_is_reported() -> None:
    source = """
        import torch
        x = torch.randn(3, 4)
        if False:
            a = torch.log(torch.softmax(x, 1))
        if True:
            b = x
        else:
            c = torch.log(torch.softmax(x, 1))
        while 0:
            d = torch.log(torch.softmax(x, 1))
        if 1:
            e = torch.log(torch.softmax(x, 1))
        if x:
            f = torch.log(torch.softmax(x, 1))
    """
    assert _codes(source) == [(13, "LF201"), (15, "LF201")]


def test_the_interpreter_takes_only_the_branch_a_literal_test_takes() -> None:
    source = """
        import torch
        import torch.nn as nn
        criterion = nn.CrossEntropyLoss()
        x = torch.randn(3, 4)
        if TEST:
            out = torch.softmax(x, dim=1)
        else:
            out = x
        loss = criterion(out, y)
    """
    assert _codes(source.replace("TEST", "True")) == [(10, "LF101")]
    assert _codes(source.replace("TEST", "False")) == []
    assert _codes(source.replace("TEST", "cfg.probs")) == []  # may be either: silence


@pytest.mark.parametrize(
    ("test", "truth"),
    [("True", True), ("0", False), ("None", False), ('""', False), ("-1", True), ("x", None)],
)
def test_only_literal_tests_are_constant(test: str, truth: bool | None) -> None:
    assert constant_truth(cst.parse_expression(test)) is truth


def test_an_elif_after_if_true_is_unreachable_and_after_if_false_is_not() -> None:
    text = "if True:\n    a = 1\nelif b:\n    c = 2\nif False:\n    d = 3\nelif e:\n    f = 4\n"
    module = cst.parse_module(text)
    model = SemanticModel(module, "t.py", source=text)
    assigns = [n for n in model.parents if isinstance(n, cst.Assign)]
    assert [unreachable(model, n) for n in assigns] == [False, True, True, False]


@pytest.mark.parametrize(
    "ending", ["exit()", "sys.exit(0)", "quit()", "raise SystemExit", "os._exit(1)"]
)
def test_what_follows_a_top_level_exit_never_runs(ending: str) -> None:
    # a debugging exit() left in a script (hsd1503/resnet1d, audit s154)
    log = "torch.log(torch.softmax(z, 1))"
    source = f"import os\nimport sys\nimport torch\na = {log}\n{ending}\nb = {log}\n"
    assert _codes(source) == [(4, "LF201")]


def test_an_exit_under_a_condition_or_in_a_function_ends_nothing() -> None:
    source = (
        "import sys\nimport torch\ndef stop():\n    sys.exit()\n"
        "if args.dry:\n    sys.exit()\nb = torch.log(torch.softmax(z, 1))\n"
    )
    assert _codes(source) == [(7, "LF201")]
