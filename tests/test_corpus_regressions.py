"""False positives found by the corpus check (``benchmarks/corpus_check.py``),
fixed since: each file in ``tests/data/corpus_fp/`` is the function the
finding was in (plus the module's imports), excerpted from the library
release; the rule named by the file's prefix must stay silent on it. Each
excerpt did produce the finding before the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint.linter import RuleSet, lint_text

DATA = Path(__file__).resolve().parent / "data" / "corpus_fp"
CASES = sorted(DATA.glob("LF*.py"))
RULES = RuleSet.default()


def test_there_are_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixed_corpus_false_positive_stays_fixed(path: Path) -> None:
    code = path.name.split("_", 1)[0]
    result = lint_text(path.read_text(encoding="utf-8"), path.name, RULES, [])
    assert not result.errors
    assert [(d.code, d.location.row) for d in result.diagnostics if d.code == code] == []
