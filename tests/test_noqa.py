"""``# noqa`` and ``# lossflint: noqa``: only real comments count, file-level
codes work, and prefix codes mean the same in the CLI, flake8 and LF901."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lossflint.linter import RuleSet, lint_text
from lossflint.noqa import file_is_exempt, parse_noqa
from lossflint.registry import all_rules

LOG = "lp = torch.log(torch.softmax(x, dim=1))"
SOFT = "p = F.softmax(x)"
HEAD = "import torch\nimport torch.nn.functional as F\n"


def codes(text: str, extra: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    enabled = [c for c, r in all_rules().items() if r.default_enabled or c in extra]
    result = lint_text(text, "t.py", RuleSet(enabled), [])
    return [(d.location.row, d.code) for d in result.diagnostics]


def test_docstring_mentioning_file_noqa_silences_nothing():
    text = f'"""Put `# lossflint: noqa` in a file to skip it."""\n{HEAD}{LOG}\n'
    assert not file_is_exempt(text)
    assert codes(text) == [(4, "LF201")]


def test_string_holding_a_noqa_is_not_a_directive():
    text = f'{HEAD}s = "# noqa"; {SOFT}\nt = """\n# lossflint: noqa\n"""\n'
    assert codes(text) == [(3, "LF110")]


def test_file_noqa_comment_skips_the_file():
    text = f"{HEAD}# lossflint: noqa\n{LOG}\n"
    assert file_is_exempt(text) and codes(text) == []
    trailing = f"{HEAD}{LOG}  # lossflint: noqa\n"
    assert codes(trailing) == []


def test_file_level_codes():
    text = f"# lossflint: noqa: LF201\n{HEAD}{LOG}\n{SOFT}\n"
    assert not file_is_exempt(text)
    assert codes(text) == [(5, "LF110")]
    assert codes(f"# lossflint: noqa: LF2, LF110\n{HEAD}{LOG}\n{SOFT}\n") == []


def test_unused_file_level_code_is_lf901():
    text = f"{HEAD}# lossflint: noqa: LF201, LF110\n{SOFT}\n"
    assert codes(text, ("LF901",)) == [(3, "LF901")]


def test_prefix_codes_on_a_line():
    text = f"{HEAD}{LOG}  # noqa: LF2\n{SOFT}  # noqa: LF1\n"
    assert codes(text) == []


def test_prefix_code_that_suppressed_nothing_is_lf901():
    text = f"{HEAD}{LOG}  # noqa: LF2\n{SOFT}  # noqa: LF3\n"
    assert codes(text, ("LF901",)) == [(4, "LF110"), (4, "LF901")]


def test_parse_noqa_positions():
    directives = parse_noqa("x = 1  # type: ignore  # noqa: LF101,LF2\n")
    assert directives[1].column == 24 and directives[1].codes == ("LF101", "LF2")


def test_unterminated_string_does_not_hide_later_comments():
    directives = parse_noqa('x = """\n  # noqa: LF201\n')
    assert list(directives) == [2]


@pytest.mark.skipif(
    subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True).returncode
    != 0,
    reason="flake8 not installed",
)
def test_prefix_codes_same_in_cli_and_flake8(tmp_path: Path):
    (tmp_path / "p.py").write_text(f"{HEAD}{LOG}  # noqa: LF2\n{SOFT}  # noqa: LF3\n")

    def run(*cmd: str) -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-m", *cmd, "p.py"], cwd=tmp_path, capture_output=True, text=True
        )
        return [line.split()[0] + line.split()[1] for line in proc.stdout.splitlines()]

    cli = run("lossflint", "check", "--no-cache", "-q", "--isolated")
    plugin = run("flake8", "--isolated", "--select=LF")
    assert cli == plugin == ["p.py:4:5:LF110"]
