"""Every rule's own VALID and INVALID examples, parametrised automatically."""

from __future__ import annotations

import libcst as cst
import pytest

from lossflint import examples
from lossflint.edits import apply_edits
from lossflint.linter import RuleSet, lint_text
from lossflint.registry import all_rules

RULES = all_rules()
META = {"LF900", "LF901"}


def _lint(code: str, source: str):
    # meta rules observe the others (LF901 needs the code a noqa names to run)
    codes = [code] if code not in META else [*RuleSet.default().codes, code]
    result = lint_text(source, "example.py", RuleSet(codes), [])
    assert not result.errors, result.errors
    return [d for d in result.diagnostics if d.code == code]


def _cases(kind: str):
    for code, rule in RULES.items():
        for index, example in enumerate(getattr(rule, kind)):
            yield pytest.param(code, example, id=f"{code}-{kind.lower()}-{index}")


def _assert_matches_markers(code: str, source: str, found) -> None:
    """The findings are exactly the `# error: LFxxx` markers of ``source``."""
    wanted = [e for e in examples.expected_findings(source) if e.code == code]
    assert wanted, f"the example marks no `# error: {code}` line"
    got = sorted((d.location.row, d.location.column) for d in found)
    expected = sorted(
        (e.line, e.column if e.column is not None else col)
        for e in wanted
        for col in [next((c for r, c in got if r == e.line), 0)]
    )
    assert got == expected, (
        "\n".join(f"{d.location.row}:{d.location.column} {d.message}" for d in found)
        or "no finding"
    )


@pytest.mark.parametrize(("code", "example"), list(_cases("INVALID")))
def test_invalid_example_fires_at_position(code, example):
    found = _lint(code, example.source)
    if isinstance(example, examples.Invalid):
        _assert_matches_markers(code, example.source, found)
    else:
        positions = [(d.location.row, d.location.column) for d in found]
        assert positions == [(example.line, example.column)], "\n".join(
            f"{d.location.row}:{d.location.column} {d.message}" for d in found
        )
    if example.fixed is not None:
        (diag,) = found
        assert diag.fix is not None, "example expects a fix"
        fixed = apply_edits(example.source, diag.fix.edits)
        assert fixed == example.fixed
        cst.parse_module(fixed)


@pytest.mark.parametrize(("code", "example"), list(_cases("VALID")))
def test_valid_example_is_silent(code, example):
    found = _lint(code, examples.dedent(example))
    assert found == [], "\n".join(
        f"{d.location.row}:{d.location.column} {d.message}" for d in found
    )


@pytest.mark.parametrize("code", [c for c in RULES if c not in META])
def test_rule_has_docs_and_examples(code):
    rule = RULES[code]
    assert rule.name and rule.summary and rule.what.strip() and rule.why.strip()
    assert rule.example.strip() and rule.fix_safety.strip()
    assert rule.fix_kind in ("safe", "unsafe", "none")
    assert len(rule.INVALID) >= 3, "at least 3 INVALID examples"
    assert len(rule.VALID) >= 5, "at least 5 VALID examples"
    if rule.fix_kind != "none":
        assert any(e.fixed for e in rule.INVALID), "a fixable rule shows a fix"


def test_codes_are_unique_and_well_formed():
    import re

    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
    for code in RULES:
        assert re.fullmatch(r"LF[1-9][0-9]{2}", code)


def _uses_marked_examples(code: str) -> bool:
    return all(isinstance(e, examples.Invalid) for e in RULES[code].INVALID)


@pytest.mark.parametrize("code", [c for c in RULES if c not in META])
def test_doc_example_fires_where_marked(code):
    """The example a user reads in `lossflint rule LFxxx` is a program the rule
    fires on, exactly on its marked lines."""
    if not _uses_marked_examples(code):
        pytest.skip("legacy examples (moving to marked examples)")
    source = examples.dedent(RULES[code].example)
    _assert_matches_markers(code, source, _lint(code, source))


def test_markers_pin_columns():
    source = "acc = (probs == y).mean()  # error: LF501 at `probs == y`\nx = 1  # error: LF502\n"
    assert examples.expected_findings(source) == [
        examples.Expected("LF501", 1, 8),
        examples.Expected("LF502", 2, None),
    ]
    with pytest.raises(ValueError):
        examples.expected_findings("x = 1  # error: LF501 at `nowhere`\n")
