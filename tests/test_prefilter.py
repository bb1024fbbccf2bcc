"""The pre-filter: files that cannot produce a finding are not parsed, and no
finding is ever lost because of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lossflint.examples import Invalid, expected_findings
from lossflint.linter import RuleSet
from lossflint.parallel import Worker
from lossflint.prefilter import FRAMEWORK_WORDS, Prefilter, reduce_words, syntax_ok
from lossflint.registry import Rule, all_rules
from lossflint.runner import lint_bytes

EXAMPLES = [
    pytest.param(code, i, example, id=f"{code}-{i}")
    for code, rule in all_rules().items()
    for i, example in enumerate(rule.INVALID)
]

SETUP_PY = """\
from setuptools import find_packages, setup

setup(name="pkg", version="1.0", packages=find_packages())
"""


def _default_plus(code: str) -> RuleSet:
    codes = [c for c, r in all_rules().items() if r.default_enabled]
    return RuleSet(sorted({*codes, code}))


@pytest.mark.parametrize(("code", "index", "example"), EXAMPLES)
def test_every_invalid_example_passes_the_filter(code: str, index: int, example: Invalid) -> None:
    # the rule alone: no other rule's words can keep the file
    alone = Prefilter(RuleSet([code]))
    assert not alone.skips(example.source, "example.py")
    # and end to end with the default rules: the finding is still reported
    ruleset = _default_plus(code)
    result = lint_bytes(
        example.source.encode(), "example.py", ruleset, [], prefilter=Prefilter(ruleset)
    )
    positions = [(d.location.row, d.location.column) for d in result.diagnostics if d.code == code]
    for expected in expected_findings(example.source):
        if expected.code != code:
            continue
        assert any(
            row == expected.line and expected.column in (None, column) for row, column in positions
        ), (expected, positions)


@pytest.mark.parametrize(
    ("code", "index", "example"),
    [p for p in EXAMPLES if all_rules()[p.values[0]].needs],  # type: ignore[index]
)
def test_declared_needs_are_truthful(code: str, index: int, example: Invalid) -> None:
    """A rule's own ``needs`` must match each of its INVALID examples, without
    help from the global framework words."""
    needs = all_rules()[code].needs
    assert any(word in example.source for word in needs), (code, needs)


def test_non_ml_files_are_skipped() -> None:
    prefilter = Prefilter(RuleSet.default())
    if not prefilter.active:
        pytest.skip("an enabled rule declares no `needs`: the filter is off")
    assert prefilter.skips(SETUP_PY, "setup.py")
    assert prefilter.skips("def add(a, b):\n    return a + b\n", "utils.py")
    assert prefilter.skipped == 2


@pytest.mark.parametrize("word", FRAMEWORK_WORDS)
def test_framework_words_keep_the_file(word: str) -> None:
    prefilter = Prefilter(RuleSet(["LF900"]))  # no rule words at all
    assert prefilter.active
    assert prefilter.must_lint(f"x = {word}_thing\n")


def test_files_with_syntax_errors_are_never_skipped() -> None:
    prefilter = Prefilter(RuleSet(["LF900"]))
    text = "def f(:\n    pass\n"
    assert not prefilter.must_lint(text)  # no word: it would be skipped...
    assert not prefilter.skips(text, "broken.py")  # ...but it does not compile
    result = lint_bytes(text.encode(), "broken.py", RuleSet(["LF900"]), [], prefilter=prefilter)
    assert [(d.code, d.location.row, d.location.column) for d in result.diagnostics] == [
        ("LF900", 1, 7)
    ]


def test_syntax_error_report_identical_with_and_without_filter() -> None:
    ruleset = RuleSet.default()
    for text in ("print 'hello'\n", "x = (1,\n", "a = 1\n\tb = 2\n"):
        with_filter = lint_bytes(text.encode(), "f.py", ruleset, [], prefilter=Prefilter(ruleset))
        without = lint_bytes(text.encode(), "f.py", ruleset, [])
        assert with_filter.diagnostics == without.diagnostics
        assert [d.code for d in without.diagnostics] == ["LF900"]


def test_compiler_only_errors_fall_back_to_libcst() -> None:
    # CPython rejects `return` outside a function at compile time; libcst
    # parses it. The filter must not report LF900 where the linter would not.
    text = "return 1\n"
    assert not syntax_ok(text, "f.py")
    ruleset = RuleSet.default()
    result = lint_bytes(text.encode(), "f.py", ruleset, [], prefilter=Prefilter(ruleset))
    assert result.diagnostics == lint_bytes(text.encode(), "f.py", ruleset, []).diagnostics


class _AlwaysRuns(Rule):
    code = "LF999"
    name = "test-only"
    needs = ()

    def check(self, model):  # type: ignore[no-untyped-def]
        return iter(())


def test_a_rule_without_needs_switches_the_filter_off() -> None:
    ruleset = RuleSet(["LF900"])
    ruleset.rules.append(_AlwaysRuns())
    prefilter = Prefilter(ruleset)
    assert not prefilter.active
    assert not prefilter.skips(SETUP_PY, "setup.py")


def test_unused_noqa_keeps_files_with_noqa_comments() -> None:
    ruleset = RuleSet(["LF900", "LF901"])
    prefilter = Prefilter(ruleset)
    assert not prefilter.skips("x = 1  # noqa: LF110\n", "f.py")
    assert prefilter.skips("x = 1\n", "f.py")


def test_reduce_words_drops_words_containing_others() -> None:
    assert reduce_words(["logits", "log", "torch", "Softmax", "softmax", ""]) == (
        "log",
        "torch",
        "Softmax",
        "softmax",
    )


def _files(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "setup.py").write_text(SETUP_PY)
    (tmp_path / "train.py").write_text(
        "import torch.nn.functional as F\nprobs = F.softmax(logits)\n"
    )
    yield tmp_path / "setup.py"
    yield tmp_path / "train.py"


def test_worker_counts_skipped_files(tmp_path: Path) -> None:
    from lossflint.config import Settings

    worker = Worker(Settings(root=tmp_path))
    assert worker.prefilter is not None
    results = [worker.lint(path)[1] for path in _files(tmp_path)]
    assert [len(r.diagnostics) for r in results] == [0, 1]
    if worker.prefilter.active:
        assert worker.prefilter.skipped == 1
