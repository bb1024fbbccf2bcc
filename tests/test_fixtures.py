"""The bundled example scripts: what the README's first command shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from lossflint.linter import RuleSet, lint_text
from lossflint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
EVERY_RULE = RuleSet([c for c in all_rules() if c != "LF901"])


def test_fixture_findings_match_the_golden_list():
    """Codes and positions (not message wording) of `lossflint check fixtures/`."""
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--no-cache", "-q", "fixtures/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    found = [re.sub(r"^(.*?:\d+:\d+: LF\d+) .*$", r"\1", line) for line in proc.stdout.splitlines()]
    expected = (ROOT / "tests" / "data" / "fixtures_expected.txt").read_text().splitlines()
    assert found == expected


@pytest.mark.parametrize(
    "twin", sorted(p.name for p in FIXTURES.glob("*_fixed.py")), ids=lambda n: n
)
def test_correct_twins_are_silent_under_every_rule(twin):
    text = (FIXTURES / twin).read_text(encoding="utf-8")
    result = lint_text(text, twin, EVERY_RULE, [])
    assert result.errors == []
    assert [f"{d.location.row}:{d.location.column} {d.code}" for d in result.diagnostics] == []


@pytest.mark.parametrize(
    "buggy",
    sorted(p.name.replace("_fixed", "") for p in FIXTURES.glob("*_fixed.py")),
    ids=lambda n: n,
)
def test_buggy_twins_have_findings(buggy):
    text = (FIXTURES / buggy).read_text(encoding="utf-8")
    result = lint_text(text, buggy, EVERY_RULE, [])
    assert result.errors == []
    assert len(result.diagnostics) >= 2
