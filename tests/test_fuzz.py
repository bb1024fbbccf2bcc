"""Fuzzing: lossflint never raises and never reports a position outside the file.

Two sources of programs:

- syntactically valid Python from hypothesmith (its grammar-based and
  libcst-node-based strategies);
- random mutations of the real fixture scripts (deleted, duplicated and
  swapped lines, swapped names, truncation at any character), which are
  mostly *invalid* or half-valid ML code: the paths users hit while typing.

Every program is linted with the full default rule set through
``lossflint.linter.lint_text``; the result must have no internal errors, and
every diagnostic (and every edit of its fix, and every related location) must
point inside the text: a row of the file, a column up to the line's end + 1.

The suite runs a few examples (seconds). The long run is one command::

    LOSSFLINT_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py -p no:cacheprovider

which runs 2,000 programs in all, 400 per fuzz test (randomised; without the
variable each test runs 8 derandomised examples, so the suite is reproducible).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossflint.diagnostics import Diagnostic, Location
from lossflint.linter import LintResult, RuleSet, lint_text

ROOT = Path(__file__).resolve().parent.parent
LONG = os.environ.get("LOSSFLINT_FUZZ_EXAMPLES")
#: LOSSFLINT_FUZZ_EXAMPLES is the number of programs in all, shared by the five fuzz tests
EXAMPLES = max(1, int(LONG) // 5) if LONG else 8

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=list(HealthCheck),
)

RULES = RuleSet.default()
NEWLINE = re.compile(r"\r\n|\r|\n")


def _fixture_sources() -> list[str]:
    paths = sorted((ROOT / "fixtures").glob("*.py"))
    paths += sorted((ROOT / "fixtures" / "grammar").glob("*.py"))
    return [p.read_text(encoding="utf-8") for p in paths]


FIXTURES = _fixture_sources()


def _inside(lines: list[str], loc: Location) -> bool:
    if not 1 <= loc.row <= len(lines):
        return False
    return 1 <= loc.column <= len(lines[loc.row - 1]) + 1


def check_positions(text: str, diagnostics: list[Diagnostic]) -> None:
    lines = NEWLINE.split(text)  # a trailing newline leaves an empty last line: EOF
    for d in diagnostics:
        spans = [(d.location, d.end_location)]
        spans += [(r.location, r.end_location) for r in d.related]
        if d.fix is not None:
            spans += [(e.location, e.end_location) for e in d.fix.edits]
        for start, end in spans:
            assert _inside(lines, start), f"{d.code} {d.message!r}: start {start} outside"
            assert _inside(lines, end), f"{d.code} {d.message!r}: end {end} outside"
            assert start <= end, f"{d.code}: end {end} before start {start}"


def lint(text: str) -> LintResult:
    result = lint_text(text, "fuzz.py", RULES, [])
    assert not result.errors, [str(e) for e in result.errors]
    check_positions(text, result.diagnostics)
    return result


# --- generated valid Python --------------------------------------------------------


@FUZZ
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs(source: str) -> None:
    lint(source)


@FUZZ
@given(hypothesmith.from_node())
def test_node_generated_programs(source: str) -> None:
    lint(source)


@FUZZ
@given(hypothesmith.from_grammar(), st.sampled_from(FIXTURES))
def test_generated_code_inside_a_training_script(source: str, fixture: str) -> None:
    """A generated program appended to a real script: the analysis of the
    script sees arbitrary statements next to its model and loop."""
    lint(fixture + "\n" + source)


# --- mutations of the fixture scripts ----------------------------------------------

NAME = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*\b")


def _swap_names(text: str, a: str, b: str) -> str:
    """Swap every occurrence of two names (calls, attributes, imports)."""
    swap = {a: b, b: a}
    return NAME.sub(lambda m: swap.get(m.group(), m.group()), text)


@st.composite
def mutated_fixture(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(FIXTURES))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True)
        if not lines:
            break
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "rename", "truncate"]))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(j, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "rename":
            names = sorted(set(NAME.findall(text)))
            a = draw(st.sampled_from(names))
            b = draw(st.sampled_from(names))
            text = _swap_names(text, a, b)
            continue
        else:
            text = text[: draw(st.integers(0, len(text)))]
            continue
        text = "".join(lines)
    return text


@FUZZ
@given(mutated_fixture())
def test_mutated_fixtures(source: str) -> None:
    lint(source)


@FUZZ
@given(st.sampled_from(FIXTURES), st.data())
def test_every_prefix_of_a_line_boundary(fixture: str, data: st.DataObject) -> None:
    """A file cut after any line (an editor saving half a function)."""
    lines = fixture.splitlines(keepends=True)
    cut = data.draw(st.integers(0, len(lines)))
    lint("".join(lines[:cut]))


def test_positions_checker_rejects_out_of_range() -> None:
    """The position check itself works (a diagnostic past the line end fails)."""
    from lossflint.diagnostics import Severity

    bad = Diagnostic(
        code="LF000",
        name="x",
        message="m",
        severity=Severity.INFO,
        filename="f.py",
        location=Location(1, 7),
        end_location=Location(1, 7),
    )
    try:
        check_positions("x = 1\n", [bad])
    except AssertionError:
        pass
    else:
        raise AssertionError("column 7 on a 5-character line was accepted")
    check_positions(
        "x = 1\n",
        [
            bad.__class__(
                **{**bad.__dict__, "location": Location(1, 6), "end_location": Location(2, 1)}
            )
        ],
    )
